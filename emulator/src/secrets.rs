//! Secrets Manager, as much as `ephemeral "aws_secretsmanager_secret_version"` of HashiCorp's
//! AWS provider needs: `GetSecretValue` (AWS JSON 1.1, `X-Amz-Target:
//! secretsmanager.GetSecretValue`, SigV4 scoped to `secretsmanager`) on the CloudHSM
//! listener, for the secrets tests seed ([`Control::seed_secret`](crate::Control)). It lets
//! `examples/complete-own-ca` read its CA key offline. A secret is found by name or ARN, in
//! any region; only the current version (`AWSCURRENT`) exists.
//!
//! It handles one request the server hands it, as `api` does: no faults, and the call record
//! holds the operation and the secret id, never the secret.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use crate::control::{CallRecord, Secret};
use crate::error::ApiError;
use crate::http::{host_of, json_answer, read_body, Outcome, State};
use crate::sigv4::{self, SigV4Error};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The target prefix that sends a request here rather than to the CloudHSM API.
pub(crate) const TARGET_PREFIX: &str = "secretsmanager.";
const SIGNING_NAME: &str = "secretsmanager";

/// Whether `req` is a Secrets Manager call.
pub(crate) fn is_secrets_manager(req: &Request<Body>) -> bool {
    req.headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with(TARGET_PREFIX))
}

/// Handles one Secrets Manager request.
pub(crate) async fn handle(state: &State, req: Request<Body>) -> Outcome {
    let (parts, body) = req.into_parts();
    let signature = match sigv4::check(&parts.headers, SIGNING_NAME) {
        Ok(signature) => signature,
        Err(SigV4Error::Missing) => return answer(Err(ApiError::missing_authentication())),
        Err(SigV4Error::Incomplete(m)) => return answer(Err(ApiError::incomplete_signature(m))),
        Err(SigV4Error::WrongService { found, .. }) => {
            return answer(Err(ApiError::wrong_service(&found)))
        }
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let operation = target.trim_start_matches(TARGET_PREFIX).to_string();
    let input: Value = match read_body(body).await {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => json!({}),
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return answer(Err(ApiError::serialization(
                    "the body must be a JSON object",
                )))
            }
        },
        Err(e) => return answer(Err(ApiError::serialization(e))),
    };
    state.shared.count_attempt(&operation);
    state.shared.record_call(CallRecord {
        operation: operation.clone(),
        body: json!({ "SecretId": input["SecretId"] }),
        access_key_id: Some(signature.access_key_id),
        region: Some(signature.region),
        host: host_of(&parts.headers),
    });
    answer(match operation.as_str() {
        "GetSecretValue" => get_secret_value(state, &input),
        other => Err(ApiError::unknown_operation(&format!(
            "{TARGET_PREFIX}{other}"
        ))),
    })
}

fn get_secret_value(state: &State, input: &Value) -> Result<Value, ApiError> {
    let Some(id) = input["SecretId"].as_str().filter(|s| !s.is_empty()) else {
        return Err(error(
            "InvalidParameterException",
            "You must provide a value for SecretId.",
        ));
    };
    let stage = input["VersionStage"].as_str().unwrap_or("AWSCURRENT");
    let found: Option<Secret> = state.shared.secret(id);
    let secret = match found {
        Some(s)
            if stage == "AWSCURRENT"
                && input["VersionId"]
                    .as_str()
                    .is_none_or(|v| v == s.version_id) =>
        {
            s
        }
        _ => {
            return Err(error(
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            ))
        }
    };
    Ok(json!({
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": secret.version_id,
        "SecretString": secret.secret_string,
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": secret.created_epoch_seconds,
    }))
}

fn error(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn answer(result: Result<Value, ApiError>) -> Outcome {
    Outcome::Respond(json_answer(result, CONTENT_TYPE))
}
