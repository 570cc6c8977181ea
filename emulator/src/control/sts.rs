//! What the STS emulation answers, set and read by tests: the account of callers it did not
//! issue credentials to (a default, or one per access key), the role behind the
//! credentials it issued, the web identity tokens it refuses, the SSO access tokens
//! its portal accepts, and the role the instance metadata service hands out.
//!
//! [`Control`] methods only; the state is `identity`'s, and this knows nothing of STS's
//! protocol.

use std::collections::BTreeMap;

use super::Control;
use crate::identity::{InstanceRole, TokenRefusal};

impl Control {
    /// The role ARN behind `access_key_id` when the STS emulation issued it (through
    /// `AssumeRole` or `AssumeRoleWithWebIdentity`); `None` for any other key.
    pub fn assumed_role_of(&self, access_key_id: &str) -> Option<String> {
        self.shared
            .identities()
            .get(access_key_id)
            .map(|i| i.role_arn.clone())
    }

    /// Sets the account `GetCallerIdentity` answers, from now on, for every access key the
    /// STS emulation did not issue and that has no account of its own
    /// ([`Control::set_account_for_access_key`]). Give 12 digits, as AWS's accounts are:
    /// the value is not checked here (the HTTP control API checks it).
    pub fn set_default_account(&self, account: &str) {
        self.shared
            .identities()
            .set_default_account(account.to_string());
    }

    /// The account of access keys with no account of their own
    /// ([`EmulatorConfig::default_account`](crate::EmulatorConfig::default_account) until
    /// changed).
    pub fn default_account(&self) -> String {
        self.shared.identities().default_account().to_string()
    }

    /// Sets the account `GetCallerIdentity` answers for `access_key_id`, a key the STS
    /// emulation did not issue (credentials it issued always answer their role's account).
    /// Not checked, like [`Control::set_default_account`].
    pub fn set_account_for_access_key(&self, access_key_id: &str, account: &str) {
        self.shared
            .identities()
            .set_account(access_key_id.to_string(), account.to_string());
    }

    /// The accounts set with [`Control::set_account_for_access_key`], by access key.
    pub fn accounts_by_access_key(&self) -> BTreeMap<String, String> {
        self.shared.identities().accounts().clone()
    }

    /// The account `GetCallerIdentity` answers for `access_key_id` now: its role's for
    /// credentials the STS emulation issued, else the one set for the key, else the
    /// default.
    pub fn account_of(&self, access_key_id: &str) -> String {
        self.shared.identities().account_of(access_key_id)
    }

    /// From now on, `AssumeRoleWithWebIdentity` with exactly this `WebIdentityToken` is
    /// refused as `refusal` says (`InvalidIdentityToken`, `ExpiredTokenException`,
    /// `IDPCommunicationError`), whatever the role. Replaces an earlier refusal of the same
    /// token. (A JWT whose `exp` claim has passed is refused as expired without this.)
    pub fn refuse_web_identity_token(&self, token: &str, refusal: TokenRefusal) {
        self.shared
            .identities()
            .refuse_token(token.to_string(), refusal);
    }

    /// Forgets every [`Control::refuse_web_identity_token`].
    pub fn clear_web_identity_refusals(&self) {
        self.shared.identities().clear_token_refusals();
    }

    /// From now on, the SSO portal's `GetRoleCredentials` accepts the access token `token`
    /// (what `aws sso login` caches in `~/.aws/sso/cache/`), for any account and role; any
    /// other token is refused as AWS refuses one that expired or was never issued
    /// (`UnauthorizedException`).
    pub fn allow_sso_token(&self, token: &str) {
        self.shared.identities().allow_sso_token(token.to_string());
    }

    /// From now on, the instance metadata service (IMDSv2, on the CloudHSM listener under
    /// `/latest/`) answers as an EC2 instance whose instance profile has the role
    /// `role_arn` (`arn:aws:iam::ACCOUNT:role/NAME`), running in `region`: its credentials
    /// are fresh temporary keys of that role (traced back to it by
    /// [`Control::assumed_role_of`]) and `placement/region` is `region`. Until this is
    /// called it answers 404 to every path, as an instance without a role does for
    /// credentials. Not checked: give a role ARN.
    pub fn attach_instance_role(&self, role_arn: &str, region: &str) {
        self.shared
            .identities()
            .set_instance_role(Some(InstanceRole {
                role_arn: role_arn.to_string(),
                region: region.to_string(),
            }));
    }
}
