//! The provider's own RPCs: its configuration validated and applied, and StopProvider.

use tonic::Request;

use super::reply::{guarded, one, Reply};
use super::service::ProviderService;
use crate::convert;
use crate::proto::tfplugin6 as pb;

pub(super) async fn validate_provider_config(
    service: &ProviderService,
    request: Request<pb::validate_provider_config::Request>,
) -> Reply<pb::validate_provider_config::Response> {
    let request = request.into_inner();
    let work = async {
        let diagnostics = match convert::decode(
            request.config.as_ref(),
            &service.provider_type,
            "provider configuration",
        ) {
            Ok(config) => convert::diagnostics(&service.provider.validate_config(&config).await),
            Err(d) => one(d),
        };
        pb::validate_provider_config::Response { diagnostics }
    };
    guarded("ValidateProviderConfig", "", work, |d| {
        pb::validate_provider_config::Response {
            diagnostics: vec![d],
        }
    })
    .await
}

pub(super) async fn configure_provider(
    service: &ProviderService,
    request: Request<pb::configure_provider::Request>,
) -> Reply<pb::configure_provider::Response> {
    let request = request.into_inner();
    let work = async {
        let diagnostics = match convert::decode(
            request.config.as_ref(),
            &service.provider_type,
            "provider configuration",
        ) {
            Ok(config) => convert::diagnostics(
                &service
                    .provider
                    .configure(&config, &request.terraform_version)
                    .await,
            ),
            Err(d) => one(d),
        };
        pb::configure_provider::Response { diagnostics }
    };
    guarded("ConfigureProvider", "", work, |d| {
        pb::configure_provider::Response {
            diagnostics: vec![d],
        }
    })
    .await
}

pub(super) async fn stop_provider(
    service: &ProviderService,
    _request: Request<pb::stop_provider::Request>,
) -> Reply<pb::stop_provider::Response> {
    let work = async {
        service.provider.stop();
        pb::stop_provider::Response::default()
    };
    guarded("StopProvider", "", work, |d| pb::stop_provider::Response {
        error: d.detail,
    })
    .await
}
