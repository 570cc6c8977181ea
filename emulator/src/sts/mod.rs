//! The STS emulation, on its own listener: the AWS query protocol (`POST /` with a form
//! body, XML answers) for `AssumeRole`, `AssumeRoleWithWebIdentity` and
//! `GetCallerIdentity`, with STS's input rules and error shapes. Every action needs SigV4
//! scoped to `sts` except `AssumeRoleWithWebIdentity`, which the AWS SDK sends unsigned (the
//! token is the credential). Issued credentials are remembered so that calls they sign can
//! be traced back to the role.
//!
//! It handles one request that the server hands it: it knows nothing of connections or
//! routing, nor of the CloudHSM API or the control API.
//!
//! This file: the request's way in (signature, form, faults, the call record), the dispatch,
//! `GetCallerIdentity` and the error answer; `input.rs`: reading and checking the form's
//! fields; `session.rs`: issuing role session credentials; `assume_role.rs` and
//! `web_identity.rs`: the two ways to assume a role; `token.rs`: what a web identity token
//! says; `xml.rs`: the answers' envelope and escaping.

mod assume_role;
mod input;
mod session;
mod token;
mod web_identity;
mod xml;

use axum::body::Body;
use axum::http::{header, request::Parts, Method, Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::control::{CallRecord, Shared};
use crate::error::StsError;
use crate::http::{host_of, read_body, response, Outcome, State};
use crate::identity;
use crate::intercept::{self, Delivery, Gate, Refusal};
use crate::sigv4::{self, SigV4Error, Signature};
use crate::unreadable;
use crate::urlencoded;
use input::{form_value, Form};
use xml::{envelope, xml_escape};

/// The SigV4 signing name of STS.
const SIGNING_NAME: &str = "sts";
const VERSION: &str = "2011-06-15";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const CONTENT_TYPE: &str = "text/xml";
/// The one action that may come unsigned.
const UNSIGNED_ACTION: &str = "AssumeRoleWithWebIdentity";
const ACTIONS: [&str; 3] = ["AssumeRole", UNSIGNED_ACTION, "GetCallerIdentity"];

/// Handles one request on the STS listener.
pub(crate) async fn handle(state: &State, req: Request<Body>) -> Outcome {
    let (parts, body) = req.into_parts();
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Outcome::Respond(error_response(&StsError::invalid_action(format!(
            "the STS emulation serves POST / with a form body, not {} {}",
            parts.method,
            parts.uri.path()
        ))));
    }
    // A missing signature is refused only once the action is known: the unsigned action
    // may come without one.
    let signature = match sigv4::check(&parts.headers, SIGNING_NAME) {
        Ok(signature) => Some(signature),
        Err(SigV4Error::Missing) => None,
        Err(e) => return Outcome::Respond(error_response(&signature_error(e))),
    };
    let unsigned_refusal = || Outcome::Respond(error_response(&StsError::missing_authentication()));
    let form = match read_form(&parts, body).await {
        Ok(form) => form,
        Err(_) if signature.is_none() => return unsigned_refusal(),
        Err(e) => return Outcome::Respond(error_response(&e)),
    };
    let action = match (form_value(&form, "Action"), &signature) {
        (Some(action), Some(_)) => action.to_string(),
        (Some(action), None) if action == UNSIGNED_ACTION => action.to_string(),
        (None, Some(_)) => return Outcome::Respond(error_response(&StsError::missing_action())),
        (_, None) => return unsigned_refusal(),
    };

    state.shared.count_attempt(&action);
    let delivery = match intercept::gate(&state.shared, &action).await {
        Gate::Handle(delivery) => delivery,
        Gate::Refuse(Refusal::Throttle) => {
            return Outcome::Respond(error_response(&StsError::throttling()))
        }
        Gate::Refuse(Refusal::InternalError) => {
            return Outcome::Respond(error_response(&StsError::internal(
                "An internal error occurred (injected fault).",
            )))
        }
        Gate::Refuse(Refusal::HtmlPage(status)) => {
            return Outcome::Respond(intercept::html_page(status))
        }
        Gate::Abandon(outcome) => return outcome,
    };

    let recorded: Map<String, Value> = form
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    state.shared.record_call(CallRecord {
        operation: action.clone(),
        body: Value::Object(recorded),
        access_key_id: signature.as_ref().map(|s| s.access_key_id.clone()),
        region: signature.as_ref().map(|s| s.region.clone()),
        host: host_of(&parts.headers),
    });
    let answer = match dispatch(&state.shared, &action, &form, signature.as_ref()) {
        Ok(xml) => {
            tracing::debug!(action, "ok");
            let xml = match delivery {
                Delivery::Unreadable => unreadable::xml_answer(&xml),
                _ => xml,
            };
            response(StatusCode::OK, CONTENT_TYPE, xml)
        }
        Err(e) => {
            tracing::debug!(action, error = %e, "refused");
            error_response(&e)
        }
    };
    intercept::deliver(delivery, answer).await
}

/// The form body: `application/x-www-form-urlencoded`, UTF-8.
async fn read_form(parts: &Parts, body: Body) -> Result<Form, StsError> {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(StsError::malformed(format!(
            "Content-Type must be application/x-www-form-urlencoded, not {content_type:?}"
        )));
    }
    let bytes = read_body(body).await.map_err(StsError::malformed)?;
    let text =
        String::from_utf8(bytes).map_err(|_| StsError::malformed("the form body is not UTF-8"))?;
    Ok(urlencoded::pairs(&text))
}

/// STS's answer to a refused signature.
fn signature_error(e: SigV4Error) -> StsError {
    match e {
        SigV4Error::Missing => StsError::missing_authentication(),
        SigV4Error::Incomplete(message) => StsError::incomplete_signature(message),
        SigV4Error::WrongService { found, .. } => StsError::wrong_service(&found),
    }
}

fn dispatch(
    shared: &Shared,
    action: &str,
    form: &Form,
    signature: Option<&Signature>,
) -> Result<String, StsError> {
    let version = form_value(form, "Version");
    if !ACTIONS.contains(&action) || version != Some(VERSION) {
        return Err(StsError::invalid_action(format!(
            "Could not find operation {action} for version {}",
            version.unwrap_or("NO_VERSION_SPECIFIED")
        )));
    }
    match (action, signature) {
        (UNSIGNED_ACTION, _) => web_identity::assume_role_with_web_identity(shared, form),
        ("AssumeRole", Some(signature)) => assume_role::assume_role(shared, form, signature),
        ("GetCallerIdentity", Some(signature)) => Ok(get_caller_identity(shared, signature)),
        // `handle` lets no other action through unsigned.
        _ => Err(StsError::missing_authentication()),
    }
}

fn get_caller_identity(shared: &Shared, signature: &Signature) -> String {
    let caller = shared
        .identities()
        .caller(&signature.access_key_id, &signature.region);
    envelope(
        "GetCallerIdentity",
        &format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
            xml_escape(&caller.arn),
            xml_escape(&caller.user_id),
            xml_escape(&caller.account),
        ),
    )
}

fn error_response(e: &StsError) -> Response<Body> {
    let xml = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\
<Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error>\
<RequestId>{}</RequestId>\
</ErrorResponse>",
        e.fault_type(),
        e.code,
        xml_escape(&e.message),
        identity::new_request_id(),
    );
    response(e.status, CONTENT_TYPE, xml)
}
