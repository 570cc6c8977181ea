//! Protocol and test-control behaviour: SigV4 requirement, error shape, fault injection as
//! the SDK's retry behaviour sees it, latency, dropped connections and the call record.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};
use cloudhsm_emulator::{ClusterSpec, Fault, FaultKind, Trigger};
use common::{authorization_for, client, client_with_attempts, raw_http};

const DESCRIBE: &str = "BaldrApiService.DescribeClusters";

fn api_headers<'a>(auth: Option<&'a str>, target: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut h = vec![
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", target),
        ("X-Amz-Date", "20250101T000000Z"),
    ];
    if let Some(a) = auth {
        h.push(("Authorization", a));
    }
    h
}

#[tokio::test]
async fn requests_without_sigv4_are_refused_with_403() {
    let emulator = common::instant_emulator().await;
    emulator.control().seed_cluster(ClusterSpec::default());
    let addr = emulator.local_addr();

    let (status, _, body) = raw_http(addr, "POST", "/", &api_headers(None, DESCRIBE), "{}").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );

    let basic = "Basic dXNlcjpwYXNz";
    let (status, _, body) =
        raw_http(addr, "POST", "/", &api_headers(Some(basic), DESCRIBE), "{}").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("IncompleteSignatureException"), "{body}");

    // Signed, but for another service (the endpoint prefix is not the signing name).
    for service in ["cloudhsmv2", "s3"] {
        let auth = authorization_for(service);
        let (status, _, body) =
            raw_http(addr, "POST", "/", &api_headers(Some(&auth), DESCRIBE), "{}").await;
        assert_eq!(status, 403, "{service}: {body}");
        assert!(body.contains("InvalidSignatureException"), "{body}");
    }

    // Control: the same request scoped to `cloudhsm` is served.
    let auth = authorization_for("cloudhsm");
    let (status, headers, body) =
        raw_http(addr, "POST", "/", &api_headers(Some(&auth), DESCRIBE), "{}").await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains("application/x-amz-json-1.1"), "{headers}");
    assert!(body.contains("\"Clusters\""), "{body}");

    // Refused requests never reached the handler.
    assert_eq!(emulator.control().call_count("DescribeClusters"), 1);
}

#[tokio::test]
async fn errors_are_aws_json_with_type_and_message() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let auth = authorization_for("cloudhsm");
    let (status, _, body) = raw_http(
        addr,
        "POST",
        "/",
        &api_headers(Some(&auth), "BaldrApiService.InitializeCluster"),
        r#"{"ClusterId":"cluster-abcdefghijk","SignedCert":"x","TrustAnchor":"y"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(v["__type"], "CloudHsmResourceNotFoundException");
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m.contains("cluster-abcdefghijk")));

    let (status, _, body) = raw_http(
        addr,
        "POST",
        "/",
        &api_headers(Some(&auth), "BaldrApiService.NoSuchOperation"),
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");

    let (status, _, body) = raw_http(
        addr,
        "POST",
        "/",
        &api_headers(Some(&auth), DESCRIBE),
        "[1,2]",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");
}

#[tokio::test]
async fn two_throttles_then_success_with_three_attempts() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        2,
    ));
    client_with_attempts(&emulator, 3)
        .describe_clusters()
        .send()
        .await
        .expect("the SDK retries through two throttles");
    assert_eq!(
        control.call_count("DescribeClusters"),
        1,
        "one call reached the handler"
    );

    // Three throttles exhaust three attempts: proof that exactly three were made above too.
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        3,
    ));
    let err = client_with_attempts(&emulator, 3)
        .describe_clusters()
        .send()
        .await
        .expect_err("three throttles beat three attempts");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.call_count("DescribeClusters"), 1);
}

#[tokio::test]
async fn throttle_with_one_attempt_is_a_throttling_error() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        1,
    ));
    let err = client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(err.code(), Some("ThrottlingException"));
    let raw = err.raw_response().expect("an HTTP response");
    assert_eq!(raw.status().as_u16(), 400);
    // The fault is spent.
    client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect("next call passes");
}

#[tokio::test]
async fn faults_apply_per_operation() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::Throttle,
        5,
    ));
    client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect("DescribeClusters is not throttled");
    let err = client(&emulator)
        .modify_cluster()
        .cluster_id(&id)
        .hsm_type("hsm2m.medium")
        .send()
        .await
        .expect_err("ModifyCluster is");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.call_count("ModifyCluster"), 0);
    control.clear_faults();
    client(&emulator)
        .modify_cluster()
        .cluster_id(&id)
        .hsm_type("hsm2m.medium")
        .send()
        .await
        .expect("cleared");
}

#[tokio::test]
async fn internal_errors_are_500_and_retried() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(None, FaultKind::InternalError, 1));
    let err = client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect_err("internal failure");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_cloud_hsm_internal_failure_exception()),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));

    control.inject(Fault::next_calls(None, FaultKind::InternalError, 1));
    client_with_attempts(&emulator, 2)
        .describe_clusters()
        .send()
        .await
        .expect("retried");
}

#[tokio::test]
async fn rate_triggers_fire_always_or_never() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault {
        operation: Some("DescribeClusters".into()),
        kind: FaultKind::Throttle,
        trigger: Trigger::Rate(0.0),
    });
    for _ in 0..5 {
        client(&emulator)
            .describe_clusters()
            .send()
            .await
            .expect("rate 0");
    }
    control.clear_faults();
    control.inject(Fault {
        operation: Some("DescribeClusters".into()),
        kind: FaultKind::InternalError,
        trigger: Trigger::Rate(1.0),
    });
    for _ in 0..3 {
        let err = client(&emulator)
            .describe_clusters()
            .send()
            .await
            .expect_err("rate 1");
        assert_eq!(err.code(), Some("CloudHsmInternalFailureException"));
    }
}

#[tokio::test]
async fn dropped_connection_is_a_dispatch_failure_and_retried() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::DropConnection,
        1,
    ));
    let err = client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect_err("dropped");
    assert!(
        matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    assert_eq!(control.call_count("DescribeClusters"), 0);

    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::DropConnection,
        1,
    ));
    client_with_attempts(&emulator, 2)
        .describe_clusters()
        .send()
        .await
        .expect("retried after the drop");
    assert_eq!(control.call_count("DescribeClusters"), 1);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    client.describe_clusters().send().await.expect("warm up");
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Latency(Duration::from_millis(300)),
        1,
    ));
    let start = Instant::now();
    client
        .describe_clusters()
        .send()
        .await
        .expect("slow but fine");
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    let start = Instant::now();
    client.describe_clusters().send().await.expect("fast again");
    assert!(
        start.elapsed() < Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn calls_are_recorded_with_their_bodies() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    let client = client(&emulator);
    assert_eq!(control.call_count("InitializeCluster"), 0);
    let signed = cloudhsm_emulator::sign_csr(&common::csr_of(&client, &id).await).expect("sign");
    // A refused call is recorded too: it reached the service.
    let _ = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert("garbage")
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("refused");
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("accepted");
    let calls = control.calls("InitializeCluster");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["ClusterId"], id.as_str());
    assert_eq!(calls[1]["SignedCert"], signed.signed_cert_pem.as_str());
    assert_eq!(calls[0]["SignedCert"], "garbage");
    assert_eq!(control.call_count("DescribeClusters"), 1);
    control.clear_calls();
    assert_eq!(control.call_count("InitializeCluster"), 0);
    assert!(control.calls("DescribeClusters").is_empty());
}

#[tokio::test]
async fn shutdown_stops_the_server_and_drop_does_too() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    emulator.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    drop(emulator);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the listener closes after drop");
}
