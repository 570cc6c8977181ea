//! The settings and the credential chain: what the provider block says about reaching AWS,
//! and how a [`CloudHsm`] is built from it. Knows nothing of the calls made once connected,
//! nor of the SDK's cluster types; secrets never leave here in a Debug line or an error.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cloudhsmv2::config::{Credentials, Region, SharedCredentialsProvider};

use super::{CloudHsm, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, PAGE_SIZE, READ_TIMEOUT};
use crate::cloudhsm::backoff::Backoff;
use crate::cloudhsm::coalesce::{Coalescer, Gathering};
use crate::cloudhsm::patience::Patience;
use crate::stop::StopSignal;

/// What the provider block (and the environment) says about reaching AWS.
#[derive(Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub assume_role: Option<AssumeRole>,
    /// The CloudHSM v2 endpoint (`endpoints.cloudhsmv2`); CloudHSM calls only.
    pub endpoint: Option<String>,
    /// The STS endpoint for `assume_role` (`endpoints.sts`).
    pub sts_endpoint: Option<String>,
    pub max_retries: Option<u32>,
}

impl std::fmt::Debug for ClientSettings {
    // Hand-written so that keys and tokens can never be printed by accident.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &self.access_key.as_ref().map(|_| "<set>"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("assume_role", &self.assume_role)
            .field("endpoint", &self.endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SettingsError {
    #[error(
        "no AWS region is configured. Set `region` in the provider block, or the AWS_REGION \
         environment variable, or a region in the selected profile of ~/.aws/config"
    )]
    NoRegion,
    #[error(
        "`access_key` and `secret_key` must be set together (only {only} is set). Set both, or \
         neither to use the standard credential chain (environment, profile, SSO, instance role)"
    )]
    HalfCredentials { only: &'static str },
}

impl CloudHsm {
    /// Builds the client the way the AWS provider finds credentials: `access_key` and
    /// `secret_key`, else `profile`, else the standard chain (environment variables, shared
    /// config and credentials files, SSO, web identity, container and instance roles); then
    /// `assume_role` on top of whichever was found. `endpoint` applies to CloudHSM only; STS
    /// uses `sts_endpoint`, `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, or the region's.
    pub async fn connect(
        settings: &ClientSettings,
        stop: StopSignal,
    ) -> Result<CloudHsm, SettingsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            // The profile's region and settings; its credentials are set below, ahead of
            // the environment's.
            loader = loader.profile_name(profile);
        }
        let static_credentials = match (&settings.access_key, &settings.secret_key) {
            (Some(ak), Some(sk)) => Some(Credentials::new(
                ak,
                sk,
                settings.token.clone(),
                None,
                "terraform-provider-cloudhsm",
            )),
            (Some(_), None) => return Err(SettingsError::HalfCredentials { only: "access_key" }),
            (None, Some(_)) => return Err(SettingsError::HalfCredentials { only: "secret_key" }),
            (None, None) => None,
        };
        if let Some(retries) = settings.max_retries {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(retries + 1));
        }
        let mut sdk_config = loader.load().await;
        if sdk_config.region().is_none() {
            return Err(SettingsError::NoRegion);
        }
        let base_credentials = match (static_credentials, &settings.profile) {
            (Some(creds), _) => Some(SharedCredentialsProvider::new(creds)),
            (None, Some(profile)) => {
                let provider_config =
                    ProviderConfig::without_region().with_region(sdk_config.region().cloned());
                Some(SharedCredentialsProvider::new(
                    ProfileFileCredentialsProvider::builder()
                        .configure(&provider_config)
                        .profile_name(profile)
                        .build(),
                ))
            }
            (None, None) => None,
        };
        if let Some(provider) = base_credentials {
            sdk_config = sdk_config
                .into_builder()
                .credentials_provider(provider)
                .build();
        }
        if let Some(role) = &settings.assume_role {
            let sts_config = match &settings.sts_endpoint {
                Some(url) => sdk_config.clone().into_builder().endpoint_url(url).build(),
                None => sdk_config.clone(),
            };
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-cloudhsm".to_string()),
                )
                .configure(&sts_config);
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id);
            }
            if let Some(duration) = role.duration {
                builder = builder.session_length(duration);
            }
            let provider = builder.build().await;
            sdk_config = sdk_config
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        let mut config = aws_sdk_cloudhsmv2::config::Builder::from(&sdk_config);
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        Ok(CloudHsm {
            client: aws_sdk_cloudhsmv2::Client::from_conf(config.build()),
            stop,
            pinned: None,
            deadline: None,
            backoff: Backoff::default(),
            reads: Arc::new(Coalescer::new(Gathering::default())),
            ids_per_call: Arc::new(AtomicUsize::new(PAGE_SIZE)),
            read_timeout: READ_TIMEOUT,
            patience: Patience::default(),
        })
    }
}

/// The HTTPS client for AWS (CloudHSM, STS, credential providers): rustls with ring, whose
/// randomness comes straight from the operating system. With aws-lc, the SDK's default, the
/// first connection of every process first spends tens of milliseconds of CPU seeding a
/// jitter-entropy generator, and Terraform starts the provider several times per plan.
fn https_client() -> aws_sdk_cloudhsmv2::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
