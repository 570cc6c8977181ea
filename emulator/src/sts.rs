//! The STS emulation, on its own listener: the AWS query protocol (`POST /` with a form
//! body, SigV4 scoped to `sts`, XML answers) for `AssumeRole` and `GetCallerIdentity`, with
//! STS's input rules and error shapes. Issued credentials are remembered so that calls they
//! sign can be traced back to the role.
//!
//! It handles one request that the server hands it: it knows nothing of connections or
//! routing, nor of the CloudHSM API or the control API.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, Method, Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::control::Shared;
use crate::error::StsError;
use crate::http::{read_body, response, Outcome, State};
use crate::identity::{self, Issued};
use crate::intercept::{self, Delivery, Gate, Refusal};
use crate::sigv4::{self, SigV4Error};
use crate::unreadable;
use crate::urlencoded;

/// The SigV4 signing name of STS.
const SIGNING_NAME: &str = "sts";
const VERSION: &str = "2011-06-15";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const CONTENT_TYPE: &str = "text/xml";
const DEFAULT_DURATION_SECS: u64 = 3600;
const MIN_DURATION_SECS: i64 = 900;
const MAX_DURATION_SECS: i64 = 43_200;

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
    let access_key_id = match sigv4::check(&parts.headers, SIGNING_NAME) {
        Ok(akid) => akid,
        Err(e) => return Outcome::Respond(error_response(&signature_error(e))),
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Outcome::Respond(error_response(&StsError::malformed(format!(
            "Content-Type must be application/x-www-form-urlencoded, not {content_type:?}"
        ))));
    }
    let form = match read_body(body).await.and_then(|bytes| {
        String::from_utf8(bytes).map_err(|_| "the form body is not UTF-8".to_string())
    }) {
        Ok(text) => urlencoded::pairs(&text),
        Err(e) => return Outcome::Respond(error_response(&StsError::malformed(e))),
    };
    let Some(action) = form_value(&form, "Action").map(str::to_string) else {
        return Outcome::Respond(error_response(&StsError::missing_action()));
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
    state
        .shared
        .record_call(&action, Value::Object(recorded), &access_key_id);
    let answer = match dispatch(&state.shared, &action, &form, &access_key_id) {
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

/// STS's answer to a refused signature.
fn signature_error(e: SigV4Error) -> StsError {
    match e {
        SigV4Error::Missing => StsError::missing_authentication(),
        SigV4Error::Incomplete(message) => StsError::incomplete_signature(message),
        SigV4Error::WrongService { found, .. } => StsError::wrong_service(&found),
    }
}

/// The last value of `name` in the form (as the service reads repeated fields).
fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn dispatch(
    shared: &Shared,
    action: &str,
    form: &[(String, String)],
    access_key_id: &str,
) -> Result<String, StsError> {
    let version = form_value(form, "Version");
    let known = matches!(action, "AssumeRole" | "GetCallerIdentity");
    if !known || version != Some(VERSION) {
        return Err(StsError::invalid_action(format!(
            "Could not find operation {action} for version {}",
            version.unwrap_or("NO_VERSION_SPECIFIED")
        )));
    }
    match action {
        "AssumeRole" => assume_role(shared, form, access_key_id),
        _ => Ok(get_caller_identity(shared, access_key_id)),
    }
}

/// A role ARN taken apart: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
#[derive(Debug, PartialEq, Eq)]
struct RoleArn<'a> {
    partition: &'a str,
    account: &'a str,
    name: &'a str,
}

/// `[\w+=,.@-]`: a character of a role or session name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

fn parse_role_arn(arn: &str) -> Option<RoleArn<'_>> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let ok = partition_ok
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=64).contains(&name.len())
        && path_and_name.chars().all(|c| c == '/' || is_name_char(c));
    ok.then_some(RoleArn {
        partition,
        account,
        name,
    })
}

/// Collects AWS-style validation errors ("Value 'x' at 'member' failed to satisfy
/// constraint: …") and renders them as one `ValidationError`.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn add(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    fn into_result(self) -> Result<(), StsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(StsError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(StsError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

fn check_length(v: &mut Violations, value: &str, member: &str, min: usize, max: usize) {
    let len = value.chars().count();
    if len < min {
        v.add(
            Some(value),
            member,
            &format!("Member must have length greater than or equal to {min}"),
        );
    }
    if len > max {
        v.add(
            Some(value),
            member,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

fn assume_role(
    shared: &Shared,
    form: &[(String, String)],
    caller_key: &str,
) -> Result<String, StsError> {
    let role_arn = form_value(form, "RoleArn");
    let session = form_value(form, "RoleSessionName");
    let external_id = form_value(form, "ExternalId");
    let duration = form_value(form, "DurationSeconds");
    let mut v = Violations::default();
    let mut parsed = None;
    match role_arn {
        None => v.add(None, "roleArn", "Member must not be null"),
        Some(arn) => {
            check_length(&mut v, arn, "roleArn", 20, 2048);
            parsed = parse_role_arn(arn);
            if parsed.is_none() {
                v.add(
                    Some(arn),
                    "roleArn",
                    "Member must be a role ARN: arn:aws:iam::<12-digit account>:role/<name>",
                );
            }
        }
    }
    match session {
        None => v.add(None, "roleSessionName", "Member must not be null"),
        Some(name) => {
            check_length(&mut v, name, "roleSessionName", 2, 64);
            if !name.chars().all(is_name_char) {
                v.add(
                    Some(name),
                    "roleSessionName",
                    r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
                );
            }
        }
    }
    if let Some(id) = external_id {
        check_length(&mut v, id, "externalId", 2, 1224);
        if !id.chars().all(|c| is_name_char(c) || c == ':' || c == '/') {
            v.add(
                Some(id),
                "externalId",
                r"Member must satisfy regular expression pattern: [\w+=,.@:\/-]*",
            );
        }
    }
    let mut duration_secs = DEFAULT_DURATION_SECS;
    if let Some(text) = duration {
        match text.parse::<i64>() {
            Ok(n) if n < MIN_DURATION_SECS => v.add(
                Some(text),
                "durationSeconds",
                &format!("Member must have value greater than or equal to {MIN_DURATION_SECS}"),
            ),
            Ok(n) if n > MAX_DURATION_SECS => v.add(
                Some(text),
                "durationSeconds",
                &format!("Member must have value less than or equal to {MAX_DURATION_SECS}"),
            ),
            Ok(n) => duration_secs = n.unsigned_abs(),
            Err(_) => v.add(Some(text), "durationSeconds", "Member must be an integer"),
        }
    }
    v.into_result()?;
    let (Some(role_arn), Some(role), Some(session)) = (role_arn, parsed, session) else {
        // Unreachable: a missing or malformed value was reported above.
        return Err(StsError::validation(
            "RoleArn and RoleSessionName are required",
        ));
    };

    let denied = shared
        .store()
        .behaviour
        .deny_assume_role
        .iter()
        .any(|r| r == role_arn);
    let mut identities = shared.identities();
    if denied {
        let caller = identities.caller(caller_key);
        return Err(StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn
        )));
    }
    let access_key_id = identity::new_temporary_access_key_id();
    let secret = identity::new_secret_access_key();
    let token = identity::new_session_token();
    let expiration = SystemTime::now() + Duration::from_secs(duration_secs);
    let assumed_role_id = format!("{}:{session}", identities.role_id(role_arn));
    let assumed_role_arn = format!(
        "arn:{}:sts::{}:assumed-role/{}/{session}",
        role.partition, role.account, role.name
    );
    identities.insert(
        access_key_id.clone(),
        Issued {
            role_arn: role_arn.to_string(),
            assumed_role_arn: assumed_role_arn.clone(),
            assumed_role_id: assumed_role_id.clone(),
            account: role.account.to_string(),
        },
    );
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\
<AssumeRoleResult>\
<AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
<SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
</AssumeRoleResult>\
<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>\
</AssumeRoleResponse>",
        xml_escape(&assumed_role_id),
        xml_escape(&assumed_role_arn),
        access_key_id,
        xml_escape(&secret),
        xml_escape(&token),
        identity::iso8601(expiration),
        identity::new_request_id(),
    ))
}

fn get_caller_identity(shared: &Shared, access_key_id: &str) -> String {
    let caller = shared.identities().caller(access_key_id);
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\
<GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>\
</GetCallerIdentityResponse>",
        xml_escape(&caller.arn),
        xml_escape(&caller.user_id),
        xml_escape(&caller.account),
        identity::new_request_id(),
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

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_taken_apart() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/path/to/Deployer"),
            Some(RoleArn {
                partition: "aws",
                account: "123456789012",
                name: "Deployer"
            })
        );
        assert!(parse_role_arn("arn:aws-cn:iam::123456789012:role/x").is_some());
        for bad in [
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "role/x",
        ] {
            assert!(parse_role_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn violations_read_like_aws_validation_errors() {
        let mut v = Violations::default();
        v.add(None, "roleSessionName", "Member must not be null");
        let err = v.into_result().expect_err("one violation");
        assert_eq!(
            err.message,
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(err.code, "ValidationError");
        assert_eq!(xml_escape("a<b&'c'"), "a&lt;b&amp;&apos;c&apos;");
    }
}
