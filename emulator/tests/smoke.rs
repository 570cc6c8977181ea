//! Smoke test: the SDK describes a seeded cluster.

mod common;

use cloudhsm_emulator::ClusterSpec;

#[tokio::test]
async fn sdk_describes_a_seeded_cluster() {
    let emulator = common::instant_emulator().await;
    let id = emulator.control().seed_cluster(ClusterSpec::default());
    let out = common::client(&emulator)
        .describe_clusters()
        .filters("clusterIds", vec![id.clone()])
        .send()
        .await
        .expect("describe");
    let clusters = out.clusters();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].cluster_id(), Some(id.as_str()));
    assert!(clusters[0]
        .certificates()
        .and_then(|c| c.cluster_csr())
        .is_some());
    assert!(clusters[0].create_timestamp().is_some());
}
