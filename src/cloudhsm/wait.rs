//! Waiting for a cluster: polls with backoff and jitter until a check says done, the
//! deadline passes, or Terraform asks the provider to stop. Throttling, service faults and
//! network errors during a wait are not the end of it: the waiter keeps polling through them
//! until its deadline and only then gives up, naming the last error and the last state seen.
//!
//! No Terraform types here.

use std::time::Duration;

use tokio::time::Instant;

use super::backoff::jitter_seed;
use super::client::CloudHsm;
use super::cluster::Cluster;
use super::error::ApiError;

/// What a waiter's check says about a cluster it just read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Done,
    Continue,
    /// The cluster reached a state it will not come back from by itself.
    Failed(String),
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum WaitError {
    #[error(
        "gave up after {waited_secs} s: {what}; the cluster is {}{}",
        describe_last(.last),
        last_error_text(.last_error)
    )]
    TimedOut {
        what: String,
        waited_secs: u64,
        last: Option<Box<Cluster>>,
        /// The last failed call, when polling failed at the end.
        last_error: Option<ApiError>,
    },
    #[error("stopped waiting because Terraform asked the provider to stop; the cluster is {}", describe_last(.last))]
    Cancelled { last: Option<Box<Cluster>> },
    #[error("the cluster no longer exists")]
    Gone,
    #[error("{reason}")]
    Failed {
        reason: String,
        last: Option<Box<Cluster>>,
    },
    #[error("{error}")]
    Api {
        error: ApiError,
        last: Option<Box<Cluster>>,
    },
}

fn describe_last(last: &Option<Box<Cluster>>) -> String {
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

impl WaitError {
    /// This error, with `cluster` as the last one seen when the wait had not seen one yet.
    pub fn or_last(self, cluster: &Cluster) -> WaitError {
        let fill = |last: Option<Box<Cluster>>| last.or_else(|| Some(Box::new(cluster.clone())));
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

    /// The last cluster seen before giving up, if any.
    pub fn last_seen(&self) -> Option<&Cluster> {
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
        mut check: impl FnMut(&Cluster) -> Progress,
    ) -> Result<Cluster, WaitError> {
        let started = Instant::now();
        let deadline = match self.deadline() {
            Some(d) => d.min(started + timeout),
            None => started + timeout,
        };
        let client = self.for_operation(Some(deadline));
        let stop = client.stop_token();
        let mut last: Option<Box<Cluster>> = None;
        let mut last_error: Option<ApiError>;
        let mut attempt = 0u32;
        loop {
            if attempt > 0 || first == FirstLook::AfterDelay {
                let delay = self.backoff.delay(attempt, jitter_seed());
                let wake = (Instant::now() + delay).min(deadline);
                tokio::select! {
                    _ = stop.cancelled() => return Err(WaitError::Cancelled { last }),
                    _ = tokio::time::sleep_until(wake) => {}
                }
            }
            attempt += 1;
            match client.describe(cluster_id).await {
                Ok(Some(cluster)) => {
                    tracing::debug!(cluster_id, state = %cluster.state, what, "polled cluster");
                    last_error = None;
                    match check(&cluster) {
                        Progress::Done => return Ok(cluster),
                        Progress::Failed(reason) => {
                            return Err(WaitError::Failed {
                                reason,
                                last: Some(Box::new(cluster)),
                            })
                        }
                        Progress::Continue => last = Some(Box::new(cluster)),
                    }
                }
                Ok(None) => return Err(WaitError::Gone),
                Err(ApiError::Cancelled { .. }) => return Err(WaitError::Cancelled { last }),
                Err(e @ ApiError::DeadlineReached { .. }) => last_error = Some(e),
                Err(e) if e.is_transient() => {
                    tracing::warn!(cluster_id, what, error = %e, "polling failed; trying again until the deadline");
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
