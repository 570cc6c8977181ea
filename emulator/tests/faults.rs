//! Faults as the SDK sees them: timed faults, throttling bursts longer than the SDK's
//! retries, requests never answered, responses cut off in the middle, answers the SDK
//! cannot read, a load balancer's HTML error pages, and the attempt count that tells how
//! many requests a client's retries really sent.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_cloudhsmv2::config::timeout::TimeoutConfig;
use aws_sdk_cloudhsmv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType};
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{ClusterSpec, Emulator, Fault, FaultKind, Trigger};
use common::{client, client_with_attempts, describe_one, raw_http};
use serde_json::Value;

/// A client with the SDK's default retry policy (standard, 3 attempts, 1 s base backoff)
/// and the given timeouts.
fn default_retry_client(emulator: &Emulator, timeouts: TimeoutConfig) -> Client {
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(emulator.endpoint_url())
        .timeout_config(timeouts)
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn a_timed_fault_hits_every_call_for_its_duration_then_goes() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::for_duration(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        Duration::from_millis(600),
    ));
    let client = client(&emulator);
    for _ in 0..5 {
        let err = client
            .describe_clusters()
            .send()
            .await
            .expect_err("throttled");
        assert_eq!(err.code(), Some("ThrottlingException"));
    }
    tokio::time::sleep(Duration::from_millis(650)).await;
    client
        .describe_clusters()
        .send()
        .await
        .expect("the fault is over");
    assert_eq!(control.attempts("DescribeClusters"), 6);
    assert_eq!(control.call_count("DescribeClusters"), 1);
}

#[tokio::test]
async fn a_throttling_burst_longer_than_the_retries_exhausts_them() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        20,
    ));
    let err = client_with_attempts(&emulator, 5)
        .describe_clusters()
        .send()
        .await
        .expect_err("20 throttles beat 5 attempts");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.attempts("DescribeClusters"), 5);
    assert_eq!(control.call_count("DescribeClusters"), 0);

    // The SDK's default policy makes three attempts.
    control.clear_calls();
    let start = Instant::now();
    let err = default_retry_client(&emulator, TimeoutConfig::disabled())
        .describe_clusters()
        .send()
        .await
        .expect_err("still throttled");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.attempts("DescribeClusters"), 3);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );

    // Throttling for a while, across operations.
    control.clear_faults();
    control.inject(Fault::for_duration(
        None,
        FaultKind::Throttle,
        Duration::from_secs(5),
    ));
    let err = client_with_attempts(&emulator, 4)
        .describe_clusters()
        .send()
        .await
        .expect_err("throttled for 5 s");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.attempts("DescribeClusters"), 7);
}

#[tokio::test]
async fn a_hanging_request_is_counted_never_handled_and_ends_in_the_clients_timeout() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Hang,
        10,
    ));
    // Per-attempt timeout: the SDK retries (3 attempts by default), then a TimeoutError.
    let err = default_retry_client(
        &emulator,
        TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_millis(200))
            .build(),
    )
    .describe_clusters()
    .send()
    .await
    .expect_err("never answered");
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert_eq!(control.attempts("DescribeClusters"), 3);
    assert_eq!(control.call_count("DescribeClusters"), 0);

    // HTTP read timeout: a DispatchFailure whose connector error is a timeout.
    control.clear_calls();
    let err = client_with_attempts(&emulator, 1)
        .describe_clusters()
        .customize()
        .config_override(
            aws_sdk_cloudhsmv2::Config::builder().timeout_config(
                TimeoutConfig::builder()
                    .read_timeout(Duration::from_millis(200))
                    .build(),
            ),
        )
        .send()
        .await
        .expect_err("never answered");
    match &err {
        SdkError::DispatchFailure(failure) => assert!(failure.is_timeout(), "{err:?}"),
        other => panic!("expected a dispatch failure, got {other:?}"),
    }
    assert_eq!(control.attempts("DescribeClusters"), 1);

    // Without any timeout the call simply never ends.
    let waited = tokio::time::timeout(
        Duration::from_millis(500),
        client(&emulator).describe_clusters().send(),
    )
    .await;
    assert!(waited.is_err(), "no answer within 500 ms");
    assert_eq!(control.attempts("DescribeClusters"), 2);

    // Other operations are not affected, and shutdown is not held up by hanging requests.
    let id = control.seed_cluster(ClusterSpec::default());
    client(&emulator)
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(
            BackupRetentionPolicy::builder()
                .r#type(BackupRetentionType::Days)
                .value("30")
                .build(),
        )
        .send()
        .await
        .expect("ModifyCluster answers");
    tokio::time::timeout(Duration::from_secs(3), emulator.shutdown())
        .await
        .expect("shutdown does not wait for hanging requests");
}

#[tokio::test]
async fn a_response_cut_off_mid_body_is_a_response_error_after_the_change_was_made() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::ResetMidResponse,
        1,
    ));
    let err = client(&emulator)
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(
            BackupRetentionPolicy::builder()
                .r#type(BackupRetentionType::Days)
                .value("45")
                .build(),
        )
        .send()
        .await
        .expect_err("cut off");
    // The headers arrived (status 200 with the full Content-Length), the body did not.
    match &err {
        SdkError::ResponseError(e) => {
            assert_eq!(e.raw().status().as_u16(), 200);
            let length: usize = e
                .raw()
                .headers()
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .expect("a Content-Length");
            assert!(length > 100, "the full length is announced: {length}");
        }
        other => panic!("expected a response error, got {other:?}"),
    }
    // Handled all the same.
    assert_eq!(control.call_count("ModifyCluster"), 1);
    assert_eq!(
        describe_one(&client(&emulator), &id)
            .await
            .backup_retention_policy()
            .and_then(|r| r.value()),
        Some("45")
    );

    // With retries the SDK sends the call again: it is handled twice.
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::ResetMidResponse,
        1,
    ));
    control.clear_calls();
    client_with_attempts(&emulator, 2)
        .describe_clusters()
        .send()
        .await
        .expect("the retry is answered in full");
    assert_eq!(control.attempts("DescribeClusters"), 2);
    assert_eq!(control.call_count("DescribeClusters"), 2);
}

#[tokio::test]
async fn a_cut_off_response_on_the_wire_has_the_full_length_and_part_of_the_body() {
    let emulator = common::instant_emulator().await;
    emulator
        .control()
        .inject(Fault::next_calls(None, FaultKind::ResetMidResponse, 1));
    let auth = common::authorization_for("cloudhsm");
    let (status, head, body) = raw_http(
        emulator.local_addr(),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "BaldrApiService.DescribeClusters"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &auth),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    let announced: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("content-length");
    assert_eq!(announced, r#"{"Clusters":[]}"#.len());
    assert!(body.len() < announced, "{body:?}");
    assert!(r#"{"Clusters":[]}"#.starts_with(&body), "{body:?}");
}

#[tokio::test]
async fn faults_over_http_take_hang_reset_and_for_ms_and_one_trigger_only() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let control = emulator.control();
    let post = |body: &'static str| async move {
        raw_http(
            addr,
            "POST",
            "/_emulator/faults",
            &[("Content-Type", "application/json")],
            body,
        )
        .await
    };
    for bad in [
        r#"{"Kind":"Throttle","NextCalls":1,"ForMs":10}"#,
        r#"{"Kind":"Throttle","Rate":1.0,"ForMs":10}"#,
        r#"{"Kind":"Throttle","NextCalls":1,"Rate":1.0}"#,
        r#"{"Kind":"Freeze"}"#,
    ] {
        let (status, _, body) = post(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    let (status, _, _) =
        post(r#"{"Operation":"DescribeClusters","Kind":"Throttle","ForMs":400}"#).await;
    assert_eq!(status, 200);
    let client = client(&emulator);
    for _ in 0..3 {
        client
            .describe_clusters()
            .send()
            .await
            .expect_err("throttled");
    }
    tokio::time::sleep(Duration::from_millis(450)).await;
    client.describe_clusters().send().await.expect("over");

    let (status, _, _) =
        post(r#"{"Operation":"DescribeClusters","Kind":"ResetMidResponse"}"#).await;
    assert_eq!(status, 200);
    let err = client
        .describe_clusters()
        .send()
        .await
        .expect_err("cut off");
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");

    let (status, _, _) = post(r#"{"operation":"DescribeClusters","kind":"Hang"}"#).await;
    assert_eq!(status, 200);
    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        client.describe_clusters().send(),
    )
    .await;
    assert!(waited.is_err(), "never answered");

    let (status, _, body) = raw_http(
        addr,
        "GET",
        "/_emulator/calls?operation=DescribeClusters",
        &[],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["Attempts"], 6, "{v}");
    assert_eq!(v["Count"], 2, "{v}");
    assert_eq!(v["AccessKeys"], serde_json::json!(["AKIDTEST", "AKIDTEST"]));
    assert_eq!(control.attempts("DescribeClusters"), 6);
}

#[tokio::test]
async fn an_unreadable_answer_is_a_response_error_after_the_call_took_effect() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());

    // Timestamps as HTTP-date strings where the SDK reads epoch seconds.
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let err = client
        .describe_clusters()
        .send()
        .await
        .expect_err("unreadable");
    match &err {
        SdkError::ResponseError(e) => assert_eq!(e.raw().status().as_u16(), 200),
        other => panic!("expected a response error, got {other:?}"),
    }
    assert_eq!(control.call_count("DescribeClusters"), 1, "handled");

    // No timestamp in the answer: numbers where strings belong. The call took effect.
    let signed =
        cloudhsm_emulator::sign_csr(&control.cluster_csr_pem(&id).expect("a CSR")).expect("sign");
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("unreadable");
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(
        control.cluster_json(&id).expect("cluster")["State"],
        "INITIALIZED"
    );

    // An error answer is delivered as it is.
    control.inject(Fault::next_calls(None, FaultKind::UnreadableAnswer, 1));
    let err = common::modify_hsm_type(&client, "cluster-zzzzzzzzzzz", "hsm2m.medium")
        .await
        .expect_err("not found");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));

    // On the wire: the answer is JSON, with HTTP dates.
    control.inject(Fault::next_calls(None, FaultKind::UnreadableAnswer, 1));
    let auth = common::authorization_for("cloudhsm");
    let (status, _, body) = raw_http(
        emulator.local_addr(),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "BaldrApiService.DescribeClusters"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &auth),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    let stamp = v["Clusters"][0]["CreateTimestamp"]
        .as_str()
        .expect("an HTTP-date string");
    assert!(stamp.ends_with(" GMT") && stamp.contains(", "), "{stamp}");
}

#[tokio::test]
async fn an_html_error_page_is_an_error_with_its_status_and_the_call_is_not_handled() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::HtmlAnswer(503),
        1,
    ));
    let err = client(&emulator)
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(
            BackupRetentionPolicy::builder()
                .r#type(BackupRetentionType::Days)
                .value("45")
                .build(),
        )
        .send()
        .await
        .expect_err("an HTML page");
    let raw = err.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 503);
    assert_eq!(raw.headers().get("content-type"), Some("text/html"));
    assert_eq!(control.attempts("ModifyCluster"), 1);
    assert_eq!(control.call_count("ModifyCluster"), 0, "not handled");
    assert_eq!(
        control.cluster_json(&id).expect("cluster")["BackupRetentionPolicy"]["Value"],
        "90"
    );

    control.inject(Fault::next_calls(None, FaultKind::HtmlAnswer(502), 1));
    let auth = common::authorization_for("cloudhsm");
    let (status, head, body) = raw_http(
        emulator.local_addr(),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "BaldrApiService.DescribeClusters"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &auth),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 502);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert_eq!(
        body,
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
    );
    // Retried like any 5xx: the second attempt is answered.
    control.inject(Fault::next_calls(None, FaultKind::HtmlAnswer(502), 1));
    client_with_attempts(&emulator, 2)
        .describe_clusters()
        .send()
        .await
        .expect("the retry is answered");
}

#[test]
fn trigger_for_is_a_public_constructor_too() {
    let f = Fault::for_duration(None, FaultKind::Hang, Duration::from_secs(1));
    assert!(matches!(f.trigger, Trigger::For(d) if d == Duration::from_secs(1)));
    assert!(f.operation.is_none());
}
