//! `scripts/demo.sh`, README command one, run end to end: real build, real emulator binary,
//! real Terraform CLI. Also checks that it cleans up after a failure part-way.

mod support;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the demo with `terraform` as its Terraform CLI, within `limit`.
fn run_demo(terraform: &Path, limit: Duration) -> Output {
    let mut child = Command::new(support::bash())
        .arg(root().join("scripts/demo.sh"))
        .current_dir(root())
        .env("TERRAFORM", terraform)
        .env_remove("DEMO_KEEP")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs the demo");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("demo status").is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("demo output");
            panic!(
                "the demo took longer than {limit:?}:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().expect("demo output")
}

/// The emulator's address and the work directory the demo announced.
fn announced(stdout: &str) -> (Option<String>, Option<PathBuf>) {
    let addr = stdout
        .split("API at http://")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c == ',' || c.is_whitespace()).next())
        .map(str::to_string);
    let work = stdout
        .split("Working in ")
        .nth(1)
        .and_then(|rest| rest.split(" (removed").next())
        .map(PathBuf::from);
    (addr, work)
}

fn assert_cleaned_up(stdout: &str) {
    let (addr, work) = announced(stdout);
    let addr = addr.expect("the demo names the emulator's address");
    let work = work.expect("the demo names its work directory");
    // The emulator is stopped: nothing listens on its port any more.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(&addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the emulator at {addr} is still running after the demo ended"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!work.exists(), "the demo left {} behind", work.display());
}

#[test]
fn demo_initializes_configures_and_updates_in_place_then_cleans_up() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let out = run_demo(&tf, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    for expected in [
        "Installed cloudhsm-iac/cloudhsm",
        "cloudhsm_one_time_root.this: Creation complete",
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.",
        "No changes.",
        "~ value = 90 -> 30",
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
        "hsm_type = \"hsm2m.medium\"",
        "Done.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}\n{stderr}"
        );
    }
    assert_cleaned_up(&stdout);
}

#[test]
fn demo_cleans_up_when_terraform_fails_part_way() {
    // A stand-in Terraform that reports a good version, then fails `init`: the demo must stop
    // with a clear message, stop its emulator and remove its files.
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("terraform");
    std::fs::write(
        &fake,
        "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Terraform v1.11.0'; exit 0; fi\n\
         echo 'fake terraform: refusing' >&2; exit 1\n",
    )
    .expect("write fake terraform");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = run_demo(&fake, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the demo must fail:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("demo failed: terraform init failed"),
        "the failure is named:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("fake terraform: refusing"), "{stdout}");
    assert_cleaned_up(&stdout);
}

#[test]
fn demo_refuses_a_terraform_without_protocol_6_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("terraform");
    std::fs::write(
        &fake,
        "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Terraform v0.15.5'; exit 0; fi\nexit 1\n",
    )
    .expect("write fake terraform");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = run_demo(&fake, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("Terraform 0.15.5 is too old"), "{stderr}");
    assert!(
        stderr.contains("TERRAFORM=/path/to/terraform"),
        "says what to do: {stderr}"
    );
}
