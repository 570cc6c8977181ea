//! Batching tests against the emulator: reads share DescribeClusters calls, split refused
//! filters and follow short pages. Sees the client only through its public calls.

use crate::test_support::emulated_aws;
use cloudhsm_emulator::{Behaviour, ClusterSpec, Timings};

/// The emulator with `n` clusters and `behaviour`, a client of it, and the clusters' ids.
async fn seeded(
    n: usize,
    behaviour: Behaviour,
) -> (
    crate::test_support::EmulatedAws,
    super::CloudHsm,
    Vec<String>,
) {
    let aws = emulated_aws(Timings::instant()).await;
    let ids = (0..n)
        .map(|_| aws.control.seed_cluster(ClusterSpec::default()))
        .collect();
    let client = aws.context.client().await.expect("client");
    aws.control.set_behaviour(behaviour);
    (aws, client, ids)
}

/// Reads every id at once through `client`; each reader gets its own cluster.
async fn read_all_at_once(client: &super::CloudHsm, ids: &[String]) {
    let answers = futures_util::future::join_all(ids.iter().map(|id| client.describe(id))).await;
    for (id, answer) in ids.iter().zip(&answers) {
        assert_eq!(
            answer.as_ref().expect("read").as_ref().map(|c| &c.id),
            Some(id)
        );
    }
}

#[tokio::test]
async fn reads_together_share_calls_and_an_unknown_id_is_not_found_for_its_reader_only() {
    let aws = emulated_aws(Timings::instant()).await;
    let ids: Vec<String> = (0..30)
        .map(|_| aws.control.seed_cluster(ClusterSpec::default()))
        .collect();
    let client = aws.context.client().await.expect("client");
    // Some regions refuse a whole filtered call that names an unknown cluster.
    aws.control.set_behaviour(Behaviour {
        unknown_id_not_found: true,
        ..Behaviour::default()
    });
    let unknown = "cluster-zzzzzzzzzzz".to_string();
    let reads = ids
        .iter()
        .chain(std::iter::once(&unknown))
        .map(|id| client.describe(id));
    let answers = futures_util::future::join_all(reads).await;
    for (id, answer) in ids.iter().zip(&answers) {
        assert_eq!(
            answer.as_ref().expect("read").as_ref().map(|c| &c.id),
            Some(id)
        );
    }
    assert!(
        matches!(answers.last(), Some(Ok(None))),
        "{:?}",
        answers.last()
    );
    // One batch: 31 ids in chunks of 25 and 6 side by side; the chunk CloudHSM refused
    // because of the unknown id (the last, in id order) is split in halves until the
    // unknown id stands alone: 3 + 3, then 2 + 1.
    assert_eq!(aws.control.call_count("DescribeClusters"), 2 + 2 + 2);
}

#[tokio::test]
async fn a_region_that_takes_fewer_ids_per_filter_is_still_read_and_then_asked_for_fewer() {
    let (aws, client, ids) = seeded(
        30,
        Behaviour {
            filter_value_limit: Some(4),
            ..Behaviour::default()
        },
    )
    .await;
    for _ in 0..2 {
        aws.control.clear_calls();
        read_all_at_once(&client, &ids).await;
    }
    // The first batch learned (refusals of 25, 13, 12, 7, 6 and 5 ids; the larger halves
    // of 6 and 5 are 3): the second names 3 ids a call and is never refused.
    let sizes = crate::test_support::describe_batch_sizes(&aws.control);
    assert_eq!(sizes, vec![3; 10]);
}

#[tokio::test]
async fn short_pages_are_followed_to_the_end() {
    // AWS may answer fewer clusters a page than MaxResults asks for.
    let (aws, client, ids) = seeded(
        7,
        Behaviour {
            page_limit: Some(2),
            ..Behaviour::default()
        },
    )
    .await;
    read_all_at_once(&client, &ids).await;
    // One batch of 7 ids: four pages of at most 2, each asking for the next.
    let calls = aws.control.calls("DescribeClusters");
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(calls[0].get("NextToken").is_none());
    assert!(calls[1..].iter().all(|c| c["NextToken"].is_string()));
    assert!(calls
        .iter()
        .all(|c| c["Filters"]["clusterIds"].as_array().map(Vec::len) == Some(7)));
}
