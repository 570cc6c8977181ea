use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::accept::{accept_loop, Accept, Handshaker, MAX_TLS_HANDSHAKES};
use super::connection::{Connection, Io};
use super::listen::Listener;
#[cfg(unix)]
use super::listen::{bind_unix, random_name, SOCKET_NAME_ATTEMPTS};
use super::{reattach_line, TLS_HANDSHAKE_TIMEOUT};
use super::{run, ServeError, ServeOptions, SHUTDOWN_GRACE};
use crate::handshake::{Handshake, Transport};
use crate::interface::Provider;
use crate::proto::{plugin as goplugin, tfplugin6 as pb};
use crate::tls::{self, ServerIdentity};

/// Any stream a test client connects with.
trait ClientIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> ClientIo for T {}

/// Where a test server listens, for the tests that are not about the transport: the unix
/// socket (go-plugin's default there) on unix, loopback TCP (the only transport) elsewhere.
/// The unix socket's files are removed when the second half is dropped.
#[cfg(unix)]
fn test_listener(parent: &Path) -> (Listener, String, Option<super::listen::SocketFiles>) {
    let (listener, files) = bind_unix(parent, random_name).expect("bind");
    let address = files.socket.display().to_string();
    (Listener::Unix(listener), address, Some(files))
}

#[cfg(not(unix))]
fn test_listener(_parent: &Path) -> (Listener, String, Option<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    listener.set_nonblocking(true).expect("non-blocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    (Listener::Tcp(listener), address, None)
}

/// Connects to a test server's address: a unix socket's path, or `127.0.0.1:<port>`.
async fn connect(address: &str) -> io::Result<Box<dyn ClientIo>> {
    #[cfg(unix)]
    if !address.starts_with("127.0.0.1:") {
        return Ok(Box::new(tokio::net::UnixStream::connect(address).await?));
    }
    Ok(Box::new(tokio::net::TcpStream::connect(address).await?))
}

/// The transport of [`shutdown_during_an_apply`]'s handshake: a unix socket in `parent` on
/// unix, a loopback TCP port elsewhere.
fn test_transport(parent: &Path) -> Transport {
    #[cfg(unix)]
    {
        Transport::Unix {
            dir: parent.to_path_buf(),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = parent;
        Transport::Tcp {
            min_port: 23300,
            max_port: 23399,
        }
    }
}

/// Whether a test server's address is gone: the socket file removed, or the port closed.
fn address_is_gone(address: &str) -> bool {
    if address.starts_with("127.0.0.1:") {
        std::net::TcpStream::connect(address).is_err()
    } else {
        !Path::new(address).exists()
    }
}

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
        assert_eq!(hex.len(), 16, "{name}");
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
async fn a_socket_path_too_long_for_the_platform_is_refused_before_anything_is_created() {
    let parent = tempfile::tempdir().expect("tempdir");
    let long = parent
        .path()
        .join("d".repeat(super::listen::SOCKET_PATH_MAX));
    std::fs::create_dir(&long).expect("long parent");
    let err = bind_unix(&long, random_name).expect_err("too long");
    let text = err.to_string();
    assert!(
        matches!(err, ServeError::SocketPathTooLong { .. }),
        "{text}"
    );
    assert!(text.contains("PLUGIN_UNIX_SOCKET_DIR"), "{text}");
    assert!(text.contains(&long.display().to_string()), "{text}");
    let left: Vec<_> = std::fs::read_dir(&long).expect("dir").collect();
    assert!(left.is_empty(), "nothing is created: {left:?}");

    // The name drawn leaves room for a parent as long as macOS's TMPDIR and a tempdir in it.
    let name = random_name().expect("name");
    let macos_test_parent = "/var/folders/24/8k48jl6d249_n_qfxwsl6xvm0000gn/T/.tmpAbCdEf";
    assert!(
        format!("{macos_test_parent}/{name}/sock").len() <= 103,
        "{name} is too long for macOS"
    );
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
#[derive(Debug)]
struct Pinned(Vec<u8>, rustls::crypto::WebPkiSupportedAlgorithms);

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

/// Over the unix socket on unix, loopback TCP elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_the_tls_handshake_is_dropped() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use tokio::io::AsyncReadExt as _;

    let parent = tempfile::tempdir().expect("tempdir");
    let (listener, address, _files) = test_listener(parent.path());
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
        listener,
        Some(tokio_rustls::TlsAcceptor::from(config)),
        timeout,
        sender,
        shutdown.clone(),
    ));

    // Connects and says nothing.
    let mut silent = connect(&address).await.expect("connect");

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
    let stream = connect(&address).await.expect("connect");
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
struct Waiter {
    stop: CancellationToken,
    applying: Arc<tokio::sync::Notify>,
    /// Whether its apply ends when the provider is asked to stop.
    honours_stop: bool,
}

fn waiter_schema() -> crate::schema::Schema {
    use crate::schema::{Attribute, Block, Schema};
    Schema::new(Block {
        attributes: vec![Attribute::string("id").required()],
        ..Default::default()
    })
}

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
    async fn validate_config(&self, _: &crate::value::Value) -> crate::diagnostics::Diagnostics {
        Default::default()
    }
    async fn configure(&self, _: &crate::value::Value, _: &str) -> crate::diagnostics::Diagnostics {
        Default::default()
    }
    fn stop(&self) {
        self.stop.cancel();
    }
}

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
/// end, and its address (the socket's path on unix, `127.0.0.1:<port>` elsewhere).
struct AfterShutdown {
    apply: tokio::task::JoinHandle<
        Result<tonic::Response<pb::apply_resource_change::Response>, tonic::Status>,
    >,
    server: tokio::task::JoinHandle<Result<(), ServeError>>,
    socket: String,
}

/// Serves a provider whose apply waits (ending on stop when `honours_stop`), starts an
/// apply, and sends GRPCController.Shutdown once it waits.
async fn shutdown_during_an_apply(
    honours_stop: bool,
    grace: Duration,
    parent: &Path,
) -> AfterShutdown {
    use crate::value::{self, Value};
    let handshake = Handshake {
        protocol_version: 6,
        transport: test_transport(parent),
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
            async move { connect(&path).await.map(hyper_util::rt::TokioIo::new) }
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
    assert!(
        address_is_gone(&after.socket),
        "socket removed, or port closed"
    );
}

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
    assert!(
        address_is_gone(&after.socket),
        "socket removed, or port closed"
    );
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
