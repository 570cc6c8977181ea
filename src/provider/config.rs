//! The `provider "cloudhsm"` block as a typed model, named and meant like the AWS
//! provider's arguments so that one network setup and one identity setup serve both, and
//! its translation into the AWS layer's [`ClientSettings`].
//!
//! Knows Terraform values and the AWS layer's settings types; the checks of each value are
//! in [`super::checks`], the lifecycle in [`super`].

use std::collections::{BTreeMap, BTreeSet};

use std::time::Duration;

use aws_config::imds::client::EndpointMode;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::duration;
use tfplugin::value::Field;
use tfplugin::Model;
use zeroize::Zeroizing;

use crate::cloudhsm::network::{NetworkSettings, ProxyArguments};
use crate::cloudhsm::{
    AccountGuard, AssumeRole, ClientSettings, IgnoredTags, InstanceMetadata, WebIdentity,
};
use crate::tag_policy::TagPolicy;

/// The `provider "cloudhsm"` block: each argument known, unknown or null.
#[derive(Clone, Debug, Default, Model)]
pub struct ProviderConfig {
    /// AWS region of the clusters, e.g. `eu-west-1`, `us-gov-west-1` or `cn-north-1`: the
    /// region picks the partition's endpoints and every request is signed for it.
    /// Defaults to `AWS_REGION` / `AWS_DEFAULT_REGION` or the region of the selected
    /// profile.
    #[tf(optional)]
    pub region: Field<String>,
    /// Named profile from the shared AWS config and credentials files. When set, its
    /// credentials are used even if `AWS_ACCESS_KEY_ID` is set in the environment (only
    /// `access_key` / `secret_key` here come first). Unset: the environment, then
    /// `AWS_PROFILE` or the default profile.
    #[tf(optional)]
    pub profile: Field<String>,
    /// Shared AWS config files to read instead of `~/.aws/config`, in order (a leading `~`
    /// is the home directory). Unset: `AWS_CONFIG_FILE`, else `~/.aws/config`.
    #[tf(optional)]
    pub shared_config_files: Field<Vec<String>>,
    /// Shared AWS credentials files to read instead of `~/.aws/credentials`, in order (a
    /// leading `~` is the home directory). Unset: `AWS_SHARED_CREDENTIALS_FILE`, else
    /// `~/.aws/credentials`.
    #[tf(optional)]
    pub shared_credentials_files: Field<Vec<String>>,
    /// AWS access key id. Set together with `secret_key`, or leave both unset to use the
    /// standard credential chain.
    #[tf(optional, sensitive)]
    pub access_key: Field<String>,
    /// AWS secret access key. Set together with `access_key`.
    #[tf(optional, sensitive)]
    pub secret_key: Field<String>,
    /// Session token for temporary credentials given in `access_key` and `secret_key`.
    #[tf(optional, sensitive)]
    pub token: Field<String>,
    /// Assume this IAM role, with the credentials found above (or those of
    /// `assume_role_with_web_identity`), before calling CloudHSM. Several blocks are a chain,
    /// as in the AWS provider: each role is assumed with the credentials of the one before
    /// (role chaining), and CloudHSM is called as the last. A block whose `role_arn` is null
    /// or `""` assumes nothing.
    #[tf(optional, block)]
    pub assume_role: Field<Vec<AssumeRoleConfig>>,
    /// Get credentials by assuming a role with a web identity token (OpenID Connect), as CI
    /// systems do: GitHub Actions, HCP Terraform dynamic credentials, GitLab. Arguments left
    /// out come from `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and
    /// `AWS_ROLE_SESSION_NAME`. `assume_role` may be set too: it is assumed with these
    /// credentials.
    #[tf(optional, block)]
    pub assume_role_with_web_identity: Field<WebIdentityConfig>,
    /// Refuse to run unless the credentials belong to one of these AWS account ids. The
    /// provider asks STS (GetCallerIdentity) once, when it is configured, before any
    /// CloudHSM call. Conflicts with `forbidden_account_ids`.
    #[tf(optional)]
    pub allowed_account_ids: Field<BTreeSet<String>>,
    /// Refuse to run when the credentials belong to one of these AWS account ids (checked
    /// like `allowed_account_ids`, with which it conflicts).
    #[tf(optional)]
    pub forbidden_account_ids: Field<BTreeSet<String>>,
    /// Custom service endpoints. A configured endpoint wins over `use_fips_endpoint`,
    /// `use_dualstack_endpoint` and the region's own endpoint.
    #[tf(optional, block)]
    pub endpoints: Field<EndpointsConfig>,
    /// Use the FIPS endpoints (`cloudhsmv2-fips.<region>…`, `sts-fips.<region>…`) where the
    /// region has them. Defaults to `AWS_USE_FIPS_ENDPOINT` or `use_fips_endpoint` in the
    /// profile.
    #[tf(optional)]
    pub use_fips_endpoint: Field<bool>,
    /// Use the dual-stack (IPv4 and IPv6) endpoints (`cloudhsmv2.<region>.api.aws`).
    /// Defaults to `AWS_USE_DUALSTACK_ENDPOINT` or `use_dualstack_endpoint` in the profile.
    #[tf(optional)]
    pub use_dualstack_endpoint: Field<bool>,
    /// URL of the proxy for HTTPS requests, which is every request to AWS, e.g.
    /// `http://proxy.corp.example:3128` or `http://user:password@proxy.corp.example:3128`
    /// (credentials percent-encoded). `""` sends HTTPS requests directly. Defaults to
    /// `HTTPS_PROXY` / `https_proxy`, then `http_proxy` here, then `ALL_PROXY`.
    #[tf(optional, sensitive)]
    pub https_proxy: Field<String>,
    /// URL of the proxy for plain HTTP requests (an `http://` endpoint). Also used for HTTPS
    /// when no HTTPS proxy is set anywhere, with a warning, as the AWS provider does.
    /// Defaults to `HTTP_PROXY` / `http_proxy`, then `ALL_PROXY`.
    #[tf(optional, sensitive)]
    pub http_proxy: Field<String>,
    /// Hosts reached without the proxy, read as Terraform and the AWS provider read
    /// `NO_PROXY`: a comma-separated list of host names (each also matching the names under
    /// it; `.corp.example` and `*.corp.example` match only the names under it), IP addresses,
    /// CIDR ranges, or `*`; an entry with a port (`host:8443`) matches that port only.
    /// `localhost` and loopback addresses are always reached directly. Defaults to
    /// `NO_PROXY` / `no_proxy`.
    #[tf(optional)]
    pub no_proxy: Field<String>,
    /// Path of a PEM file of certificate authorities to trust in addition to the system's
    /// (which honours `SSL_CERT_FILE` / `SSL_CERT_DIR` on Linux), for example the CA of a
    /// proxy that inspects TLS. `~/` is the home directory. Defaults to `AWS_CA_BUNDLE` or
    /// `ca_bundle` in the profile.
    #[tf(optional)]
    pub custom_ca_bundle: Field<String>,
    /// Accepted so that the AWS provider's block can be copied here, as `false` only: this
    /// provider always checks the TLS certificates of AWS's endpoints, and `true` is an error.
    /// It signs the CSR that CloudHSM hands it with your CA, so whoever could answer in
    /// AWS's place without that check could have their own key signed. Behind a proxy that
    /// inspects TLS, give the proxy's CA as `custom_ca_bundle` (or `AWS_CA_BUNDLE`).
    #[tf(optional)]
    pub insecure: Field<bool>,
    /// How many times a throttled or failed read (DescribeClusters) is retried with backoff
    /// (default 3 as in the AWS SDK's standard mode). Writes (InitializeCluster,
    /// ModifyCluster) are never retried blindly: after a failure the provider looks at the
    /// cluster first.
    #[tf(optional)]
    pub max_retries: Field<f64>,
    /// How the AWS SDK retries: `standard`, or `adaptive` (which also slows down the
    /// client when AWS throttles it). Defaults to `AWS_RETRY_MODE` or `retry_mode` in the
    /// profile, else `standard`.
    #[tf(optional)]
    pub retry_mode: Field<String>,
    /// The region of the STS calls (`assume_role`, `assume_role_with_web_identity`, the
    /// account check), e.g. where STS is reached through a VPC endpoint in another region
    /// than the clusters'. Defaults to `region`.
    #[tf(optional)]
    pub sts_region: Field<String>,
    /// Never ask the EC2 instance metadata service (IMDS) for credentials or the region, as
    /// in the AWS provider: for machines outside EC2 where the lookup would only wait. A
    /// profile's `credential_source = Ec2InstanceMetadata` is then an error that says so.
    /// The environment's `AWS_EC2_METADATA_DISABLED` turns the service off too (with the AWS
    /// SDK's own words for that profile).
    #[tf(optional)]
    pub skip_metadata_api_check: Field<bool>,
    /// URL of the EC2 instance metadata service (IMDS) that credentials and the region are
    /// asked of when nothing else gives them, e.g. `http://[fd00:ec2::254]` on an
    /// IPv6-only instance. Defaults to `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the address
    /// `ec2_metadata_service_endpoint_mode` picks.
    #[tf(optional)]
    pub ec2_metadata_service_endpoint: Field<String>,
    /// How the instance metadata service is reached when no endpoint is given: `IPv4`
    /// (`http://169.254.169.254`) or `IPv6` (`http://[fd00:ec2::254]`). Defaults to
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, else `IPv4`.
    #[tf(optional)]
    pub ec2_metadata_service_endpoint_mode: Field<String>,
    /// Tags that every resource of this provider with `tags` (`cloudhsm_backup_copy`) gets,
    /// as in the AWS provider: a resource's own `tags` win on the same key, and its
    /// `tags_all` shows the merge. A change here plans an in-place update of each such
    /// resource. `TF_AWS_DEFAULT_TAGS_<key>` in the environment adds a default tag (the
    /// block's value wins).
    #[tf(optional, block)]
    pub default_tags: Field<DefaultTagsConfig>,
    /// Tag keys this provider leaves alone on every resource and data source, as in the AWS
    /// provider, e.g. those a cost or compliance tool sets: they are not read into any
    /// state (no drift in a plan) and never changed or removed. A copy is still made with
    /// those its own `tags` or `default_tags` name (and, with no tags at all, CloudHSM gives
    /// it the source backup's). `TF_AWS_IGNORE_TAGS_KEYS` and
    /// `TF_AWS_IGNORE_TAGS_KEY_PREFIXES` in the environment (comma-separated) add to it; as
    /// with every `TF_AWS_*` tag variable, give `plan` and `apply` the same ones.
    #[tf(optional, block)]
    pub ignore_tags: Field<IgnoreTagsConfig>,
    /// Accept `region` and `sts_region` without checking that they look like AWS region
    /// names (`eu-west-1`), e.g. for an emulator with names of its own.
    #[tf(optional)]
    pub skip_region_validation: Field<bool>,
    /// Accepted so that the AWS provider's block can be copied here. This provider checks no
    /// credentials when it is configured (only when a call needs them), so there is nothing
    /// to skip; with `allowed_account_ids` or `forbidden_account_ids`, `true` is an error:
    /// those need STS GetCallerIdentity.
    #[tf(optional)]
    pub skip_credentials_validation: Field<bool>,
    /// Accepted so that the AWS provider's block can be copied here. This provider asks for
    /// the account id only to check `allowed_account_ids` / `forbidden_account_ids`, so
    /// there is nothing to skip; with either of them, `true` is an error.
    #[tf(optional)]
    pub skip_requesting_account_id: Field<bool>,
}

/// `assume_role`.
#[derive(Clone, Debug, Default, Model)]
pub struct AssumeRoleConfig {
    /// ARN of the IAM role to assume. Null or `""`: this block assumes nothing (say, for a
    /// variable whose default is no role).
    #[tf(optional)]
    pub role_arn: Field<String>,
    /// Session name; defaults to `terraform-provider-cloudhsm`.
    #[tf(optional)]
    pub session_name: Field<String>,
    /// External id the role's trust policy requires, if any.
    #[tf(optional)]
    pub external_id: Field<String>,
    /// Session length as a duration such as `1h` or `30m` (15m to 12h).
    #[tf(optional)]
    pub duration: Field<String>,
    /// An IAM policy (JSON) that further limits the session's permissions.
    #[tf(optional)]
    pub policy: Field<String>,
    /// ARNs of managed IAM policies that further limit the session's permissions.
    #[tf(optional)]
    pub policy_arns: Field<BTreeSet<String>>,
    /// Session tags.
    #[tf(optional)]
    pub tags: Field<BTreeMap<String, String>>,
    /// Keys of `tags` that pass on to the sessions of any role this session assumes in
    /// turn.
    #[tf(optional)]
    pub transitive_tag_keys: Field<BTreeSet<String>>,
    /// Who is behind the session, e.g. the user name of the person running Terraform
    /// (2 to 64 letters, digits and `+=,.@_-`): CloudTrail records it, and it stays with
    /// every role assumed from this session on. The role's trust policy must allow
    /// `sts:SetSourceIdentity`.
    #[tf(optional)]
    pub source_identity: Field<String>,
}

/// `assume_role_with_web_identity`.
#[derive(Clone, Debug, Default, Model)]
pub struct WebIdentityConfig {
    /// ARN of the IAM role to assume. Defaults to `AWS_ROLE_ARN`.
    #[tf(optional)]
    pub role_arn: Field<String>,
    /// The web identity token (a JWT from the CI system's OIDC provider). Conflicts with
    /// `web_identity_token_file`.
    #[tf(optional, sensitive)]
    pub web_identity_token: Field<String>,
    /// Path of a file holding the token, read again whenever the credentials are renewed.
    /// Defaults to `AWS_WEB_IDENTITY_TOKEN_FILE`.
    #[tf(optional)]
    pub web_identity_token_file: Field<String>,
    /// Session name; defaults to `AWS_ROLE_SESSION_NAME`, else
    /// `terraform-provider-cloudhsm`.
    #[tf(optional)]
    pub session_name: Field<String>,
    /// Session length as a duration such as `1h` or `30m` (15m to 12h; the role's maximum
    /// session duration applies).
    #[tf(optional)]
    pub duration: Field<String>,
    /// An IAM policy (JSON) that further limits the session's permissions.
    #[tf(optional)]
    pub policy: Field<String>,
    /// ARNs of managed IAM policies that further limit the session's permissions.
    #[tf(optional)]
    pub policy_arns: Field<BTreeSet<String>>,
}

/// `default_tags`.
#[derive(Clone, Debug, Default, Model)]
pub struct DefaultTagsConfig {
    /// The tags, e.g. `{ Team = "pki", CostCenter = "1234" }`.
    #[tf(optional)]
    pub tags: Field<BTreeMap<String, String>>,
}

/// `ignore_tags`.
#[derive(Clone, Debug, Default, Model)]
pub struct IgnoreTagsConfig {
    /// Tag keys to leave alone, exactly (case-sensitive, as AWS compares them).
    #[tf(optional)]
    pub keys: Field<BTreeSet<String>>,
    /// Prefixes of tag keys to leave alone, e.g. `ops:`.
    #[tf(optional)]
    pub key_prefixes: Field<BTreeSet<String>>,
}

/// `endpoints`.
#[derive(Clone, Debug, Default, Model)]
pub struct EndpointsConfig {
    /// URL of the CloudHSM v2 API, e.g. a VPC endpoint or the project's emulator. Defaults
    /// to `AWS_ENDPOINT_URL_CLOUDHSM_V2`, `AWS_ENDPOINT_URL` or the region's endpoint.
    /// Applies to CloudHSM calls only, never to STS.
    #[tf(optional)]
    pub cloudhsmv2: Field<String>,
    /// URL of the STS API (`assume_role`, `assume_role_with_web_identity`, the account
    /// check), e.g. a VPC endpoint. Defaults to `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`
    /// or the region's STS endpoint.
    #[tf(optional)]
    pub sts: Field<String>,
}

/// A known, non-empty string.
fn known(f: &Field<String>) -> Option<String> {
    f.known().filter(|s| !s.is_empty()).cloned()
}

impl ProviderConfig {
    /// `default_tags` and `ignore_tags` as rules, with the AWS provider's environment
    /// variables: `TF_AWS_DEFAULT_TAGS_<key>` under the block's tags,
    /// `TF_AWS_IGNORE_TAGS_KEYS` and `TF_AWS_IGNORE_TAGS_KEY_PREFIXES` (comma-separated)
    /// added to the block's. The defaults are unknown while the block's are, and so are the
    /// ignored keys (`ignored_known`: reads and changes run with a known block).
    pub(super) fn tag_policy(&self) -> TagPolicy {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        self.tag_policy_in(&env)
    }

    /// [`ProviderConfig::tag_policy`] with the environment `env`.
    pub(super) fn tag_policy_in(&self, env: &[(String, String)]) -> TagPolicy {
        let mut defaults: BTreeMap<String, String> = env
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("TF_AWS_DEFAULT_TAGS_")?;
                (!key.is_empty()).then(|| (key.to_string(), v.clone()))
            })
            .collect();
        let block = match &self.default_tags {
            Field::Unknown => None,
            Field::Null => Some(BTreeMap::new()),
            Field::Known(d) => match &d.tags {
                Field::Unknown => None,
                tags => Some(tags.value_or_default()),
            },
        };
        let defaults = block.map(|tags| {
            defaults.extend(tags);
            defaults
        });
        let ignore = self.ignore_tags.known();
        let set = |pick: fn(&IgnoreTagsConfig) -> &Field<BTreeSet<String>>, name: &str| {
            let mut set = ignore
                .map(|i| pick(i).value_or_default())
                .unwrap_or_default();
            let listed = env
                .iter()
                .filter(|(k, _)| k == name)
                .flat_map(|(_, v)| v.split(','));
            set.extend(
                listed
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string),
            );
            set
        };
        let ignored_known = match &self.ignore_tags {
            Field::Unknown => false,
            Field::Null => true,
            Field::Known(i) => !i.keys.is_unknown() && !i.key_prefixes.is_unknown(),
        };
        TagPolicy {
            defaults,
            ignored: IgnoredTags {
                keys: set(|i| &i.keys, "TF_AWS_IGNORE_TAGS_KEYS"),
                key_prefixes: set(|i| &i.key_prefixes, "TF_AWS_IGNORE_TAGS_KEY_PREFIXES"),
            },
            ignored_known,
        }
    }

    /// The `assume_role` blocks that assume a role (a `role_arn` that is not null or `""`,
    /// or not known yet), with their index among the blocks, in the order of the chain.
    pub(super) fn assumed_roles(&self) -> impl Iterator<Item = (i64, &AssumeRoleConfig)> {
        let blocks = self.assume_role.known().into_iter().flatten();
        (0_i64..).zip(blocks).filter(|(_, a)| match &a.role_arn {
            Field::Null => false,
            Field::Unknown => true,
            Field::Known(arn) => !arn.is_empty(),
        })
    }

    /// The endpoint fields, null when `endpoints` is not known.
    pub(super) fn endpoint(&self, pick: fn(&EndpointsConfig) -> &Field<String>) -> &Field<String> {
        static NULL: Field<String> = Field::Null;
        self.endpoints.known().map_or(&NULL, pick)
    }

    /// What the AWS layer needs, from a block whose values are all known and checked.
    pub(super) fn settings(&self) -> Result<ClientSettings, Diagnostics> {
        let mut assume_role = Vec::new();
        for (index, a) in self.assumed_roles() {
            assume_role.push(AssumeRole {
                role_arn: a.role_arn.known().cloned().unwrap_or_default(),
                session_name: known(&a.session_name),
                external_id: known(&a.external_id),
                duration: match a.duration.known() {
                    Some(text) => {
                        let block = AttributePath::attr(Self::ASSUME_ROLE).index(index);
                        Some(role_duration(text, block).map_err(Diagnostics::from)?)
                    }
                    None => None,
                },
                policy: known(&a.policy),
                policy_arns: a
                    .policy_arns
                    .known()
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
                tags: a.tags.known().cloned().unwrap_or_default(),
                transitive_tag_keys: a
                    .transitive_tag_keys
                    .known()
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
                source_identity: known(&a.source_identity),
            });
        }
        let web_identity = match self.assume_role_with_web_identity.known() {
            None => None,
            Some(w) => Some(WebIdentity {
                role_arn: known(&w.role_arn),
                token: known(&w.web_identity_token).map(Zeroizing::new),
                token_file: known(&w.web_identity_token_file),
                session_name: known(&w.session_name),
                duration: match w.duration.known() {
                    Some(text) => Some(
                        role_duration(
                            text,
                            AttributePath::attr(Self::ASSUME_ROLE_WITH_WEB_IDENTITY),
                        )
                        .map_err(Diagnostics::from)?,
                    ),
                    None => None,
                },
                policy: known(&w.policy),
                policy_arns: w
                    .policy_arns
                    .known()
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
            }),
        };
        let ids = |f: &Field<BTreeSet<String>>| {
            f.known()
                .filter(|s| !s.is_empty())
                .map(|s| s.iter().cloned().collect::<Vec<_>>())
        };
        let account_guard = ids(&self.allowed_account_ids)
            .map(AccountGuard::Allowed)
            .or_else(|| ids(&self.forbidden_account_ids).map(AccountGuard::Forbidden));
        Ok(ClientSettings {
            region: known(&self.region),
            profile: known(&self.profile),
            shared_config_files: self
                .shared_config_files
                .known()
                .cloned()
                .unwrap_or_default(),
            shared_credentials_files: self
                .shared_credentials_files
                .known()
                .cloned()
                .unwrap_or_default(),
            access_key: known(&self.access_key),
            secret_key: known(&self.secret_key),
            token: known(&self.token),
            assume_role,
            web_identity,
            endpoint: known(self.endpoint(|e| &e.cloudhsmv2)),
            sts_endpoint: known(self.endpoint(|e| &e.sts)),
            use_fips: self.use_fips_endpoint.known().copied(),
            use_dual_stack: self.use_dualstack_endpoint.known().copied(),
            network: NetworkSettings {
                // An empty proxy argument means "no proxy", so it is kept as it is.
                proxies: ProxyArguments {
                    http_proxy: self.http_proxy.known().cloned(),
                    https_proxy: self.https_proxy.known().cloned(),
                    no_proxy: self.no_proxy.known().cloned(),
                },
                custom_ca_bundle: known(&self.custom_ca_bundle),
            },
            account_guard,
            max_retries: self.max_retries.known().map(|n| *n as u32),
            retry_mode: self.retry_mode.known().and_then(|m| retry_mode(m)),
            sts_region: known(&self.sts_region),
            skip_metadata_api_check: self.skip_metadata_api_check.known() == Some(&true),
            instance_metadata: InstanceMetadata {
                endpoint: known(&self.ec2_metadata_service_endpoint),
                mode: self
                    .ec2_metadata_service_endpoint_mode
                    .known()
                    .and_then(|m| metadata_endpoint_mode(m)),
            },
        })
    }
}

/// `retry_mode` as the SDK names it; `None` for a value [`super::checks`] refuses.
pub(super) fn retry_mode(text: &str) -> Option<aws_config::retry::RetryMode> {
    match text {
        "standard" => Some(aws_config::retry::RetryMode::Standard),
        "adaptive" => Some(aws_config::retry::RetryMode::Adaptive),
        _ => None,
    }
}

/// `ec2_metadata_service_endpoint_mode` as the SDK names it; `None` for a value
/// [`super::checks`] refuses. The AWS provider accepts these two spellings only.
pub(super) fn metadata_endpoint_mode(text: &str) -> Option<EndpointMode> {
    match text {
        "IPv4" => Some(EndpointMode::IpV4),
        "IPv6" => Some(EndpointMode::IpV6),
        _ => None,
    }
}

/// A role session's length: a duration from 15m to 12h, on `block`'s `duration`.
pub(super) fn role_duration(text: &str, block: AttributePath) -> Result<Duration, Diagnostic> {
    let path = block.then_attr(AssumeRoleConfig::DURATION);
    let d = duration::parse(text).map_err(|e| {
        Diagnostic::error(
            "Invalid duration",
            format!("{e}. Use a value such as \"1h\" or \"45m\"."),
        )
        .at(path.clone())
    })?;
    if d < Duration::from_secs(15 * 60) || d > Duration::from_secs(12 * 3600) {
        return Err(Diagnostic::error(
            "Invalid duration",
            format!("AWS accepts role sessions from 15m to 12h; {text:?} is outside that range."),
        )
        .at(path));
    }
    Ok(d)
}
