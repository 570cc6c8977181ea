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

/// Which of a [`Router`]'s clients a request goes to: an index into its clients.
pub(super) type Choose = Arc<dyn Fn(&http::Uri) -> usize + Send + Sync>;

/// Requests to `clients[choose(uri)]`; a URL that does not parse, or an index out of range,
/// goes to the first client.
pub(super) struct Router {
    pub clients: Vec<SharedHttpClient>,
    pub choose: Choose,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("clients", &self.clients)
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
            connectors: self
                .clients
                .iter()
                .map(|c| c.http_connector(settings, components))
                .collect(),
            choose: self.choose.clone(),
        })
    }
}

struct RouterConnector {
    connectors: Vec<SharedHttpConnector>,
    choose: Choose,
}

impl fmt::Debug for RouterConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterConnector")
            .field("connectors", &self.connectors)
            .finish_non_exhaustive()
    }
}

impl HttpConnector for RouterConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let index = request
            .uri()
            .parse::<http::Uri>()
            .map_or(0, |uri| (self.choose)(&uri));
        match self.connectors.get(index).or(self.connectors.first()) {
            Some(connector) => connector.call(request),
            None => HttpConnectorFuture::ready(Err(
                aws_smithy_runtime_api::client::result::ConnectorError::other(
                    "no HTTP client to send the request with".into(),
                    None,
                ),
            )),
        }
    }
}
