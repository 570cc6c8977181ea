//! `AssumeRole`: a signed caller asks for a session of a role; STS's input rules, the
//! refusal of a role that may not be assumed (in STS's words, naming the caller), the hour
//! a chained session is limited to, and the credentials issued.
//!
//! One action: it knows the form rules and sessions it stands on, not the protocol around.

use super::input::{self, Violations};
use super::session;
use super::xml::envelope;
use crate::control::Shared;
use crate::error::StsError;
use crate::sigv4::Signature;

/// The longest session of a role assumed with another role session's credentials.
const CHAINED_MAX_SECS: u64 = 3600;

pub(super) fn assume_role(
    shared: &Shared,
    form: &[(String, String)],
    caller: &Signature,
) -> Result<String, StsError> {
    let mut v = Violations::default();
    let role = input::role_arn(&mut v, form);
    let session = input::session_name(&mut v, form);
    input::external_id(&mut v, form);
    input::source_identity(&mut v, form);
    let duration_secs = input::duration_secs(&mut v, form);
    input::session_policies(&mut v, form);
    v.into_result()?;
    input::policy_document(form)?;
    let (Some(role), Some(session)) = (role, session) else {
        // Unreachable: a missing or malformed value was reported above.
        return Err(StsError::validation(
            "RoleArn and RoleSessionName are required",
        ));
    };
    if session::is_denied(shared, &role) {
        let caller = shared
            .identities()
            .caller(&caller.access_key_id, &caller.region);
        return Err(StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
            caller.arn, role.arn
        )));
    }
    // Role chaining: the credentials of a role session (issued here: by AssumeRole, a web
    // identity or the instance's role) assume another role for an hour at most.
    let chained = shared.identities().get(&caller.access_key_id).is_some();
    if chained && duration_secs > CHAINED_MAX_SECS {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed \
             by role chaining.",
        ));
    }
    let issued = session::issue(shared, &role, session, duration_secs);
    Ok(envelope("AssumeRole", &issued.xml()))
}
