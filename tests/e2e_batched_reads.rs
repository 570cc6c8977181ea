//! End-to-end: Terraform refreshes many resources at once, and the provider answers them with
//! few DescribeClusters calls (reads that arrive together share one call). Call counts are
//! exact facts of the run, not timings.

mod support;

use cloudhsm_emulator::ClusterSpec;
use support::Workspace;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_of_thirty_resources_makes_at_most_three_describe_calls() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    let mut body = String::new();
    for n in 0..30 {
        let id = control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            ..Default::default()
        });
        body.push_str(&format!(
            "resource \"cloudhsm_cluster_config\" \"c{n}\" {{\n  cluster_id = \"{id}\"\n}}\n"
        ));
    }
    ws.write(&body);
    ws.apply().ok();
    control.clear_calls();
    let run = ws.run_with_env(
        &["plan", "-input=false", "-no-color"],
        &[("TF_LOG_PROVIDER", "debug")],
    );
    assert!(run.stdout.contains("No changes"), "{}", run.all());
    std::fs::write("/tmp/order.log", run.stderr.as_bytes()).ok();
    let calls = control.calls("DescribeClusters");
    let ids: usize = calls
        .iter()
        .map(|c| c["Filters"]["clusterIds"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(ids, 30, "every resource was read once: {calls:?}");
    assert!(
        calls.len() <= 3,
        "{} DescribeClusters calls for a refresh of 30 resources, of {:?} clusters",
        calls.len(),
        calls
            .iter()
            .map(|c| c["Filters"]["clusterIds"].as_array().map_or(0, Vec::len))
            .collect::<Vec<_>>()
    );
    assert_eq!(control.call_count("ModifyCluster"), 0);
}
