//! Terraform installing the provider the way users do, for the release tests: a module that
//! requires it from a source address and reads a cluster through it, a CLI configuration of
//! our choosing (no dev overrides), the test CA trusted through `SSL_CERT_FILE`, and what
//! ended up installed.

use std::path::{Path, PathBuf};

use crate::support::Run;

use super::https::TestCa;
use super::VERSION;

/// A Terraform working directory with its own CLI configuration.
pub struct Install {
    pub terraform: PathBuf,
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
    ca_file: PathBuf,
    ca_dir: PathBuf,
}

impl Install {
    /// A module requiring `source` at this release's version and reading `cluster_id` from
    /// the emulator at `endpoint`; Terraform gets `cli_config` as its CLI configuration.
    pub fn new(
        terraform: &Path,
        ca: &TestCa,
        source: &str,
        cli_config: &str,
        endpoint: &str,
        cluster_id: &str,
    ) -> Self {
        assert!(!cli_config.contains("dev_overrides"));
        let dir = tempfile::tempdir().expect("module dir");
        let cli_path = dir.path().join("terraformrc");
        std::fs::write(&cli_path, cli_config).expect("cli config");
        write_module(dir.path(), source, endpoint, cluster_id);
        Install {
            terraform: terraform.to_path_buf(),
            dir,
            cli_config: cli_path,
            ca_file: ca.cert_file(),
            ca_dir: ca.cert_dir().to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `terraform <args>` here, hermetic: only the test CA is trusted, no plugin cache, no
    /// credentials or CLI arguments from the machine running the tests.
    pub fn run(&self, args: &[&str]) -> Run {
        let out =
            crate::support::terraform_command(&self.terraform, self.dir.path(), &self.cli_config)
                .args(args)
                .env("SSL_CERT_FILE", &self.ca_file)
                .env("SSL_CERT_DIR", &self.ca_dir)
                .stdin(std::process::Stdio::null())
                .output()
                .expect("terraform runs");
        Run {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    pub fn init(&self) -> Run {
        self.run(&["init", "-no-color", "-input=false"])
    }

    /// `terraform plan`, which must succeed and read the seeded cluster through the
    /// installed provider.
    #[track_caller]
    pub fn plan_reads_the_cluster(&self) {
        let plan = self.run(&["plan", "-no-color", "-input=false"]).ok();
        assert!(
            plan.all().contains("hsm_type = \"hsm1.medium\""),
            "the plan does not show the cluster read through the installed provider:\n{}",
            plan.all()
        );
    }

    /// Every provider binary Terraform put under `.terraform/providers`.
    pub fn installed_binaries(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut todo = vec![self.dir.path().join(".terraform/providers")];
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    todo.push(path);
                } else if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("terraform-provider-cloudhsm")
                {
                    found.push(path);
                }
            }
        }
        found
    }

    /// The init failed with `words` in Terraform's own error and installed nothing: no
    /// provider binary, no lock file entry.
    #[track_caller]
    pub fn refused(&self, run: &Run, source: &str, words: &[&str]) {
        let text = crate::support::flat(&run.all());
        assert!(
            !run.success,
            "terraform init accepted what it should refuse:\n{}",
            run.all()
        );
        assert!(
            text.contains("Error: Failed to install provider"),
            "{}",
            run.all()
        );
        for w in words {
            assert!(
                text.contains(w),
                "Terraform's error does not say {w:?}:\n{}",
                run.all()
            );
        }
        assert_eq!(
            self.installed_binaries(),
            Vec::<PathBuf>::new(),
            "a refused provider was installed anyway"
        );
        assert_eq!(
            super::hashes::locked(self.path(), source),
            Vec::<String>::new(),
            "a refused provider was written to the lock file"
        );
    }
}

/// Writes `main.tf` into `dir`: a module requiring `source` at this release's version and
/// reading `cluster_id` from the emulator at `endpoint` through the data source.
pub fn write_module(dir: &Path, source: &str, endpoint: &str, cluster_id: &str) {
    std::fs::create_dir_all(dir).expect("module dir");
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"terraform {{
  required_providers {{
    cloudhsm = {{
      source  = "{source}"
      version = "{VERSION}"
    }}
  }}
}}

provider "cloudhsm" {{
  region     = "us-east-1"
  access_key = "AKIDEXAMPLETEST"
  secret_key = "test-secret-key"
  endpoints  {{ cloudhsmv2 = "{endpoint}" }}
}}

data "cloudhsm_cluster" "this" {{
  cluster_id = "{cluster_id}"
}}

output "hsm_type" {{
  value = data.cloudhsm_cluster.this.hsm_type
}}
"#
        ),
    )
    .expect("main.tf");
}
