//! `scripts/release.sh` builds what the Terraform Registry expects, signed, and Terraform
//! installs it: the archive unpacked into a `filesystem_mirror` (and, separately, the zip
//! itself in the packed mirror layout), then `terraform init` and `plan` with no dev
//! overrides. Without a signing key the release says it is unsigned and marks nothing as
//! publishable; it never signs an archive of a platform whose tests did not run.
//! (`registry.rs` and `network_mirror.rs` install the signed release over HTTPS.)

mod release_support;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cloudhsm_emulator::ClusterSpec;
use release_support::gpg::Keyring;
use release_support::{
    binary_name, run_release, sums_name, text, zip_name, NAME, OTHER_PLATFORM, PLATFORM, VERSION,
};

fn terraform(tf: &Path, dir: &Path, cli_config: &Path, args: &[&str]) -> Output {
    support::terraform_command(tf, dir, cli_config)
        .args(args)
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
            support::hcl_path(mirror),
            support::SOURCE
        ),
    )
    .expect("cli config");
    let config = std::fs::read_to_string(&cli_config).expect("cli config");
    assert!(!config.contains("dev_overrides"));
    let dir = work.join("module");
    release_support::install::write_module(&dir, "cloudhsm-iac/cloudhsm", endpoint, cluster_id);

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

/// Checks what every release must hold, signed or not: the zip with exactly the versioned
/// binary, both manifests, and a SHA256SUMS in `sha256sum`'s format (`<hex>  <name>`, LF,
/// in name order) whose every line is the file's SHA-256.
fn check_contents(dist: &Path) {
    // What the registry expects.
    let zip = dist.join(zip_name());
    assert!(zip.is_file(), "{} missing", zip.display());
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join("terraform-registry-manifest.json"))
            .expect("terraform-registry-manifest.json"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    let sums = std::fs::read_to_string(dist.join(sums_name())).expect("SHA256SUMS");
    assert!(sums.contains(&zip_name()), "{sums}");
    assert!(
        sums.contains(&format!("{NAME}_{VERSION}_manifest.json")),
        "{sums}"
    );
    assert!(
        !sums.contains('\r'),
        "SHA256SUMS has CR line ends: {sums:?}"
    );
    let mut listed = Vec::new();
    for line in sums.lines() {
        let (hex, file) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("not `<sha256>  <name>`: {line:?}"));
        assert_eq!(hex.len(), 64, "{line:?}");
        let bytes = std::fs::read(dist.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            hex,
            release_support::hashes::sha256_hex(&bytes),
            "SHA256SUMS is wrong for {file}"
        );
        listed.push(file.to_string());
    }
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "SHA256SUMS lists its files in name order");

    let listing = Command::new("unzip")
        .arg("-Z1")
        .arg(&zip)
        .output()
        .expect("unzip runs");
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).trim(),
        binary_name(),
        "the zip holds exactly the versioned binary"
    );
}

/// Terraform 1.x accepts a release signed by the registry's key: here, `gpg --verify` with
/// only the public key must accept it.
fn check_signature(dist: &Path, keyring: &Keyring, key: &release_support::gpg::Key) {
    let sig = dist.join(format!("{}.sig", sums_name()));
    let bytes = std::fs::read(&sig).expect("SHA256SUMS.sig");
    assert!(
        !bytes.starts_with(b"-----BEGIN"),
        "the registry wants a binary signature, not an armored one"
    );
    // A keyring that holds nothing but the public key, as a user's would.
    let verifier = Keyring::new(keyring.gpg_path());
    let public = tempfile::NamedTempFile::new().expect("scratch file");
    std::fs::write(public.path(), &key.armor).expect("the public key");
    let import = verifier.output(&["--import".as_ref(), public.path().as_os_str()]);
    assert!(import.status.success(), "{}", text(&import));
    let verify = verifier.output(&[
        "--status-fd=1".as_ref(),
        "--verify".as_ref(),
        sig.as_os_str(),
        dist.join(sums_name()).as_os_str(),
    ]);
    assert!(
        verify.status.success(),
        "gpg --verify refuses the signature:\n{}",
        text(&verify)
    );
    let status = String::from_utf8_lossy(&verify.stdout);
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", key.fingerprint)),
        "not signed by {}:\n{status}",
        key.fingerprint
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_release_verifies_and_installs_from_a_filesystem_mirror() {
    let Some(gpg) = release_support::gpg::gpg() else {
        return;
    };
    let dist = tempfile::tempdir().expect("dist");
    let dist_path = dist.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let keyring = Keyring::new(&gpg);
        let key = keyring.generate("release.sh test");
        let out = run_release(&dist_path, Some((&keyring, &key)), &[]);
        assert!(out.status.success(), "release.sh failed:\n{}", text(&out));
        assert!(
            text(&out).contains(&format!(
                "signed {} with key {}",
                sums_name(),
                key.fingerprint
            )),
            "{}",
            text(&out)
        );
        check_contents(&dist_path);
        check_signature(&dist_path, &keyring, &key);
        let publish = std::fs::read_to_string(dist_path.join("publish.txt")).expect("publish.txt");
        assert_eq!(
            publish.lines().collect::<Vec<_>>(),
            vec![
                zip_name(),
                sums_name(),
                format!("{}.sig", sums_name()),
                format!("{NAME}_{VERSION}_manifest.json"),
            ],
            "publish.txt lists exactly what the GitHub release needs"
        );
    })
    .await
    .expect("release thread");
    let zip = dist.path().join(zip_name());

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
        assert_eq!(packed, release_support::hashes::h1(&zip), "h1: of the zip");
    })
    .await
    .expect("terraform thread");
    drop(dist);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_release_says_so_and_marks_nothing_publishable() {
    tokio::task::spawn_blocking(|| {
        let dist = tempfile::tempdir().expect("dist");
        // Left over from an earlier signed run: must not survive an unsigned one.
        std::fs::write(dist.path().join("publish.txt"), "stale\n").expect("stale");
        std::fs::write(dist.path().join(format!("{}.sig", sums_name())), "stale").expect("stale");
        let out = run_release(dist.path(), None, &[]);
        assert!(out.status.success(), "release.sh failed:\n{}", text(&out));
        let said = support::flat(&String::from_utf8_lossy(&out.stderr));
        assert!(
            said.contains("this release is UNSIGNED and cannot be published"),
            "{said}"
        );
        assert!(said.contains("--signing-key"), "says how to sign: {said}");
        assert!(said.contains("nothing in"), "{said}");
        check_contents(dist.path());
        for gone in ["publish.txt".to_string(), format!("{}.sig", sums_name())] {
            assert!(
                !dist.path().join(&gone).exists(),
                "an unsigned release left {gone}"
            );
        }
    })
    .await
    .expect("release thread");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_refuses_an_archive_of_a_platform_whose_tests_did_not_run() {
    let Some(gpg) = release_support::gpg::gpg() else {
        return;
    };
    tokio::task::spawn_blocking(move || {
        let dist = tempfile::tempdir().expect("dist");
        // As the release workflow assembles it: zips built elsewhere, one of them for a
        // platform no test run vouches for.
        for platform in [PLATFORM, OTHER_PLATFORM] {
            std::fs::write(
                dist.path().join(format!("{NAME}_{VERSION}_{platform}.zip")),
                release_support::foreign_zip(),
            )
            .expect("zip");
        }
        let keyring = Keyring::new(&gpg);
        let key = keyring.generate("release.sh test");
        let out = run_release(dist.path(), Some((&keyring, &key)), &["--assemble"]);
        assert!(!out.status.success(), "release.sh signed:\n{}", text(&out));
        let said = support::flat(&text(&out));
        assert!(
            said.contains("not signing") && said.contains(OTHER_PLATFORM),
            "{said}"
        );
        for gone in ["publish.txt".to_string(), format!("{}.sig", sums_name())] {
            assert!(!dist.path().join(&gone).exists(), "{gone} written");
        }
    })
    .await
    .expect("release thread");
}

/// What `release-pack.py` recorded for each entry of `zip`: name, date, mode, made on.
fn entries(zip: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(support::python())
        .arg("-c")
        .arg(
            "import json, sys, zipfile\n\
             print(json.dumps([{'name': i.filename, 'date': list(i.date_time), \
             'mode': i.external_attr >> 16, 'system': i.create_system, \
             'method': i.compress_type, 'extra': i.extra.hex(), 'comment': i.comment.hex()} \
             for i in zipfile.ZipFile(sys.argv[1]).infolist()]))",
        )
        .arg(zip)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// `release.sh --profile dev` into `dist`, unsigned, under `umask` and with `env`.
fn pack_with(dist: &Path, umask: &str, env: &[(&str, &str)]) -> Output {
    let out = Command::new(support::bash())
        .arg("-c")
        .arg(format!(
            "umask {umask} && exec bash scripts/release.sh --profile dev"
        ))
        .current_dir(release_support::root())
        .env("DIST_DIR", dist)
        .env_remove("GPG_SIGNING_KEY")
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .output()
        .expect("bash runs release.sh");
    assert!(out.status.success(), "release.sh failed:\n{}", text(&out));
    out
}

/// Two packs of one build are the same bytes, whatever the clock, the binary's timestamp,
/// the umask and the target directory's path say; every entry is dated SOURCE_DATE_EPOCH
/// (the commit's time unless set), executable, recorded as made on unix, with no extra
/// fields. (`scripts/release-rebuild-check.sh`, which `test.sh` runs through
/// `scripts/release-workflow-local.sh`, rebuilds the release profile from scratch at another
/// path and compares the same way.)
#[test]
fn packing_the_same_build_twice_gives_the_same_bytes() {
    let a = tempfile::tempdir().expect("dist a");
    let b = tempfile::tempdir().expect("dist b");
    pack_with(a.path(), "022", &[]);
    // Another second (zip dates have 2-second steps), another mtime on the binary, another
    // umask, and a DIST_DIR of another length.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let binary = support::provider_binary();
    std::fs::File::options()
        .append(true)
        .open(&binary)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .expect("touch the binary");
    let b_dist = b.path().join("a/longer/path/to/dist");
    pack_with(&b_dist, "077", &[]);
    for file in [zip_name(), sums_name()] {
        let (x, y) = (
            std::fs::read(a.path().join(&file)).expect("first"),
            std::fs::read(b_dist.join(&file)).expect("second"),
        );
        assert!(x == y, "{file} differs between two packs of one build");
    }

    let commit_time: i64 = String::from_utf8(
        Command::new("git")
            .args(["log", "-1", "--format=%ct"])
            .current_dir(release_support::root())
            .output()
            .expect("git runs")
            .stdout,
    )
    .expect("text")
    .trim()
    .parse()
    .expect("seconds");
    let dated = |epoch: i64| {
        let t = time::OffsetDateTime::from_unix_timestamp(epoch.max(315_532_800)).expect("time");
        serde_json::json!([
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second() / 2 * 2
        ])
    };
    let listed = entries(&a.path().join(zip_name()));
    assert_eq!(listed.len(), 1, "{listed:?}");
    let entry = &listed[0];
    assert_eq!(entry["name"], binary_name());
    assert_eq!(entry["date"], dated(commit_time), "dated the commit's time");
    assert_eq!(entry["mode"], 0o100755, "a regular file, rwxr-xr-x");
    assert_eq!(entry["system"], 3, "made on unix, so the mode counts");
    assert_eq!(entry["method"], 8, "deflated");
    assert_eq!(
        entry["extra"], "",
        "no extra fields (they carry timestamps and ids)"
    );
    assert_eq!(entry["comment"], "");

    // SOURCE_DATE_EPOCH chooses the date.
    let c = tempfile::tempdir().expect("dist c");
    pack_with(c.path(), "022", &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let listed = entries(&c.path().join(zip_name()));
    assert_eq!(
        listed[0]["date"],
        serde_json::json!([2023, 11, 14, 22, 13, 20])
    );
    assert!(
        std::fs::read(c.path().join(zip_name())).expect("zip")
            != std::fs::read(a.path().join(zip_name())).expect("zip"),
        "another SOURCE_DATE_EPOCH, another zip"
    );
}
