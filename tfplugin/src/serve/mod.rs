//! Runs a [`Provider`] as a go-plugin gRPC server: reads the handshake, listens on a unix
//! socket (or loopback TCP; on systems other than unix always loopback TCP), wraps
//! connections in mutual TLS when Terraform asks for it, serves the tfplugin6 provider plus
//! go-plugin's controller, stdio and broker services and the gRPC health service, prints the
//! handshake line, and shuts down gracefully.
//!
//! Stopping works as go-plugin's does. `GRPCController.Shutdown` (Terraform's way to end the
//! plugin) and, on unix, SIGTERM first call [`Provider::stop`], so that long waits in flight
//! end and answer, then shut down gracefully: requests in flight answer first, then the
//! socket is removed. SIGINT (on Windows, Ctrl-C and Ctrl-Break) is ignored (logged at debug
//! level): a Ctrl-C in the terminal reaches Terraform and the plugin alike, and Terraform
//! stops the plugin itself with `StopProvider` and `Shutdown`; only in `--debug` mode, where
//! a developer runs the plugin in a terminal, does it stop the plugin. The plugin also stops
//! when its parent process goes away (unix: its parent changes; Windows: its parent process
//! ends); elsewhere there is no such watch.
//!
//! The unix socket lives in a directory of its own, created with an unpredictable name
//! (16 bytes of OS randomness) and mode 0700, so nobody else can reach or replace it; an
//! existing path is never reused or removed. A client that does not finish its TLS handshake
//! within [`TLS_HANDSHAKE_TIMEOUT`] is dropped, and at most `MAX_TLS_HANDSHAKES` are in
//! progress at once. A failed accept (too many open files, say) is retried after a pause
//! that grows from 5 ms to 1 s, never in a busy loop.
//!
//! Knows processes, sockets and gRPC; knows nothing of what the provider does.
//!
//! The parts, each using only those named before it: `error` ([`ServeError`]); `connection`
//! (any stream as tonic's connection); `accept` (the accept loop: backoff, TLS handshakes
//! bounded in number and time); `listen` (the unix socket or loopback TCP port); `signals`
//! (SIGTERM, Ctrl-C, the parent's end); `go_plugin` (controller, stdio, broker). This file
//! puts them together.

mod accept;
mod connection;
mod error;
mod go_plugin;
mod listen;
mod signals;
#[cfg(test)]
mod tests;

pub use crate::tls::TlsError;
pub use error::ServeError;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use crate::grpc::ProviderService;
use crate::handshake::{self, Handshake};
use crate::identity::PluginIdentity;
use crate::interface::Provider;
use crate::proto::plugin as goplugin;
use crate::proto::tfplugin6 as pb;
use crate::tls::{self, ServerIdentity};
use accept::accept_loop;
use connection::Connection;
use go_plugin::{Broker, Controller, Stdio};
use listen::listen;
use signals::{watch_parent, watch_signals};

/// Largest gRPC message accepted or sent; schemas and states are far smaller.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// How long a client may take to complete its TLS handshake before it is dropped.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests still running at shutdown may take to answer (the provider was asked
/// to stop them) before the server ends without them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How the process was started, and who it is.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `--debug`: no magic cookie needed, no TLS, SIGINT (Ctrl-C) stops the plugin, and the
    /// reattach line is printed for a developer instead of the handshake line.
    pub debug: bool,
    /// The plugin's name, source address and environment words.
    pub identity: PluginIdentity,
}

/// Serves `provider` until Terraform (or a signal) shuts the plugin down.
pub async fn serve(provider: Arc<dyn Provider>, options: ServeOptions) -> Result<(), ServeError> {
    let handshake = Handshake::from_env(&options.identity, !options.debug)?;
    let shutdown = CancellationToken::new();
    // Watch signals before anything else: a Ctrl-C during start-up must not kill the plugin
    // (outside --debug), and a SIGTERM right after the handshake line is not lost.
    let signals = watch_signals(provider.clone(), shutdown.clone(), options.debug);
    let orphan_watch = watch_parent(provider.clone(), shutdown.clone(), options.debug);
    let result = run(
        provider,
        &options,
        handshake,
        shutdown.clone(),
        SHUTDOWN_GRACE,
        |line| {
            use std::io::Write as _;
            println!("{line}");
            let _ = io::stdout().flush();
        },
    )
    .await;
    shutdown.cancel();
    signals.abort();
    if let Some(task) = orphan_watch {
        task.abort();
    }
    result
}

/// Listens, announces the address through `announce` (the handshake or reattach line) and
/// serves until `shutdown` is cancelled (by `GRPCController.Shutdown` or by the caller) and
/// the requests still running have answered, or `grace` has passed.
async fn run(
    provider: Arc<dyn Provider>,
    options: &ServeOptions,
    handshake: Handshake,
    shutdown: CancellationToken,
    grace: Duration,
    announce: impl FnOnce(&str),
) -> Result<(), ServeError> {
    let tls = match (&handshake.client_cert_pem, options.debug) {
        (Some(client_cert), false) => {
            let identity = ServerIdentity::generate()?;
            let config = tls::server_config(&identity, client_cert)?;
            Some((
                identity.cert_der.to_vec(),
                tokio_rustls::TlsAcceptor::from(config),
            ))
        }
        _ => None,
    };

    // Dropping `bound` (on any return below) removes the socket and its directory.
    let bound = listen(&handshake.transport).await?;
    let (network, address) = (bound.network, bound.address.clone());
    let (sender, receiver) = mpsc::channel::<io::Result<Connection>>(16);
    let acceptor = tls.as_ref().map(|(_, a)| a.clone());
    let accept_task = tokio::spawn(accept_loop(
        bound.listener,
        acceptor,
        TLS_HANDSHAKE_TIMEOUT,
        sender,
        shutdown.clone(),
    ));
    #[cfg(unix)]
    let _socket = bound.socket;

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider_service =
        pb::provider_server::ProviderServer::new(ProviderService::new(provider.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);

    let router = tonic::transport::Server::builder()
        .add_service(provider_service)
        .add_service(goplugin::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                provider,
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(goplugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(goplugin::grpc_broker_server::GrpcBrokerServer::new(
            Broker {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(health_service);

    if options.debug {
        announce(&reattach_line(
            options.identity.source_address,
            network,
            &address,
        ));
        eprintln!(
            "{} is serving in debug mode. Export the line above in the shell where you run \
             terraform; press Ctrl-C here to stop.",
            options.identity.name
        );
    } else {
        let cert = tls.as_ref().map(|(der, _)| der.as_slice());
        announce(&handshake::handshake_line(
            handshake.protocol_version,
            network,
            &address,
            cert,
        ));
    }
    tracing::info!(network, address, tls = tls.is_some(), "plugin serving");

    let serving = router.serve_with_incoming_shutdown(
        ReceiverStream::new(receiver),
        shutdown.clone().cancelled_owned(),
    );
    let grace_over = async {
        shutdown.cancelled().await;
        tokio::time::sleep(grace).await;
    };
    let result = tokio::select! {
        result = serving => result,
        () = grace_over => {
            tracing::warn!(
                grace_secs = grace.as_secs_f64(),
                "requests still running after shutdown ignored the stop; ending without them"
            );
            Ok(())
        }
    };
    shutdown.cancel();
    accept_task.abort();
    tracing::info!("plugin stopped");
    result.map_err(ServeError::from)
}

fn reattach_line(source_address: &str, network: &str, address: &str) -> String {
    let json = serde_json::json!({
        source_address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PLUGIN_PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": network, "String": address },
        }
    });
    format!("TF_REATTACH_PROVIDERS='{json}'")
}
