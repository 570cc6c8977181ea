//! A whole cluster lifecycle through the SDK: CreateCluster, CreateHsm (the CSR appears),
//! InitializeCluster, DeleteHsm, DeleteCluster, with the refusals along the way.

mod common;

use std::time::Duration;

use aws_sdk_cloudhsmv2::error::ProvideErrorMetadata;
use aws_sdk_cloudhsmv2::types::{ClusterState, HsmState};
use cloudhsm_emulator::{Emulator, EmulatorConfig, Timings};
use common::{client, describe_one};

#[tokio::test]
async fn create_initialize_and_delete_a_cluster() {
    let emulator = Emulator::start_with(EmulatorConfig {
        // Long enough never to elapse during the test: `complete` advances explicitly.
        timings: Timings::uniform(Duration::from_secs(60)),
        ..EmulatorConfig::default()
    })
    .await
    .expect("start");
    let client = client(&emulator);
    let control = emulator.control();

    let created = client
        .create_cluster()
        .hsm_type("hsm1.medium")
        .subnet_ids("subnet-0123456789abcdef0")
        .subnet_ids("subnet-0123456789abcdef1")
        .send()
        .await
        .expect("create");
    let cluster = created.cluster().expect("cluster");
    assert_eq!(cluster.state(), Some(&ClusterState::CreateInProgress));
    let id = cluster.cluster_id().expect("id").to_string();
    assert!(id.starts_with("cluster-"));
    let az = cluster
        .subnet_mapping()
        .and_then(|m| m.keys().next().cloned())
        .expect("an availability zone");

    // No HSM yet: creating one is refused while CREATE_IN_PROGRESS.
    let err = client
        .create_hsm()
        .cluster_id(&id)
        .availability_zone(&az)
        .send()
        .await
        .expect_err("still creating");
    assert!(
        err.message().unwrap_or("").contains("CREATE_IN_PROGRESS"),
        "{err:?}"
    );

    control.complete_transitions(&id);
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Uninitialized));
    assert!(
        c.certificates().and_then(|x| x.cluster_csr()).is_none(),
        "no CSR before an HSM"
    );

    let err = client
        .create_hsm()
        .cluster_id(&id)
        .availability_zone("eu-west-1c")
        .send()
        .await
        .expect_err("no subnet in that zone");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));

    let hsm = client
        .create_hsm()
        .cluster_id(&id)
        .availability_zone(&az)
        .send()
        .await
        .expect("create HSM");
    let hsm = hsm.hsm().expect("hsm");
    assert_eq!(hsm.state(), Some(&HsmState::CreateInProgress));
    let hsm_id = hsm.hsm_id().to_string();
    assert!(
        describe_one(&client, &id)
            .await
            .certificates()
            .and_then(|x| x.cluster_csr())
            .is_none(),
        "the CSR waits for an ACTIVE HSM"
    );

    control.complete_transitions(&id);
    let csr = common::csr_of(&client, &id).await;
    let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign");
    client
        .initialize_cluster()
        .cluster_id(&id)
        .signed_cert(&signed.signed_cert_pem)
        .trust_anchor(&signed.trust_anchor_pem)
        .send()
        .await
        .expect("initialize");
    control.complete_transitions(&id);
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Initialized)
    );

    let err = client
        .delete_cluster()
        .cluster_id(&id)
        .send()
        .await
        .expect_err("HSMs first");
    assert!(err.message().unwrap_or("").contains("HSM"), "{err:?}");

    let deleted = client
        .delete_hsm()
        .cluster_id(&id)
        .hsm_id(&hsm_id)
        .send()
        .await
        .expect("delete HSM");
    assert_eq!(deleted.hsm_id(), Some(hsm_id.as_str()));
    control.complete_transitions(&id);
    assert!(describe_one(&client, &id).await.hsms().is_empty());

    let out = client
        .delete_cluster()
        .cluster_id(&id)
        .send()
        .await
        .expect("delete cluster");
    assert_eq!(
        out.cluster().and_then(|c| c.state()),
        Some(&ClusterState::DeleteInProgress)
    );
    control.complete_transitions(&id);
    assert_eq!(
        describe_one(&client, &id).await.state(),
        Some(&ClusterState::Deleted)
    );
    let err = client
        .delete_cluster()
        .cluster_id(&id)
        .send()
        .await
        .expect_err("already deleted");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
}

#[tokio::test]
async fn create_cluster_validates_its_input() {
    let emulator = common::instant_emulator().await;
    let client = client(&emulator);
    let err = client
        .create_cluster()
        .hsm_type("hsm9.enormous")
        .subnet_ids("subnet-0123456789abcdef0")
        .send()
        .await
        .expect_err("unknown type");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .create_cluster()
        .hsm_type("hsm1.medium")
        .subnet_ids("not-a-subnet")
        .send()
        .await
        .expect_err("bad subnet");
    assert_eq!(err.code(), Some("CloudHsmInvalidRequestException"));
    let err = client
        .create_hsm()
        .cluster_id("cluster-zzzzzzzzzzz")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect_err("no cluster");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_cloud_hsm_resource_not_found_exception()));
    let err = client
        .delete_cluster()
        .cluster_id("cluster-zzzzzzzzzzz")
        .send()
        .await
        .expect_err("no cluster");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_cloud_hsm_resource_not_found_exception()));
}
