//! The AWS JSON 1.1 API: SigV4 presence check, operation dispatch, fault injection, call
//! recording (with the signing region and `Host`, whatever they name), and the CloudHSM v2 operations with their validation rules.
//!
//! It handles one request that the server hands it: it knows nothing of connections or
//! routing, nor of the control API or the STS emulation.
//!
//! This file: the request's way in (SigV4, faults, the call record) and the dispatch;
//! `input.rs`: reading request fields and the refusals the operations share; one file per
//! group of operations (`describe.rs`, `initialize.rs`, `modify.rs`, `lifecycle.rs`).

mod describe;
mod initialize;
mod input;
mod lifecycle;
mod modify;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use crate::control::{CallRecord, Shared};
use crate::error::ApiError;
use crate::http::{host_of, read_body, response, Outcome, State};
use crate::intercept::{self, Delivery, Gate, Refusal};
use crate::sigv4::{self, SigV4Error};
use crate::unreadable;
use describe::describe_clusters;
use initialize::initialize_cluster;
use lifecycle::{create_cluster, create_hsm, delete_cluster, delete_hsm};
use modify::modify_cluster;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "BaldrApiService.";
/// The SigV4 signing name of CloudHSM v2 (the endpoint prefix is `cloudhsmv2`).
const SIGNING_NAME: &str = "cloudhsm";

/// Handles one API request.
pub(crate) async fn handle(state: &State, req: Request<Body>) -> Outcome {
    let (parts, body) = req.into_parts();
    if parts.method != axum::http::Method::POST || parts.uri.path() != "/" {
        let err = ApiError::unknown_operation(&format!("{} {}", parts.method, parts.uri.path()));
        return Outcome::Respond(error_response(&err));
    }
    let signature = match sigv4::check(&parts.headers, SIGNING_NAME) {
        Ok(signature) => signature,
        Err(e) => return Outcome::Respond(error_response(&signature_error(e))),
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX).map(str::to_string) else {
        return Outcome::Respond(error_response(&ApiError::unknown_operation(&target)));
    };
    state.shared.count_attempt(&operation);
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return Outcome::Respond(error_response(&ApiError::serialization(e))),
    };
    let input: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return Outcome::Respond(error_response(&ApiError::serialization(
                    "the request body must be a JSON object",
                )))
            }
            Err(e) => {
                return Outcome::Respond(error_response(&ApiError::serialization(format!(
                    "the request body is not valid JSON: {e}"
                ))))
            }
        }
    };

    let delivery = match intercept::gate(&state.shared, &operation).await {
        Gate::Handle(delivery) => delivery,
        Gate::Refuse(Refusal::Throttle) => {
            return Outcome::Respond(error_response(&ApiError::throttling()))
        }
        Gate::Refuse(Refusal::InternalError) => {
            return Outcome::Respond(error_response(&ApiError::internal(
                "An internal error occurred (injected fault).",
            )))
        }
        Gate::Refuse(Refusal::HtmlPage(status)) => {
            return Outcome::Respond(intercept::html_page(status))
        }
        Gate::Abandon(outcome) => return outcome,
    };

    state.shared.record_call(CallRecord {
        operation: operation.clone(),
        body: input.clone(),
        access_key_id: Some(signature.access_key_id),
        region: Some(signature.region),
        host: host_of(&parts.headers),
    });
    let answer = match dispatch(&state.shared, &operation, &input) {
        Ok(output) => {
            tracing::debug!(operation, "ok");
            let output = match delivery {
                Delivery::Unreadable => unreadable::json_answer(output),
                _ => output,
            };
            response(StatusCode::OK, CONTENT_TYPE, output.to_string())
        }
        Err(e) => {
            tracing::debug!(operation, error = %e, "refused");
            error_response(&e)
        }
    };
    intercept::deliver(delivery, answer).await
}

/// The CloudHSM API's answer to a refused signature.
fn signature_error(e: SigV4Error) -> ApiError {
    match e {
        SigV4Error::Missing => ApiError::missing_authentication(),
        SigV4Error::Incomplete(message) => ApiError::incomplete_signature(message),
        SigV4Error::WrongService { found, .. } => ApiError::wrong_service(&found),
    }
}

fn error_response(e: &ApiError) -> axum::http::Response<Body> {
    let mut r = response(e.status, CONTENT_TYPE, e.body().to_string());
    if let Ok(v) = header::HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    r
}

fn dispatch(shared: &Shared, operation: &str, input: &Value) -> Result<Value, ApiError> {
    match operation {
        "DescribeClusters" => describe_clusters(shared, input),
        "InitializeCluster" => initialize_cluster(shared, input),
        "ModifyCluster" => modify_cluster(shared, input),
        "CreateCluster" => create_cluster(shared, input),
        "CreateHsm" => create_hsm(shared, input),
        "DeleteHsm" => delete_hsm(shared, input),
        "DeleteCluster" => delete_cluster(shared, input),
        other => Err(ApiError::unknown_operation(&format!(
            "{TARGET_PREFIX}{other}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Input helpers

#[cfg(test)]
mod tests;
