//! The converge step every simple change shares: send a write, then watch the object until
//! the change is seen to have taken effect ("done" is never the absence of "busy"). A write
//! that failed in a way that may have taken effect is not sent again before the object was
//! watched for it ([`Patience::unseen_write`](super::Patience)); a transient refusal is tried
//! again after a pause, a few times; any other refusal ends it. Works for any
//! [`Watched`] object (a backup's attributes and tags; a cluster's, one day).
//!
//! No Terraform types here.

use std::future::Future;
use std::time::Duration;

use super::{retry_pause, MAX_RETRIES};
use crate::cloudhsm::client::CloudHsm;
use crate::cloudhsm::error::ApiError;
use crate::cloudhsm::wait::{FirstLook, Progress, WaitError, Watched};

/// How a converge step ended without the change seen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConvergeError<T: Watched> {
    /// CloudHSM refused the write; nothing changed.
    #[error("{0}")]
    Refused(ApiError),
    /// The write may have taken effect, but it was not seen in time (or the wait ended).
    #[error("{0}")]
    Wait(WaitError<T>),
}

impl<T: Watched> ConvergeError<T> {
    /// Whether the object may have changed (the write was accepted, or may have been).
    pub fn may_have_changed(&self) -> bool {
        matches!(self, ConvergeError::Wait(_))
    }
}

impl CloudHsm {
    /// Sends `write` and watches `id` until `seen` says the change took effect, within
    /// `timeout` (and the operation's deadline). `what` names the change for messages.
    pub async fn converge<T, W, F>(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        mut write: W,
        seen: impl Fn(&T) -> bool + Send,
    ) -> Result<T, ConvergeError<T>>
    where
        T: Watched,
        W: FnMut() -> F,
        F: Future<Output = Result<(), ApiError>>,
    {
        let client = self.for_operation(Some(
            self.deadline()
                .map_or(tokio::time::Instant::now() + timeout, |d| {
                    d.min(tokio::time::Instant::now() + timeout)
                }),
        ));
        let judge = |t: &T| {
            if seen(t) {
                Progress::Done
            } else {
                Progress::Continue
            }
        };
        let started = tokio::time::Instant::now();
        let mut tries = 0u32;
        loop {
            tries += 1;
            match write().await {
                Ok(()) => {
                    return client
                        .poll_object(id, what, client.remaining(), FirstLook::Now, judge)
                        .await
                        .map_err(ConvergeError::Wait)
                }
                Err(e) if e.may_have_taken_effect() => {
                    // The write may be in: look before sending it again.
                    tracing::warn!(id, what, error = %e, "the write may have taken effect; looking");
                    let grace = client.patience.unseen_write.min(client.remaining());
                    match client
                        .poll_object(id, what, grace, FirstLook::Now, judge)
                        .await
                    {
                        Ok(t) => return Ok(t),
                        Err(WaitError::TimedOut { .. }) if tries <= MAX_RETRIES => {}
                        Err(other) => return Err(ConvergeError::Wait(other)),
                    }
                }
                Err(e) if e.is_transient() && tries <= MAX_RETRIES => {
                    tracing::warn!(id, what, error = %e, "refused for now; trying again");
                    client.pause(retry_pause(tries)).await;
                }
                Err(e) => return Err(ConvergeError::Refused(e)),
            }
            if client.is_stopped() {
                return Err(ConvergeError::Wait(WaitError::Cancelled { last: None }));
            }
            if client.remaining().is_zero() {
                return Err(ConvergeError::Wait(WaitError::TimedOut {
                    what: what.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                    last: None,
                    last_error: None,
                }));
            }
        }
    }
}
