//! What the STS emulation answers, over HTTP: the accounts of callers it did not issue
//! credentials to, what it knows of one access key, and the web identity tokens it refuses.
//!
//! Knows `Control` and the field readers; not the routes.

use serde_json::{json, Value};

use super::fields::{field, field_opt_str, field_str};
use super::{bad, ok, Answer};
use crate::control::Control;
use crate::identity::{is_account_id, TokenRefusal};

/// `{"DefaultAccount", "AccessKeys": {key: account}}`.
pub(super) fn accounts_json(control: &Control) -> Value {
    json!({
        "DefaultAccount": control.default_account(),
        "AccessKeys": control.accounts_by_access_key(),
    })
}

fn account(value: &str, what: &str) -> Result<String, (axum::http::StatusCode, String)> {
    if is_account_id(value) {
        Ok(value.to_string())
    } else {
        Err(bad(format!(
            "{what} {value:?} is not an AWS account id (12 digits)"
        )))
    }
}

/// `{DefaultAccount?, AccessKeys?: {key: account}}`: every value checked before any is
/// set; keys absent from `AccessKeys` keep their account.
pub(super) fn set_accounts(control: &Control, body: &Value) -> Answer {
    let default = field_opt_str(body, &["DefaultAccount", "default_account"])?
        .map(|a| account(&a, "DefaultAccount"))
        .transpose()?;
    let mut per_key = Vec::new();
    match field(body, &["AccessKeys", "access_keys"]) {
        None => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let Some(value) = value.as_str() else {
                    return Err(bad(format!("AccessKeys.{key} must be a string")));
                };
                if key.is_empty() {
                    return Err(bad("AccessKeys names an empty access key"));
                }
                per_key.push((key.clone(), account(value, &format!("AccessKeys.{key}"))?));
            }
        }
        Some(_) => {
            return Err(bad(
                "AccessKeys must be an object of access key ids to accounts",
            ))
        }
    }
    if let Some(default) = default {
        control.set_default_account(&default);
    }
    for (key, account) in per_key {
        control.set_account_for_access_key(&key, &account);
    }
    ok(accounts_json(control))
}

/// `{"AccessKeyId", "Account", "AssumedRole"}`: what `GetCallerIdentity` would answer the
/// key, and the role behind it when the emulation issued it (else null).
pub(super) fn access_key_json(control: &Control, key: &str) -> Value {
    json!({
        "AccessKeyId": key,
        "Account": control.account_of(key),
        "AssumedRole": control.assumed_role_of(key),
    })
}

/// `{Token, Refusal: InvalidIdentityToken/ExpiredTokenException/IDPCommunicationError}`.
pub(super) fn refuse_token(control: &Control, body: &Value) -> Answer {
    let token = field_str(body, &["Token", "token"])?;
    let code = field_str(body, &["Refusal", "refusal"])?;
    let Some(refusal) = TokenRefusal::from_code(&code) else {
        return Err(bad(format!(
            "Refusal {code:?} must be InvalidIdentityToken, ExpiredTokenException or IDPCommunicationError"
        )));
    };
    control.refuse_web_identity_token(&token, refusal);
    ok(json!({"Status": "refused", "Refusal": refusal.code()}))
}

/// `{Token}`: the SSO portal accepts that access token from now on.
pub(super) fn allow_sso_token(control: &Control, body: &Value) -> Answer {
    let token = field_str(body, &["Token", "token"])?;
    if token.is_empty() {
        return Err(bad("Token must not be empty"));
    }
    control.allow_sso_token(&token);
    ok(json!({"Status": "allowed"}))
}
