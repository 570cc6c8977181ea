//! `AssumeRoleWithWebIdentity`: a caller with no AWS credentials (the request comes
//! unsigned) trades a web identity token (GitHub Actions' OIDC token, HCP Terraform's
//! workload identity token) for a session of a role. STS's input rules; the refusals of a
//! token the control API marks invalid, expired or unverifiable, of a JWT whose `exp` has
//! passed, and of a role that may not be assumed; then the credentials issued with what the
//! token said (subject, audience, provider).
//!
//! One action: it knows the form rules, sessions and token claims it stands on, not the
//! protocol around.

use std::time::{SystemTime, UNIX_EPOCH};

use super::input::{self, check_length, check_length_hidden, form_value, Violations};
use super::session;
use super::token::{self, Claims};
use super::xml::{envelope, xml_escape};
use crate::control::Shared;
use crate::error::StsError;
use crate::identity::TokenRefusal;

pub(super) fn assume_role_with_web_identity(
    shared: &Shared,
    form: &[(String, String)],
) -> Result<String, StsError> {
    let mut v = Violations::default();
    let role = input::role_arn(&mut v, form);
    let session = input::session_name(&mut v, form);
    let token = form_value(form, "WebIdentityToken");
    match token {
        None => v.add(None, "webIdentityToken", "Member must not be null"),
        Some(t) => check_length_hidden(&mut v, t, "webIdentityToken", 4, 20_000),
    }
    let provider_id = form_value(form, "ProviderId");
    if let Some(p) = provider_id {
        check_length(&mut v, p, "providerId", 4, 2048);
    }
    let duration_secs = input::duration_secs(&mut v, form);
    input::session_policies(&mut v, form);
    v.into_result()?;
    input::policy_document(form)?;
    let (Some(role), Some(session), Some(token)) = (role, session, token) else {
        // Unreachable: a missing or malformed value was reported above.
        return Err(StsError::validation(
            "RoleArn, RoleSessionName and WebIdentityToken are required",
        ));
    };

    let claims = token::claims(token);
    let refusal = shared.identities().token_refusal(token);
    check_token(&claims, refusal, unix_now())?;
    if session::is_denied(shared, &role) {
        return Err(StsError::access_denied(
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        ));
    }
    let issued = session::issue(shared, &role, session, duration_secs);
    let provider = provider_id.map_or_else(|| claims.issuer.clone(), str::to_string);
    Ok(envelope(
        "AssumeRoleWithWebIdentity",
        &format!(
            "<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\
<Audience>{}</Audience>{}<Provider>{}</Provider>",
            xml_escape(&claims.subject),
            xml_escape(&claims.audience),
            issued.xml(),
            xml_escape(&provider),
        ),
    ))
}

/// The refusal of a token the control API marked, or of one whose `exp` has passed, in
/// AWS's words.
fn check_token(claims: &Claims, refusal: Option<TokenRefusal>, now: i64) -> Result<(), StsError> {
    let expired = |at: i64| {
        StsError::expired_token(format!(
            "Token expired: current date/time {now} must be before the expiration date/time {at}"
        ))
    };
    match refusal {
        Some(TokenRefusal::Invalid) => Err(StsError::invalid_identity_token(format!(
            "No OpenIDConnect provider found in your account for {}",
            claims.issuer
        ))),
        Some(TokenRefusal::Expired) => Err(expired(
            claims.expires_at.filter(|at| *at <= now).unwrap_or(now),
        )),
        Some(TokenRefusal::IdpUnreachable) => Err(StsError::idp_communication(
            "The request could not be fulfilled because the identity provider (IDP) that was \
asked to verify the incoming identity token could not be reached.",
        )),
        None => match claims.expires_at {
            Some(at) if at <= now => Err(expired(at)),
            _ => Ok(()),
        },
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: Option<i64>) -> Claims {
        Claims {
            subject: "s".into(),
            audience: "a".into(),
            issuer: "https://issuer.example".into(),
            expires_at,
        }
    }

    #[test]
    fn tokens_are_refused_as_marked_or_when_their_exp_has_passed() {
        assert!(check_token(&claims(None), None, 1000).is_ok());
        assert!(check_token(&claims(Some(1001)), None, 1000).is_ok());
        let err = check_token(&claims(Some(999)), None, 1000).expect_err("expired");
        assert_eq!(err.code, "ExpiredTokenException");
        assert_eq!(
            err.message,
            "Token expired: current date/time 1000 must be before the expiration date/time 999"
        );
        let err =
            check_token(&claims(None), Some(TokenRefusal::Invalid), 1000).expect_err("invalid");
        assert_eq!(err.code, "InvalidIdentityToken");
        assert!(
            err.message.ends_with("for https://issuer.example"),
            "{}",
            err.message
        );
        let err = check_token(&claims(Some(5000)), Some(TokenRefusal::Expired), 1000)
            .expect_err("marked expired");
        assert!(err.message.ends_with("date/time 1000"), "{}", err.message);
        let err = check_token(&claims(None), Some(TokenRefusal::IdpUnreachable), 1000)
            .expect_err("unreachable");
        assert_eq!(err.code, "IDPCommunicationError");
    }
}
