//! Runs a [`Provider`] as a go-plugin gRPC server: reads the handshake, listens on a unix
//! socket (or loopback TCP; on systems other than unix always loopback TCP), wraps
//! connections in mutual TLS when Terraform asks for it, serves the tfplugin6 provider plus
//! go-plugin's controller, stdio and broker services and the gRPC health service, prints the
//! handshake line, and shuts down gracefully.
//!
//! Stopping works as go-plugin's does. `GRPCController.Shutdown` (Terraform's way to end the
//! plugin) and, on unix, SIGTERM first call [`Provider::stop`], so that long waits in flight
//! end and answer, then shut down gracefully: requests in flight answer first, then the
//! socket is removed. SIGINT (on Windows, Ctrl-C) is ignored (logged at debug level): a Ctrl-C
//! in the terminal reaches Terraform and the plugin alike, and Terraform stops the plugin
//! itself with `StopProvider` and `Shutdown`; only in `--debug` mode, where a developer runs
//! the plugin in a terminal, does it stop the plugin. On unix the plugin also stops when its
//! parent process goes away; elsewhere there is no such watch.
//!
//! The unix socket lives in a directory of its own, created with an unpredictable name
//! (16 bytes of OS randomness) and mode 0700, so nobody else can reach or replace it; an
//! existing path is never reused or removed. A client that does not finish its TLS handshake
//! within [`TLS_HANDSHAKE_TIMEOUT`] is dropped.
//!
//! Knows processes, sockets and gRPC; knows nothing of what the provider does.

use std::io;
use std::panic::AssertUnwindSafe;
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use crate::grpc::ProviderService;
use crate::handshake::{self, Handshake, HandshakeError, Transport};
use crate::identity::PluginIdentity;
use crate::interface::Provider;
use crate::proto::plugin as goplugin;
use crate::proto::tfplugin6 as pb;
pub use crate::tls::TlsError;
use crate::tls::{self, ServerIdentity};

/// Largest gRPC message accepted or sent; schemas and states are far smaller.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// How long a client may take to complete its TLS handshake before it is dropped.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests still running at shutdown may take to answer (the provider was asked
/// to stop them) before the server ends without them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How many fresh random socket directory names are tried before giving up.
#[cfg(unix)]
const SOCKET_NAME_ATTEMPTS: usize = 5;

/// Why [`serve`] could not start, or stopped with an error. The message is meant for the
/// person who ran the plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// What Terraform set in the environment is missing or wrong.
    #[error("{0}")]
    Handshake(#[from] HandshakeError),
    /// AutoMTLS could not be set up.
    #[error("could not set up TLS for the plugin connection: {0}")]
    Tls(#[from] TlsError),
    /// No socket could be bound: the socket directory or path, or every port of the range.
    #[error("could not listen for Terraform's connection on {what}: {source}")]
    Listen {
        /// Where: a path, or `127.0.0.1 ports <min>..<max>`.
        what: String,
        /// The operating system's error (for a port range: the last one).
        #[source]
        source: io::Error,
    },
    /// The socket directory's random name could not be drawn (unix only).
    #[cfg(unix)]
    #[error("the operating system gave no random bytes for the socket name: {0}")]
    Random(getrandom::Error),
    /// The gRPC server failed while serving.
    #[error("the gRPC server stopped with an error: {0}")]
    Server(#[from] tonic::transport::Error),
}

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

enum Listener {
    #[cfg(unix)]
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// A listening socket, with what the handshake line says about it.
struct Bound {
    listener: Listener,
    network: &'static str,
    address: String,
    /// The unix socket's files, removed when this is dropped.
    #[cfg(unix)]
    socket: Option<SocketFiles>,
}

async fn listen(transport: &Transport) -> Result<Bound, ServeError> {
    match transport {
        #[cfg(unix)]
        Transport::Unix { dir } => {
            let (listener, files) = bind_unix(dir, random_name)?;
            let address = files.socket.display().to_string();
            Ok(Bound {
                listener: Listener::Unix(listener),
                network: "unix",
                address,
                socket: Some(files),
            })
        }
        Transport::Tcp { min_port, max_port } => {
            let mut last = None;
            for port in *min_port..=*max_port {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => {
                        return Ok(Bound {
                            listener: Listener::Tcp(listener),
                            network: "tcp",
                            address: format!("127.0.0.1:{port}"),
                            #[cfg(unix)]
                            socket: None,
                        });
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(ServeError::Listen {
                what: format!("127.0.0.1 ports {min_port}..{max_port}"),
                source: last.unwrap_or_else(|| io::Error::other("empty port range")),
            })
        }
    }
}

/// An unpredictable file name: `plugin-` and 16 bytes of OS randomness in hex.
#[cfg(unix)]
fn random_name() -> Result<String, ServeError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(ServeError::Random)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("plugin-{hex}"))
}

/// The private directory holding the socket, and the socket in it.
#[cfg(unix)]
#[derive(Debug)]
struct SocketFiles {
    dir: PathBuf,
    socket: PathBuf,
}

#[cfg(unix)]
impl Drop for SocketFiles {
    /// Removes the socket and then its directory (only if empty: nothing else is deleted).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Creates a new directory named by `name()` in `parent`, readable by the owner only, and
/// binds the socket `sock` inside it. A name that already exists (whatever it is: a file, a
/// directory, a symlink someone planted) is left alone and another name is tried.
#[cfg(unix)]
fn bind_unix(
    parent: &Path,
    mut name: impl FnMut() -> Result<String, ServeError>,
) -> Result<(UnixListener, SocketFiles), ServeError> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let listen_error = |what: &Path, source| ServeError::Listen {
        what: what.display().to_string(),
        source,
    };
    let mut attempt = 0;
    let dir = loop {
        attempt += 1;
        let dir = parent.join(name()?);
        // mkdir never follows a symlink in its last component and fails on any existing
        // path, so an attacker's pre-created file or link is neither reused nor replaced.
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => break dir,
            Err(e)
                if e.kind() == io::ErrorKind::AlreadyExists && attempt < SOCKET_NAME_ATTEMPTS =>
            {
                tracing::warn!(path = %dir.display(), "socket directory name already taken; trying another");
            }
            Err(e) => return Err(listen_error(&dir, e)),
        }
    };
    let files = SocketFiles {
        socket: dir.join("sock"),
        dir,
    };
    let listener = UnixListener::bind(&files.socket).map_err(|e| listen_error(&files.socket, e))?;
    // The directory already keeps others out; the socket itself says so too.
    std::fs::set_permissions(&files.socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| listen_error(&files.socket, e))?;
    Ok((listener, files))
}

/// Accepts connections and completes each TLS handshake in its own task, so a slow or
/// hostile client cannot hold up the others; a handshake that takes longer than
/// `handshake_timeout` is abandoned and its connection dropped.
async fn accept_loop(
    listener: Listener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    handshake_timeout: Duration,
    sender: mpsc::Sender<io::Result<Connection>>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted: io::Result<Pin<Box<dyn Io>>> = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = async {
                match &listener {
                    #[cfg(unix)]
                    Listener::Unix(l) => l.accept().await.map(|(s, _)| Box::pin(s) as Pin<Box<dyn Io>>),
                    Listener::Tcp(l) => l.accept().await.map(|(s, _)| {
                        let _ = s.set_nodelay(true);
                        Box::pin(s) as Pin<Box<dyn Io>>
                    }),
                }
            } => a,
        };
        let stream = match accepted {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection failed");
                continue;
            }
        };
        match &acceptor {
            None => {
                if sender.send(Ok(Connection(stream))).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(handshake_timeout, acceptor.accept(stream));
                    let outcome = tokio::select! {
                        _ = shutdown.cancelled() => return,
                        outcome = handshake => outcome,
                    };
                    match outcome {
                        Ok(Ok(tls)) => {
                            let _ = sender.send(Ok(Connection(Box::pin(tls)))).await;
                        }
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "refused a connection that failed the TLS handshake")
                        }
                        Err(_) => tracing::warn!(
                            timeout_s = handshake_timeout.as_secs_f64(),
                            "dropped a connection that did not complete the TLS handshake in time"
                        ),
                    }
                });
            }
        }
    }
}

/// Calls [`Provider::stop`]; a panic in it is logged, never propagated, so that the
/// shutdown that follows always happens.
fn stop_provider(provider: &dyn Provider) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| provider.stop())).is_err() {
        tracing::error!("the provider panicked while stopping its work in flight");
    }
}

/// Once a stopping signal arrives (see [`stop_signal`]): stop work in flight, then shut down
/// gracefully (requests in flight finish and answer first). The handlers are installed before
/// this returns, so no signal that arrives later is lost or fatal.
fn watch_signals(
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
fn watch_parent(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    (!debug).then(|| tokio::spawn(watch_parent_id(provider, shutdown)))
}

/// Other systems have no portable parent-process id to watch: no watch.
#[cfg(not(unix))]
fn watch_parent(
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

/// Anything a connection can be: plain unix or TCP stream, or TLS over either.
trait Io: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Io for T {}

/// One accepted connection, TLS or not, as tonic wants it.
struct Connection(Pin<Box<dyn Io>>);

impl Connected for Connection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// `GRPCController`: Terraform's request to exit.
struct Controller {
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        tracing::debug!(rpc = "Shutdown", "served");
        // Stop first: a graceful shutdown waits for requests in flight, and a long wait
        // (an apply polling a cluster) must end and answer now rather than in hours.
        stop_provider(&*self.provider);
        self.shutdown.cancel();
        Ok(Response::new(goplugin::Empty {}))
    }
}

type Pending<T> = Pin<Box<dyn futures_util::Stream<Item = Result<T, Status>> + Send>>;

/// A stream that yields nothing and ends when the plugin shuts down.
fn until_shutdown<T: Send + 'static>(shutdown: CancellationToken) -> Pending<T> {
    Box::pin(
        futures_util::stream::once(async move {
            shutdown.cancelled_owned().await;
        })
        .filter_map(|()| async { None }),
    )
}

use futures_util::StreamExt as _;

/// `GRPCStdio`: we log to stderr directly, so the stream carries nothing.
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Pending<goplugin::StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<crate::proto::google::protobuf::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

/// `GRPCBroker`: Terraform providers open no extra connections; we read and ignore.
struct Broker {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Pending<goplugin::ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<tonic::Streaming<goplugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    next = incoming.next() => if !matches!(next, Some(Ok(_))) { return },
                }
            }
        });
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_line_names_the_source_address_and_socket() {
        let line = reattach_line(
            "registry.terraform.io/example-org/example",
            "unix",
            "/tmp/p",
        );
        let json = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|s| s.strip_suffix('\''))
            .expect("quoted json");
        let v: serde_json::Value = serde_json::from_str(json).expect("json");
        let entry = &v["registry.terraform.io/example-org/example"];
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/p");
    }

    #[cfg(unix)]
    #[test]
    fn socket_names_are_random() {
        let a = random_name().expect("random");
        let b = random_name().expect("random");
        assert_ne!(a, b);
        for name in [&a, &b] {
            let hex = name.strip_prefix("plugin-").expect("prefix");
            assert_eq!(hex.len(), 32, "{name}");
            assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()), "{name}");
            // Not a counter, a pid or a clock: a long run of one digit would be.
            assert!(hex.bytes().any(|c| c != hex.as_bytes()[0]), "{name}");
        }
    }

    /// Names from a list, as `bind_unix` asks for them.
    #[cfg(unix)]
    fn names(list: &[&str]) -> impl FnMut() -> Result<String, ServeError> {
        let mut list: Vec<String> = list.iter().rev().map(|s| s.to_string()).collect();
        move || Ok(list.pop().unwrap_or_else(|| "exhausted".into()))
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_socket_never_reuses_or_replaces_an_existing_path() {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = tempfile::tempdir().expect("tempdir");
        // An attacker got there first: a file, and a symlink to a directory they control.
        let taken = parent.path().join("plugin-taken");
        std::fs::write(&taken, "precious").expect("file");
        let elsewhere = tempfile::tempdir().expect("tempdir");
        let link = parent.path().join("plugin-link");
        std::os::unix::fs::symlink(elsewhere.path(), &link).expect("symlink");

        let (listener, files) = bind_unix(
            parent.path(),
            names(&["plugin-taken", "plugin-link", "plugin-fresh"]),
        )
        .expect("binds under the first free name");
        assert_eq!(files.dir, parent.path().join("plugin-fresh"));
        assert!(files.socket.starts_with(&files.dir));
        assert_eq!(std::fs::read_to_string(&taken).expect("file"), "precious");
        assert!(std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_dir(elsewhere.path()).expect("dir").count(),
            0,
            "nothing created through the link"
        );
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&files.dir), 0o700);
        assert_eq!(mode(&files.socket), 0o600);

        drop(listener);
        let (dir, socket) = (files.dir.clone(), files.socket.clone());
        drop(files);
        assert!(!socket.exists() && !dir.exists(), "removed on drop");
        assert!(taken.exists() && link.exists(), "others' files stay");

        // Every name taken: an error, and nothing touched.
        let err = bind_unix(
            parent.path(),
            names(&["plugin-taken"; SOCKET_NAME_ATTEMPTS]),
        )
        .expect_err("no free name");
        assert!(matches!(err, ServeError::Listen { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&taken).expect("file"), "precious");
    }

    /// Trusts exactly one server certificate, as go-plugin's client does.
    #[cfg(unix)]
    #[derive(Debug)]
    struct Pinned(Vec<u8>, rustls::crypto::WebPkiSupportedAlgorithms);

    #[cfg(unix)]
    impl rustls::client::danger::ServerCertVerifier for Pinned {
        fn verify_server_cert(
            &self,
            end_entity: &rustls::pki_types::CertificateDer<'_>,
            _: &[rustls::pki_types::CertificateDer<'_>],
            _: &rustls::pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls::pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            if end_entity.as_ref() == self.0.as_slice() {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::General("not the pinned certificate".into()))
            }
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.1)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.1)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.1.supported_schemes()
        }
    }

    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_never_finishes_the_tls_handshake_is_dropped() {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
        use tokio::io::AsyncReadExt as _;

        let parent = tempfile::tempdir().expect("tempdir");
        let (listener, files) = bind_unix(parent.path(), random_name).expect("bind");
        let server = ServerIdentity::generate().expect("server identity");
        let client_key = rcgen::KeyPair::generate().expect("key");
        let client_cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .expect("params")
            .self_signed(&client_key)
            .expect("cert");
        let config = tls::server_config(&server, &client_cert.pem()).expect("config");
        let (sender, mut receiver) = mpsc::channel(4);
        let shutdown = CancellationToken::new();
        let timeout = Duration::from_millis(500);
        tokio::spawn(accept_loop(
            Listener::Unix(listener),
            Some(tokio_rustls::TlsAcceptor::from(config)),
            timeout,
            sender,
            shutdown.clone(),
        ));

        // Connects and says nothing.
        let mut silent = tokio::net::UnixStream::connect(&files.socket)
            .await
            .expect("connect");

        // Meanwhile a real client is served.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(Pinned(
            server.cert_der.to_vec(),
            provider.signature_verification_algorithms,
        ));
        let client_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(
                vec![CertificateDer::from(client_cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client_key.serialize_der())),
            )
            .expect("client auth");
        let stream = tokio::net::UnixStream::connect(&files.socket)
            .await
            .expect("connect");
        let started = std::time::Instant::now();
        let _client = tokio_rustls::TlsConnector::from(Arc::new(client_config))
            .connect(ServerName::try_from("localhost").expect("name"), stream)
            .await
            .expect("handshake completes");
        let served = tokio::time::timeout(Duration::from_secs(5), receiver.recv())
            .await
            .expect("a connection is handed to the server")
            .expect("open channel");
        assert!(served.is_ok());
        assert!(
            started.elapsed() < timeout,
            "the other client is served while the silent one waits"
        );

        // The silent client is dropped once the timeout has passed: it reads end-of-stream.
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
            .await
            .expect("the server drops the silent connection");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        shutdown.cancel();
    }

    /// A provider whose one resource's apply waits (up to ten minutes) until `stop` is called,
    /// like an apply polling a cluster.
    #[cfg(unix)]
    struct Waiter {
        stop: CancellationToken,
        applying: Arc<tokio::sync::Notify>,
        /// Whether its apply ends when the provider is asked to stop.
        honours_stop: bool,
    }

    #[cfg(unix)]
    fn waiter_schema() -> crate::schema::Schema {
        use crate::schema::{Attribute, Block, Schema};
        Schema::new(Block {
            attributes: vec![Attribute::string("id").required()],
            ..Default::default()
        })
    }

    #[cfg(unix)]
    #[async_trait::async_trait]
    impl Provider for Waiter {
        fn type_name(&self) -> &'static str {
            "wait"
        }
        fn schema(&self) -> crate::schema::Schema {
            crate::schema::Schema::new(Default::default())
        }
        fn resources(&self) -> Vec<Arc<dyn crate::interface::Resource>> {
            vec![Arc::new(Waiter {
                stop: self.stop.clone(),
                applying: self.applying.clone(),
                honours_stop: self.honours_stop,
            })]
        }
        fn data_sources(&self) -> Vec<Arc<dyn crate::interface::DataSource>> {
            Vec::new()
        }
        async fn validate_config(
            &self,
            _: &crate::value::Value,
        ) -> crate::diagnostics::Diagnostics {
            Default::default()
        }
        async fn configure(
            &self,
            _: &crate::value::Value,
            _: &str,
        ) -> crate::diagnostics::Diagnostics {
            Default::default()
        }
        fn stop(&self) {
            self.stop.cancel();
        }
    }

    #[cfg(unix)]
    #[async_trait::async_trait]
    impl crate::interface::Resource for Waiter {
        fn type_name(&self) -> &'static str {
            "wait_thing"
        }
        fn schema(&self) -> crate::schema::Schema {
            waiter_schema()
        }
        async fn validate(&self, _: &crate::value::Value) -> crate::diagnostics::Diagnostics {
            Default::default()
        }
        async fn plan(&self, _: crate::interface::PlanRequest) -> crate::interface::PlanResponse {
            Default::default()
        }
        async fn apply(
            &self,
            request: crate::interface::ApplyRequest,
        ) -> crate::interface::ApplyResponse {
            self.applying.notify_one();
            let mut out = crate::interface::ApplyResponse {
                new_state: request.planned_state,
                ..Default::default()
            };
            let stopped = async {
                if self.honours_stop {
                    self.stop.cancelled().await
                } else {
                    std::future::pending().await
                }
            };
            tokio::select! {
                _ = stopped => out.diagnostics.error("Stopped", "The wait was stopped."),
                _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            }
            out
        }
        async fn read(&self, _: crate::interface::ReadRequest) -> crate::interface::ReadResponse {
            Default::default()
        }
        async fn import(&self, _: &str) -> crate::interface::ImportResponse {
            Default::default()
        }
    }

    /// What came of a Shutdown sent while an apply waits: the apply's answer, the server's
    /// end, and the socket's path.
    #[cfg(unix)]
    struct AfterShutdown {
        apply: tokio::task::JoinHandle<
            Result<tonic::Response<pb::apply_resource_change::Response>, tonic::Status>,
        >,
        server: tokio::task::JoinHandle<Result<(), ServeError>>,
        socket: String,
    }

    /// Serves a provider whose apply waits (ending on stop when `honours_stop`), starts an
    /// apply, and sends GRPCController.Shutdown once it waits.
    #[cfg(unix)]
    async fn shutdown_during_an_apply(
        honours_stop: bool,
        grace: Duration,
        parent: &Path,
    ) -> AfterShutdown {
        use crate::value::{self, Value};
        let handshake = Handshake {
            protocol_version: 6,
            transport: Transport::Unix {
                dir: parent.to_path_buf(),
            },
            client_cert_pem: None,
        };
        let applying = Arc::new(tokio::sync::Notify::new());
        let provider = Arc::new(Waiter {
            stop: CancellationToken::new(),
            applying: applying.clone(),
            honours_stop,
        });
        let (line_tx, line_rx) = tokio::sync::oneshot::channel::<String>();
        let server = tokio::spawn(async move {
            run(
                provider,
                &ServeOptions {
                    debug: false,
                    identity: crate::identity::EXAMPLE,
                },
                handshake,
                CancellationToken::new(),
                grace,
                move |line| {
                    let _ = line_tx.send(line.to_string());
                },
            )
            .await
        });
        let line = line_rx.await.expect("handshake line");
        let socket = line.split('|').nth(3).expect("address").to_string();
        let path = socket.clone();
        let channel = tonic::transport::Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_| {
                let path = path.clone();
                async move {
                    tokio::net::UnixStream::connect(path)
                        .await
                        .map(hyper_util::rt::TokioIo::new)
                }
            }))
            .await
            .expect("connect");

        let ty = waiter_schema().value_type();
        let planned = pb::DynamicValue {
            msgpack: value::encode_msgpack(&Value::object([("id", Value::string("x"))]), &ty)
                .expect("msgpack"),
            json: Vec::new(),
        };
        let mut client = pb::provider_client::ProviderClient::new(channel.clone());
        let apply = tokio::spawn(async move {
            client
                .apply_resource_change(pb::apply_resource_change::Request {
                    type_name: "wait_thing".into(),
                    planned_state: Some(planned.clone()),
                    config: Some(planned),
                    ..Default::default()
                })
                .await
        });
        tokio::time::timeout(Duration::from_secs(10), applying.notified())
            .await
            .expect("the apply is waiting");

        goplugin::grpc_controller_client::GrpcControllerClient::new(channel)
            .shutdown(goplugin::Empty {})
            .await
            .expect("shutdown answers");
        AfterShutdown {
            apply,
            server,
            socket,
        }
    }

    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_during_a_long_wait_stops_the_wait_and_ends_the_server() {
        let parent = tempfile::tempdir().expect("tempdir");
        let after = shutdown_during_an_apply(true, SHUTDOWN_GRACE, parent.path()).await;
        let answer = tokio::time::timeout(Duration::from_secs(5), after.apply)
            .await
            .expect("the apply answers promptly after Shutdown")
            .expect("task")
            .expect("an answer, not a transport error")
            .into_inner();
        assert_eq!(answer.diagnostics.len(), 1, "{:?}", answer.diagnostics);
        assert_eq!(answer.diagnostics[0].summary, "Stopped");
        let served = tokio::time::timeout(Duration::from_secs(5), after.server)
            .await
            .expect("the server ends promptly after Shutdown")
            .expect("task");
        assert!(served.is_ok(), "{served:?}");
        assert!(!Path::new(&after.socket).exists(), "socket removed");
    }

    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_ignores_the_stop_does_not_keep_the_server_past_its_grace() {
        let parent = tempfile::tempdir().expect("tempdir");
        let grace = Duration::from_millis(300);
        let after = shutdown_during_an_apply(false, grace, parent.path()).await;
        // The apply would wait ten minutes; the server ends once the grace is over.
        let served = tokio::time::timeout(Duration::from_secs(10), after.server)
            .await
            .expect("the server ends after its grace")
            .expect("task");
        assert!(served.is_ok(), "{served:?}");
        assert!(!Path::new(&after.socket).exists(), "socket removed");
        after.apply.abort();
    }
}
