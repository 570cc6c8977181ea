//! `.github/workflows/release.yml` read as its reviewer would, and held to
//! `scripts/release-workflow-local.sh`, which replays its Linux leg here (`test.sh` runs it):
//! both run the same scripts in the same order; the matrix is the five release platforms on
//! runner images GitHub still offers, and `scripts/cross-check.sh` lints each of them here;
//! each archive is rebuilt and compared before it is uploaded; the sign job has the
//! permissions an artifact attestation needs and attests after signing and before drafting;
//! line endings, shell and toolchain are pinned.
//!
//! (No YAML parser among the dependencies: the workflow is read line by line, which its
//! plain layout allows; a change of layout that defeats these reads fails them.)

use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn workflow() -> String {
    read(".github/workflows/release.yml")
}

/// The lines of job `job` (from `  <job>:` to the next job or the end).
fn job(workflow: &str, job: &str) -> Vec<String> {
    let mut lines = workflow.lines().skip_while(|l| *l != format!("  {job}:"));
    let Some(first) = lines.next() else {
        panic!("no job {job} in the workflow");
    };
    std::iter::once(first.to_string())
        .chain(
            lines
                .take_while(|l| !(l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':')))
                .map(str::to_string),
        )
        .collect()
}

/// `./scripts/<name> <first argument>` for every script the lines run, in order.
fn scripts_run(lines: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in lines {
        let line = line.trim_start();
        // Comments, and what the replay says it does, are not runs.
        if line.starts_with('#') || line.starts_with("say ") || line.starts_with("echo ") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("./scripts/") {
            let call = &rest[at + 2..];
            let mut words = call.split_whitespace();
            let script = words.next().unwrap_or_default();
            let first = words
                .next()
                .filter(|w| !w.starts_with(['"', '$', '>', '|', ')', '\\']))
                .unwrap_or_default();
            found.push(format!("{script} {first}").trim_end().to_string());
            rest = &call[script.len()..];
        }
    }
    found
}

#[test]
fn the_local_replay_runs_the_workflows_scripts_in_the_workflows_order() {
    let workflow = workflow();
    let mut expected = scripts_run(&job(&workflow, "test"));
    expected.extend(scripts_run(&job(&workflow, "sign")));
    // What each leg runs, as the reviewer reads it.
    assert_eq!(
        expected,
        vec![
            "scripts/release-ci.sh check-tag",
            "scripts/release-ci.sh trust-store",
            "scripts/test.sh",
            "scripts/release-ci.sh free-disk",
            "scripts/release.sh",
            "scripts/release-rebuild-check.sh dist",
            "scripts/release-ci.sh checksum",
            "scripts/release-ci.sh check-tag",
            "scripts/release-ci.sh platforms",
            "scripts/release-ci.sh import-key",
            "scripts/release.sh --assemble",
            "scripts/release-ci.sh forget-key",
            "scripts/release-ci.sh draft",
        ],
        "the workflow's steps changed: change scripts/release-workflow-local.sh with them"
    );
    let local = read("scripts/release-workflow-local.sh");
    let replayed: Vec<String> = scripts_run(
        &local
            .lines()
            .skip_while(|l| !l.starts_with("# ---- test job"))
            .map(str::to_string)
            .collect::<Vec<_>>(),
    );
    // The replay may run helpers of its own (find-python, ensure-terraform) in between; the
    // workflow's scripts must come in the workflow's order.
    let mut wanted = expected.iter().peekable();
    for call in &replayed {
        if wanted.peek().is_some_and(|w| call.starts_with(w.as_str())) {
            wanted.next();
        }
    }
    let missing: Vec<&String> = wanted.collect();
    assert!(
        missing.is_empty(),
        "scripts/release-workflow-local.sh does not run {missing:?} in the workflow's order \
         (it runs {replayed:?})"
    );
}

#[test]
fn the_matrix_is_the_five_platforms_on_current_runner_images() {
    let workflow = workflow();
    let test = job(&workflow, "test");
    let legs: Vec<(String, String)> = test
        .iter()
        .filter_map(|l| {
            let l = l.trim();
            let inner = l.strip_prefix("- { platform: ")?.strip_suffix(" }")?;
            let (platform, runner) = inner.split_once(", runner: ")?;
            Some((platform.to_string(), runner.to_string()))
        })
        .collect();
    assert_eq!(
        legs,
        [
            ("linux_amd64", "ubuntu-24.04"),
            ("linux_arm64", "ubuntu-24.04-arm"),
            ("darwin_amd64", "macos-15-intel"),
            ("darwin_arm64", "macos-15"),
            ("windows_amd64", "windows-2022"),
        ]
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .to_vec()
    );
    // Images GitHub has retired: a job on one of them waits for a runner and fails.
    for retired in [
        "macos-12",
        "macos-13",
        "macos-14",
        "ubuntu-20.04",
        "windows-2019",
    ] {
        assert!(
            !workflow.contains(&format!("runner: {retired} ")),
            "{retired} is retired"
        );
    }
    // The platforms the sign job expects are the matrix's.
    let ci = read("scripts/release-ci.sh");
    let listed = ci
        .lines()
        .find_map(|l| l.strip_prefix("PLATFORMS=\""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("PLATFORMS in release-ci.sh");
    let matrix: Vec<&str> = legs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(listed.split(' ').collect::<Vec<_>>(), matrix);
    // scripts/cross-check.sh type-checks and lints every platform of the matrix (but the one
    // it runs on), each as the Rust target that platform's runner builds natively, and
    // test.sh runs it.
    let cross = read("scripts/cross-check.sh");
    let targets: Vec<(&str, &str)> = cross
        .lines()
        .skip_while(|l| !l.starts_with("release_targets()"))
        .skip_while(|l| !l.ends_with("<<'EOF'"))
        .skip(1)
        .take_while(|l| *l != "EOF")
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert_eq!(
        targets,
        [
            ("linux_amd64", "x86_64-unknown-linux-gnu"),
            ("linux_arm64", "aarch64-unknown-linux-gnu"),
            ("darwin_amd64", "x86_64-apple-darwin"),
            ("darwin_arm64", "aarch64-apple-darwin"),
            ("windows_amd64", "x86_64-pc-windows-msvc"),
        ]
    );
    assert_eq!(targets.iter().map(|(p, _)| *p).collect::<Vec<_>>(), matrix);
    assert!(
        read("scripts/test.sh")
            .lines()
            .any(|l| l.trim_start().starts_with("./scripts/cross-check.sh")),
        "test.sh does not run scripts/cross-check.sh"
    );
}

/// The position of the first line of `lines` containing `what`.
fn at(lines: &[String], what: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no {what:?} in:\n{}", lines.join("\n")))
}

/// The `dist/` lines of the block under the first `key` (`path: |`) in `lines`.
fn dist_paths_under<'a>(lines: &'a [String], key: &str) -> Vec<&'a str> {
    lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| !l.starts_with(key))
        .skip(1)
        .take_while(|l| l.starts_with("dist/"))
        .collect()
}

#[test]
fn each_archive_is_tested_then_rebuilt_and_compared_before_it_is_uploaded() {
    let test = job(&workflow(), "test");
    let checkout = at(&test, "actions/checkout@");
    let crlf = at(&test, "core.autocrlf false");
    let suite = at(&test, "run: ./scripts/test.sh");
    let pack = at(&test, "run: ./scripts/release.sh");
    let rebuild = at(&test, "run: ./scripts/release-rebuild-check.sh dist");
    let upload = at(&test, "actions/upload-artifact@");
    assert!(
        crlf < checkout,
        "LF line endings are set before the checkout"
    );
    let checksum = at(&test, "run: ./scripts/release-ci.sh checksum dist");
    assert!(suite < pack && pack < rebuild && rebuild < checksum && checksum < upload);
    // The checksum travels with the archive: the sign job refuses an archive without it.
    assert_eq!(
        dist_paths_under(&test[upload..], "path:"),
        [
            "dist/terraform-provider-cloudhsm_*_${{ matrix.platform }}.zip",
            "dist/terraform-provider-cloudhsm_*_${{ matrix.platform }}.zip.sha256"
        ]
    );
    assert!(
        test.iter().any(|l| l.trim() == "shell: bash"),
        "Git Bash on Windows"
    );
    assert!(test.iter().any(|l| l.contains("fail-fast: false")));
    assert!(
        test.iter().any(|l| l.contains("if-no-files-found: error")),
        "an upload without its archive fails"
    );
    // The pack and the rebuild run after this platform's suite passed: they say so, and
    // release.sh does not warn that the platform is untested.
    for step in [pack, rebuild] {
        let env: Vec<&str> = test[step.saturating_sub(6)..step]
            .iter()
            .map(|l| l.trim())
            .collect();
        assert!(
            env.contains(&"TESTED_PLATFORMS: ${{ matrix.platform }}"),
            "{:?}",
            test[step]
        );
    }
}

#[test]
fn the_trust_store_is_probed_before_the_suite_on_macos_and_windows_only() {
    let test = job(&workflow(), "test");
    let probe = at(&test, "run: ./scripts/release-ci.sh trust-store");
    let suite = at(&test, "run: ./scripts/test.sh");
    assert!(probe < suite, "the probe's answer must reach the suite");
    assert!(
        test[probe].contains(r#">> "$GITHUB_ENV""#),
        "the answer is the suite's environment: {}",
        test[probe]
    );
    let step = test[..probe]
        .iter()
        .rposition(|l| l.trim_start().starts_with("- "))
        .expect("the probe's step");
    assert!(
        test[step..probe]
            .iter()
            .any(|l| l.trim() == "if: runner.os != 'Linux'"),
        "Linux reads SSL_CERT_FILE: no trust store change there"
    );
    // Nothing else decides it: the suite's environment comes from the probe alone.
    assert_eq!(
        test.iter()
            .filter(|l| l.contains("RELEASE_TESTS_TRUST_STORE"))
            .count(),
        0,
        "RELEASE_TESTS_TRUST_STORE is set by the probe only"
    );
    // What the probe says on this machine's kind (Linux: nothing to change).
    if cfg!(target_os = "linux") {
        let out = std::process::Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release-ci.sh"))
            .arg("trust-store")
            .output()
            .expect("bash runs release-ci.sh");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "RELEASE_TESTS_TRUST_STORE=\n"
        );
        // The tests' own add (tests/release_support/https.rs) has nothing to add to here.
        let add = std::process::Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release-ci.sh"))
            .args(["trust-add", "ca.pem"])
            .output()
            .expect("bash runs release-ci.sh");
        assert_eq!(add.status.code(), Some(1), "{add:?}");
        assert!(
            String::from_utf8_lossy(&add.stderr).contains("SSL_CERT_FILE"),
            "{add:?}"
        );
    }
}

#[test]
fn the_sign_job_signs_then_attests_then_drafts_with_the_permissions_it_needs() {
    let sign = job(&workflow(), "sign");
    for permission in ["contents: write", "id-token: write", "attestations: write"] {
        assert!(
            sign.iter().any(|l| l.trim().starts_with(permission)),
            "the sign job lacks {permission}"
        );
    }
    let import = at(&sign, "name: Import the signing key");
    let assemble = at(&sign, "./scripts/release.sh --assemble");
    let forget = at(&sign, "./scripts/release-ci.sh forget-key");
    let attest = at(&sign, "actions/attest-build-provenance@");
    let draft = at(&sign, "./scripts/release-ci.sh draft");
    assert!(import < assemble && assemble < forget && forget < attest && attest < draft);
    // The key leaves the runner right after signing, also when signing failed: gpg-agent
    // would keep it unlocked for the steps after.
    assert_eq!(
        sign[forget - 1].trim(),
        "if: always()",
        "{:?}",
        &sign[forget - 2..=forget]
    );
    // Both secrets are checked before anything is signed: without the fingerprint,
    // release.sh would make an unsigned release (no publish.txt) and exit 0.
    let import_step = sign[import..assemble].join("\n");
    for secret in ["GPG_PRIVATE_KEY", "GPG_FINGERPRINT"] {
        assert!(
            import_step.contains(&format!("{secret}: ${{{{ secrets.{secret} }}}}")),
            "the import step is not given {secret}:\n{import_step}"
        );
    }
    assert!(import_step.contains("run: ./scripts/release-ci.sh import-key >> \"$GITHUB_ENV\""));
    assert!(read("scripts/release-ci.sh").contains("for secret in GPG_PRIVATE_KEY GPG_FINGERPRINT"));
    // One release run of a tag at a time: each replaces the tag's draft.
    assert!(sign
        .iter()
        .any(|l| l.trim() == "group: release-${{ github.ref }}"));
    assert!(sign.iter().any(|l| l.trim() == "cancel-in-progress: false"));
    assert_eq!(
        dist_paths_under(&sign[attest..], "subject-path:"),
        [
            "dist/terraform-provider-cloudhsm_*.zip",
            "dist/terraform-provider-cloudhsm_*_SHA256SUMS"
        ]
    );
    // The workflow as a whole reads only; write access is the sign job's alone.
    let workflow = workflow();
    let top: Vec<&str> = workflow.lines().take_while(|l| *l != "jobs:").collect();
    assert!(top.contains(&"permissions:") && top.contains(&"  contents: read"));
}

#[test]
fn the_signing_key_reaches_only_a_tag_run_in_the_release_environment() {
    let workflow = workflow();
    let sign = job(&workflow, "sign");
    let dry_run = job(&workflow, "sign-dry-run");
    let has = |lines: &[String], line: &str| lines.iter().any(|l| l == line);
    // The two jobs' conditions are each other's complement: every run signs once.
    assert!(
        has(
            &sign,
            "    if: ${{ !cancelled() && startsWith(github.ref, 'refs/tags/v') }}"
        ),
        "the sign job must run on v* tags only"
    );
    assert!(
        has(
            &dry_run,
            "    if: ${{ !cancelled() && !startsWith(github.ref, 'refs/tags/v') }}"
        ),
        "the dry run must take every other run"
    );
    // The key's secrets belong to an environment whose deployment rule admits v* tags
    // (README, "Releasing"); only the sign job names it, and only it names secrets.
    assert!(has(&sign, "    environment: release"));
    for other in ["test", "sign-dry-run"] {
        let lines = job(&workflow, other);
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("secrets.") || l.contains("environment:")),
            "the {other} job must not reach the signing key"
        );
    }
    assert!(
        !dry_run.iter().any(|l| l.trim().ends_with(": write")),
        "the dry run publishes nothing and needs no write permission"
    );
    // The dry run signs with a throwaway key (armored, with a passphrase) through the sign
    // job's own import and forget steps, and fails when nothing was signed: an empty key
    // would make release.sh pack an unsigned release and exit 0.
    let secrets = at(&dry_run, "./scripts/release-ci.sh throwaway-secrets");
    let import = at(&dry_run, "./scripts/release-ci.sh import-key");
    let assemble = at(&dry_run, "./scripts/release.sh --assemble");
    let forget = at(&dry_run, "./scripts/release-ci.sh forget-key");
    let signed = at(&dry_run, "test -s dist/publish.txt");
    assert!(secrets < import && import < assemble && assemble < forget && forget < signed);
    assert_eq!(
        dry_run[secrets].trim(),
        "run: ./scripts/release-ci.sh throwaway-secrets >> \"$GITHUB_ENV\"",
        "the secrets' command must be the step's only one, whose failure fails the step"
    );
    for line in [import, forget] {
        assert!(
            sign.contains(&dry_run[line]),
            "the dry run's {:?} is not the sign job's",
            dry_run[line]
        );
    }
    let readme = read("README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        readme.contains("environment named `release`"),
        "README, \"Releasing\", must say how to set up the release environment"
    );
}

#[test]
fn the_toolchain_is_pinned_to_one_exact_version() {
    let workflow = workflow();
    let pinned = workflow
        .lines()
        .find_map(|l| l.strip_prefix("  RUST_TOOLCHAIN: \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("env RUST_TOOLCHAIN");
    let parts: Vec<&str> = pinned.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "RUST_TOOLCHAIN {pinned:?} is not an exact x.y.z version: the rebuild and the users' \
         reproductions need one toolchain"
    );
    assert!(workflow.contains("rustup toolchain install \"$RUST_TOOLCHAIN\""));
    assert!(workflow.contains("rustup default \"$RUST_TOOLCHAIN\""));
}

#[test]
fn gitattributes_checks_text_out_with_lf_everywhere() {
    let attributes = read(".gitattributes");
    assert!(
        attributes.lines().any(|l| l.trim() == "* text=auto eol=lf"),
        "{attributes}"
    );
}

#[test]
fn every_action_is_a_major_that_runs_on_node_24() {
    // Node 20 left the hosted runners on 2026-09-16; these are the first majors of each action
    // that declare `runs.using: node24` (download-artifact's v6 still said node20).
    let first_node24 = [
        ("actions/checkout", 5),
        ("actions/setup-python", 6),
        ("hashicorp/setup-terraform", 4),
        ("actions/upload-artifact", 6),
        ("actions/download-artifact", 7),
        ("actions/attest-build-provenance", 3),
    ];
    let workflow = workflow();
    let uses: Vec<&str> = workflow
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses: "))
        .collect();
    assert!(!uses.is_empty());
    for action in uses {
        let (name, version) = action.split_once("@v").unwrap_or((action, ""));
        let major: u32 = version.parse().unwrap_or_else(|_| {
            panic!("{action}: pin a major version (@vN), as the workflow's other actions")
        });
        let Some((_, minimum)) = first_node24.iter().find(|(n, _)| *n == name) else {
            panic!("{action}: an action this test does not know; add its first Node 24 major");
        };
        assert!(
            major >= *minimum,
            "{action}: runs on Node 20, which the hosted runners no longer have; use @v{minimum}"
        );
    }
}

#[test]
fn each_long_step_has_a_limit_of_its_own_within_the_jobs() {
    let test = job(&workflow(), "test");
    let job_limit = test
        .iter()
        .find_map(|l| l.trim().strip_prefix("timeout-minutes: "))
        .and_then(|m| m.parse::<u32>().ok())
        .expect("the test job has timeout-minutes");
    let mut total = 0;
    for run in [
        "run: ./scripts/test.sh",
        "run: ./scripts/release.sh",
        "run: ./scripts/release-rebuild-check.sh",
    ] {
        let end = at(&test, run);
        let start = test[..end]
            .iter()
            .rposition(|l| l.trim_start().starts_with("- name:"))
            .expect("the step's name");
        let limit = test[start..end]
            .iter()
            .find_map(|l| l.trim().strip_prefix("timeout-minutes: "))
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("the step of {run:?} has no timeout-minutes"));
        total += limit;
    }
    assert!(
        total < job_limit,
        "the steps' limits ({total} min) leave nothing of the job's {job_limit} min for set-up"
    );
}
