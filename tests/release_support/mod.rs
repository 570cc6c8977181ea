//! Shared by the release tests (`release.rs`, `registry.rs`, `network_mirror.rs`): running
//! `scripts/release.sh`, one signed release per test binary, and a tampered archive. The
//! parts: `gpg` (throwaway keys), `https` (a test CA and an HTTPS server), `install`
//! (Terraform installing the provider), `hashes` (what the lock file should hold),
//! `harness` (the setup of one registry or network-mirror test).
//!
//! Declare `mod support;` next to `mod release_support;`: this module uses it.

#![allow(dead_code)]

pub mod gpg;
pub mod harness;
pub mod hashes;
pub mod https;
pub mod install;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const NAME: &str = "terraform-provider-cloudhsm";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Terraform's name of the platform the tests run on (and release.sh packs for).
pub use crate::support::PLATFORM;

/// A release platform other than [`PLATFORM`], whose tests do not run here.
pub const OTHER_PLATFORM: &str = if cfg!(all(target_os = "macos", target_arch = "aarch64")) {
    "linux_arm64"
} else {
    "darwin_arm64"
};

/// The binary's suffix in the archive (`.exe` on Windows), as release.sh names it.
pub const EXE: &str = std::env::consts::EXE_SUFFIX;

/// Terraform's OS (`linux`, `darwin`, `windows`) of [`PLATFORM`].
pub fn os() -> &'static str {
    PLATFORM.split_once('_').map_or(PLATFORM, |(os, _)| os)
}

/// Terraform's architecture (`amd64`, `arm64`) of [`PLATFORM`].
pub fn arch() -> &'static str {
    PLATFORM.split_once('_').map_or("", |(_, arch)| arch)
}

/// The provider binary's name inside the archive.
pub fn binary_name() -> String {
    format!("{NAME}_v{VERSION}{EXE}")
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cmd`'s output with an empty stdin, or why not when it has not ended within `limit`: it
/// is killed then. Once it has ended, its output is what it wrote by the time its pipes
/// closed, or 5 s after its exit when a process it started keeps them open (a gpg-agent,
/// on Windows): that is not waited for.
pub fn output_within(cmd: &mut Command, limit: std::time::Duration) -> Result<Output, String> {
    use std::io::Read as _;
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?} does not start: {e}"))?;
    let deadline = Instant::now() + limit;
    let (closed, pipes_closed) = std::sync::mpsc::channel();
    let buffers = [
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    ];
    let pipes: [Option<Box<dyn std::io::Read + Send>>; 2] = [
        child.stdout.take().map(|p| Box::new(p) as _),
        child.stderr.take().map(|p| Box::new(p) as _),
    ];
    for (pipe, buffer) in pipes.into_iter().zip(buffers.iter().cloned()) {
        let closed = closed.clone();
        std::thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let mut chunk = [0_u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                    if let Ok(mut buffer) = buffer.lock() {
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                }
            }
            let _ = closed.send(());
        });
    }
    let taken = |i: usize| buffers[i].lock().map(|b| b.clone()).unwrap_or_default();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let why = match outcome {
                    Err(e) => format!("no exit status: {e}"),
                    _ => format!("did not end within {} s", limit.as_secs()),
                };
                return Err(format!(
                    "{cmd:?} {why}; it had written:\n{}\n{}",
                    String::from_utf8_lossy(&taken(0)),
                    String::from_utf8_lossy(&taken(1))
                ));
            }
        }
    };
    let grace = Instant::now() + Duration::from_secs(5);
    for _ in 0..2 {
        let left = grace.saturating_duration_since(Instant::now());
        if pipes_closed.recv_timeout(left).is_err() {
            break;
        }
    }
    Ok(Output {
        status,
        stdout: taken(0),
        stderr: taken(1),
    })
}

/// stdout then stderr of a finished command.
pub fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn zip_name() -> String {
    format!("{NAME}_{VERSION}_{PLATFORM}.zip")
}

pub fn sums_name() -> String {
    format!("{NAME}_{VERSION}_SHA256SUMS")
}

/// `scripts/release.sh --profile dev <args>` into `dist` (reusing the debug build), signing
/// with `key` from `keyring` when given. Nothing from the caller's environment chooses a
/// key, a passphrase or the tested platforms: this platform's tests are the ones running.
pub fn run_release(
    dist: &Path,
    signing: Option<(&gpg::Keyring, &gpg::Key)>,
    args: &[&str],
) -> Output {
    let mut cmd = Command::new(crate::support::bash());
    cmd.arg(root().join("scripts/release.sh"))
        .args(["--profile", "dev"])
        .args(args)
        .current_dir(root())
        .env("DIST_DIR", dist)
        .env_remove("GPG_SIGNING_KEY")
        .env_remove("GPG_PASSPHRASE")
        .env("TESTED_PLATFORMS", PLATFORM);
    if let Some((keyring, key)) = signing {
        cmd.env("GNUPGHOME", keyring.home())
            .env("GPG", keyring.gpg_path())
            .env("GPG_SIGNING_KEY", &key.fingerprint);
    }
    cmd.output().expect("bash runs release.sh")
}

/// A release signed by a key of its own, as the registry and mirror tests serve it.
pub struct Release {
    pub dist: PathBuf,
    pub key: gpg::Key,
}

impl Release {
    pub fn file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dist.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn zip(&self) -> Vec<u8> {
        self.file(&zip_name())
    }

    pub fn zip_path(&self) -> PathBuf {
        self.dist.join(zip_name())
    }

    /// `zh:<sha256>` of every file SHA256SUMS lists (the zips and the manifest), as
    /// Terraform records them from a signed SHA256SUMS.
    pub fn listed_zh(&self) -> Vec<String> {
        let sums = String::from_utf8(self.file(&sums_name())).expect("SHA256SUMS is text");
        sums.lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(|sha| format!("zh:{sha}"))
            .collect()
    }

    /// The SHA-256 that SHA256SUMS gives this platform's zip.
    pub fn listed_shasum(&self) -> String {
        let sums = String::from_utf8(self.file(&sums_name())).expect("SHA256SUMS is text");
        sums.lines()
            .find_map(|l| l.strip_suffix(&format!("  {}", zip_name())))
            .unwrap_or_else(|| panic!("SHA256SUMS lists no {}:\n{sums}", zip_name()))
            .to_string()
    }
}

/// The signed release of this test binary, built on first use with `release.sh` into the
/// Cargo target's test directory (replaced on the next run, never left in /tmp).
/// `binary` names the directory, one per test binary.
pub fn signed_release(gpg: &Path, binary: &str) -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let dist = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{binary}-dist"));
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(&dist).expect("dist dir");
        // The keyring (and its agent) goes away once the release is signed.
        let keyring = gpg::Keyring::new(gpg);
        let key = keyring.generate("cloudhsm release test");
        let out = run_release(&dist, Some((&keyring, &key)), &[]);
        assert!(out.status.success(), "release.sh failed:\n{}", text(&out));
        Release { dist, key }
    })
}

/// A zip that is not the release's: an attacker's binary under the provider's file name.
pub fn foreign_zip() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("scratch");
    let exe = dir.path().join("binary");
    std::fs::write(&exe, "#!/bin/sh\necho not the provider >&2\nexit 1\n").expect("binary");
    let zip = dir.path().join("foreign.zip");
    let out = pack(&[
        "zip".as_ref(),
        zip.as_os_str(),
        "0".as_ref(),
        format!("{}={}", binary_name(), exe.display()).as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::read(&zip).expect("foreign.zip")
}

/// `scripts/release-pack.py <args>`, with the Python the scripts would use.
pub fn pack(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(crate::support::python())
        .arg(root().join("scripts/release-pack.py"))
        .args(args)
        .output()
        .expect("python runs release-pack.py")
}

/// What the HTTPS tests need from the machine: Terraform and gpg, and on macOS and Windows
/// leave to add a test CA to the system's trust store (see [`https::trust_store`]); `None`
/// (skipped, with a message) when one is missing outside CI; in CI a missing one fails the
/// test. A machine that refuses a CA in its trust store (`RELEASE_TESTS_TRUST_STORE=refused`,
/// found by `release-ci.sh trust-store`) gets NOT RUN and the reason, also in CI.
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    let tf = crate::support::terraform();
    let gpg = gpg::gpg();
    match https::trust_store() {
        https::TrustStore::CertFile | https::TrustStore::SystemAllowed => {}
        https::TrustStore::SystemRefused => {
            eprintln!(
                "NOT RUN: this machine refuses a test CA in its trust store (found by \
                 ./scripts/release-ci.sh trust-store), and Terraform (Go) trusts one on {} only \
                 through it; the registry and network mirror protocols are tested on Linux, \
                 and this platform's archive installs in tests/release.rs",
                std::env::consts::OS
            );
            return None;
        }
        https::TrustStore::SystemNotAllowed => {
            let why = "Terraform (Go) trusts a test CA only through the system's trust store on \
                       macOS and Windows; set RELEASE_TESTS_TRUST_STORE=system on a throwaway \
                       machine (the release workflow does) to let the tests add one";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true, but {why}");
            }
            eprintln!("SKIPPED: {why}");
            return None;
        }
    }
    Some((tf?, gpg?))
}
