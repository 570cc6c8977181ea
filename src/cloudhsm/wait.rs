//! Waiting for an object (a cluster, a backup): polls with backoff until a check says done,
//! the deadline passes, or Terraform asks the provider to stop. Throttling, service faults
//! and network errors during a wait are not the end of it: the waiter keeps polling through
//! them until its deadline and only then gives up, naming the last error and the last state
//! seen.
//!
//! Waits share polls: they wake when [`super::poll_clock`] says (waits started together on
//! one schedule, every schedule on one grid), and the reads of waits that wake together go
//! out in one Describe call ([`super::coalesce`]). Ten resources waiting in one apply poll
//! together, not each on its own clock.
//!
//! No Terraform types here.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use super::client::CloudHsm;
use super::cluster::Cluster;
use super::error::ApiError;
use super::poll_clock::PollClock;

/// An AWS object a wait can poll.
pub trait Watched: Clone + Send + Sync + std::fmt::Debug + PartialEq + 'static {
    /// The object's kind as running text has it: `cluster`.
    const NOUN: &'static str;
    /// Its state in words, for messages: `INITIALIZE_IN_PROGRESS`.
    fn describe_state(&self) -> String;
    /// Reads it (`None`: CloudHSM does not know it), sharing calls with concurrent reads.
    fn read<'a>(
        client: &'a CloudHsm,
        id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Self>, ApiError>> + Send + 'a>>;
}

impl Watched for Cluster {
    const NOUN: &'static str = "cluster";

    fn describe_state(&self) -> String {
        Cluster::describe_state(self)
    }

    fn read<'a>(
        client: &'a CloudHsm,
        id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Self>, ApiError>> + Send + 'a>> {
        Box::pin(client.describe(id))
    }
}

/// What a waiter's check says about a cluster it just read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Done,
    Continue,
    /// The cluster reached a state it will not come back from by itself.
    Failed(String),
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum WaitError<T: Watched = Cluster> {
    #[error(
        "gave up after {waited_secs} s: {what}; the {} is {}{}",
        T::NOUN,
        describe_last(.last),
        last_error_text(.last_error)
    )]
    TimedOut {
        what: String,
        waited_secs: u64,
        last: Option<Box<T>>,
        /// The last failed call, when polling failed at the end.
        last_error: Option<ApiError>,
    },
    #[error("stopped waiting because Terraform asked the provider to stop; the {} is {}", T::NOUN, describe_last(.last))]
    Cancelled { last: Option<Box<T>> },
    #[error("the {} no longer exists", T::NOUN)]
    Gone,
    #[error("{reason}")]
    Failed {
        reason: String,
        last: Option<Box<T>>,
    },
    #[error("{error}")]
    Api {
        error: ApiError,
        last: Option<Box<T>>,
    },
}

fn describe_last<T: Watched>(last: &Option<Box<T>>) -> String {
    match last {
        Some(c) => c.describe_state(),
        None => "in an unknown state".to_string(),
    }
}

fn last_error_text(error: &Option<ApiError>) -> String {
    match error {
        Some(e) => format!("; the last call failed: {e}"),
        None => String::new(),
    }
}

impl<T: Watched> WaitError<T> {
    /// This error, with `cluster` as the last one seen when the wait had not seen one yet.
    pub fn or_last(self, cluster: &T) -> WaitError<T> {
        let fill = |last: Option<Box<T>>| last.or_else(|| Some(Box::new(cluster.clone())));
        match self {
            WaitError::TimedOut {
                what,
                waited_secs,
                last,
                last_error,
            } => WaitError::TimedOut {
                what,
                waited_secs,
                last: fill(last),
                last_error,
            },
            WaitError::Cancelled { last } => WaitError::Cancelled { last: fill(last) },
            WaitError::Failed { reason, last } => WaitError::Failed {
                reason,
                last: fill(last),
            },
            WaitError::Api { error, last } => WaitError::Api {
                error,
                last: fill(last),
            },
            WaitError::Gone => WaitError::Gone,
        }
    }

    /// The last object seen before giving up, if any.
    pub fn last_seen(&self) -> Option<&T> {
        match self {
            WaitError::TimedOut { last, .. }
            | WaitError::Cancelled { last }
            | WaitError::Failed { last, .. }
            | WaitError::Api { last, .. } => last.as_deref(),
            WaitError::Gone => None,
        }
    }
}

/// Whether the first look happens at once or after the first backoff delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstLook {
    Now,
    AfterDelay,
}

impl CloudHsm {
    /// Polls the cluster until `check` says done, `timeout` (or the operation's deadline,
    /// whichever is sooner) passes, or Terraform asks the provider to stop. The first poll
    /// comes after the backoff's first delay.
    pub async fn wait_for(
        &self,
        cluster_id: &str,
        what: &str,
        timeout: Duration,
        check: impl FnMut(&Cluster) -> Progress,
    ) -> Result<Cluster, WaitError> {
        self.poll(cluster_id, what, timeout, FirstLook::AfterDelay, check)
            .await
    }

    /// [`CloudHsm::wait_for`], choosing whether to look at the cluster at once.
    pub async fn poll(
        &self,
        cluster_id: &str,
        what: &str,
        timeout: Duration,
        first: FirstLook,
        check: impl FnMut(&Cluster) -> Progress,
    ) -> Result<Cluster, WaitError> {
        self.poll_object(cluster_id, what, timeout, first, check)
            .await
    }

    /// Polls the object `id` until `check` says done, `timeout` (or the operation's
    /// deadline, whichever is sooner) passes, or Terraform asks the provider to stop.
    pub async fn poll_object<T: Watched>(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        first: FirstLook,
        mut check: impl FnMut(&T) -> Progress,
    ) -> Result<T, WaitError<T>> {
        let started = Instant::now();
        let deadline = match self.deadline() {
            Some(d) => d.min(started + timeout),
            None => started + timeout,
        };
        let client = self.for_operation(Some(deadline));
        let stop = client.stop_token();
        let mut last: Option<Box<T>> = None;
        let mut last_error: Option<ApiError>;
        let mut clock = PollClock::start(self.backoff);
        let mut looked = false;
        loop {
            if looked || first == FirstLook::AfterDelay {
                let wake = clock.next_wake().min(deadline);
                tokio::select! {
                    _ = stop.cancelled() => return Err(WaitError::Cancelled { last }),
                    _ = tokio::time::sleep_until(wake) => {}
                }
            }
            looked = true;
            match T::read(&client, id).await {
                Ok(Some(found)) => {
                    tracing::debug!(id, state = %found.describe_state(), what, "polled");
                    last_error = None;
                    match check(&found) {
                        Progress::Done => return Ok(found),
                        Progress::Failed(reason) => {
                            return Err(WaitError::Failed {
                                reason,
                                last: Some(Box::new(found)),
                            })
                        }
                        Progress::Continue => last = Some(Box::new(found)),
                    }
                }
                Ok(None) => return Err(WaitError::Gone),
                Err(ApiError::Cancelled { .. }) => return Err(WaitError::Cancelled { last }),
                Err(e @ ApiError::DeadlineReached { .. }) => last_error = Some(e),
                Err(e) if e.is_transient() => {
                    tracing::warn!(id, what, error = %e, "polling failed; trying again until the deadline");
                    last_error = Some(e);
                }
                Err(error) => return Err(WaitError::Api { error, last }),
            }
            if Instant::now() >= deadline {
                return Err(WaitError::TimedOut {
                    what: what.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                    last,
                    last_error,
                });
            }
        }
    }
}

impl CloudHsm {
    /// Polls `find` (on the grid every wait shares) until it finds something, `timeout`
    /// passes (`Ok(None)`), or Terraform asks the provider to stop. A failed call is tried
    /// again until the timeout when it is transient. For objects found by something other
    /// than their id (a backup copy, by its source).
    pub async fn poll_until_found<T, F>(
        &self,
        what: &str,
        timeout: Duration,
        mut find: impl FnMut(CloudHsm) -> F,
    ) -> Result<Option<T>, ApiError>
    where
        F: Future<Output = Result<Option<T>, ApiError>>,
    {
        let started = Instant::now();
        let deadline = self
            .deadline()
            .map_or(started + timeout, |d| d.min(started + timeout));
        let client = self.for_operation(Some(deadline));
        let stop = client.stop_token();
        let mut clock = PollClock::start(self.backoff);
        loop {
            match find(client.clone()).await {
                Ok(Some(found)) => return Ok(Some(found)),
                Ok(None) => tracing::debug!(what, "not there yet"),
                Err(e @ ApiError::Cancelled { .. }) => return Err(e),
                Err(e) if e.is_transient() || matches!(e, ApiError::DeadlineReached { .. }) => {
                    tracing::warn!(what, error = %e, "looking failed; trying again until the deadline");
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            let wake = clock.next_wake().min(deadline);
            tokio::select! {
                _ = stop.cancelled() => return Err(ApiError::Cancelled { operation: "DescribeBackups" }),
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_names_the_last_state_and_the_last_error() {
        let e = WaitError::TimedOut {
            what: "the cluster to be INITIALIZED".into(),
            waited_secs: 7,
            last: Some(Box::new(Cluster {
                state: super::super::cluster::ClusterState::InitializeInProgress,
                ..Default::default()
            })),
            last_error: Some(ApiError::Service {
                operation: "DescribeClusters",
                kind: super::super::error::ErrorKind::Throttling,
                code: "ThrottlingException".into(),
                message: "Rate exceeded".into(),
                status: Some(400),
            }),
        };
        let text = e.to_string();
        assert!(text.contains("INITIALIZE_IN_PROGRESS"), "{text}");
        assert!(text.contains("ThrottlingException"), "{text}");
        assert!(text.contains("7 s"), "{text}");
    }
}
