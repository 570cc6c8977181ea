//! End-to-end: Terraform refreshes many resources at once, and the provider answers them with
//! few DescribeClusters calls (reads that arrive together share one call). Call counts are
//! exact facts of the run, not timings.

mod support;

use std::time::Duration;

use cloudhsm_emulator::{Behaviour, Fault, FaultKind, Trigger};

/// Terraform reads 10 resources at a time. Each wave of 10 shares one call; the very first
/// reads of a refresh may go out without the rest of their wave (nothing tells the provider
/// yet that more are coming), and the rest then wait for that answer and go out together. So
/// 30 resources take 3 calls, or 4 when the first wave was split. DescribeClusters answers after 150 ms here, as AWS takes about that long:
/// with an emulator that answers at once, how reads group depends on how promptly a loaded
/// machine schedules Terraform, not on the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_of_thirty_resources_makes_at_most_four_describe_calls() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    ws.write(&support::cluster_configs(&control, 30));
    ws.apply().ok();
    control.clear_calls();
    control.inject(Fault {
        operation: Some("DescribeClusters".to_string()),
        kind: FaultKind::Latency(Duration::from_millis(150)),
        trigger: Trigger::Rate(1.0),
    });
    let run = ws.run(&["plan", "-input=false", "-no-color"]);
    control.clear_faults();
    assert!(run.stdout.contains("No changes"), "{}", run.all());
    let sizes = support::describe_batch_sizes(&control);
    assert_eq!(
        sizes.iter().sum::<usize>(),
        30,
        "every resource was read once: {:?}",
        control.calls("DescribeClusters")
    );
    assert!(
        sizes.len() <= 4,
        "{} DescribeClusters calls for a refresh of 30 resources, of {sizes:?} clusters",
        sizes.len(),
    );
    assert_eq!(control.call_count("ModifyCluster"), 0);

    // A region that answers short pages and takes only a few ids per filter (AWS documents
    // neither way): the same refresh still reads every cluster.
    control.set_behaviour(Behaviour {
        page_limit: Some(2),
        filter_value_limit: Some(4),
        ..Behaviour::default()
    });
    control.clear_calls();
    let run = ws.run(&["plan", "-input=false", "-no-color"]);
    assert!(run.stdout.contains("No changes"), "{}", run.all());
    let calls = control.calls("DescribeClusters");
    let answered: std::collections::BTreeSet<&str> = calls
        .iter()
        .filter_map(|c| c["Filters"]["clusterIds"].as_array())
        .filter(|ids| ids.len() <= 4)
        .flatten()
        .filter_map(|id| id.as_str())
        .collect();
    assert_eq!(
        answered.len(),
        30,
        "every cluster asked in a call CloudHSM takes"
    );
}
