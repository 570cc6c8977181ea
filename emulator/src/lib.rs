//! CloudHSM v2 API emulator: a stand-in for AWS in tests and in the offline demo.
//!
//! [`Emulator::start`] serves the AWS JSON 1.1 protocol (`POST /` with
//! `X-Amz-Target: BaldrApiService.<Operation>`, SigV4 required) on `127.0.0.1` and a small
//! control API under `/_emulator/`; [`Emulator::control`] gives the same control surface
//! in-process (seed clusters, drift, timings, fault injection, call record).

mod api;
pub mod config;
pub mod control;
mod control_http;
pub mod error;
pub mod faults;
mod model;
pub mod pki;
mod server;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{ClusterSpec, EmulatorConfig, Timings};
pub use control::Control;
pub use error::{ApiError, PkiError};
pub use faults::{Fault, FaultKind, Trigger};
pub use pki::{sign_csr, SignedMaterial};

/// A running emulator. Dropping it stops the server (without waiting).
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    control: Control,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts on `127.0.0.1` with a free port and the default (short, a few seconds)
    /// transition timings.
    pub async fn start() -> io::Result<Emulator> {
        Emulator::start_with(EmulatorConfig::default()).await
    }

    /// Starts with the given configuration.
    pub async fn start_with(config: EmulatorConfig) -> io::Result<Emulator> {
        let authorities = pki::Authorities::new().map_err(io::Error::other)?;
        let store = model::Store::new(
            config.timings.clone(),
            config.region.clone(),
            config.vpc_id.clone(),
            authorities,
        );
        let shared = Arc::new(control::Shared::new(store));
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let (shutdown, _) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), shutdown.clone()));
        tracing::info!("cloudhsm-emulator listening on http://{addr}");
        Ok(Emulator {
            addr,
            control: Control { shared },
            shutdown,
            task: Some(task),
        })
    }

    /// The base URL to give the SDK as `endpoint_url`, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle on the emulator's state.
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Resolves once a shutdown was asked for (`POST /_emulator/shutdown`, or
    /// [`Emulator::shutdown`] / drop from elsewhere).
    pub async fn shutdown_requested(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the
    /// server to stop.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
