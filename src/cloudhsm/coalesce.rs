//! Read coalescing: concurrent reads of one kind of object (clusters, backups) share one
//! Describe call. A batch goes out as one call with an id filter (paged by the client), one
//! call at a time per client and kind; reads that arrive while a call is in flight join the
//! next batch. Each reader gets its own answer: its object, the error of the call that was
//! about it, or "not found" when the object is missing from the answer; an error of the whole
//! batch reaches each of its readers. Waits that poll at the same moments (see
//! [`super::wait`]) share calls the same way.
//!
//! How long a batch gathers: Terraform reads with a fixed parallelism (10 by default), so
//! while a burst of reads is under way, as many reads wait at once as that parallelism, and
//! when some are answered as many new ones follow, within milliseconds on an idle machine and
//! tens of milliseconds on a loaded one. In a burst, a batch gathers until it has as many ids
//! as the most reads seen waiting at once (a quiet gap does not close it: Terraform's next
//! reads come when its scheduler gets to them); outside one, until no read joined for a short
//! quiet gap; never longer than a cap. A batch
//! that had to wait for the call in flight gathers again for a moment once that call is
//! answered, so that the readers it answered, whose next reads come right after, join it:
//! a wave of reads split once (its first reads came far apart) does not stay split.
//!
//! The batch's call runs in a task of its own, so a reader that stops waiting (Terraform
//! asked the provider to stop, a deadline passed) never strands the others.
//!
//! Knows nothing of the objects it fetches (the caller's [`Fetch`] does), nor of Terraform.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::error::ApiError;

/// Each id's own answer: its object, or the error of the call that was about it. An id that
/// is missing is an object CloudHSM does not know.
pub type Answers<T> = BTreeMap<String, Result<T, ApiError>>;

/// The answer of one batch: each id's own answer, or the error of the whole batch.
pub type BatchAnswer<T> = Result<Arc<Answers<T>>, ApiError>;

/// How a batch is fetched: one Describe call (paged) for these ids.
pub type Fetch<T> =
    Arc<dyn Fn(Vec<String>) -> Pin<Box<dyn Future<Output = BatchAnswer<T>> + Send>> + Send + Sync>;

/// How a batch gathers.
#[derive(Clone, Copy, Debug)]
pub struct Gathering {
    /// Quiet gap that closes a batch with no recent batch before it (a lone read waits this).
    pub first_gap: Duration,
    /// How long after an answer the next batch still expects as many reads.
    pub follow_for: Duration,
    /// The most a batch gathers.
    pub cap: Duration,
}

impl Default for Gathering {
    fn default() -> Self {
        Gathering {
            first_gap: Duration::from_millis(10),
            follow_for: Duration::from_millis(250),
            cap: Duration::from_millis(60),
        }
    }
}

/// One batch being gathered or fetched.
struct Batch<T> {
    /// The ids, and when the last one joined.
    ids: Mutex<(BTreeSet<String>, Instant)>,
    answer: watch::Sender<Option<BatchAnswer<T>>>,
}

/// What the coalescer remembers between batches.
struct Shared<T> {
    /// The batch that still takes ids.
    gathering: Option<Arc<Batch<T>>>,
    /// Reads waiting for an answer now.
    waiting: usize,
    /// The most reads seen waiting at once since reads were last quiet: Terraform's
    /// parallelism, as far as this burst shows it.
    peak: usize,
    /// When the last batch was answered (a burst is under way while that is recent).
    answered_at: Option<Instant>,
}

impl<T> Shared<T> {
    fn in_burst(&self, gathering: &Gathering) -> bool {
        self.answered_at
            .is_some_and(|at| at.elapsed() < gathering.follow_for)
    }
}

/// A read counted in [`Shared::waiting`] until it is dropped (answered or abandoned).
struct Waiting<T>(Arc<Mutex<Shared<T>>>);

impl<T> Drop for Waiting<T> {
    fn drop(&mut self) {
        let mut shared = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        shared.waiting = shared.waiting.saturating_sub(1);
    }
}

/// Gathers reads into batches. Shared by every copy of one client.
pub struct Coalescer<T> {
    shared: Arc<Mutex<Shared<T>>>,
    /// Held while a batch's call is in flight: one call at a time.
    flight: Arc<tokio::sync::Mutex<()>>,
    gathering: Gathering,
    /// The Describe operation, for messages and the log.
    operation: &'static str,
}

impl<T: Clone + Send + Sync + 'static> Coalescer<T> {
    /// A coalescer for the reads `operation` answers (`DescribeClusters`).
    pub fn new(operation: &'static str, gathering: Gathering) -> Coalescer<T> {
        Coalescer {
            operation,
            shared: Arc::new(Mutex::new(Shared {
                gathering: None,
                waiting: 0,
                peak: 0,
                answered_at: None,
            })),
            flight: Arc::new(tokio::sync::Mutex::new(())),
            gathering,
        }
    }

    /// Waits for the batch holding `id` to be answered. The caller bounds the wait (deadline,
    /// stop); dropping it leaves the batch to the others.
    pub async fn read(&self, id: &str, fetch: &Fetch<T>) -> Result<Option<T>, ApiError> {
        let (batch, leads, _waiting) = {
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            if shared.waiting == 0 && !shared.in_burst(&self.gathering) {
                shared.peak = 0;
            }
            shared.waiting += 1;
            shared.peak = shared.peak.max(shared.waiting);
            let waiting = Waiting(self.shared.clone());
            let (batch, leads) = match shared.gathering.as_ref() {
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
            };
            (batch, leads, waiting)
        };
        let mut answer = batch.answer.subscribe();
        if leads {
            tokio::spawn(send(
                batch.clone(),
                self.shared.clone(),
                self.flight.clone(),
                self.gathering,
                self.operation,
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
            Some(Ok(found)) => found.get(id).cloned().transpose(),
            Some(Err(e)) => Err(e),
            None => Err(ApiError::Transport {
                operation: self.operation,
                detail: "the batched call ended without an answer".to_string(),
            }),
        }
    }
}

/// The leader's work: gather (see the module doc), wait for the call in flight (and gather
/// again for a moment if it had to), close the batch (later reads start the next one), fetch
/// it, and answer everyone.
async fn send<T>(
    batch: Arc<Batch<T>>,
    shared: Arc<Mutex<Shared<T>>>,
    flight: Arc<tokio::sync::Mutex<()>>,
    gathering: Gathering,
    operation: &'static str,
    fetch: Fetch<T>,
) {
    // In a burst, expect as many reads as were seen waiting at once (a lone read now and
    // then is no burst: single reads are waited on only for the short gap).
    let expected = || {
        let shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        Some(shared.peak).filter(|peak| *peak >= 2 && shared.in_burst(&gathering))
    };
    gather(&batch, expected(), Instant::now(), &gathering).await;
    let _flight = match flight.clone().try_lock_owned() {
        Ok(free) => free,
        Err(_) => {
            let taken = flight.lock_owned().await;
            // The call in flight was just answered: in a burst, its readers' next reads
            // come now.
            if let Some(more) = expected() {
                let from = Instant::now();
                gather(&batch, Some(more), from, &gathering).await;
            }
            taken
        }
    };
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
    tracing::debug!(ids = ids.len(), operation, "one call for a batch of reads");
    let answer = fetch(ids).await;
    shared
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .answered_at = Some(Instant::now());
    batch.answer.send_replace(Some(answer));
}

/// Lets ids join `batch` until it holds `expected` of them, or (with nothing expected) none
/// joined for the first gap, counted from the later of the last join and `from`; never longer
/// than `cap` from `from`.
async fn gather<T>(
    batch: &Batch<T>,
    expected: Option<usize>,
    from: Instant,
    gathering: &Gathering,
) {
    loop {
        let (count, last_join) = {
            let ids = batch.ids.lock().unwrap_or_else(PoisonError::into_inner);
            (ids.0.len(), ids.1)
        };
        if expected.is_some_and(|e| count >= e) {
            return;
        }
        let cap_at = from + gathering.cap;
        let close_at = match expected {
            Some(_) => cap_at,
            None => (last_join.max(from) + gathering.first_gap).min(cap_at),
        };
        if Instant::now() >= close_at {
            return;
        }
        // Wake at the quiet deadline, or sooner to look at the count again.
        tokio::time::sleep_until(close_at.min(Instant::now() + Duration::from_millis(1))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::cluster::Cluster;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn quick() -> Gathering {
        Gathering {
            first_gap: Duration::from_millis(5),
            follow_for: Duration::from_millis(1),
            cap: Duration::from_millis(10),
        }
    }

    /// A fetch that answers every id but `missing`, after `delay`, counting calls and ids.
    fn fake(calls: Arc<AtomicUsize>, delay: Duration, fail: bool) -> Fetch<Cluster> {
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
                            (id, Ok(c))
                        })
                        .collect(),
                ))
            })
        })
    }

    #[tokio::test]
    async fn concurrent_reads_share_one_call_and_each_gets_its_own_answer() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::new(Coalescer::new("DescribeClusters", quick()));
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
        let c = Arc::new(Coalescer::new("DescribeClusters", quick()));
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

    /// Reads the way Terraform makes them: `n` resources, `parallelism` at a time, each
    /// read started a moment after a slot frees; the second half of the first wave starts
    /// `stall` later than the first half. Returns the size of each call's batch.
    async fn terraform_like(
        n: usize,
        parallelism: usize,
        stall: Duration,
        latency: Duration,
    ) -> Vec<usize> {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let fetch: Fetch<Cluster> = {
            let sizes = sizes.clone();
            Arc::new(move |ids: Vec<String>| {
                let sizes = sizes.clone();
                Box::pin(async move {
                    sizes.lock().unwrap().push(ids.len());
                    tokio::time::sleep(latency).await;
                    Ok(Arc::new(
                        ids.into_iter()
                            .map(|id| {
                                (
                                    id.clone(),
                                    Ok(Cluster {
                                        id,
                                        ..Default::default()
                                    }),
                                )
                            })
                            .collect(),
                    ))
                })
            })
        };
        let c = Arc::new(Coalescer::new("DescribeClusters", Gathering::default()));
        let slots = Arc::new(tokio::sync::Semaphore::new(parallelism));
        let mut reads = Vec::new();
        for i in 0..n {
            let (c, fetch, slots) = (c.clone(), fetch.clone(), slots.clone());
            let permit = slots.acquire_owned().await.unwrap();
            reads.push(tokio::spawn(async move {
                if (parallelism / 2..parallelism).contains(&i) {
                    tokio::time::sleep(stall).await;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
                let found = c.read(&format!("cluster-{i:011}"), &fetch).await;
                tokio::time::sleep(Duration::from_millis(1)).await;
                drop(permit);
                found.unwrap().is_some()
            }));
        }
        for r in reads {
            assert!(r.await.unwrap());
        }
        let sizes = sizes.lock().unwrap().clone();
        sizes
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wave_split_once_heals_instead_of_staying_split() {
        // The first wave's halves come 40 ms apart: more than the quiet gap, so it is split.
        // With a call taking 30 ms, each half's readers come back while the other half's
        // call is in flight: without gathering again once that call is answered, every wave
        // after stays split (12 calls of 5, each a round trip of its own).
        let sizes =
            terraform_like(60, 10, Duration::from_millis(40), Duration::from_millis(30)).await;
        assert_eq!(sizes.iter().sum::<usize>(), 60);
        assert!(sizes.len() <= 8, "{sizes:?}");
        assert!(sizes.iter().filter(|s| **s == 10).count() >= 4, "{sizes:?}");
    }

    #[tokio::test]
    async fn an_error_reaches_every_reader_and_a_dropped_reader_strands_no_one() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::new(Coalescer::new("DescribeClusters", quick()));
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
