//! CloudHSM v2 API emulator: a stand-in for AWS in tests and in the offline demo.
//!
//! [`Emulator::start`] serves the AWS JSON 1.1 protocol (`POST /` with
//! `X-Amz-Target: BaldrApiService.<Operation>`, SigV4 scoped to `cloudhsm` required) on
//! `127.0.0.1` with a small control API under `/_emulator/`, and on a second port an STS
//! emulation ([`Emulator::sts_endpoint_url`]: `AssumeRole`, `GetCallerIdentity`, SigV4
//! scoped to `sts`; `AssumeRoleWithWebIdentity`, unsigned as the SDK sends it), and on the
//! first port Secrets Manager's `GetSecretValue` for seeded secrets, IAM Identity Center's
//! portal and the EC2 instance metadata service (IMDSv2, under `/latest/`). Requests
//! signed for any region of any partition, and sent with any `Host` (a proxy relaying real
//! endpoint names), are served. Every cluster and backup belongs to one region: the signing
//! region of a call picks the region whose clusters and backups it sees and changes.
//! [`Emulator::control`] gives the same control surface in-process: seed clusters and
//! backups, drift and busy spells, regions not enabled, timings, [`Behaviour`]s (the choices
//! AWS leaves undocumented), fault injection, the accounts `GetCallerIdentity` answers,
//! refused web identity tokens, the instance's role, secrets, and the record of calls ([`CallRecord`]: body, the access
//! key and region each was signed with, its `Host`) and attempts.
//!
//! The crate root starts the servers and names what is public; no module of the crate
//! imports it. Inside, knowledge flows one way: `server` (accept and route) over the
//! handlers (`api`, `sts`, `secrets`, `sso`, `imds`, `control_http`), over the fault gate (`intercept`) and the HTTP
//! plumbing (`http`), over the state (`control`, `model`) and the leaves (among them
//! `unreadable`, the answers the `UnreadableAnswer` fault spoils). [`fixtures`] stands
//! apart, on `pki`: mock defaults for `terraform test`.

mod api;
pub mod config;
pub mod control;
mod control_http;
pub mod error;
pub mod faults;
pub mod fixtures;
mod http;
mod identity;
mod imds;
mod input_rules;
mod intercept;
mod model;
pub mod pki;
mod regions;
mod secrets;
mod server;
mod sigv4;
mod sso;
mod sts;
mod unreadable;
mod urlencoded;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    AwsRefusal, BackupSpec, Behaviour, ClusterSpec, EmulatorConfig, ExpiredRollback,
    HsmTypeChangeOrder, RepeatedDelete, Timings, UnsortedBackups, CLOUDHSM_ERROR_CODES,
    DEFAULT_ACCOUNT, DEFAULT_BACKUP_DELETION_WINDOW, DEFAULT_ROLLBACK_WINDOW,
};
pub use control::{CallRecord, Control};
pub use error::{ApiError, PkiError, StsError};
pub use faults::{Fault, FaultKind, Trigger};
pub use fixtures::Fixtures;
pub use identity::TokenRefusal;
pub use pki::{sign_csr, sign_csr_keeping_key, sign_csr_with, CaKey, SignedMaterial};

/// A running emulator: the CloudHSM API (with the control API) and the STS emulation, each
/// on its own port. Dropping it stops both servers (without waiting).
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    sts_addr: SocketAddr,
    control: Control,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
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
            config.behaviour.clone(),
            config.region.clone(),
            config.vpc_id.clone(),
            authorities,
        );
        let shared = Arc::new(control::Shared::new(
            store,
            identity::Identities::new(config.default_account.clone()),
        ));
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let sts_listener = tokio::net::TcpListener::bind(config.sts_bind).await?;
        let sts_addr = sts_listener.local_addr()?;
        let (shutdown, _) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(server::serve(
                listener,
                server::Protocol::CloudHsm,
                shared.clone(),
                shutdown.clone(),
            )),
            tokio::spawn(server::serve(
                sts_listener,
                server::Protocol::Sts,
                shared.clone(),
                shutdown.clone(),
            )),
        ];
        tracing::info!("cloudhsm-emulator listening on http://{addr} (STS on http://{sts_addr})");
        Ok(Emulator {
            addr,
            sts_addr,
            control: Control { shared },
            shutdown,
            tasks,
        })
    }

    /// The base URL to give the SDK as `endpoint_url`, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the CloudHSM API (and the control API) listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the STS emulation, e.g. `http://127.0.0.1:41235`: give it to an STS
    /// client (or an assume-role credentials provider) as its endpoint.
    pub fn sts_endpoint_url(&self) -> String {
        format!("http://{}", self.sts_addr)
    }

    /// The address the STS emulation listens on.
    pub fn sts_local_addr(&self) -> SocketAddr {
        self.sts_addr
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

    /// Stops accepting connections, lets requests in flight finish (a request left hanging
    /// by a fault is dropped), and waits for both servers to stop.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
