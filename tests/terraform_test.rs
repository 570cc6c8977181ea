//! `terraform test` on the examples' own test files, with the real Terraform CLI: the
//! `tests/mock.tftest.hcl` of each example (our provider and HashiCorp's AWS provider mocked,
//! their defaults printed by `cloudhsm-emulator fixtures`) and `tests/emulator.tftest.hcl`
//! (both providers real, pointed at the in-process emulator, its endpoints passed as
//! variables). Our provider comes from a filesystem mirror of the build, the AWS provider from
//! the machine's mirror, as in `example_complete.rs`.
//!
//! Also: the mocks are not vacuous (a cluster certificate from another root makes the mocked
//! test fail with the provider's own words), and the fixtures checked into the examples are a
//! set the provider's checks accept (a stale or mixed-up set fails here, not in a user's test).
//!
//! The test files need Terraform 1.7 (mocks, variables in a test file's provider blocks) and
//! the own-CA example 1.11 (write-only arguments); older versions print a NOT RUN line. Terraform before 1.14 cannot destroy a resource with `prevent_destroy` when a test
//! cleans up (hashicorp/terraform#34960): there the tests run on a copy of the example with
//! `prevent_destroy = false` and say so, and one test shows that the example as it is fails
//! at the cleanup only.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cloudhsm_emulator::{Emulator, EmulatorConfig, Fixtures, Timings};
use terraform_provider_cloudhsm::{certs, cluster_id, signing};

type Version = (u32, u32, u32);

/// The first Terraform whose `terraform test` has mocks and lets a test file's provider blocks
/// read variables (the emulator's endpoints), and the first that destroys a `prevent_destroy`
/// resource when a test cleans up.
const MOCKS: Version = (1, 7, 0);
const CLEANS_UP_PREVENT_DESTROY: Version = (1, 14, 0);
/// examples/complete-own-ca needs write-only arguments.
const WRITE_ONLY: Version = (1, 11, 0);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Terraform CLI and the AWS provider's mirror when `file` of `example` can run on this
/// Terraform; `None` with a NOT RUN line naming the version, or a SKIPPED line outside CI.
fn tools(example: &str, file: &str, oldest: Version) -> Option<(PathBuf, Version, PathBuf)> {
    let tf = support::terraform()?;
    let version = support::terraform_version(&tf);
    if version < oldest {
        eprintln!(
            "NOT RUN: examples/{example}/tests/{file} needs Terraform {} or later for \
             `terraform test`; this is Terraform {}",
            dotted(oldest),
            dotted(version)
        );
        return None;
    }
    let aws = support::aws_mirror()?;
    Some((tf, version, aws))
}

fn dotted((a, b, c): Version) -> String {
    format!("{a}.{b}.{c}")
}

/// A scratch copy of an example with its `tests/`, and a CLI configuration installing both
/// providers from filesystem mirrors.
struct Module {
    dir: tempfile::TempDir,
    tf: PathBuf,
    cli_config: PathBuf,
}

impl Module {
    /// Copies `examples/<example>`; with `keep_prevent_destroy` false, `prevent_destroy = true`
    /// becomes false (for Terraform before 1.14).
    fn copy(example: &str, tf: &Path, aws: &Path, keep_prevent_destroy: bool) -> Module {
        Module::copy_with(example, tf, keep_prevent_destroy, |dir| {
            support::write_mirrors_config(dir, aws)
        })
    }

    /// [`Module::copy`] with the CLI configuration `cli_config` writes into the scratch
    /// directory (or finds elsewhere).
    fn copy_with(
        example: &str,
        tf: &Path,
        keep_prevent_destroy: bool,
        cli_config: impl FnOnce(&Path) -> PathBuf,
    ) -> Module {
        let dir = tempfile::tempdir().expect("tempdir");
        let module = dir.path().join("module");
        copy_tree(&root().join("examples").join(example), &module);
        if !keep_prevent_destroy {
            let main = module.join("main.tf");
            let body = std::fs::read_to_string(&main).expect("main.tf");
            std::fs::write(
                &main,
                body.replace("prevent_destroy = true", "prevent_destroy = false"),
            )
            .expect("main.tf");
        }
        let cli_config = cli_config(dir.path());
        let m = Module {
            dir,
            tf: tf.to_path_buf(),
            cli_config,
        };
        let (ok, text) = m.terraform(&["init", "-no-color"]);
        assert!(ok, "terraform init of examples/{example}:\n{text}");
        m
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("module")
    }

    fn terraform(&self, args: &[&str]) -> (bool, String) {
        let out = support::terraform_command(&self.tf, &self.path(), &self.cli_config)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("terraform runs");
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// `terraform test` of one file (every file: `""`), with extra arguments.
    fn test(&self, file: &str, extra: &[&str]) -> (bool, String) {
        let filter = format!("-filter=tests/{file}");
        let mut args = vec!["test", "-no-color"];
        if !file.is_empty() {
            args.push(filter.as_str());
        }
        args.extend_from_slice(extra);
        self.terraform(&args)
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == ".terraform") {
                continue;
            }
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Whether this Terraform needs the `prevent_destroy = false` copy, saying so when it does.
fn keeps_prevent_destroy(version: Version) -> bool {
    let keep = version >= CLEANS_UP_PREVENT_DESTROY;
    if !keep {
        eprintln!(
            "NOTE: Terraform {} cannot destroy a prevent_destroy resource when a test cleans \
             up (1.14 can): testing a copy of the example with prevent_destroy = false",
            dotted(version)
        );
    }
    keep
}

#[track_caller]
fn assert_passed(file: &str, ok: bool, text: &str, runs: usize) {
    assert!(ok, "terraform test of {file} failed:\n{text}");
    assert!(
        text.contains(&format!("Success! {runs} passed, 0 failed.")),
        "{file}: expected {runs} runs to pass:\n{text}"
    );
}

#[test]
fn the_complete_example_passes_its_mocked_tests() {
    let Some((tf, version, aws)) = tools("complete", "mock.tftest.hcl", MOCKS) else {
        return;
    };
    let module = Module::copy("complete", &tf, &aws, keeps_prevent_destroy(version));
    let (ok, text) = module.test("mock.tftest.hcl", &[]);
    assert_passed("examples/complete/tests/mock.tftest.hcl", ok, &text, 3);
}

#[test]
fn a_cluster_certificate_from_another_root_fails_the_mocked_test() {
    let Some((tf, version, aws)) = tools("complete", "mock.tftest.hcl", MOCKS) else {
        return;
    };
    let module = Module::copy("complete", &tf, &aws, keeps_prevent_destroy(version));
    let file = module.path().join("tests/mock.tftest.hcl");
    let body = std::fs::read_to_string(&file).expect("mock.tftest.hcl");
    let fixtures = read_fixtures(&body);
    let signed = fixtures.get("cloudhsm.cloudhsm_one_time_root.defaults.signed_cert");
    // The same subject and issuer name, signed by another throwaway root.
    let other = Fixtures::generate("eu-west-1", "eu-central-1").expect("fixtures");
    let broken = body.replace(&indent(signed, 8), &indent(&other.signed_cert, 8));
    assert_ne!(broken, body, "the signed certificate was not replaced");
    std::fs::write(&file, broken).expect("write");
    let (ok, text) = module.test("mock.tftest.hcl", &[]);
    assert!(!ok, "a certificate the root did not issue passed:\n{text}");
    let flat = support::flat(&text);
    assert!(
        flat.contains("Error: Certificate not issued by the trust anchor")
            && flat.contains("with cloudhsm_cluster_initialization.this"),
        "{text}"
    );
}

#[test]
fn before_terraform_1_14_the_example_as_it_is_fails_only_at_the_cleanup() {
    let Some((tf, version, aws)) = tools("complete", "mock.tftest.hcl", MOCKS) else {
        return;
    };
    if version >= CLEANS_UP_PREVENT_DESTROY {
        // Nothing to show: the mocked test above ran on the example as it is.
        return;
    }
    let module = Module::copy("complete", &tf, &aws, true);
    let (ok, text) = module.test("mock.tftest.hcl", &[]);
    assert!(
        !ok,
        "the cleanup destroyed a prevent_destroy resource:\n{text}"
    );
    let flat = support::flat(&text);
    assert!(
        flat.contains("run \"plans_the_whole_flow\"... pass")
            && flat.contains("run \"initializes_with_the_one_time_root\"... pass")
            && flat.contains("Error: Instance cannot be destroyed")
            && flat.contains("cloudhsm_one_time_root.this has lifecycle.prevent_destroy set"),
        "{text}"
    );
}

/// The emulator as the examples' tests expect it: instant, in eu-west-1, the own-CA example's
/// key as the secret `cloudhsm-test/ca-key`.
async fn emulator() -> Emulator {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings::instant(),
        region: "eu-west-1".into(),
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let key = root().join(OWN_CA_KEY);
    let key = std::fs::read_to_string(&key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
    emulator.control().seed_secret("cloudhsm-test/ca-key", &key);
    emulator
}

/// The throwaway CA of examples/complete-own-ca's tests: its certificate and key.
const OWN_CA_CERT: &str = "examples/complete-own-ca/tests/fixtures/customerCA.crt";
const OWN_CA_KEY: &str = "examples/complete-own-ca/tests/fixtures/customerCA.key";

/// `-var-file=` a file in `module`'s scratch directory giving the emulator's endpoints as the
/// test files' `emulator_endpoint` and `emulator_sts_endpoint`.
fn endpoint_vars(module: &Module, emulator: &Emulator) -> String {
    let vars = module.dir.path().join("emulator.tfvars");
    std::fs::write(
        &vars,
        format!(
            "emulator_endpoint     = \"{}\"\nemulator_sts_endpoint = \"{}\"\n",
            emulator.endpoint_url(),
            emulator.sts_endpoint_url()
        ),
    )
    .expect("tfvars");
    format!("-var-file={}", vars.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_complete_example_passes_its_test_against_the_emulator() {
    let Some((tf, version, aws)) = tools("complete", "emulator.tftest.hcl", MOCKS) else {
        return;
    };
    let emulator = emulator().await;
    let control = emulator.control();
    let module = tokio::task::block_in_place(|| {
        Module::copy("complete", &tf, &aws, keeps_prevent_destroy(version))
    });
    let var_file = endpoint_vars(&module, &emulator);
    let (ok, text) =
        tokio::task::block_in_place(|| module.test("emulator.tftest.hcl", &[&var_file]));
    assert_passed("examples/complete/tests/emulator.tftest.hcl", ok, &text, 1);

    // It ran against the emulator: one cluster made, initialized, its backup copied once;
    // the cleanup deleted the copy, the HSM and the cluster.
    assert_eq!(control.call_count("CreateCluster"), 1);
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(control.call_count("CopyBackupToRegion"), 1);
    assert_eq!(control.call_count("DeleteBackup"), 1);
    assert_eq!(control.call_count("DeleteCluster"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_own_ca_example_passes_its_mocked_test_reading_the_key_from_the_emulator() {
    let Some((tf, _, aws)) = tools("complete-own-ca", "mock.tftest.hcl", WRITE_ONLY) else {
        return;
    };
    let emulator = emulator().await;
    let control = emulator.control();
    let module = tokio::task::block_in_place(|| Module::copy("complete-own-ca", &tf, &aws, true));
    let var_file = endpoint_vars(&module, &emulator);
    let (ok, text) = tokio::task::block_in_place(|| module.test("mock.tftest.hcl", &[&var_file]));
    assert_passed(
        "examples/complete-own-ca/tests/mock.tftest.hcl",
        ok,
        &text,
        2,
    );
    // Only the ephemeral secret was real: no CloudHSM call reached the emulator.
    assert!(control.call_count("GetSecretValue") >= 1);
    for operation in ["CreateCluster", "DescribeClusters", "InitializeCluster"] {
        assert_eq!(control.call_count(operation), 0, "{operation}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_own_ca_example_passes_its_test_against_the_emulator() {
    let Some((tf, _, aws)) = tools("complete-own-ca", "emulator.tftest.hcl", WRITE_ONLY) else {
        return;
    };
    let emulator = emulator().await;
    let control = emulator.control();
    let module = tokio::task::block_in_place(|| Module::copy("complete-own-ca", &tf, &aws, true));
    let var_file = endpoint_vars(&module, &emulator);
    let (ok, text) =
        tokio::task::block_in_place(|| module.test("emulator.tftest.hcl", &[&var_file]));
    assert_passed(
        "examples/complete-own-ca/tests/emulator.tftest.hcl",
        ok,
        &text,
        1,
    );
    assert_eq!(control.call_count("CreateCluster"), 1);
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert!(control.call_count("GetSecretValue") >= 1);
    // The certificate CloudHSM got was issued by the fixture CA, for the cluster's CSR.
    let sent = &control.calls("InitializeCluster")[0];
    let anchor = std::fs::read_to_string(root().join(OWN_CA_CERT)).expect("customerCA.crt");
    assert!(certs::same_certificate(
        sent["TrustAnchor"].as_str().unwrap_or_default(),
        &anchor
    ));
    let signed = certs::parse_certificate_pem(sent["SignedCert"].as_str().unwrap_or_default())
        .expect("SignedCert is a certificate");
    let anchor = certs::parse_certificate_pem(&anchor).expect("the anchor");
    certs::check_issued_by(&signed, &anchor, certs::now_unix()).expect("issued by the CA");
}

/// `scripts/emulator.sh` as the guide uses it: started, its CLI configuration and -var-file
/// serve both test files of examples/complete-own-ca, and it stops its emulator on SIGTERM (on Windows, when its
/// process tree is ended).
#[test]
fn scripts_emulator_sh_serves_the_own_ca_examples_tests() {
    let Some((tf, _, aws)) = tools("complete-own-ca", "emulator.tftest.hcl", WRITE_ONLY) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut script = support::Tree::spawn(
        Command::new(support::bash())
            .arg(root().join("scripts/emulator.sh"))
            .current_dir(root())
            .env("EMULATOR_DIR", dir.path().join("emulator"))
            .env("AWS_PROVIDER_MIRROR", &aws)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out).expect("out"))
            .stderr(std::fs::File::create(&err).expect("err")),
    );
    let printed = |key: &str| {
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
    };
    // The script may build first.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    while printed("TF_CLI_CONFIG_FILE").is_none() {
        if script.child.try_wait().expect("status").is_some()
            || std::time::Instant::now() > deadline
        {
            script.kill_all_at_once();
            panic!(
                "scripts/emulator.sh did not start:\n{}\n{}",
                std::fs::read_to_string(&out).unwrap_or_default(),
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let endpoint = printed("ENDPOINT").expect("ENDPOINT");
    let config = PathBuf::from(printed("TF_CLI_CONFIG_FILE").expect("TF_CLI_CONFIG_FILE"));
    let tfvars = printed("TFVARS").expect("TFVARS");
    let cluster = printed("CLUSTER_ID").expect("CLUSTER_ID");
    assert!(cluster_id::is_cluster_id(&cluster), "{cluster}");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        text.contains(&format!("cloudhsmv2 = \"{endpoint}\"")),
        "no provider block for {endpoint}:\n{text}"
    );

    let module = Module::copy_with("complete-own-ca", &tf, true, |_| config);
    let (ok, result) = module.test("", &[&format!("-var-file={tfvars}")]);

    // On unix the script is stopped as a service manager or a CI runner stops it (SIGTERM to
    // the script alone: its trap stops the emulator); Windows has no SIGTERM, and a job
    // ending the script's whole tree is what a runner does there.
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-TERM", &script.id().to_string()])
        .status();
    #[cfg(windows)]
    script.kill_all_at_once();
    let status = script.wait().expect("the script ends");
    assert_passed("examples/complete-own-ca/tests", ok, &result, 3);
    #[cfg(unix)]
    assert_eq!(status.code(), Some(143), "SIGTERM ends the script with 143");
    #[cfg(windows)]
    let _ = status;
    let address = endpoint.trim_start_matches("http://").to_string();
    assert!(
        support::wait_until(|| std::net::TcpStream::connect(&address).is_err()),
        "the emulator at {endpoint} still answers after the script ended"
    );
}

/// The fixtures in every checked-in test file are a set the provider's checks accept.
#[test]
fn the_checked_in_fixtures_are_a_set_the_provider_accepts() {
    let mut checked = 0;
    for example in ["complete", "complete-own-ca"] {
        let path = root().join(format!("examples/{example}/tests/mock.tftest.hcl"));
        let body =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut found = read_fixtures(&body);
        if example == "complete-own-ca" {
            // The CA the module reads from files and the secret store is the set's root.
            for (key, file) in [
                ("ca_certificate", OWN_CA_CERT),
                ("ca_private_key", OWN_CA_KEY),
            ] {
                let text = std::fs::read_to_string(root().join(file)).expect(file);
                found.0.insert(key.to_string(), text);
            }
        }
        if let Err(problems) = check_fixture_set(&found) {
            panic!(
                "{} holds fixtures the provider refuses or that do not belong together; \
                 regenerate them with `cloudhsm-emulator fixtures`:\n{}",
                path.display(),
                problems.join("\n")
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn a_fixture_set_whose_certificate_is_for_another_csr_is_refused() {
    let a = Fixtures::generate("eu-west-1", "eu-central-1").expect("fixtures");
    let b = Fixtures::generate("eu-west-1", "eu-central-1").expect("fixtures");
    let good = read_fixtures(&a.render());
    check_fixture_set(&good).expect("a fresh set is accepted");
    let mixed = read_fixtures(
        &a.render()
            .replace(&indent(&a.cluster_csr, 8), &indent(&b.cluster_csr, 8)),
    );
    let problems = check_fixture_set(&mixed).expect_err("a CSR of another cluster");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("does not carry the public key of the cluster's CSR")),
        "{problems:#?}"
    );
}

/// `pem` as a heredoc body at `spaces` of indentation.
fn indent(pem: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    pem.trim_end()
        .lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect()
}

/// What the checks below need of a test file's fixtures: values by dotted path
/// (`<provider>.<type>.defaults.<attribute>[.<nested>]`).
struct Found(std::collections::BTreeMap<String, String>);

/// Reads the string and heredoc values of a test file's blocks, in the layout
/// `cloudhsm-emulator fixtures` prints (one attribute or opening per line).
fn read_fixtures(body: &str) -> Found {
    let mut values = std::collections::BTreeMap::new();
    let mut stack: Vec<String> = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if t == "}" || t == "}," || t == "]" || t == "]," {
            stack.pop();
            continue;
        }
        let path = |key: &str| {
            let mut p = stack.clone();
            p.push(key.to_string());
            p.join(".")
        };
        if let Some(head) = t.strip_suffix('{') {
            // `mock_provider "aws" {`, `defaults = {`, `{` (a list element)
            let head = head.trim();
            let name = match head.split_once(' ') {
                Some((_, label)) if label.starts_with('"') => label.trim_matches('"'),
                _ => head.trim_end_matches('=').trim(),
            };
            stack.push(if name.is_empty() { "[]" } else { name }.to_string());
            continue;
        }
        if let Some(head) = t.strip_suffix('[') {
            stack.push(head.trim().trim_end_matches('=').trim().to_string());
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if value == "<<-EOT" {
            let mut text = String::new();
            for l in lines.by_ref() {
                if l.trim() == "EOT" {
                    break;
                }
                text.push_str(l.trim());
                text.push('\n');
            }
            values.insert(path(key), text);
        } else if let Some(s) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            values.insert(path(key), s.to_string());
        }
    }
    Found(values)
}

impl Found {
    fn get(&self, path: &str) -> &str {
        self.0
            .get(path)
            .unwrap_or_else(|| panic!("no {path} in the fixtures: {:?}", self.0.keys()))
    }

    fn opt(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }
}

/// The provider's own checks over a fixture set, and that its parts belong together.
fn check_fixture_set(f: &Found) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let root = "cloudhsm.cloudhsm_one_time_root.defaults";
    let data = "cloudhsm.cloudhsm_cluster.defaults";
    let init = "cloudhsm.cloudhsm_cluster_initialization.defaults";
    let now = certs::now_unix();
    let cert = |path: &str| certs::parse_certificate_pem(f.get(path));
    let (anchor, signed) = match (
        cert(&format!("{root}.root_certificate")),
        cert(&format!("{root}.signed_cert")),
    ) {
        (Ok(a), Ok(s)) => (a, s),
        (a, s) => {
            return Err(vec![format!(
                "the root or the cluster certificate is no PEM certificate: {:?} / {:?}",
                a.err().map(|e| e.to_string()),
                s.err().map(|e| e.to_string())
            )])
        }
    };
    let csr = match certs::parse_csr_pem(f.get(&format!("{root}.cluster_csr"))) {
        Ok(csr) => csr,
        Err(e) => return Err(vec![format!("the CSR: {e}")]),
    };
    if let Err(e) = certs::check_trust_anchor(&anchor, now) {
        check(false, format!("root_certificate: {e}"));
    }
    if let Err(e) = certs::check_issued_by(&signed, &anchor, now) {
        check(false, format!("signed_cert: {e}"));
    }
    if let Err(e) = certs::check_matches_csr(&signed, &csr) {
        check(false, format!("signed_cert: {e}"));
    }
    // The same CSR, certificate and cluster wherever they appear.
    for (path, expected) in [
        (
            format!("{data}.cluster_csr"),
            f.get(&format!("{root}.cluster_csr")),
        ),
        (
            format!("{data}.certificates.cluster_csr"),
            f.get(&format!("{root}.cluster_csr")),
        ),
        (
            format!("{init}.signed_cert"),
            f.get(&format!("{root}.signed_cert")),
        ),
        (
            format!("{init}.cluster_certificate"),
            f.get(&format!("{root}.signed_cert")),
        ),
    ] {
        check(
            f.get(&path) == expected,
            format!("{path} is not the one cloudhsm_one_time_root holds"),
        );
    }
    let id = f.get(&format!("{root}.id"));
    check(
        cluster_id::is_cluster_id(id),
        format!("{id:?} is not a cluster id"),
    );
    for path in [
        format!("{data}.id"),
        format!("{init}.id"),
        "cloudhsm.cloudhsm_cluster_config.defaults.id".to_string(),
        "cloudhsm.cloudhsm_backups.defaults.backups.[].cluster_id".to_string(),
    ] {
        check(f.get(&path) == id, format!("{path} is not {id}"));
    }
    // The cluster the AWS provider's mock or override makes is the same.
    let aws = [
        "aws.aws_cloudhsm_v2_cluster.defaults.cluster_id",
        "override_resource.values.cluster_id",
    ];
    match aws.iter().find_map(|p| f.opt(p).map(|v| (p, v))) {
        Some((path, aws_id)) => check(aws_id == id, format!("{path} is not {id}")),
        None => check(false, "no aws_cloudhsm_v2_cluster mock or override".into()),
    }
    check(
        f.get(&format!("{data}.state")) == "UNINITIALIZED",
        "the data source's cluster is not UNINITIALIZED".into(),
    );
    for path in [
        "cloudhsm.cloudhsm_backups.defaults.backups.[].backup_id",
        "cloudhsm.cloudhsm_backup_copy.defaults.backup_id",
    ] {
        let backup = f.get(path);
        check(
            terraform_provider_cloudhsm::cloudhsm::backup::is_backup_id(backup),
            format!("{path}: {backup:?} is not a backup id"),
        );
    }
    // The CA's files, when the set has them (the ca_private_key_wo flow): the root, and its key.
    if let Some(ca) = f.opt("ca_certificate") {
        check(
            certs::same_certificate(ca, f.get(&format!("{root}.root_certificate"))),
            "the CA certificate file is not the set's root".into(),
        );
    }
    if let Some(key) = f.opt("ca_private_key") {
        match signing::parse_ca_key(key) {
            Ok(key) => {
                if let Err(e) = signing::check_key_matches(&key, &anchor) {
                    check(false, format!("ca_private_key: {e}"));
                }
            }
            Err(e) => check(false, format!("ca_private_key: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
