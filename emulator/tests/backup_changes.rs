//! Changing backups through the real SDK: DeleteBackup (PENDING_DELETION for the deletion
//! window, then DELETED; a repeated delete refused or answered as the behaviour says),
//! RestoreBackup, ModifyBackupAttributes, the tags of backups and clusters with their
//! rules, and each refusal in the API's shape.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::BackupState;
use cloudhsm_emulator::{
    BackupSpec, Behaviour, ClusterSpec, Emulator, EmulatorConfig, RepeatedDelete, Timings,
};
use common::{backup_shown, backups_where, client, describe_one, tag};

fn ready_backup(control: &cloudhsm_emulator::Control) -> String {
    control.seed_backup(BackupSpec {
        tags: vec![("team".into(), "data".into())],
        ..BackupSpec::default()
    })
}

#[tokio::test]
async fn delete_then_restore_and_each_refusal() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = ready_backup(&control);

    let out = client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("DeleteBackup");
    let b = out.backup().expect("the backup");
    assert_eq!(b.backup_state(), Some(&BackupState::PendingDeletion));
    let delete_at = b.delete_timestamp().expect("DeleteTimestamp").secs();
    let in_a_week = common::unix_now() + 7 * 24 * 3600;
    assert!(
        (delete_at - in_a_week).abs() <= 5,
        "{delete_at} vs {in_a_week}"
    );
    let shown = backup_shown(&client, &id).await.expect("still listed");
    assert_eq!(shown.backup_state(), Some(&BackupState::PendingDeletion));
    assert_eq!(shown.delete_timestamp().map(|t| t.secs()), Some(delete_at));

    // Deleting again is refused by default, answered as it is when the behaviour says so.
    let err = client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect_err("already pending deletion");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert_eq!(
        err.message(),
        Some(format!("The backup {id} is already pending deletion.").as_str())
    );
    control.set_behaviour(Behaviour {
        repeated_delete: RepeatedDelete::AnswerAsIs,
        ..Behaviour::default()
    });
    let again = client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("answered as it is");
    let again = again.backup().expect("the backup");
    assert_eq!(again.backup_state(), Some(&BackupState::PendingDeletion));
    assert_eq!(again.delete_timestamp().map(|t| t.secs()), Some(delete_at));

    let out = client
        .restore_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("RestoreBackup");
    let b = out.backup().expect("the backup");
    assert_eq!(b.backup_state(), Some(&BackupState::Ready));
    assert!(b.delete_timestamp().is_none());
    let err = client
        .restore_backup()
        .backup_id(&id)
        .send()
        .await
        .expect_err("not pending deletion");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("only a backup pending deletion can be restored")),
        "{err:?}"
    );

    // A backup being made cannot be deleted; unknown and malformed ids.
    let making = control.seed_backup(BackupSpec {
        state: Some("CREATE_IN_PROGRESS".into()),
        ..BackupSpec::default()
    });
    let err = client
        .delete_backup()
        .backup_id(&making)
        .send()
        .await
        .expect_err("CREATE_IN_PROGRESS");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("CREATE_IN_PROGRESS")),
        "{err:?}"
    );
    let err = client
        .delete_backup()
        .backup_id("backup-zzzzzzzzzzz")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    assert_eq!(
        err.message(),
        Some("The backup backup-zzzzzzzzzzz does not exist.")
    );
    let err = client
        .restore_backup()
        .backup_id("backup-1")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("backup-[2-7a-zA-Z]{11,16}")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_deleted_backup_is_gone_once_its_window_has_passed() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            backup_deletion_window: Duration::from_millis(300),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let control = emulator.control();
    let client = client(&emulator);
    let id = ready_backup(&control);
    client
        .delete_backup()
        .backup_id(&id)
        .send()
        .await
        .expect("DeleteBackup");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        backup_shown(&client, &id).await.is_none(),
        "DELETED is hidden"
    );
    assert_eq!(
        control.backup_json(&id).expect("truth")["BackupState"],
        "DELETED"
    );
    let err = client
        .restore_backup()
        .backup_id(&id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    // Out of band: back to READY.
    assert!(control.set_backup_state(&id, "READY"));
    assert!(!control.set_backup_state("backup-zzzzzzzzzzz", "READY"));
    assert_eq!(
        backup_shown(&client, &id)
            .await
            .and_then(|b| b.backup_state().cloned()),
        Some(BackupState::Ready)
    );
}

#[tokio::test]
async fn modify_backup_attributes_sets_never_expires() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = ready_backup(&control);
    let out = client
        .modify_backup_attributes()
        .backup_id(&id)
        .never_expires(true)
        .send()
        .await
        .expect("ModifyBackupAttributes");
    let b = out.backup().expect("the backup");
    assert_eq!(b.never_expires(), Some(true));
    assert_eq!(b.backup_id(), id);
    assert_eq!(b.tag_list()[0].key(), "team");
    let exempt = backups_where(&client, "neverExpires", &["true"]).await;
    assert_eq!(exempt.len(), 1);
    assert_eq!(exempt[0].backup_id(), id);
    client
        .modify_backup_attributes()
        .backup_id(&id)
        .never_expires(false)
        .send()
        .await
        .expect("back");
    assert!(backups_where(&client, "neverExpires", &["true"])
        .await
        .is_empty());
    let err = client
        .modify_backup_attributes()
        .backup_id(&id)
        .send()
        .await
        .expect_err("NeverExpires is required");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .modify_backup_attributes()
        .backup_id("backup-zzzzzzzzzzz")
        .never_expires(true)
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
}

#[tokio::test]
async fn tags_of_backups_and_clusters_with_their_rules_and_pages() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = ready_backup(&control);
    client
        .tag_resource()
        .resource_id(&id)
        .tag_list(tag("team", "platform"))
        .tag_list(tag("env", "prod"))
        .tag_list(tag("Name", "Ünïcode: a/b=c+d-e@f_g.h"))
        .send()
        .await
        .expect("TagResource");
    let listed = |client: aws_sdk_cloudhsmv2::Client, id: String| async move {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = client
                .list_tags()
                .resource_id(&id)
                .max_results(2)
                .set_next_token(token)
                .send()
                .await
                .expect("ListTags");
            all.extend(
                out.tag_list()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string())),
            );
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return all;
            }
        }
    };
    let tags = vec![
        ("team".to_string(), "platform".to_string()),
        ("env".to_string(), "prod".to_string()),
        ("Name".to_string(), "Ünïcode: a/b=c+d-e@f_g.h".to_string()),
    ];
    assert_eq!(listed(client.clone(), id.clone()).await, tags);
    let shown = backup_shown(&client, &id).await.expect("the backup");
    assert_eq!(shown.tag_list().len(), 3);
    client
        .untag_resource()
        .resource_id(&id)
        .tag_key_list("team")
        .tag_key_list("not-there")
        .send()
        .await
        .expect("UntagResource");
    assert_eq!(listed(client.clone(), id.clone()).await, tags[1..].to_vec());

    // Clusters are tagged the same way.
    let cluster = control.seed_cluster(ClusterSpec {
        tags: vec![("owner".into(), "me".into())],
        ..ClusterSpec::default()
    });
    client
        .tag_resource()
        .resource_id(&cluster)
        .tag_list(tag("owner", "you"))
        .send()
        .await
        .expect("TagResource on a cluster");
    let c = describe_one(&client, &cluster).await;
    assert_eq!(c.tag_list().len(), 1);
    assert_eq!(c.tag_list()[0].value(), "you");
    assert_eq!(
        listed(client.clone(), cluster.clone()).await,
        vec![("owner".to_string(), "you".to_string())]
    );

    // The rules: lengths, alphabet, the aws: namespace, at most 50 a resource.
    let long_key = "k".repeat(129);
    let cases: Vec<(aws_sdk_cloudhsmv2::types::Tag, &str, String)> = vec![
        (
            tag(&long_key, "v"),
            "CloudHsmInvalidRequestException",
            format!("1 validation error detected: Value '{long_key}' at 'tagList.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"),
        ),
        (
            tag("k", &"v".repeat(257)),
            "CloudHsmInvalidRequestException",
            "Member must have length less than or equal to 256".to_string(),
        ),
        (
            tag("star*", "v"),
            "CloudHsmInvalidRequestException",
            r"Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$".to_string(),
        ),
        (
            tag("", "v"),
            "CloudHsmInvalidRequestException",
            "Member must have length greater than or equal to 1".to_string(),
        ),
        (
            tag("aws:created", "v"),
            "CloudHsmTagException",
            "reserved for AWS use".to_string(),
        ),
    ];
    for (bad, code, says) in cases {
        let err = client
            .tag_resource()
            .resource_id(&id)
            .tag_list(bad)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some(code), "{err:?}");
        assert!(err.message().is_some_and(|m| m.contains(&says)), "{err:?}");
    }
    let mut too_many = client.tag_resource().resource_id(&id);
    for i in 0..49 {
        too_many = too_many.tag_list(tag(&format!("k{i}"), "v"));
    }
    let err = too_many.send().await.expect_err("51 tags on the backup");
    assert_eq!(err.code(), Some("CloudHsmTagException"));
    assert!(
        err.message().is_some_and(|m| m.contains("at most 50 tags")),
        "{err:?}"
    );
    let err = client
        .tag_resource()
        .resource_id(&id)
        .send()
        .await
        .expect_err("no TagList");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .untag_resource()
        .resource_id(&id)
        .send()
        .await
        .expect_err("no TagKeyList");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .list_tags()
        .resource_id("hsm-abcdefghijk")
        .send()
        .await
        .expect_err("not a resource id");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("(?:cluster|backup)-[2-7a-zA-Z]{11,16}")),
        "{err:?}"
    );
    let err = client
        .list_tags()
        .resource_id(&id)
        .max_results(101)
        .send()
        .await
        .expect_err("at most 100");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .list_tags()
        .resource_id("cluster-zzzzzzzzzzz")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    // CreateCluster takes the same rules.
    let err = client
        .create_cluster()
        .hsm_type("hsm2m.medium")
        .subnet_ids("subnet-0123456789abcdef0")
        .tag_list(tag("aws:x", "y"))
        .send()
        .await
        .expect_err("reserved key");
    assert_eq!(err.code(), Some("CloudHsmTagException"));
}
