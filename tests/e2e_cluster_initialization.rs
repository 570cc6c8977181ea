//! End-to-end tests of `cloudhsm_cluster_initialization`: the real Terraform CLI drives the
//! freshly built provider against the CloudHSM emulator (HTTP, SigV4), and the emulator's
//! call record says which API calls were made.
//!
//! Run with another Terraform: `TERRAFORM=.tools/terraform cargo test --test e2e_cluster_initialization`.

mod support;

use std::time::Duration;

use cloudhsm_emulator::{Behaviour, CaKey, ClusterSpec, Fault, FaultKind};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    SubjectPublicKeyInfo, PKCS_ECDSA_P256_SHA256,
};
use support::{
    error_blocks, flat, init_with_timeout, resource_hcl, seed_and_sign, seed_and_sign_with,
    sign_for, Workspace,
};
use terraform_provider_cloudhsm::certs;

const ADDRESS: &str = "cloudhsm_cluster_initialization.this";

fn state_attr(ws: &Workspace, attr: &str) -> Option<String> {
    ws.resource(ADDRESS)
        .and_then(|r| r[attr].as_str().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_adopt_import_destroy_and_drift() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, anchor) = seed_and_sign(&control, &ws);
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));

    // Apply initializes, through a throttled InitializeCluster and a failing DescribeClusters,
    // with exactly one effective InitializeCluster.
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::Throttle,
        1,
    ));
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::InternalError,
        1,
    ));
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1);
    let body = &control.calls("InitializeCluster")[0];
    assert_eq!(body["ClusterId"], id.as_str());
    assert!(certs::same_certificate(
        body["SignedCert"].as_str().unwrap(),
        &cert
    ));
    assert_eq!(state_attr(&ws, "state").as_deref(), Some("INITIALIZED"));
    assert_eq!(state_attr(&ws, "id").as_deref(), Some(id.as_str()));
    assert!(certs::same_certificate(
        &state_attr(&ws, "cluster_certificate").unwrap(),
        &cert
    ));
    let cluster = control.cluster_json(&id).unwrap();
    assert_eq!(cluster["State"], "INITIALIZED");

    // Nothing to do; PEM reformatting (CRLF, trailing blank lines) is no change either.
    assert!(ws.plan_is_empty());
    ws.write_file(
        "cluster.crt",
        &format!("{}\r\n\r\n", cert.replace('\n', "\r\n")),
    );
    ws.write_file("customerCA.crt", &anchor.replace('\n', "\r\n"));
    assert!(ws.plan_is_empty(), "formatting-only changes must not plan");

    // Another certificate for the same key: refused at plan, on signed_cert.
    let (other_cert, other_anchor) = sign_for(&control, &id);
    ws.write_file("cluster.crt", &other_cert);
    ws.write_file("customerCA.crt", &other_anchor);
    let run = ws.plan().fails();
    let text = flat(&run.all());
    assert!(
        text.contains("Cannot change the certificates of an initialized cluster"),
        "{text}"
    );
    assert!(
        text.contains("signed_cert = file(\"cluster.crt\")"),
        "{text}"
    );
    assert!(
        text.contains("trust_anchor = file(\"customerCA.crt\")"),
        "{text}"
    );
    assert_eq!(control.call_count("InitializeCluster"), 1);
    ws.write_file("cluster.crt", &cert);
    ws.write_file("customerCA.crt", &anchor);

    // Destroy: a warning, and no API call that changes anything.
    let calls_before = control.all_calls().len();
    let run = ws
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .ok();
    assert!(
        flat(&run.all()).contains("The cluster stays initialized"),
        "{}",
        run.all()
    );
    let new_calls: Vec<String> = control.all_calls()[calls_before..]
        .iter()
        .map(|(op, _)| op.clone())
        .collect();
    assert!(
        new_calls.iter().all(|op| op == "DescribeClusters"),
        "{new_calls:?}"
    );
    assert!(ws.resource(ADDRESS).is_none());
    assert_eq!(control.cluster_json(&id).unwrap()["State"], "INITIALIZED");

    // Apply again: the cluster is initialized with this certificate, so it is adopted.
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(state_attr(&ws, "state").as_deref(), Some("INITIALIZED"));
    assert!(ws.plan_is_empty());

    // Import: signed_cert comes from ClusterCertificate; the trust anchor (unknown to AWS) is
    // accepted in place, with no API call, once shown to have issued the certificate.
    ws.run(&["state", "rm", "-no-color", ADDRESS]).ok();
    ws.run(&["import", "-input=false", "-no-color", ADDRESS, &id])
        .ok();
    assert!(certs::same_certificate(
        &state_attr(&ws, "signed_cert").unwrap(),
        &cert
    ));
    assert_eq!(state_attr(&ws, "trust_anchor"), None);
    let run = ws.plan().ok();
    let text = flat(&run.stdout);
    assert!(text.contains("1 to change"), "{text}");
    assert!(text.contains("trust_anchor"), "{text}");
    assert!(!text.contains("forces replacement"), "{text}");
    assert!(
        !text.contains("signed_cert ="),
        "signed_cert must not change: {text}"
    );
    ws.apply().ok();
    assert!(ws.plan_is_empty());
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(control.call_count("ModifyCluster"), 0);

    // Out-of-band reset to UNINITIALIZED (fresh key and CSR): the plan notices. The old
    // certificate no longer matches; a certificate for the new CSR plans a create.
    control.reset_to_uninitialized(&id);
    let run = ws.plan().fails();
    let text = flat(&run.all());
    assert!(
        text.contains("Certificate does not match the cluster's CSR"),
        "{text}"
    );
    let (new_cert, new_anchor) = sign_for(&control, &id);
    ws.write_file("cluster.crt", &new_cert);
    ws.write_file("customerCA.crt", &new_anchor);
    let run = ws.plan().ok();
    let text = flat(&run.stdout);
    assert!(text.contains("will be created"), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 0 to destroy"),
        "{text}"
    );
    assert_eq!(control.call_count("InitializeCluster"), 1);
}

/// A root CA and an intermediate it issued, for a trust anchor that is not self-signed.
struct Intermediate {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn intermediate() -> Intermediate {
    let ca_params = |cn: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p
    };
    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let root_params = ca_params("Example Root CA");
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let params = ca_params("Example Issuing CA");
    let pem = params
        .signed_by(&key, &Issuer::from_params(&root_params, &root_key))
        .expect("sign")
        .pem();
    Intermediate { params, key, pem }
}

fn sign_with(csr_pem: &str, ca: &Intermediate) -> String {
    let csr = certs::parse_csr_pem(csr_pem).expect("csr");
    let spki = SubjectPublicKeyInfo::from_der(&csr.public_key_der).expect("spki");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "HSM cluster");
    p.distinguished_name = dn;
    p.signed_by(&spki, &Issuer::from_params(&ca.params, &ca.key))
        .expect("sign")
        .pem()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_refuses_wrong_key_bad_anchor_and_missing_hsm_on_the_right_attribute() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };

    // wrong_key: a certificate signed for another cluster's CSR
    let a = control.seed_cluster(ClusterSpec::default());
    let b = control.seed_cluster(ClusterSpec::default());
    let (b_cert, b_anchor) = sign_for(&control, &b);
    ws.write_file("b.crt", &b_cert);
    ws.write_file("b_ca.crt", &b_anchor);
    // bad_anchor: the issuing CA is an intermediate, not a self-signed root
    let c = control.seed_cluster(ClusterSpec::default());
    let inter = intermediate();
    ws.write_file(
        "c.crt",
        &sign_with(&control.cluster_csr_pem(&c).unwrap(), &inter),
    );
    ws.write_file("c_ca.crt", &inter.pem);
    // no_hsm: a cluster without HSM has no CSR
    let d = control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..Default::default()
    });
    // The two checks that need the cluster run at plan time, side by side.
    ws.write(&format!(
        "{}\n{}",
        resource_hcl("wrong_key", &a, "b.crt", "b_ca.crt"),
        resource_hcl("no_hsm", &d, "b.crt", "b_ca.crt"),
    ));
    let run = ws.plan().fails();
    let blocks = error_blocks(&run);
    let find = |name: &str| -> String {
        let marker = format!("\"cloudhsm_cluster_initialization\" \"{name}\"");
        let found: Vec<&String> = blocks.iter().filter(|b| b.contains(&marker)).collect();
        assert_eq!(found.len(), 1, "one error for {name}:\n{}", run.all());
        flat(found[0])
    };
    let wrong_key = find("wrong_key");
    assert!(
        wrong_key.starts_with("Certificate does not match the cluster's CSR"),
        "{wrong_key}"
    );
    assert!(
        wrong_key.contains("signed_cert = file(\"b.crt\")"),
        "{wrong_key}"
    );
    assert!(wrong_key.contains(&a), "{wrong_key}");
    let no_hsm = find("no_hsm");
    assert!(no_hsm.starts_with("Cluster has no HSM yet"), "{no_hsm}");
    assert!(
        no_hsm.contains(&format!("cluster_id = \"{d}\"")),
        "{no_hsm}"
    );
    assert!(no_hsm.contains("Create an HSM in the cluster"), "{no_hsm}");
    assert!(no_hsm.contains("depend on it"), "{no_hsm}");
    assert_eq!(blocks.len(), 2, "{}", run.all());

    // The certificates alone are checked even before the plan (validation).
    ws.write(&resource_hcl("bad_anchor", &c, "c.crt", "c_ca.crt"));
    let run = ws.plan().fails();
    let blocks = error_blocks(&run);
    assert_eq!(blocks.len(), 1, "{}", run.all());
    let bad_anchor = flat(&blocks[0]);
    assert!(
        bad_anchor.starts_with("Trust anchor is not self-signed"),
        "{bad_anchor}"
    );
    assert!(
        bad_anchor.contains("trust_anchor = file(\"c_ca.crt\")"),
        "{bad_anchor}"
    );
    assert!(bad_anchor.contains("Example Issuing CA"), "{bad_anchor}");

    assert_eq!(control.call_count("InitializeCluster"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_is_reported_and_the_next_apply_picks_it_up() {
    // The timeout outlasts any read lag the suite runs with (the apply must see the
    // initialization in progress), and the initialization outlasts the timeout.
    let lag = support::read_lag()
        .unwrap_or_default()
        .as_millis()
        .div_ceil(1000) as u64;
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(4 + 2 * lag)).await
    else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&init_with_timeout(&id, &format!("{}s", 2 + lag)));

    let run = ws.apply().fails();
    let text = flat(&run.all());
    assert!(text.contains("Timed out waiting for the cluster"), "{text}");
    assert!(text.contains("INITIALIZE_IN_PROGRESS"), "{text}");
    assert!(text.contains("run `terraform apply` again"), "{text}");
    assert_eq!(control.call_count("InitializeCluster"), 1);
    // The resource is recorded (Terraform taints it) with the state as it really is.
    assert_eq!(
        state_attr(&ws, "state").as_deref(),
        Some("INITIALIZE_IN_PROGRESS")
    );

    // The next apply replaces the tainted object by adopting the running initialization.
    ws.write(&init_with_timeout(&id, "1m"));
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(state_attr(&ws, "state").as_deref(), Some("INITIALIZED"));
    assert!(ws.plan_is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_initialize_response_is_adopted_not_repeated_blindly() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));

    // CloudHSM handles the first InitializeCluster but its answer never arrives. The call is
    // not sent again blindly (the SDK does not retry writes): the provider looks at the
    // cluster and adopts the initialization it finds.
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::LoseResponse,
        1,
    ));
    let run = ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(
        control.attempts("InitializeCluster"),
        1,
        "InitializeCluster was sent once"
    );
    assert_eq!(
        state_attr(&ws, "state").as_deref(),
        Some("INITIALIZED"),
        "{}",
        run.all()
    );
    assert!(certs::same_certificate(
        &state_attr(&ws, "cluster_certificate").expect("certificate in state"),
        &cert
    ));
    assert!(ws.plan_is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_wait_stops_at_once_and_the_next_apply_picks_it_up() {
    // Initialization takes ten minutes here: only an interrupt can end the first apply.
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(600)).await
    else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));

    let apply = ws.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let waiting = tokio::task::block_in_place(|| {
        support::wait_until(|| control.call_count("InitializeCluster") == 1)
    });
    assert!(waiting, "apply reached InitializeCluster");
    std::thread::sleep(Duration::from_millis(500));
    let (status, stdout, stderr) =
        tokio::task::block_in_place(|| support::interrupt_like_a_terminal(apply));
    let text = flat(&format!("{stdout}\n{stderr}"));
    assert!(!status.success(), "an interrupted apply fails: {text}");
    assert!(
        text.contains("Interrupted while waiting for the cluster"),
        "says what happened: {text}"
    );
    assert!(
        text.contains("apply` again") || text.contains("apply again"),
        "says a re-run picks it up: {text}"
    );
    assert_eq!(
        state_attr(&ws, "state").as_deref(),
        Some("INITIALIZE_IN_PROGRESS"),
        "the state records what really happened"
    );

    // CloudHSM finishes on its own; the next apply adopts without a second call.
    control.complete_transitions(&id);
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(state_attr(&ws, "state").as_deref(), Some("INITIALIZED"));
    assert!(ws.plan_is_empty());
}

/// A CA this provider cannot check (ECDSA P-521, valid X.509): one warning at plan time, on
/// the trust anchor, and CloudHSM decides at apply. Refused: an error with CloudHSM's words,
/// the cluster left UNINITIALIZED, nothing in the state. Accepted: initialized.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_this_provider_cannot_check_is_a_warning_and_cloudhsm_decides() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, _, _) = seed_and_sign_with(&control, &ws, CaKey::EcdsaP521);
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));

    let out = flat(&ws.plan().ok().all());
    assert_eq!(
        out.matches("Warning: Cannot verify the trust anchor's signature")
            .count(),
        1,
        "{out}"
    );
    assert!(out.contains("ECDSA key on the curve P-521"), "{out}");
    assert!(out.contains("Apply goes on"), "{out}");
    assert!(
        !out.contains("Cannot verify the certificate's signature"),
        "{out}"
    );
    assert!(out.contains("1 to add"), "{out}");
    assert_eq!(control.call_count("InitializeCluster"), 0);

    // Emulated CloudHSM refuses signatures it cannot check (its default).
    let run = ws.apply().fails();
    let errors = error_blocks(&run);
    assert_eq!(errors.len(), 1, "{}", run.all());
    let error = flat(&errors[0]);
    // The plan's warning is shown with it, once: the likely reason.
    assert_eq!(
        flat(&run.all())
            .matches("Warning: Cannot verify the trust anchor's signature")
            .count(),
        1,
        "{}",
        run.all()
    );
    assert!(
        error.contains("signature algorithm") && error.contains("not supported"),
        "{error}"
    );
    assert_eq!(control.call_count("InitializeCluster"), 1);
    let cluster = control.cluster_json(&id).expect("cluster");
    assert_eq!(cluster["State"], "UNINITIALIZED", "{cluster}");
    assert!(ws.resource(ADDRESS).is_none(), "nothing in the state");

    // Emulated CloudHSM takes them: initialized.
    control.set_behaviour(Behaviour {
        accept_unverifiable_signatures: true,
        ..Behaviour::default()
    });
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 2);
    assert_eq!(state_attr(&ws, "state").as_deref(), Some("INITIALIZED"));
}
