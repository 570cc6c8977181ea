//! `examples/complete` applied as it is, offline, with HashiCorp's AWS provider beside ours:
//! both pointed at the emulator by an override file (the AWS provider's `endpoints` and
//! skip flags), the AWS provider from the machine's filesystem mirror, ours from a mirror of
//! the freshly built binary. The AWS provider creates the cluster and its HSM, ours signs,
//! initializes and configures it, finds the newest backup and copies it to the second region,
//! never expiring; a second plan is empty.

mod support;

use std::path::Path;

use cloudhsm_emulator::{Emulator, EmulatorConfig, Timings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_complete_example_applies_offline_and_copies_the_newest_backup() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let Some(aws) = support::aws_mirror() else {
        return;
    };
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings::instant(),
        region: "eu-west-1".into(),
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let control = emulator.control();
    let dir = tempfile::tempdir().expect("tempdir");
    let module = dir.path().join("module");
    std::fs::create_dir(&module).expect("module dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/complete");
    for entry in std::fs::read_dir(&example).expect("examples/complete") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&path, module.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let (hsm, sts) = (emulator.endpoint_url(), emulator.sts_endpoint_url());
    std::fs::write(
        module.join("emulator_override.tf"),
        format!(
            "provider \"aws\" {{\n  access_key                  = \"AKIDEMULATOR\"\n  secret_key                  = \"emulator-secret\"\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n  endpoints {{\n    cloudhsmv2 = \"{hsm}\"\n    sts        = \"{sts}\"\n  }}\n}}\n\n\
             provider \"cloudhsm\" {{\n  access_key = \"AKIDEMULATOR\"\n  secret_key = \"emulator-secret\"\n  endpoints {{\n    cloudhsmv2 = \"{hsm}\"\n  }}\n}}\n"
        ),
    )
    .expect("override");
    std::fs::write(
        module.join("terraform.tfvars"),
        "subnet_ids = [\"subnet-0123456789abcdef0\", \"subnet-0123456789abcdef1\"]\n",
    )
    .expect("tfvars");
    let cli_config = support::write_mirrors_config(dir.path(), &aws);
    let run = |args: &[&str]| {
        let out = support::terraform_command(&tf, &module, &cli_config)
            .args(args)
            .output()
            .expect("terraform runs");
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = tokio::task::block_in_place(|| run(&["init", "-no-color"]));
    assert_eq!(code, Some(0), "terraform init:\n{text}");
    let (code, text) =
        tokio::task::block_in_place(|| run(&["apply", "-auto-approve", "-no-color"]));
    assert_eq!(code, Some(0), "terraform apply:\n{text}");

    // The cluster the AWS provider made is initialized, its newest backup copied.
    let clusters = control.cluster_ids();
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let cluster = control.cluster_json(&clusters[0]).expect("the cluster");
    assert!(
        ["INITIALIZED", "ACTIVE"].contains(&cluster["State"].as_str().unwrap_or_default()),
        "{cluster}"
    );
    let copies: Vec<_> = control
        .backup_ids()
        .into_iter()
        .filter(|id| control.backup_region(id).as_deref() == Some("eu-central-1"))
        .filter_map(|id| control.backup_json(&id))
        .collect();
    assert_eq!(copies.len(), 1, "one copy in eu-central-1: {copies:?}");
    assert_eq!(copies[0]["NeverExpires"], true);
    assert_eq!(copies[0]["BackupState"], "READY");
    assert_eq!(control.call_count("CopyBackupToRegion"), 1);

    let (code, text) =
        tokio::task::block_in_place(|| run(&["plan", "-no-color", "-detailed-exitcode"]));
    assert_eq!(code, Some(0), "a second plan is empty:\n{text}");
}
