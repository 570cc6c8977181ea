//! The EC2 instance metadata service (IMDSv2), as much as the AWS SDK's credential and
//! region chains ask of it, on the CloudHSM listener under `/latest/`: `PUT
//! /latest/api/token` (with `x-aws-ec2-metadata-token-ttl-seconds`) issues a session token,
//! and with it (`x-aws-ec2-metadata-token`) `GET` answers the instance profile's role name
//! (`meta-data/iam/security-credentials/`), fresh temporary credentials of that role
//! (`…/security-credentials/NAME`) and the instance's region (`meta-data/placement/region`).
//! A request without a token the service issued is refused with 401, as IMDSv2 does.
//!
//! Which role and region is the tests' choice ([`Control::attach_instance_role`]); until
//! then every path answers 404. Each request is recorded as `InstanceMetadata` with its
//! method and path, never a token or a key.
//!
//! [`Control::attach_instance_role`]: crate::Control::attach_instance_role

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::control::CallRecord;
use crate::http::{host_of, response, Outcome, State};
use crate::identity::{self, Issued};

/// Where the metadata service's paths start.
const PREFIX: &str = "/latest/";
/// The operation name its requests are recorded under.
pub(crate) const OPERATION: &str = "InstanceMetadata";
const TOKEN_PATH: &str = "/latest/api/token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";
const REGION_PATH: &str = "/latest/meta-data/placement/region";
/// The instance id in the sessions of the credentials it hands out.
const INSTANCE_ID: &str = "i-0c1a2b3d4e5f60718";
/// How long the instance profile's credentials last (EC2 rotates them well before).
const SESSION: Duration = Duration::from_secs(6 * 3600);

/// Whether `req` is a call to the metadata service.
pub(crate) fn is_metadata(req: &Request<Body>) -> bool {
    req.uri().path().starts_with(PREFIX)
}

/// Handles one metadata request.
pub(crate) fn handle(state: &State, req: &Request<Body>) -> Outcome {
    let path = req.uri().path();
    state.shared.count_attempt(OPERATION);
    state.shared.record_call(CallRecord {
        operation: OPERATION.into(),
        body: json!({ "method": req.method().as_str(), "path": path }),
        access_key_id: None,
        region: None,
        host: host_of(req.headers()),
    });
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (status, body, ttl) = answer(
        state,
        req.method(),
        path,
        header(TTL_HEADER),
        header(TOKEN_HEADER),
    );
    let mut answer = response(status, "text/plain", body);
    if let Some(ttl) = ttl {
        // A token comes with its lifetime, which the SDK requires.
        answer.headers_mut().insert(TTL_HEADER, ttl.into());
    }
    Outcome::Respond(answer)
}

/// A status, a body, and with a token its lifetime in seconds.
type Answer = (StatusCode, String, Option<u32>);

fn answer(
    state: &State,
    method: &Method,
    path: &str,
    ttl: Option<String>,
    token: Option<String>,
) -> Answer {
    let mut identities = state.shared.identities();
    let Some(instance) = identities.instance_role().cloned() else {
        return (StatusCode::NOT_FOUND, String::new(), None);
    };
    if path == TOKEN_PATH {
        if method != Method::PUT {
            return (StatusCode::METHOD_NOT_ALLOWED, String::new(), None);
        }
        return match ttl.and_then(|t| t.parse::<u32>().ok()) {
            Some(ttl @ 1..=21_600) => {
                let token = identity::new_session_token();
                identities.issue_metadata_token(token.clone());
                (StatusCode::OK, token, Some(ttl))
            }
            _ => (StatusCode::BAD_REQUEST, String::new(), None),
        };
    }
    if method != Method::GET {
        return (StatusCode::METHOD_NOT_ALLOWED, String::new(), None);
    }
    if !token.is_some_and(|t| identities.metadata_token_issued(&t)) {
        return (StatusCode::UNAUTHORIZED, String::new(), None);
    }
    let role_name = instance
        .role_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    if path == REGION_PATH {
        return (StatusCode::OK, instance.region, None);
    }
    if path == ROLES_PATH {
        return (StatusCode::OK, role_name, None);
    }
    if path.strip_prefix(ROLES_PATH) != Some(role_name.as_str()) {
        return (StatusCode::NOT_FOUND, String::new(), None);
    }
    let account = instance
        .role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_default()
        .to_string();
    let access_key_id = identity::new_temporary_access_key_id();
    let assumed_role_id = format!("{}:{INSTANCE_ID}", identities.role_id(&instance.role_arn));
    identities.insert(
        access_key_id.clone(),
        Issued {
            role_arn: instance.role_arn.clone(),
            assumed_role_arn: format!(
                "arn:aws:sts::{account}:assumed-role/{role_name}/{INSTANCE_ID}"
            ),
            assumed_role_id,
            account,
        },
    );
    let now = SystemTime::now();
    let credentials = json!({
        "Code": "Success",
        "LastUpdated": identity::iso8601(now),
        "Type": "AWS-HMAC",
        "AccessKeyId": access_key_id,
        "SecretAccessKey": identity::new_secret_access_key(),
        "Token": identity::new_session_token(),
        "Expiration": identity::iso8601(now + SESSION),
    });
    (StatusCode::OK, credentials.to_string(), None)
}
