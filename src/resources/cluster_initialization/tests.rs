use super::*;
use crate::cloudhsm::{Cluster, ClusterState};
use crate::cluster_ref::attr;
use crate::test_support::{self as support, assert_known_values_kept, emulated_aws, EmulatedAws};
use cloudhsm_emulator::{ClusterSpec, Control, Timings};
use std::time::Duration;
use tfplugin::adapt_resource;
use tfplugin::interface::{ApplyResponse, PlanResponse, ReadRequest, Resource};
use tfplugin::value::{ObjectBuilder, Value};

const CLUSTER_ID: &str = ClusterInitialization::CLUSTER_ID;
const SIGNED_CERT: &str = ClusterInitialization::SIGNED_CERT;
const TRUST_ANCHOR: &str = ClusterInitialization::TRUST_ANCHOR;

fn k(pem: &str) -> Field<String> {
    Field::Known(pem.to_string())
}

/// `object` with some attributes replaced.
fn with_attributes(object: &Value, changes: Vec<(&str, Value)>) -> Value {
    let mut out = match object {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    for (name, value) in changes {
        out.insert(name.to_string(), value);
    }
    Value::Object(out)
}
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, SubjectPublicKeyInfo, PKCS_ECDSA_P256_SHA256,
};

// ---- certificates made in the test -------------------------------------------------

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2045, 1, 1);
    p
}

fn root_ca(cn: &str) -> Ca {
    root_ca_with(cn, &PKCS_ECDSA_P256_SHA256)
}

fn root_ca_with(cn: &str, algorithm: &'static rcgen::SignatureAlgorithm) -> Ca {
    let key = KeyPair::generate_for(algorithm).unwrap();
    let params = ca_params(cn);
    let pem = params.self_signed(&key).unwrap().pem();
    Ca { params, key, pem }
}

/// A CA issued by `parent` (so not self-signed).
fn intermediate_ca(cn: &str, parent: &Ca) -> Ca {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let params = ca_params(cn);
    let pem = params.signed_by(&key, &parent.issuer()).unwrap().pem();
    Ca { params, key, pem }
}

/// A certificate for the public key of `csr_pem`, issued by `ca`, valid in `years`.
fn sign(csr_pem: &str, ca: &Ca, years: (i32, i32)) -> String {
    let csr = certs::parse_csr_pem(csr_pem).unwrap();
    let spki = SubjectPublicKeyInfo::from_der(&csr.public_key_der).unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn("HSM:cluster:PARTN:0");
    p.not_before = date_time_ymd(years.0, 1, 1);
    p.not_after = date_time_ymd(years.1, 1, 1);
    p.signed_by(&spki, &ca.issuer()).unwrap().pem()
}

fn some_csr() -> String {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
    p.serialize_request(&key).unwrap().pem().unwrap()
}

fn only_error_at(d: &Diagnostics, attribute: &str) -> Diagnostic {
    let errors: Vec<&Diagnostic> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{d:?}");
    assert_eq!(errors[0].attribute, Some(attr(attribute)), "{d:?}");
    errors[0].clone()
}

#[test]
fn a_signature_that_cannot_be_checked_is_one_warning_and_the_other_checks_still_run() {
    let now = certs::now_unix();
    // P-521: valid X.509 that this provider's verifier does not implement.
    let ca = root_ca_with("Example P-521 Root", &rcgen::PKCS_ECDSA_P521_SHA512);
    let csr = some_csr();
    let (s, a, d) = check_certificates(
        &k(&sign(&csr, &ca, (2024, 2040))),
        &k(&ca.pem),
        CheckAt::At(now),
    );
    assert!(s.is_some() && a.is_some());
    assert!(!d.has_errors(), "{d:?}");
    let warnings: Vec<&Diagnostic> = d.warnings().collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning, not one per certificate: {d:?}"
    );
    assert_eq!(warnings[0].attribute, Some(attr(TRUST_ANCHOR)));
    assert_eq!(
        warnings[0].summary,
        "Cannot verify the trust anchor's signature"
    );
    assert!(
        warnings[0].detail.contains("Apply goes on"),
        "{}",
        warnings[0].detail
    );

    // The signed certificate's other checks still run: expired is an error.
    let (_, _, d) = check_certificates(
        &k(&sign(&csr, &ca, (2020, 2021))),
        &k(&ca.pem),
        CheckAt::At(now),
    );
    assert_eq!(
        only_error_at(&d, SIGNED_CERT).summary,
        "Certificate has expired"
    );
    // And so does the issuer check.
    let other = root_ca("Another Root");
    let (_, _, d) = check_certificates(
        &k(&sign(&csr, &other, (2024, 2040))),
        &k(&ca.pem),
        CheckAt::At(now),
    );
    assert_eq!(
        only_error_at(&d, SIGNED_CERT).summary,
        "Certificate not issued by the trust anchor"
    );
}

#[test]
fn certificate_checks_point_at_the_attribute_at_fault() {
    let now = certs::now_unix();
    let ca = root_ca("Example Root CA");
    let csr = some_csr();
    let good = sign(&csr, &ca, (2024, 2040));

    let (s, a, d) = check_certificates(&k(&good), &k(&ca.pem), CheckAt::At(now));
    assert!(d.is_empty(), "{d:?}");
    assert!(s.is_some() && a.is_some());

    // issued by another CA with the same name: the signature check catches it
    let impostor = root_ca("Example Root CA");
    let (_, _, d) = check_certificates(
        &k(&sign(&csr, &impostor, (2024, 2040))),
        &k(&ca.pem),
        CheckAt::At(now),
    );
    let e = only_error_at(&d, SIGNED_CERT);
    assert_eq!(e.summary, "Certificate not issued by the trust anchor");

    // an anchor that is not self-signed
    let inter = intermediate_ca("Example Intermediate", &ca);
    let (_, _, d) = check_certificates(
        &k(&sign(&csr, &inter, (2024, 2040))),
        &k(&inter.pem),
        CheckAt::At(now),
    );
    let e = only_error_at(&d, TRUST_ANCHOR);
    assert_eq!(e.summary, "Trust anchor is not self-signed");
    assert!(e.detail.contains("Example Intermediate"), "{}", e.detail);

    // expired: an error when creating, ignored for existing resources
    let expired = sign(&csr, &ca, (2020, 2021));
    let (_, _, d) = check_certificates(&k(&expired), &k(&ca.pem), CheckAt::At(now));
    assert_eq!(
        only_error_at(&d, SIGNED_CERT).summary,
        "Certificate has expired"
    );
    let (_, _, d) = check_certificates(&k(&expired), &k(&ca.pem), CheckAt::Ignore);
    assert!(d.is_empty(), "{d:?}");

    // two certificates in one value, garbage, oversize: each on its own attribute
    let chain = format!("{good}{}", ca.pem);
    let (_, _, d) = check_certificates(&k(&chain), &k(&ca.pem), CheckAt::At(now));
    assert_eq!(
        only_error_at(&d, SIGNED_CERT).summary,
        "More than one certificate"
    );
    let (_, _, d) = check_certificates(&k(&good), &k("garbage"), CheckAt::At(now));
    assert_eq!(
        only_error_at(&d, TRUST_ANCHOR).summary,
        "Not a PEM certificate"
    );
    let big = format!("{}\n{good}", "#".repeat(6000));
    let (_, _, d) = check_certificates(&k(&big), &k(&ca.pem), CheckAt::At(now));
    assert_eq!(
        only_error_at(&d, SIGNED_CERT).summary,
        "Certificate is too long"
    );

    // unknown values are not checked
    let (_, _, d) = check_certificates(&Field::Null, &k(&ca.pem), CheckAt::At(now));
    assert!(d.is_empty());
}

#[test]
fn schema_is_valid_and_described() {
    let s = adapt_resource(ClusterInitializationResource::new(ProviderContext::new())).schema();
    s.check().expect("schema");
    for a in &s.block.attributes {
        assert!(!a.description.is_empty(), "{} has no description", a.name);
    }
    let cid = s.attribute(&attr(CLUSTER_ID)).unwrap();
    assert!(cid.required);
}

// ---- against the emulator ----------------------------------------------------------

struct Fixture {
    _aws: EmulatedAws,
    control: Control,
    resource: Arc<dyn Resource>,
    context: Arc<ProviderContext>,
}

async fn fixture(timings: Timings) -> Fixture {
    let aws = emulated_aws(timings).await;
    Fixture {
        control: aws.control.clone(),
        resource: adapt_resource(ClusterInitializationResource::new(aws.context.clone())),
        context: aws.context.clone(),
        _aws: aws,
    }
}

fn config(cluster_id: &str, signed: Value, anchor: Value, timeout: Option<&str>) -> Value {
    ObjectBuilder::new()
        .set("id", Value::Null)
        .set(CLUSTER_ID, Value::string(cluster_id))
        .set(SIGNED_CERT, signed)
        .set(TRUST_ANCHOR, anchor)
        .set("state", Value::Null)
        .set("state_message", Value::Null)
        .set("cluster_certificate", Value::Null)
        .set(
            "timeouts",
            match timeout {
                Some(t) => ObjectBuilder::new().set("create", Value::string(t)).build(),
                None => Value::Null,
            },
        )
        .build()
}

async fn plan(r: &Arc<dyn Resource>, prior: Value, config: Value) -> PlanResponse {
    support::plan::<ClusterInitialization>(r.as_ref(), &prior, &config).await
}

async fn apply(r: &Arc<dyn Resource>, prior: Value, planned: Value) -> ApplyResponse {
    support::apply(r.as_ref(), &prior, &planned, &planned).await
}

async fn read(r: &Arc<dyn Resource>, state: Value) -> Value {
    let resp = r
        .read(ReadRequest {
            current_state: state,
            private: vec![],
        })
        .await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    resp.new_state
}

/// A seeded UNINITIALIZED cluster and certificates for its CSR.
fn seeded(control: &Control) -> (String, String, String) {
    let id = control.seed_cluster(ClusterSpec::default());
    let csr = control.cluster_csr_pem(&id).unwrap();
    let m = cloudhsm_emulator::sign_csr(&csr).unwrap();
    (id, m.signed_cert_pem, m.trust_anchor_pem)
}

#[tokio::test]
async fn create_plan_checks_the_cluster_before_any_change() {
    let f = fixture(Timings::instant()).await;
    let (id, cert, anchor) = seeded(&f.control);

    let p = plan(
        &f.resource,
        Value::Null,
        config(&id, Value::string(&cert), Value::string(&anchor), None),
    )
    .await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_state.get("id"), Some(&Value::string(&id)));
    assert!(p.planned_state.get("state").unwrap().is_unknown());
    assert_eq!(
        p.planned_state.get(SIGNED_CERT),
        Some(&Value::string(&cert))
    );

    // a certificate for another cluster's key
    let (other, other_cert, other_anchor) = seeded(&f.control);
    let p = plan(
        &f.resource,
        Value::Null,
        config(
            &id,
            Value::string(&other_cert),
            Value::string(&other_anchor),
            None,
        ),
    )
    .await;
    let e = only_error_at(&p.diagnostics, SIGNED_CERT);
    assert_eq!(e.summary, "Certificate does not match the cluster's CSR");
    assert!(e.detail.contains(&id), "{}", e.detail);

    // no HSM, so no CSR: an error when the certificate is known, fine when it is not
    let bare = f.control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..Default::default()
    });
    let p = plan(
        &f.resource,
        Value::Null,
        config(&bare, Value::string(&cert), Value::string(&anchor), None),
    )
    .await;
    let e = only_error_at(&p.diagnostics, CLUSTER_ID);
    assert!(
        e.detail.contains("no HSM yet") && e.detail.contains("Create an HSM"),
        "{}",
        e.detail
    );
    let p = plan(
        &f.resource,
        Value::Null,
        config(&bare, Value::unknown(), Value::unknown(), None),
    )
    .await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);

    // unknown cluster
    let p = plan(
        &f.resource,
        Value::Null,
        config(
            "cluster-aaaaaaaaaaa",
            Value::string(&cert),
            Value::string(&anchor),
            None,
        ),
    )
    .await;
    assert_eq!(
        only_error_at(&p.diagnostics, CLUSTER_ID).summary,
        "Cluster not found"
    );

    // already initialized with this very certificate: adoptable; with another: an error
    f.control.set_state(&other, "INITIALIZED");
    let p = plan(
        &f.resource,
        Value::Null,
        config(&other, Value::string(&cert), Value::string(&anchor), None),
    )
    .await;
    assert_eq!(
        only_error_at(&p.diagnostics, SIGNED_CERT).summary,
        "Cluster is already initialized with another certificate"
    );
    assert_eq!(f.control.call_count("InitializeCluster"), 0);
}

#[tokio::test]
async fn lifecycle_create_adopt_read_update_import_destroy() {
    let f = fixture(Timings::instant()).await;
    let (id, cert, anchor) = seeded(&f.control);
    let cfg = config(&id, Value::string(&cert), Value::string(&anchor), None);

    let planned = plan(&f.resource, Value::Null, cfg.clone())
        .await
        .planned_state;
    let created = apply(&f.resource, Value::Null, planned.clone()).await;
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
    let state = created.new_state;
    assert_eq!(state.get("state"), Some(&Value::string("INITIALIZED")));
    assert_eq!(state.get(SIGNED_CERT), Some(&Value::string(&cert)));
    assert!(certs::same_certificate(
        state
            .get("cluster_certificate")
            .and_then(Value::as_str)
            .unwrap(),
        &cert
    ));

    // a second create (state lost, or a re-run) adopts: no second call
    let again = apply(&f.resource, Value::Null, planned).await;
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    assert_eq!(f.control.call_count("InitializeCluster"), 1);

    // read keeps the user's string; CRLF formatting is no change in plan
    let state = read(&f.resource, state).await;
    assert_eq!(state.get(SIGNED_CERT), Some(&Value::string(&cert)));
    let crlf = config(
        &id,
        Value::string(cert.replace('\n', "\r\n")),
        Value::string(anchor.replace('\n', "\r\n")),
        None,
    );
    let p = plan(&f.resource, state.clone(), crlf).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(
        p.planned_state, state,
        "formatting-only differences keep the prior values"
    );
    assert!(p.requires_replace.is_empty());

    // another certificate for the same key: the plan refuses, on signed_cert
    let other = sign(
        &f.control.cluster_csr_pem(&id).unwrap(),
        &root_ca("Other CA"),
        (2024, 2040),
    );
    let p = plan(
        &f.resource,
        state.clone(),
        config(&id, Value::string(&other), Value::string(&anchor), None),
    )
    .await;
    let e = only_error_at(&p.diagnostics, SIGNED_CERT);
    assert!(e.detail.contains("Options"), "{}", e.detail);

    // another cluster id: replacement
    let (id2, _, _) = seeded(&f.control);
    let p = plan(
        &f.resource,
        state.clone(),
        config(&id2, Value::string(&cert), Value::string(&anchor), None),
    )
    .await;
    assert_eq!(p.requires_replace, vec![attr(CLUSTER_ID)]);

    // import: id and cluster_id, then read fills signed_cert from ClusterCertificate
    let imported = f.resource.import(&id).await;
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    let istate = read(&f.resource, imported.states[0].clone()).await;
    assert!(certs::same_certificate(
        istate.get(SIGNED_CERT).and_then(Value::as_str).unwrap(),
        &cert
    ));
    assert_eq!(istate.get(TRUST_ANCHOR), Some(&Value::Null));
    // config after import: signed_cert unchanged, trust_anchor accepted in place once it
    // is shown to have issued the certificate; a wrong one is refused on trust_anchor
    let p = plan(&f.resource, istate.clone(), cfg.clone()).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_state.get(SIGNED_CERT), istate.get(SIGNED_CERT));
    assert_eq!(
        p.planned_state.get(TRUST_ANCHOR),
        Some(&Value::string(&anchor))
    );
    let wrong = root_ca("Customer Root CA");
    let p2 = plan(
        &f.resource,
        istate.clone(),
        config(&id, Value::string(&cert), Value::string(&wrong.pem), None),
    )
    .await;
    let e = only_error_at(&p2.diagnostics, TRUST_ANCHOR);
    assert_eq!(e.summary, "Certificate not issued by the trust anchor");
    assert!(
        p.planned_state.get("state").is_some_and(Value::is_unknown),
        "an update reports the cluster as it is at apply"
    );
    let updated = apply(&f.resource, istate, p.planned_state.clone()).await;
    assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
    assert_known_values_kept(&p.planned_state, &updated.new_state);
    assert_eq!(
        updated.new_state.get("state"),
        Some(&Value::string("INITIALIZED"))
    );
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
    assert!(f.resource.import("nope").await.diagnostics.has_errors());

    // destroy: warning, no call
    let d = plan(&f.resource, state.clone(), Value::Null).await;
    assert!(d.planned_state.is_null());
    assert_eq!(d.diagnostics.warnings().count(), 1);
    let gone = apply(&f.resource, state.clone(), Value::Null).await;
    assert!(gone.new_state.is_null());
    assert!(!gone.diagnostics.has_errors());
    assert!(gone
        .diagnostics
        .iter()
        .any(|d| d.detail.contains("makes no API call")));

    // out-of-band reset: read answers null so that Terraform plans a create
    f.control.reset_to_uninitialized(&id);
    assert!(read(&f.resource, state).await.is_null());
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
    assert_eq!(f.control.call_count("ModifyCluster"), 0);
}

#[tokio::test]
async fn timeout_returns_the_initializing_state_and_a_rerun_adopts_it() {
    let f = fixture(Timings {
        initialize: Duration::from_millis(1500),
        ..Timings::instant()
    })
    .await;
    let (id, cert, anchor) = seeded(&f.control);
    let planned = plan(
        &f.resource,
        Value::Null,
        config(
            &id,
            Value::string(&cert),
            Value::string(&anchor),
            Some("300ms"),
        ),
    )
    .await
    .planned_state;
    let first = apply(&f.resource, Value::Null, planned.clone()).await;
    let e = first
        .diagnostics
        .errors()
        .next()
        .expect("a timeout error")
        .clone();
    assert_eq!(e.summary, "Timed out waiting for the cluster");
    assert!(e.detail.contains("apply` again"), "{}", e.detail);
    assert_eq!(
        first.new_state.get("state"),
        Some(&Value::string("INITIALIZE_IN_PROGRESS"))
    );
    assert_eq!(
        first.new_state.get(SIGNED_CERT),
        Some(&Value::string(&cert))
    );
    assert_eq!(f.control.call_count("InitializeCluster"), 1);

    // the re-create (Terraform replaces the tainted object) plans and adopts
    let replanned = plan(
        &f.resource,
        Value::Null,
        config(
            &id,
            Value::string(&cert),
            Value::string(&anchor),
            Some("10s"),
        ),
    )
    .await;
    assert!(
        replanned.diagnostics.is_empty(),
        "{:?}",
        replanned.diagnostics
    );
    let second = apply(&f.resource, Value::Null, replanned.planned_state).await;
    assert!(second.diagnostics.is_empty(), "{:?}", second.diagnostics);
    assert_eq!(
        second.new_state.get("state"),
        Some(&Value::string("INITIALIZED"))
    );
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
}

#[tokio::test]
async fn transient_errors_still_give_one_initialization() {
    use cloudhsm_emulator::{Fault, FaultKind};
    let f = fixture(Timings::instant()).await;
    let (id, cert, anchor) = seeded(&f.control);
    f.control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::Throttle,
        1,
    ));
    f.control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::InternalError,
        1,
    ));
    let planned = config(&id, Value::string(&cert), Value::string(&anchor), None);
    let planned = with_attributes(&planned, vec![("id", Value::string(&id))]);
    let r = apply(&f.resource, Value::Null, planned).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
    assert_eq!(
        r.new_state.get("state"),
        Some(&Value::string("INITIALIZED"))
    );
}

#[test]
fn next_step_adopts_in_progress_and_refuses_other_certificates() {
    use crate::cloudhsm::workflows::{CsrNeeded, InitStep};
    let ca = root_ca("Example Root CA");
    let csr = some_csr();
    let mine = certs::parse_certificate_pem(&sign(&csr, &ca, (2024, 2040))).unwrap();
    let theirs = sign(&some_csr(), &ca, (2024, 2040));
    let mut c = Cluster {
        id: "cluster-abcdefghijk".into(),
        state: ClusterState::InitializeInProgress,
        ..Default::default()
    };
    assert_eq!(
        next_init_step(&c, Some(&mine), CsrNeeded::Now),
        Ok(InitStep::Adopt)
    );
    c.state = ClusterState::Active;
    c.certificates.cluster_certificate = Some(mine.to_pem());
    assert_eq!(
        next_init_step(&c, Some(&mine), CsrNeeded::Now),
        Ok(InitStep::Adopt)
    );
    c.certificates.cluster_certificate = Some(theirs);
    let e = next_init_step(&c, Some(&mine), CsrNeeded::Now).unwrap_err();
    assert_eq!(
        initialize_diagnostic(&e, &c.id, TYPE_NAME, attributes()).attribute,
        Some(attr(SIGNED_CERT))
    );
    c.certificates.cluster_certificate = None;
    c.state = ClusterState::CreateInProgress;
    assert_eq!(
        next_init_step(&c, Some(&mine), CsrNeeded::Now),
        Ok(InitStep::WaitForCsr)
    );
    c.state = ClusterState::UpdateInProgress;
    assert_eq!(
        next_init_step(&c, Some(&mine), CsrNeeded::Now),
        Ok(InitStep::WaitUntilSettled),
        "busy without a certificate is not initialized"
    );
    c.state = ClusterState::Deleted;
    let e = next_init_step(&c, Some(&mine), CsrNeeded::Now).unwrap_err();
    assert_eq!(
        initialize_diagnostic(&e, &c.id, TYPE_NAME, attributes()).attribute,
        Some(attr(CLUSTER_ID))
    );
    c.state = ClusterState::Uninitialized;
    c.certificates.cluster_csr = Some(csr);
    assert_eq!(
        next_init_step(&c, Some(&mine), CsrNeeded::Now),
        Ok(InitStep::Initialize)
    );
}

#[tokio::test]
async fn stop_ends_the_wait_in_flight_and_the_next_operation_runs() {
    let f = Arc::new(
        fixture(Timings {
            initialize: Duration::from_secs(600),
            ..Timings::instant()
        })
        .await,
    );
    let (id, cert, anchor) = seeded(&f.control);
    let planned = plan(
        &f.resource,
        Value::Null,
        config(&id, Value::string(&cert), Value::string(&anchor), None),
    )
    .await
    .planned_state;
    let running = {
        let f = f.clone();
        let planned = planned.clone();
        tokio::spawn(async move { apply(&f.resource, Value::Null, planned).await })
    };
    while f.control.call_count("InitializeCluster") == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f.context.stop();
    let stopped = running.await.unwrap();
    let e = stopped
        .diagnostics
        .errors()
        .next()
        .expect("an error")
        .clone();
    assert_eq!(e.summary, "Interrupted while waiting for the cluster");
    assert_eq!(
        stopped.new_state.get("state"),
        Some(&Value::string("INITIALIZE_IN_PROGRESS"))
    );
    // Re-armed: the next run (a reattached --debug provider serves many) is not stopped.
    f.control.complete_transitions(&id);
    let again = apply(&f.resource, Value::Null, planned).await;
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    assert_eq!(
        again.new_state.get("state"),
        Some(&Value::string("INITIALIZED"))
    );
    assert_eq!(f.control.call_count("InitializeCluster"), 1);
}
