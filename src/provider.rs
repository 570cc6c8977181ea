//! The `cloudhsm` provider: its configuration block (named like the AWS provider's, so that
//! module authors feel at home), the CloudHSM client built from it, and the list of
//! resources and data sources it serves.
//!
//! Knows Terraform values and the [`CloudHsm`] client; never touches gRPC or bytes.

use std::sync::Arc;
use std::time::Duration;

use crate::cloudhsm::{AssumeRole, ClientSettings, CloudHsm, SettingsError};
use crate::context::{ClientState, ProviderContext};
use crate::data_sources::cluster::ClusterDataSource;
use crate::resources::cluster_config::ClusterConfigResource;
use crate::resources::cluster_initialization::ClusterInitializationResource;
use crate::resources::one_time_root::OneTimeRootResource;
use async_trait::async_trait;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::duration;
use tfplugin::interface::{DataSource, Provider, Resource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Field, ObjectReader, Value, ValueError};

/// The provider's source address in the registry, as used in `required_providers`.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/cloudhsm-iac/cloudhsm";

/// Who the plugin is, for the protocol layer: its name in messages, its log module, the
/// crates whose log events pass at the level Terraform asks for, and its transport variable.
pub const IDENTITY: tfplugin::PluginIdentity = tfplugin::PluginIdentity {
    name: "terraform-provider-cloudhsm",
    source_address: SOURCE_ADDRESS,
    log_module: "provider.cloudhsm",
    log_targets: &["terraform_provider_cloudhsm"],
    transport_var: "CLOUDHSM_PLUGIN_TRANSPORT",
};

pub struct CloudHsmProvider {
    context: Arc<ProviderContext>,
}

impl CloudHsmProvider {
    pub fn new() -> Self {
        CloudHsmProvider {
            context: ProviderContext::new(),
        }
    }
}

impl Default for CloudHsmProvider {
    fn default() -> Self {
        Self::new()
    }
}

pub fn provider_schema() -> Schema {
    Schema::new(Block {
        description: "The `cloudhsm` provider initializes and configures AWS CloudHSM v2 \
                      clusters. It finds AWS credentials in the AWS provider's order: \
                      `access_key` and `secret_key` here, then `profile` here, then the \
                      environment variables, the shared config and credentials files (the \
                      `AWS_PROFILE` or default profile), SSO, web identity, container and \
                      instance roles; `assume_role` is applied on top of whichever was found."
            .to_string(),
        attributes: vec![
            Attribute::string("region").optional().description(
                "AWS region of the clusters, e.g. `eu-west-1`. Defaults to `AWS_REGION` / \
                 `AWS_DEFAULT_REGION` or the region of the selected profile.",
            ),
            Attribute::string("profile").optional().description(
                "Named profile from the shared AWS config and credentials files. When set, its \
                 credentials are used even if `AWS_ACCESS_KEY_ID` is set in the environment \
                 (only `access_key` / `secret_key` here come first). Unset: the environment, \
                 then `AWS_PROFILE` or the default profile.",
            ),
            Attribute::string("access_key")
                .optional()
                .sensitive()
                .description(
                "AWS access key id. Set together with `secret_key`, or leave both unset to use \
                 the standard credential chain.",
            ),
            Attribute::string("secret_key")
                .optional()
                .sensitive()
                .description("AWS secret access key. Set together with `access_key`."),
            Attribute::string("token")
                .optional()
                .sensitive()
                .description(
                "Session token for temporary credentials given in `access_key` and `secret_key`.",
            ),
            Attribute::nested_single(
                "assume_role",
                vec![
                    Attribute::string("role_arn")
                        .required()
                        .description("ARN of the IAM role to assume."),
                    Attribute::string("session_name")
                        .optional()
                        .description("Session name; defaults to `terraform-provider-cloudhsm`."),
                    Attribute::string("external_id")
                        .optional()
                        .description("External id the role's trust policy requires, if any."),
                    Attribute::string("duration").optional().description(
                        "Session length as a duration such as `1h` or `30m` (15m to 12h).",
                    ),
                ],
            )
            .optional()
            .description(
                "Assume this IAM role, with the credentials found above, before calling CloudHSM.",
            ),
            Attribute::nested_single(
                "endpoints",
                vec![
                    Attribute::string("cloudhsmv2").optional().description(
                        "URL of the CloudHSM v2 API, e.g. a VPC endpoint or the project's \
                         emulator. Defaults to `AWS_ENDPOINT_URL_CLOUDHSM_V2` or the public \
                         regional endpoint. Applies to CloudHSM calls only, never to STS.",
                    ),
                    Attribute::string("sts").optional().description(
                        "URL of the STS API used for `assume_role`, e.g. a VPC endpoint. \
                         Defaults to `AWS_ENDPOINT_URL_STS` or the regional STS endpoint.",
                    ),
                ],
            )
            .optional()
            .description("Custom service endpoints."),
            Attribute::number("max_retries").optional().description(
                "How many times a throttled or failed read (DescribeClusters) is retried with \
                 backoff (default 3 as in the AWS SDK's standard mode). Writes \
                 (InitializeCluster, ModifyCluster) are never retried blindly: after a failure \
                 the provider looks at the cluster first.",
            ),
        ],
        ..Default::default()
    })
}

/// The provider block as read from Terraform: each argument known, unknown or null.
struct ProviderConfig {
    region: Field<String>,
    profile: Field<String>,
    access_key: Field<String>,
    secret_key: Field<String>,
    token: Field<String>,
    assume_role: Option<AssumeRoleConfig>,
    assume_role_unknown: bool,
    endpoint: Field<String>,
    sts_endpoint: Field<String>,
    endpoints_unknown: bool,
    max_retries: Field<f64>,
}

struct AssumeRoleConfig {
    role_arn: Field<String>,
    session_name: Field<String>,
    external_id: Field<String>,
    duration: Field<String>,
}

impl ProviderConfig {
    fn read(config: &Value) -> Result<Self, ValueError> {
        let r = ObjectReader::new(config, AttributePath::root())?;
        let assume = r.value("assume_role");
        let assume_role = if assume.is_null() || assume.is_unknown() {
            None
        } else {
            let a = ObjectReader::new(assume, AttributePath::attr("assume_role"))?;
            Some(AssumeRoleConfig {
                role_arn: a.get("role_arn")?,
                session_name: a.get("session_name")?,
                external_id: a.get("external_id")?,
                duration: a.get("duration")?,
            })
        };
        let endpoints = r.value("endpoints");
        let (endpoint, sts_endpoint) = if endpoints.is_null() || endpoints.is_unknown() {
            (Field::Null, Field::Null)
        } else {
            let e = ObjectReader::new(endpoints, AttributePath::attr("endpoints"))?;
            (e.get("cloudhsmv2")?, e.get("sts")?)
        };
        Ok(ProviderConfig {
            region: r.get("region")?,
            profile: r.get("profile")?,
            access_key: r.get("access_key")?,
            secret_key: r.get("secret_key")?,
            token: r.get("token")?,
            assume_role_unknown: assume.is_unknown(),
            assume_role,
            endpoints_unknown: endpoints.is_unknown(),
            endpoint,
            sts_endpoint,
            max_retries: r.get("max_retries")?,
        })
    }

    fn any_unknown(&self) -> bool {
        let role_unknown = self.assume_role.as_ref().is_some_and(|a| {
            a.role_arn.is_unknown()
                || a.session_name.is_unknown()
                || a.external_id.is_unknown()
                || a.duration.is_unknown()
        });
        self.region.is_unknown()
            || self.profile.is_unknown()
            || self.access_key.is_unknown()
            || self.secret_key.is_unknown()
            || self.token.is_unknown()
            || self.assume_role_unknown
            || self.endpoints_unknown
            || self.endpoint.is_unknown()
            || self.sts_endpoint.is_unknown()
            || self.max_retries.is_unknown()
            || role_unknown
    }

    /// Checks every known value; unknown ones are checked when they become known.
    fn validate(&self) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(region) = self.region.known() {
            if !is_region(region) {
                diags.push(
                    Diagnostic::error(
                        "Invalid AWS region",
                        format!(
                            "{region:?} does not look like an AWS region. Use a region code \
                             such as \"us-east-1\" or \"eu-west-2\"."
                        ),
                    )
                    .at(AttributePath::attr("region")),
                );
            }
        }
        match (&self.access_key, &self.secret_key) {
            (Field::Known(_), Field::Null) => diags.push(
                Diagnostic::error(
                    "secret_key is missing",
                    "access_key is set but secret_key is not. Set both, or neither to use the \
                     standard AWS credential chain.",
                )
                .at(AttributePath::attr("secret_key")),
            ),
            (Field::Null, Field::Known(_)) => diags.push(
                Diagnostic::error(
                    "access_key is missing",
                    "secret_key is set but access_key is not. Set both, or neither to use the \
                     standard AWS credential chain.",
                )
                .at(AttributePath::attr("access_key")),
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
                .at(AttributePath::attr("token")),
            );
        }
        if let Some(role) = &self.assume_role {
            if let Some(arn) = role.role_arn.known() {
                if !is_role_arn(arn) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid role ARN",
                            format!(
                                "{arn:?} is not an IAM role ARN. It looks like \
                                 \"arn:aws:iam::123456789012:role/name\"."
                            ),
                        )
                        .at(AttributePath::attr("assume_role").then_attr("role_arn")),
                    );
                }
            }
            if let Some(text) = role.duration.known() {
                if let Err(d) = role_duration(text) {
                    diags.push(d);
                }
            }
        }
        for (name, field) in [("cloudhsmv2", &self.endpoint), ("sts", &self.sts_endpoint)] {
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
                        .at(AttributePath::attr("endpoints").then_attr(name)),
                    );
                }
            }
        }
        if let Some(n) = self.max_retries.known() {
            if n.fract() != 0.0 || !(0.0..=100.0).contains(n) {
                diags.push(
                    Diagnostic::error(
                        "Invalid max_retries",
                        format!("max_retries must be a whole number from 0 to 100, not {n}."),
                    )
                    .at(AttributePath::attr("max_retries")),
                );
            }
        }
        diags
    }

    fn settings(&self) -> Result<ClientSettings, Diagnostics> {
        let known = |f: &Field<String>| f.known().filter(|s| !s.is_empty()).cloned();
        let assume_role = match &self.assume_role {
            None => None,
            Some(a) => Some(AssumeRole {
                role_arn: a.role_arn.known().cloned().unwrap_or_default(),
                session_name: known(&a.session_name),
                external_id: known(&a.external_id),
                duration: match a.duration.known() {
                    Some(text) => Some(role_duration(text).map_err(Diagnostics::from)?),
                    None => None,
                },
            }),
        };
        Ok(ClientSettings {
            region: known(&self.region),
            profile: known(&self.profile),
            access_key: known(&self.access_key),
            secret_key: known(&self.secret_key),
            token: known(&self.token),
            assume_role,
            endpoint: known(&self.endpoint),
            sts_endpoint: known(&self.sts_endpoint),
            max_retries: self.max_retries.known().map(|n| *n as u32),
        })
    }
}

fn role_duration(text: &str) -> Result<Duration, Diagnostic> {
    let path = AttributePath::attr("assume_role").then_attr("duration");
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

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
}

#[async_trait]
impl Provider for CloudHsmProvider {
    fn type_name(&self) -> &'static str {
        "cloudhsm"
    }

    fn schema(&self) -> Schema {
        provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            tfplugin::serve_resource(ClusterInitializationResource::new(self.context.clone())),
            tfplugin::serve_resource(ClusterConfigResource::new(self.context.clone())),
            tfplugin::serve_resource(OneTimeRootResource::new(self.context.clone())),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![tfplugin::serve_data_source(ClusterDataSource::new(
            self.context.clone(),
        ))]
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        match ProviderConfig::read(config) {
            Ok(c) => c.validate(),
            Err(e) => e.into(),
        }
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        tracing::debug!(terraform_version, "configuring provider");
        let parsed = match ProviderConfig::read(config) {
            Ok(c) => c,
            Err(e) => return e.into(),
        };
        let mut diags = parsed.validate();
        let state = if diags.has_errors() {
            ClientState::Failed(diags.clone())
        } else if parsed.any_unknown() {
            ClientState::Deferred
        } else {
            match parsed.settings() {
                Err(d) => {
                    diags.append(d.clone());
                    ClientState::Failed(d)
                }
                Ok(settings) => match CloudHsm::connect(&settings, self.context.stop.clone()).await
                {
                    Ok(client) => ClientState::Ready(client),
                    Err(e) => {
                        let path = match e {
                            SettingsError::NoRegion => AttributePath::attr("region"),
                            SettingsError::HalfCredentials { .. } => {
                                AttributePath::attr("access_key")
                            }
                        };
                        let d: Diagnostics = Diagnostic::error(
                            "Cannot configure the CloudHSM client",
                            format!("{e}."),
                        )
                        .at(path)
                        .into();
                        diags.append(d.clone());
                        ClientState::Failed(d)
                    }
                },
            }
        };
        *self.context.client.write().await = state;
        diags
    }

    fn stop(&self) {
        tracing::info!("StopProvider: cancelling work in flight");
        self.context.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::ObjectBuilder;

    fn config(pairs: Vec<(&str, Value)>) -> Value {
        let mut b = ObjectBuilder::new();
        for (k, v) in pairs {
            b = b.set(k, v);
        }
        b.build()
    }

    #[test]
    fn schema_is_consistent_and_hides_secrets() {
        let s = provider_schema();
        s.check().expect("schema");
        for name in ["access_key", "secret_key", "token"] {
            let a = s.attribute(&AttributePath::attr(name)).expect(name);
            assert!(a.sensitive, "{name} must be sensitive");
        }
    }

    #[tokio::test]
    async fn validation_points_at_the_wrong_attribute() {
        let p = CloudHsmProvider::new();
        let d = p
            .validate_config(&config(vec![
                ("region", Value::string("Frankfurt")),
                ("access_key", Value::string("AKIA")),
                ("max_retries", Value::from_i64(-1)),
            ]))
            .await;
        let paths: Vec<String> = d
            .iter()
            .map(|d| d.attribute.clone().unwrap_or_default().to_string())
            .collect();
        assert!(paths.contains(&"region".to_string()), "{paths:?}");
        assert!(paths.contains(&"secret_key".to_string()), "{paths:?}");
        assert!(paths.contains(&"max_retries".to_string()), "{paths:?}");
        for diag in d.iter() {
            assert!(
                !diag.detail.contains("AKIA"),
                "secret echoed: {}",
                diag.detail
            );
        }
    }

    #[tokio::test]
    async fn unknown_values_defer_the_client_without_errors() {
        let p = CloudHsmProvider::new();
        let d = p
            .configure(&config(vec![("region", Value::unknown())]), "1.10.0")
            .await;
        assert!(!d.has_errors(), "{d:?}");
        assert!(matches!(p.context.plan_client().await, Ok(None)));
        assert!(p.context.client().await.is_err());
    }

    #[test]
    fn region_and_arn_shapes() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/deploy"));
        assert!(!is_role_arn("arn:aws:iam::123:role/deploy"));
        assert!(role_duration("1h").is_ok());
        assert!(role_duration("5m").is_err());
    }
}
