//! The `cloudhsm` provider: its configuration block (a typed model, named like the AWS
//! provider's arguments, so that module authors feel at home), the CloudHSM client built
//! from it, and the list of resources and data sources it serves.
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
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::duration;
use tfplugin::interface::{DataSource, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Field;
use tfplugin::Model;
use tfplugin::{adapt_data_source, adapt_resource, async_trait, ConfigureRequest};

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

/// What the provider is for: the `provider "cloudhsm"` block's description.
const DESCRIPTION: &str = "The `cloudhsm` provider initializes and configures AWS CloudHSM v2 \
                           clusters. It finds AWS credentials in the AWS provider's order: \
                           `access_key` and `secret_key` here, then `profile` here, then the \
                           environment variables, the shared config and credentials files (the \
                           `AWS_PROFILE` or default profile), SSO, web identity, container and \
                           instance roles; `assume_role` is applied on top of whichever was \
                           found.";

/// The schema of the `provider "cloudhsm"` block (from [`ProviderConfig`]).
pub fn provider_schema() -> Schema {
    tfplugin::interface::Provider::schema(&CloudHsmProvider::new())
}

/// The `provider "cloudhsm"` block: each argument known, unknown or null.
#[derive(Clone, Debug, Default, Model)]
pub struct ProviderConfig {
    /// AWS region of the clusters, e.g. `eu-west-1`. Defaults to `AWS_REGION` /
    /// `AWS_DEFAULT_REGION` or the region of the selected profile.
    #[tf(optional)]
    pub region: Field<String>,
    /// Named profile from the shared AWS config and credentials files. When set, its
    /// credentials are used even if `AWS_ACCESS_KEY_ID` is set in the environment (only
    /// `access_key` / `secret_key` here come first). Unset: the environment, then
    /// `AWS_PROFILE` or the default profile.
    #[tf(optional)]
    pub profile: Field<String>,
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
    /// Assume this IAM role, with the credentials found above, before calling CloudHSM.
    #[tf(optional, nested)]
    pub assume_role: Field<AssumeRoleConfig>,
    /// Custom service endpoints.
    #[tf(optional, nested)]
    pub endpoints: Field<EndpointsConfig>,
    /// How many times a throttled or failed read (DescribeClusters) is retried with backoff
    /// (default 3 as in the AWS SDK's standard mode). Writes (InitializeCluster,
    /// ModifyCluster) are never retried blindly: after a failure the provider looks at the
    /// cluster first.
    #[tf(optional)]
    pub max_retries: Field<f64>,
}

/// `assume_role`.
#[derive(Clone, Debug, Default, Model)]
pub struct AssumeRoleConfig {
    /// ARN of the IAM role to assume.
    #[tf(required)]
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
}

/// `endpoints`.
#[derive(Clone, Debug, Default, Model)]
pub struct EndpointsConfig {
    /// URL of the CloudHSM v2 API, e.g. a VPC endpoint or the project's emulator. Defaults
    /// to `AWS_ENDPOINT_URL_CLOUDHSM_V2` or the public regional endpoint. Applies to
    /// CloudHSM calls only, never to STS.
    #[tf(optional)]
    pub cloudhsmv2: Field<String>,
    /// URL of the STS API used for `assume_role`, e.g. a VPC endpoint. Defaults to
    /// `AWS_ENDPOINT_URL_STS` or the regional STS endpoint.
    #[tf(optional)]
    pub sts: Field<String>,
}

fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

impl ProviderConfig {
    /// The endpoint fields, null when `endpoints` is not known.
    fn endpoint(&self, pick: fn(&EndpointsConfig) -> &Field<String>) -> &Field<String> {
        static NULL: Field<String> = Field::Null;
        self.endpoints.known().map_or(&NULL, pick)
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
                    .at(attr(Self::REGION)),
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
        if let Some(role) = self.assume_role.known() {
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
                        .at(attr(Self::ASSUME_ROLE).then_attr(AssumeRoleConfig::ROLE_ARN)),
                    );
                }
            }
            if let Some(text) = role.duration.known() {
                if let Err(d) = role_duration(text) {
                    diags.push(d);
                }
            }
        }
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

    fn settings(&self) -> Result<ClientSettings, Diagnostics> {
        let known = |f: &Field<String>| f.known().filter(|s| !s.is_empty()).cloned();
        let assume_role = match self.assume_role.known() {
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
            endpoint: known(self.endpoint(|e| &e.cloudhsmv2)),
            sts_endpoint: known(self.endpoint(|e| &e.sts)),
            max_retries: self.max_retries.known().map(|n| *n as u32),
        })
    }
}

fn role_duration(text: &str) -> Result<Duration, Diagnostic> {
    let path = attr(ProviderConfig::ASSUME_ROLE).then_attr(AssumeRoleConfig::DURATION);
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
impl tfplugin::TypedProvider for CloudHsmProvider {
    type Config = ProviderConfig;
    const TYPE_NAME: &'static str = "cloudhsm";

    fn description(&self) -> String {
        DESCRIPTION.to_string()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            adapt_resource(ClusterInitializationResource::new(self.context.clone())),
            adapt_resource(ClusterConfigResource::new(self.context.clone())),
            adapt_resource(OneTimeRootResource::new(self.context.clone())),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![adapt_data_source(ClusterDataSource::new(
            self.context.clone(),
        ))]
    }

    async fn validate_config(&self, config: &ProviderConfig) -> Diagnostics {
        config.validate()
    }

    async fn configure(&self, request: ConfigureRequest<ProviderConfig>) -> Diagnostics {
        tracing::debug!(
            terraform_version = request.terraform_version,
            "configuring provider"
        );
        let parsed = &request.config;
        let mut diags = parsed.validate();
        let state = if diags.has_errors() {
            ClientState::Failed(diags.clone())
        } else if !request.is_wholly_known() {
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
                            SettingsError::NoRegion => attr(ProviderConfig::REGION),
                            SettingsError::HalfCredentials { .. } => {
                                attr(ProviderConfig::ACCESS_KEY)
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
    use tfplugin::interface::Provider as _;
    use tfplugin::value::{ObjectBuilder, Value};

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
