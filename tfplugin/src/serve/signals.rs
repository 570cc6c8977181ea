//! Stopping from outside: SIGTERM (and SIGINT or Ctrl-C in `--debug` mode), the parent
//! process going away, and [`stop_provider`], which every way of stopping calls first.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::interface::Provider;

/// Calls [`Provider::stop`]; a panic in it is logged, never propagated, so that the
/// shutdown that follows always happens.
pub(super) fn stop_provider(provider: &dyn Provider) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| provider.stop())).is_err() {
        tracing::error!("the provider panicked while stopping its work in flight");
    }
}

/// Once a stopping signal arrives (see [`stop_signal`]): stop work in flight, then shut down
/// gracefully (requests in flight finish and answer first). The handlers are installed before
/// this returns, so no signal that arrives later is lost or fatal.
pub(super) fn watch_signals(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> tokio::task::JoinHandle<()> {
    let signal = stop_signal(debug);
    tokio::spawn(async move {
        let Some(name) = signal.await else {
            return;
        };
        tracing::info!(signal = name, "stopping");
        stop_provider(&*provider);
        shutdown.cancel();
    })
}

/// On unix, SIGTERM stops the plugin. SIGINT is ignored, as go-plugin plugins do, because
/// Terraform stops the plugin itself after a Ctrl-C; in `debug` mode it stops the plugin too.
/// Installs the handlers now; the future answers the name of the signal that stops the
/// plugin, or `None` when the handlers could not be installed.
#[cfg(unix)]
fn stop_signal(debug: bool) -> impl std::future::Future<Output = Option<&'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            tracing::warn!("could not install signal handlers");
            return None;
        };
        loop {
            tokio::select! {
                _ = term.recv() => return Some("SIGTERM"),
                _ = int.recv() => {
                    if debug {
                        return Some("SIGINT");
                    }
                    tracing::debug!(
                        signal = "SIGINT",
                        "ignored: Terraform stops the plugin with StopProvider and Shutdown"
                    );
                }
            }
        }
    }
}

/// Windows has no SIGTERM or SIGINT; Ctrl-C is handled as SIGINT is on unix: ignored, as
/// go-plugin plugins do, because Terraform stops the plugin itself after a Ctrl-C; in `debug`
/// mode it stops the plugin. Installs the handler now, and it stays installed, so a Ctrl-C
/// never falls through to Windows' default handler, which would end the process at once.
#[cfg(windows)]
fn stop_signal(debug: bool) -> impl std::future::Future<Output = Option<&'static str>> {
    let handler = tokio::signal::windows::ctrl_c();
    async move {
        let Ok(mut ctrl_c) = handler else {
            tracing::warn!("could not install the Ctrl-C handler");
            return None;
        };
        loop {
            ctrl_c.recv().await?;
            if debug {
                return Some("Ctrl-C");
            }
            tracing::debug!(
                signal = "Ctrl-C",
                "ignored: Terraform stops the plugin with StopProvider and Shutdown"
            );
        }
    }
}

/// Terraform normally ends the plugin with `Shutdown`; if Terraform itself dies (a crash,
/// SIGKILL), the plugin would live on as an orphan holding its pipes. Outside `debug` mode,
/// stop when the parent process changes.
#[cfg(unix)]
pub(super) fn watch_parent(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    (!debug).then(|| tokio::spawn(watch_parent_id(provider, shutdown)))
}

/// Other systems have no portable parent-process id to watch: no watch.
#[cfg(not(unix))]
pub(super) fn watch_parent(
    _provider: Arc<dyn Provider>,
    _shutdown: CancellationToken,
    _debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    None
}

#[cfg(unix)]
async fn watch_parent_id(provider: Arc<dyn Provider>, shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if std::os::unix::process::parent_id() != parent {
            tracing::warn!("Terraform is gone; stopping");
            stop_provider(&*provider);
            shutdown.cancel();
            return;
        }
    }
}
