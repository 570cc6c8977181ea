//! Read coalescing: concurrent reads of clusters share DescribeClusters calls. A batch goes
//! out as one call with a `clusterIds` filter (paged by the client), one call at a time per
//! client; reads that arrive while a call is in flight join the next batch. Each reader gets
//! its own cluster; a cluster missing from the answer is "not found" for that reader only;
//! an error reaches every reader of that batch.
//!
//! How long a batch gathers: Terraform reads with a fixed parallelism, so when a batch of k
//! reads is answered, about k new reads follow within milliseconds. In such a burst, the next
//! batch gathers until it has as many ids as the burst's largest batch, or no read joined for
//! a quiet gap; outside one, until a shorter quiet gap; never longer than a cap.
//!
//! The batch's call runs in a task of its own, so a reader that stops waiting (Terraform
//! asked the provider to stop, a deadline passed) never strands the others.
//!
//! Knows the client's describe call; knows nothing of Terraform.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::cluster::Cluster;
use super::error::ApiError;

/// The answer of one batch: every cluster found, by id, or the error of the call.
pub type BatchAnswer = Result<Arc<BTreeMap<String, Cluster>>, ApiError>;

/// How a batch is fetched: one DescribeClusters (paged) for these ids.
pub type Fetch =
    Arc<dyn Fn(Vec<String>) -> Pin<Box<dyn Future<Output = BatchAnswer> + Send>> + Send + Sync>;

/// How a batch gathers.
#[derive(Clone, Copy, Debug)]
pub struct Gathering {
    /// Quiet gap that closes a batch with no recent batch before it (a lone read waits this).
    pub first_gap: Duration,
    /// Quiet gap that closes a batch soon after another was answered.
    pub follow_gap: Duration,
    /// How long after an answer the next batch still expects as many reads.
    pub follow_for: Duration,
    /// The most a batch gathers.
    pub cap: Duration,
}

impl Default for Gathering {
    fn default() -> Self {
        Gathering {
            first_gap: Duration::from_millis(10),
            follow_gap: Duration::from_millis(20),
            follow_for: Duration::from_millis(250),
            cap: Duration::from_millis(60),
        }
    }
}

/// One batch being gathered or fetched.
struct Batch {
    /// The ids, and when the last one joined.
    ids: Mutex<(BTreeSet<String>, Instant)>,
    answer: watch::Sender<Option<BatchAnswer>>,
}

/// What the coalescer remembers between batches.
struct Shared {
    /// The batch that still takes ids.
    gathering: Option<Arc<Batch>>,
    /// The largest batch of the current burst of reads, and when the last batch was answered.
    burst: Option<(usize, Instant)>,
}

/// Gathers reads into batches. Shared by every copy of one client.
pub struct Coalescer {
    shared: Arc<Mutex<Shared>>,
    /// Held while a batch's call is in flight: one call at a time.
    flight: Arc<tokio::sync::Mutex<()>>,
    gathering: Gathering,
}

impl Coalescer {
    pub fn new(gathering: Gathering) -> Coalescer {
        Coalescer {
            shared: Arc::new(Mutex::new(Shared {
                gathering: None,
                burst: None,
            })),
            flight: Arc::new(tokio::sync::Mutex::new(())),
            gathering,
        }
    }

    /// Waits for the batch holding `id` to be answered. The caller bounds the wait (deadline,
    /// stop); dropping it leaves the batch to the others.
    pub async fn read(&self, id: &str, fetch: &Fetch) -> Result<Option<Cluster>, ApiError> {
        let (batch, leads) = {
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            match shared.gathering.as_ref() {
                Some(batch) => {
                    let mut ids = batch.ids.lock().unwrap_or_else(PoisonError::into_inner);
                    ids.0.insert(id.to_string());
                    ids.1 = Instant::now();
                    drop(ids);
                    (batch.clone(), false)
                }
                None => {
                    let batch = Arc::new(Batch {
                        ids: Mutex::new((BTreeSet::from([id.to_string()]), Instant::now())),
                        answer: watch::channel(None).0,
                    });
                    shared.gathering = Some(batch.clone());
                    (batch, true)
                }
            }
        };
        let mut answer = batch.answer.subscribe();
        if leads {
            tokio::spawn(send(
                batch.clone(),
                self.shared.clone(),
                self.flight.clone(),
                self.gathering,
                fetch.clone(),
            ));
        }
        let answered = answer
            .wait_for(Option::is_some)
            .await
            .map(|a| a.clone())
            .ok()
            .flatten();
        match answered {
            Some(Ok(found)) => Ok(found.get(id).cloned()),
            Some(Err(e)) => Err(e),
            None => Err(ApiError::Transport {
                operation: "DescribeClusters",
                detail: "the batched call ended without an answer".to_string(),
            }),
        }
    }
}

/// The leader's work: gather (see the module doc), wait for the call in flight, close the
/// batch (later reads start the next one), fetch it, and answer everyone.
async fn send(
    batch: Arc<Batch>,
    shared: Arc<Mutex<Shared>>,
    flight: Arc<tokio::sync::Mutex<()>>,
    gathering: Gathering,
    fetch: Fetch,
) {
    let started = Instant::now();
    // In a burst, expect as many reads as its largest batch so far (a lone read now and then
    // is no burst: single reads are waited on only for the short gap).
    let expected = shared
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .burst
        .filter(|(size, at)| *size >= 2 && at.elapsed() < gathering.follow_for)
        .map(|(size, _)| size);
    let gap = if expected.is_some() {
        gathering.follow_gap
    } else {
        gathering.first_gap
    };
    loop {
        let (count, last_join) = {
            let ids = batch.ids.lock().unwrap_or_else(PoisonError::into_inner);
            (ids.0.len(), ids.1)
        };
        if expected.is_some_and(|e| count >= e) {
            break;
        }
        let close_at = (last_join + gap).min(started + gathering.cap);
        if Instant::now() >= close_at {
            break;
        }
        // Wake at the quiet deadline, or sooner to look at the count again.
        tokio::time::sleep_until(close_at.min(Instant::now() + Duration::from_millis(1))).await;
    }
    let _flight = flight.lock_owned().await;
    {
        let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        if shared
            .gathering
            .as_ref()
            .is_some_and(|b| Arc::ptr_eq(b, &batch))
        {
            shared.gathering = None;
        }
    }
    let ids: Vec<String> = batch
        .ids
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .0
        .iter()
        .cloned()
        .collect();
    tracing::debug!(
        clusters = ids.len(),
        "DescribeClusters for a batch of reads"
    );
    let size = ids.len();
    let answer = fetch(ids).await;
    {
        let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        let largest = match shared.burst {
            Some((largest, at)) if at.elapsed() < gathering.follow_for => largest.max(size),
            _ => size,
        };
        shared.burst = Some((largest, Instant::now()));
    }
    batch.answer.send_replace(Some(answer));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn quick() -> Gathering {
        Gathering {
            first_gap: Duration::from_millis(5),
            follow_gap: Duration::from_millis(5),
            follow_for: Duration::from_millis(1),
            cap: Duration::from_millis(10),
        }
    }

    /// A fetch that answers every id but `missing`, after `delay`, counting calls and ids.
    fn fake(calls: Arc<AtomicUsize>, delay: Duration, fail: bool) -> Fetch {
        Arc::new(move |ids: Vec<String>| {
            let calls = calls.clone();
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                if fail {
                    return Err(ApiError::Transport {
                        operation: "DescribeClusters",
                        detail: "reset".into(),
                    });
                }
                Ok(Arc::new(
                    ids.into_iter()
                        .filter(|id| id != "missing")
                        .map(|id| {
                            let c = Cluster {
                                id: id.clone(),
                                ..Default::default()
                            };
                            (id, c)
                        })
                        .collect(),
                ))
            })
        })
    }

    #[tokio::test]
    async fn concurrent_reads_share_one_call_and_each_gets_its_own_answer() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::new(Coalescer::new(quick()));
        let fetch = fake(calls.clone(), Duration::from_millis(20), false);
        let reads: Vec<_> = ["a", "b", "c", "missing"]
            .into_iter()
            .map(|id| {
                let (c, fetch) = (c.clone(), fetch.clone());
                tokio::spawn(async move { c.read(id, &fetch).await })
            })
            .collect();
        let mut answers = Vec::new();
        for r in reads {
            answers.push(r.await.unwrap().unwrap().map(|c| c.id));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            answers,
            vec![Some("a".into()), Some("b".into()), Some("c".into()), None]
        );
    }

    #[tokio::test]
    async fn reads_during_a_call_go_out_together_in_the_next() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::new(Coalescer::new(quick()));
        let fetch = fake(calls.clone(), Duration::from_millis(40), false);
        let first = {
            let (c, fetch) = (c.clone(), fetch.clone());
            tokio::spawn(async move { c.read("a", &fetch).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await; // the first call is in flight
        let later: Vec<_> = ["b", "c", "d"]
            .into_iter()
            .map(|id| {
                let (c, fetch) = (c.clone(), fetch.clone());
                tokio::spawn(async move { c.read(id, &fetch).await })
            })
            .collect();
        assert!(first.await.unwrap().unwrap().is_some());
        for r in later {
            assert!(r.await.unwrap().unwrap().is_some());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_error_reaches_every_reader_and_a_dropped_reader_strands_no_one() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::new(Coalescer::new(quick()));
        let failing = fake(calls.clone(), Duration::from_millis(10), true);
        let (a, b) = tokio::join!(c.read("a", &failing), c.read("b", &failing));
        assert!(a.is_err() && b.is_err());
        assert_eq!(a.unwrap_err(), b.unwrap_err());

        // The leader gives up at once; the other reader of its batch still gets its answer.
        let fetch = fake(calls.clone(), Duration::from_millis(20), false);
        let leader = {
            let (c, fetch) = (c.clone(), fetch.clone());
            tokio::spawn(async move { c.read("x", &fetch).await })
        };
        tokio::task::yield_now().await;
        let follower = c.read("y", &fetch);
        leader.abort();
        assert_eq!(follower.await.unwrap().map(|c| c.id), Some("y".to_string()));
    }
}
