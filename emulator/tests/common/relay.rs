//! An HTTP client for the AWS SDK that does what a TLS-intercepting proxy in front of the
//! emulator does: the SDK resolves and signs for the real endpoint name of its region and
//! partition (`https://cloudhsmv2-fips.us-gov-west-1.amazonaws.com`), and the request is
//! sent in plain HTTP to the emulator instead, with that name kept as its `Host`. Requests
//! for `sts.*` go to the STS listener, every other to the CloudHSM listener.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_smithy_http_client::{tls, Builder};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use cloudhsm_emulator::Emulator;

/// See the module's doc. Cheap to clone; clones share the list of URLs seen.
#[derive(Clone, Debug)]
pub struct Relay {
    api: SocketAddr,
    sts: SocketAddr,
    inner: SharedHttpClient,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    /// A relay to `emulator`'s two listeners.
    pub fn to(emulator: &Emulator) -> Relay {
        Relay {
            api: emulator.local_addr(),
            sts: emulator.sts_local_addr(),
            inner: Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https(),
            seen: Arc::default(),
        }
    }

    /// The URLs the SDK resolved, in the order it sent them.
    pub fn urls(&self) -> Vec<String> {
        self.seen.lock().expect("relay lock").clone()
    }

    /// The host names of [`Relay::urls`].
    pub fn hosts(&self) -> Vec<String> {
        self.urls()
            .iter()
            .map(|u| authority(u).to_string())
            .collect()
    }
}

/// `host[:port]` of `scheme://host[:port]/path`.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

impl HttpClient for Relay {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RelayConnector {
            relay: self.clone(),
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct RelayConnector {
    relay: Relay,
    inner: SharedHttpConnector,
}

impl HttpConnector for RelayConnector {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        let url = request.uri().to_string();
        self.relay
            .seen
            .lock()
            .expect("relay lock")
            .push(url.clone());
        let host = authority(&url).to_string();
        let to = if host.starts_with("sts.") || host.starts_with("sts-fips.") {
            self.relay.sts
        } else {
            self.relay.api
        };
        let path = url
            .split_once("://")
            .map_or("/", |(_, rest)| &rest[host.len()..]);
        let path = if path.is_empty() { "/" } else { path };
        request.headers_mut().insert("host", host);
        if let Err(e) = request.set_uri(format!("http://{to}{path}")) {
            return HttpConnectorFuture::ready(Err(
                aws_smithy_runtime_api::client::result::ConnectorError::other(e.into(), None),
            ));
        }
        self.inner.call(request)
    }
}
