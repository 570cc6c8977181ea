//! Backups through the real SDK: the backup an initialization makes, one made through the
//! control surface, and DescribeBackups' filters, order and pages.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::{BackupState, ClusterMode, ClusterState};
use cloudhsm_emulator::{
    sign_csr, BackupSpec, Behaviour, ClusterSpec, Emulator, EmulatorConfig, Timings,
    UnsortedBackups,
};
use common::{backup_shown, backups_where, client, client_in, csr_of, describe_one, eventually};

fn secs(t: &aws_sdk_cloudhsmv2::primitives::DateTime) -> f64 {
    t.as_secs_f64()
}

fn epoch(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

#[tokio::test]
async fn an_initialization_makes_a_backup_that_is_ready_after_its_timing() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            initialize: Duration::from_millis(100),
            backup: Duration::from_millis(1500),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        mode: Some("NON_FIPS".into()),
        ..ClusterSpec::default()
    });
    let before = common::unix_now();
    let signed = sign_csr(&csr_of(&client, &id).await).expect("sign");
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("InitializeCluster accepted");
    // No backup while the initialization runs.
    assert!(backups_where(&client, "clusterIds", &[&id])
        .await
        .is_empty());
    eventually("the cluster is INITIALIZED", || async {
        describe_one(&client, &id).await.state() == Some(&ClusterState::Initialized)
    })
    .await;
    let backups = backups_where(&client, "clusterIds", &[&id]).await;
    assert_eq!(backups.len(), 1, "{backups:?}");
    let b = &backups[0];
    assert_eq!(b.backup_state(), Some(&BackupState::CreateInProgress));
    assert_eq!(b.cluster_id(), Some(id.as_str()));
    assert_eq!(b.hsm_type(), Some("hsm1.medium"));
    assert_eq!(b.mode(), Some(&ClusterMode::NonFips));
    assert_eq!(b.never_expires(), Some(false));
    assert!(b.backup_id().starts_with("backup-") && b.backup_id().len() == 18);
    assert_eq!(
        b.backup_arn(),
        Some(
            format!(
                "arn:aws:cloudhsm:us-east-1:123456789012:backup/{}",
                b.backup_id()
            )
            .as_str()
        )
    );
    let created = secs(b.create_timestamp().expect("CreateTimestamp"));
    assert!(created >= before as f64 - 1.0 && created <= common::unix_now() as f64 + 1.0);
    assert!(b.copy_timestamp().is_none() && b.source_region().is_none());
    assert!(b.delete_timestamp().is_none());
    let backup_id = b.backup_id().to_string();
    eventually("the backup is READY", || async {
        backup_shown(&client, &backup_id)
            .await
            .and_then(|b| b.backup_state().cloned())
            == Some(BackupState::Ready)
    })
    .await;
    assert_eq!(control.backup_ids(), vec![backup_id.clone()]);
    assert_eq!(
        control.backup_region(&backup_id).as_deref(),
        Some("us-east-1")
    );
}

#[tokio::test]
async fn a_backup_made_through_the_control_surface_and_complete_transitions() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            backup: Duration::from_secs(600),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let control = emulator.control();
    let client = client_in(&emulator, "eu-west-1");
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        region: Some("eu-west-1".into()),
        hsm_type: Some("hsm2m.medium".into()),
        ..ClusterSpec::default()
    });
    let backup = control.create_backup(&id).expect("the cluster exists");
    assert_eq!(control.create_backup("cluster-zzzzzzzzzzz"), None);
    let shown = backup_shown(&client, &backup)
        .await
        .expect("shown in eu-west-1");
    assert_eq!(shown.backup_state(), Some(&BackupState::CreateInProgress));
    assert_eq!(shown.hsm_type(), Some("hsm2m.medium"));
    assert!(control.complete_backup_transitions(&backup));
    assert!(!control.complete_backup_transitions("backup-zzzzzzzzzzz"));
    let shown = backup_shown(&client, &backup).await.expect("shown");
    assert_eq!(shown.backup_state(), Some(&BackupState::Ready));
    assert_eq!(
        control.backup_json(&backup).expect("the truth")["BackupState"],
        "READY"
    );
}

/// Seeds five backups of two clusters in us-east-1 (created 1000 s apart, the middle one
/// never expiring, the last PENDING_DELETION), one DELETED, and one in eu-west-1; returns
/// the us-east-1 ids oldest first, and the two cluster ids.
fn seed_many(control: &cloudhsm_emulator::Control) -> (Vec<String>, [String; 2]) {
    let clusters = [
        "cluster-aaaaaaaaaaa".to_string(),
        "cluster-bbbbbbbbbbb".to_string(),
    ];
    let ids = (0..5u64)
        .map(|i| {
            control.seed_backup(BackupSpec {
                cluster_id: Some(clusters[(i % 2) as usize].clone()),
                create_timestamp: Some(epoch(1_700_000_000 + 1000 * i)),
                never_expires: i == 2,
                state: (i == 4).then(|| "PENDING_DELETION".to_string()),
                ..BackupSpec::default()
            })
        })
        .collect();
    control.seed_backup(BackupSpec {
        cluster_id: Some(clusters[0].clone()),
        state: Some("DELETED".into()),
        ..BackupSpec::default()
    });
    control.seed_backup(BackupSpec {
        region: Some("eu-west-1".into()),
        cluster_id: Some(clusters[0].clone()),
        ..BackupSpec::default()
    });
    (ids, clusters)
}

fn ids_of(backups: &[aws_sdk_cloudhsmv2::types::Backup]) -> Vec<String> {
    backups.iter().map(|b| b.backup_id().to_string()).collect()
}

#[tokio::test]
async fn describe_backups_orders_newest_first_unless_asked_and_pages() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let (ids, _) = seed_many(&control);
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

    let out = client.describe_backups().send().await.expect("describe");
    assert_eq!(
        ids_of(out.backups()),
        newest_first,
        "DELETED and eu-west-1 left out"
    );
    assert!(out.next_token().is_none());
    let out = client
        .describe_backups()
        .sort_ascending(true)
        .send()
        .await
        .expect("describe");
    assert_eq!(ids_of(out.backups()), ids);
    let out = client
        .describe_backups()
        .sort_ascending(false)
        .send()
        .await
        .expect("describe");
    assert_eq!(ids_of(out.backups()), newest_first);

    // Pages of two, both ways, through the SDK's paginator too.
    for ascending in [true, false] {
        let mut seen = Vec::new();
        let mut token = None;
        let mut pages = 0;
        loop {
            let out = client
                .describe_backups()
                .sort_ascending(ascending)
                .max_results(2)
                .set_next_token(token)
                .send()
                .await
                .expect("a page");
            assert!(out.backups().len() <= 2);
            seen.extend(ids_of(out.backups()));
            pages += 1;
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(pages, 3);
        let expected = if ascending { &ids } else { &newest_first };
        assert_eq!(&seen, expected);
    }
    let pages: Vec<_> = client
        .describe_backups()
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let paged: usize = pages
        .iter()
        .map(|p| p.as_ref().expect("a page").backups().len())
        .sum();
    assert_eq!(paged, 5);

    // A token for one order is refused in the other; garbage and bad sizes are refused.
    let out = client
        .describe_backups()
        .max_results(2)
        .send()
        .await
        .expect("describe");
    let token = out.next_token().expect("more").to_string();
    let err = client
        .describe_backups()
        .sort_ascending(true)
        .next_token(&token)
        .send()
        .await
        .expect_err("another order's token");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .describe_backups()
        .next_token("garbage")
        .send()
        .await
        .expect_err("garbage");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    for bad in [0, 51] {
        let err = client
            .describe_backups()
            .max_results(bad)
            .send()
            .await
            .expect_err("out of range");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
        assert!(
            err.message()
                .is_some_and(|m| m.contains("between 1 and 50")),
            "{err:?}"
        );
    }
    let out = client
        .describe_backups()
        .max_results(50)
        .shared(true)
        .send()
        .await
        .expect("shared");
    assert!(
        out.backups().is_empty(),
        "no backup is shared with the caller"
    );

    // The order without SortAscending is a behaviour; a page limit caps pages.
    control.set_behaviour(Behaviour {
        unsorted_backups: UnsortedBackups::OldestFirst,
        page_limit: Some(3),
        ..Behaviour::default()
    });
    let out = client.describe_backups().send().await.expect("describe");
    assert_eq!(ids_of(out.backups()), ids[..3].to_vec());
    assert!(out.next_token().is_some());
}

#[tokio::test]
async fn describe_backups_filters_and_deleted_backups_as_the_behaviour_says() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let (ids, clusters) = seed_many(&control);
    let oldest_first = |mut v: Vec<String>| {
        v.sort_by_key(|id| ids.iter().position(|x| x == id));
        v
    };
    let by = |filter: &'static str, values: Vec<String>| {
        let client = client.clone();
        async move {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            ids_of(&backups_where(&client, filter, &values).await)
        }
    };
    assert_eq!(
        oldest_first(by("backupIds", vec![ids[1].clone(), ids[3].clone()]).await),
        vec![ids[1].clone(), ids[3].clone()]
    );
    assert_eq!(
        oldest_first(by("clusterIds", vec![clusters[1].clone()]).await),
        vec![ids[1].clone(), ids[3].clone()]
    );
    assert_eq!(
        by("states", vec!["PENDING_DELETION".into()]).await,
        vec![ids[4].clone()]
    );
    assert_eq!(
        by("neverExpires", vec!["true".into()]).await,
        vec![ids[2].clone()]
    );
    assert_eq!(by("neverExpires", vec!["false".into()]).await.len(), 4);
    assert!(by("backupIds", vec!["backup-zzzzzzzzzzz".into()])
        .await
        .is_empty());
    assert!(
        by("states", vec!["DELETED".into()]).await.is_empty(),
        "DELETED hidden"
    );

    // A copy is found by its source backup id.
    let copy = control.seed_backup(BackupSpec {
        source_region: Some("us-west-2".into()),
        source_backup: Some(ids[0].clone()),
        ..BackupSpec::default()
    });
    assert_eq!(
        by("sourceBackupIds", vec![ids[0].clone()]).await,
        vec![copy.clone()]
    );
    let shown = backup_shown(&client, &copy).await.expect("the copy");
    assert_eq!(shown.source_region(), Some("us-west-2"));
    assert_eq!(shown.source_backup(), Some(ids[0].as_str()));
    assert!(shown.copy_timestamp().is_some());

    for (filter, value, says) in [
        ("states", "GONE", "not a backup state"),
        ("neverExpires", "maybe", "must be true or false"),
        ("vpcIds", "vpc-1", "Invalid filter"),
    ] {
        let err = client
            .describe_backups()
            .filters(filter, vec![value.to_string()])
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
        assert!(err.message().is_some_and(|m| m.contains(says)), "{err:?}");
    }

    control.set_behaviour(Behaviour {
        show_deleted_backups: true,
        ..Behaviour::default()
    });
    let deleted = by("states", vec!["DELETED".into()]).await;
    assert_eq!(deleted.len(), 1);
    let shown = backup_shown(&client, &deleted[0]).await.expect("shown");
    assert_eq!(shown.backup_state(), Some(&BackupState::Deleted));
    assert!(shown.delete_timestamp().is_some());
}
