//! Who the provider is to AWS, beyond the SDK's own credential chain: `assume_role` (STS
//! AssumeRole with everything the AWS provider's block offers, `source_identity` and
//! `transitive_tag_keys` too, which the SDK's provider lacks), a role assumed with a
//! web identity token (`assume_role_with_web_identity`, as CI systems with OIDC use it:
//! GitHub Actions, HCP Terraform, GitLab), and the account the credentials belong to
//! (STS GetCallerIdentity), which `allowed_account_ids` / `forbidden_account_ids` are
//! checked against before any CloudHSM call.
//!
//! The SDK's own web-identity provider reads the environment (`AWS_ROLE_ARN`,
//! `AWS_WEB_IDENTITY_TOKEN_FILE`) and stays in the default chain; this one adds what the
//! AWS provider's block offers that the SDK's provider lacks: a token given as a value, a
//! session duration, and the `endpoints.sts` endpoint. The token is read again at every
//! refresh (CI systems rotate the file), never logged, and never in an error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{self, error::CredentialsError, future, ProvideCredentials};
use aws_credential_types::Credentials;
use zeroize::Zeroizing;

use crate::cloudhsm::error::ApiError;
use crate::cloudhsm::network::Route;

/// The session name of assumed roles when none is given.
pub(super) const SESSION_NAME: &str = "terraform-provider-cloudhsm";

/// `assume_role` as configured.
#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Keys of `tags` that pass on to the sessions of roles this one assumes.
    pub transitive_tag_keys: Vec<String>,
    /// Who is behind the session (a person's user name, say), recorded in CloudTrail and
    /// kept through role chains.
    pub source_identity: Option<String>,
}

/// AssumeRole as a credentials provider, signed with the credentials `sts` has (the SDK
/// caches what it answers until shortly before it expires).
#[derive(Debug)]
pub struct AssumeRoleCredentials {
    pub role: AssumeRole,
    pub sts: aws_sdk_sts::Client,
    /// The way to STS, for messages.
    pub route: Route,
}

/// What a profile's `credential_source = Ec2InstanceMetadata` gets with
/// `skip_metadata_api_check`: a refusal that says why, instead of a call to the service.
#[derive(Debug)]
pub(super) struct MetadataSkipped;

impl ProvideCredentials for MetadataSkipped {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::provider_error(
            "the profile's credential_source = Ec2InstanceMetadata asks the EC2 instance \
             metadata service for the instance role's credentials, and skip_metadata_api_check \
             = true turns that service off; drop one of the two",
        )))
    }
}

impl ProvideCredentials for AssumeRoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.fetch())
    }
}

impl AssumeRoleCredentials {
    async fn fetch(&self) -> provider::Result {
        const OP: &str = "AssumeRole";
        let role = &self.role;
        let tags = (!role.tags.is_empty()).then(|| {
            role.tags
                .iter()
                .filter_map(|(key, value)| {
                    aws_sdk_sts::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>()
        });
        let answer = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(role.session_name.as_deref().unwrap_or(SESSION_NAME))
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration.map(|d| d.as_secs() as i32))
            .set_policy(role.policy.clone())
            .set_policy_arns(policy_arns(&role.policy_arns))
            .set_tags(tags)
            .set_transitive_tag_keys(
                (!role.transitive_tag_keys.is_empty()).then(|| role.transitive_tag_keys.clone()),
            )
            .set_source_identity(role.source_identity.clone())
            .send()
            .await
            .map_err(|e| {
                let e = ApiError::from_sdk(OP, e, &self.route);
                tracing::warn!(role_arn = %role.role_arn, error = %e, "AssumeRole failed");
                CredentialsError::provider_error(e)
            })?;
        tracing::debug!(role_arn = %role.role_arn, "assumed the role");
        session_credentials(OP, answer.credentials(), "AssumeRole")
    }
}

/// Where the web identity token comes from.
#[derive(Clone)]
pub enum TokenSource {
    /// The token itself (`web_identity_token`).
    Value(Zeroizing<String>),
    /// A file holding it (`web_identity_token_file`, `AWS_WEB_IDENTITY_TOKEN_FILE`).
    File(PathBuf),
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Value(_) => f.write_str("Value(<hidden>)"),
            TokenSource::File(p) => write!(f, "File({})", p.display()),
        }
    }
}

/// `assume_role_with_web_identity`, resolved against the environment.
#[derive(Clone, Debug)]
pub struct WebIdentityRole {
    pub role_arn: String,
    pub session_name: String,
    pub token: TokenSource,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

/// AssumeRoleWithWebIdentity as a credentials provider (the SDK caches what it answers
/// until shortly before it expires).
#[derive(Debug)]
pub struct WebIdentityCredentials {
    pub role: WebIdentityRole,
    pub sts: aws_sdk_sts::Client,
    /// The way to STS, for messages.
    pub route: Route,
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.fetch())
    }
}

impl WebIdentityCredentials {
    async fn fetch(&self) -> provider::Result {
        const OP: &str = "AssumeRoleWithWebIdentity";
        let role = &self.role;
        let token = match &role.token {
            TokenSource::Value(t) => t.clone(),
            TokenSource::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    CredentialsError::invalid_configuration(format!(
                        "cannot read the web identity token file {}: {e}. Check \
                         web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE; in CI the \
                         file is written by the job's OIDC step",
                        path.display()
                    ))
                })?;
                Zeroizing::new(text.trim().to_string())
            }
        };
        if token.is_empty() {
            return Err(CredentialsError::invalid_configuration(
                "the web identity token is empty; check web_identity_token(_file) or \
                 AWS_WEB_IDENTITY_TOKEN_FILE",
            ));
        }
        let answer = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&role.role_arn)
            .role_session_name(&role.session_name)
            .web_identity_token(token.as_str())
            .set_duration_seconds(role.duration.map(|d| d.as_secs() as i32))
            .set_policy(role.policy.clone())
            .set_policy_arns(policy_arns(&role.policy_arns))
            .send()
            .await
            .map_err(|e| {
                let e = ApiError::from_sdk(OP, e, &self.route);
                tracing::warn!(role_arn = %role.role_arn, error = %e, "AssumeRoleWithWebIdentity failed");
                CredentialsError::provider_error(e)
            })?;
        tracing::debug!(role_arn = %role.role_arn, "assumed the role with a web identity token");
        session_credentials(OP, answer.credentials(), "WebIdentity")
    }
}

/// The session credentials STS answered `op` with, named `provider` in the SDK's records.
fn session_credentials(
    op: &str,
    answer: Option<&aws_sdk_sts::types::Credentials>,
    provider: &'static str,
) -> provider::Result {
    let Some(c) = answer else {
        return Err(CredentialsError::unhandled(format!(
            "STS answered {op} without credentials"
        )));
    };
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        provider,
    ))
}

fn policy_arns(arns: &[String]) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build()
            })
            .collect()
    })
}

/// Which accounts the provider may work in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountGuard {
    /// Only these (`allowed_account_ids`).
    Allowed(Vec<String>),
    /// Any but these (`forbidden_account_ids`).
    Forbidden(Vec<String>),
}

impl AccountGuard {
    /// Whether `account` may be worked in.
    pub fn permits(&self, account: &str) -> bool {
        match self {
            AccountGuard::Allowed(ids) => ids.iter().any(|id| id == account),
            AccountGuard::Forbidden(ids) => !ids.iter().any(|id| id == account),
        }
    }
}

/// The account the client's credentials belong to, from STS GetCallerIdentity.
pub async fn caller_account(sts: &aws_sdk_sts::Client, route: &Route) -> Result<String, ApiError> {
    const OP: &str = "GetCallerIdentity";
    let answer = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ApiError::from_sdk(OP, e, route))?;
    answer
        .account()
        .filter(|a| !a.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::Transport {
            operation: OP,
            detail: "STS answered without an account id".to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_permit_what_they_say() {
        let allowed = AccountGuard::Allowed(vec!["111122223333".into()]);
        assert!(allowed.permits("111122223333"));
        assert!(!allowed.permits("999988887777"));
        let forbidden = AccountGuard::Forbidden(vec!["111122223333".into()]);
        assert!(!forbidden.permits("111122223333"));
        assert!(forbidden.permits("999988887777"));
    }

    #[test]
    fn a_token_never_prints() {
        let source = TokenSource::Value(Zeroizing::new("eyJhbGciOi.secret".into()));
        assert!(!format!("{source:?}").contains("secret"));
    }
}
