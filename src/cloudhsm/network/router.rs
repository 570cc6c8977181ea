//! One HTTP client made of two: each request goes to the client for its URL's scheme, so an
//! HTTP request and an HTTPS request may take different proxies (`http_proxy` and
//! `https_proxy`), which one SDK client with one proxy setting cannot do.
//!
//! Knows the SDK's HTTP client traits only; nothing of proxies or TLS.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// `http://` requests to `http`, every other one to `https`.
#[derive(Debug)]
pub(super) struct ByScheme {
    pub http: SharedHttpClient,
    pub https: SharedHttpClient,
}

impl HttpClient for ByScheme {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // Each inner client caches its connector (and so its connection pool) per settings.
        SharedHttpConnector::new(BySchemeConnector {
            http: self.http.http_connector(settings, components),
            https: self.https.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct BySchemeConnector {
    http: SharedHttpConnector,
    https: SharedHttpConnector,
}

impl HttpConnector for BySchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let plain = request
            .uri()
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if plain {
            self.http.call(request)
        } else {
            self.https.call(request)
        }
    }
}
