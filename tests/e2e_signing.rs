//! End-to-end tests of the provider signing the cluster's CSR itself, through the real
//! Terraform CLI against the emulator (which checks the chain and the CSR's key, as
//! CloudHSM does): the one-time root on every Terraform version, a kill -9 right after
//! InitializeCluster was accepted, and the CA key as a write-only argument, which never
//! reaches the state, a saved plan or the provider's log on Terraform 1.11, and is refused
//! with nothing stored on a Terraform without write-only arguments.

mod support;

use std::path::Path;
use std::time::Duration;

use cloudhsm_emulator::{ClusterSpec, Control};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use support::{flat, Workspace};
use terraform_provider_cloudhsm::certs;

const ROOT: &str = "cloudhsm_one_time_root.this";
const INIT: &str = "cloudhsm_cluster_initialization.this";

fn attr(ws: &Workspace, address: &str, name: &str) -> Option<String> {
    ws.resource(address)
        .and_then(|r| r[name].as_str().map(str::to_string))
}

fn one_time_root_hcl(cluster_id: &str) -> String {
    format!(
        "resource \"cloudhsm_one_time_root\" \"this\" {{\n  cluster_id = \"{cluster_id}\"\n}}\n\n\
         resource \"cloudhsm_cluster_initialization\" \"this\" {{\n  cluster_id   = cloudhsm_one_time_root.this.cluster_id\n  signed_cert  = cloudhsm_one_time_root.this.signed_cert\n  trust_anchor = cloudhsm_one_time_root.this.root_certificate\n}}\n"
    )
}

fn state_file(ws: &Workspace) -> String {
    std::fs::read_to_string(ws.dir.path().join("terraform.tfstate")).unwrap_or_default()
}

/// The cluster's certificate as the emulator holds it.
fn cluster_certificate(control: &Control, id: &str) -> Option<String> {
    control.cluster_json(id)?["Certificates"]["ClusterCertificate"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_root_initializes_the_cluster_and_only_certificates_are_stored() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec::default());
    ws.write(&one_time_root_hcl(&id));
    let run = ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    let root = attr(&ws, ROOT, "root_certificate").expect("root certificate in state");
    let signed = attr(&ws, ROOT, "signed_cert").expect("signed certificate in state");
    assert!(certs::same_certificate(
        &cluster_certificate(&control, &id).expect("initialized"),
        &signed
    ));
    let sent = &control.calls("InitializeCluster")[0];
    assert!(certs::same_certificate(
        sent["TrustAnchor"].as_str().unwrap_or_default(),
        &root
    ));
    assert!(!state_file(&ws).contains("PRIVATE KEY"));
    assert!(ws.plan_is_empty());

    // A plan-time error, and no call, for a cluster that has no CSR yet.
    ws.run(&["state", "rm", "-no-color", ROOT, INIT]).ok();
    let bare = control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..Default::default()
    });
    ws.write(&one_time_root_hcl(&bare));
    let run = ws.plan().fails();
    let text = flat(&run.all());
    assert!(text.contains("Cluster has no HSM yet"), "{text}");
    assert!(text.contains("cluster_id = \""), "on the attribute: {text}");
    assert_eq!(control.call_count("InitializeCluster"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_after_initialize_cluster_was_accepted_loses_no_root_and_calls_it_once() {
    // The initialization takes ten minutes: the apply is killed while it waits.
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(600)).await
    else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec::default());
    ws.write(&one_time_root_hcl(&id));
    // Killed at one instant with its plugin (unix: SIGKILL to a process group of its own;
    // Windows: TerminateJobObject on a job holding both), as when a CI job is cancelled or
    // a machine stops. (Killing the plugin first would let Terraform see it die and start
    // rewriting terraform.tfstate, which it truncates before it writes: that run would lose
    // the file whatever the provider did.)
    let mut apply = support::Tree::spawn(&mut ws.command(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[],
    ));
    let accepted = tokio::task::block_in_place(|| {
        support::wait_until(|| control.call_count("InitializeCluster") == 1)
    });
    assert!(accepted, "the apply reached InitializeCluster");
    #[cfg(unix)]
    let stragglers = support::descendants(apply.id());
    apply.kill_all_at_once();
    // Anything that had left the group (none is expected) goes too.
    #[cfg(unix)]
    for pid in &stragglers {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    let _ = apply.wait();

    // The root was saved before InitializeCluster was called.
    let root = attr(&ws, ROOT, "root_certificate").expect("the root survived kill -9");
    let signed = attr(&ws, ROOT, "signed_cert").expect("the signed certificate too");
    let sent = &control.calls("InitializeCluster")[0];
    assert!(certs::same_certificate(
        sent["TrustAnchor"].as_str().unwrap_or_default(),
        &root
    ));

    // The next apply adopts the initialization: no second InitializeCluster.
    assert!(control.complete_transitions(&id));
    let run = ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    assert_eq!(attr(&ws, ROOT, "root_certificate"), Some(root));
    assert!(certs::same_certificate(
        &cluster_certificate(&control, &id).expect("initialized"),
        &signed
    ));
    assert!(ws.plan_is_empty());
}

/// A CA the user holds: its private key (PKCS #8 PEM) and its self-signed certificate.
fn user_ca() -> (String, String) {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "Example Offline Root CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("self-signed");
    (key.serialize_pem(), cert.pem())
}

/// Pieces of `key_pem` that must appear nowhere: each line of its PEM body, and stretches of
/// its DER in base64 on one line.
fn key_fragments(key_pem: &str) -> Vec<String> {
    let body: Vec<&str> = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .collect();
    let one_line = body.concat();
    let mut fragments: Vec<String> = body
        .iter()
        .filter(|l| l.len() >= 16)
        .map(|l| l.to_string())
        .collect();
    let chars: Vec<char> = one_line.chars().collect();
    fragments.extend(
        chars
            .chunks(24)
            .filter(|c| c.len() == 24)
            .map(|c| c.iter().collect()),
    );
    fragments
}

fn assert_no_key(what: &str, text: &str, fragments: &[String]) {
    for f in fragments {
        assert!(
            !text.contains(f.as_str()),
            "a piece of the CA key is in {what}"
        );
    }
}

/// Every file inside the zip archive at `path` (a saved plan), as text, through Python's
/// zipfile (the project's setup needs Python already).
fn unzipped(path: &Path) -> String {
    let out = std::process::Command::new(support::python())
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n    sys.stdout.write(z.read(n).decode('latin-1'))\n",
        ])
        .arg(path)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_only_hcl(cluster_id: &str, key_expression: &str, variable: &str) -> String {
    format!(
        "{variable}resource \"cloudhsm_cluster_initialization\" \"this\" {{\n  cluster_id        = \"{cluster_id}\"\n  trust_anchor      = file(\"customerCA.crt\")\n  ca_private_key_wo = {key_expression}\n}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_key_as_a_write_only_argument_is_used_and_never_stored_or_logged() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let Some(tf) = support::terraform() else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec::default());
    let (key_pem, ca_pem) = user_ca();
    ws.write_file("customerCA.crt", &ca_pem);
    let fragments = key_fragments(&key_pem);
    let version = support::terraform_version(&tf);

    if version < (1, 11, 0) {
        // No write-only arguments: refused at plan, on the attribute, with nothing stored.
        ws.write_file("ca.key", &key_pem);
        ws.write(&write_only_hcl(&id, "file(\"ca.key\")", ""));
        let run = ws.plan().fails();
        let text = flat(&run.all());
        assert!(text.contains("Terraform 1.11"), "{text}");
        assert!(text.contains("ca_private_key_wo"), "{text}");
        let run = ws.apply().fails();
        assert!(flat(&run.all()).contains("Terraform 1.11"));
        assert_eq!(control.call_count("InitializeCluster"), 0);
        assert!(ws.resource(INIT).is_none());
        assert_no_key("the state", &state_file(&ws), &fragments);
        return;
    }

    // From an ephemeral variable, as an ephemeral resource of a secret store would give it.
    let variable = "variable \"ca_key\" {\n  type      = string\n  ephemeral = true\n  sensitive = true\n}\n\n";
    ws.write(&write_only_hcl(&id, "var.ca_key", variable));
    let log = ws.dir.path().join("provider.log");
    let log_path = log.to_string_lossy().into_owned();
    let env = [
        ("TF_VAR_ca_key", key_pem.as_str()),
        ("TF_LOG_PROVIDER", "trace"),
        ("TF_LOG_PATH", log_path.as_str()),
    ];
    let run = ws.run_with_env(
        &["plan", "-input=false", "-no-color", "-out=signed.tfplan"],
        &env,
    );
    assert!(run.success, "{}", run.all());
    let plan_file = ws.dir.path().join("signed.tfplan");
    let raw_plan =
        String::from_utf8_lossy(&std::fs::read(&plan_file).expect("plan file")).into_owned();
    assert_no_key("the saved plan (raw)", &raw_plan, &fragments);
    assert_no_key(
        "the saved plan (unzipped)",
        &unzipped(&plan_file),
        &fragments,
    );
    let shown = ws.run(&["show", "-json", "signed.tfplan"]);
    assert!(shown.success, "{}", shown.all());
    assert_no_key(
        "terraform show -json of the plan",
        &shown.stdout,
        &fragments,
    );

    let run = ws.run_with_env(
        &["apply", "-input=false", "-no-color", "signed.tfplan"],
        &env,
    );
    assert!(run.success, "{}", run.all());
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    // The certificate the provider signed is in the state (it is public), and the cluster's.
    let signed = attr(&ws, INIT, "signed_cert").expect("signed_cert in state");
    assert!(certs::same_certificate(
        &cluster_certificate(&control, &id).expect("initialized"),
        &signed
    ));
    assert_no_key("the state", &state_file(&ws), &fragments);
    assert_no_key(
        "terraform show -json",
        &ws.run(&["show", "-json"]).stdout,
        &fragments,
    );
    assert_no_key("Terraform's output", &run.all(), &fragments);
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("InitializeCluster"),
        "the provider logged at trace level"
    );
    assert_no_key("the provider's TRACE log", &logged, &fragments);
    let run = ws.run_with_env(
        &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
        &env,
    );
    assert!(
        run.success,
        "nothing to change after the apply: {}",
        run.all()
    );
}
