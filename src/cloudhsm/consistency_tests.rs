//! Unit tests of the client and the workflows against the emulator showing what AWS may do:
//! writes sent once by the SDK, one cluster's refusal in a batched read, reads that are never
//! answered, and answers the provider cannot read.

use std::time::Duration;

use cloudhsm_emulator::{Behaviour, ClusterSpec, Fault, FaultKind, Timings};

use super::{ApiError, ClusterChange, Desired, Patience};
use crate::aws_diagnostics::{api_diagnostic, Subject};
use crate::certs;
use crate::test_support::{emulated_aws, EmulatedAws};

async fn aws() -> (EmulatedAws, super::CloudHsm) {
    let aws = emulated_aws(Timings::instant()).await;
    let client = aws.context.client().await.expect("client");
    (aws, client)
}

fn active(aws: &EmulatedAws) -> String {
    aws.control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..Default::default()
    })
}

#[tokio::test]
async fn the_sdk_retries_reads_but_never_writes() {
    let (aws, client) = aws().await;
    let id = active(&aws);
    aws.control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::InternalError,
        1,
    ));
    assert!(client.describe(&id).await.expect("read").is_some());
    assert_eq!(aws.control.attempts("DescribeClusters"), 2);

    aws.control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::InternalError,
        1,
    ));
    let change = ClusterChange {
        hsm_type: None,
        backup_retention_days: Some(30),
    };
    let err = client.modify(&id, &change).await.expect_err("refused once");
    assert!(err.may_have_taken_effect(), "{err}");
    assert_eq!(
        aws.control.attempts("ModifyCluster"),
        1,
        "no blind SDK retry"
    );
}

#[tokio::test]
async fn a_write_that_failed_ambiguously_is_looked_into_then_sent_again_once() {
    let (aws, client) = aws().await;
    let client = client.with_patience(Patience {
        unseen_write: Duration::from_millis(300),
        ..Patience::default()
    });
    let id = active(&aws);
    // A 5xx before the handler: it did not take effect, and the cluster shows no sign of
    // it, so after watching the cluster the provider sends it once more.
    aws.control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::InternalError,
        1,
    ));
    let desired = Desired {
        hsm_type: None,
        retention_days: Some(30),
    };
    let cluster = client
        .modify_and_wait(&id, &desired, Duration::from_secs(60))
        .await
        .expect("modified");
    assert_eq!(cluster.retention_days(), Some(30));
    assert_eq!(aws.control.attempts("ModifyCluster"), 2);
    assert_eq!(aws.control.call_count("ModifyCluster"), 1);
}

#[tokio::test]
async fn one_clusters_refusal_reaches_its_reader_only_and_later_calls_stay_whole() {
    let (aws, client) = aws().await;
    let ids: Vec<String> = (0..10).map(|_| active(&aws)).collect();
    aws.control.set_behaviour(Behaviour {
        refuse_describe_of: vec![ids[3].clone()],
        ..Behaviour::default()
    });
    let answers = futures_util::future::join_all(ids.iter().map(|id| client.describe(id))).await;
    for (i, (id, answer)) in ids.iter().zip(&answers).enumerate() {
        if i == 3 {
            let err = answer.as_ref().expect_err("refused");
            assert!(err.to_string().contains(id.as_str()), "{err}");
        } else {
            let found = answer.as_ref().expect("the others are answered");
            assert_eq!(found.as_ref().map(|c| &c.id), Some(id));
        }
    }
    // The refusal followed one id down to a call of its own: it was about that id, not
    // about how many ids a call names, so later calls still name them all.
    aws.control.set_behaviour(Behaviour::default());
    aws.control.clear_calls();
    let answers = futures_util::future::join_all(ids.iter().map(|id| client.describe(id))).await;
    assert!(answers.iter().all(|a| matches!(a, Ok(Some(_)))));
    let sizes = crate::test_support::describe_batch_sizes(&aws.control);
    assert_eq!(sizes, vec![10]);
}

#[tokio::test]
async fn a_read_that_is_never_answered_ends_at_the_read_deadline_and_frees_the_call() {
    let (aws, client) = aws().await;
    let client = client.with_read_timeout(Duration::from_millis(800));
    let id = active(&aws);
    let other = active(&aws);
    aws.control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Hang,
        1,
    ));
    let (a, b) = tokio::join!(client.describe(&id), client.describe(&other));
    for answer in [a, b] {
        assert!(
            matches!(answer, Err(ApiError::DeadlineReached { .. })),
            "{answer:?}"
        );
    }
    // The batch's call no longer holds the one call in flight.
    assert!(client.describe(&id).await.expect("read").is_some());
}

#[tokio::test]
async fn an_answer_that_does_not_parse_is_said_to_be_unreadable_without_internal_dumps() {
    let (aws, client) = aws().await;
    let id = active(&aws);
    aws.control.inject(Fault::for_duration(
        Some("DescribeClusters"),
        FaultKind::UnreadableAnswer,
        Duration::from_secs(60),
    ));
    let err = client.describe(&id).await.expect_err("unreadable");
    assert!(
        matches!(err, ApiError::Unreadable { status: 200, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());
    let text = err.to_string();
    assert!(
        text.contains("DescribeClusters") && text.contains("HTTP 200"),
        "{text}"
    );
    assert!(
        text.contains("invalid timestamp") && text.contains(r#"{\"Clusters\""#),
        "what failed, and the start of the body: {text}"
    );
    for internal in ["ResponseError", "extensions", "HttpInfo", "SdkBody", "{ "] {
        assert!(!text.contains(internal), "{internal} in {text}");
    }
    let d = api_diagnostic(&err, &Subject::cluster(&id), "reading the cluster");
    assert!(
        d.summary.starts_with("Unreadable answer from CloudHSM"),
        "{}",
        d.summary
    );
    assert!(!d.detail.contains("network path"), "{}", d.detail);
    aws.control.clear_faults();

    aws.control.inject(Fault::for_duration(
        Some("DescribeClusters"),
        FaultKind::HtmlAnswer(502),
        Duration::from_secs(60),
    ));
    let err = client
        .with_read_timeout(Duration::from_secs(30))
        .describe(&id)
        .await
        .expect_err("a proxy's page");
    assert!(
        matches!(err, ApiError::Unreadable { status: 502, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Bad Gateway"), "{err}");
    let d = api_diagnostic(&err, &Subject::cluster(&id), "reading the cluster");
    assert!(!d.summary.contains("Could not reach"), "{}", d.summary);
}

#[tokio::test]
async fn an_unreadable_answer_to_initialize_cluster_is_adopted_not_repeated() {
    let (aws, client) = aws().await;
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let csr = aws.control.cluster_csr_pem(&id).expect("csr");
    let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign");
    let cert = certs::parse_certificate_pem(&signed.signed_cert_pem).expect("cert");
    let anchor = certs::parse_certificate_pem(&signed.trust_anchor_pem).expect("anchor");
    // CloudHSM takes the call (HTTP 200) but its answer cannot be read.
    aws.control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let cluster = client
        .initialize_and_wait(
            &id,
            super::workflows::Signing::Signed(&cert),
            &anchor,
            Duration::from_secs(60),
        )
        .await
        .expect("initialized");
    assert!(cluster.cluster.certificates.cluster_certificate.is_some());
    assert_eq!(aws.control.attempts("InitializeCluster"), 1);
}

#[tokio::test]
async fn blank_strings_from_aws_are_absent_values() {
    let (aws, client) = aws().await;
    aws.control.set_behaviour(Behaviour {
        blank_absent: true,
        ..Behaviour::default()
    });
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let c = client.describe(&id).await.expect("read").expect("found");
    assert_eq!(c.certificates.cluster_certificate, None);
    assert_eq!(c.source_backup_id, None);
    assert!(c.certificates.cluster_csr.is_some());
    assert_eq!(c.initialization(), super::Initialization::NotYet);
}
