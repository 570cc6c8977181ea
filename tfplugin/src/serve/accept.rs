//! The accept loop: connections taken from a listener with a growing pause after failed
//! accepts, and TLS handshakes each in its own task, bounded in number and in time.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Io};

/// Where the accept loop takes connections from: the unix or TCP listener, or a test's
/// script.
pub(super) trait Accept: Send + Sync + 'static {
    /// The next connection, or the operating system's reason for not giving one (too many
    /// open files, a connection aborted before it was accepted, ...).
    fn accept(&self) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send;

    /// Waits `delay` before the next accept after a failed one. Tests replace the clock here.
    fn pause(&self, delay: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

/// Turns an accepted connection into a secure one: the TLS handshake, or a test's stand-in.
pub(super) trait Handshaker: Clone + Send + Sync + 'static {
    /// Completes the handshake on `stream`; the error says why it failed.
    fn handshake(
        &self,
        stream: Pin<Box<dyn Io>>,
    ) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send;
}

impl Handshaker for tokio_rustls::TlsAcceptor {
    fn handshake(
        &self,
        stream: Pin<Box<dyn Io>>,
    ) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send {
        let accepting = self.accept(stream);
        async move { Ok(Box::pin(accepting.await?) as Pin<Box<dyn Io>>) }
    }
}

/// How many TLS handshakes may be in progress at once. Clients that connect and then stall
/// would otherwise each hold a socket, a task and handshake state for up to
/// [`TLS_HANDSHAKE_TIMEOUT`](super::TLS_HANDSHAKE_TIMEOUT), without limit; past this bound new connections wait in the
/// listen backlog until a handshake ends (done, failed or timed out). Established
/// connections do not count. Terraform opens one or two connections, so it never waits.
pub(super) const MAX_TLS_HANDSHAKES: usize = 16;

/// The pause after the first of a run of failed accepts; each further failure doubles it.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);

/// The longest pause between failed accepts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The pauses between failed accepts, as Go's `net/http` server takes them: 5 ms, doubling
/// up to 1 s, and back to 5 ms after a successful accept. Without them an error that
/// persists (too many open files) would make the accept loop spin on a core.
#[derive(Debug, Default)]
struct AcceptBackoff {
    /// The last pause taken; zero when the last accept succeeded.
    last: Duration,
}

impl AcceptBackoff {
    /// One more failure in a row: how long to pause before accepting again.
    fn failed(&mut self) -> Duration {
        self.last = if self.last.is_zero() {
            ACCEPT_BACKOFF_MIN
        } else {
            (self.last * 2).min(ACCEPT_BACKOFF_MAX)
        };
        self.last
    }

    /// An accept succeeded: the next failure pauses the shortest time again.
    fn succeeded(&mut self) {
        self.last = Duration::ZERO;
    }
}

/// The next connection from `listener`, pausing after each failed accept as `backoff`
/// says; `None` once `shutdown` is cancelled, even in the middle of a pause.
async fn accept_next(
    listener: &impl Accept,
    backoff: &mut AcceptBackoff,
    shutdown: &CancellationToken,
) -> Option<Pin<Box<dyn Io>>> {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return None,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok(stream) => {
                backoff.succeeded();
                return Some(stream);
            }
            Err(e) => {
                let pause = backoff.failed();
                tracing::warn!(error = %e, retry_in = ?pause, "accepting a connection failed; trying again after a pause");
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    () = listener.pause(pause) => {}
                }
            }
        }
    }
}

/// Accepts connections and, with TLS, completes each handshake in its own task, so a slow
/// or hostile client cannot hold up the others; at most [`MAX_TLS_HANDSHAKES`] run at once,
/// and one that takes longer than `handshake_timeout` is abandoned and its connection
/// dropped. Failed accepts are retried after a pause (see [`AcceptBackoff`]). Ends when
/// `shutdown` is cancelled or the server is gone.
pub(super) async fn accept_loop(
    listener: impl Accept,
    handshaker: Option<impl Handshaker>,
    handshake_timeout: Duration,
    sender: mpsc::Sender<io::Result<Connection>>,
    shutdown: CancellationToken,
) {
    let mut backoff = AcceptBackoff::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_TLS_HANDSHAKES));
    loop {
        let Some(handshaker) = &handshaker else {
            let Some(stream) = accept_next(&listener, &mut backoff, &shutdown).await else {
                return;
            };
            if sender.send(Ok(Connection(stream))).await.is_err() {
                return;
            }
            continue;
        };
        // A handshake slot before the connection: while every slot is taken, new
        // connections wait in the listen backlog, holding nothing of ours.
        let slot = tokio::select! {
            _ = shutdown.cancelled() => return,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else {
            return; // never closed
        };
        let Some(stream) = accept_next(&listener, &mut backoff, &shutdown).await else {
            return;
        };
        tokio::spawn(secure(
            handshaker.clone(),
            stream,
            slot,
            handshake_timeout,
            sender.clone(),
            shutdown.clone(),
        ));
    }
}

/// Completes the handshake on `stream` within `handshake_timeout`, gives back its `slot`,
/// and hands the connection to the server, or logs why it was dropped.
async fn secure(
    handshaker: impl Handshaker,
    stream: Pin<Box<dyn Io>>,
    slot: tokio::sync::OwnedSemaphorePermit,
    handshake_timeout: Duration,
    sender: mpsc::Sender<io::Result<Connection>>,
    shutdown: CancellationToken,
) {
    let handshake = tokio::time::timeout(handshake_timeout, handshaker.handshake(stream));
    let outcome = tokio::select! {
        _ = shutdown.cancelled() => return,
        outcome = handshake => outcome,
    };
    // The handshake is over, however it ended: the next connection may start its own.
    drop(slot);
    match outcome {
        Ok(Ok(secured)) => {
            let _ = sender.send(Ok(Connection(secured))).await;
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "refused a connection that failed the TLS handshake")
        }
        Err(_) => tracing::warn!(
            timeout_s = handshake_timeout.as_secs_f64(),
            "dropped a connection that did not complete the TLS handshake in time"
        ),
    }
}
