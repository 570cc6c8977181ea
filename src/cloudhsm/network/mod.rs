//! The way to AWS, the same for every call the provider makes (CloudHSM, STS, and the
//! credential chain's own calls: SSO, web identity, roles): which proxy a request takes
//! ([`proxy`]), which certificate authorities TLS trusts ([`trust`]), the one HTTPS client
//! built from both, and what a failure on the way says ([`failure`]).
//!
//! Knows URLs, files, the environment and the SDK's HTTP client; nothing of CloudHSM's API
//! or of Terraform. Proxy passwords leave here only inside the HTTP client.

mod failure;
mod no_proxy;
mod proxy;
mod router;
mod trust;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::os_shim_internal::Env;

pub use self::failure::{classify, NetworkProblem};
pub use self::proxy::{Proxies, ProxyArguments, ProxyUrl};
pub use self::trust::CaBundle;

/// How long opening a connection may take (a proxy's tunnel and the TLS handshake
/// included).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a setting's value came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An argument of the provider block.
    Argument(&'static str),
    /// An environment variable.
    Environment(&'static str),
    /// A key of a profile in the shared config file.
    Profile { profile: String, key: &'static str },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Argument(name) => write!(f, "the provider argument {name}"),
            Origin::Environment(name) => write!(f, "the environment variable {name}"),
            Origin::Profile { profile, key } => {
                write!(
                    f,
                    "{key} in the profile {profile:?} of the shared AWS config file"
                )
            }
        }
    }
}

/// A network setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("the proxy URL {shown:?} from {origin} cannot be used: {reason}")]
    InvalidProxy {
        origin: Origin,
        /// The URL with its password shown as `***`.
        shown: String,
        reason: String,
    },
    #[error(
        "the CA bundle {} (from {origin}) {problem}. Point it at a PEM file holding the \
         certificates to trust, such as your proxy's CA, or unset it",
        path.display()
    )]
    CaBundle {
        path: PathBuf,
        origin: Origin,
        problem: String,
    },
}

impl NetworkError {
    /// Where the value at fault came from.
    pub fn origin(&self) -> &Origin {
        match self {
            NetworkError::InvalidProxy { origin, .. } | NetworkError::CaBundle { origin, .. } => {
                origin
            }
        }
    }
}

/// What the provider block says about the network (each `None`: not set there).
#[derive(Clone, Debug, Default)]
pub struct NetworkSettings {
    pub proxies: ProxyArguments,
    /// `custom_ca_bundle`: a PEM file of certificates to trust besides the system's.
    pub custom_ca_bundle: Option<String>,
}

/// One endpoint and the way to it, for messages: the host, and the proxy when one is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The endpoint's host name.
    pub host: String,
    /// The endpoint's port.
    pub port: u16,
    /// The proxy requests to it go through, if any.
    pub proxy: Option<ProxyUrl>,
    /// The provider setting that picks this endpoint, e.g. `endpoints.cloudhsmv2`.
    pub setting: &'static str,
    /// When requests to it skip the proxy of their scheme: that proxy, and why.
    pub bypassed: Option<(ProxyUrl, String)>,
}

impl Route {
    /// `host:port`, as a tunnel names it.
    pub fn target(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The proxy's URL without its password, or `none`.
    pub fn proxy_label(&self) -> String {
        self.proxy
            .as_ref()
            .map_or_else(|| "none".to_string(), ToString::to_string)
    }

    /// `" (HOST is reached directly, not through the proxy P, because WHY)"` when requests
    /// to it skip a proxy, else nothing: for messages about a direct connection.
    pub fn direct_note(&self) -> String {
        match &self.bypassed {
            Some((proxy, why)) => format!(
                " ({} is reached directly, not through the proxy {proxy}, because {why})",
                self.host
            ),
            None => String::new(),
        }
    }

    /// Where the proxy's URL came from.
    pub fn proxy_origin(&self) -> String {
        self.proxy
            .as_ref()
            .map_or_else(|| "nowhere".to_string(), |p| p.origin.to_string())
    }
}

/// The network settings resolved: the proxies and the extra trusted certificates.
#[derive(Clone, Debug, Default)]
pub struct Network {
    pub proxies: Proxies,
    pub ca_bundle: Option<CaBundle>,
}

impl Network {
    /// The provider block's settings against the environment and the selected profile's
    /// `ca_bundle` (`profile_ca_bundle`: the profile's name and the value).
    pub fn resolve(
        settings: &NetworkSettings,
        env: &Env,
        profile_ca_bundle: Option<(String, String)>,
    ) -> Result<Network, NetworkError> {
        let proxies = Proxies::resolve(&settings.proxies, env)?;
        let nonempty = |v: &str| !v.trim().is_empty();
        let bundle = settings
            .custom_ca_bundle
            .clone()
            .filter(|v| nonempty(v))
            .map(|v| (v, Origin::Argument("custom_ca_bundle")))
            .or_else(|| {
                env.get("AWS_CA_BUNDLE")
                    .ok()
                    .filter(|v| nonempty(v))
                    .map(|v| (v, Origin::Environment("AWS_CA_BUNDLE")))
            })
            .or_else(|| {
                profile_ca_bundle
                    .filter(|(_, v)| nonempty(v))
                    .map(|(profile, v)| {
                        (
                            v,
                            Origin::Profile {
                                profile,
                                key: "ca_bundle",
                            },
                        )
                    })
            });
        let home = env.get("HOME").ok().or_else(|| env.get("USERPROFILE").ok());
        let ca_bundle = bundle
            .map(|(path, origin)| CaBundle::load(&path, origin, home.as_deref()))
            .transpose()?;
        Ok(Network { proxies, ca_bundle })
    }

    /// The way to `url` for messages; `setting` is the provider setting that chose it.
    pub fn route(&self, url: &str, setting: &'static str) -> Route {
        let uri: Option<http::Uri> = url.parse().ok();
        let host = uri
            .as_ref()
            .and_then(|u| u.host())
            .unwrap_or(url)
            .to_string();
        let port = uri
            .as_ref()
            .and_then(|u| u.port_u16())
            .unwrap_or(if url.starts_with("http://") { 80 } else { 443 });
        Route {
            host,
            port,
            proxy: self.proxies.for_url(url).cloned(),
            bypassed: self.proxies.bypassed(url),
            setting,
        }
    }

    /// The HTTPS client every AWS call uses: rustls with ring (whose randomness comes
    /// straight from the operating system; aws-lc, the SDK's default, first spends tens of
    /// milliseconds seeding a generator in every process, and Terraform starts the provider
    /// several times per plan), the machine's trust store plus the CA bundle, and the
    /// proxies with their exceptions.
    pub fn http_client(&self) -> SharedHttpClient {
        let tls = self.tls_context();
        let direct = client(ProxyConfig::disabled(), tls.clone());
        // One client per proxy (the same proxy for both schemes: one client, one pool), and
        // the direct one for `no_proxy`, loopback, and a scheme without a proxy.
        let mut urls: Vec<ProxyUrl> = Vec::new();
        for proxy in [&self.proxies.http, &self.proxies.https]
            .into_iter()
            .flatten()
        {
            if !urls.contains(proxy) {
                urls.push(proxy.clone());
            }
        }
        if urls.is_empty() {
            return direct;
        }
        let proxied = urls
            .iter()
            .map(|p| client(proxy_config(p), tls.clone()))
            .collect();
        let proxies = self.proxies.clone();
        let choose: router::Choose = Arc::new(move |uri| {
            let proxy = proxies.for_uri(uri)?;
            urls.iter().position(|p| p == proxy)
        });
        SharedHttpClient::new(router::Router {
            direct,
            proxied,
            choose,
        })
    }

    fn tls_context(&self) -> TlsContext {
        let mut store = TrustStore::default().with_native_roots(native_roots_usable());
        for pem in self.ca_bundle.iter().flat_map(|b| &b.certificates) {
            store.add_pem_certificate(pem.as_bytes());
        }
        TlsContext::builder()
            .with_trust_store(store)
            .build()
            .unwrap_or_default()
    }
}

/// The SDK's setting for sending every request through `proxy`: which requests go to it is
/// the router's choice ([`Proxies::for_uri`]), so it holds no `no_proxy` rules. The URL was
/// checked as the SDK checks it when it was resolved.
fn proxy_config(proxy: &ProxyUrl) -> ProxyConfig {
    ProxyConfig::all(proxy.for_client()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the HTTP client refused a proxy URL that was checked");
        ProxyConfig::disabled()
    })
}

/// One HTTP(S) client with one proxy setting. The SDK asks it for a connector per set of
/// connector settings (timeouts) and keeps each, with its connection pool.
fn client(proxy: ProxyConfig, tls: TlsContext) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = aws_smithy_http_client::Connector::builder().proxy_config(proxy.clone());
        builder.set_connector_settings(settings.cloned());
        builder.set_sleep_impl(components.and_then(|c| c.sleep_impl()));
        builder
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(tls.clone())
            .build()
    })
}

/// Whether the machine's trust store is used. Always, except in a debug build on a machine
/// whose store is empty: the HTTP client asserts (in debug builds only) that a store it is
/// told to use holds certificates, and a TLS failure with a clear message is better there.
fn native_roots_usable() -> bool {
    if !cfg!(debug_assertions) {
        return true;
    }
    static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *USABLE.get_or_init(|| !rustls_native_certs::load_native_certs().certs.is_empty())
}
