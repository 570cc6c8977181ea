//! What went wrong on the way to an endpoint, found in the chain of an SDK error's causes:
//! a proxy that wants credentials, cannot be reached, refuses the tunnel or does not
//! answer; a certificate this machine does not trust (the usual sign of a TLS-inspecting
//! proxy whose CA is not in the bundle); a host name that does not resolve. Each problem
//! says what was tried (the endpoint host, the proxy without its password) and what to
//! change.
//!
//! The HTTP client's proxy tunnel error is not a public type, so its few fixed messages are
//! matched as text here, in one place; tests drive each case through real connections so
//! that a change of wording in a new release fails them. Knows error chains and routes;
//! nothing of CloudHSM's answers.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use super::Route;

/// A failure on the way to an endpoint, before any answer came from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkProblem {
    /// The proxy answered CONNECT with 407.
    ProxyAuthRequired { route: Route },
    /// No connection to the proxy itself.
    ProxyUnreachable { route: Route, cause: String },
    /// The proxy answered CONNECT with a refusal other than 407.
    ProxyRefusedTunnel { route: Route },
    /// The proxy, or the endpoint through it, did not answer in time.
    NoAnswer { route: Route, after: Duration },
    /// The endpoint's certificate (as the proxy, if any, passed it on) is not trusted.
    UntrustedCertificate { route: Route, detail: String },
    /// TLS failed for another reason.
    Tls { route: Route, detail: String },
    /// The endpoint's host name does not resolve.
    HostNotFound { route: Route },
    /// No connection to the endpoint.
    HostUnreachable { route: Route, cause: String },
}

impl NetworkProblem {
    /// Whether the same call may work a little later without any change of settings: a
    /// proxy that asks for credentials or a certificate nobody trusts will not.
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            NetworkProblem::ProxyAuthRequired { .. } | NetworkProblem::UntrustedCertificate { .. }
        )
    }
}

impl fmt::Display for NetworkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkProblem::ProxyAuthRequired { route } => {
                let proxy = route.proxy_label();
                let origin = route.proxy_origin();
                if route.proxy.as_ref().is_some_and(|p| p.has_credentials()) {
                    write!(
                        f,
                        "the proxy {proxy} refused to open a tunnel to {} (407 Proxy \
                         Authentication Required) although its URL carries credentials: check \
                         the user name and password in {origin} (percent-encode characters \
                         such as @ and : in them)",
                        route.target()
                    )
                } else {
                    write!(
                        f,
                        "the proxy {proxy} requires authentication to open a tunnel to {} \
                         (407 Proxy Authentication Required): put the proxy's user name and \
                         password in its URL in {origin}, as http://USER:PASSWORD@host:port \
                         (percent-encoded)",
                        route.target()
                    )
                }
            }
            NetworkProblem::ProxyUnreachable { route, cause } => write!(
                f,
                "cannot connect to the proxy {} (from {}): {cause}. Check the proxy's host and \
                 port, or exempt {} with no_proxy / NO_PROXY if it is reached directly",
                route.proxy_label(),
                route.proxy_origin(),
                route.host
            ),
            NetworkProblem::ProxyRefusedTunnel { route } => write!(
                f,
                "the proxy {} refused to open a tunnel to {}: ask for {} to be allowed through \
                 the proxy, or exempt it with no_proxy / NO_PROXY if it is reached directly",
                route.proxy_label(),
                route.target(),
                route.host
            ),
            NetworkProblem::NoAnswer { route, after } => match &route.proxy {
                Some(_) => write!(
                    f,
                    "no answer within {} s from the proxy {} while opening a tunnel to {}: \
                     check that the proxy is the right one and reaches AWS",
                    after.as_secs(),
                    route.proxy_label(),
                    route.target()
                ),
                None => write!(
                    f,
                    "no answer within {} s from {}{}: check the network path to it (firewall, \
                     VPC endpoint), or set https_proxy / HTTPS_PROXY when this network reaches \
                     AWS through a proxy",
                    after.as_secs(),
                    route.target(),
                    route.direct_note()
                ),
            },
            NetworkProblem::UntrustedCertificate { route, detail } => {
                if route.proxy.as_ref().is_some_and(|p| p.is_tls()) {
                    // Two TLS sessions: to the proxy, then through it to the endpoint; the
                    // client's error does not say which one failed.
                    return write!(
                        f,
                        "TLS to the proxy {} or, through it, to {} failed: a certificate was \
                         issued by a certificate authority this machine does not trust \
                         ({detail}). An https:// proxy shows its own certificate, and one that \
                         inspects TLS re-signs the endpoint's with your organization's CA: \
                         add the CA certificates (PEM) of both to the file given with \
                         custom_ca_bundle in the provider block or AWS_CA_BUNDLE, as for the \
                         AWS provider",
                        route.proxy_label(),
                        route.host
                    );
                }
                write!(
                    f,
                    "TLS to {} failed: its certificate was issued by a certificate authority \
                     this machine does not trust ({detail}). ",
                    route.host
                )?;
                if route.proxy.is_some() {
                    write!(
                        f,
                        "The connection goes through the proxy {}, which most likely re-signs \
                         TLS with your organization's own CA: add that CA's certificate (PEM) \
                         with custom_ca_bundle in the provider block or AWS_CA_BUNDLE, as for \
                         the AWS provider",
                        route.proxy_label()
                    )
                } else {
                    f.write_str(
                        "Add the CA's certificate (PEM) with custom_ca_bundle in the provider \
                         block or AWS_CA_BUNDLE, or to the system's trust store",
                    )
                }
            }
            NetworkProblem::Tls { route, detail } => write!(
                f,
                "TLS to {} failed: {detail}{}",
                route.host,
                match &route.proxy {
                    Some(_) => format!(" (through the proxy {})", route.proxy_label()),
                    None => String::new(),
                }
            ),
            NetworkProblem::HostNotFound { route } => write!(
                f,
                "the endpoint name {} does not resolve (DNS){}. Check the region and {}; a \
                 FIPS or dual-stack endpoint does not exist in every region. A network without \
                 public DNS reaches AWS through a proxy (https_proxy / HTTPS_PROXY) or a VPC \
                 endpoint ({})",
                route.host,
                route.direct_note(),
                route.setting,
                route.setting
            ),
            NetworkProblem::HostUnreachable { route, cause } => write!(
                f,
                "cannot connect to {}{}: {cause}. Check the network path to it (firewall, VPC \
                 endpoint, {}), or set https_proxy / HTTPS_PROXY when this network reaches \
                 AWS through a proxy",
                route.target(),
                route.direct_note(),
                route.setting
            ),
        }
    }
}

/// The problem `err` shows on the way along `route`, if it is one of those above;
/// `timed_out`: the HTTP client said the connection attempt timed out after `after`.
pub fn classify(
    err: &(dyn Error + 'static),
    route: &Route,
    timed_out: Option<Duration>,
) -> Option<NetworkProblem> {
    let route = route.clone();
    let chain = causes(err);
    let texts: Vec<String> = chain.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| texts.iter().any(|t| t.contains(needle));

    // TLS first: its errors travel inside I/O errors.
    if let Some(tls) = chain.iter().find_map(|e| rustls_error(*e)) {
        return Some(match tls {
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                NetworkProblem::UntrustedCertificate {
                    route,
                    detail: "unknown issuer".to_string(),
                }
            }
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
            | rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            ) => NetworkProblem::Tls {
                detail: format!(
                    "the certificate it presented is not valid for {}",
                    route.host
                ),
                route,
            },
            other => NetworkProblem::Tls {
                route,
                detail: other.to_string(),
            },
        });
    }
    if has("invalid peer certificate: UnknownIssuer") {
        return Some(NetworkProblem::UntrustedCertificate {
            route,
            detail: "unknown issuer".to_string(),
        });
    }
    if let Some(after) = timed_out {
        return Some(NetworkProblem::NoAnswer { route, after });
    }
    let io_cause = || {
        chain
            .iter()
            .rev()
            .find_map(|e| e.downcast_ref::<std::io::Error>())
            .map(io_words)
    };
    if route.proxy.is_some() {
        if has("proxy authorization required") {
            return Some(NetworkProblem::ProxyAuthRequired { route });
        }
        if has("dns error") {
            return Some(NetworkProblem::ProxyUnreachable {
                route,
                cause: "its host name does not resolve".to_string(),
            });
        }
        if has("tcp connect error") || has("failed to create underlying connection") {
            let cause = io_cause().unwrap_or_else(|| "the connection failed".to_string());
            return Some(NetworkProblem::ProxyUnreachable { route, cause });
        }
        if has("tunnel error: unsuccessful") {
            return Some(NetworkProblem::ProxyRefusedTunnel { route });
        }
        if has("tunnel error: unexpected end of file") {
            return Some(NetworkProblem::ProxyUnreachable {
                route,
                cause: "it closed the connection without answering CONNECT".to_string(),
            });
        }
        return None;
    }
    if has("dns error") {
        return Some(NetworkProblem::HostNotFound { route });
    }
    if has("tcp connect error") {
        let cause = io_cause().unwrap_or_else(|| "the connection failed".to_string());
        return Some(NetworkProblem::HostUnreachable { route, cause });
    }
    None
}

/// `err` and its causes, in order. An I/O error's own `source` skips the error it wraps, so
/// that one is taken as the next link.
fn causes<'a>(err: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        out.push(e);
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => e.source(),
        };
        if out.len() > 32 {
            break;
        }
    }
    out
}

fn rustls_error<'a>(e: &'a (dyn Error + 'static)) -> Option<&'a rustls::Error> {
    e.downcast_ref::<rustls::Error>()
}

/// An I/O failure in a user's words.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused (nothing listens on that port)".to_string(),
        K::TimedOut => "the connection timed out".to_string(),
        K::ConnectionReset | K::ConnectionAborted => "the connection was reset".to_string(),
        K::HostUnreachable | K::NetworkUnreachable => "no route to the host".to_string(),
        _ => e.to_string(),
    }
}
