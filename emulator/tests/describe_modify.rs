//! DescribeClusters (filters, MaxResults, pagination, full shape) and ModifyCluster
//! (retention, HSM type migration and rollback, refusals), through the real SDK.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::{
    BackupRetentionPolicy, BackupRetentionType, ClusterState, HsmState,
};
use cloudhsm_emulator::{ClusterSpec, Emulator, EmulatorConfig, Timings};
use common::{client, describe_one};

fn retention(days: &str) -> BackupRetentionPolicy {
    BackupRetentionPolicy::builder()
        .r#type(BackupRetentionType::Days)
        .value(days)
        .build()
}

#[tokio::test]
async fn describe_shows_the_full_cluster_shape() {
    let emulator = common::instant_emulator().await;
    let id = emulator.control().seed_cluster(ClusterSpec {
        tags: vec![("team".into(), "crypto".into())],
        backup_retention_days: Some(30),
        ..ClusterSpec::default()
    });
    let c = describe_one(&client(&emulator), &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert!(c.state_message().is_some());
    assert_eq!(c.hsm_type(), Some("hsm1.medium"));
    assert_eq!(c.backup_policy().map(|p| p.as_str()), Some("DEFAULT"));
    let r = c.backup_retention_policy().expect("retention");
    assert_eq!(r.r#type(), Some(&BackupRetentionType::Days));
    assert_eq!(r.value(), Some("30"));
    assert!(c.vpc_id().is_some_and(|v| v.starts_with("vpc-")));
    assert!(c.security_group().is_some_and(|v| v.starts_with("sg-")));
    assert!(!c.subnet_mapping().map(|m| m.is_empty()).unwrap_or(true));
    assert!(c.network_type().is_some());
    assert!(c.mode().is_some());
    assert!(c.create_timestamp().is_some());
    assert_eq!(c.tag_list()[0].key(), "team");
    assert_eq!(c.hsms().len(), 1);
    assert_eq!(c.hsms()[0].state(), Some(&HsmState::Active));
    assert_eq!(c.hsms()[0].hsm_type(), Some("hsm1.medium"));
    let certs = c.certificates().expect("certificates");
    assert!(certs
        .cluster_csr()
        .is_some_and(|p| p.contains("BEGIN CERTIFICATE REQUEST")));
    assert!(certs.hsm_certificate().is_some());
    assert!(certs.aws_hardware_certificate().is_some());
    assert!(certs.manufacturer_hardware_certificate().is_some());
    assert!(c.hsm_type_rollback_expiration().is_none());
}

#[tokio::test]
async fn filters_select_by_id_vpc_and_state() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let a = control.seed_cluster(ClusterSpec::default());
    let b = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        vpc_id: Some("vpc-0000000000000000b".into()),
        ..ClusterSpec::default()
    });
    let c = control.seed_cluster(ClusterSpec::default());
    let client = client(&emulator);
    let ids = |out: aws_sdk_cloudhsmv2::operation::describe_clusters::DescribeClustersOutput| {
        out.clusters()
            .iter()
            .filter_map(|c| c.cluster_id().map(str::to_string))
            .collect::<Vec<_>>()
    };

    let out = client.describe_clusters().send().await.expect("all");
    assert_eq!(ids(out), vec![a.clone(), b.clone(), c.clone()]);

    let out = client
        .describe_clusters()
        .filters("clusterIds", vec![a.clone(), c.clone()])
        .send()
        .await
        .expect("by id");
    assert_eq!(ids(out), vec![a.clone(), c.clone()]);

    let out = client
        .describe_clusters()
        .filters("vpcIds", vec!["vpc-0000000000000000b".into()])
        .send()
        .await
        .expect("by vpc");
    assert_eq!(ids(out), vec![b.clone()]);

    let out = client
        .describe_clusters()
        .filters("states", vec!["UNINITIALIZED".into()])
        .send()
        .await
        .expect("by state");
    assert_eq!(ids(out), vec![a.clone(), c.clone()]);

    let out = client
        .describe_clusters()
        .filters("states", vec!["UNINITIALIZED".into()])
        .filters("clusterIds", vec![c.clone(), b.clone()])
        .send()
        .await
        .expect("combined");
    assert_eq!(ids(out), vec![c.clone()]);
}

#[tokio::test]
async fn unknown_filter_bad_state_and_bad_max_results_are_invalid_requests() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    for (key, value) in [("clusterId", "cluster-abcdefghijk"), ("states", "RUNNING")] {
        let err = client
            .describe_clusters()
            .filters(key, vec![value.to_string()])
            .send()
            .await
            .expect_err("refused");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_cloud_hsm_invalid_request_exception()),
            "{key}: {err:?}"
        );
    }
    for n in [0, 26] {
        let err = client
            .describe_clusters()
            .max_results(n)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(
            err.code(),
            Some("CloudHsmInvalidRequestException"),
            "MaxResults {n}"
        );
    }
    let err = client
        .describe_clusters()
        .next_token("not-a-token")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    client
        .describe_clusters()
        .max_results(25)
        .send()
        .await
        .expect("25 is allowed");
}

#[tokio::test]
async fn pagination_walks_more_than_25_clusters() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let seeded: Vec<String> = (0..31)
        .map(|_| {
            control.seed_cluster(ClusterSpec {
                with_hsm: false,
                ..ClusterSpec::default()
            })
        })
        .collect();
    let client = client(&emulator);

    // Default page size: 25, then 6.
    let first = client.describe_clusters().send().await.expect("page 1");
    assert_eq!(first.clusters().len(), 25);
    let token = first.next_token().expect("a next token").to_string();
    let second = client
        .describe_clusters()
        .next_token(&token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.clusters().len(), 6);
    assert!(second.next_token().is_none());

    // Small pages, every cluster exactly once, in order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .describe_clusters()
            .max_results(7)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("page");
        pages += 1;
        assert!(out.clusters().len() <= 7);
        seen.extend(
            out.clusters()
                .iter()
                .filter_map(|c| c.cluster_id().map(str::to_string)),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, seeded);

    // The SDK's own paginator agrees.
    let pages: Vec<_> = client
        .describe_clusters()
        .max_results(10)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 4);
    let total: usize = pages
        .into_iter()
        .map(|p| p.expect("page").clusters().len())
        .sum();
    assert_eq!(total, 31);
}

#[tokio::test]
async fn retention_change_applies_at_once_and_is_bounded() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let out = client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("7"))
        .send()
        .await
        .expect("7 days");
    let cluster = out.cluster().expect("ModifyCluster returns the cluster");
    assert_eq!(
        cluster.state(),
        Some(&ClusterState::Active),
        "no transition for retention"
    );
    assert_eq!(
        cluster.backup_retention_policy().and_then(|r| r.value()),
        Some("7")
    );
    client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("379"))
        .send()
        .await
        .expect("379 days");
    for bad in ["6", "380", "abc", ""] {
        let err = client
            .modify_cluster()
            .cluster_id(&id)
            .backup_retention_policy(retention(bad))
            .send()
            .await
            .expect_err("refused");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_cloud_hsm_invalid_request_exception()),
            "{bad:?}: {err:?}"
        );
    }
    let c = describe_one(&client, &id).await;
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("379")
    );
}

#[tokio::test]
async fn hsm_type_change_runs_through_modify_in_progress() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            modify: Duration::from_millis(800),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("start");
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let out = common::modify_hsm_type(&client, &id, "hsm2m.medium")
        .await
        .expect("migration starts");
    let cluster = out.cluster().expect("cluster");
    assert_eq!(cluster.state(), Some(&ClusterState::ModifyInProgress));
    assert_eq!(cluster.hsm_type(), Some("hsm1.medium"), "not yet migrated");

    // Refused while the change runs.
    let err = client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("30"))
        .send()
        .await
        .expect_err("refused while MODIFY_IN_PROGRESS");
    let service = err.as_service_error().expect("service error");
    assert!(service.is_cloud_hsm_invalid_request_exception());
    assert!(service
        .message()
        .unwrap_or("")
        .contains("MODIFY_IN_PROGRESS"));

    tokio::time::sleep(Duration::from_millis(850)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));
    assert!(c
        .hsms()
        .iter()
        .all(|h| h.hsm_type() == Some("hsm2m.medium")));
    assert!(c.hsm_type_rollback_expiration().is_some());
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("90")
    );
}

#[tokio::test]
async fn hsm_type_rules_migration_rollback_and_refusals() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    for bad in ["hsm3.huge", "not-a-type"] {
        let err = common::modify_hsm_type(&client, &id, bad)
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"), "{bad}");
    }
    // Nothing to modify.
    let err = client
        .modify_cluster()
        .cluster_id(&id)
        .send()
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));

    // Migrate, then roll back within the window.
    common::modify_hsm_type(&client, &id, "hsm2m.medium")
        .await
        .expect("migrate");
    assert_eq!(
        describe_one(&client, &id).await.hsm_type(),
        Some("hsm2m.medium")
    );
    let out = common::modify_hsm_type(&client, &id, "hsm1.medium")
        .await
        .expect("roll back");
    assert_eq!(
        out.cluster().and_then(|c| c.state()),
        Some(&ClusterState::RollbackInProgress)
    );
    let c = describe_one(&client, &id).await;
    assert_eq!(c.hsm_type(), Some("hsm1.medium"));
    assert!(c.hsm_type_rollback_expiration().is_none());

    // A cluster that was always hsm2m.medium cannot go down to hsm1.medium.
    let other = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        hsm_type: Some("hsm2m.medium".into()),
        ..ClusterSpec::default()
    });
    let err = common::modify_hsm_type(&client, &other, "hsm1.medium")
        .await
        .expect_err("no downgrade");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
}

#[tokio::test]
async fn modify_is_refused_in_every_in_progress_state_and_for_unknown_clusters() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let control = emulator.control();
    for state in [
        "CREATE_IN_PROGRESS",
        "INITIALIZE_IN_PROGRESS",
        "UPDATE_IN_PROGRESS",
        "MODIFY_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
    ] {
        let id = control.seed_cluster(ClusterSpec {
            state: Some(state.into()),
            with_hsm: false,
            ..ClusterSpec::default()
        });
        let err = client
            .modify_cluster()
            .cluster_id(&id)
            .backup_retention_policy(retention("30"))
            .send()
            .await
            .expect_err("refused");
        assert!(
            err.message().unwrap_or("").contains(state),
            "{state}: {err:?}"
        );
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    }
    let err = client
        .modify_cluster()
        .cluster_id("cluster-zzzzzzzzzzz")
        .backup_retention_policy(retention("30"))
        .send()
        .await
        .expect_err("not found");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_cloud_hsm_resource_not_found_exception()));
}

#[tokio::test]
async fn out_of_band_changes_are_visible_to_the_api() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    let old_csr = common::csr_of(&client, &id).await;
    assert!(control.set_state(&id, "ACTIVE"));
    assert!(control.set_hsm_type(&id, "hsm2m.medium"));
    assert!(control.set_backup_retention_days(&id, 45));
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("45")
    );
    assert!(c
        .certificates()
        .and_then(|x| x.cluster_certificate())
        .is_some());
    let json = control.cluster_json(&id).expect("json");
    assert_eq!(json["State"], "ACTIVE");

    assert!(control.reset_to_uninitialized(&id));
    let new_csr = common::csr_of(&client, &id).await;
    assert_ne!(new_csr, old_csr, "a fresh key pair");
    assert_eq!(
        control.cluster_csr_pem(&id).as_deref(),
        Some(new_csr.as_str())
    );
    assert!(!control.set_state("cluster-zzzzzzzzzzz", "ACTIVE"));
}
