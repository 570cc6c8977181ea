//! CopyBackupToRegion through the real SDK: the answer (no id), the copy that shows in the
//! destination some time later and is READY later still, found there by its source backup
//! id, its tags, each refusal (with the settable one for a region not enabled), and the
//! behaviours: a copy that shows late, one that never shows, and READY before
//! `CopyTimestamp`.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::BackupState;
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{
    AwsRefusal, BackupSpec, Behaviour, ClusterSpec, Control, Emulator, EmulatorConfig, Timings,
};
use common::{backup_shown, backups_where, client, client_in, eventually, tag};

async fn emulator_with(timings: Timings, behaviour: Behaviour) -> Emulator {
    Emulator::start_with(EmulatorConfig {
        timings,
        behaviour,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// A READY backup of an ACTIVE us-east-1 cluster, tagged `team=data`: (backup, cluster).
fn source(control: &Control) -> (String, String) {
    let cluster = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let backup = control.seed_backup(BackupSpec {
        cluster_id: Some(cluster.clone()),
        tags: vec![("team".into(), "data".into())],
        ..BackupSpec::default()
    });
    (backup, cluster)
}

/// The copies of `source_id` the destination client shows.
async fn copies(destination: &Client, source_id: &str) -> Vec<aws_sdk_cloudhsmv2::types::Backup> {
    backups_where(destination, "sourceBackupIds", &[source_id]).await
}

#[tokio::test]
async fn a_copy_shows_in_the_destination_later_then_turns_ready() {
    let emulator = emulator_with(
        Timings {
            copy_visible_after: Duration::from_millis(600),
            copy_ready_after: Duration::from_millis(1500),
            ..Timings::instant()
        },
        Behaviour::default(),
    )
    .await;
    let control = emulator.control();
    let east = client(&emulator);
    let west = client_in(&emulator, "eu-west-1");
    let (backup, cluster) = source(&control);
    let source_shown = backup_shown(&east, &backup).await.expect("the source");
    let asked = Instant::now();
    let out = east
        .copy_backup_to_region()
        .destination_region("eu-west-1")
        .backup_id(&backup)
        .send()
        .await
        .expect("CopyBackupToRegion");
    let answered = out.destination_backup().expect("DestinationBackup");
    assert_eq!(answered.source_region(), Some("us-east-1"));
    assert_eq!(answered.source_backup(), Some(backup.as_str()));
    assert_eq!(answered.source_cluster(), Some(cluster.as_str()));
    assert_eq!(answered.create_timestamp(), source_shown.create_timestamp());

    // Not there at once, in neither region.
    assert!(copies(&west, &backup).await.is_empty());
    assert!(copies(&east, &backup).await.is_empty());
    eventually("the copy shows in eu-west-1", || async {
        !copies(&west, &backup).await.is_empty()
    })
    .await;
    assert!(asked.elapsed() >= Duration::from_millis(600));
    let copy = copies(&west, &backup).await.remove(0);
    assert_eq!(copy.backup_state(), Some(&BackupState::CreateInProgress));
    assert_ne!(copy.backup_id(), backup);
    assert_eq!(copy.cluster_id(), Some(cluster.as_str()));
    assert_eq!(copy.source_region(), Some("us-east-1"));
    assert_eq!(copy.source_backup(), Some(backup.as_str()));
    assert_eq!(copy.source_cluster(), Some(cluster.as_str()));
    assert_eq!(copy.create_timestamp(), source_shown.create_timestamp());
    assert!(copy.copy_timestamp().is_some());
    assert_eq!(copy.never_expires(), Some(false));
    assert_eq!(copy.hsm_type(), Some("hsm1.medium"));
    assert_eq!(
        copy.backup_arn(),
        Some(
            format!(
                "arn:aws:cloudhsm:eu-west-1:123456789012:backup/{}",
                copy.backup_id()
            )
            .as_str()
        )
    );
    // Without a TagList the source's tags are copied.
    assert_eq!(copy.tag_list().len(), 1);
    assert_eq!(copy.tag_list()[0].key(), "team");
    assert_eq!(
        control.backup_region(copy.backup_id()).as_deref(),
        Some("eu-west-1")
    );
    let copy_id = copy.backup_id().to_string();
    eventually("the copy is READY", || async {
        backup_shown(&west, &copy_id)
            .await
            .and_then(|b| b.backup_state().cloned())
            == Some(BackupState::Ready)
    })
    .await;
    assert!(asked.elapsed() >= Duration::from_millis(2100));
    // The source region still shows only the source.
    let east_ids: Vec<String> = east
        .describe_backups()
        .send()
        .await
        .expect("east")
        .backups()
        .iter()
        .map(|b| b.backup_id().to_string())
        .collect();
    assert_eq!(east_ids, vec![backup.clone()]);

    // With a TagList, only those tags; a copy can be copied on.
    let out = east
        .copy_backup_to_region()
        .destination_region("ap-southeast-2")
        .backup_id(&backup)
        .tag_list(tag("copy", "yes"))
        .send()
        .await
        .expect("a second copy");
    assert!(out.destination_backup().is_some());
    let sydney = client_in(&emulator, "ap-southeast-2");
    eventually("the second copy shows", || async {
        !copies(&sydney, &backup).await.is_empty()
    })
    .await;
    let second = copies(&sydney, &backup).await.remove(0);
    let tags: Vec<(&str, &str)> = second
        .tag_list()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(tags, vec![("copy", "yes")]);
    assert_eq!(control.backup_ids().len(), 3);
}

#[tokio::test]
async fn each_refusal_of_a_copy() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let east = client(&emulator);
    let (backup, cluster) = source(&control);
    let copy = |destination: &'static str, id: String| {
        let east = east.clone();
        async move {
            east.copy_backup_to_region()
                .destination_region(destination)
                .backup_id(id)
                .send()
                .await
                .expect_err("refused")
        }
    };
    let err = copy("us-east-1", backup.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("the destination region must be another region")),
        "{err:?}"
    );
    let err = copy("cn-north-1", backup.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message().is_some_and(|m| m.contains("partition")),
        "{err:?}"
    );
    let err = copy("Frankfurt", backup.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message().is_some_and(|m| m.starts_with(
            "1 validation error detected: Value 'Frankfurt' at 'destinationRegion' failed to satisfy constraint"
        )),
        "{err:?}"
    );
    let err = copy("eu-west-1", "backup-zzzzzzzzzzz".into()).await;
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    let elsewhere = control.seed_backup(BackupSpec {
        region: Some("eu-west-1".into()),
        ..BackupSpec::default()
    });
    let err = copy("eu-west-2", elsewhere).await;
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));

    // A source not READY, or pending deletion.
    let making = control.seed_backup(BackupSpec {
        cluster_id: Some(cluster.clone()),
        state: Some("CREATE_IN_PROGRESS".into()),
        ..BackupSpec::default()
    });
    let err = copy("eu-west-1", making.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert_eq!(
        err.message(),
        Some(format!("The backup {making} is in state CREATE_IN_PROGRESS; only a READY backup can be copied.").as_str())
    );
    let pending = control.seed_backup(BackupSpec {
        state: Some("PENDING_DELETION".into()),
        ..BackupSpec::default()
    });
    let err = copy("eu-west-1", pending.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("pending deletion")),
        "{err:?}"
    );

    // A destination not enabled: an invalid request by default, or as the behaviour says.
    control.disable_region("ap-east-1");
    let err = copy("ap-east-1", backup.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert_eq!(
        err.message(),
        Some("The destination region ap-east-1 is not enabled for this account.")
    );
    control.set_behaviour(Behaviour {
        region_not_enabled: AwsRefusal {
            code: "CloudHsmAccessDeniedException".into(),
            message: Some("User is not authorized to perform this action.".into()),
        },
        ..Behaviour::default()
    });
    let err = copy("ap-east-1", backup.clone()).await;
    assert_eq!(err.code(), Some("CloudHsmAccessDeniedException"));
    assert_eq!(
        err.message(),
        Some("User is not authorized to perform this action.")
    );
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_cloud_hsm_access_denied_exception()));
    control.enable_region("ap-east-1");
    east.copy_backup_to_region()
        .destination_region("ap-east-1")
        .backup_id(&backup)
        .send()
        .await
        .expect("enabled again");
    assert_eq!(control.call_count("CopyBackupToRegion"), 10);
}

#[tokio::test]
async fn a_copy_that_shows_late_or_never() {
    let emulator = emulator_with(
        Timings {
            copy_visible_after: Duration::from_millis(100),
            ..Timings::instant()
        },
        Behaviour {
            copy_visibility_lag: Some(Duration::from_millis(900)),
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let east = client(&emulator);
    let west = client_in(&emulator, "eu-west-1");
    let (backup, _) = source(&control);
    let asked = Instant::now();
    east.copy_backup_to_region()
        .destination_region("eu-west-1")
        .backup_id(&backup)
        .send()
        .await
        .expect("copy");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        copies(&west, &backup).await.is_empty(),
        "late beyond copy_visible_after"
    );
    let copy_id = control.backup_ids().pop().expect("the copy exists");
    assert_eq!(control.backup_visible(&copy_id), Some(false));
    eventually("the late copy shows", || async {
        !copies(&west, &backup).await.is_empty()
    })
    .await;
    assert!(asked.elapsed() >= Duration::from_millis(1000));

    // Never: the call succeeds and nothing ever shows.
    control.set_behaviour(Behaviour {
        copy_never_appears: true,
        ..Behaviour::default()
    });
    let before = control.backup_ids();
    let out = east
        .copy_backup_to_region()
        .destination_region("us-west-2")
        .backup_id(&backup)
        .send()
        .await
        .expect("answered as usual");
    assert_eq!(
        out.destination_backup().and_then(|d| d.source_backup()),
        Some(backup.as_str())
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(copies(&client_in(&emulator, "us-west-2"), &backup)
        .await
        .is_empty());
    assert_eq!(control.backup_ids(), before);
}

#[tokio::test]
async fn ready_shows_before_the_copy_timestamp_when_fields_follow_the_state() {
    let emulator = emulator_with(
        Timings::instant(),
        Behaviour {
            backup_fields_after_state: Some(Duration::from_millis(700)),
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let east = client(&emulator);
    let west = client_in(&emulator, "eu-west-1");
    let (backup, _) = source(&control);
    east.copy_backup_to_region()
        .destination_region("eu-west-1")
        .backup_id(&backup)
        .send()
        .await
        .expect("copy");
    let copy = copies(&west, &backup).await.remove(0);
    assert_eq!(copy.backup_state(), Some(&BackupState::Ready));
    assert!(
        copy.copy_timestamp().is_none(),
        "READY before CopyTimestamp"
    );
    assert!(
        control.backup_json(copy.backup_id()).expect("truth")["CopyTimestamp"].is_number(),
        "the truth has it"
    );
    let id = copy.backup_id().to_string();
    eventually("CopyTimestamp shows", || async {
        backup_shown(&west, &id)
            .await
            .is_some_and(|b| b.copy_timestamp().is_some())
    })
    .await;

    // PENDING_DELETION before DeleteTimestamp; READY again with the old one for a while.
    west.delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("delete");
    let shown = backup_shown(&west, &id).await.expect("shown");
    assert_eq!(shown.backup_state(), Some(&BackupState::PendingDeletion));
    assert!(shown.delete_timestamp().is_none());
    eventually("DeleteTimestamp shows", || async {
        backup_shown(&west, &id)
            .await
            .is_some_and(|b| b.delete_timestamp().is_some())
    })
    .await;
    west.restore_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("restore");
    let shown = backup_shown(&west, &id).await.expect("shown");
    assert_eq!(shown.backup_state(), Some(&BackupState::Ready));
    assert!(
        shown.delete_timestamp().is_some(),
        "the old DeleteTimestamp lingers"
    );
    eventually("the old DeleteTimestamp goes", || async {
        backup_shown(&west, &id)
            .await
            .is_some_and(|b| b.delete_timestamp().is_none())
    })
    .await;
}
