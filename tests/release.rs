//! `scripts/release.sh` builds what the Terraform Registry expects, and Terraform installs
//! it: the archive unpacked into a `filesystem_mirror` (and, separately, the zip itself in
//! the packed mirror layout), then `terraform init` and `plan` with no dev overrides.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cloudhsm_emulator::ClusterSpec;

const NAME: &str = "terraform-provider-cloudhsm";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const PLATFORM: &str = "linux_amd64";

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

/// Runs the release script with the debug build into `dist`.
fn release(dist: &Path) {
    let out = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .args(["--profile", "dev"])
        .current_dir(root())
        .env("DIST_DIR", dist)
        .output()
        .expect("bash runs release.sh");
    assert!(out.status.success(), "release.sh failed:\n{}", text(&out));
}

fn zip_name() -> String {
    format!("{NAME}_{VERSION}_{PLATFORM}.zip")
}

/// A module that reads a seeded cluster through the installed provider.
fn module(dir: &Path, endpoint: &str, cluster_id: &str) {
    std::fs::create_dir_all(dir).expect("module dir");
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"terraform {{
  required_providers {{
    cloudhsm = {{
      source  = "cloudhsm-iac/cloudhsm"
      version = "{VERSION}"
    }}
  }}
}}

provider "cloudhsm" {{
  region     = "us-east-1"
  access_key = "AKIDEXAMPLETEST"
  secret_key = "test-secret-key"
  endpoints  = {{ cloudhsmv2 = "{endpoint}" }}
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

fn terraform(tf: &Path, dir: &Path, cli_config: &Path, args: &[&str]) -> Output {
    Command::new(tf)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("TF_LOG")
        .output()
        .expect("terraform runs")
}

/// `terraform init` + `plan` in a fresh module with only `mirror` as installation source.
/// Answers the `h1:` package hash Terraform recorded in the lock file.
fn init_and_plan(
    tf: &Path,
    work: &Path,
    mirror: &Path,
    endpoint: &str,
    cluster_id: &str,
) -> String {
    let cli_config = work.join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{}\"]\n  }}\n}}\n",
            mirror.display(),
            support::SOURCE
        ),
    )
    .expect("cli config");
    let config = std::fs::read_to_string(&cli_config).expect("cli config");
    assert!(!config.contains("dev_overrides"));
    let dir = work.join("module");
    module(&dir, endpoint, cluster_id);

    let init = terraform(
        tf,
        &dir,
        &cli_config,
        &["init", "-no-color", "-input=false"],
    );
    let init_text = text(&init);
    assert!(init.status.success(), "terraform init failed:\n{init_text}");
    assert!(
        init_text.contains(&format!("Installed cloudhsm-iac/cloudhsm v{VERSION}")),
        "{init_text}"
    );
    assert!(!init_text.contains("overrides"), "{init_text}");
    let lock = std::fs::read_to_string(dir.join(".terraform.lock.hcl")).expect("lock file");
    assert!(lock.contains(support::SOURCE), "{lock}");
    assert!(
        lock.lines()
            .any(|l| l.trim_start().starts_with("version") && l.contains(&format!("\"{VERSION}\""))),
        "{lock}"
    );
    let h1 = lock
        .split('"')
        .find(|part| part.starts_with("h1:"))
        .unwrap_or_else(|| panic!("the lock file records no package hash: {lock}"))
        .to_string();

    let plan = terraform(
        tf,
        &dir,
        &cli_config,
        &["plan", "-no-color", "-input=false"],
    );
    let plan_text = text(&plan);
    assert!(plan.status.success(), "terraform plan failed:\n{plan_text}");
    assert!(
        plan_text.contains("hsm_type = \"hsm1.medium\""),
        "{plan_text}"
    );
    h1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_archives_install_from_a_filesystem_mirror() {
    let dist = tempfile::tempdir().expect("dist");
    let dist_path = dist.path().to_path_buf();
    tokio::task::spawn_blocking(move || release(&dist_path))
        .await
        .expect("release thread");

    // What the registry expects.
    let zip = dist.path().join(zip_name());
    assert!(zip.is_file(), "{} missing", zip.display());
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.path().join("terraform-registry-manifest.json"))
            .expect("terraform-registry-manifest.json"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    let sums_name = format!("{NAME}_{VERSION}_SHA256SUMS");
    let sums = std::fs::read_to_string(dist.path().join(&sums_name)).expect("SHA256SUMS");
    assert!(sums.contains(&zip_name()), "{sums}");
    assert!(
        sums.contains(&format!("{NAME}_{VERSION}_manifest.json")),
        "{sums}"
    );
    let check = Command::new("sha256sum")
        .args(["-c", &sums_name])
        .current_dir(dist.path())
        .output()
        .expect("sha256sum runs");
    assert!(
        check.status.success(),
        "checksums do not match:\n{}",
        text(&check)
    );

    let listing = Command::new("unzip")
        .arg("-Z1")
        .arg(&zip)
        .output()
        .expect("unzip runs");
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).trim(),
        format!("{NAME}_v{VERSION}"),
        "the zip holds exactly the versioned binary"
    );

    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let cluster_id = emulator.control().seed_cluster(ClusterSpec::default());
    let endpoint = emulator.endpoint_url();

    tokio::task::spawn_blocking(move || {
        // Unpacked layout: HOST/NAMESPACE/TYPE/VERSION/TARGET/<binary>.
        let work = tempfile::tempdir().expect("work");
        let mirror = work.path().join("mirror");
        let target: PathBuf = mirror
            .join("registry.terraform.io/cloudhsm-iac/cloudhsm")
            .join(VERSION)
            .join(PLATFORM);
        std::fs::create_dir_all(&target).expect("mirror dir");
        let unzip = Command::new("unzip")
            .arg("-q")
            .arg(&zip)
            .arg("-d")
            .arg(&target)
            .output()
            .expect("unzip runs");
        assert!(unzip.status.success(), "{}", text(&unzip));
        let unpacked = init_and_plan(&tf, work.path(), &mirror, &endpoint, &cluster_id);

        // Packed layout: the registry zip as it is, HOST/NAMESPACE/TYPE/<zip>.
        let work = tempfile::tempdir().expect("work");
        let mirror = work.path().join("mirror");
        let dir = mirror.join("registry.terraform.io/cloudhsm-iac/cloudhsm");
        std::fs::create_dir_all(&dir).expect("mirror dir");
        std::fs::copy(&zip, dir.join(zip_name())).expect("copy zip");
        let packed = init_and_plan(&tf, work.path(), &mirror, &endpoint, &cluster_id);
        assert_eq!(
            unpacked, packed,
            "the zip and its unpacked contents are the same package"
        );
    })
    .await
    .expect("terraform thread");
    drop(dist);
}
