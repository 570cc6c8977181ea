//! IAM Identity Center's portal, as much as a shared-config profile with `sso_start_url`,
//! `sso_account_id` and `sso_role_name` needs: `GetRoleCredentials` (`GET
//! /federation/credentials?account_id=…&role_name=…`, unsigned, the access token that
//! `aws sso login` cached in the `x-amz-sso_bearer_token` header), on the CloudHSM listener.
//! The access tokens it accepts are the ones tests allow ([`Control::allow_sso_token`]);
//! each call issues fresh temporary credentials for the account's permission-set role, so
//! the CloudHSM and STS calls they sign are traced back to that account and role.
//!
//! It handles one request the server hands it, as `secrets` does: no faults, and the call
//! record holds the account and the role, never the token.
//!
//! [`Control::allow_sso_token`]: crate::Control::allow_sso_token

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::control::CallRecord;
use crate::error::ApiError;
use crate::http::{host_of, json_answer, Outcome, State};
use crate::identity::{self, is_account_id, Issued};
use crate::urlencoded::param;

/// The path that sends a request here rather than to the CloudHSM API.
pub(crate) const PATH: &str = "/federation/credentials";
const TOKEN_HEADER: &str = "x-amz-sso_bearer_token";
/// How long the role credentials last (the permission set's default session, one hour).
const SESSION: Duration = Duration::from_secs(3600);

/// Whether `req` is a call to the portal.
pub(crate) fn is_sso(req: &Request<Body>) -> bool {
    req.uri().path() == PATH
}

/// Handles one portal request.
pub(crate) fn handle(state: &State, req: &Request<Body>) -> Outcome {
    let query = req.uri().query().unwrap_or("");
    let account = param(query, "account_id").unwrap_or_default();
    let role = param(query, "role_name").unwrap_or_default();
    state.shared.count_attempt("GetRoleCredentials");
    state.shared.record_call(CallRecord {
        operation: "GetRoleCredentials".into(),
        body: json!({ "accountId": account, "roleName": role }),
        access_key_id: None,
        region: region_of_host(host_of(req.headers()).as_deref()),
        host: host_of(req.headers()),
    });
    let token = req
        .headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    answer(get_role_credentials(
        state,
        req.method(),
        token,
        &account,
        &role,
    ))
}

fn get_role_credentials(
    state: &State,
    method: &Method,
    token: &str,
    account: &str,
    role: &str,
) -> Result<Value, ApiError> {
    if method != Method::GET {
        return Err(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "InvalidRequestException",
            "GetRoleCredentials is a GET",
        ));
    }
    if token.is_empty() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
            "Session token not found or invalid",
        ));
    }
    if !is_account_id(account) || role.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestException",
            "account_id must be 12 digits and role_name must not be empty",
        ));
    }
    let mut identities = state.shared.identities();
    if !identities.sso_token_allowed(token) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
            "Session token not found or invalid",
        ));
    }
    let access_key_id = identity::new_temporary_access_key_id();
    let secret_access_key = identity::new_secret_access_key();
    let session_token = identity::new_session_token();
    // The role Identity Center makes for a permission set in each account.
    let role_name = format!("AWSReservedSSO_{role}_0123456789abcdef");
    let role_arn =
        format!("arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/{role_name}");
    let user = "sso-user@example.com";
    let assumed_role_id = format!("{}:{user}", identities.role_id(&role_arn));
    identities.insert(
        access_key_id.clone(),
        Issued {
            role_arn,
            assumed_role_arn: format!("arn:aws:sts::{account}:assumed-role/{role_name}/{user}"),
            assumed_role_id,
            account: account.to_string(),
        },
    );
    let expiration = (SystemTime::now() + SESSION)
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    Ok(json!({
        "roleCredentials": {
            "accessKeyId": access_key_id,
            "secretAccessKey": secret_access_key,
            "sessionToken": session_token,
            "expiration": u64::try_from(expiration).unwrap_or(u64::MAX),
        }
    }))
}

/// `eu-west-1` of `portal.sso.eu-west-1.amazonaws.com`.
fn region_of_host(host: Option<&str>) -> Option<String> {
    let rest = host?.strip_prefix("portal.sso.")?;
    rest.split('.').next().map(str::to_string)
}

fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

fn answer(result: Result<Value, ApiError>) -> Outcome {
    Outcome::Respond(json_answer(result, "application/json"))
}

#[cfg(test)]
mod tests {
    use super::region_of_host;

    #[test]
    fn the_region_is_the_portal_hosts_third_label() {
        assert_eq!(
            region_of_host(Some("portal.sso.eu-west-1.amazonaws.com")).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_of_host(Some("127.0.0.1:4000")), None);
        assert_eq!(region_of_host(None), None);
    }
}
