//! The behaviours AWS leaves undocumented, each shown through the real SDK: clusters busy
//! or degraded before they have a certificate, ModifyCluster on an UNINITIALIZED cluster,
//! retention changes that make the cluster busy, busy refusals worded differently, expired
//! rollback windows, and InitializeCluster's input pattern.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType, ClusterState};
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{
    Behaviour, ClusterSpec, Emulator, EmulatorConfig, ExpiredRollback, Timings,
};
use common::{client, describe_one, raw_http};
use serde_json::Value;

fn retention(days: &str) -> BackupRetentionPolicy {
    BackupRetentionPolicy::builder()
        .r#type(BackupRetentionType::Days)
        .value(days)
        .build()
}

async fn modify_retention(
    client: &Client,
    id: &str,
    days: &str,
) -> Result<aws_sdk_cloudhsmv2::types::Cluster, (String, String)> {
    client
        .modify_cluster()
        .cluster_id(id)
        .backup_retention_policy(retention(days))
        .send()
        .await
        .map(|out| out.cluster().cloned().expect("a cluster"))
        .map_err(|e| {
            (
                e.code().unwrap_or("").to_string(),
                e.message().unwrap_or("").to_string(),
            )
        })
}

fn certificate_of(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Option<&str> {
    c.certificates().and_then(|x| x.cluster_certificate())
}

#[tokio::test]
async fn force_state_never_adds_a_certificate() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    for state in ["DEGRADED", "UPDATE_IN_PROGRESS", "ACTIVE"] {
        assert!(control.force_state(&id, state));
        let c = describe_one(&client, &id).await;
        assert_eq!(c.state().map(|s| s.as_str()), Some(state));
        assert!(c.state_message().is_some_and(|m| !m.is_empty()));
        assert_eq!(certificate_of(&c), None, "{state}: no certificate");
        assert_eq!(
            c.certificates().and_then(|x| x.cluster_csr()),
            None,
            "{state}: the CSR shows only while UNINITIALIZED"
        );
    }
    // Back to UNINITIALIZED: the CSR shows again.
    assert!(control.force_state(&id, "UNINITIALIZED"));
    assert!(common::csr_of(&client, &id)
        .await
        .contains("CERTIFICATE REQUEST"));
    // And it never removes one either.
    let active = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    assert!(control.force_state(&active, "DEGRADED"));
    assert!(certificate_of(&describe_one(&client, &active).await).is_some());
    assert!(!control.force_state("cluster-zzzzzzzzzzz", "ACTIVE"));
    // set_state still certifies, as before.
    assert!(control.set_state(&id, "DEGRADED"));
    assert!(certificate_of(&describe_one(&client, &id).await).is_some());
}

#[tokio::test]
async fn busy_for_returns_by_itself_to_the_state_before_or_to_then() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    assert!(control.busy_for(&id, "UPDATE_IN_PROGRESS", Duration::from_millis(400), None));
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::UpdateInProgress));
    assert_eq!(certificate_of(&c), None);
    let (code, message) = modify_retention(&client, &id, "30")
        .await
        .expect_err("busy");
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("UPDATE_IN_PROGRESS"), "{message}");
    tokio::time::sleep(Duration::from_millis(450)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert_eq!(certificate_of(&c), None);

    assert!(control.busy_for(
        &id,
        "UPDATE_IN_PROGRESS",
        Duration::from_secs(60),
        Some("DEGRADED")
    ));
    assert!(control.complete_transitions(&id));
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Degraded));
    assert_eq!(certificate_of(&c), None, "a busy spell never certifies");
}

#[tokio::test]
async fn modify_on_an_uninitialized_cluster_can_be_refused() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    assert_eq!(control.behaviour(), Behaviour::default());
    assert!(control.behaviour().modify_uninitialized);
    modify_retention(&client, &id, "30")
        .await
        .expect("accepted by default");

    control.set_behaviour(Behaviour {
        modify_uninitialized: false,
        ..Behaviour::default()
    });
    let (code, message) = modify_retention(&client, &id, "31")
        .await
        .expect_err("refused");
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert!(message.contains("UNINITIALIZED"), "{message}");
    let err = common::modify_hsm_type(&client, &id, "hsm2m.medium")
        .await
        .expect_err("refused too");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let c = describe_one(&client, &id).await;
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("30")
    );
    assert_eq!(c.hsm_type(), Some("hsm1.medium"));

    // Initialized clusters are still modified.
    let active = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    modify_retention(&client, &active, "31")
        .await
        .expect("an ACTIVE cluster is modified");
}

#[tokio::test]
async fn a_retention_change_can_make_the_cluster_busy_for_a_while() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            update: Duration::from_millis(500),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("start");
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    let c = modify_retention(&client, &id, "30")
        .await
        .expect("accepted");
    assert_eq!(c.state(), Some(&ClusterState::UpdateInProgress));
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("30"),
        "the value is applied at once"
    );
    let during = describe_one(&client, &id).await;
    assert_eq!(during.state(), Some(&ClusterState::UpdateInProgress));
    assert_eq!(certificate_of(&during), None, "busy with no certificate");
    assert_eq!(during.certificates().and_then(|x| x.cluster_csr()), None);
    tokio::time::sleep(Duration::from_millis(550)).await;
    let after = describe_one(&client, &id).await;
    assert_eq!(after.state(), Some(&ClusterState::Uninitialized));
    assert!(after.certificates().and_then(|x| x.cluster_csr()).is_some());

    // An HSM type change still goes through MODIFY_IN_PROGRESS, not UPDATE_IN_PROGRESS.
    let active = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let out = client
        .modify_cluster()
        .cluster_id(&active)
        .hsm_type("hsm2m.medium")
        .backup_retention_policy(retention("40"))
        .send()
        .await
        .expect("migration");
    assert_eq!(
        out.cluster().and_then(|c| c.state()),
        Some(&ClusterState::ModifyInProgress)
    );

    // Timings: instant and the default leave retention changes instant; uniform does not.
    assert_eq!(Timings::instant().update, Duration::ZERO);
    assert_eq!(Timings::default().update, Duration::ZERO);
    assert_eq!(
        Timings::uniform(Duration::from_secs(3)).update,
        Duration::from_secs(3)
    );
    assert_eq!(
        Timings::uniform(Duration::from_secs(3)).rollback_window,
        cloudhsm_emulator::DEFAULT_ROLLBACK_WINDOW
    );
}

#[tokio::test]
async fn changes_can_be_refused_while_an_hsm_is_busy_and_the_cluster_looks_stable() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    // Off by default: an HSM on its way does not stop a change.
    control
        .add_hsm(&id, Duration::from_secs(600))
        .expect("cluster");
    modify_retention(&client, &id, "30")
        .await
        .expect("accepted");
    control.set_behaviour(Behaviour {
        refuse_while_hsm_busy: true,
        busy_message: Some("Request rejected.".into()),
        ..Behaviour::default()
    });
    let (code, message) = modify_retention(&client, &id, "40")
        .await
        .expect_err("refused while the HSM is created");
    assert_eq!(code, "CloudHsmInvalidRequestException");
    assert_eq!(message, "Request rejected.");
    let cluster = describe_one(&client, &id).await;
    assert_eq!(cluster.state(), Some(&ClusterState::Active));
    assert!(cluster
        .hsms()
        .iter()
        .any(|h| h.state().map(|s| s.as_str()) == Some("CREATE_IN_PROGRESS")));
    // Once the HSM is ACTIVE the change goes through.
    assert!(control.complete_transitions(&id));
    modify_retention(&client, &id, "40")
        .await
        .expect("accepted");
}

#[tokio::test]
async fn busy_refusals_can_be_worded_without_naming_the_state() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    const WORDING: &str = "Cluster is busy, try again later.";
    control.set_behaviour(Behaviour {
        busy_message: Some(WORDING.into()),
        ..Behaviour::default()
    });
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
            ..ClusterSpec::default()
        });
        let (code, message) = modify_retention(&client, &id, "30")
            .await
            .expect_err("busy");
        assert_eq!(code, "CloudHsmInvalidRequestException", "{state}");
        assert_eq!(message, WORDING, "{state}");

        let csr = control.cluster_csr_pem(&id).expect("CSR");
        let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign");
        let err = client
            .initialize_cluster()
            .cluster_id(&id)
            .signed_cert(&signed.signed_cert_pem)
            .trust_anchor(&signed.trust_anchor_pem)
            .send()
            .await
            .expect_err("busy");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
        assert_eq!(err.message(), Some(WORDING), "{state}");

        let err = client
            .delete_cluster()
            .cluster_id(&id)
            .send()
            .await
            .expect_err("busy");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
        assert_eq!(err.message(), Some(WORDING), "{state}");

        let err = client
            .create_hsm()
            .cluster_id(&id)
            .availability_zone("us-east-1a")
            .send()
            .await
            .expect_err("busy");
        assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
        assert_eq!(err.message(), Some(WORDING), "{state}");
    }
    // Refusals for other reasons keep their own words.
    let initialized = control.seed_cluster(ClusterSpec {
        state: Some("INITIALIZED".into()),
        ..ClusterSpec::default()
    });
    let csr = control.cluster_csr_pem(&initialized).expect("CSR");
    let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign");
    let err = client
        .initialize_cluster()
        .cluster_id(&initialized)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("already initialized");
    assert!(
        err.message().unwrap_or("").contains("INITIALIZED"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_expired_rollback_window_is_hidden_or_shown_and_refused_either_way() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        hsm_type: Some("hsm2m.medium".into()),
        ..ClusterSpec::default()
    });
    assert!(describe_one(&client, &id)
        .await
        .hsm_type_rollback_expiration()
        .is_none());

    // An open window: shown, and the rollback is accepted.
    assert!(control.set_rollback_window(&id, Some("hsm1.medium"), Some(3600)));
    let c = describe_one(&client, &id).await;
    let shown = c.hsm_type_rollback_expiration().expect("shown");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((shown.secs() - (now + 3600)).abs() <= 5, "{shown:?}");

    // An expired window: hidden by default, and the rollback is refused.
    assert!(control.set_rollback_window(&id, Some("hsm1.medium"), Some(-60)));
    assert!(describe_one(&client, &id)
        .await
        .hsm_type_rollback_expiration()
        .is_none());
    let rollback = || {
        client
            .modify_cluster()
            .cluster_id(&id)
            .hsm_type("hsm1.medium")
            .send()
    };
    let err = rollback().await.expect_err("expired");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));

    // ShowPast: the past timestamp stays visible; still refused.
    control.set_behaviour(Behaviour {
        expired_rollback: ExpiredRollback::ShowPast,
        ..Behaviour::default()
    });
    let shown = describe_one(&client, &id)
        .await
        .hsm_type_rollback_expiration()
        .copied()
        .expect("the past timestamp is shown");
    assert!(shown.secs() < now, "{shown:?}");
    let err = rollback().await.expect_err("still expired");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));

    // No previous type: no expiration and no rollback.
    assert!(control.set_rollback_window(&id, None, Some(3600)));
    assert!(describe_one(&client, &id)
        .await
        .hsm_type_rollback_expiration()
        .is_none());
    rollback().await.expect_err("nothing to roll back to");

    // Open again, with the configured window by default: the rollback runs.
    assert!(control.set_rollback_window(&id, Some("hsm1.medium"), None));
    rollback().await.expect("within the window");
    assert_eq!(
        describe_one(&client, &id).await.hsm_type(),
        Some("hsm1.medium")
    );
    assert!(!control.set_rollback_window("cluster-zzzzzzzzzzz", None, None));
}

#[tokio::test]
async fn the_rollback_window_of_a_migration_follows_the_timings() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            rollback_window: Duration::from_millis(700),
            ..Timings::instant()
        },
        ..EmulatorConfig::default()
    })
    .await
    .expect("start");
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    common::modify_hsm_type(&client, &id, "hsm2m.medium")
        .await
        .expect("migrate");
    let c = describe_one(&client, &id).await;
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));
    assert!(c.hsm_type_rollback_expiration().is_some());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let c = describe_one(&client, &id).await;
    assert!(
        c.hsm_type_rollback_expiration().is_none(),
        "hidden once passed"
    );
    let err = common::modify_hsm_type(&client, &id, "hsm1.medium")
        .await
        .expect_err("too late to roll back");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
}

#[tokio::test]
async fn initialize_refuses_text_outside_the_certificate_pattern_like_aws() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let signed = cloudhsm_emulator::sign_csr(&common::csr_of(&client, &id).await).expect("sign");
    let exported = format!(
        "Bag Attributes\n    localKeyID: 01 02\nsubject=/CN=x\n{}",
        signed.signed_cert_pem
    );
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&exported)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("refused");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_cloud_hsm_invalid_request_exception()),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(
            r"1 validation error detected: Value at 'signedCert' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9+-/=\s]*"
        )
    );
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(format!("{}\n# root", signed.trust_anchor_pem))
        .send()
        .await
        .expect_err("refused");
    assert!(
        err.message().unwrap_or("").contains("'trustAnchor'"),
        "{err:?}"
    );
    // The PEM alone passes.
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("accepted");
}

async fn control_call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let (status, _, body) = raw_http(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

#[tokio::test]
async fn behaviours_states_rollback_windows_and_timings_over_http() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    let state_path = format!("/_emulator/clusters/{id}/state");

    // Certify: false = force_state.
    let (status, v) = control_call(
        addr,
        "POST",
        &state_path,
        r#"{"State":"DEGRADED","Certify":false}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["State"], "DEGRADED");
    assert!(v["Certificates"].get("ClusterCertificate").is_none(), "{v}");

    // ForMs + Then = busy_for.
    let (status, v) = control_call(
        addr,
        "POST",
        &state_path,
        r#"{"State":"UPDATE_IN_PROGRESS","ForMs":300,"Then":"UNINITIALIZED"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["State"], "UPDATE_IN_PROGRESS");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Uninitialized)
    );
    // snake_case, and back to the state before when Then is absent.
    let (status, _) = control_call(
        addr,
        "POST",
        &state_path,
        r#"{"state":"MODIFY_IN_PROGRESS","for_ms":60000}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = control_call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{id}/complete"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Uninitialized)
    );
    for bad in [
        r#"{"State":"ACTIVE","Then":"DEGRADED"}"#,
        r#"{"State":"UPDATE_IN_PROGRESS","ForMs":10,"Then":"NOPE"}"#,
        r#"{"State":"UPDATE_IN_PROGRESS","ForMs":10,"Certify":true}"#,
        r#"{"State":"ACTIVE","Certify":"no"}"#,
    ] {
        let (status, v) = control_call(addr, "POST", &state_path, bad).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }

    // Rollback windows.
    let rollback_path = format!("/_emulator/clusters/{id}/rollback");
    let (status, v) = control_call(
        addr,
        "POST",
        &rollback_path,
        r#"{"PreviousHsmType":"hsm1.medium","ExpiresInSecs":-60}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v.get("HsmTypeRollbackExpiration").is_none(), "hidden: {v}");
    let (status, v) = control_call(
        addr,
        "POST",
        &rollback_path,
        r#"{"previous_hsm_type":"hsm1.medium","expires_in_secs":600}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["HsmTypeRollbackExpiration"].as_f64().is_some(), "{v}");
    let (status, v) =
        control_call(addr, "POST", &rollback_path, r#"{"PreviousHsmType":null}"#).await;
    assert_eq!(status, 200, "{v}");
    assert!(v.get("HsmTypeRollbackExpiration").is_none(), "{v}");
    let (status, _) = control_call(
        addr,
        "POST",
        "/_emulator/clusters/cluster-zzzzzzzzzzz/rollback",
        "{}",
    )
    .await;
    assert_eq!(status, 404);

    // Behaviour: partial updates, null clears the busy message.
    let (status, v) = control_call(addr, "GET", "/_emulator/behaviour", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        serde_json::json!({"ModifyUninitialized": true, "BusyMessage": null, "ExpiredRollback": "Hide", "DenyAssumeRole": [], "RefuseWhileHsmBusy": false, "UnknownIdNotFound": false, "AcceptUnverifiableSignatures": false, "PageLimit": null, "FilterValueLimit": null, "ReadLagMs": null, "HsmTypeChange": {"BusyAfterMs": null, "ClusterTypeAfterMs": null, "HsmTypesAfterMs": null, "RollbackExpirationAfterMs": null}, "CertificateAfterMs": null, "BlankAbsent": false, "RefuseDescribeOf": [], "CopyVisibilityLagMs": null, "CopyNeverAppears": false, "BackupFieldsAfterStateMs": null, "ShowDeletedBackups": false, "RepeatedDelete": "Refuse", "RegionNotEnabled": {"Code": "CloudHsmInvalidRequestException", "Message": null}, "UnsortedBackups": "NewestFirst"})
    );
    let (status, v) = control_call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"ModifyUninitialized":false,"BusyMessage":"busy","ExpiredRollback":"ShowPast","DenyAssumeRole":["arn:aws:iam::123456789012:role/no"],"RefuseWhileHsmBusy":true,"AcceptUnverifiableSignatures":true,"PageLimit":2,"filter_value_limit":5}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        control.behaviour(),
        Behaviour {
            modify_uninitialized: false,
            busy_message: Some("busy".into()),
            expired_rollback: ExpiredRollback::ShowPast,
            deny_assume_role: vec!["arn:aws:iam::123456789012:role/no".into()],
            refuse_while_hsm_busy: true,
            unknown_id_not_found: false,
            accept_unverifiable_signatures: true,
            page_limit: Some(2),
            filter_value_limit: Some(5),
            ..Behaviour::default()
        }
    );
    let (status, v) = control_call(
        addr,
        "POST",
        "/_emulator/behavior",
        r#"{"busy_message":null}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["BusyMessage"], Value::Null);
    assert_eq!(v["ModifyUninitialized"], false, "kept");
    for bad in [
        r#"{"ExpiredRollback":"Sometimes"}"#,
        r#"{"ModifyUninitialized":1}"#,
        r#"{"DenyAssumeRole":"x"}"#,
        r#"{"PageLimit":0}"#,
        r#"{"FilterValueLimit":"many"}"#,
    ] {
        let (status, _) = control_call(addr, "POST", "/_emulator/behaviour", bad).await;
        assert_eq!(status, 400, "{bad}");
    }

    // Timings: UpdateMs and RollbackWindowMs; AllMs keeps the rollback window.
    let (status, v) = control_call(
        addr,
        "POST",
        "/_emulator/timings",
        r#"{"UpdateMs":250,"RollbackWindowMs":5000}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["UpdateMs"], 250);
    assert_eq!(v["RollbackWindowMs"], 5000);
    assert_eq!(control.timings().update, Duration::from_millis(250));
    let (status, v) = control_call(addr, "POST", "/_emulator/timings", r#"{"AllMs":10}"#).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["UpdateMs"], 10);
    assert_eq!(v["RollbackWindowMs"], 5000);
}
