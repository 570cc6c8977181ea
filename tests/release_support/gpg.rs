//! Throwaway GnuPG keys for the release tests: a keyring in a temporary `GNUPGHOME`, RSA
//! signing keys made in it, their public halves in ASCII armor, detached signatures. The
//! keyring's gpg-agent is stopped when the keyring is dropped.
//!
//! When `CI=true` and no `gpg` can be found, tests fail instead of skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `gpg` to use (`GPG`, then PATH), or `None` (with a message) when there is none
/// outside CI.
pub fn gpg() -> Option<PathBuf> {
    let named = std::env::var_os("GPG").map(PathBuf::from);
    let found = match named {
        // `.exe` added on Windows, where scripts (ensure-gnupg.sh) name it without.
        Some(p) if p.is_absolute() => crate::support::executable_file(&p),
        Some(p) => on_path(&p.to_string_lossy()),
        None => on_path("gpg"),
    };
    if found.is_some() {
        return found;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no gpg was found (GPG, PATH); the release tests sign releases with \
             throwaway keys. Run ./scripts/ensure-gnupg.sh or ./scripts/test.sh, which installs it."
        );
    }
    eprintln!("SKIPPED: no gpg found; run ./scripts/ensure-gnupg.sh (installs GnuPG) or set GPG");
    None
}

/// Whether `program` runs on the MSYS runtime (it has `msys-2.0.dll` beside it, as Git for
/// Windows' `usr/bin` does).
fn is_msys_program(program: &Path) -> bool {
    program
        .parent()
        .is_some_and(|dir| dir.join("msys-2.0.dll").is_file())
}

fn on_path(name: &str) -> Option<PathBuf> {
    crate::support::which(name)
}

/// How long one gpg call may take: making an RSA key is the slowest, seconds at most. A
/// gpg waiting for a pinentry or an agent that never answers fails the test after it.
pub const GPG_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

/// A signing key made in a [`Keyring`].
#[derive(Clone, Debug)]
pub struct Key {
    /// The primary key's fingerprint, 40 hex digits.
    pub fingerprint: String,
    /// The long key id (the last 16 hex digits of the fingerprint), as registries give it.
    pub key_id: String,
    /// The public key, ASCII-armored.
    pub armor: String,
}

/// A GnuPG home of its own, removed (and its agent stopped) on drop.
pub struct Keyring {
    gpg: PathBuf,
    home: tempfile::TempDir,
}

impl Keyring {
    pub fn new(gpg: &Path) -> Self {
        // A short path on unix: gpg-agent's socket lives in it, and socket paths are short.
        let parent = if cfg!(unix) {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in(parent)
            .expect("GNUPGHOME");
        Keyring {
            gpg: gpg.to_path_buf(),
            home,
        }
    }

    /// `GNUPGHOME` as this keyring's `gpg` reads it: the path as it is, except for an MSYS
    /// build of gpg (Git for Windows' own, which the workflow's Windows leg uses), which
    /// takes `C:\...` and `C:/...` for relative paths (git-for-windows/git#5865) and wants
    /// `/c/...`.
    pub fn home(&self) -> std::ffi::OsString {
        let home = self.home.path();
        if !cfg!(windows) || !is_msys_program(&self.gpg) {
            return home.as_os_str().to_owned();
        }
        let text = home.to_string_lossy().replace('\\', "/");
        match text.as_bytes() {
            [drive, b':', b'/', ..] if drive.is_ascii_alphabetic() => format!(
                "/{}/{}",
                char::from(*drive).to_ascii_lowercase(),
                &text[3..]
            )
            .into(),
            _ => text.into(),
        }
    }

    pub fn gpg_path(&self) -> &Path {
        &self.gpg
    }

    /// `gpg --batch <args>` in this keyring.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.gpg);
        cmd.env("GNUPGHOME", self.home())
            .env_remove("GPG_AGENT_INFO")
            .arg("--batch");
        cmd
    }

    /// `gpg --batch <args>` in this keyring, with an empty stdin, within [`GPG_LIMIT`].
    #[track_caller]
    pub fn output(&self, args: &[&std::ffi::OsStr]) -> Output {
        super::output_within(self.command().args(args), GPG_LIMIT).unwrap_or_else(|why| {
            panic!("{why}: gpg (or an agent it started) hangs; the release tests stop here")
        })
    }

    #[track_caller]
    fn run(&self, args: &[&str]) -> Output {
        let words: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let out = self.output(&words);
        assert!(
            out.status.success(),
            "gpg {} failed:\n{}",
            args.join(" "),
            super::text(&out)
        );
        out
    }

    /// A new RSA signing key without passphrase, as the Terraform Registry accepts.
    pub fn generate(&self, name: &str) -> Key {
        let uid = format!("{name} <release-test@example.invalid>");
        self.run(&[
            "--passphrase",
            "",
            "--quick-generate-key",
            &uid,
            "rsa2048",
            "sign",
            "never",
        ]);
        let listing = self.run(&["--with-colons", "--list-secret-keys", &uid]);
        let fingerprint = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|rest| rest.trim_matches(':').to_string())
            })
            .expect("gpg lists the new key's fingerprint");
        let armor = self.run(&["--armor", "--export", &fingerprint]);
        Key {
            key_id: fingerprint[fingerprint.len() - 16..].to_string(),
            fingerprint,
            armor: String::from_utf8(armor.stdout).expect("armor is text"),
        }
    }

    /// A detached binary signature of `data` by `key`.
    pub fn sign(&self, key: &Key, data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("scratch");
        let input = dir.path().join("data");
        let output = dir.path().join("data.sig");
        std::fs::write(&input, data).expect("data");
        self.run(&[
            "--local-user",
            &key.fingerprint,
            "--output",
            &output.to_string_lossy(),
            "--detach-sign",
            &input.to_string_lossy(),
        ]);
        std::fs::read(&output).expect("signature")
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // Stops the agent of this GNUPGHOME only (found through its socket there).
        let gpgconf = crate::support::executable_file(&self.gpg.with_file_name("gpgconf"));
        let gpgconf = if let Some(gpgconf) = gpgconf {
            gpgconf
        } else {
            PathBuf::from("gpgconf")
        };
        let mut kill = Command::new(gpgconf);
        kill.env("GNUPGHOME", self.home())
            // Every daemon of the home (gpg-agent, and keyboxd where gpg 2.4 starts one).
            .args(["--kill", "all"]);
        let _ = super::output_within(&mut kill, GPG_LIMIT);
    }
}
