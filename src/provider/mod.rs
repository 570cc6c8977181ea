//! The `cloudhsm` provider: its configuration block ([`config`]: a typed model, named like
//! the AWS provider's arguments, so that one network and identity setup serves both;
//! [`checks`]: the checks of its values), the CloudHSM client built from it at configure
//! (the account guard included), and the list of resources and data sources it serves.
//!
//! Knows Terraform values and the [`CloudHsm`] client; never touches gRPC or bytes.

mod checks;
mod config;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use self::config::{AssumeRoleConfig, EndpointsConfig, ProviderConfig, WebIdentityConfig};
use crate::cloudhsm::network::Origin;
use crate::cloudhsm::{CloudHsm, SettingsError};
use crate::context::{ClientState, ProviderContext};
use crate::data_sources::backups::BackupsDataSource;
use crate::data_sources::cluster::ClusterDataSource;
use crate::resources::backup_copy::BackupCopyResource;
use crate::resources::backup_retention_exemption::RetentionExemptionResource;
use crate::resources::cluster_config::ClusterConfigResource;
use crate::resources::cluster_initialization::ClusterInitializationResource;
use crate::resources::one_time_root::OneTimeRootResource;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::interface::{DataSource, Resource};
use tfplugin::schema::Schema;
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
                           `AWS_PROFILE` or default profile; `shared_config_files` and \
                           `shared_credentials_files` name other files, read instead of \
                           `~/.aws/config` and `~/.aws/credentials`), SSO, web identity, container and \
                           instance roles, or `assume_role_with_web_identity`; `assume_role` is \
                           applied on top of whichever was found. Proxies, CA bundles, FIPS and \
                           dual-stack endpoints and account guards take the AWS provider's \
                           arguments and environment variables.";

fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

/// The schema of the `provider "cloudhsm"` block (from [`ProviderConfig`]).
pub fn provider_schema() -> Schema {
    tfplugin::interface::Provider::schema(&CloudHsmProvider::new())
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
            adapt_resource(BackupCopyResource::new(self.context.clone())),
            adapt_resource(RetentionExemptionResource::new(self.context.clone())),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![
            adapt_data_source(ClusterDataSource::new(self.context.clone())),
            adapt_data_source(BackupsDataSource::new(self.context.clone())),
        ]
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
        // Its warnings were given by ValidateProviderConfig already; the errors stop here too.
        let mut diags = Diagnostics::new();
        for error in parsed.validate().errors() {
            diags.push(error.clone());
        }
        // The tag rules do not make the client: values of theirs not known yet leave it be
        // (they make tags_all unknown in the plan instead).
        let tag_rules =
            [ProviderConfig::DEFAULT_TAGS, ProviderConfig::IGNORE_TAGS].map(AttributePath::attr);
        let client_known = request
            .unknown
            .iter()
            .all(|path| tag_rules.iter().any(|rules| path.starts_with(rules)));
        let state = if diags.has_errors() {
            ClientState::Failed(diags.clone())
        } else if !client_known {
            ClientState::Deferred
        } else {
            match parsed.settings() {
                Err(d) => {
                    diags.append(d.clone());
                    ClientState::Failed(d)
                }
                Ok(settings) => match CloudHsm::connect(&settings, self.context.stop.clone()).await
                {
                    Ok(connected) => {
                        for w in connected.warnings {
                            diags.push(
                                Diagnostic::warning(w.summary, w.detail).at(attr(w.argument)),
                            );
                        }
                        ClientState::Ready(connected.client)
                    }
                    Err(e) => {
                        let d: Diagnostics = settings_diagnostic(&e, &settings).into();
                        diags.append(d.clone());
                        ClientState::Failed(d)
                    }
                },
            }
        };
        *self.context.client.write().await = state;
        let policy = parsed.tag_policy();
        // The block's default tags were checked above; those of TF_AWS_DEFAULT_TAGS_* here.
        let block_keys = parsed
            .default_tags
            .known()
            .and_then(|d| d.tags.known())
            .cloned()
            .unwrap_or_default();
        if let Some(defaults) = &policy.defaults {
            let from_env = defaults
                .iter()
                .filter(|(k, _)| !block_keys.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for problem in crate::tag_policy::tag_problems(&from_env) {
                diags.push(Diagnostic::error(
                    "Invalid default tag in the environment",
                    format!("{problem} (It comes from a TF_AWS_DEFAULT_TAGS_<key> variable.)"),
                ));
            }
        }
        *self.context.tags.write().await = policy;
        diags
    }

    fn stop(&self) {
        tracing::info!("StopProvider: cancelling work in flight");
        self.context.stop();
    }
}

/// A client that could not be built, as a diagnostic on the argument at fault.
fn settings_diagnostic(
    e: &SettingsError,
    settings: &crate::cloudhsm::ClientSettings,
) -> Diagnostic {
    let (summary, path) = match e {
        SettingsError::SharedFileMissing { argument, .. } => {
            ("Cannot read the AWS shared files", Some(*argument))
        }
        SettingsError::NoRegion => (
            "Cannot configure the CloudHSM client",
            Some(ProviderConfig::REGION),
        ),
        SettingsError::HalfCredentials { .. } => (
            "Cannot configure the CloudHSM client",
            Some(ProviderConfig::ACCESS_KEY),
        ),
        SettingsError::Network(n) => (
            "Cannot configure the network path to AWS",
            match n.origin() {
                Origin::Argument(name) => Some(*name),
                _ => None,
            },
        ),
        SettingsError::WebIdentity { .. } => (
            "Cannot configure the web identity",
            Some(ProviderConfig::ASSUME_ROLE_WITH_WEB_IDENTITY),
        ),
        SettingsError::CallerIdentity(_) | SettingsError::Cancelled => (
            "Cannot check the AWS account",
            Some(guard_argument(settings)),
        ),
        SettingsError::AccountNotAllowed { .. } => (
            "AWS account not allowed",
            Some(ProviderConfig::ALLOWED_ACCOUNT_IDS),
        ),
        SettingsError::AccountForbidden { .. } => (
            "AWS account forbidden",
            Some(ProviderConfig::FORBIDDEN_ACCOUNT_IDS),
        ),
        SettingsError::MetadataEndpoint { .. } => (
            "Invalid metadata service endpoint",
            Some(ProviderConfig::EC2_METADATA_SERVICE_ENDPOINT),
        ),
    };
    let d = Diagnostic::error(summary, format!("{e}."));
    match path {
        Some(name) => d.at(attr(name)),
        None => d,
    }
}

/// The account guard argument that is set.
fn guard_argument(settings: &crate::cloudhsm::ClientSettings) -> &'static str {
    match settings.account_guard {
        Some(crate::cloudhsm::AccountGuard::Forbidden(_)) => ProviderConfig::FORBIDDEN_ACCOUNT_IDS,
        _ => ProviderConfig::ALLOWED_ACCOUNT_IDS,
    }
}
