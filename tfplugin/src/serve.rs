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
//! within [`TLS_HANDSHAKE_TIMEOUT`] is dropped, and at most [`MAX_TLS_HANDSHAKES`] are in
//! progress at once. A failed accept (too many open files, say) is retried after a pause
//! that grows from 5 ms to 1 s, never in a busy loop.
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

/// Where the accept loop takes connections from: the unix or TCP listener, or a test's
/// script.
trait Accept: Send + Sync + 'static {
    /// The next connection, or the operating system's reason for not giving one (too many
    /// open files, a connection aborted before it was accepted, ...).
    fn accept(&self) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send;

    /// Waits `delay` before the next accept after a failed one. Tests replace the clock here.
    fn pause(&self, delay: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

impl Accept for Listener {
    async fn accept(&self) -> io::Result<Pin<Box<dyn Io>>> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => l
                .accept()
                .await
                .map(|(s, _)| Box::pin(s) as Pin<Box<dyn Io>>),
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| {
                let _ = s.set_nodelay(true);
                Box::pin(s) as Pin<Box<dyn Io>>
            }),
        }
    }
}

/// Turns an accepted connection into a secure one: the TLS handshake, or a test's stand-in.
trait Handshaker: Clone + Send + Sync + 'static {
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
/// [`TLS_HANDSHAKE_TIMEOUT`], without limit; past this bound new connections wait in the
/// listen backlog until a handshake ends (done, failed or timed out). Established
/// connections do not count. Terraform opens one or two connections, so it never waits.
const MAX_TLS_HANDSHAKES: usize = 16;

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
async fn accept_loop(
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
        async fn validate(
            &self,
            _: &crate::value::Value,
            _: crate::interface::ClientCapabilities,
        ) -> crate::diagnostics::Diagnostics {
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

    /// What one accept gives: a connection or an error.
    type Accepted = io::Result<Pin<Box<dyn Io>>>;

    /// A listener that plays a script of accepts (connections and errors), then waits
    /// forever. It records the pause the loop asks for after each failed accept; a pause
    /// ends at once, or never when `endless_pauses` (so that only shutdown can end it).
    #[derive(Clone, Default)]
    struct Scripted {
        script: Arc<std::sync::Mutex<std::collections::VecDeque<Accepted>>>,
        pauses: Arc<std::sync::Mutex<Vec<Duration>>>,
        endless_pauses: bool,
        /// Told when the script is used up.
        exhausted: Arc<tokio::sync::Notify>,
        /// Told when a pause begins.
        pausing: Arc<tokio::sync::Notify>,
    }

    impl Scripted {
        fn new(script: impl IntoIterator<Item = Accepted>) -> Self {
            Scripted {
                script: Arc::new(std::sync::Mutex::new(script.into_iter().collect())),
                ..Default::default()
            }
        }
        fn pauses(&self) -> Vec<Duration> {
            self.pauses.lock().expect("lock").clone()
        }
    }

    impl Accept for Scripted {
        fn accept(&self) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send {
            let next = self.script.lock().expect("lock").pop_front();
            let exhausted = self.exhausted.clone();
            async move {
                match next {
                    Some(step) => step,
                    None => {
                        exhausted.notify_one();
                        std::future::pending().await
                    }
                }
            }
        }
        fn pause(&self, delay: Duration) -> impl std::future::Future<Output = ()> + Send {
            self.pauses.lock().expect("lock").push(delay);
            let (endless, pausing) = (self.endless_pauses, self.pausing.clone());
            async move {
                pausing.notify_one();
                if endless {
                    std::future::pending::<()>().await;
                }
            }
        }
    }

    fn too_many_open_files() -> Accepted {
        Err(io::Error::other("Too many open files (os error 24)"))
    }

    /// A connection for the script, and its other end (kept open by the test).
    fn connection() -> (Accepted, tokio::io::DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(64);
        (Ok(Box::pin(ours)), theirs)
    }

    /// A generous bound on waits that must end, so a broken loop fails rather than hangs.
    const MUST_HAPPEN: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn failed_accepts_pause_longer_each_time_up_to_a_second_and_start_over_after_a_success() {
        let (accepted, _other_end) = connection();
        let listener = Scripted::new(
            std::iter::repeat_with(too_many_open_files)
                .take(10)
                .chain([accepted])
                .chain(std::iter::repeat_with(too_many_open_files).take(2)),
        );
        let (sender, mut receiver) = mpsc::channel(4);
        let shutdown = CancellationToken::new();
        let exhausted = listener.exhausted.clone();
        let task = tokio::spawn(accept_loop(
            listener.clone(),
            None::<tokio_rustls::TlsAcceptor>,
            TLS_HANDSHAKE_TIMEOUT,
            sender,
            shutdown.clone(),
        ));
        let served = tokio::time::timeout(MUST_HAPPEN, receiver.recv())
            .await
            .expect("the connection after the errors is served")
            .expect("open channel");
        assert!(served.is_ok());
        tokio::time::timeout(MUST_HAPPEN, exhausted.notified())
            .await
            .expect("the script is played to its end");

        let ms = Duration::from_millis;
        assert_eq!(
            listener.pauses(),
            [
                ms(5),
                ms(10),
                ms(20),
                ms(40),
                ms(80),
                ms(160),
                ms(320),
                ms(640),
                ms(1000),
                ms(1000),
                // A connection was accepted: the next failures start over.
                ms(5),
                ms(10),
            ]
        );
        shutdown.cancel();
        tokio::time::timeout(MUST_HAPPEN, task)
            .await
            .expect("the loop ends on shutdown")
            .expect("task");
    }

    #[tokio::test]
    async fn shutdown_ends_the_accept_loop_during_a_pause() {
        for tls in [false, true] {
            let listener = Scripted {
                endless_pauses: true,
                ..Scripted::new([too_many_open_files()])
            };
            let (sender, _receiver) = mpsc::channel(4);
            let shutdown = CancellationToken::new();
            let pausing = listener.pausing.clone();
            let task = tokio::spawn(accept_loop(
                listener.clone(),
                tls.then(Stalling::default),
                TLS_HANDSHAKE_TIMEOUT,
                sender,
                shutdown.clone(),
            ));
            tokio::time::timeout(MUST_HAPPEN, pausing.notified())
                .await
                .expect("the loop pauses after the failed accept");
            shutdown.cancel();
            tokio::time::timeout(MUST_HAPPEN, task)
                .await
                .expect("the loop ends without waiting for its pause to end")
                .expect("task");
        }
    }

    /// A TLS handshake stand-in that waits until the test releases it, then succeeds;
    /// it counts the handshakes in progress and the most seen at once, and reports each
    /// start.
    #[derive(Clone)]
    struct Stalling {
        release: Arc<tokio::sync::Semaphore>,
        in_progress: Arc<std::sync::atomic::AtomicUsize>,
        most: Arc<std::sync::atomic::AtomicUsize>,
        started: mpsc::UnboundedSender<()>,
        /// Kept so that `started` stays open when a test does not listen.
        _started: Arc<std::sync::Mutex<mpsc::UnboundedReceiver<()>>>,
    }

    impl Default for Stalling {
        fn default() -> Self {
            let (started, receiver) = mpsc::unbounded_channel();
            Stalling {
                release: Arc::new(tokio::sync::Semaphore::new(0)),
                in_progress: Default::default(),
                most: Default::default(),
                started,
                _started: Arc::new(std::sync::Mutex::new(receiver)),
            }
        }
    }

    /// Counts a handshake out of `in_progress` when it ends, or is dropped on its timeout.
    struct InProgress(Arc<std::sync::atomic::AtomicUsize>);

    impl Drop for InProgress {
        fn drop(&mut self) {
            self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Handshaker for Stalling {
        fn handshake(
            &self,
            stream: Pin<Box<dyn Io>>,
        ) -> impl std::future::Future<Output = io::Result<Pin<Box<dyn Io>>>> + Send {
            use std::sync::atomic::Ordering::SeqCst;
            let this = self.clone();
            async move {
                let now = this.in_progress.fetch_add(1, SeqCst) + 1;
                let _counted = InProgress(this.in_progress.clone());
                this.most.fetch_max(now, SeqCst);
                let _ = this.started.send(());
                let released = this.release.acquire().await.map_err(io::Error::other)?;
                released.forget();
                Ok(stream)
            }
        }
    }

    /// Starts the accept loop over one more stalling handshake than [`MAX_TLS_HANDSHAKES`]
    /// allows, and waits until that many have started.
    async fn one_handshake_too_many(
        handshake_timeout: Duration,
    ) -> (
        Stalling,
        mpsc::UnboundedReceiver<()>,
        mpsc::Receiver<io::Result<Connection>>,
        CancellationToken,
        Vec<tokio::io::DuplexStream>,
    ) {
        let (script, other_ends): (Vec<_>, Vec<_>) =
            (0..=MAX_TLS_HANDSHAKES).map(|_| connection()).unzip();
        let (started_tx, mut started) = mpsc::unbounded_channel();
        let handshaker = Stalling {
            started: started_tx,
            ..Stalling::default()
        };
        let (sender, receiver) = mpsc::channel(4);
        let shutdown = CancellationToken::new();
        tokio::spawn(accept_loop(
            Scripted::new(script),
            Some(handshaker.clone()),
            handshake_timeout,
            sender,
            shutdown.clone(),
        ));
        for _ in 0..MAX_TLS_HANDSHAKES {
            tokio::time::timeout(MUST_HAPPEN, started.recv())
                .await
                .expect("a handshake starts")
                .expect("open channel");
        }
        (handshaker, started, receiver, shutdown, other_ends)
    }

    #[tokio::test]
    async fn at_most_max_tls_handshakes_are_in_progress_and_the_next_starts_when_one_ends() {
        use std::sync::atomic::Ordering::SeqCst;
        let (handshaker, mut started, mut receiver, shutdown, _other_ends) =
            one_handshake_too_many(TLS_HANDSHAKE_TIMEOUT).await;

        // The connection past the bound waits while every slot is taken (a wait this
        // short can only let the test pass wrongly, never fail it wrongly).
        let early = tokio::time::timeout(Duration::from_millis(200), started.recv()).await;
        assert!(early.is_err(), "a handshake past the bound started");
        assert_eq!(handshaker.in_progress.load(SeqCst), MAX_TLS_HANDSHAKES);

        // One handshake finishes: its connection is served, holds no slot, and the waiting
        // connection's handshake starts.
        handshaker.release.add_permits(1);
        let served = tokio::time::timeout(MUST_HAPPEN, receiver.recv())
            .await
            .expect("the secured connection is served")
            .expect("open channel");
        assert!(served.is_ok());
        tokio::time::timeout(MUST_HAPPEN, started.recv())
            .await
            .expect("the waiting handshake starts once one has ended")
            .expect("open channel");
        assert_eq!(handshaker.most.load(SeqCst), MAX_TLS_HANDSHAKES);

        // The rest finish too, and every connection is served.
        handshaker.release.add_permits(MAX_TLS_HANDSHAKES);
        for _ in 0..MAX_TLS_HANDSHAKES {
            let served = tokio::time::timeout(MUST_HAPPEN, receiver.recv())
                .await
                .expect("served")
                .expect("open channel");
            assert!(served.is_ok());
        }
        assert_eq!(handshaker.most.load(SeqCst), MAX_TLS_HANDSHAKES);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_tls_handshake_that_times_out_gives_its_slot_to_the_next_connection() {
        use std::sync::atomic::Ordering::SeqCst;
        let (handshaker, mut started, _receiver, shutdown, _other_ends) =
            one_handshake_too_many(Duration::from_millis(100)).await;
        // No handshake is ever released: they all time out, and the waiting one starts.
        tokio::time::timeout(MUST_HAPPEN, started.recv())
            .await
            .expect("the waiting handshake starts once the others have timed out")
            .expect("open channel");
        assert_eq!(handshaker.most.load(SeqCst), MAX_TLS_HANDSHAKES);
        shutdown.cancel();
    }
}
