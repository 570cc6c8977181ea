//! Regions through the real SDK: a call's signing region picks the clusters and backups it
//! sees and changes (CreateCluster included, availability zones named after it, ARNs of
//! the region's partition), and a region not enabled refuses every call signed for it.

mod common;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use cloudhsm_emulator::{BackupSpec, ClusterSpec};
use common::{backup_shown, client, client_in, describe_one};

fn ids_of(backups: &[aws_sdk_cloudhsmv2::types::Backup]) -> Vec<String> {
    backups.iter().map(|b| b.backup_id().to_string()).collect()
}

#[tokio::test]
async fn each_region_sees_and_changes_only_its_own_clusters_and_backups() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let east = client(&emulator);
    let west = client_in(&emulator, "eu-west-1");
    let a = control.seed_cluster(ClusterSpec::default());
    let b = control.seed_cluster(ClusterSpec {
        region: Some("eu-west-1".into()),
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    assert_eq!(control.cluster_region(&a).as_deref(), Some("us-east-1"));
    assert_eq!(control.cluster_region(&b).as_deref(), Some("eu-west-1"));
    let listed = |client: aws_sdk_cloudhsmv2::Client| async move {
        client
            .describe_clusters()
            .send()
            .await
            .expect("describe")
            .clusters()
            .iter()
            .filter_map(|c| c.cluster_id().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(east.clone()).await, vec![a.clone()]);
    assert_eq!(listed(west.clone()).await, vec![b.clone()]);
    // Availability zones follow the cluster's region.
    let mut zones: Vec<String> = describe_one(&west, &b)
        .await
        .subnet_mapping()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    zones.sort();
    assert_eq!(
        zones,
        vec!["eu-west-1a".to_string(), "eu-west-1b".to_string()]
    );
    let hsm_zone = describe_one(&west, &b).await.hsms()[0]
        .availability_zone()
        .map(str::to_string);
    assert_eq!(hsm_zone.as_deref(), Some("eu-west-1a"));
    // A cluster of another region is not found by any operation.
    let err = east
        .modify_cluster()
        .cluster_id(&b)
        .backup_retention_policy(
            aws_sdk_cloudhsmv2::types::BackupRetentionPolicy::builder()
                .r#type(aws_sdk_cloudhsmv2::types::BackupRetentionType::Days)
                .value("30")
                .build(),
        )
        .send()
        .await
        .expect_err("not in us-east-1");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    let err = east
        .delete_cluster()
        .cluster_id(&b)
        .send()
        .await
        .expect_err("not in us-east-1");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));

    // CreateCluster makes the cluster in the region the call was signed for.
    let created = west
        .create_cluster()
        .hsm_type("hsm2m.medium")
        .subnet_ids("subnet-0123456789abcdef0")
        .send()
        .await
        .expect("CreateCluster");
    let created = created.cluster().and_then(|c| c.cluster_id()).expect("id");
    assert_eq!(
        control.cluster_region(created).as_deref(),
        Some("eu-west-1")
    );
    let mut zones: Vec<String> = describe_one(&west, created)
        .await
        .subnet_mapping()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    zones.sort();
    assert_eq!(zones, vec!["eu-west-1a".to_string()]);
    assert_eq!(listed(east.clone()).await, vec![a.clone()]);

    // Backups too: each region lists its own, and cannot change another's.
    let east_backup = control.seed_backup(BackupSpec {
        cluster_id: Some(a.clone()),
        ..BackupSpec::default()
    });
    let west_backup = control.create_backup(&b).expect("backup of b");
    assert_eq!(
        control.backup_region(&west_backup).as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        ids_of(
            east.describe_backups()
                .send()
                .await
                .expect("east")
                .backups()
        ),
        vec![east_backup.clone()]
    );
    assert_eq!(
        ids_of(
            west.describe_backups()
                .send()
                .await
                .expect("west")
                .backups()
        ),
        vec![west_backup.clone()]
    );
    let arn = backup_shown(&west, &west_backup)
        .await
        .and_then(|b| b.backup_arn().map(str::to_string));
    assert_eq!(
        arn,
        Some(format!(
            "arn:aws:cloudhsm:eu-west-1:123456789012:backup/{west_backup}"
        ))
    );
    let err = east
        .delete_backup()
        .backup_id(&west_backup)
        .send()
        .await
        .expect_err("not in us-east-1");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));
    assert!(
        err.message().is_some_and(|m| m.contains(&west_backup)),
        "{err:?}"
    );
    let err = east
        .tag_resource()
        .resource_id(&b)
        .tag_list(common::tag("k", "v"))
        .send()
        .await
        .expect_err("not in us-east-1");
    assert_eq!(err.code(), Some("CloudHsmResourceNotFoundException"));

    // Another partition's region names its partition in the ARN.
    let gov = control.seed_backup(BackupSpec {
        region: Some("us-gov-west-1".into()),
        ..BackupSpec::default()
    });
    let arn = backup_shown(&client_in(&emulator, "us-gov-west-1"), &gov)
        .await
        .and_then(|b| b.backup_arn().map(str::to_string));
    assert_eq!(
        arn,
        Some(format!(
            "arn:aws-us-gov:cloudhsm:us-gov-west-1:123456789012:backup/{gov}"
        ))
    );
}

#[tokio::test]
async fn a_region_not_enabled_refuses_every_call_signed_for_it() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let hong_kong = client_in(&emulator, "ap-east-1");
    hong_kong.describe_backups().send().await.expect("enabled");
    control.disable_region("ap-east-1");
    assert_eq!(control.disabled_regions(), vec!["ap-east-1".to_string()]);
    for result in [
        hong_kong
            .describe_backups()
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    e.code().map(str::to_string),
                    e.message().map(str::to_string),
                )
            }),
        hong_kong
            .describe_clusters()
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    e.code().map(str::to_string),
                    e.message().map(str::to_string),
                )
            }),
    ] {
        let (code, message) = result.expect_err("not enabled");
        assert_eq!(code.as_deref(), Some("UnrecognizedClientException"));
        assert_eq!(
            message.as_deref(),
            Some("The security token included in the request is invalid.")
        );
    }
    client(&emulator)
        .describe_backups()
        .send()
        .await
        .expect("other regions are served");
    control.enable_region("ap-east-1");
    assert!(control.disabled_regions().is_empty());
    hong_kong
        .describe_backups()
        .send()
        .await
        .expect("enabled again");
}
