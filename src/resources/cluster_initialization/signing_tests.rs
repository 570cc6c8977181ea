//! The CA key as a write-only argument: bad input is a plan-time error on the attribute and
//! no API call; a good key signs the CSR read at apply; a re-run adopts by issuer.

use super::*;
use crate::cluster_ref::attr;
use crate::test_support::{self as support, emulated_aws};
use cloudhsm_emulator::{ClusterSpec, Timings};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tfplugin::adapt_resource;
use tfplugin::diagnostics::AttributePath;
use tfplugin::interface::{ClientCapabilities, Resource};
use tfplugin::value::{TfType, Value};

/// A CA: its private key (PKCS #8 PEM) and its self-signed certificate.
fn ca(alg: &'static rcgen::SignatureAlgorithm) -> (String, String) {
    let key = KeyPair::generate_for(alg).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "Test Root CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("self-signed");
    (key.serialize_pem(), cert.pem())
}

fn with_key(cluster_id: &str, key: &str, anchor: &str) -> ClusterInitialization {
    ClusterInitialization {
        cluster_id: Field::Known(cluster_id.to_string()),
        ca_private_key_wo: Field::Known(key.to_string()),
        trust_anchor: Field::Known(anchor.to_string()),
        ..Default::default()
    }
}

async fn problems(r: &Arc<dyn Resource>, config: &ClusterInitialization) -> Vec<Diagnostic> {
    let value = config.clone().into_value();
    let mut found: Vec<Diagnostic> = r
        .validate(&value, ClientCapabilities::with_write_only())
        .await
        .into_iter()
        .collect();
    if found.iter().all(|d| !d.is_error()) {
        let p = support::plan::<ClusterInitialization>(r.as_ref(), &Value::Null, &value).await;
        found.extend(p.diagnostics);
    }
    found.into_iter().filter(Diagnostic::is_error).collect()
}

#[tokio::test]
async fn bad_keys_and_mixed_ways_are_plan_errors_on_the_attribute_with_no_call() {
    let aws = emulated_aws(Timings::instant()).await;
    let r = adapt_resource(ClusterInitializationResource::new(aws.context.clone()));
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let (key, anchor) = ca(&rcgen::PKCS_ECDSA_P256_SHA256);
    let (other_key, _) = ca(&rcgen::PKCS_ECDSA_P256_SHA256);
    let (ed_key, ed_anchor) = ca(&rcgen::PKCS_ED25519);
    let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let no_hsm = aws.control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..Default::default()
    });
    let key_attr = attr(ClusterInitialization::CA_PRIVATE_KEY_WO);
    let cases: Vec<(&str, ClusterInitialization, AttributePath, &str)> = vec![
        (
            "wrong key",
            with_key(&id, &other_key, &anchor),
            key_attr.clone(),
            "does not match",
        ),
        (
            "encrypted",
            with_key(&id, encrypted, &anchor),
            key_attr.clone(),
            "encrypted",
        ),
        (
            "unsupported type",
            with_key(&id, &ed_key, &ed_anchor),
            key_attr.clone(),
            "Unsupported",
        ),
        (
            "both ways",
            ClusterInitialization {
                // Known or not yet: either way it is given.
                signed_cert: Field::Unknown,
                ..with_key(&id, &key, &anchor)
            },
            key_attr.clone(),
            "Both",
        ),
        (
            "neither way",
            ClusterInitialization {
                cluster_id: Field::Known(id.clone()),
                trust_anchor: Field::Known(anchor.clone()),
                ..Default::default()
            },
            attr(ClusterInitialization::SIGNED_CERT),
            "No cluster certificate",
        ),
        (
            "no CSR yet",
            with_key(&no_hsm, &key, &anchor),
            attr(ClusterInitialization::CLUSTER_ID),
            "no HSM",
        ),
    ];
    for (what, config, at, words) in cases {
        let found = problems(&r, &config).await;
        assert_eq!(found.len(), 1, "{what}: {found:?}");
        assert_eq!(found[0].attribute, Some(at), "{what}: {found:?}");
        let text = format!("{} {}", found[0].summary, found[0].detail);
        assert!(text.contains(words), "{what}: {text}");
        assert!(
            !text.contains(key.lines().nth(1).unwrap_or("x")),
            "{what}: the key leaked"
        );
    }
    assert_eq!(aws.control.call_count("InitializeCluster"), 0);
}

#[tokio::test]
async fn the_key_signs_the_csr_read_at_apply_and_a_rerun_adopts_by_issuer() {
    let aws = emulated_aws(Timings::instant()).await;
    let r = adapt_resource(ClusterInitializationResource::new(aws.context.clone()));
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let (key, anchor) = ca(&rcgen::PKCS_ECDSA_P384_SHA384);
    let config = with_key(&id, &key, &anchor).into_value();
    let apply_once = || async {
        let p = support::plan::<ClusterInitialization>(r.as_ref(), &Value::Null, &config).await;
        assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
        assert!(p
            .planned_state
            .get(ClusterInitialization::SIGNED_CERT)
            .is_some_and(Value::is_unknown));
        assert!(p
            .planned_state
            .get(ClusterInitialization::CA_PRIVATE_KEY_WO)
            .is_some_and(Value::is_null));
        support::apply(r.as_ref(), &Value::Null, &p.planned_state, &config).await
    };
    let applied = apply_once().await;
    assert!(
        !applied.diagnostics.has_errors(),
        "{:?}",
        applied.diagnostics
    );
    let state = applied.new_state;
    assert!(state
        .get(ClusterInitialization::CA_PRIVATE_KEY_WO)
        .is_some_and(Value::is_null));
    let signed = state
        .get(ClusterInitialization::SIGNED_CERT)
        .and_then(Value::as_str)
        .expect("signed_cert in state")
        .to_string();
    let csr = certs::parse_csr_pem(&aws.control.cluster_csr_pem(&id).expect("csr")).expect("csr");
    let cert = certs::parse_certificate_pem(&signed).expect("cert");
    certs::check_matches_csr(&cert, &csr).expect("the CSR's key");
    assert_eq!(aws.control.call_count("InitializeCluster"), 1);
    // The state was lost (say, the process was killed after the call): a new apply adopts
    // the cluster, whose certificate the trust anchor issued, without a second call.
    let again = apply_once().await;
    assert!(!again.diagnostics.has_errors(), "{:?}", again.diagnostics);
    assert_eq!(aws.control.call_count("InitializeCluster"), 1);
}

#[tokio::test]
async fn a_terraform_without_write_only_arguments_is_refused_before_anything_runs() {
    let aws = emulated_aws(Timings::instant()).await;
    let r = adapt_resource(ClusterInitializationResource::new(aws.context.clone()));
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let (key, anchor) = ca(&rcgen::PKCS_ECDSA_P256_SHA256);
    let d = r
        .validate(
            &with_key(&id, &key, &anchor).into_value(),
            ClientCapabilities::default(),
        )
        .await;
    let e = d.iter().find(|d| d.is_error()).expect("refused");
    assert_eq!(
        e.attribute,
        Some(attr(ClusterInitialization::CA_PRIVATE_KEY_WO))
    );
    assert!(e.detail.contains("1.11"), "{}", e.detail);
    assert_eq!(aws.control.call_count("DescribeClusters"), 0);
}

#[test]
fn with_the_key_a_cluster_initialized_by_another_ca_is_an_error_on_the_trust_anchor() {
    let control_csr = {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let params = CertificateParams::new(vec!["cluster".to_string()]).expect("params");
        params
            .serialize_request(&key)
            .expect("csr")
            .pem()
            .expect("pem")
    };
    let theirs = cloudhsm_emulator::sign_csr(&control_csr).expect("signed by another CA");
    let (_key, ours) = ca(&rcgen::PKCS_ECDSA_P256_SHA256);
    let prior = ClusterInitialization {
        cluster_id: Field::Known("cluster-abcdefghijk".into()),
        signed_cert: Field::Known(theirs.signed_cert_pem.clone()),
        ..Default::default()
    };
    let next = |anchor: &str| ClusterInitialization {
        trust_anchor: Field::Known(anchor.to_string()),
        ..prior.clone()
    };
    let d = issued_by_anchor(&prior, &next(&ours)).expect("an error");
    assert!(d.is_error());
    assert_eq!(d.attribute, Some(attr(ClusterInitialization::TRUST_ANCHOR)));
    assert!(issued_by_anchor(&prior, &next(&theirs.trust_anchor_pem)).is_none());
}
