//! Runs a [`Provider`] as a go-plugin gRPC server: reads the handshake, listens on a unix
//! socket (or loopback TCP), wraps connections in mutual TLS when Terraform asks for it,
//! serves the tfplugin6 provider plus go-plugin's controller, stdio and broker services and
//! the gRPC health service, prints the handshake line, and shuts down gracefully on
//! `GRPCController.Shutdown`, SIGTERM or SIGINT, removing the socket.
//!
//! Knows processes, sockets and gRPC; knows nothing of what the provider does.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use super::grpc::ProviderService;
use super::handshake::{self, Handshake, HandshakeError, Transport};
use super::interface::Provider;
use super::proto::plugin as goplugin;
use super::proto::tfplugin6 as pb;
use super::tls::{self, ServerIdentity, TlsError};

/// Largest gRPC message accepted or sent; schemas and states are far smaller.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Handshake(#[from] HandshakeError),
    #[error("could not set up TLS for the plugin connection: {0}")]
    Tls(#[from] TlsError),
    #[error("could not listen for Terraform's connection on {what}: {source}")]
    Listen {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("the gRPC server stopped with an error: {0}")]
    Server(#[from] tonic::transport::Error),
}

/// How the process was started.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// `--debug`: no magic cookie needed, no TLS, and the reattach line is printed for a
    /// developer instead of the handshake line.
    pub debug: bool,
    /// The provider's source address, used in the reattach line.
    pub source_address: String,
}

/// Serves `provider` until Terraform (or a signal) shuts the plugin down.
pub async fn serve(provider: Arc<dyn Provider>, options: ServeOptions) -> Result<(), ServeError> {
    let handshake = Handshake::from_env(!options.debug)?;
    let shutdown = CancellationToken::new();

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

    let (listener, network, address, socket_path) = listen(&handshake.transport).await?;
    let (sender, receiver) = mpsc::channel::<io::Result<Connection>>(16);
    let acceptor = tls.as_ref().map(|(_, a)| a.clone());
    let accept_task = tokio::spawn(accept_loop(listener, acceptor, sender, shutdown.clone()));

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

    // Watch signals before announcing ourselves: a signal right after the line is not lost.
    let signals = watch_signals(provider.clone(), shutdown.clone());
    let orphan_watch =
        (!options.debug).then(|| tokio::spawn(watch_parent(provider, shutdown.clone())));

    if options.debug {
        println!(
            "{}",
            reattach_line(&options.source_address, network, &address)
        );
        eprintln!(
            "terraform-provider-cloudhsm is serving in debug mode. Export the line above in the \
             shell where you run terraform; press Ctrl-C here to stop."
        );
    } else {
        let cert = tls.as_ref().map(|(der, _)| der.as_slice());
        println!(
            "{}",
            handshake::handshake_line(handshake.protocol_version, network, &address, cert)
        );
    }
    use std::io::Write as _;
    let _ = io::stdout().flush();
    tracing::info!(network, address, tls = tls.is_some(), "plugin serving");

    let result = router
        .serve_with_incoming_shutdown(
            ReceiverStream::new(receiver),
            shutdown.clone().cancelled_owned(),
        )
        .await;
    shutdown.cancel();
    accept_task.abort();
    signals.abort();
    if let Some(task) = orphan_watch {
        task.abort();
    }
    if let Some(path) = socket_path {
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("plugin stopped");
    result.map_err(ServeError::from)
}

enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

async fn listen(
    transport: &Transport,
) -> Result<(Listener, &'static str, String, Option<PathBuf>), ServeError> {
    match transport {
        Transport::Unix { dir } => {
            let path = socket_path(dir);
            let listener = UnixListener::bind(&path).map_err(|source| ServeError::Listen {
                what: path.display().to_string(),
                source,
            })?;
            let address = path.display().to_string();
            Ok((Listener::Unix(listener), "unix", address, Some(path)))
        }
        Transport::Tcp { min_port, max_port } => {
            let mut last = None;
            for port in *min_port..=*max_port {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => {
                        let address = format!("127.0.0.1:{port}");
                        return Ok((Listener::Tcp(listener), "tcp", address, None));
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

fn socket_path(dir: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    dir.join(format!(
        "plugin-cloudhsm-{}-{nanos:08x}",
        std::process::id()
    ))
}

/// Accepts connections and completes each TLS handshake in its own task, so a slow or
/// hostile client cannot hold up the others.
async fn accept_loop(
    listener: Listener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    sender: mpsc::Sender<io::Result<Connection>>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted: io::Result<Pin<Box<dyn Io>>> = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = async {
                match &listener {
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
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let _ = sender.send(Ok(Connection(Box::pin(tls)))).await;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "refused a connection that failed the TLS handshake")
                        }
                    }
                });
            }
        }
    }
}

/// SIGTERM and SIGINT: stop work in flight, then shut down gracefully (requests in flight
/// finish and answer first). The handlers are installed before this returns, so a signal
/// that arrives right after the handshake line is not lost.
fn watch_signals(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            tracing::warn!("could not install signal handlers");
            return;
        };
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "stopping");
        provider.stop();
        shutdown.cancel();
    })
}

/// Terraform normally ends the plugin with `Shutdown`; if Terraform itself dies (a crash,
/// SIGKILL), the plugin would live on as an orphan holding its pipes. Stop when the parent
/// process changes.
async fn watch_parent(provider: Arc<dyn Provider>, shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
        if std::os::unix::process::parent_id() != parent {
            tracing::warn!("Terraform is gone; stopping");
            provider.stop();
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
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        tracing::debug!(rpc = "Shutdown", "served");
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
        _request: Request<super::proto::google::protobuf::Empty>,
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
            "registry.terraform.io/cloudhsm-iac/cloudhsm",
            "unix",
            "/tmp/p",
        );
        let json = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|s| s.strip_suffix('\''))
            .expect("quoted json");
        let v: serde_json::Value = serde_json::from_str(json).expect("json");
        let entry = &v["registry.terraform.io/cloudhsm-iac/cloudhsm"];
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/p");
    }

    #[test]
    fn socket_paths_live_in_the_given_directory() {
        let p = socket_path(Path::new("/tmp/x"));
        assert!(p.starts_with("/tmp/x"));
        assert!(p.file_name().is_some());
    }
}
