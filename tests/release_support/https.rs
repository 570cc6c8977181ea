//! A small HTTPS server on 127.0.0.1 for the release tests, standing in for a provider
//! registry, a network mirror and the host of the release files: fixed answers by path
//! (GET and HEAD, HTTP/1.1, one request per connection), a log of every request, and a
//! certificate from a test CA that Terraform trusts through `SSL_CERT_FILE`.
//!
//! Terraform is a Go program, and Go reads `SSL_CERT_FILE` on Linux and the BSDs only: on
//! macOS it asks the Security framework, on Windows the system certificate store. There the
//! CA must be in the system's trust store, which a test may change only on a throwaway
//! machine: with `RELEASE_TESTS_TRUST_STORE=system` (the release workflow sets it on its
//! macOS and Windows runners when `./scripts/release-ci.sh trust-store` found that the runner
//! allows it) one CA per test binary is added to it by the probe's own command,
//! `./scripts/release-ci.sh trust-add` (macOS: `sudo security add-trusted-cert -d` into the
//! System keychain; Windows: `certutil -addstore Root`). Without it those
//! platforms skip the HTTPS tests, or fail them when `CI=true`; with
//! `RELEASE_TESTS_TRUST_STORE=refused` (the runner refuses such a change) they say NOT RUN
//! and why ([`trust_store`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A CA made for one test run, and the file holding its certificate.
pub struct TestCa {
    dir: tempfile::TempDir,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

/// A new CA for this test binary.
fn make_ca() -> (String, String) {
    // A name of its own: on macOS and Windows each test binary's CA stays in the system's
    // trust store, beside the others'.
    crate::support::make_ca(&format!("cloudhsm release tests CA {}", std::process::id()))
}

/// How Terraform can be made to trust a test CA here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustStore {
    /// Through `SSL_CERT_FILE` (Linux): nothing to change.
    CertFile,
    /// Only through the system's trust store (macOS, Windows), which the tests may change
    /// (`RELEASE_TESTS_TRUST_STORE=system`).
    SystemAllowed,
    /// Only through the system's trust store, which the tests must not change (not a
    /// throwaway machine): skipped, or failed when `CI=true`.
    SystemNotAllowed,
    /// Only through the system's trust store, which this machine refuses to change
    /// (`RELEASE_TESTS_TRUST_STORE=refused`, set by `release-ci.sh trust-store` after a
    /// probe): the HTTPS tests cannot run here, and say so.
    SystemRefused,
}

/// How Terraform can be made to trust a test CA on this machine (see the module doc).
pub fn trust_store() -> TrustStore {
    if !cfg!(any(target_os = "macos", windows)) {
        return TrustStore::CertFile;
    }
    match std::env::var("RELEASE_TESTS_TRUST_STORE").as_deref() {
        Ok("system") => TrustStore::SystemAllowed,
        Ok("refused") => TrustStore::SystemRefused,
        _ => TrustStore::SystemNotAllowed,
    }
}

/// The CA of this test binary in the system's trust store, added on first use. A failure
/// is kept too: every later test of the binary fails at once with it, instead of waiting
/// for the trust store again.
fn system_trusted_ca() -> &'static (String, String) {
    static CA: std::sync::OnceLock<Result<(String, String), String>> = std::sync::OnceLock::new();
    let added = CA.get_or_init(|| {
        let (cert, key) = make_ca();
        let file = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("release-tests-ca-{}.pem", std::process::id()));
        std::fs::write(&file, &cert).expect("CA file");
        // The probe's own command (`security add-trusted-cert` on macOS, `certutil
        // -addstore` on Windows), bounded at 120 s there: on some runner images a
        // trust-settings change waits for an authorisation nobody can give.
        let mut add = std::process::Command::new(crate::support::bash());
        add.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release-ci.sh"))
            .arg("trust-add")
            .arg(&file);
        let out =
            super::output_within(&mut add, std::time::Duration::from_secs(150)).map_err(|why| {
                format!(
                    "{why} (waiting for an authorisation?); the HTTPS release tests need the \
                     test CA in the system's trust store"
                )
            })?;
        if !out.status.success() {
            return Err(format!(
                "could not add the test CA to the system's trust store ({add:?}):\n{}",
                super::text(&out)
            ));
        }
        Ok((cert, key))
    });
    match added {
        Ok(ca) => ca,
        Err(why) => panic!("{why}"),
    }
}

impl TestCa {
    /// A fresh CA trusted through `SSL_CERT_FILE`; on macOS and Windows the test binary's CA
    /// in the system's trust store (see [`trust_store`]).
    pub fn new() -> Self {
        let (cert, key) = match trust_store() {
            TrustStore::SystemAllowed => system_trusted_ca().clone(),
            TrustStore::SystemNotAllowed | TrustStore::SystemRefused => panic!(
                "Terraform trusts a test CA only through the system's trust store here; \
                 set RELEASE_TESTS_TRUST_STORE=system on a throwaway machine"
            ),
            TrustStore::CertFile => make_ca(),
        };
        let issuer = crate::support::issuer(&cert, &key);
        let dir = tempfile::tempdir().expect("CA dir");
        std::fs::write(dir.path().join("ca.pem"), &cert).expect("ca.pem");
        TestCa { dir, issuer }
    }

    /// The CA certificate (PEM), for `SSL_CERT_FILE`.
    pub fn cert_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A directory holding only the CA certificate, for `SSL_CERT_DIR`: the system's CAs
    /// are then not trusted either, so nothing but this CA can vouch for a server.
    pub fn cert_dir(&self) -> &Path {
        self.dir.path()
    }

    fn server_identity(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        crate::support::server_identity(&self.issuer)
    }
}

#[derive(Clone)]
struct Answer {
    content_type: &'static str,
    body: Arc<Vec<u8>>,
}

#[derive(Default)]
struct Site {
    answers: HashMap<String, Answer>,
    log: Vec<String>,
}

/// The running server; stops when dropped.
pub struct Server {
    /// `https://127.0.0.1:<port>` (`localhost` on Windows), without a trailing slash.
    pub base: String,
    /// `127.0.0.1:<port>` (`localhost:<port>` on Windows).
    pub authority: String,
    site: Arc<Mutex<Site>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts serving on a free port, on a thread (and runtime) of its own.
    pub fn start(ca: &TestCa) -> Server {
        let (cert, key) = ca.server_identity();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("TLS config");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("address").port();
        // Go on Windows leaves the name check to Windows when it verifies with the system's
        // store, and that does not match an IP address against the certificate's IP names
        // (golang/go#37176): there the server is reached by the name it also carries.
        let host = if cfg!(windows) {
            "localhost"
        } else {
            "127.0.0.1"
        };
        let authority = format!("{host}:{port}");
        let site = Arc::new(Mutex::new(Site::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = site.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let accept = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                            continue;
                        };
                        let acceptor = acceptor.clone();
                        let site = served.clone();
                        tokio::spawn(async move {
                            // A client that gives up on the handshake is not our failure.
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve(tls, &site).await;
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Server {
            base: format!("https://{authority}"),
            authority,
            site,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Answers `GET path` (and `HEAD path`) with `body`.
    pub fn put(&self, path: &str, content_type: &'static str, body: Vec<u8>) {
        self.site.lock().expect("site").answers.insert(
            path.to_string(),
            Answer {
                content_type,
                body: Arc::new(body),
            },
        );
    }

    /// [`Server::put`] of a JSON document.
    pub fn put_json(&self, path: &str, doc: &serde_json::Value) {
        self.put(path, "application/json", doc.to_string().into_bytes());
    }

    /// Every request so far, as `METHOD /path` in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.site.lock().expect("site").log.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve<S>(mut stream: S, site: &Mutex<Site>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_string();
    let answer = {
        let mut site = site.lock().expect("site");
        site.log.push(format!("{method} {path}"));
        site.answers.get(&path).cloned()
    };
    let (status, content_type, body) = match (method.as_str(), answer) {
        ("GET" | "HEAD", Some(a)) => ("200 OK", a.content_type, a.body),
        ("GET" | "HEAD", None) => (
            "404 Not Found",
            "text/plain",
            Arc::new(format!("nothing at {path}\n").into_bytes()),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            Arc::new(b"GET or HEAD only\n".to_vec()),
        ),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(header.as_bytes()).await.is_err() {
        return;
    }
    if method != "HEAD" && stream.write_all(&body).await.is_err() {
        return;
    }
    let _ = stream.shutdown().await;
}
