//! One HTTP client made of several: each request goes to the client its URL is given by a
//! choice made outside (directly, or through the proxy of its scheme), so requests may take
//! different proxies (`http_proxy`, `https_proxy`) or none (`no_proxy`), which one SDK
//! client with one proxy setting cannot do.
//!
//! Knows the SDK's HTTP client traits only; nothing of proxies or TLS.

use std::fmt;
use std::sync::Arc;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Which of a [`Router`]'s proxied clients a request goes to: an index into them, or `None`
/// for the direct one.
pub(super) type Choose = Arc<dyn Fn(&http::Uri) -> Option<usize> + Send + Sync>;

/// Requests to `proxied[choose(uri)]`, or to `direct` when the choice is `None` (or the URL
/// does not parse).
pub(super) struct Router {
    pub direct: SharedHttpClient,
    pub proxied: Vec<SharedHttpClient>,
    pub choose: Choose,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("direct", &self.direct)
            .field("proxied", &self.proxied)
            .finish_non_exhaustive()
    }
}

impl HttpClient for Router {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // Each inner client caches its connector (and so its connection pool) per settings.
        SharedHttpConnector::new(RouterConnector {
            direct: self.direct.http_connector(settings, components),
            proxied: self
                .proxied
                .iter()
                .map(|c| c.http_connector(settings, components))
                .collect(),
            choose: self.choose.clone(),
        })
    }
}

struct RouterConnector {
    direct: SharedHttpConnector,
    proxied: Vec<SharedHttpConnector>,
    choose: Choose,
}

impl fmt::Debug for RouterConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterConnector")
            .field("direct", &self.direct)
            .field("proxied", &self.proxied)
            .finish_non_exhaustive()
    }
}

impl HttpConnector for RouterConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let chosen = request
            .uri()
            .parse::<http::Uri>()
            .ok()
            .and_then(|uri| (self.choose)(&uri))
            .and_then(|i| self.proxied.get(i));
        chosen.unwrap_or(&self.direct).call(request)
    }
}
