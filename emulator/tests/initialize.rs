//! InitializeCluster: every contract rule, driven through the real SDK.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::ClusterState;
use cloudhsm_emulator::{ClusterSpec, EmulatorConfig, Timings};
use common::{
    cert_for_other_key, client, csr_of, describe_one, intermediate_ca, root_ca, sign_with,
};

/// Calls InitializeCluster and returns the error's (code, message).
async fn refusal(
    client: &aws_sdk_cloudhsmv2::Client,
    id: &str,
    signed: &str,
    anchor: &str,
) -> (String, String) {
    let err = client
        .initialize_cluster()
        .cluster_id(id)
        .signed_cert(signed)
        .trust_anchor(anchor)
        .send()
        .await
        .expect_err("InitializeCluster must be refused");
    (
        err.code().unwrap_or("<none>").to_string(),
        err.message().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn csr_signed_by_a_test_ca_is_accepted_and_the_cluster_initializes() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    let ca = root_ca("Test Root");
    let signed = sign_with(&csr, &ca);

    let out = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed)
        .trust_anchor(ca.pem())
        .send()
        .await
        .expect("accepted");
    assert_eq!(out.state(), Some(&ClusterState::InitializeInProgress));

    let cluster = describe_one(&client, &id).await;
    assert_eq!(cluster.state(), Some(&ClusterState::Initialized));
    let certs = cluster.certificates().expect("certificates");
    assert_eq!(certs.cluster_certificate(), Some(signed.as_str()));
    assert_eq!(
        certs.cluster_csr(),
        None,
        "the CSR is gone after initialization"
    );
    assert_eq!(emulator.control().call_count("InitializeCluster"), 1);
}

#[tokio::test]
async fn initialization_takes_the_configured_time() {
    let emulator = cloudhsm_emulator::Emulator::start_with(EmulatorConfig {
        timings: Timings {
            initialize: Duration::from_millis(800),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("start");
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let signed = cloudhsm_emulator::sign_csr(&csr_of(&client, &id).await).expect("sign");
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("accepted");
    let during = describe_one(&client, &id).await;
    assert_eq!(during.state(), Some(&ClusterState::InitializeInProgress));
    assert_eq!(during.certificates().and_then(|c| c.cluster_csr()), None);
    assert_eq!(
        during.certificates().and_then(|c| c.cluster_certificate()),
        None
    );
    tokio::time::sleep(Duration::from_millis(850)).await;
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Initialized)
    );
}

#[tokio::test]
async fn unknown_cluster_is_resource_not_found() {
    let emulator = common::instant_emulator().await;
    let ca = root_ca("Root");
    let err = client(&emulator)
        .initialize_cluster()
        .cluster_id("cluster-abcdefghijk")
        .signed_cert(cert_for_other_key(&ca))
        .trust_anchor(ca.pem())
        .send()
        .await
        .expect_err("not found");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_cloud_hsm_resource_not_found_exception()),
        "{err:?}"
    );
}

#[tokio::test]
async fn wrong_state_is_refused_naming_the_state() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec {
        state: Some("INITIALIZED".into()),
        ..ClusterSpec::default()
    });
    let csr = emulator
        .control()
        .cluster_csr_pem(&id)
        .expect("emulator keeps the CSR");
    let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign");
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("refused");
    let service = err.as_service_error().expect("a service error");
    assert!(service.is_cloud_hsm_invalid_request_exception(), "{err:?}");
    assert!(
        service.message().unwrap_or("").contains("INITIALIZED"),
        "{err:?}"
    );
}

#[tokio::test]
async fn cluster_without_hsm_has_no_csr_and_is_refused_with_advice() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec {
        with_hsm: false,
        ..ClusterSpec::default()
    });
    let cluster = describe_one(&client, &id).await;
    assert_eq!(cluster.certificates().and_then(|c| c.cluster_csr()), None);
    let ca = root_ca("Root");
    let (code, message) = refusal(&client, &id, &cert_for_other_key(&ca), &ca.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("create an HSM"), "{message}");
}

#[tokio::test]
async fn certificate_for_another_key_is_refused() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let ca = root_ca("Root");
    let (code, message) = refusal(&client, &id, &cert_for_other_key(&ca), &ca.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("public key"), "{message}");
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Uninitialized)
    );
}

#[tokio::test]
async fn non_self_signed_trust_anchor_is_refused() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    let root = root_ca("Root");
    let intermediate = intermediate_ca("Intermediate", &root);
    // The chain is sound (the cert is issued by the intermediate), but the anchor is no root.
    let signed = sign_with(&csr, &intermediate);
    let (code, message) = refusal(&client, &id, &signed, &intermediate.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("self-signed"), "{message}");
}

#[tokio::test]
async fn certificate_issued_by_another_ca_is_refused() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    let signed = sign_with(&csr, &root_ca("Other Root"));
    let (code, message) = refusal(&client, &id, &signed, &root_ca("Root").pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(
        message.contains("not issued by the TrustAnchor"),
        "{message}"
    );
}

#[tokio::test]
async fn issuer_name_match_without_a_valid_signature_is_refused() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    // Two roots with the same name: only the signature tells them apart.
    let impostor = root_ca("Same Name");
    let anchor = root_ca("Same Name");
    let signed = sign_with(&csr, &impostor);
    let (code, message) = refusal(&client, &id, &signed, &anchor.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("signature"), "{message}");
    // And the genuine anchor is accepted: the name check alone was not what refused it.
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed)
        .trust_anchor(impostor.pem())
        .send()
        .await
        .expect("the real issuer is accepted");
}

#[tokio::test]
async fn pem_rules_are_enforced() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    let ca = root_ca("Root");
    let signed = sign_with(&csr, &ca);

    let (code, message) = refusal(&client, &id, "not a certificate", &ca.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(
        message.contains("SignedCert") && message.contains("PEM"),
        "{message}"
    );

    // Over 5000 characters (a valid PEM with padding lines the PEM parser would accept).
    let padded = format!("{}{}", signed, "\n".repeat(5001 - signed.len()));
    assert!(padded.chars().count() > 5000);
    let (code, message) = refusal(&client, &id, &padded, &ca.pem()).await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("5000"), "{message}");

    let (code, message) = refusal(
        &client,
        &id,
        &signed,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    )
    .await;
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("TrustAnchor"), "{message}");

    // Exactly at the limit is fine.
    let at_limit = format!("{}{}", signed, "\n".repeat(5000 - signed.len()));
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(at_limit)
        .trust_anchor(ca.pem())
        .send()
        .await
        .expect("5000 characters are allowed");
}

#[tokio::test]
async fn seeded_initialized_cluster_shows_a_certificate_for_its_key() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let cluster = describe_one(&client, &id).await;
    assert_eq!(cluster.state(), Some(&ClusterState::Active));
    let certs = cluster.certificates().expect("certificates");
    assert!(certs.cluster_certificate().is_some());
    assert!(certs.cluster_csr().is_none());
}
