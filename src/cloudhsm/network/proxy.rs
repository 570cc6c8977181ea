//! Which proxy each request takes, decided the way the AWS provider and the AWS SDKs decide
//! it, from the provider block first and the environment second:
//!
//! - HTTPS requests (every AWS endpoint): the `https_proxy` argument when set (`""`: no
//!   proxy), else `HTTPS_PROXY` / `https_proxy`, else the `http_proxy` argument (with a
//!   warning, as the AWS provider gives), else `ALL_PROXY` / `all_proxy`.
//! - HTTP requests (an `http://` endpoint such as a local emulator): the `http_proxy`
//!   argument when set (`""`: no proxy), else `HTTP_PROXY` / `http_proxy`, else
//!   `ALL_PROXY` / `all_proxy`. `HTTP_PROXY` in capitals is ignored when `REQUEST_METHOD` is
//!   set (a CGI environment, where any client could set it with a `Proxy:` header).
//! - Exceptions: the `no_proxy` argument when set, else `NO_PROXY` / `no_proxy`, read as Go
//!   reads it ([`NoProxy`]: names, `.suffixes`, addresses, ranges, `*`, each with a port or
//!   not); `localhost` and loopback addresses are always reached directly.
//!
//! Of two spellings of one variable, the first that is set and not empty wins (capitals
//! first, as Go and so the AWS provider read them). A proxy URL may leave out its scheme
//! (`proxy.corp:3128` is `http://proxy.corp:3128`, as curl reads it), may use `https://`
//! (TLS to the proxy itself) and may carry Basic credentials (`http://user:pass@host:port`,
//! percent-encoded). SOCKS proxies are refused with a clear error.
//!
//! Knows URLs and the environment; nothing of the HTTP client it feeds. A proxy's password
//! leaves this module only inside the URL given to that client: everything printed shows
//! it as `***`.

use std::fmt;

use aws_types::os_shim_internal::Env;

use super::no_proxy::{Direct, NoProxy};
use super::{NetworkError, Origin};

/// The proxy arguments of the provider block (`None`: not set there).
#[derive(Clone, Default)]
pub struct ProxyArguments {
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

impl fmt::Debug for ProxyArguments {
    // Hand-written: a proxy URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| v.as_deref().map(redact);
        f.debug_struct("ProxyArguments")
            .field("http_proxy", &shown(&self.http_proxy))
            .field("https_proxy", &shown(&self.https_proxy))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy to send requests through, and where its URL came from.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The URL with a scheme, credentials as given: for the HTTP client only.
    url: String,
    pub origin: Origin,
}

impl ProxyUrl {
    /// The URL for the HTTP client (with its credentials, if any).
    pub(super) fn for_client(&self) -> &str {
        &self.url
    }

    /// True when the client speaks TLS to the proxy itself (`https://`).
    pub fn is_tls(&self) -> bool {
        self.url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }

    /// True when the URL carries credentials.
    pub fn has_credentials(&self) -> bool {
        authority(&self.url).contains('@')
    }
}

impl fmt::Display for ProxyUrl {
    /// The URL with its password shown as `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self} from {})", self.origin)
    }
}

/// The proxies for HTTP and HTTPS requests and the exceptions, resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxies {
    pub http: Option<ProxyUrl>,
    pub https: Option<ProxyUrl>,
    /// The requests that skip the proxy, and where the list came from.
    pub no_proxy: NoProxy,
    pub no_proxy_origin: Option<Origin>,
    /// Set when the `http_proxy` argument also serves HTTPS requests because nothing names
    /// an HTTPS proxy: the provider warns about it, as the AWS provider does.
    pub https_from_http_argument: bool,
}

impl Proxies {
    /// Resolves the arguments against the environment (see the module's rules).
    pub fn resolve(args: &ProxyArguments, env: &Env) -> Result<Proxies, NetworkError> {
        let from_env = |names: &[&'static str]| -> Option<(String, Origin)> {
            names.iter().find_map(|name| {
                env.get(name)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (v, Origin::Environment(name)))
            })
        };
        let argument = |value: &Option<String>, name: &'static str| {
            value.as_ref().map(|v| (v.clone(), Origin::Argument(name)))
        };
        let cgi = env.get("REQUEST_METHOD").is_ok();
        let http_names: &[&str] = if cgi {
            &["http_proxy"]
        } else {
            &["HTTP_PROXY", "http_proxy"]
        };
        let all = || from_env(&["ALL_PROXY", "all_proxy"]);

        let http_argument = argument(&args.http_proxy, "http_proxy");
        let http = http_argument
            .clone()
            .or_else(|| from_env(http_names))
            .or_else(all);
        let mut https_from_http_argument = false;
        let https = argument(&args.https_proxy, "https_proxy")
            .or_else(|| from_env(&["HTTPS_PROXY", "https_proxy"]))
            .or_else(|| {
                let fallback = http_argument.filter(|(v, _)| !v.trim().is_empty());
                https_from_http_argument = fallback.is_some();
                fallback
            })
            .or_else(all);
        let no_proxy =
            argument(&args.no_proxy, "no_proxy").or_else(|| from_env(&["NO_PROXY", "no_proxy"]));
        let no_proxy_origin = no_proxy.as_ref().map(|(_, o)| o.clone());
        let no_proxy = no_proxy
            .map(|(v, _)| NoProxy::parse(&v))
            .unwrap_or_default();
        Ok(Proxies {
            http: http.map(|(v, o)| parse(&v, o)).transpose()?.flatten(),
            https: https.map(|(v, o)| parse(&v, o)).transpose()?.flatten(),
            no_proxy,
            no_proxy_origin,
            https_from_http_argument,
        })
    }

    /// The proxy a request to `url` goes through, or `None` when it goes directly (no proxy
    /// for its scheme, or `no_proxy` names it). The HTTP client asks the same question of
    /// every request ([`Proxies::for_uri`]).
    pub fn for_url(&self, url: &str) -> Option<&ProxyUrl> {
        self.for_uri(&url.parse().ok()?)
    }

    /// [`Proxies::for_url`] for a parsed URL.
    pub fn for_uri(&self, uri: &http::Uri) -> Option<&ProxyUrl> {
        match self.way(uri)? {
            (proxy, None) => Some(proxy),
            (_, Some(_)) => None,
        }
    }

    /// When a request to `url` goes directly although its scheme has a proxy: that proxy,
    /// and why (for messages).
    pub fn bypassed(&self, url: &str) -> Option<(ProxyUrl, String)> {
        let (proxy, why) = self.way(&url.parse().ok()?)?;
        let why = match why? {
            Direct::Loopback => {
                "localhost and loopback addresses are always reached directly".to_string()
            }
            Direct::Listed => match &self.no_proxy_origin {
                Some(origin) => format!("{origin} names it"),
                None => "no_proxy names it".to_string(),
            },
        };
        Some((proxy.clone(), why))
    }

    /// The proxy of `uri`'s scheme, if any, and why the request skips it, if it does.
    fn way(&self, uri: &http::Uri) -> Option<(&ProxyUrl, Option<Direct>)> {
        let plain = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http"));
        let proxy = if plain { &self.http } else { &self.https };
        let port = uri.port_u16().unwrap_or(if plain { 80 } else { 443 });
        let host = uri.host()?;
        Some((proxy.as_ref()?, self.no_proxy.why_direct(host, port)))
    }
}

/// A proxy URL as a user wrote it: `None` for an empty one (no proxy).
fn parse(text: &str, origin: Origin) -> Result<Option<ProxyUrl>, NetworkError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: String| NetworkError::InvalidProxy {
        origin: origin.clone(),
        shown: redact(text),
        reason,
    };
    let url = match text.split_once("://") {
        None => format!("http://{text}"),
        Some((scheme, _)) => match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => text.to_string(),
            s if s.starts_with("socks") => {
                return Err(invalid(format!(
                    "SOCKS proxies ({scheme}://) are not supported; give an HTTP proxy \
                     (http://host:port) that accepts CONNECT"
                )))
            }
            _ => {
                return Err(invalid(format!(
                    "the scheme {scheme:?} is not one a proxy URL can have: use http:// or \
                     https://"
                )))
            }
        },
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|e| invalid(format!("it is not a URL ({e})")))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("it names no host".to_string()));
    }
    if let Err(e) = aws_smithy_http_client::proxy::ProxyConfig::all(url.as_str()) {
        return Err(invalid(e.to_string()));
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        return Err(invalid(
            "a proxy URL is scheme://host:port only, without a path".to_string(),
        ));
    }
    Ok(Some(ProxyUrl { url, origin }))
}

/// The part of a URL between `scheme://` and the path.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// `url` with the password of its credentials shown as `***`.
pub(super) fn redact(url: &str) -> String {
    let auth = authority(url);
    let Some((userinfo, host)) = auth.rsplit_once('@') else {
        return url.to_string();
    };
    let shown = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***@{host}"),
        None => format!("{userinfo}@{host}"),
    };
    url.replacen(auth, &shown, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(args: ProxyArguments, env: &[(&str, &str)]) -> Proxies {
        Proxies::resolve(&args, &Env::from_slice(env)).expect("resolves")
    }

    fn shown(p: &Option<ProxyUrl>) -> Option<String> {
        p.as_ref().map(|p| p.to_string())
    }

    #[test]
    fn arguments_win_over_the_environment_per_scheme() {
        let p = resolve(
            ProxyArguments {
                https_proxy: Some("http://config.test:1".into()),
                ..Default::default()
            },
            &[
                ("HTTPS_PROXY", "http://env.test:2"),
                ("HTTP_PROXY", "http://envhttp.test:3"),
            ],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://config.test:1"));
        assert_eq!(
            p.https.as_ref().map(|u| &u.origin),
            Some(&Origin::Argument("https_proxy"))
        );
        assert_eq!(shown(&p.http).as_deref(), Some("http://envhttp.test:3"));
        assert!(!p.https_from_http_argument);
    }

    #[test]
    fn an_empty_argument_means_no_proxy_even_when_the_environment_names_one() {
        let p = resolve(
            ProxyArguments {
                http_proxy: Some("http://h.test:1".into()),
                https_proxy: Some(String::new()),
                ..Default::default()
            },
            &[("HTTPS_PROXY", "http://env.test:2")],
        );
        assert_eq!(p.https, None);
        assert_eq!(shown(&p.http).as_deref(), Some("http://h.test:1"));
    }

    #[test]
    fn the_http_argument_serves_https_when_nothing_names_an_https_proxy() {
        let p = resolve(
            ProxyArguments {
                http_proxy: Some("http://h.test:1".into()),
                ..Default::default()
            },
            &[("ALL_PROXY", "http://all.test:9")],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://h.test:1"));
        assert!(p.https_from_http_argument);
        // ...but not when the environment names one.
        let p = resolve(
            ProxyArguments {
                http_proxy: Some("http://h.test:1".into()),
                ..Default::default()
            },
            &[("https_proxy", "http://env.test:2")],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://env.test:2"));
        assert!(!p.https_from_http_argument);
        // HTTP_PROXY in the environment alone never serves HTTPS (as the AWS provider).
        let p = resolve(
            ProxyArguments::default(),
            &[("HTTP_PROXY", "http://h.test:1")],
        );
        assert_eq!(p.https, None);
    }

    #[test]
    fn every_spelling_of_the_environment_counts_capitals_first() {
        let p = resolve(
            ProxyArguments::default(),
            &[
                ("HTTPS_PROXY", "http://upper.test:1"),
                ("https_proxy", "http://lower.test:2"),
                ("http_proxy", "lower-http.test:3"),
                ("no_proxy", "internal.test"),
            ],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://upper.test:1"));
        assert_eq!(shown(&p.http).as_deref(), Some("http://lower-http.test:3"));
        assert_eq!(p.no_proxy.to_string(), "internal.test");
        let p = resolve(
            ProxyArguments::default(),
            &[("HTTPS_PROXY", ""), ("https_proxy", "x.test:1")],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://x.test:1"));
        let p = resolve(
            ProxyArguments::default(),
            &[("all_proxy", "http://all.test:1")],
        );
        assert_eq!(shown(&p.https).as_deref(), Some("http://all.test:1"));
        assert_eq!(shown(&p.http).as_deref(), Some("http://all.test:1"));
    }

    #[test]
    fn http_proxy_in_capitals_is_ignored_under_cgi() {
        let p = resolve(
            ProxyArguments::default(),
            &[
                ("REQUEST_METHOD", "GET"),
                ("HTTP_PROXY", "http://evil.test:1"),
            ],
        );
        assert_eq!(p.http, None);
    }

    #[test]
    fn no_proxy_entries_with_a_port_match_that_port_only() {
        let p = resolve(
            ProxyArguments {
                https_proxy: Some("http://proxy.test:3128".into()),
                no_proxy: Some("cloudhsmv2.eu-west-1.amazonaws.com:443, sts.test:8443".into()),
                ..Default::default()
            },
            &[],
        );
        let via = |url: &str| p.for_url(url).map(|u| u.to_string());
        assert_eq!(via("https://cloudhsmv2.eu-west-1.amazonaws.com"), None);
        assert_eq!(via("https://cloudhsmv2.eu-west-1.amazonaws.com:443/"), None);
        assert_eq!(
            via("https://cloudhsmv2.eu-west-1.amazonaws.com:8443"),
            Some("http://proxy.test:3128".into())
        );
        assert_eq!(
            via("https://sts.test"),
            Some("http://proxy.test:3128".into())
        );
        assert_eq!(via("https://sts.test:8443"), None);
    }

    #[test]
    fn a_request_that_skips_its_proxy_says_which_and_why() {
        let p = resolve(
            ProxyArguments {
                https_proxy: Some("http://u:pw@proxy.test:3128".into()),
                ..Default::default()
            },
            &[("NO_PROXY", "*.vpce.amazonaws.com")],
        );
        let (proxy, why) = p
            .bypassed("https://vpce-1.cloudhsmv2.eu-west-1.vpce.amazonaws.com")
            .expect("skips the proxy");
        assert_eq!(proxy.to_string(), "http://u:***@proxy.test:3128");
        assert_eq!(why, "the environment variable NO_PROXY names it");
        let (_, why) = p.bypassed("https://localhost:8443").expect("loopback");
        assert!(why.contains("loopback"), "{why}");
        assert_eq!(
            p.bypassed("https://cloudhsmv2.eu-west-1.amazonaws.com"),
            None
        );
        // No proxy for http: nothing is skipped.
        assert_eq!(p.bypassed("http://10.0.0.1"), None);
    }

    #[test]
    fn no_proxy_decides_by_host_domain_ip_and_cidr() {
        let p = resolve(
            ProxyArguments {
                https_proxy: Some("http://proxy.test:3128".into()),
                no_proxy: Some(
                    "internal.example, .vpce.amazonaws.com,10.0.0.0/8, 192.168.1.7".into(),
                ),
                ..Default::default()
            },
            &[("NO_PROXY", "ignored.example")],
        );
        let via = |url: &str| p.for_url(url).map(|u| u.to_string());
        assert_eq!(
            via("https://cloudhsmv2.eu-west-1.amazonaws.com"),
            Some("http://proxy.test:3128".into())
        );
        assert_eq!(via("https://internal.example"), None);
        assert_eq!(via("https://api.internal.example"), None);
        assert_eq!(
            via("https://notinternal.example"),
            Some("http://proxy.test:3128".into())
        );
        assert_eq!(
            via("https://vpce-1.cloudhsmv2.eu-west-1.vpce.amazonaws.com"),
            None
        );
        assert_eq!(via("https://10.1.2.3/"), None);
        assert_eq!(via("https://192.168.1.7:8443/"), None);
        assert_eq!(
            via("https://ignored.example"),
            Some("http://proxy.test:3128".into())
        );
        assert_eq!(via("http://plain.example"), None, "no proxy for http");
    }

    #[test]
    fn passwords_are_never_shown() {
        let p = resolve(
            ProxyArguments {
                https_proxy: Some("http://alice:s3cr%40t@proxy.test:3128".into()),
                ..Default::default()
            },
            &[],
        );
        let url = p.https.expect("proxy");
        assert_eq!(url.to_string(), "http://alice:***@proxy.test:3128");
        assert!(url.has_credentials());
        assert!(!format!("{url:?}").contains("s3cr"));
        let args = ProxyArguments {
            http_proxy: Some("http://bob:hunter2@p.test:1".into()),
            ..Default::default()
        };
        assert!(!format!("{args:?}").contains("hunter2"));
    }

    #[test]
    fn bad_proxy_urls_are_refused_with_their_origin_and_no_password() {
        let refuse = |value: &str| {
            Proxies::resolve(
                &ProxyArguments::default(),
                &Env::from_slice(&[("HTTPS_PROXY", value)]),
            )
            .expect_err(value)
            .to_string()
        };
        let socks = refuse("socks5://u:pw@proxy.test:1080");
        assert!(socks.contains("SOCKS"), "{socks}");
        assert!(socks.contains("HTTPS_PROXY"), "{socks}");
        assert!(!socks.contains("pw@"), "{socks}");
        assert!(refuse("ftp://proxy.test").contains("scheme"));
        assert!(refuse("http://proxy.test:3128/path").contains("without a path"));
        assert!(refuse("http://:3128").contains("host") || refuse("http://:3128").contains("URL"));
    }
}
