//! The proxy harness of tests/e2e_networks.rs: the AWS SDK for Rust reaches the emulator through a real
//! TLS-intercepting proxy (mitmproxy, `support::InterceptingProxy`) under the real endpoint
//! names, with no endpoint override, the proxy's CA trusted through the TLS trust store.
//!
//! These tests prove the harness: what the proxy relays, what it logs, and how the SDK fails
//! when the proxy wants credentials, cannot be reached, hangs, refuses the host or is not
//! trusted. The SDK's errors, observed with aws-smithy-http-client 1.5.2 / hyper-util 0.1.21.
//! `Display` alone says only `dispatch failure`; `DisplayErrorContext` prints the chain, then
//! the error's `Debug` in parentheses (left out here):
//!
//! - 407, no credentials for the proxy (the status is not in the text):
//!   `dispatch failure: io error: client error (Connect): tunnel error: proxy authorization
//!   required` — `ConnectorError { kind: Io, source: Error(Connect, ProxyAuthRequired) }`
//! - a CONNECT refused otherwise, here 502 (no status, no body in the text):
//!   `dispatch failure: io error: client error (Connect): tunnel error: unsuccessful` —
//!   `Error(Connect, TunnelUnsuccessful)`
//! - nothing listens on the proxy port:
//!   `dispatch failure: io error: client error (Connect): tunnel error: failed to create
//!   underlying connection: tcp connect error: Connection refused (os error 111)` —
//!   `Error(Connect, ConnectFailed(ConnectError("tcp connect error", 127.0.0.1:PORT, Os { code:
//!   111, .. })))`
//! - a proxy that accepts and never answers the CONNECT (connect timeout 2 s):
//!   `dispatch failure: timeout: client error (Connect): HTTP connect timeout occurred after 2s:
//!   timed out` — `ConnectorError { kind: Timeout, .. HttpTimeoutError { kind: "HTTP connect",
//!   duration: 2s } }`: the connect timeout covers the CONNECT exchange
//! - the proxy's CA not trusted:
//!   `dispatch failure: io error: client error (Connect): TLS handshake failed: invalid peer
//!   certificate: UnknownIssuer` — `TlsConnectError { kind: Protocol, source: Custom { kind:
//!   InvalidData, error: InvalidCertificate(UnknownIssuer) } }`
//! - no proxy, a host that does not resolve (`https://cloudhsmv2.nowhere.invalid`):
//!   `dispatch failure: io error: client error (Connect): dns error: failed to lookup address
//!   information: Name or service not known` — `ConnectError("dns error", Custom { kind:
//!   Uncategorized, .. })`

mod support;

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudhsmv2::config::{Credentials, ProvideCredentials};
use aws_sdk_cloudhsmv2::error::DisplayErrorContext;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use cloudhsm_emulator::{ClusterSpec, Emulator};

use support::{ClosedPort, InterceptingProxy, ProxyOptions, SilentProxy};

const REGION: &str = "eu-west-1";
const CLOUDHSM_HOST: &str = "cloudhsmv2.eu-west-1.amazonaws.com";

/// How the SDK is connected in a test.
struct Network<'a> {
    /// `HTTPS_PROXY`, as a URL; `None`: direct.
    proxy: Option<String>,
    /// A CA certificate (PEM) trusted besides the platform's roots.
    extra_ca: Option<&'a str>,
    /// An endpoint override; `None`: the real endpoint name for the region.
    endpoint: Option<&'a str>,
}

/// An SDK configuration for `eu-west-1` with test credentials, no retries, short timeouts,
/// and an HTTPS client made as [`Network`] says.
async fn sdk_config(network: &Network<'_>) -> SdkConfig {
    let proxy = network
        .proxy
        .as_deref()
        .map(|url| ProxyConfig::https(url).expect("a valid proxy URL"));
    let mut trust = TrustStore::default();
    if let Some(pem) = network.extra_ca {
        trust = trust.with_pem_certificate(pem.as_bytes());
    }
    let tls_context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context");
    let http_client = aws_smithy_http_client::Builder::new().build_with_connector_fn(
        move |settings, components| {
            let mut builder = Connector::builder();
            if let Some(settings) = settings {
                builder = builder.connector_settings(settings.clone());
            }
            if let Some(sleep) = components.and_then(|c| c.sleep_impl()) {
                builder = builder.sleep_impl(sleep);
            }
            if let Some(proxy) = &proxy {
                builder = builder.proxy_config(proxy.clone());
            }
            builder
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::Ring,
                ))
                .tls_context(tls_context.clone())
                .build()
        },
    );
    // As the provider loads its configuration (aws_config::defaults), every setting that
    // matters here given explicitly.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLETEST",
            "test-secret-key",
            None,
            None,
            "e2e_networks",
        ))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(15))
                .build(),
        )
        .http_client(http_client);
    if let Some(endpoint) = network.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// DescribeClusters as the SDK answers it: the cluster ids, or the error's whole chain.
async fn describe_clusters(network: &Network<'_>) -> Result<Vec<String>, String> {
    let client = aws_sdk_cloudhsmv2::Client::new(&sdk_config(network).await);
    client
        .describe_clusters()
        .send()
        .await
        .map(|out| {
            out.clusters()
                .iter()
                .filter_map(|c| c.cluster_id().map(str::to_string))
                .collect()
        })
        .map_err(|e| DisplayErrorContext(&e).to_string())
}

/// The emulator with one ACTIVE cluster, and the proxy routing `cloudhsmv2.*` and `sts.*` to
/// it; `None` when there is no mitmdump outside CI.
async fn emulator_behind_proxy(
    options: ProxyOptions,
) -> Option<(Emulator, String, InterceptingProxy)> {
    let emulator = support::emulator(None).await;
    let proxy = InterceptingProxy::start(
        &[
            ("cloudhsmv2", emulator.local_addr()),
            ("sts", emulator.sts_local_addr()),
        ],
        options,
    )?;
    // In the region the SDK signs for: the emulator keeps clusters per region.
    let id = emulator.control().seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        region: Some(REGION.into()),
        ..Default::default()
    });
    Some((emulator, id, proxy))
}

#[tokio::test]
async fn the_sdk_reaches_the_real_endpoint_name_through_the_intercepting_proxy() {
    let Some((emulator, id, proxy)) = emulator_behind_proxy(ProxyOptions::default()).await else {
        return;
    };
    let ca = proxy.ca_certificate_pem();
    let network = Network {
        proxy: Some(proxy.url()),
        extra_ca: Some(&ca),
        endpoint: None,
    };
    let clusters = describe_clusters(&network).await.unwrap_or_else(|e| {
        panic!(
            "DescribeClusters through the proxy: {e}\n{}",
            proxy.output()
        )
    });
    assert_eq!(clusters, vec![id], "the emulator's clusters");
    assert_eq!(
        emulator.control().calls("DescribeClusters").len(),
        1,
        "the emulator answered the call"
    );

    assert_eq!(
        proxy.connect_targets(),
        vec![format!("{CLOUDHSM_HOST}:443")]
    );
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request.operation(), Some("DescribeClusters"));
    assert_eq!(
        request.connect_target.as_deref(),
        Some(&*format!("{CLOUDHSM_HOST}:443"))
    );
    assert_eq!(request.sni.as_deref(), Some(CLOUDHSM_HOST));
    assert_eq!(request.host_header.as_deref(), Some(CLOUDHSM_HOST));
    assert_eq!(
        request.forwarded_host_header.as_deref(),
        Some(CLOUDHSM_HOST),
        "relayed with the Host header it was signed over"
    );
    assert_eq!(request.signing_region.as_deref(), Some(REGION));
    assert_eq!(request.signing_service.as_deref(), Some("cloudhsm"));
    assert_eq!(request.access_key_id.as_deref(), Some("AKIDEXAMPLETEST"));
    assert!(!request.proxy_authorization);
    let emulator_addr = emulator.local_addr().to_string();
    assert_eq!(request.routed_to.as_deref(), Some(&*emulator_addr));
    assert_eq!(
        proxy.server_connections(),
        vec![emulator_addr],
        "the proxy dialled the emulator and nothing else"
    );

    // STS under its regional name, through the same proxy: an assumed role.
    let role = "arn:aws:iam::111122223333:role/e2e-networks";
    let assumed = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name("e2e-networks")
        .configure(&sdk_config(&network).await)
        .build()
        .await
        .provide_credentials()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "AssumeRole through the proxy: {}\n{}",
                DisplayErrorContext(&e),
                proxy.output()
            )
        });
    assert_ne!(
        assumed.access_key_id(),
        "AKIDEXAMPLETEST",
        "new credentials"
    );
    let sts = proxy
        .requests()
        .into_iter()
        .find(|r| r.operation() == Some("AssumeRole"))
        .expect("the proxy saw AssumeRole");
    assert_eq!(
        sts.host_header.as_deref(),
        Some("sts.eu-west-1.amazonaws.com")
    );
    assert_eq!(sts.forwarded_host_header, sts.host_header);
    assert_eq!(sts.signing_region.as_deref(), Some(REGION));
    assert_eq!(sts.signing_service.as_deref(), Some("sts"));
    assert_eq!(
        sts.routed_to.as_deref(),
        Some(&*emulator.sts_local_addr().to_string())
    );
}

/// A one-request HTTP server on 127.0.0.1 that answers DescribeClusters with no clusters and
/// hands back the request's head (request line and headers) exactly as it arrived.
async fn capture_one_request() -> (std::net::SocketAddr, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the capturing server");
    let addr = listener.local_addr().expect("its address");
    let handle = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("the relayed connection");
        let mut received = Vec::new();
        let head_end = loop {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).await.expect("read the request");
            assert!(n > 0, "connection closed before the request's head");
            received.extend_from_slice(&buf[..n]);
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
        };
        let head = String::from_utf8_lossy(&received[..head_end]).to_string();
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        while received.len() < head_end + 4 + length {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).await.expect("read the request body");
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        let body = r#"{"Clusters":[]}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.expect("answer");
        head
    });
    (addr, handle)
}

#[tokio::test]
async fn the_relayed_request_carries_the_host_header_the_client_signed() {
    let (upstream, head) = capture_one_request().await;
    let Some(proxy) =
        InterceptingProxy::start(&[("cloudhsmv2", upstream)], ProxyOptions::default())
    else {
        return;
    };
    let ca = proxy.ca_certificate_pem();
    let clusters = describe_clusters(&Network {
        proxy: Some(proxy.url()),
        extra_ca: Some(&ca),
        endpoint: None,
    })
    .await
    .unwrap_or_else(|e| {
        panic!(
            "DescribeClusters to the capturing server: {e}\n{}",
            proxy.output()
        )
    });
    assert!(clusters.is_empty());
    let head = head.await.expect("the capturing server's request");
    let hosts: Vec<&str> = head
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
        })
        .map(|(_, value)| value.trim())
        .collect();
    assert_eq!(hosts, vec![CLOUDHSM_HOST], "on the wire:\n{head}");
    assert!(head.starts_with("POST / HTTP/1.1"), "{head}");
}

#[tokio::test]
async fn a_proxy_that_wants_credentials_refuses_a_client_without_them() {
    let options = ProxyOptions {
        basic_auth: Some(("corp-user".into(), "corp-secret".into())),
    };
    let Some((_emulator, id, proxy)) = emulator_behind_proxy(options).await else {
        return;
    };
    let ca = proxy.ca_certificate_pem();
    let mut network = Network {
        proxy: Some(proxy.url()),
        extra_ca: Some(&ca),
        endpoint: None,
    };
    let refused = describe_clusters(&network)
        .await
        .expect_err("no credentials for the proxy");
    eprintln!("407: {refused}");
    assert!(
        refused.contains("tunnel error: proxy authorization required"),
        "{refused}"
    );
    assert_eq!(
        proxy
            .connects()
            .last()
            .map(|c| (c.proxy_authorization, c.refused)),
        Some((false, Some(407)))
    );
    assert!(
        proxy.requests().is_empty(),
        "nothing relayed: {:#?}",
        proxy.requests()
    );

    network.proxy = Some(proxy.url_with_credentials());
    let clusters = describe_clusters(&network)
        .await
        .unwrap_or_else(|e| panic!("with credentials in the proxy URL: {e}\n{}", proxy.output()));
    assert_eq!(clusters, vec![id]);
    assert_eq!(
        proxy
            .connects()
            .last()
            .map(|c| (c.proxy_authorization, c.refused)),
        Some((true, None))
    );
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert!(
        !requests[0].proxy_authorization,
        "the proxy credentials stay on the CONNECT, out of the tunnel"
    );
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_proxy_ca_fails_the_tls_handshake() {
    let Some((emulator, _id, proxy)) = emulator_behind_proxy(ProxyOptions::default()).await else {
        return;
    };
    let untrusted = describe_clusters(&Network {
        proxy: Some(proxy.url()),
        extra_ca: None,
        endpoint: None,
    })
    .await
    .expect_err("the proxy's CA is not trusted");
    eprintln!("untrusted CA: {untrusted}");
    assert!(
        untrusted.contains("invalid peer certificate: UnknownIssuer"),
        "a certificate error: {untrusted}"
    );
    assert_eq!(
        proxy.connect_targets(),
        vec![format!("{CLOUDHSM_HOST}:443")]
    );
    assert!(
        proxy.requests().is_empty(),
        "no request past a failed handshake"
    );
    assert!(emulator.control().calls("DescribeClusters").is_empty());
}

#[tokio::test]
async fn a_host_the_proxy_cannot_reach_is_refused_with_502() {
    let Some((_emulator, _id, proxy)) = emulator_behind_proxy(ProxyOptions::default()).await else {
        return;
    };
    let ca = proxy.ca_certificate_pem();
    let refused = describe_clusters(&Network {
        proxy: Some(proxy.url()),
        extra_ca: Some(&ca),
        endpoint: Some("https://cloudhsm.elsewhere.example"),
    })
    .await
    .expect_err("no route for the host");
    eprintln!("502: {refused}");
    // The SDK does not say which status the proxy answered.
    assert!(refused.contains("tunnel error: unsuccessful"), "{refused}");
    assert_eq!(
        proxy
            .connects()
            .last()
            .map(|c| (c.target.as_str(), c.refused)),
        Some(("cloudhsm.elsewhere.example:443", Some(502)))
    );
    assert!(proxy.server_connections().is_empty(), "never dialled");
}

/// The harness's connect timeout: 2 s, and 5 s on Windows, which reports a refused loopback
/// connection only after retrying the SYN for about 2 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(if cfg!(windows) { 5 } else { 2 });

/// How the operating system words a refused connection.
const REFUSED: &str = if cfg!(windows) {
    "tcp connect error: No connection could be made because the target machine actively refused it"
} else {
    "tcp connect error: Connection refused"
};

#[tokio::test]
async fn proxies_that_cannot_be_reached_or_hang_and_hosts_that_do_not_resolve_fail_in_time() {
    let closed = ClosedPort::new();
    let silent = SilentProxy::start();
    let timed_out = format!(
        "HTTP connect timeout occurred after {}s",
        CONNECT_TIMEOUT.as_secs()
    );
    let cases = [
        (
            "nothing listens on the proxy port",
            REFUSED,
            Network {
                proxy: Some(closed.url()),
                extra_ca: None,
                endpoint: None,
            },
        ),
        (
            "the proxy accepts and never answers",
            timed_out.as_str(),
            Network {
                proxy: Some(silent.url()),
                extra_ca: None,
                endpoint: None,
            },
        ),
        (
            "no proxy, a host that does not resolve",
            "dns error",
            Network {
                proxy: None,
                extra_ca: None,
                endpoint: Some("https://cloudhsmv2.nowhere.invalid"),
            },
        ),
    ];
    for (what, expected, network) in &cases {
        let started = Instant::now();
        let error = describe_clusters(network)
            .await
            .expect_err("the call cannot succeed");
        let took = started.elapsed();
        eprintln!("{what} ({took:?}): {error}");
        // Within the connect timeout: nothing waits for the 15 s operation timeout.
        assert!(
            took < CONNECT_TIMEOUT + Duration::from_secs(3),
            "{what}: failed only after {took:?}: {error}"
        );
        assert!(
            error.starts_with("dispatch failure") && error.contains(expected),
            "{what}: {error}"
        );
    }
    assert!(
        silent
            .received()
            .first()
            .is_some_and(|sent| sent.starts_with(&format!("CONNECT {CLOUDHSM_HOST}:443 "))),
        "the hanging proxy was asked to CONNECT: {:?}",
        silent.received()
    );
}

/// mitmdump and whatever it started (on Windows its launcher starts Python) are gone once
/// the proxy is dropped. The process table is `/proc` on Linux, `ps` on macOS, Win32_Process
/// on Windows.
#[test]
fn a_dropped_proxy_leaves_no_process_behind() {
    let Some(proxy) = InterceptingProxy::start(&[], ProxyOptions::default()) else {
        return;
    };
    let pid = proxy.pid();
    let mut pids = vec![pid];
    pids.extend(support::descendants(pid));
    // Each as id and start: a new process given a freed id (Windows does that at once, and
    // each look at the table starts a PowerShell) is not one of them.
    let table = support::process_table();
    let started: Vec<support::Process> = table
        .iter()
        .filter(|p| pids.contains(&p.pid))
        .cloned()
        .collect();
    assert!(
        started.iter().any(|p| p.pid == pid),
        "the proxy {pid} is not in the process table"
    );
    drop(proxy);
    // A process tree ends a moment after its top: give it ten seconds (a look at the
    // process table takes a second on Windows).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let left = loop {
        let table = support::process_table();
        let left: Vec<u32> = started
            .iter()
            .filter(|p| {
                table
                    .iter()
                    .any(|q| q.pid == p.pid && q.started == p.started)
            })
            .map(|p| p.pid)
            .collect();
        if left.is_empty() || std::time::Instant::now() > deadline {
            break left;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        left.is_empty(),
        "processes {left:?} outlived the proxy (of {pids:?})"
    );
}
