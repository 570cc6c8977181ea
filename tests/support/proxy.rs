//! Corporate networks for the end-to-end tests: a real TLS-intercepting HTTPS proxy
//! ([`InterceptingProxy`], mitmproxy's `mitmdump` on 127.0.0.1 with its own CA and the addon
//! `proxy_addon.py` beside this file), a proxy address where nothing listens
//! ([`ClosedPort`]) and a proxy that accepts connections and never answers ([`SilentProxy`]).
//!
//! The intercepting proxy lets a client resolve real endpoint names with no endpoint override:
//! it answers `CONNECT cloudhsmv2.eu-west-1.amazonaws.com:443`, intercepts TLS with a
//! certificate its CA signed for that name, and relays the decrypted request over plain HTTP
//! to the route for the host's first label (`cloudhsmv2` → the emulator), the Host header as
//! the client sent it. It never dials the real host (this machine has no internet access):
//! a CONNECT to a host with no route is refused with 502. Every CONNECT and request is logged
//! ([`InterceptingProxy::connects`], [`InterceptingProxy::requests`]).
//!
//! mitmdump comes from `MITMDUMP`, else `.tools/mitmproxy/` (`scripts/ensure-mitmproxy.sh`).
//! Without one, [`InterceptingProxy::start`] answers `None` with a SKIPPED message, or panics
//! when `CI=true`.

use std::io::Read as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long mitmdump may take to start listening (Python imports on a busy machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What an [`InterceptingProxy`] asks of its clients.
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// Require `Proxy-Authorization: Basic` with this user and password (mitmdump
    /// `--proxyauth user:pass`); a CONNECT without them is answered 407.
    pub basic_auth: Option<(String, String)>,
}

/// One request the proxy received (inside a CONNECT tunnel, or a plain-HTTP proxy request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedRequest {
    /// The CONNECT target (`host:port`) of the tunnel it came through, if any.
    pub connect_target: Option<String>,
    /// The TLS server name the client sent, if it came over TLS.
    pub sni: Option<String>,
    /// The host and port the client asked for, before the proxy rerouted the request.
    pub host: String,
    pub port: u16,
    /// `https` inside a tunnel, `http` for a plain proxy request.
    pub scheme: String,
    /// The Host header (or HTTP/2 `:authority`) as the client sent it.
    pub host_header: Option<String>,
    pub method: String,
    pub path: String,
    /// The `X-Amz-Target` header (CloudHSM v2, AWS JSON 1.1).
    pub target: Option<String>,
    /// The `Action` of a query-protocol request (STS), from the form body or the query.
    pub action: Option<String>,
    /// The SigV4 credential scope of the `Authorization` header, if it has one.
    pub access_key_id: Option<String>,
    pub signing_region: Option<String>,
    pub signing_service: Option<String>,
    /// Whether this request itself carried a `Proxy-Authorization` header (never its value).
    pub proxy_authorization: bool,
    /// Where the proxy relayed it (`127.0.0.1:PORT`), `None` when it did not.
    pub routed_to: Option<String>,
    /// The Host header it was relayed with (the same as `host_header`, or the addon is wrong).
    pub forwarded_host_header: Option<String>,
    /// The status the proxy answered itself (407, 502), when it did not relay the request.
    pub refused: Option<u16>,
}

impl ProxiedRequest {
    /// The operation: `DescribeClusters` from `X-Amz-Target: BaldrApiService.DescribeClusters`,
    /// or the STS `Action`.
    pub fn operation(&self) -> Option<&str> {
        match &self.target {
            Some(target) => target.rsplit('.').next(),
            None => self.action.as_deref(),
        }
    }

    fn from_json(line: &serde_json::Value) -> Self {
        let text = |key: &str| line[key].as_str().map(str::to_string);
        ProxiedRequest {
            connect_target: text("connect_target"),
            sni: text("sni"),
            host: text("host").unwrap_or_default(),
            port: line["port"]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0),
            scheme: text("scheme").unwrap_or_default(),
            host_header: text("host_header"),
            method: text("method").unwrap_or_default(),
            path: text("path").unwrap_or_default(),
            target: text("target"),
            action: text("action"),
            access_key_id: text("access_key_id"),
            signing_region: text("signing_region"),
            signing_service: text("signing_service"),
            proxy_authorization: line["proxy_authorization"].as_bool().unwrap_or(false),
            routed_to: text("routed_to"),
            forwarded_host_header: text("forwarded_host_header"),
            refused: refused(line),
        }
    }
}

/// One CONNECT the proxy received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedConnect {
    /// `host:port`, e.g. `cloudhsmv2.eu-west-1.amazonaws.com:443`.
    pub target: String,
    /// Whether the CONNECT carried a `Proxy-Authorization` header (never its value).
    pub proxy_authorization: bool,
    /// The status the proxy refused it with (407: no or wrong credentials; 502: no route).
    pub refused: Option<u16>,
}

fn refused(line: &serde_json::Value) -> Option<u16> {
    line["refused"].as_u64().and_then(|s| u16::try_from(s).ok())
}

/// A running `mitmdump`, stopped (killed and reaped) when dropped.
pub struct InterceptingProxy {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    basic_auth: Option<(String, String)>,
}

/// The `mitmdump` to run, or `None` (with a message) when there is none outside CI.
pub fn mitmdump() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join(".tools/mitmproxy");
    let found = match std::env::var_os("MITMDUMP").filter(|v| !v.is_empty()) {
        Some(given) => {
            let given = PathBuf::from(given);
            let found = if given.components().count() == 1 {
                super::which(&given.to_string_lossy())
            } else {
                // `.exe` added on Windows, where ensure-mitmproxy.sh names it without.
                super::executable_file(&given)
            };
            if found.is_none() {
                panic!(
                    "MITMDUMP={} is not a file; unset it or point it at mitmdump",
                    given.display()
                );
            }
            found
        }
        None => [venv.join("bin/mitmdump"), venv.join("Scripts/mitmdump.exe")]
            .into_iter()
            .find(|p| p.is_file()),
    };
    if let Some(found) = found {
        // mitmdump runs with a scratch working directory: a relative path must not break.
        return Some(super::absolute(found));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no mitmdump was found (MITMDUMP, .tools/mitmproxy). \
             Run ./scripts/ensure-mitmproxy.sh or ./scripts/test.sh, which installs one."
        );
    }
    eprintln!(
        "SKIPPED: no mitmdump found; run ./scripts/ensure-mitmproxy.sh (installs one) \
         or set MITMDUMP"
    );
    None
}

impl InterceptingProxy {
    /// Starts mitmdump on a free port of 127.0.0.1 with a fresh CA, relaying requests whose
    /// host's first label is a route's name (`"cloudhsmv2"`, `"sts"`) to its address over plain
    /// HTTP. Waits until it accepts connections; panics with its output if it does not.
    /// `None` when there is no mitmdump outside CI (see [`mitmdump`]).
    pub fn start(routes: &[(&str, SocketAddr)], options: ProxyOptions) -> Option<Self> {
        let mitmdump = mitmdump()?;
        let dir = tempfile::tempdir().expect("tempdir for mitmdump");
        let confdir = dir.path().join("conf");
        let addon = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/proxy_addon.py");
        let output = std::fs::File::create(dir.path().join("mitmdump.out"))
            .expect("create mitmdump's output file");
        let mut cmd = Command::new(&mitmdump);
        cmd.current_dir(dir.path())
            .args(["--listen-host", "127.0.0.1", "--listen-port", "0"])
            .arg("--set")
            .arg(format!("confdir={}", confdir.display()))
            .arg("-s")
            .arg(&addon)
            .arg("--set")
            .arg(format!(
                "harness_log={}",
                dir.path().join("log.jsonl").display()
            ))
            // No server connection before the addon has chosen the destination, and no
            // looking up the real server's certificate: the real host must never be dialled.
            .args(["--set", "connection_strategy=lazy"])
            .args(["--set", "upstream_cert=false"])
            // mitm.it (the CA download page) would answer instead of a route.
            .args(["--set", "onboarding=false"]);
        for (name, address) in routes {
            cmd.arg("--set")
                .arg(format!("harness_route={name}={address}"));
        }
        if let Some((user, password)) = &options.basic_auth {
            cmd.arg("--proxyauth").arg(format!("{user}:{password}"));
        }
        cmd.env("PYTHONUNBUFFERED", "1")
            // No __pycache__ beside the addon in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("clone mitmdump's output file"))
            .stderr(output);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", mitmdump.display()));
        let mut proxy = InterceptingProxy {
            child,
            port: 0,
            dir,
            basic_auth: options.basic_auth,
        };
        proxy.port = proxy.wait_until_listening();
        Some(proxy)
    }

    /// Waits for "HTTP(S) proxy listening at 127.0.0.1:PORT." in mitmdump's output, a CA
    /// certificate in its confdir and a TCP connection that succeeds. Answers the port.
    fn wait_until_listening(&mut self) -> u16 {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll mitmdump") {
                panic!(
                    "mitmdump exited ({status}) before listening:\n{}",
                    self.output()
                );
            }
            let port = self.output().lines().find_map(|line| {
                let rest = line.split("proxy listening at 127.0.0.1:").nth(1)?;
                rest.trim_end_matches('.').trim().parse::<u16>().ok()
            });
            if let Some(port) = port {
                if self.ca_certificate_path().is_file()
                    && TcpStream::connect(("127.0.0.1", port)).is_ok()
                {
                    return port;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "mitmdump did not listen within {START_TIMEOUT:?} (CA file present: {}):\n{}",
                    self.ca_certificate_path().is_file(),
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`: give it as `HTTPS_PROXY` or a proxy argument.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://user:pass@127.0.0.1:PORT`, with [`ProxyOptions::basic_auth`]'s credentials
    /// (percent-encoded). Panics when the proxy was started without them.
    pub fn url_with_credentials(&self) -> String {
        let (user, password) = self
            .basic_auth
            .as_ref()
            .expect("url_with_credentials needs ProxyOptions::basic_auth");
        format!(
            "http://{}:{}@127.0.0.1:{}",
            percent_encode(user),
            percent_encode(password),
            self.port
        )
    }

    /// The address mitmdump listens on.
    pub fn local_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The proxy's CA certificate (PEM): what a client must trust for the intercepted TLS.
    pub fn ca_certificate_path(&self) -> PathBuf {
        self.dir.path().join("conf/mitmproxy-ca-cert.pem")
    }

    /// [`InterceptingProxy::ca_certificate_path`]'s contents.
    pub fn ca_certificate_pem(&self) -> String {
        std::fs::read_to_string(self.ca_certificate_path())
            .expect("read the proxy's CA certificate")
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.log("request")
            .iter()
            .map(ProxiedRequest::from_json)
            .collect()
    }

    /// Every CONNECT received so far, in order.
    pub fn connects(&self) -> Vec<ProxiedConnect> {
        self.log("connect")
            .iter()
            .map(|line| ProxiedConnect {
                target: line["target"].as_str().unwrap_or_default().to_string(),
                proxy_authorization: line["proxy_authorization"].as_bool().unwrap_or(false),
                refused: refused(line),
            })
            .collect()
    }

    /// The target (`host:port`) of every CONNECT received so far, in order.
    pub fn connect_targets(&self) -> Vec<String> {
        self.connects().into_iter().map(|c| c.target).collect()
    }

    /// Every server connection the proxy opened or refused to open (`host:port`), in order:
    /// only route addresses, or the addon let the proxy dial something else.
    pub fn server_connections(&self) -> Vec<String> {
        self.log("server_connect")
            .iter()
            .map(|line| line["address"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// What mitmdump printed so far (its log of flows and errors), for failure messages.
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mitmdump.out")).unwrap_or_default()
    }

    /// mitmdump's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The complete lines of the addon's log of the given kind.
    fn log(&self, kind: &str) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("log.jsonl")).unwrap_or_default();
        // A line still being written has no newline yet.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("proxy log line {line:?} is not JSON: {e}"))
            })
            .filter(|line| line["kind"] == kind)
            .collect()
    }
}

impl Drop for InterceptingProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A port of 127.0.0.1 where nothing listens, kept bound (not listening) so that nothing else
/// takes it while this lives: a connection to it is refused at once. A proxy that cannot be
/// reached.
pub struct ClosedPort {
    _socket: tokio::net::TcpSocket,
    addr: SocketAddr,
}

impl ClosedPort {
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind a free port of 127.0.0.1");
        let addr = socket.local_addr().expect("the bound address");
        ClosedPort {
            _socket: socket,
            addr,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Default for ClosedPort {
    fn default() -> Self {
        Self::new()
    }
}

/// A proxy that accepts every connection and never answers: it reads what clients send
/// (a CONNECT request, say) and holds the connection open until dropped. A proxy that hangs.
pub struct SilentProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentProxy {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port of 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("the listening address");
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let stop = Arc::clone(&stop);
            let received = Arc::clone(&received);
            std::thread::spawn(move || {
                let mut open: Vec<(TcpStream, usize)> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    while let Ok((stream, _)) = listener.accept() {
                        if stream.set_nonblocking(true).is_ok() {
                            let mut all = received.lock().expect("received bytes");
                            all.push(Vec::new());
                            open.push((stream, all.len() - 1));
                        }
                    }
                    for (stream, index) in &mut open {
                        let mut buf = [0u8; 4096];
                        if let Ok(n @ 1..) = stream.read(&mut buf) {
                            received.lock().expect("received bytes")[*index]
                                .extend_from_slice(&buf[..n]);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        SilentProxy {
            addr,
            stop,
            received,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What each accepted connection sent so far, one string per connection, in order.
    pub fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("received bytes")
            .iter()
            .map(|bytes| String::from_utf8_lossy(bytes).to_string())
            .collect()
    }
}

impl Drop for SilentProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
