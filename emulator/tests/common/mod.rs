//! Helpers shared by the emulator's integration tests: an SDK client pointed at an
//! emulator, certificate authorities made with rcgen, web identity tokens, and (`relay`)
//! an SDK HTTP client that relays real endpoint names to the emulator.

#![allow(dead_code)]

pub mod relay;

use aws_sdk_cloudhsmv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{Emulator, EmulatorConfig, Timings};

/// An emulator whose transitions complete at the next request.
pub async fn instant_emulator() -> Emulator {
    Emulator::start_with(EmulatorConfig {
        timings: Timings::instant(),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// A client with static test credentials, region us-east-1, the emulator's URL, and at most
/// `max_attempts` attempts per call (fast retries).
pub fn client_with_attempts(emulator: &Emulator, max_attempts: u32) -> Client {
    client_for(emulator, "us-east-1", max_attempts)
}

/// A client signing for `region` (it sees that region's clusters and backups), with a
/// single attempt per call.
pub fn client_in(emulator: &Emulator, region: &str) -> Client {
    client_for(emulator, region, 1)
}

/// A client with static test credentials signing for `region`, the emulator's URL, and at
/// most `max_attempts` attempts per call (fast retries).
pub fn client_for(emulator: &Emulator, region: &str, max_attempts: u32) -> Client {
    let retry = aws_sdk_cloudhsmv2::config::retry::RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5));
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(emulator.endpoint_url())
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// A client with a single attempt per call (no retries).
pub fn client(emulator: &Emulator) -> Client {
    client_with_attempts(emulator, 1)
}

use aws_sdk_cloudhsmv2::types::Cluster;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, CertifiedIssuer, DnType,
    IsCa, KeyPair, KeyUsagePurpose,
};

/// The one cluster `id`, as DescribeClusters shows it.
pub async fn describe_one(client: &Client, id: &str) -> Cluster {
    let out = client
        .describe_clusters()
        .filters("clusterIds", vec![id.to_string()])
        .send()
        .await
        .expect("describe the cluster");
    assert_eq!(out.clusters().len(), 1, "exactly one cluster {id}");
    out.clusters()[0].clone()
}

/// Every backup DescribeBackups shows with `filter` set to `values` (every page).
pub async fn backups_where(
    client: &Client,
    filter: &str,
    values: &[&str],
) -> Vec<aws_sdk_cloudhsmv2::types::Backup> {
    let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .describe_backups()
            .filters(filter, values.clone())
            .set_next_token(token)
            .send()
            .await
            .expect("describe the backups");
        all.extend(out.backups().iter().cloned());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return all;
        }
    }
}

/// The one backup `id`, as DescribeBackups shows it in the client's region; `None` when it
/// shows no such backup.
pub async fn backup_shown(client: &Client, id: &str) -> Option<aws_sdk_cloudhsmv2::types::Backup> {
    let found = backups_where(client, "backupIds", &[id]).await;
    assert!(found.len() <= 1, "at most one backup {id}: {found:?}");
    found.into_iter().next()
}

/// A tag.
pub fn tag(key: &str, value: &str) -> aws_sdk_cloudhsmv2::types::Tag {
    aws_sdk_cloudhsmv2::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("a tag has a key and a value")
}

/// Waits (polling every 20 ms, for at most 10 s) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The cluster's CSR as DescribeClusters shows it.
pub async fn csr_of(client: &Client, id: &str) -> String {
    describe_one(client, id)
        .await
        .certificates()
        .and_then(|c| c.cluster_csr())
        .expect("the cluster shows a CSR")
        .to_string()
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Test Org");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// A self-signed root CA made in the test.
pub fn root_ca(common_name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let key = KeyPair::generate().expect("key");
    CertifiedIssuer::self_signed(ca_params(common_name), key).expect("root CA")
}

/// An intermediate CA issued by `parent`.
pub fn intermediate_ca(
    common_name: &str,
    parent: &CertifiedIssuer<'static, KeyPair>,
) -> CertifiedIssuer<'static, KeyPair> {
    let key = KeyPair::generate().expect("key");
    CertifiedIssuer::signed_by(ca_params(common_name), key, parent).expect("intermediate CA")
}

/// The certificate `ca` issues for the CSR (its subject and public key).
pub fn sign_with(csr_pem: &str, ca: &CertifiedIssuer<'static, KeyPair>) -> String {
    CertificateSigningRequestParams::from_pem(csr_pem)
        .expect("parse CSR")
        .signed_by(ca)
        .expect("sign CSR")
        .pem()
}

/// A certificate `ca` issues for a fresh key that is not the cluster's.
pub fn cert_for_other_key(ca: &CertifiedIssuer<'static, KeyPair>) -> String {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "not the cluster");
    params.signed_by(&key, ca).expect("sign").pem()
}

/// A raw HTTP/1.1 exchange (no SigV4), for the checks the SDK cannot make.
/// Returns (status, lower-cased headers text, body).
pub async fn raw_http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    raw_http_for_host(addr, &addr.to_string(), method, path, headers, body).await
}

/// [`raw_http`] sent to `addr` with `host` as its `Host` header, as a proxy relaying a
/// request for that name would.
pub async fn raw_http_for_host(
    addr: std::net::SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// A signed-looking `Authorization` header for `service` (the emulator checks its shape and
/// scope, not the signature).
pub fn authorization_for(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/{service}/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
}

/// ModifyCluster with only a new HSM type for cluster `id`, as the SDK answers it.
pub async fn modify_hsm_type(
    client: &Client,
    id: &str,
    hsm_type: &str,
) -> Result<
    aws_sdk_cloudhsmv2::operation::modify_cluster::ModifyClusterOutput,
    aws_sdk_cloudhsmv2::error::SdkError<
        aws_sdk_cloudhsmv2::operation::modify_cluster::ModifyClusterError,
    >,
> {
    client
        .modify_cluster()
        .cluster_id(id)
        .hsm_type(hsm_type)
        .send()
        .await
}

/// An unsigned-looking JWT (`header.payload.signature`, base64url) carrying `claims`: the
/// emulator reads the claims and checks no signature.
pub fn jwt(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"RS256","typ":"JWT","kid":"test"}"#),
        base64url(claims.to_string().as_bytes()),
        base64url(b"not-a-real-signature")
    )
}

/// base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A file under the system's temporary directory holding `contents`, removed on drop.
pub struct TempFile(pub std::path::PathBuf);

impl TempFile {
    pub fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "cloudhsm-emulator-{}-{}-{name}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::write(&path, contents).expect("write a temporary file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    (u64::from(nanos) << 16) | NEXT.fetch_add(1, Ordering::Relaxed)
}
