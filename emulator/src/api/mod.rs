//! The AWS JSON 1.1 API: SigV4 presence check, operation dispatch, fault injection, call
//! recording (with the signing region and `Host`, whatever they name), and the CloudHSM v2
//! operations with their validation rules. The signing region of a call picks the region
//! whose clusters and backups it sees and changes; a call signed for a region that is not
//! enabled is refused.
//!
//! It handles one request that the server hands it: it knows nothing of connections or
//! routing, nor of the control API or the STS emulation.
//!
//! This file: the request's way in (SigV4, faults, the call record) and the dispatch;
//! `input.rs`: reading request fields and the refusals the operations share; one file per
//! group of operations (`describe.rs`, `initialize.rs`, `modify.rs`, `lifecycle.rs` for
//! clusters and HSMs; `backups.rs` (DescribeBackups), `backup_copy.rs`,
//! `backup_changes.rs` (delete, restore, modify) for backups; `tags.rs` for both).

mod backup_changes;
mod backup_copy;
mod backups;
mod describe;
mod initialize;
mod input;
mod lifecycle;
mod modify;
mod tags;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use crate::control::{CallRecord, Shared};
use crate::error::ApiError;
use crate::http::{host_of, json_error, read_body, response, Outcome, State};
use crate::intercept::{self, Delivery, Gate, Refusal};
use crate::sigv4::{self, SigV4Error};
use crate::unreadable;
use backup_changes::{delete_backup, modify_backup_attributes, restore_backup};
use backup_copy::copy_backup_to_region;
use backups::describe_backups;
use describe::describe_clusters;
use initialize::initialize_cluster;
use lifecycle::{create_cluster, create_hsm, delete_cluster, delete_hsm};
use modify::modify_cluster;
use tags::{list_tags, tag_resource, untag_resource};

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

    let call = Call {
        region: signature.region.clone(),
        access_key_id: signature.access_key_id.clone(),
    };
    state.shared.record_call(CallRecord {
        operation: operation.clone(),
        body: input.clone(),
        access_key_id: Some(signature.access_key_id),
        region: Some(signature.region),
        host: host_of(&parts.headers),
    });
    let answer = match dispatch(&state.shared, &call, &operation, &input) {
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
    json_error(e, CONTENT_TYPE)
}

/// Who made a call and for where: the signing region picks the region whose clusters and
/// backups the call sees and changes.
pub(super) struct Call {
    /// The region of the SigV4 credential scope.
    pub region: String,
    /// The access key id of the SigV4 credential scope.
    pub access_key_id: String,
}

fn dispatch(
    shared: &Shared,
    call: &Call,
    operation: &str,
    input: &Value,
) -> Result<Value, ApiError> {
    let handler: fn(&Shared, &Call, &Value) -> Result<Value, ApiError> = match operation {
        "DescribeClusters" => describe_clusters,
        "InitializeCluster" => initialize_cluster,
        "ModifyCluster" => modify_cluster,
        "CreateCluster" => create_cluster,
        "CreateHsm" => create_hsm,
        "DeleteHsm" => delete_hsm,
        "DeleteCluster" => delete_cluster,
        "DescribeBackups" => describe_backups,
        "CopyBackupToRegion" => copy_backup_to_region,
        "DeleteBackup" => delete_backup,
        "RestoreBackup" => restore_backup,
        "ModifyBackupAttributes" => modify_backup_attributes,
        "TagResource" => tag_resource,
        "UntagResource" => untag_resource,
        "ListTags" => list_tags,
        other => {
            return Err(ApiError::unknown_operation(&format!(
                "{TARGET_PREFIX}{other}"
            )))
        }
    };
    if shared.store().disabled_regions.contains(&call.region) {
        return Err(ApiError::unrecognized_client());
    }
    handler(shared, call, input)
}

#[cfg(test)]
mod tests;
