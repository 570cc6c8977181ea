//! The data sources' RPCs: validate and read, each handed to the
//! [`DataSource`](crate::interface::DataSource) of its type name.

use tonic::Request;

use super::reply::{guarded, one, Reply};
use super::service::ProviderService;
use crate::convert;
use crate::proto::tfplugin6 as pb;

pub(super) async fn validate_data_resource_config(
    service: &ProviderService,
    request: Request<pb::validate_data_resource_config::Request>,
) -> Reply<pb::validate_data_resource_config::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let diagnostics = match service.data_source(&request.type_name) {
            Err(d) => vec![d],
            Ok(s) => match convert::decode(
                request.config.as_ref(),
                &s.value_type,
                "data source configuration",
            ) {
                Ok(config) => convert::diagnostics(&s.implementation.validate(&config).await),
                Err(d) => one(d),
            },
        };
        pb::validate_data_resource_config::Response { diagnostics }
    };
    guarded("ValidateDataResourceConfig", &type_name, work, |d| {
        pb::validate_data_resource_config::Response {
            diagnostics: vec![d],
        }
    })
    .await
}

pub(super) async fn read_data_source(
    service: &ProviderService,
    request: Request<pb::read_data_source::Request>,
) -> Reply<pb::read_data_source::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let mut out = pb::read_data_source::Response::default();
        let s = match service.data_source(&request.type_name) {
            Ok(s) => s,
            Err(d) => {
                out.diagnostics.push(d);
                return out;
            }
        };
        let config = match convert::decode(
            request.config.as_ref(),
            &s.value_type,
            "data source configuration",
        ) {
            Ok(c) => c,
            Err(d) => {
                out.diagnostics = one(d);
                return out;
            }
        };
        let answer = s.implementation.read(&config).await;
        out.diagnostics = convert::diagnostics(&answer.diagnostics);
        if !answer.diagnostics.has_errors() {
            match convert::encode(&answer.state, &s.value_type, "data source state") {
                Ok(state) => out.state = Some(state),
                Err(d) => out.diagnostics.push(convert::diagnostic(&d)),
            }
        }
        out
    };
    guarded("ReadDataSource", &type_name, work, |d| {
        pb::read_data_source::Response {
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}
