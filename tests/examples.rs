//! The examples under `examples/` stay valid: `terraform fmt -check` on all of them, and
//! `terraform validate` with only our provider (through `dev_overrides`) on every example
//! that needs no other provider. `examples/complete` and `examples/complete-own-ca` need the
//! AWS provider, so they get the format check and a check that they still show the whole flow.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A scratch copy of an example wired to the freshly built provider.
struct Scratch {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        let cli_config = dir.path().join("terraformrc");
        let plugin_dir = support::dev_plugin_dir();
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                support::SOURCE,
                support::hcl_path(&plugin_dir)
            ),
        )
        .expect("cli config");
        std::fs::create_dir(dir.path().join("module")).expect("module dir");
        Scratch { dir, cli_config }
    }

    fn module(&self) -> PathBuf {
        self.dir.path().join("module")
    }

    /// Copies the `.tf` files of `example` and, when none declares `required_providers`,
    /// adds the declaration a module using this provider needs (the docs snippets leave it
    /// out, as Registry examples do).
    fn copy_example(&self, example: &Path) {
        let mut declared = false;
        for entry in std::fs::read_dir(example).expect("example dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "tf") {
                let body = std::fs::read_to_string(&path).expect("read example");
                declared |= body.contains("required_providers");
                std::fs::write(self.module().join(path.file_name().expect("name")), body)
                    .expect("copy example");
            }
        }
        if !declared {
            self.write(
                "providers_for_test.tf",
                "terraform {\n  required_providers {\n    cloudhsm = {\n      source = \"cloudhsm-iac/cloudhsm\"\n    }\n  }\n}\n",
            );
        }
    }

    fn write(&self, name: &str, body: &str) {
        std::fs::write(self.module().join(name), body).expect("write");
    }

    fn terraform(&self, tf: &Path, args: &[&str]) -> Output {
        support::terraform_command(tf, &self.module(), &self.cli_config)
            .args(args)
            .output()
            .expect("terraform runs")
    }
}

/// Examples that need only our provider, and the oldest Terraform whose `validate` accepts
/// them: references into nested attributes (`x.certificates.cluster_csr`) pass Terraform's
/// static validation only from 1.2.7 on (hashicorp/terraform#31527).
const OWN_PROVIDER_ONLY: &[(&str, (u32, u32, u32))] = &[
    ("provider", (1, 0, 0)),
    ("resources/cloudhsm_cluster_initialization", (1, 0, 0)),
    ("resources/cloudhsm_cluster_config", (1, 0, 0)),
    ("resources/cloudhsm_one_time_root", (1, 0, 0)),
    ("data-sources/cloudhsm_cluster", (1, 2, 7)),
    ("resources/cloudhsm_backup_copy", (1, 0, 0)),
    ("resources/cloudhsm_backup_retention_exemption", (1, 0, 0)),
    ("data-sources/cloudhsm_backups", (1, 0, 0)),
    ("quickstart", (1, 0, 0)),
];

#[test]
fn every_example_is_formatted() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let scratch = Scratch::new();
    let out = Command::new(&tf)
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .arg(root().join("examples"))
        .env("TF_CLI_CONFIG_FILE", &scratch.cli_config)
        .output()
        .expect("terraform fmt runs");
    assert!(
        out.status.success(),
        "examples/ is not formatted; run `terraform fmt -recursive examples`:\n{}",
        text(&out)
    );
}

#[test]
fn examples_with_only_our_provider_pass_validate() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let version = support::terraform_version(&tf);
    let mut validated = 0;
    for (example, oldest) in OWN_PROVIDER_ONLY {
        if version < *oldest {
            eprintln!(
                "NOT VALIDATED: examples/{example} needs Terraform {oldest:?} or newer for \
                 `validate`; this is {version:?}"
            );
            continue;
        }
        let scratch = Scratch::new();
        scratch.copy_example(&root().join("examples").join(example));
        let out = scratch.terraform(&tf, &["validate", "-no-color"]);
        assert!(
            out.status.success() && text(&out).contains("The configuration is valid"),
            "examples/{example} fails `terraform validate`:\n{}",
            text(&out)
        );
        validated += 1;
    }
    assert!(validated >= 7, "only {validated} examples were validated");
}

#[test]
fn validate_really_consults_the_provider() {
    // Guards the test above against passing vacuously: the same setup rejects what our
    // provider rejects.
    let Some(tf) = support::terraform() else {
        return;
    };
    let scratch = Scratch::new();
    scratch.copy_example(&root().join("examples/resources/cloudhsm_cluster_config"));
    scratch.write(
        "bad.tf",
        "data \"cloudhsm_cluster\" \"bad\" {\n  cluster_id = \"not-a-cluster\"\n}\n",
    );
    let out = scratch.terraform(&tf, &["validate", "-no-color"]);
    let all = text(&out);
    assert!(
        !out.status.success(),
        "validate accepted a malformed id:\n{all}"
    );
    assert!(all.contains("Invalid cluster id"), "{all}");
}

#[test]
fn the_complete_examples_show_the_whole_aws_flow_with_no_ca_key_stored() {
    let read = |dir: &str| {
        std::fs::read_to_string(root().join(format!("examples/{dir}/main.tf")))
            .unwrap_or_else(|e| panic!("examples/{dir}/main.tf: {e}"))
    };
    let common = [
        "NEEDS AWS",
        "resource \"aws_cloudhsm_v2_cluster\"",
        "resource \"aws_cloudhsm_v2_hsm\"",
        "resource \"cloudhsm_cluster_initialization\"",
        "resource \"cloudhsm_cluster_config\"",
    ];
    for (dir, parts) in [
        (
            "complete",
            vec![
                "resource \"cloudhsm_one_time_root\"",
                "prevent_destroy",
                "data \"cloudhsm_backups\"",
                "resource \"cloudhsm_backup_copy\"",
                "never_expires      = true",
            ],
        ),
        (
            "complete-own-ca",
            vec![
                "ephemeral \"aws_secretsmanager_secret_version\"",
                "ca_private_key_wo = ephemeral.",
            ],
        ),
    ] {
        let main = read(dir);
        for part in common.iter().copied().chain(parts) {
            assert!(main.contains(part), "examples/{dir}/main.tf lacks {part}");
        }
        // No CA key in the state: no tls provider, no terraform_data to keep a CSR.
        for absent in [
            "tls_private_key",
            "tls_locally_signed_cert",
            "terraform_data",
        ] {
            assert!(
                !main.contains(absent),
                "examples/{dir}/main.tf has {absent}"
            );
        }
    }
}

#[test]
fn each_resource_has_an_import_example_using_a_cluster_id() {
    for resource in ["cloudhsm_cluster_initialization", "cloudhsm_cluster_config"] {
        let path = root().join(format!("examples/resources/{resource}/import.sh"));
        let body = std::fs::read_to_string(&path).expect("import.sh exists");
        let command = body
            .lines()
            .find(|l| l.starts_with("terraform import"))
            .unwrap_or_else(|| panic!("{} has no terraform import line", path.display()));
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words.len(), 4, "{command}");
        assert_eq!(words[2], format!("{resource}.this"));
        assert!(
            terraform_provider_cloudhsm::cluster_id::is_cluster_id(words[3]),
            "{command}: the id must be a valid cluster id"
        );
    }
}
