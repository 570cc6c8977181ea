//! Issuing a role session, as both assume-role actions do: fresh temporary credentials
//! (`ASIA…`, a secret, a session token, an expiration), the assumed role's id and ARN, and
//! the record of what they stand for, so that calls they sign are traced back to the role
//! and `GetCallerIdentity` answers the role's account. Also whether a role may be assumed
//! at all.
//!
//! It knows the shared state and the XML of the credentials; not the actions' inputs or
//! answers around them.

use std::time::{Duration, SystemTime};

use super::input::RoleArn;
use super::xml::xml_escape;
use crate::control::Shared;
use crate::identity::{self, Issued};

/// The credentials and the assumed role user of a session just issued.
pub(super) struct Session {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: SystemTime,
    assumed_role_id: String,
    assumed_role_arn: String,
}

/// Whether the behaviour refuses `role` to everyone ([`Behaviour::deny_assume_role`]).
///
/// [`Behaviour::deny_assume_role`]: crate::Behaviour::deny_assume_role
pub(super) fn is_denied(shared: &Shared, role: &RoleArn<'_>) -> bool {
    shared
        .store()
        .behaviour
        .deny_assume_role
        .iter()
        .any(|r| r == role.arn)
}

/// Issues credentials for `session` of `role`, valid for `duration_secs`, and remembers
/// them.
pub(super) fn issue(
    shared: &Shared,
    role: &RoleArn<'_>,
    session: &str,
    duration_secs: u64,
) -> Session {
    let mut identities = shared.identities();
    let issued = Session {
        access_key_id: identity::new_temporary_access_key_id(),
        secret_access_key: identity::new_secret_access_key(),
        session_token: identity::new_session_token(),
        expiration: SystemTime::now() + Duration::from_secs(duration_secs),
        assumed_role_id: format!("{}:{session}", identities.role_id(role.arn)),
        assumed_role_arn: format!(
            "arn:{}:sts::{}:assumed-role/{}/{session}",
            role.partition, role.account, role.name
        ),
    };
    identities.insert(
        issued.access_key_id.clone(),
        Issued {
            role_arn: role.arn.to_string(),
            assumed_role_arn: issued.assumed_role_arn.clone(),
            assumed_role_id: issued.assumed_role_id.clone(),
            account: role.account.to_string(),
        },
    );
    issued
}

impl Session {
    /// `<AssumedRoleUser>…</AssumedRoleUser><Credentials>…</Credentials>`.
    pub(super) fn xml(&self) -> String {
        format!(
            "<AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
<SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>",
            xml_escape(&self.assumed_role_id),
            xml_escape(&self.assumed_role_arn),
            self.access_key_id,
            xml_escape(&self.secret_access_key),
            xml_escape(&self.session_token),
            identity::iso8601(self.expiration),
        )
    }
}
