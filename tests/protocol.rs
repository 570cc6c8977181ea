//! Protocol tests: start the real provider binary the way Terraform does (environment,
//! handshake line on stdout), connect over its unix socket or TCP port with mutual TLS,
//! and speak gRPC to it.
//!
//! What differs by platform has a test on each:
//!
//! | behaviour | unix | Windows |
//! | --- | --- | --- |
//! | default transport | a unix socket in a 0700 directory of its own, removed on exit | loopback TCP, closed on exit |
//! | Ctrl-C in a terminal | SIGINT ignored (Terraform stops the plugin) | Ctrl-Break ignored (Ctrl-C cannot be aimed at one process group) |
//! | stopped from outside | SIGTERM | GRPCController.Shutdown (Windows has no SIGTERM) |
//! | `--debug` stops on | SIGINT | Ctrl-Break |
//! | an orphaned plugin | stops when its parent changes | stops when its parent process ends |

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tfplugin::proto::plugin as goplugin;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::value::{self, Value};
use tonic::transport::{Channel, Endpoint};

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-cloudhsm"))
}

/// A client identity like the one Terraform generates per run.
struct ClientIdentity {
    cert_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn client_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("cert");
    ClientIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

struct Plugin {
    child: Child,
    network: String,
    address: String,
    server_cert_der: Option<Vec<u8>>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the plugin (on Windows in a process group of its own, which a Ctrl-Break can be
/// aimed at) and reads its handshake line.
fn start(envs: &[(&str, &str)], args: &[&str]) -> Plugin {
    let mut cmd = Command::new(binary());
    #[cfg(windows)]
    support::in_own_group(&mut cmd);
    cmd.args(args)
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("provider starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("handshake line");
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line {line:?}");
    assert_eq!(fields[0], "1", "core protocol");
    assert_eq!(fields[1], "6", "plugin protocol");
    assert_eq!(fields[4], "grpc");
    let server_cert_der = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("cert is base64 without padding")
    });
    Plugin {
        child,
        network: fields[2].to_string(),
        address: fields[3].to_string(),
        server_cert_der,
    }
}

fn plugin_env<'a>(socket_dir: &'a str, client: &'a ClientIdentity) -> Vec<(&'a str, &'a str)> {
    vec![
        ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
        ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
        ("PLUGIN_UNIX_SOCKET_DIR", socket_dir),
        ("PLUGIN_CLIENT_CERT", client.cert_pem.as_str()),
    ]
}

/// Trusts exactly the certificate the handshake announced, as go-plugin's client does
/// (that certificate is its own CA, which webpki would refuse as an end entity).
#[derive(Debug)]
struct PinnedServerCert {
    der: Vec<u8>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "not the announced server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn tls_connector(client: &ClientIdentity, server_cert_der: &[u8]) -> tokio_rustls::TlsConnector {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServerCert {
        der: server_cert_der.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(
            vec![CertificateDer::from(client.cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client.key_der.clone())),
        )
        .expect("client auth");
    config.alpn_protocols = vec![b"h2".to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// A gRPC channel to the plugin, over its unix socket or TCP port, with TLS when the
/// handshake carried a server certificate.
async fn channel(
    plugin: &Plugin,
    client: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let network = plugin.network.clone();
    let address = plugin.address.clone();
    let tls = match (client, &plugin.server_cert_der) {
        (Some(c), Some(der)) => Some(tls_connector(c, der)),
        _ => None,
    };
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_| {
            let network = network.clone();
            let address = address.clone();
            let tls = tls.clone();
            async move {
                let stream: Box<dyn IoStream> = match network.as_str() {
                    #[cfg(unix)]
                    "unix" => Box::new(tokio::net::UnixStream::connect(&address).await?),
                    "tcp" => Box::new(tokio::net::TcpStream::connect(&address).await?),
                    other => {
                        return Err(std::io::Error::other(format!("network {other:?}")));
                    }
                };
                let io: Box<dyn IoStream> = match tls {
                    Some(tls) => {
                        let name = ServerName::try_from("localhost").expect("name");
                        Box::new(tls.connect(name, stream).await?)
                    }
                    None => stream,
                };
                Ok::<_, std::io::Error>(TokioIo::new(io))
            }
        }))
        .await
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> IoStream for T {}

fn provider_config(pairs: Vec<(&str, Value)>) -> pb::DynamicValue {
    let schema = terraform_provider_cloudhsm::provider::provider_schema();
    let ty = schema.value_type();
    let value = Value::object(pairs);
    pb::DynamicValue {
        msgpack: value::encode_msgpack(&value, &ty).expect("encode"),
        json: Vec::new(),
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn refuses_to_run_by_hand_with_a_plain_message() {
    let out = Command::new(binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a command to run by hand"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn refuses_a_terraform_that_offers_no_protocol_we_speak() {
    let out = Command::new(binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains('6') && stderr.contains("4,5"), "{stderr}");
}

#[test]
fn version_flag_prints_the_version() {
    let out = Command::new(binary())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_provider_over_mutual_tls_on_a_unix_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let client = client_identity();
    let mut plugin = start(&plugin_env(&socket_dir, &client), &[]);
    assert_eq!(plugin.network, "unix");
    assert!(
        plugin.address.starts_with(&socket_dir),
        "{}",
        plugin.address
    );
    serves_over_mutual_tls_until_shutdown(&mut plugin, &client).await;
    assert!(
        !std::path::Path::new(&plugin.address).exists(),
        "socket removed on exit"
    );
}

/// Windows' counterpart: no unix sockets, so loopback TCP is the default transport, and its
/// port is closed once the plugin exits.
#[cfg(windows)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_provider_over_mutual_tls_on_loopback_tcp_by_default_on_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let client = client_identity();
    let mut plugin = start(&plugin_env(&socket_dir, &client), &[]);
    assert_eq!(plugin.network, "tcp");
    assert!(
        plugin.address.starts_with("127.0.0.1:"),
        "{}",
        plugin.address
    );
    serves_over_mutual_tls_until_shutdown(&mut plugin, &client).await;
    assert_closed(&plugin.address);
}

/// The provider's services over mutual TLS, a stranger refused, then GRPCController.Shutdown,
/// after which the plugin exits successfully.
async fn serves_over_mutual_tls_until_shutdown(plugin: &mut Plugin, client: &ClientIdentity) {
    let server_der = plugin
        .server_cert_der
        .clone()
        .expect("AutoMTLS cert in handshake");
    let parsed = x509_parser::parse_x509_certificate(&server_der).expect("DER certificate");
    assert!(
        parsed.1.validity().is_valid(),
        "fresh certificate is valid now"
    );

    let channel = channel(plugin, Some(client)).await.expect("mTLS connect");
    let mut provider = pb::provider_client::ProviderClient::new(channel.clone());

    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let caps = schema.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);
    for r in [
        "cloudhsm_cluster_initialization",
        "cloudhsm_cluster_config",
        "cloudhsm_one_time_root",
        "cloudhsm_backup_copy",
        "cloudhsm_backup_retention_exemption",
    ] {
        assert!(schema.resource_schemas.contains_key(r), "missing {r}");
    }
    assert!(schema.data_source_schemas.contains_key("cloudhsm_cluster"));
    assert!(schema.data_source_schemas.contains_key("cloudhsm_backups"));
    let provider_block = schema
        .provider
        .expect("provider schema")
        .block
        .expect("block");
    let secret = provider_block
        .attributes
        .iter()
        .find(|a| a.name == "secret_key")
        .expect("secret_key");
    assert!(secret.sensitive);

    let metadata = provider
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("metadata")
        .into_inner();
    assert_eq!(metadata.resources.len(), 5);
    assert_eq!(metadata.data_sources.len(), 2);

    // A bad region is an error on `region`, and the message does not echo secrets.
    let bad = provider
        .validate_provider_config(pb::validate_provider_config::Request {
            config: Some(provider_config(vec![
                ("region", Value::string("Frankfurt")),
                ("access_key", Value::string("AKIDSECRETVALUE")),
                ("secret_key", Value::string("do-not-print-me")),
            ])),
        })
        .await
        .expect("validate")
        .into_inner();
    let region_error = bad
        .diagnostics
        .iter()
        .find(|d| {
            d.attribute.as_ref().is_some_and(|p| {
                p.steps.first().and_then(|s| s.selector.clone())
                    == Some(pb::attribute_path::step::Selector::AttributeName(
                        "region".into(),
                    ))
            })
        })
        .expect("error on region");
    assert_eq!(
        region_error.severity,
        pb::diagnostic::Severity::Error as i32
    );
    let all = format!("{:?}", bad.diagnostics);
    assert!(!all.contains("do-not-print-me") && !all.contains("AKIDSECRETVALUE"));

    let good = provider
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(provider_config(vec![
                ("region", Value::string("eu-west-1")),
                ("access_key", Value::string("AKIDTEST")),
                ("secret_key", Value::string("secret")),
            ])),
            client_capabilities: None,
        })
        .await
        .expect("configure")
        .into_inner();
    assert!(good.diagnostics.is_empty(), "{:?}", good.diagnostics);

    // An unknown resource type is a diagnostic, not a crash.
    let unknown = provider
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "cloudhsm_nope".into(),
            config: None,
            client_capabilities: None,
        })
        .await
        .expect("answer")
        .into_inner();
    assert!(unknown.diagnostics[0].summary.contains("cloudhsm_nope"));

    // Features we do not offer answer with a diagnostic naming them.
    let functions = provider
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("functions")
        .into_inner();
    assert!(functions.functions.is_empty());

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let mut stdio = goplugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    stdio
        .stream_stdio(tfplugin::proto::google::protobuf::Empty {})
        .await
        .expect("stdio stream opens");

    let stop = provider
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("stop")
        .into_inner();
    assert!(stop.error.is_empty());

    // A client with another certificate is refused.
    let stranger = client_identity();
    let refused = match channel_with(plugin, &stranger).await {
        Err(_) => true,
        Ok(ch) => pb::provider_client::ProviderClient::new(ch)
            .get_metadata(pb::get_metadata::Request {})
            .await
            .is_err(),
    };
    assert!(refused, "a client with another certificate must be refused");

    shut_down(plugin, channel).await;
}

/// GRPCController.Shutdown, as Terraform ends a plugin; the plugin must then exit
/// successfully within 10 s.
async fn shut_down(plugin: &mut Plugin, channel: Channel) {
    goplugin::grpc_controller_client::GrpcControllerClient::new(channel)
        .shutdown(goplugin::Empty {})
        .await
        .expect("shutdown");
    let status =
        tokio::task::block_in_place(|| wait_exit(&mut plugin.child, Duration::from_secs(10)))
            .expect("exits after Shutdown");
    assert!(status.success(), "{status:?}");
}

/// Nothing listens at `address` any more.
#[track_caller]
fn assert_closed(address: &str) {
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "port {address} closed on exit"
    );
}

async fn channel_with(
    plugin: &Plugin,
    client: &ClientIdentity,
) -> Result<Channel, tonic::transport::Error> {
    channel(plugin, Some(client)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_connection_is_refused_when_tls_is_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let client = client_identity();
    let plugin = start(&plugin_env(&socket_dir, &client), &[]);
    let ok = match channel(&plugin, None).await {
        Err(_) => false,
        Ok(ch) => pb::provider_client::ProviderClient::new(ch)
            .get_metadata(pb::get_metadata::Request {})
            .await
            .is_ok(),
    };
    assert!(
        !ok,
        "plaintext must not reach the provider when AutoMTLS is on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_transport_listens_on_loopback_within_the_port_range() {
    let client = client_identity();
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let mut env = plugin_env(&socket_dir, &client);
    env.push(("CLOUDHSM_PLUGIN_TRANSPORT", "tcp"));
    env.push(("PLUGIN_MIN_PORT", "23100"));
    env.push(("PLUGIN_MAX_PORT", "23199"));
    let mut plugin = start(&env, &[]);
    assert_eq!(plugin.network, "tcp");
    let port: u16 = plugin
        .address
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .expect("127.0.0.1:PORT");
    assert!((23100..=23199).contains(&port));
    let ch = channel(&plugin, Some(&client)).await.expect("connect");
    pb::provider_client::ProviderClient::new(ch.clone())
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("metadata over TCP");
    // SIGTERM stops it cleanly.
    #[cfg(unix)]
    signal(&plugin.child, "TERM");
    // Windows has no SIGTERM: Terraform's Shutdown stops it cleanly.
    #[cfg(windows)]
    goplugin::grpc_controller_client::GrpcControllerClient::new(ch)
        .shutdown(goplugin::Empty {})
        .await
        .expect("shutdown");
    let status =
        tokio::task::block_in_place(|| wait_exit(&mut plugin.child, Duration::from_secs(10)))
            .expect("exits when stopped");
    assert!(status.success(), "{status:?}");
    assert_closed(&plugin.address);
}

#[cfg(unix)]
fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{name}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_is_ignored_and_sigterm_stops_the_plugin_and_removes_its_socket() {
    // A Ctrl-C in the terminal reaches Terraform and the plugin alike; Terraform then stops
    // the plugin itself (StopProvider, Shutdown), so the plugin must keep serving meanwhile.
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let client = client_identity();
    let mut plugin = start(&plugin_env(&socket_dir, &client), &[]);
    let socket = std::path::PathBuf::from(&plugin.address);
    let socket_parent = socket.parent().expect("parent").to_path_buf();
    assert_ne!(
        socket_parent,
        dir.path(),
        "the socket has a directory of its own"
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&socket_parent)
            .expect("socket dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "only the owner may reach the socket");
    }

    signal(&plugin.child, "INT");
    signal(&plugin.child, "INT");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        plugin.child.try_wait().expect("status").is_none(),
        "SIGINT must not stop the plugin"
    );
    let ch = channel(&plugin, Some(&client)).await.expect("connect");
    let schema = pb::provider_client::ProviderClient::new(ch)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("still serving after SIGINT")
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);

    signal(&plugin.child, "TERM");
    let status =
        tokio::task::block_in_place(|| wait_exit(&mut plugin.child, Duration::from_secs(10)))
            .expect("exits on SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "socket removed");
    assert!(!socket_parent.exists(), "socket directory removed");
}

/// Windows' counterpart: a Ctrl-Break (what reaches a process group; Terraform, in Go, takes
/// it as an interrupt, as it does Ctrl-C) must not stop the plugin, since Terraform stops it
/// itself; Shutdown then does, and the port closes.
#[cfg(windows)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_break_is_ignored_and_shutdown_stops_the_plugin_on_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket_dir = dir.path().to_string_lossy().into_owned();
    let client = client_identity();
    let mut plugin = start(&plugin_env(&socket_dir, &client), &[]);
    support::ctrl_break(plugin.child.id());
    support::ctrl_break(plugin.child.id());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        plugin.child.try_wait().expect("status").is_none(),
        "Ctrl-Break must not stop the plugin"
    );
    let ch = channel(&plugin, Some(&client)).await.expect("connect");
    let schema = pb::provider_client::ProviderClient::new(ch.clone())
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("still serving after Ctrl-Break")
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);

    shut_down(&mut plugin, ch).await;
    assert_closed(&plugin.address);
}

/// The reattach line of `--debug` (a developer runs the plugin in a terminal), as JSON:
/// the child, its entry for our source address.
fn start_debug(socket_dir: &std::path::Path) -> (Child, serde_json::Value) {
    let mut cmd = Command::new(binary());
    #[cfg(windows)]
    support::in_own_group(&mut cmd);
    let mut child = cmd
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let json = line
        .trim_end()
        .strip_prefix("TF_REATTACH_PROVIDERS='")
        .and_then(|s| s.strip_suffix('\''))
        .expect("reattach line");
    let v: serde_json::Value = serde_json::from_str(json).expect("json");
    let entry = v["registry.terraform.io/cloudhsm-iac/cloudhsm"].clone();
    assert_eq!(entry["Pid"], child.id());
    (child, entry)
}

/// Windows' counterpart: the reattach line names loopback TCP, and Ctrl-Break stops the
/// plugin in `--debug` mode.
#[cfg(windows)]
#[test]
fn debug_mode_prints_the_reattach_line_and_stops_on_ctrl_break() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, entry) = start_debug(dir.path());
    assert_eq!(entry["Addr"]["Network"], "tcp");
    let address = entry["Addr"]["String"]
        .as_str()
        .expect("address")
        .to_string();
    assert!(
        std::net::TcpStream::connect(&address).is_ok(),
        "{address} serves"
    );
    support::ctrl_break(child.id());
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits on Ctrl-Break");
    assert!(status.success(), "{status:?}");
    assert_closed(&address);
}

#[cfg(unix)]
#[test]
fn debug_mode_prints_the_reattach_line_and_stops_on_sigint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, entry) = start_debug(dir.path());
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"]
        .as_str()
        .expect("socket")
        .to_string();
    assert!(std::path::Path::new(&socket).exists());
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits on SIGINT");
    assert!(status.success(), "{status:?}");
    assert!(!std::path::Path::new(&socket).exists(), "socket removed");
}

/// Not a test: the parent that [`an_orphaned_plugin_stops_by_itself`] starts (this test
/// binary again, with `ORPHAN_LAUNCHER` naming the socket directory). It starts the plugin
/// on this process's stdout, waits half a second and exits, which leaves the plugin an
/// orphan. Run as part of the suite it does nothing.
#[test]
fn helper_orphan_launcher_not_a_test() {
    let Some(socket_dir) = std::env::var_os("ORPHAN_LAUNCHER") else {
        return;
    };
    Command::new(binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_dir)
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::null())
        .spawn()
        .expect("plugin starts");
    std::thread::sleep(Duration::from_millis(500));
    std::process::exit(0);
}

/// Terraform crashing must not leave the plugin running: started by a parent that exits
/// right after (unix: the plugin sees its parent change; Windows: it sees its parent process
/// end), it stops and removes its socket (unix) or closes its port (Windows).
#[test]
fn an_orphaned_plugin_stops_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut launcher = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "helper_orphan_launcher_not_a_test",
            "--test-threads=1",
        ])
        .env("ORPHAN_LAUNCHER", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("launcher starts");
    // The test harness prints its own lines first; the handshake is the line with `|grpc|`.
    let mut out = BufReader::new(launcher.stdout.take().expect("stdout"));
    let mut line = String::new();
    let handshake = loop {
        line.clear();
        let read = out.read_line(&mut line).expect("launcher output");
        assert!(
            read > 0,
            "the launcher ended without the plugin's handshake line"
        );
        if line.contains("|grpc|") {
            break line.trim_end().to_string();
        }
    };
    let fields: Vec<&str> = handshake.split('|').collect();
    let (network, address) = (fields[2].to_string(), fields[3].to_string());
    let serving = || match network.as_str() {
        "unix" => std::path::Path::new(&address).exists(),
        _ => std::net::TcpStream::connect(&address).is_ok(),
    };
    assert!(serving(), "the plugin serves at {address} ({network})");
    let _ = launcher.wait();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while serving() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !serving(),
        "the orphaned plugin should stop and close {address} ({network})"
    );
    assert_eq!(network, if cfg!(unix) { "unix" } else { "tcp" });
}
