//! What reads show, through the real SDK: reads that lag behind writes (eventual
//! consistency), HSM type changes whose parts show in any order, a certificate that shows
//! after the INITIALIZED state, empty strings for absent values, and one cluster that a
//! batched read cannot describe.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType, ClusterState};
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{
    sign_csr, Behaviour, ClusterSpec, Emulator, EmulatorConfig, HsmTypeChangeOrder, Timings,
};
use common::{client, csr_of, describe_one};

fn retention(days: &str) -> BackupRetentionPolicy {
    BackupRetentionPolicy::builder()
        .r#type(BackupRetentionType::Days)
        .value(days)
        .build()
}

async fn emulator_with(timings: Timings, behaviour: Behaviour) -> Emulator {
    Emulator::start_with(EmulatorConfig {
        timings,
        behaviour,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// Initializes `id` with its CSR signed by an emulator-made CA; returns the certificate.
async fn initialize(client: &Client, id: &str, csr: &str) -> String {
    let signed = sign_csr(csr).expect("sign");
    let out = client
        .initialize_cluster()
        .cluster_id(id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("InitializeCluster accepted");
    assert_eq!(out.state(), Some(&ClusterState::InitializeInProgress));
    signed.signed_cert_pem
}

fn days_of(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Option<&str> {
    c.backup_retention_policy().and_then(|r| r.value())
}

fn certificate_of(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Option<&str> {
    c.certificates().and_then(|x| x.cluster_certificate())
}

fn hsm_types(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Vec<&str> {
    c.hsms().iter().filter_map(|h| h.hsm_type()).collect()
}

#[tokio::test]
async fn reads_lag_behind_writes_and_a_further_write_keeps_the_older_view() {
    let lag = Duration::from_millis(1000);
    let emulator = emulator_with(
        Timings {
            initialize: Duration::from_millis(200),
            ..Timings::instant()
        },
        Behaviour {
            read_lag: Some(lag),
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    let csr = csr_of(&client, &id).await;
    let certificate = initialize(&client, &id, &csr).await;

    // DescribeClusters still shows the cluster as it was before the write...
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert_eq!(
        c.certificates().and_then(|x| x.cluster_csr()),
        Some(csr.as_str())
    );
    // ...while the write path and the control surface see the real state.
    let real = control.cluster_json(&id).expect("cluster");
    assert_eq!(real["State"], "INITIALIZE_IN_PROGRESS");
    let signed = sign_csr(&csr).expect("sign");
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("a second InitializeCluster is refused");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("INITIALIZE_IN_PROGRESS")),
        "{err:?}"
    );
    // A states filter selects on the real state.
    let by_state = |state: &'static str| {
        let client = client.clone();
        async move {
            client
                .describe_clusters()
                .filters("states", vec![state.to_string()])
                .send()
                .await
                .expect("describe")
                .clusters()
                .len()
        }
    };
    assert_eq!(by_state("UNINITIALIZED").await, 0);
    assert_eq!(by_state("INITIALIZE_IN_PROGRESS").await, 1);

    // A further write during the lag: its own answer is fresh, reads keep the older view
    // and the lag now runs from this write.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let out = client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("30"))
        .send()
        .await
        .expect("ModifyCluster accepted");
    let fresh = out.cluster().expect("a cluster");
    assert_eq!(fresh.state(), Some(&ClusterState::Initialized));
    assert_eq!(days_of(fresh), Some("30"));
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert_eq!(days_of(&c), Some("90"));

    // Past the first write's lag, within the second's: still the view from before both.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert_eq!(days_of(&c), Some("90"));

    tokio::time::sleep(Duration::from_millis(400)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Initialized));
    assert_eq!(days_of(&c), Some("30"));
    assert_eq!(certificate_of(&c), Some(certificate.as_str()));
}

#[tokio::test]
async fn a_lagged_view_ends_with_complete_transitions_and_writes_without_change_take_none() {
    let emulator = emulator_with(Timings::instant(), Behaviour::default()).await;
    let control = emulator.control();
    control.set_read_lag(Some(Duration::from_secs(60)));
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    // The same retention again changes nothing: no lagged view.
    client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("90"))
        .send()
        .await
        .expect("accepted");
    client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("45"))
        .send()
        .await
        .expect("accepted");
    assert_eq!(days_of(&describe_one(&client, &id).await), Some("90"));
    assert_eq!(
        control.cluster_json(&id).expect("cluster")["BackupRetentionPolicy"]["Value"],
        "45"
    );
    // A control-surface change takes no view of its own; complete_transitions ends the lag.
    assert!(control.set_backup_retention_days(&id, 50));
    assert_eq!(days_of(&describe_one(&client, &id).await), Some("90"));
    assert!(control.complete_transitions(&id));
    assert_eq!(days_of(&describe_one(&client, &id).await), Some("50"));
    // Clearing the lag shows the real cluster at once.
    client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("60"))
        .send()
        .await
        .expect("accepted");
    assert_eq!(days_of(&describe_one(&client, &id).await), Some("50"));
    control.set_read_lag(None);
    assert_eq!(days_of(&describe_one(&client, &id).await), Some("60"));
}

#[tokio::test]
async fn the_parts_of_an_hsm_type_change_show_in_the_order_the_times_give() {
    let busy_message = "The cluster is busy; try again later.";
    let emulator = emulator_with(
        Timings {
            modify: Duration::from_millis(300),
            ..Timings::instant()
        },
        Behaviour {
            busy_message: Some(busy_message.into()),
            hsm_type_change: HsmTypeChangeOrder {
                busy_after: Some(Duration::from_millis(400)),
                cluster_type_after: Some(Duration::ZERO),
                hsm_types_after: Some(Duration::from_millis(900)),
                rollback_expiration_after: None,
            },
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..ClusterSpec::default()
    });
    let out = common::modify_hsm_type(&client, &id, "hsm2m.medium")
        .await
        .expect("the migration starts");
    // The answer: the new type at once, the state still ACTIVE, the HSMs not yet.
    let answer = out.cluster().expect("a cluster");
    assert_eq!(answer.state(), Some(&ClusterState::Active));
    assert_eq!(answer.hsm_type(), Some("hsm2m.medium"));
    assert_eq!(hsm_types(answer), vec!["hsm1.medium"]);
    assert!(answer.hsm_type_rollback_expiration().is_none());
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));
    // Already busy for the service, though the state does not say so yet.
    let err = client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(retention("30"))
        .send()
        .await
        .expect_err("refused as busy");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert_eq!(err.message(), Some(busy_message));

    tokio::time::sleep(Duration::from_millis(550)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::ModifyInProgress));
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));
    assert_eq!(hsm_types(&c), vec!["hsm1.medium"]);
    assert!(c.hsm_type_rollback_expiration().is_none());

    // Completes with the last part (the HSMs, at 900 ms), later than Timings::modify.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(hsm_types(&c), vec!["hsm2m.medium"]);
    assert!(c.hsm_type_rollback_expiration().is_some());
    assert_eq!(
        days_of(&c),
        Some("90"),
        "the refused change changed nothing"
    );

    // A rollback whose expiration goes at once and whose busy state is a minute away:
    // InitializeCluster is refused as busy too, and complete_transitions finishes it all.
    control.set_behaviour(Behaviour {
        busy_message: Some(busy_message.into()),
        hsm_type_change: HsmTypeChangeOrder {
            busy_after: Some(Duration::from_secs(60)),
            rollback_expiration_after: Some(Duration::ZERO),
            ..HsmTypeChangeOrder::default()
        },
        ..Behaviour::default()
    });
    let out = common::modify_hsm_type(&client, &id, "hsm1.medium")
        .await
        .expect("the rollback starts");
    let answer = out.cluster().expect("a cluster");
    assert_eq!(answer.state(), Some(&ClusterState::Active));
    assert_eq!(answer.hsm_type(), Some("hsm2m.medium"));
    assert!(answer.hsm_type_rollback_expiration().is_none());
    let signed = sign_csr(&control.cluster_csr_pem(&id).expect("a CSR")).expect("sign");
    let err = client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect_err("refused as busy");
    assert_eq!(err.message(), Some(busy_message));
    assert!(control.complete_transitions(&id));
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(c.hsm_type(), Some("hsm1.medium"));
    assert_eq!(hsm_types(&c), vec!["hsm1.medium"]);
    assert!(c.hsm_type_rollback_expiration().is_none());
}

#[tokio::test]
async fn the_certificate_can_show_a_while_after_the_initialized_state() {
    let emulator = emulator_with(
        Timings::instant(),
        Behaviour {
            certificate_after: Some(Duration::from_millis(500)),
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(ClusterSpec::default());
    let certificate = initialize(&client, &id, &csr_of(&client, &id).await).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Initialized));
    assert_eq!(certificate_of(&c), None);
    assert!(c.certificates().and_then(|x| x.hsm_certificate()).is_some());
    // The truth has it.
    assert_eq!(
        control.cluster_json(&id).expect("cluster")["Certificates"]["ClusterCertificate"],
        certificate.as_str()
    );
    tokio::time::sleep(Duration::from_millis(550)).await;
    let c = describe_one(&client, &id).await;
    assert_eq!(certificate_of(&c), Some(certificate.as_str()));
}

#[tokio::test]
async fn absent_strings_can_be_answered_as_empty_strings() {
    let emulator = emulator_with(
        Timings::instant(),
        Behaviour {
            blank_absent: true,
            ..Behaviour::default()
        },
    )
    .await;
    let control = emulator.control();
    let client = client(&emulator);
    let bare = control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..ClusterSpec::default()
    });
    let c = describe_one(&client, &bare).await;
    let certs = c.certificates().expect("certificates");
    assert_eq!(certs.cluster_csr(), Some(""));
    assert_eq!(certs.cluster_certificate(), Some(""));
    assert_eq!(certs.hsm_certificate(), Some(""));
    assert_eq!(certs.aws_hardware_certificate(), Some(""));
    assert_eq!(certs.manufacturer_hardware_certificate(), Some(""));
    assert_eq!(c.source_backup_id(), Some(""));
    assert!(c.state_message().is_some_and(|m| !m.is_empty()));

    let with_hsm = control.seed_cluster(ClusterSpec::default());
    let c = describe_one(&client, &with_hsm).await;
    let certs = c.certificates().expect("certificates");
    assert!(certs
        .cluster_csr()
        .is_some_and(|p| p.contains("CERTIFICATE REQUEST")));
    assert_eq!(certs.cluster_certificate(), Some(""));
    let out = client
        .modify_cluster()
        .cluster_id(&with_hsm)
        .backup_retention_policy(retention("30"))
        .send()
        .await
        .expect("accepted");
    let answer = out.cluster().expect("a cluster");
    assert_eq!(certificate_of(answer), Some(""));
    assert_eq!(answer.source_backup_id(), Some(""));

    control.set_behaviour(Behaviour::default());
    let c = describe_one(&client, &bare).await;
    assert_eq!(c.certificates().and_then(|x| x.cluster_csr()), None);
    assert_eq!(c.source_backup_id(), None);
}

#[tokio::test]
async fn a_cluster_that_cannot_be_described_fails_every_read_that_names_it() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let client = client(&emulator);
    let ids: Vec<String> = (0..3)
        .map(|_| control.seed_cluster(ClusterSpec::default()))
        .collect();
    control.set_behaviour(Behaviour {
        refuse_describe_of: vec![ids[1].clone()],
        ..Behaviour::default()
    });
    let err = client
        .describe_clusters()
        .filters("clusterIds", ids.clone())
        .send()
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    assert_eq!(
        err.message(),
        Some(
            format!(
                "The cluster {} cannot be described in this request.",
                ids[1]
            )
            .as_str()
        )
    );
    let out = client
        .describe_clusters()
        .filters("clusterIds", vec![ids[0].clone(), ids[2].clone()])
        .send()
        .await
        .expect("the others are described");
    assert_eq!(out.clusters().len(), 2);
    let out = client
        .describe_clusters()
        .send()
        .await
        .expect("a read naming no id is answered");
    assert_eq!(out.clusters().len(), 3);
}
