//! What reads of backups show, through the real SDK: reads that lag behind writes
//! (DescribeBackups and ListTags right after ModifyBackupAttributes, TagResource,
//! DeleteBackup), empty strings for absent values, and the faults on the new operations
//! (throttled, lost and unreadable answers), recorded with their region and host.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudhsmv2::types::BackupState;
use cloudhsm_emulator::{BackupSpec, Behaviour, Fault, FaultKind};
use common::{backup_shown, backups_where, client, client_for, client_in, eventually, tag};

#[tokio::test]
async fn reads_of_backups_lag_behind_writes() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_backup(BackupSpec::default());
    control.set_read_lag(Some(Duration::from_millis(800)));

    // The write's own answer is fresh; reads show the backup as it was.
    let out = client
        .modify_backup_attributes()
        .backup_id(&id)
        .never_expires(true)
        .send()
        .await
        .expect("modify");
    assert_eq!(out.backup().and_then(|b| b.never_expires()), Some(true));
    let shown = backup_shown(&client, &id).await.expect("shown");
    assert_eq!(shown.never_expires(), Some(false), "the previous version");
    assert_eq!(
        control.backup_json(&id).expect("truth")["NeverExpires"],
        true
    );
    // A neverExpires filter selects on the real flag (and shows the older view).
    let exempt = backups_where(&client, "neverExpires", &["true"]).await;
    assert_eq!(exempt.len(), 1);
    assert_eq!(exempt[0].never_expires(), Some(false));

    // A further write keeps the older view; tags lag in ListTags too.
    client
        .tag_resource()
        .resource_id(&id)
        .tag_list(tag("env", "prod"))
        .send()
        .await
        .expect("tag");
    let tags = client
        .list_tags()
        .resource_id(&id)
        .send()
        .await
        .expect("ListTags");
    assert!(tags.tag_list().is_empty(), "{tags:?}");
    client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("delete");
    let shown = backup_shown(&client, &id).await.expect("shown");
    assert_eq!(shown.backup_state(), Some(&BackupState::Ready));
    assert!(shown.tag_list().is_empty());
    // The write path sees the truth: a second delete is refused.
    let err = client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect_err("already pending deletion");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));

    eventually("the reads catch up", || async {
        backup_shown(&client, &id)
            .await
            .is_some_and(|b| b.backup_state() == Some(&BackupState::PendingDeletion))
    })
    .await;
    let shown = backup_shown(&client, &id).await.expect("shown");
    assert_eq!(shown.never_expires(), Some(true));
    assert_eq!(shown.tag_list().len(), 1);
    assert!(shown.delete_timestamp().is_some());

    // complete_backup_transitions ends a lag; clearing the lag shows the truth at once.
    client
        .restore_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("restore");
    assert_eq!(
        backup_shown(&client, &id)
            .await
            .and_then(|b| b.backup_state().cloned()),
        Some(BackupState::PendingDeletion)
    );
    assert!(control.complete_backup_transitions(&id));
    assert_eq!(
        backup_shown(&client, &id)
            .await
            .and_then(|b| b.backup_state().cloned()),
        Some(BackupState::Ready)
    );
    client
        .modify_backup_attributes()
        .backup_id(&id)
        .never_expires(false)
        .send()
        .await
        .expect("modify");
    control.set_read_lag(None);
    assert_eq!(
        backup_shown(&client, &id)
            .await
            .and_then(|b| b.never_expires()),
        Some(false)
    );
}

#[tokio::test]
async fn absent_strings_may_be_empty_strings() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_backup(BackupSpec::default());
    let shown = backup_shown(&client, &id).await.expect("shown");
    assert_eq!(shown.source_region(), None);
    control.set_behaviour(Behaviour {
        blank_absent: true,
        ..Behaviour::default()
    });
    let shown = backup_shown(&client, &id).await.expect("shown");
    assert_eq!(shown.source_region(), Some(""));
    assert_eq!(shown.source_backup(), Some(""));
    assert_eq!(shown.source_cluster(), Some(""));
    let out = client
        .modify_backup_attributes()
        .backup_id(&id)
        .never_expires(true)
        .send()
        .await
        .expect("modify");
    assert_eq!(out.backup().and_then(|b| b.source_region()), Some(""));
    // A copy's own values stay.
    let copy = control.seed_backup(BackupSpec {
        source_region: Some("us-west-2".into()),
        ..BackupSpec::default()
    });
    let shown = backup_shown(&client, &copy).await.expect("shown");
    assert_eq!(shown.source_region(), Some("us-west-2"));
}

#[tokio::test]
async fn faults_hit_the_backup_operations_like_the_others() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_backup(BackupSpec::default());
    let client = client(&emulator);

    // Throttling longer than the retries.
    control.inject(Fault::next_calls(
        Some("DescribeBackups"),
        FaultKind::Throttle,
        10,
    ));
    let err = client_for(&emulator, "us-east-1", 3)
        .describe_backups()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(control.attempts("DescribeBackups"), 3);
    assert_eq!(control.call_count("DescribeBackups"), 0);
    control.clear_faults();

    // A lost answer after the copy took effect: the copy shows all the same.
    control.inject(Fault::next_calls(
        Some("CopyBackupToRegion"),
        FaultKind::LoseResponse,
        1,
    ));
    let err = client
        .copy_backup_to_region()
        .destination_region("eu-west-1")
        .backup_id(&id)
        .send()
        .await
        .expect_err("the answer is lost");
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
    let west = client_in(&emulator, "eu-west-1");
    assert_eq!(
        backups_where(&west, "sourceBackupIds", &[&id]).await.len(),
        1
    );

    // Unreadable answers: the change is made, the SDK cannot read the answer.
    control.inject(Fault::next_calls(
        Some("DeleteBackup"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let err = client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect_err("unreadable");
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    assert_eq!(
        control.backup_json(&id).expect("truth")["BackupState"],
        "PENDING_DELETION"
    );
    control.inject(Fault::next_calls(
        Some("TagResource"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let result = client
        .tag_resource()
        .resource_id(&id)
        .tag_list(tag("k", "v"))
        .send()
        .await;
    assert!(result.is_err(), "an empty answer is spoilt too: {result:?}");
    assert_eq!(
        control.backup_json(&id).expect("truth")["TagList"][0]["Key"],
        "k"
    );

    // An internal failure on every operation for a while.
    control.inject(Fault::for_duration(
        None,
        FaultKind::InternalError,
        Duration::from_millis(200),
    ));
    let err = client
        .list_tags()
        .resource_id(&id)
        .send()
        .await
        .expect_err("500");
    assert_eq!(err.code(), Some("CloudHsmInternalFailureException"));
    tokio::time::sleep(Duration::from_millis(250)).await;

    // The call record names the region and host of each.
    let records = control.call_records("CopyBackupToRegion");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].region.as_deref(), Some("us-east-1"));
    assert_eq!(
        records[0].host.as_deref(),
        Some(emulator.local_addr().to_string().as_str())
    );
    assert_eq!(records[0].body["DestinationRegion"], "eu-west-1");
    client.describe_backups().send().await.expect("east");
    west.describe_backups().send().await.expect("west");
    let regions = control.signing_regions("DescribeBackups");
    assert_eq!(
        regions[regions.len() - 2..],
        [Some("us-east-1".to_string()), Some("eu-west-1".to_string())]
    );
}
