//! The managed resources' RPCs: validate, read, plan, apply and import, each handed to the
//! [`Resource`](crate::interface::Resource) of its type name.

use tonic::Request;

use super::reply::{encode_into, guarded, one, Reply};
use super::service::ProviderService;
use crate::convert;
use crate::diagnostics::Diagnostics;
use crate::interface::{ApplyRequest, PlanRequest, ReadRequest};
use crate::proto::tfplugin6 as pb;

pub(super) async fn validate_resource_config(
    service: &ProviderService,
    request: Request<pb::validate_resource_config::Request>,
) -> Reply<pb::validate_resource_config::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let diagnostics = match service.resource(&request.type_name) {
            Err(d) => vec![d],
            Ok(r) => match convert::decode(
                request.config.as_ref(),
                &r.value_type,
                "resource configuration",
            ) {
                Ok(config) => {
                    let client = convert::client_capabilities(request.client_capabilities.as_ref());
                    convert::diagnostics(&r.implementation.validate(&config, client).await)
                }
                Err(d) => one(d),
            },
        };
        pb::validate_resource_config::Response { diagnostics }
    };
    guarded("ValidateResourceConfig", &type_name, work, |d| {
        pb::validate_resource_config::Response {
            diagnostics: vec![d],
        }
    })
    .await
}

pub(super) async fn read_resource(
    service: &ProviderService,
    request: Request<pb::read_resource::Request>,
) -> Reply<pb::read_resource::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let mut out = pb::read_resource::Response {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            ..Default::default()
        };
        let (r, [current_state]) = match service.resource_values(
            &request.type_name,
            [(request.current_state.as_ref(), "current state")],
        ) {
            Ok(found) => found,
            Err(d) => {
                out.diagnostics = d;
                return out;
            }
        };
        let answer = r
            .implementation
            .read(ReadRequest {
                current_state,
                private: request.private.clone(),
            })
            .await;
        out.diagnostics = convert::diagnostics(&answer.diagnostics);
        if let Some(state) = encode_into(
            &answer.new_state,
            &r.value_type,
            "refreshed state",
            &mut out.diagnostics,
        ) {
            out.new_state = Some(state);
        }
        out.private = answer.private;
        out
    };
    guarded("ReadResource", &type_name, work, |d| {
        pb::read_resource::Response {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}

pub(super) async fn plan_resource_change(
    service: &ProviderService,
    request: Request<pb::plan_resource_change::Request>,
) -> Reply<pb::plan_resource_change::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let mut out = pb::plan_resource_change::Response::default();
        let (r, [prior_state, proposed_new_state, config]) = match service.resource_values(
            &request.type_name,
            [
                (request.prior_state.as_ref(), "prior state"),
                (request.proposed_new_state.as_ref(), "proposed new state"),
                (request.config.as_ref(), "configuration"),
            ],
        ) {
            Ok(found) => found,
            Err(d) => {
                out.diagnostics = d;
                return out;
            }
        };
        let answer = r
            .implementation
            .plan(PlanRequest {
                prior_state,
                proposed_new_state,
                config,
                prior_private: request.prior_private.clone(),
                client_capabilities: convert::client_capabilities(
                    request.client_capabilities.as_ref(),
                ),
            })
            .await;
        out.diagnostics = convert::diagnostics(&answer.diagnostics);
        out.planned_state = encode_into(
            &answer.planned_state,
            &r.value_type,
            "planned state",
            &mut out.diagnostics,
        );
        out.requires_replace = answer.requires_replace.iter().map(convert::path).collect();
        out.planned_private = answer.planned_private;
        out
    };
    guarded("PlanResourceChange", &type_name, work, |d| {
        pb::plan_resource_change::Response {
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}

pub(super) async fn apply_resource_change(
    service: &ProviderService,
    request: Request<pb::apply_resource_change::Request>,
) -> Reply<pb::apply_resource_change::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let mut out = pb::apply_resource_change::Response {
            new_state: request.prior_state.clone(),
            ..Default::default()
        };
        let (r, [prior_state, planned_state, config]) = match service.resource_values(
            &request.type_name,
            [
                (request.prior_state.as_ref(), "prior state"),
                (request.planned_state.as_ref(), "planned state"),
                (request.config.as_ref(), "configuration"),
            ],
        ) {
            Ok(found) => found,
            Err(d) => {
                out.diagnostics = d;
                return out;
            }
        };
        let answer = r
            .implementation
            .apply(ApplyRequest {
                prior_state,
                planned_state,
                config,
                planned_private: request.planned_private.clone(),
            })
            .await;
        out.diagnostics = convert::diagnostics(&answer.diagnostics);
        if let Some(state) = encode_into(
            &answer.new_state,
            &r.value_type,
            "new state",
            &mut out.diagnostics,
        ) {
            out.new_state = Some(state);
        }
        out.private = answer.private;
        out
    };
    guarded("ApplyResourceChange", &type_name, work, |d| {
        pb::apply_resource_change::Response {
            new_state: request.prior_state.clone(),
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}

pub(super) async fn import_resource_state(
    service: &ProviderService,
    request: Request<pb::import_resource_state::Request>,
) -> Reply<pb::import_resource_state::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let mut out = pb::import_resource_state::Response::default();
        let r = match service.resource(&request.type_name) {
            Ok(r) => r,
            Err(d) => {
                out.diagnostics.push(d);
                return out;
            }
        };
        let answer = r.implementation.import(&request.id).await;
        let mut diagnostics: Diagnostics = answer.diagnostics;
        for state in &answer.states {
            match convert::encode(state, &r.value_type, "imported state") {
                Ok(state) => {
                    out.imported_resources
                        .push(pb::import_resource_state::ImportedResource {
                            type_name: request.type_name.clone(),
                            state: Some(state),
                            ..Default::default()
                        })
                }
                Err(d) => diagnostics.push(d),
            }
        }
        out.diagnostics = convert::diagnostics(&diagnostics);
        out
    };
    guarded("ImportResourceState", &type_name, work, |d| {
        pb::import_resource_state::Response {
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}
