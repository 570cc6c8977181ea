//! The checks of the provider block's values, each on the attribute at fault and in words
//! that say what to write instead: run by ValidateProviderConfig and again at configure.
//! Unknown values are checked when they become known.
//!
//! Knows Terraform diagnostics and the shapes of AWS names (regions, ARNs, account ids,
//! session names); nothing of the AWS layer beyond the proxy URL rules it shares.

use std::collections::BTreeSet;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Field;

use super::config::{
    metadata_endpoint_mode, retry_mode, role_duration, AssumeRoleConfig, EndpointsConfig,
    ProviderConfig, WebIdentityConfig,
};
use crate::cloudhsm::network::{Proxies, ProxyArguments};
use crate::region::validate_region;

fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

impl ProviderConfig {
    /// Checks every known value; unknown ones are checked when they become known.
    pub(super) fn validate(&self) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(tags) = self.default_tags.known().and_then(|d| d.tags.known()) {
            let at = attr(Self::DEFAULT_TAGS).then_attr("tags");
            for problem in crate::tag_policy::tag_problems(tags) {
                diags.push(Diagnostic::error("Invalid default tag", problem).at(at.clone()));
            }
        }
        // Unknown: the names are checked once it is known.
        let skip_regions = self.skip_region_validation.known() == Some(&true)
            || self.skip_region_validation.is_unknown();
        if !skip_regions {
            diags.append(validate_region(&self.region, Self::REGION));
            diags.append(validate_region(&self.sts_region, Self::STS_REGION));
        }
        if let Some(mode) = self.retry_mode.known() {
            if retry_mode(mode).is_none() {
                diags.push(
                    Diagnostic::error(
                        "Invalid retry mode",
                        format!(
                            "{mode:?} is not a retry mode: use \"standard\" or \"adaptive\" (which \
                             also slows the client down when AWS throttles it), or leave \
                             retry_mode out for AWS_RETRY_MODE or the profile's."
                        ),
                    )
                    .at(attr(Self::RETRY_MODE)),
                );
            }
        }
        for (name, files) in [
            (Self::SHARED_CONFIG_FILES, &self.shared_config_files),
            (
                Self::SHARED_CREDENTIALS_FILES,
                &self.shared_credentials_files,
            ),
        ] {
            if files
                .known()
                .is_some_and(|f| f.iter().any(|p| p.trim().is_empty()))
            {
                diags.push(
                    Diagnostic::error(
                        "Invalid file path",
                        format!("{name} holds an empty path; give each file's path, or leave {name} out for the default file."),
                    )
                    .at(attr(name)),
                );
            }
        }
        self.check_credentials(&mut diags);
        self.check_instance_metadata(&mut diags);
        self.check_assume_roles(&mut diags);
        if let Some(web) = self.assume_role_with_web_identity.known() {
            self.check_web_identity(web, &mut diags);
        }
        self.check_accounts(&mut diags);
        for (name, field) in [
            (
                EndpointsConfig::CLOUDHSMV2,
                self.endpoint(|e| &e.cloudhsmv2),
            ),
            (EndpointsConfig::STS, self.endpoint(|e| &e.sts)),
        ] {
            if let Some(url) = field.known() {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid endpoint URL",
                            format!(
                                "{url:?} is not an http:// or https:// URL. Give the full URL, \
                                 e.g. \"https://{name}.eu-west-1.amazonaws.com\"."
                            ),
                        )
                        .at(attr(Self::ENDPOINTS).then_attr(name)),
                    );
                }
            }
        }
        for (name, field) in [
            (Self::HTTP_PROXY, &self.http_proxy),
            (Self::HTTPS_PROXY, &self.https_proxy),
        ] {
            if let Some(url) = field.known() {
                let args = ProxyArguments {
                    http_proxy: (name == Self::HTTP_PROXY).then(|| url.clone()),
                    https_proxy: (name == Self::HTTPS_PROXY).then(|| url.clone()),
                    no_proxy: None,
                };
                let nothing = aws_types::os_shim_internal::Env::from_slice(&[]);
                if let Err(e) = Proxies::resolve(&args, &nothing) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid proxy URL",
                            format!("{}.", capitalize(&e.to_string())),
                        )
                        .at(attr(name)),
                    );
                }
            }
        }
        if self.insecure.known() == Some(&true) {
            diags.push(
                Diagnostic::error(
                    "TLS verification cannot be turned off",
                    "insecure = true would let anyone between Terraform and AWS answer in \
                     AWS's place, and this provider signs the CSR CloudHSM hands it with your \
                     CA: an answer with a CSR of someone else's key would have that key signed. \
                     Every AWS endpoint's certificate is checked against the system's CAs and \
                     custom_ca_bundle. Behind a proxy that inspects TLS, set custom_ca_bundle \
                     (or AWS_CA_BUNDLE) to a PEM file with the proxy's CA and remove \
                     insecure.",
                )
                .at(attr(Self::INSECURE)),
            );
        }
        if let Some(n) = self.max_retries.known() {
            if n.fract() != 0.0 || !(0.0..=100.0).contains(n) {
                diags.push(
                    Diagnostic::error(
                        "Invalid max_retries",
                        format!("max_retries must be a whole number from 0 to 100, not {n}."),
                    )
                    .at(attr(Self::MAX_RETRIES)),
                );
            }
        }
        diags
    }

    fn check_credentials(&self, diags: &mut Diagnostics) {
        match (&self.access_key, &self.secret_key) {
            (Field::Known(_), Field::Null) => diags.push(
                Diagnostic::error(
                    "secret_key is missing",
                    "access_key is set but secret_key is not. Set both, or neither to use the \
                     standard AWS credential chain.",
                )
                .at(attr(Self::SECRET_KEY)),
            ),
            (Field::Null, Field::Known(_)) => diags.push(
                Diagnostic::error(
                    "access_key is missing",
                    "secret_key is set but access_key is not. Set both, or neither to use the \
                     standard AWS credential chain.",
                )
                .at(attr(Self::ACCESS_KEY)),
            ),
            _ => {}
        }
        if self.token.known().is_some() && self.access_key.is_null() {
            diags.push(
                Diagnostic::error(
                    "token without access_key",
                    "A session token belongs to temporary credentials: set access_key and \
                     secret_key with it, or remove token.",
                )
                .at(attr(Self::TOKEN)),
            );
        }
    }

    /// `ec2_metadata_service_endpoint(_mode)`: an http(s) URL with a host, `IPv4` or `IPv6`;
    /// warnings where one of them would be ignored.
    fn check_instance_metadata(&self, diags: &mut Diagnostics) {
        let endpoint = self.ec2_metadata_service_endpoint.known();
        let mode = self.ec2_metadata_service_endpoint_mode.known();
        if let Some(url) = endpoint {
            let usable = url.parse::<http::Uri>().is_ok_and(|uri| {
                matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
            });
            if !usable {
                diags.push(
                    Diagnostic::error(
                        "Invalid metadata service endpoint",
                        format!(
                            "{url:?} is not an http:// or https:// URL with a host. Give the \
                             address of the EC2 instance metadata service, e.g. \
                             \"http://169.254.169.254\" or, on an IPv6-only instance, \
                             \"http://[fd00:ec2::254]\"."
                        ),
                    )
                    .at(attr(Self::EC2_METADATA_SERVICE_ENDPOINT)),
                );
            }
        }
        if let Some(text) = mode {
            if metadata_endpoint_mode(text).is_none() {
                diags.push(
                    Diagnostic::error(
                        "Invalid metadata service endpoint mode",
                        format!(
                            "{text:?} is not an endpoint mode: use \"IPv4\" \
                             (http://169.254.169.254) or \"IPv6\" (http://[fd00:ec2::254]), \
                             spelled so, as in the AWS provider."
                        ),
                    )
                    .at(attr(Self::EC2_METADATA_SERVICE_ENDPOINT_MODE)),
                );
            } else if endpoint.is_some() {
                diags.push(
                    Diagnostic::warning(
                        "Endpoint mode ignored",
                        "ec2_metadata_service_endpoint gives the metadata service's address, \
                         so ec2_metadata_service_endpoint_mode has no effect. Remove one of \
                         them.",
                    )
                    .at(attr(Self::EC2_METADATA_SERVICE_ENDPOINT_MODE)),
                );
            }
        }
        if self.skip_metadata_api_check.known() == Some(&true) {
            for (name, set) in [
                (Self::EC2_METADATA_SERVICE_ENDPOINT, endpoint.is_some()),
                (Self::EC2_METADATA_SERVICE_ENDPOINT_MODE, mode.is_some()),
            ] {
                if set {
                    diags.push(
                        Diagnostic::warning(
                            "Metadata service setting ignored",
                            format!(
                                "skip_metadata_api_check = true: the provider never asks the \
                                 instance metadata service, so {name} has no effect. Remove \
                                 it, or skip_metadata_api_check to use the service."
                            ),
                        )
                        .at(attr(name)),
                    );
                }
            }
        }
    }

    /// Each `assume_role` block, on its own path (`assume_role[1].role_arn`), and what the
    /// chain asks of it: a role assumed with another role's credentials (the block before,
    /// or `assume_role_with_web_identity`) gets a session of at most 1 hour from STS.
    fn check_assume_roles(&self, diags: &mut Diagnostics) {
        for (index, role) in (0_i64..).zip(self.assume_role.known().into_iter().flatten()) {
            let others = [
                (role.session_name.is_null(), AssumeRoleConfig::SESSION_NAME),
                (role.external_id.is_null(), AssumeRoleConfig::EXTERNAL_ID),
                (role.duration.is_null(), AssumeRoleConfig::DURATION),
                (role.policy.is_null(), AssumeRoleConfig::POLICY),
                (role.policy_arns.is_null(), AssumeRoleConfig::POLICY_ARNS),
                (role.tags.is_null(), AssumeRoleConfig::TAGS),
                (
                    role.transitive_tag_keys.is_null(),
                    AssumeRoleConfig::TRANSITIVE_TAG_KEYS,
                ),
                (
                    role.source_identity.is_null(),
                    AssumeRoleConfig::SOURCE_IDENTITY,
                ),
            ];
            let set: Vec<&str> = others
                .iter()
                .filter(|(null, _)| !null)
                .map(|(_, n)| *n)
                .collect();
            let no_role =
                role.role_arn.is_null() || role.role_arn.known().is_some_and(|r| r.is_empty());
            if no_role && !set.is_empty() {
                diags.push(
                    Diagnostic::warning(
                        "An assume_role block without a role",
                        format!(
                            "This assume_role block has no role_arn, so it assumes nothing, and \
                             its {} {} ignored. Give it the role's ARN, or remove the block.",
                            set.join(", "),
                            if set.len() == 1 { "is" } else { "are" }
                        ),
                    )
                    .at(attr(Self::ASSUME_ROLE).index(index)),
                );
            }
        }
        let web_identity = !self.assume_role_with_web_identity.is_null();
        for (position, (index, role)) in self.assumed_roles().enumerate() {
            let path = attr(Self::ASSUME_ROLE).index(index);
            self.check_assume_role(role, &path, diags);
            let chained = position > 0 || web_identity;
            let duration = role
                .duration
                .known()
                .and_then(|t| role_duration(t, path.clone()).ok());
            if chained && duration.is_some_and(|d| d > std::time::Duration::from_secs(3600)) {
                let by = if position > 0 {
                    "the role of the assume_role block before it"
                } else {
                    "assume_role_with_web_identity's role"
                };
                diags.push(
                    Diagnostic::error(
                        "Session too long for a chained role",
                        format!(
                            "This role is assumed with the credentials of {by} (role chaining), \
                             and STS gives such a session at most 1 hour. Set duration to \
                             \"1h\" or less, or leave it out."
                        ),
                    )
                    .at(path.then_attr(AssumeRoleConfig::DURATION)),
                );
            }
        }
    }

    /// One `assume_role` block at `path`.
    fn check_assume_role(
        &self,
        role: &AssumeRoleConfig,
        path: &AttributePath,
        diags: &mut Diagnostics,
    ) {
        check_role_arn(
            &role.role_arn,
            path.clone().then_attr(AssumeRoleConfig::ROLE_ARN),
            diags,
        );
        check_session_name(
            &role.session_name,
            path.clone().then_attr(AssumeRoleConfig::SESSION_NAME),
            diags,
        );
        if let Some(id) = role.source_identity.known() {
            if !is_session_name(id) {
                diags.push(
                    Diagnostic::error(
                        "Invalid source identity",
                        format!(
                            "{id:?} is not a source identity STS accepts: use 2 to 64 \
                             letters, digits and +=,.@_- (e.g. the user name of whoever \
                             runs Terraform)."
                        ),
                    )
                    .at(path.clone().then_attr(AssumeRoleConfig::SOURCE_IDENTITY)),
                );
            }
        }
        if let (Some(keys), tags) = (role.transitive_tag_keys.known(), &role.tags) {
            // Only known tags say which keys are missing. A warning: STS documents the
            // keys as the session tags' own, not what it answers for another.
            let tag_keys = tags
                .known()
                .map(|t| t.keys().cloned().collect::<BTreeSet<_>>());
            if let Some(tag_keys) = tag_keys.or_else(|| tags.is_null().then(BTreeSet::new)) {
                let missing: Vec<&String> =
                    keys.iter().filter(|k| !tag_keys.contains(*k)).collect();
                if !missing.is_empty() {
                    diags.push(
                        Diagnostic::warning(
                            "Transitive tag key without a tag",
                            format!(
                                "transitive_tag_keys names {missing:?}, which tags does not \
                                 set: a transitive key passes this session's tag of that key \
                                 on, so there is nothing to pass. Add the tag, or remove the \
                                 key."
                            ),
                        )
                        .at(path
                            .clone()
                            .then_attr(AssumeRoleConfig::TRANSITIVE_TAG_KEYS)),
                    );
                }
            }
        }
        if let Some(text) = role.duration.known() {
            if let Err(d) = role_duration(text, path.clone()) {
                diags.push(d);
            }
        }
        check_policies(&role.policy, &role.policy_arns, path.clone(), diags);
    }

    fn check_web_identity(&self, web: &WebIdentityConfig, diags: &mut Diagnostics) {
        let path = attr(Self::ASSUME_ROLE_WITH_WEB_IDENTITY);
        if !self.access_key.is_null() {
            diags.push(
                Diagnostic::error(
                    "Two sources of credentials",
                    "access_key and assume_role_with_web_identity both give the provider its \
                     credentials. Keep one: the web identity for CI with OIDC, access_key for \
                     keys of an IAM user.",
                )
                .at(path.clone()),
            );
        }
        check_role_arn(
            &web.role_arn,
            path.clone().then_attr(WebIdentityConfig::ROLE_ARN),
            diags,
        );
        check_session_name(
            &web.session_name,
            path.clone().then_attr(WebIdentityConfig::SESSION_NAME),
            diags,
        );
        if !web.web_identity_token.is_null() && !web.web_identity_token_file.is_null() {
            diags.push(
                Diagnostic::error(
                    "Conflicting web identity tokens",
                    "web_identity_token and web_identity_token_file both give the token. Keep \
                     one: the file for a token the CI system rewrites, the value for one you \
                     pass in.",
                )
                .at(path
                    .clone()
                    .then_attr(WebIdentityConfig::WEB_IDENTITY_TOKEN_FILE)),
            );
        }
        if let Some(text) = web.duration.known() {
            if let Err(d) = role_duration(text, attr(Self::ASSUME_ROLE_WITH_WEB_IDENTITY)) {
                diags.push(d);
            }
        }
        check_policies(&web.policy, &web.policy_arns, path, diags);
    }

    fn check_accounts(&self, diags: &mut Diagnostics) {
        let set = |f: &Field<BTreeSet<String>>| !f.is_null();
        let guard = if set(&self.allowed_account_ids) {
            Some(Self::ALLOWED_ACCOUNT_IDS)
        } else if set(&self.forbidden_account_ids) {
            Some(Self::FORBIDDEN_ACCOUNT_IDS)
        } else {
            None
        };
        for (name, skip) in [
            (
                Self::SKIP_CREDENTIALS_VALIDATION,
                &self.skip_credentials_validation,
            ),
            (
                Self::SKIP_REQUESTING_ACCOUNT_ID,
                &self.skip_requesting_account_id,
            ),
        ] {
            if let (Some(guard), Some(true)) = (guard, skip.known()) {
                diags.push(
                    Diagnostic::error(
                        "The account check cannot be skipped",
                        format!(
                            "{guard} is set, so the provider asks STS GetCallerIdentity which \
                             account the credentials belong to before any CloudHSM call, and \
                             {name} = true would skip exactly that. Remove {name} (this \
                             provider makes no other credential or account call to skip), or \
                             remove {guard}."
                        ),
                    )
                    .at(attr(name)),
                );
            }
        }
        if set(&self.allowed_account_ids) && set(&self.forbidden_account_ids) {
            diags.push(
                Diagnostic::error(
                    "Conflicting account guards",
                    "allowed_account_ids and forbidden_account_ids cannot both be set. Keep \
                     allowed_account_ids to name the accounts this configuration manages, or \
                     forbidden_account_ids to name the ones it must never touch.",
                )
                .at(attr(Self::FORBIDDEN_ACCOUNT_IDS)),
            );
        }
        for (name, field) in [
            (Self::ALLOWED_ACCOUNT_IDS, &self.allowed_account_ids),
            (Self::FORBIDDEN_ACCOUNT_IDS, &self.forbidden_account_ids),
        ] {
            let Some(ids) = field.known() else { continue };
            let bad: Vec<&String> = ids.iter().filter(|id| !is_account_id(id)).collect();
            if !bad.is_empty() {
                let list = bad
                    .iter()
                    .map(|b| format!("{b:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                diags.push(
                    Diagnostic::error(
                        "Invalid AWS account id",
                        format!(
                            "{list} {} not an AWS account id: an account id is 12 digits, such \
                             as \"123456789012\" (quote it, so that leading zeros stay).",
                            if bad.len() == 1 { "is" } else { "are" }
                        ),
                    )
                    .at(attr(name)),
                );
            }
            if ids.is_empty() && name == Self::ALLOWED_ACCOUNT_IDS {
                diags.push(
                    Diagnostic::error(
                        "No account allowed",
                        "allowed_account_ids is empty, which would allow no account at all. \
                         Name the accounts this configuration manages, or remove the argument.",
                    )
                    .at(attr(name)),
                );
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A session policy (JSON) and managed policy ARNs, in the block at `path`.
fn check_policies(
    policy: &Field<String>,
    arns: &Field<BTreeSet<String>>,
    path: AttributePath,
    diags: &mut Diagnostics,
) {
    if let Some(policy) = policy.known() {
        if serde_json::from_str::<serde_json::Value>(policy).is_err() {
            diags.push(
                Diagnostic::error(
                    "Invalid session policy",
                    "policy must be an IAM policy document in JSON, e.g. \
                     jsonencode({ Version = \"2012-10-17\", Statement = [...] }).",
                )
                .at(path.clone().then_attr(WebIdentityConfig::POLICY)),
            );
        }
    }
    for arn in arns.known().into_iter().flatten() {
        if !is_policy_arn(arn) {
            diags.push(
                Diagnostic::error(
                    "Invalid policy ARN",
                    format!(
                        "{arn:?} is not the ARN of a managed IAM policy. It looks like \
                         \"arn:aws:iam::aws:policy/ReadOnlyAccess\" or \
                         \"arn:aws:iam::123456789012:policy/name\"."
                    ),
                )
                .at(path.clone().then_attr(WebIdentityConfig::POLICY_ARNS)),
            );
        }
    }
}

fn check_role_arn(field: &Field<String>, path: AttributePath, diags: &mut Diagnostics) {
    if let Some(arn) = field.known() {
        if !is_role_arn(arn) {
            diags.push(
                Diagnostic::error(
                    "Invalid role ARN",
                    format!(
                        "{arn:?} is not an IAM role ARN. It looks like \
                         \"arn:aws:iam::123456789012:role/name\" (or arn:aws-us-gov:…, \
                         arn:aws-cn:… in those partitions)."
                    ),
                )
                .at(path),
            );
        }
    }
}

fn check_session_name(field: &Field<String>, path: AttributePath, diags: &mut Diagnostics) {
    if let Some(name) = field.known() {
        if !is_session_name(name) {
            diags.push(
                Diagnostic::error(
                    "Invalid session name",
                    format!(
                        "{name:?} cannot be a role session name: STS takes 2 to 64 characters \
                         of letters, digits and + = , . @ - _."
                    ),
                )
                .at(path),
            );
        }
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:<partition>:iam::<account>:<kind>/<name>`, the partition one of AWS's.
fn is_iam_arn(s: &str, kind: &str, account_ok: fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && (parts[1] == "aws" || parts[1].starts_with("aws-"))
        && parts[2] == "iam"
        && parts[3].is_empty()
        && account_ok(parts[4])
        && parts[5]
            .strip_prefix(kind)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| !name.is_empty())
}

pub(super) fn is_role_arn(s: &str) -> bool {
    is_iam_arn(s, "role", is_account_id)
}

fn is_policy_arn(s: &str) -> bool {
    is_iam_arn(s, "policy", |a| a == "aws" || is_account_id(a))
}

fn is_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_arn_account_and_session_shapes() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/deploy"));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::123456789012:role/path/deploy"
        ));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/deploy"));
        assert!(!is_role_arn("arn:aws:iam::123:role/deploy"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/deploy"));
        assert!(!is_role_arn("arn:awsx:iam::123456789012:role/deploy"));
        assert!(is_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_policy_arn("arn:aws:iam::123456789012:policy/limits"));
        assert!(!is_policy_arn("arn:aws:iam::aws:role/x"));
        assert!(is_account_id("012345678901"));
        assert!(!is_account_id("12345678901"));
        assert!(is_session_name("gha-run_42@repo"));
        assert!(!is_session_name("a"));
        assert!(!is_session_name("has space"));
        assert!(role_duration("1h", attr("assume_role")).is_ok());
        assert!(role_duration("5m", attr("assume_role")).is_err());
    }
}
