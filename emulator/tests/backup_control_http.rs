//! The `/_emulator/` control routes for backups and regions over HTTP, and the backup
//! timings and behaviours there, seen through the SDK.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::BackupState;
use cloudhsm_emulator::{AwsRefusal, Behaviour, RepeatedDelete, UnsortedBackups};
use common::{backup_shown, client, client_in, raw_http};
use serde_json::{json, Value};

async fn call(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let (status, _, body) = raw_http(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await;
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, value)
}

#[tokio::test]
async fn backups_and_regions_over_http() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let control = emulator.control();

    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/clusters",
        r#"{"State":"ACTIVE","Region":"eu-west-1","Mode":"NON_FIPS"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let cluster = v["ClusterId"].as_str().expect("ClusterId").to_string();
    assert_eq!(
        control.cluster_region(&cluster).as_deref(),
        Some("eu-west-1")
    );
    let (status, v) = call(addr, "POST", "/_emulator/clusters", r#"{"Mode":"FAST"}"#).await;
    assert_eq!(status, 400, "{v}");

    // A cluster's backup now, in its region and mode.
    let (status, v) = call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{cluster}/backups"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let made = v["BackupId"].as_str().expect("BackupId").to_string();
    let west = client_in(&emulator, "eu-west-1");
    let shown = backup_shown(&west, &made).await.expect("in eu-west-1");
    assert_eq!(shown.mode().map(|m| m.as_str()), Some("NON_FIPS"));
    let (status, _) = call(
        addr,
        "POST",
        "/_emulator/clusters/cluster-zzzzzzzzzzz/backups",
        "",
    )
    .await;
    assert_eq!(status, 404);

    // Seeding, in either spelling, with timestamps in epoch seconds.
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/backups",
        r#"{"BackupId":"backup-demodemodemo","ClusterId":"cluster-demodemodemo","State":"CREATE_IN_PROGRESS","NeverExpires":true,"Tags":{"team":"data"},"CreateTimestamp":1700000000.5,"HsmType":"hsm2m.medium","ReadyAfterMs":300}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["BackupId"], "backup-demodemodemo");
    let east = client(&emulator);
    let shown = backup_shown(&east, "backup-demodemodemo")
        .await
        .expect("seeded");
    assert_eq!(shown.backup_state(), Some(&BackupState::CreateInProgress));
    assert_eq!(shown.never_expires(), Some(true));
    assert_eq!(shown.hsm_type(), Some("hsm2m.medium"));
    assert_eq!(
        shown.create_timestamp().map(|t| t.as_secs_f64()),
        Some(1_700_000_000.5)
    );
    assert_eq!(shown.tag_list()[0].value(), "data");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let shown = backup_shown(&east, "backup-demodemodemo")
        .await
        .expect("seeded");
    assert_eq!(shown.backup_state(), Some(&BackupState::Ready));
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/backups",
        r#"{"region":"us-west-2","source_region":"us-east-1","source_backup":"backup-demodemodemo","copy_timestamp":1700000100}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let copy = v["BackupId"].as_str().expect("BackupId").to_string();
    for (body, says) in [
        (r#"{"State":"GONE"}"#, "not a backup state"),
        (r#"{"BackupId":"backup-1"}"#, "does not match"),
        (r#"{"ClusterId":"hsm-abcdefghijk"}"#, "does not match"),
        (r#"{"CreateTimestamp":"yesterday"}"#, "epoch seconds"),
        (r#"{"Mode":"FAST"}"#, "FIPS or NON_FIPS"),
    ] {
        let (status, v) = call(addr, "POST", "/_emulator/backups", body).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert!(v["Error"].as_str().is_some_and(|e| e.contains(says)), "{v}");
    }

    // Reading the truth: every region, a copy's fields.
    let (status, v) = call(addr, "GET", "/_emulator/backups", "").await;
    assert_eq!(status, 200);
    assert_eq!(v["Backups"].as_array().map(Vec::len), Some(3));
    let (status, v) = call(addr, "GET", &format!("/_emulator/backups/{copy}"), "").await;
    assert_eq!(status, 200);
    assert_eq!(v["SourceRegion"], "us-east-1");
    assert_eq!(v["SourceBackup"], "backup-demodemodemo");
    assert_eq!(v["CopyTimestamp"], 1_700_000_100.0);
    assert_eq!(
        v["BackupArn"],
        format!("arn:aws:cloudhsm:us-west-2:123456789012:backup/{copy}")
    );
    let (status, _) = call(addr, "GET", "/_emulator/backups/backup-zzzzzzzzzzz", "").await;
    assert_eq!(status, 404);

    // State out of band, and complete.
    let (status, v) = call(
        addr,
        "POST",
        &format!("/_emulator/backups/{made}/state"),
        r#"{"State":"PENDING_DELETION"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["BackupState"], "PENDING_DELETION");
    assert!(v["DeleteTimestamp"].is_number(), "{v}");
    let (status, _) = call(
        addr,
        "POST",
        &format!("/_emulator/backups/{made}/state"),
        r#"{"State":"LOST"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        addr,
        "POST",
        "/_emulator/backups/backup-zzzzzzzzzzz/complete",
        "",
    )
    .await;
    assert_eq!(status, 404);
    let (status, v) = call(
        addr,
        "POST",
        &format!("/_emulator/backups/{made}/complete"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{v}");

    // Regions.
    let (status, v) = call(addr, "POST", "/_emulator/regions/ap-east-1/disable", "").await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"DisabledRegions": ["ap-east-1"]}));
    let err = client_in(&emulator, "ap-east-1")
        .describe_backups()
        .send()
        .await
        .expect_err("not enabled");
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    let (_, v) = call(addr, "GET", "/_emulator/regions", "").await;
    assert_eq!(v, json!({"DisabledRegions": ["ap-east-1"]}));
    let (status, v) = call(addr, "POST", "/_emulator/regions/ap-east-1/enable", "").await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"DisabledRegions": []}));
}

#[tokio::test]
async fn backup_timings_and_behaviours_over_http() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let control = emulator.control();

    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/timings",
        r#"{"BackupMs":1500,"copy_visible_after_ms":250,"CopyReadyAfterMs":500,"BackupDeletionWindowMs":60000}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["BackupMs"], 1500);
    assert_eq!(v["CopyVisibleAfterMs"], 250);
    assert_eq!(v["CopyReadyAfterMs"], 500);
    assert_eq!(v["BackupDeletionWindowMs"], 60000);
    let t = control.timings();
    assert_eq!(t.backup, Duration::from_millis(1500));
    assert_eq!(t.copy_ready_after, Duration::from_millis(500));
    // AllMs sets every transition, not the deletion window.
    let (_, v) = call(addr, "POST", "/_emulator/timings", r#"{"AllMs":10}"#).await;
    assert_eq!(v["CopyVisibleAfterMs"], 10);
    assert_eq!(v["BackupDeletionWindowMs"], 60000);

    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"CopyVisibilityLagMs":2000,"CopyNeverAppears":true,"BackupFieldsAfterStateMs":300,"ShowDeletedBackups":true,"RepeatedDelete":"AnswerAsIs","RegionNotEnabled":{"Code":"CloudHsmAccessDeniedException","Message":"no"},"UnsortedBackups":"OldestFirst"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        control.behaviour(),
        Behaviour {
            copy_visibility_lag: Some(Duration::from_millis(2000)),
            copy_never_appears: true,
            backup_fields_after_state: Some(Duration::from_millis(300)),
            show_deleted_backups: true,
            repeated_delete: RepeatedDelete::AnswerAsIs,
            region_not_enabled: AwsRefusal {
                code: "CloudHsmAccessDeniedException".into(),
                message: Some("no".into()),
            },
            unsorted_backups: UnsortedBackups::OldestFirst,
            ..Behaviour::default()
        }
    );
    assert_eq!(
        v["RegionNotEnabled"],
        json!({"Code": "CloudHsmAccessDeniedException", "Message": "no"})
    );
    // Null clears; a partial RegionNotEnabled keeps the other member.
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"CopyVisibilityLagMs":null,"BackupFieldsAfterStateMs":null,"RegionNotEnabled":{"Message":null}}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let b = control.behaviour();
    assert_eq!(b.copy_visibility_lag, None);
    assert_eq!(b.backup_fields_after_state, None);
    assert_eq!(b.region_not_enabled.code, "CloudHsmAccessDeniedException");
    assert_eq!(b.region_not_enabled.message, None);
    let (_, v) = call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"RegionNotEnabled":null}"#,
    )
    .await;
    assert_eq!(
        v["RegionNotEnabled"],
        json!({"Code": "CloudHsmInvalidRequestException", "Message": null})
    );
    for body in [
        r#"{"RepeatedDelete":"Sometimes"}"#,
        r#"{"UnsortedBackups":"Random"}"#,
        r#"{"RegionNotEnabled":{"Code":"AccessDenied"}}"#,
        r#"{"RegionNotEnabled":"no"}"#,
        r#"{"CopyNeverAppears":"yes"}"#,
    ] {
        let (status, v) = call(addr, "POST", "/_emulator/behaviour", body).await;
        assert_eq!(status, 400, "{body}: {v}");
    }
    let (_, v) = call(addr, "GET", "/_emulator/behaviour", "").await;
    assert_eq!(v["UnsortedBackups"], "OldestFirst");
    assert_eq!(v["RepeatedDelete"], "AnswerAsIs");
    assert_eq!(v["CopyNeverAppears"], true);
}
