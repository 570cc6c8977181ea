//! The settings and the credential chain: what the provider block says about reaching AWS,
//! and how a [`CloudHsm`] is built from it, the way the AWS provider builds its clients:
//! the network ([`crate::cloudhsm::network`]: proxies, trusted CAs) for every call, the
//! endpoints ([`super::endpoints`]: configured, or FIPS / dual-stack / the region's
//! partition), the credentials (`access_key`, else `profile`, else the standard chain; or a
//! role assumed with a web identity token; then `assume_role` on top), and the account
//! guard, checked before the client is handed out.
//!
//! Knows nothing of the calls made once connected, nor of the SDK's cluster types; secrets
//! never leave here in a Debug line or an error.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use aws_config::imds;
use aws_config::imds::client::EndpointMode;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use aws_sdk_cloudhsmv2::config::{Credentials, Region, SharedCredentialsProvider};
use aws_types::os_shim_internal::{Env, Fs};
use zeroize::Zeroizing;

use super::endpoints::{self, Configured, Service};
use super::identity::{
    self, AccountGuard, AssumeRole, AssumeRoleCredentials, MetadataSkipped, TokenSource,
    WebIdentityCredentials, WebIdentityRole, SESSION_NAME,
};
use super::regions::{Regional, Regions};
use super::{CloudHsm, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, READ_TIMEOUT};
use crate::cloudhsm::backoff::Backoff;
use crate::cloudhsm::error::ApiError;
use crate::cloudhsm::network::{Network, NetworkError, NetworkSettings, Route};
use crate::cloudhsm::patience::Patience;
use crate::stop::StopSignal;

/// What the provider block (and the environment) says about reaching AWS.
#[derive(Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// `shared_config_files`: read instead of the default config file (empty: the default).
    pub shared_config_files: Vec<String>,
    /// `shared_credentials_files`: read instead of the default credentials file.
    pub shared_credentials_files: Vec<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    /// `assume_role`: the roles assumed in turn, each with the credentials of the one
    /// before (role chaining); empty: none.
    pub assume_role: Vec<AssumeRole>,
    /// `assume_role_with_web_identity`: the credentials, instead of the chain's.
    pub web_identity: Option<WebIdentity>,
    /// The CloudHSM v2 endpoint (`endpoints.cloudhsmv2`); CloudHSM calls only.
    pub endpoint: Option<String>,
    /// The STS endpoint (`endpoints.sts`): roles, web identity, the account guard.
    pub sts_endpoint: Option<String>,
    /// `use_fips_endpoint` (`None`: the environment's or the profile's).
    pub use_fips: Option<bool>,
    /// `use_dualstack_endpoint` (`None`: the environment's or the profile's).
    pub use_dual_stack: Option<bool>,
    /// Proxies and the CA bundle.
    pub network: NetworkSettings,
    /// `allowed_account_ids` / `forbidden_account_ids`.
    pub account_guard: Option<AccountGuard>,
    pub max_retries: Option<u32>,
    /// `retry_mode` (`None`: the environment's or the profile's).
    pub retry_mode: Option<RetryMode>,
    /// `sts_region`: the region of STS calls (`None`: the clusters' region).
    pub sts_region: Option<String>,
    /// `skip_metadata_api_check`: no credentials or region from the EC2 instance metadata
    /// service.
    pub skip_metadata_api_check: bool,
    /// How the instance metadata service is reached when it is asked.
    pub instance_metadata: InstanceMetadata,
}

/// `ec2_metadata_service_endpoint` and `ec2_metadata_service_endpoint_mode`: where the EC2
/// instance metadata service is (`None` each: the environment's
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE)` or the profile's, else IPv4's address).
#[derive(Clone, Debug, Default)]
pub struct InstanceMetadata {
    pub endpoint: Option<String>,
    pub mode: Option<EndpointMode>,
}

impl std::fmt::Debug for ClientSettings {
    // Hand-written so that keys and tokens can never be printed by accident.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("access_key", &self.access_key.as_ref().map(|_| "<set>"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("assume_role", &self.assume_role)
            .field("web_identity", &self.web_identity)
            .field("endpoint", &self.endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("network", &self.network)
            .field("account_guard", &self.account_guard)
            .field("max_retries", &self.max_retries)
            .field("retry_mode", &self.retry_mode)
            .field("sts_region", &self.sts_region)
            .field("skip_metadata_api_check", &self.skip_metadata_api_check)
            .field("instance_metadata", &self.instance_metadata)
            .finish()
    }
}

/// `assume_role_with_web_identity` as configured; what it leaves out comes from
/// `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_SESSION_NAME`.
#[derive(Clone, Default)]
pub struct WebIdentity {
    pub role_arn: Option<String>,
    /// The token itself (`web_identity_token`).
    pub token: Option<Zeroizing<String>>,
    pub token_file: Option<String>,
    pub session_name: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl std::fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebIdentity")
            .field("role_arn", &self.role_arn)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("token_file", &self.token_file)
            .field("session_name", &self.session_name)
            .field("duration", &self.duration)
            .field("policy", &self.policy.as_ref().map(|_| "<set>"))
            .field("policy_arns", &self.policy_arns)
            .finish()
    }
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
    #[error("{0}")]
    Network(#[from] NetworkError),
    #[error("assume_role_with_web_identity cannot be used: {problem}")]
    WebIdentity { problem: String },
    #[error(
        "the provider checks the account of its credentials (allowed_account_ids / \
         forbidden_account_ids) before any CloudHSM call, and could not learn it: {0}"
    )]
    CallerIdentity(ApiError),
    #[error(
        "the AWS credentials in use belong to account {account}, which is not in \
         allowed_account_ids ({}). Nothing was called in that account. Use the credentials \
         (profile, role, CI identity) of an allowed account, or add {account} to the list if \
         it is meant to be managed here",
        allowed.join(", ")
    )]
    AccountNotAllowed {
        account: String,
        allowed: Vec<String>,
    },
    #[error(
        "the AWS credentials in use belong to account {account}, which forbidden_account_ids \
         lists ({}). Nothing was called in that account. Use the credentials (profile, role, \
         CI identity) of another account",
        forbidden.join(", ")
    )]
    AccountForbidden {
        account: String,
        forbidden: Vec<String>,
    },
    #[error("stopped while checking the account: Terraform asked the provider to stop")]
    Cancelled,
    #[error(
        "{argument} names {path:?}, which is not a file here{}. Give the path of an AWS shared \
         {kind} file, or leave {argument} out to use the default one",
        if expanded == path { String::new() } else { format!(" ({expanded})") },
        kind = if *argument == "shared_config_files" { "config" } else { "credentials" }
    )]
    SharedFileMissing {
        argument: &'static str,
        path: String,
        expanded: String,
    },
    #[error(
        "ec2_metadata_service_endpoint {url:?} cannot be used ({problem}). Give the address of \
         the instance metadata service, e.g. \"http://169.254.169.254\" or \
         \"http://[fd00:ec2::254]\", or leave it out"
    )]
    MetadataEndpoint { url: String, problem: String },
}

/// A client, and what the user should hear about how it was set up.
pub struct Connected {
    pub client: CloudHsm,
    pub warnings: Vec<SettingsWarning>,
}

/// Something that works, but maybe not as meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsWarning {
    pub summary: &'static str,
    pub detail: String,
    /// The provider argument it is about.
    pub argument: &'static str,
}

impl CloudHsm {
    /// Builds the client the way the AWS provider builds its own (see the module doc). With
    /// an account guard, the caller's account is learned from STS GetCallerIdentity and
    /// checked before this returns: no CloudHSM call is ever made in a refused account.
    pub async fn connect(
        settings: &ClientSettings,
        stop: StopSignal,
    ) -> Result<Connected, SettingsError> {
        let env = Env::real();
        let files = profile_files(settings, &env)?;
        let network = Network::resolve(
            &settings.network,
            &env,
            profile_ca_bundle(settings, &env, files.as_ref()).await,
        )?;
        let mut warnings = Vec::new();
        if network.proxies.https_from_http_argument {
            if let Some(proxy) = &network.proxies.https {
                warnings.push(SettingsWarning {
                    summary: "Missing HTTPS proxy",
                    detail: format!(
                        "http_proxy is set but no HTTPS proxy is (https_proxy, HTTPS_PROXY), so \
                         the HTTP proxy {proxy} also carries HTTPS requests, which is every \
                         request to AWS; the AWS provider does the same. Set https_proxy to \
                         that URL to say so, or to \"\" to send HTTPS requests directly."
                    ),
                    argument: "http_proxy",
                });
            }
        }
        let http = network.http_client();
        // Built only when an argument says where the service is: otherwise the SDK's own
        // chains ask it where the environment and the profile say.
        let imds = metadata_client(settings, &http)?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http.clone())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        } else if settings.skip_metadata_api_check || imds.is_some() {
            loader = loader.region(region_chain(
                settings.profile.as_deref(),
                files.as_ref(),
                imds.as_ref(),
            ));
        }
        if let Some(files) = &files {
            loader = loader.profile_files(files.clone());
        }
        if let Some(profile) = &settings.profile {
            // The profile's region and settings; its credentials are set below, ahead of
            // the environment's.
            loader = loader.profile_name(profile);
        }
        if let Some(fips) = settings.use_fips {
            loader = loader.use_fips(fips);
        }
        if let Some(dual_stack) = settings.use_dual_stack {
            loader = loader.use_dual_stack(dual_stack);
        }
        let static_credentials = match (&settings.access_key, &settings.secret_key) {
            (Some(ak), Some(sk)) => Some(Credentials::new(
                ak,
                sk,
                settings.token.clone(),
                None,
                SESSION_NAME,
            )),
            (Some(_), None) => return Err(SettingsError::HalfCredentials { only: "access_key" }),
            (None, Some(_)) => return Err(SettingsError::HalfCredentials { only: "secret_key" }),
            (None, None) => None,
        };
        let mut sdk_config = loader.load().await;
        if settings.max_retries.is_some() || settings.retry_mode.is_some() {
            // On top of what the environment and the profile say (AWS_RETRY_MODE,
            // AWS_MAX_ATTEMPTS, retry_mode, max_attempts): each argument wins over its own.
            let mut retry = sdk_config
                .retry_config()
                .cloned()
                .unwrap_or_else(RetryConfig::standard);
            if let Some(mode) = settings.retry_mode {
                retry = retry.with_retry_mode(mode);
            }
            if let Some(retries) = settings.max_retries {
                retry = retry.with_max_attempts(retries + 1);
            }
            sdk_config = sdk_config.into_builder().retry_config(retry).build();
        }
        let Some(region) = sdk_config.region().map(|r| r.as_ref().to_string()) else {
            return Err(SettingsError::NoRegion);
        };
        let fips = sdk_config.use_fips().unwrap_or(false);
        let dual_stack = sdk_config.use_dual_stack().unwrap_or(false);

        // STS in `sts_region` when it is set: its endpoint, and the region calls are signed for.
        let sts_region = settings
            .sts_region
            .clone()
            .unwrap_or_else(|| region.clone());
        let sts = endpoints::endpoint(
            Service::Sts,
            settings.sts_endpoint.as_deref(),
            &env,
            &sts_region,
            fips,
            dual_stack,
        )
        .await;
        let sts_route = network.route(&sts.url, sts.setting);
        let for_sts = |config: &SdkConfig| {
            for_endpoint(config, sts.configured.as_ref())
                .into_builder()
                .region(Region::new(sts_region.clone()))
                .build()
        };

        let provider_config = ProviderConfig::without_region()
            .with_region(sdk_config.region().cloned())
            .with_http_client(http.clone());
        let base_credentials = match (static_credentials, &settings.profile) {
            (Some(creds), _) => Some(SharedCredentialsProvider::new(creds)),
            (None, Some(profile)) => {
                let skip = settings.skip_metadata_api_check;
                let builder =
                    profile_credentials(&provider_config, files.as_ref(), imds.as_ref(), skip)
                        .profile_name(profile);
                Some(SharedCredentialsProvider::new(builder.build()))
            }
            (None, None) if settings.skip_metadata_api_check || imds.is_some() => {
                Some(SharedCredentialsProvider::new(credentials_chain(
                    &provider_config,
                    files.as_ref(),
                    imds.as_ref(),
                    settings.skip_metadata_api_check,
                )))
            }
            (None, None) => None,
        };
        if let Some(provider) = base_credentials {
            sdk_config = with_credentials(sdk_config, provider);
        }
        if let Some(web) = &settings.web_identity {
            let role = web_identity_role(web, &env)?;
            tracing::debug!(role_arn = %role.role_arn, "credentials from a web identity token");
            let provider = WebIdentityCredentials {
                role,
                sts: aws_sdk_sts::Client::new(&for_sts(&sdk_config)),
                route: sts_route.clone(),
            };
            sdk_config = with_credentials(sdk_config, SharedCredentialsProvider::new(provider));
        }
        for role in &settings.assume_role {
            let provider = AssumeRoleCredentials {
                role: role.clone(),
                sts: aws_sdk_sts::Client::new(&for_sts(&sdk_config)),
                route: sts_route.clone(),
            };
            sdk_config = with_credentials(sdk_config, SharedCredentialsProvider::new(provider));
        }
        if let Some(guard) = &settings.account_guard {
            let sts = aws_sdk_sts::Client::new(&for_sts(&sdk_config));
            check_account(guard, &sts, &sts_route, &stop).await?;
        }

        let hsm = endpoints::endpoint(
            Service::CloudHsm,
            settings.endpoint.as_deref(),
            &env,
            &region,
            fips,
            dual_stack,
        )
        .await;
        let mut config = aws_sdk_cloudhsmv2::config::Builder::from(&sdk_config);
        if let Some(c) = &hsm.configured {
            // A configured endpoint wins over FIPS and dual-stack, whose rules refuse one.
            config = config
                .endpoint_url(&c.url)
                .use_fips(false)
                .use_dual_stack(false);
        }
        let route = network.route(&hsm.url, hsm.setting);
        tracing::debug!(
            endpoint = %hsm.url,
            proxy = %route.proxy_label(),
            sts_endpoint = %sts.url,
            "CloudHSM client configured"
        );
        let own = Regional::new(aws_sdk_cloudhsmv2::Client::from_conf(config.build()), route);
        let regions = Arc::new(Regions::new(
            sdk_config,
            settings.endpoint.clone(),
            network,
            fips,
            dual_stack,
        ));
        regions.remember(&region, own.clone()).await;
        Ok(Connected {
            client: CloudHsm {
                client: own.client,
                stop,
                pinned: None,
                deadline: None,
                backoff: Backoff::default(),
                reads: own.reads,
                backup_reads: own.backup_reads,
                ids_per_call: own.ids_per_call,
                read_timeout: READ_TIMEOUT,
                patience: Patience::default(),
                route: own.route,
                region: Arc::from(region.as_str()),
                regions,
            },
            warnings,
        })
    }
}

/// The instance metadata client `ec2_metadata_service_endpoint(_mode)` describe; `None`
/// when neither is set, or with `skip_metadata_api_check`.
fn metadata_client(
    settings: &ClientSettings,
    http: &aws_smithy_runtime_api::client::http::SharedHttpClient,
) -> Result<Option<imds::Client>, SettingsError> {
    let wanted = &settings.instance_metadata;
    if settings.skip_metadata_api_check || (wanted.endpoint.is_none() && wanted.mode.is_none()) {
        return Ok(None);
    }
    let config = ProviderConfig::without_region().with_http_client(http.clone());
    let mut builder = imds::Client::builder().configure(&config);
    if let Some(mode) = &wanted.mode {
        builder = builder.endpoint_mode(mode.clone());
    }
    if let Some(url) = &wanted.endpoint {
        builder = builder
            .endpoint(url)
            .map_err(|e| SettingsError::MetadataEndpoint {
                url: url.clone(),
                problem: e.to_string(),
            })?;
    }
    Ok(Some(builder.build()))
}

/// Credentials from the shared files' profiles, a `credential_source = Ec2InstanceMetadata`
/// asking `imds` when it is given, and refused with `skip_metadata_api_check` (`skip`).
fn profile_credentials(
    config: &ProviderConfig,
    files: Option<&ProfileFiles>,
    imds: Option<&imds::Client>,
    skip: bool,
) -> aws_config::profile::credentials::Builder {
    let mut builder = ProfileFileCredentialsProvider::builder().configure(config);
    if let Some(files) = files {
        builder = builder.profile_files(files.clone());
    }
    const SOURCE: &str = "Ec2InstanceMetadata";
    if skip {
        builder = builder.with_custom_provider(SOURCE, MetadataSkipped);
    } else if let Some(client) = imds {
        builder = builder.with_custom_provider(SOURCE, instance_role(config, client));
    }
    builder
}

/// The instance's role credentials, asked of the metadata service at `client`.
fn instance_role(
    config: &ProviderConfig,
    client: &imds::Client,
) -> imds::credentials::ImdsCredentialsProvider {
    imds::credentials::ImdsCredentialsProvider::builder()
        .configure(config)
        .imds_client(client.clone())
        .build()
}

/// The SDK's default credential chain, its last link the instance metadata service at
/// `imds`, or without that link (`skip_metadata_api_check`): the environment, the shared
/// files' default profile (or `AWS_PROFILE`), a web identity token from the environment,
/// the container's credentials, the instance's role.
fn credentials_chain(
    config: &ProviderConfig,
    files: Option<&ProfileFiles>,
    imds: Option<&imds::Client>,
    skip: bool,
) -> aws_config::meta::credentials::CredentialsProviderChain {
    let chain = aws_config::meta::credentials::CredentialsProviderChain::first_try(
        "Environment",
        aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else(
        "Profile",
        profile_credentials(config, files, imds, skip).build(),
    )
    .or_else(
        "WebIdentityToken",
        aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
            .configure(config)
            .build(),
    )
    .or_else(
        "EcsContainer",
        aws_config::ecs::EcsCredentialsProvider::builder()
            .configure(config)
            .build(),
    );
    match imds {
        None => chain,
        Some(client) => chain.or_else("Ec2InstanceMetadata", instance_role(config, client)),
    }
}

/// The SDK's default region chain, its last link the instance metadata service at `imds`
/// or none: the environment, then the selected profile.
fn region_chain(
    profile_name: Option<&str>,
    files: Option<&ProfileFiles>,
    imds: Option<&imds::Client>,
) -> aws_config::meta::region::RegionProviderChain {
    let mut profile = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(files) = files {
        profile = profile.profile_files(files.clone());
    }
    if let Some(name) = profile_name {
        profile = profile.profile_name(name);
    }
    let chain = aws_config::meta::region::RegionProviderChain::first_try(
        aws_config::environment::EnvironmentVariableRegionProvider::new(),
    )
    .or_else(profile.build());
    match imds {
        None => chain,
        Some(client) => chain.or_else(
            imds::region::ImdsRegionProvider::builder()
                .imds_client(client.clone())
                .build(),
        ),
    }
}

/// `config` with `provider` as its credentials.
fn with_credentials(config: SdkConfig, provider: SharedCredentialsProvider) -> SdkConfig {
    config.into_builder().credentials_provider(provider).build()
}

/// `config` as a client of the service with the `configured` endpoint sees it: the
/// endpoint, which wins over FIPS and dual-stack.
fn for_endpoint(config: &SdkConfig, configured: Option<&Configured>) -> SdkConfig {
    match configured {
        None => config.clone(),
        Some(c) => config
            .clone()
            .into_builder()
            .endpoint_url(&c.url)
            .use_fips(false)
            .use_dual_stack(false)
            .build(),
    }
}

/// The selected profile's `ca_bundle`, when neither the argument nor `AWS_CA_BUNDLE` gives a
/// bundle (the shared config file is read only then).
async fn profile_ca_bundle(
    settings: &ClientSettings,
    env: &Env,
    files: Option<&ProfileFiles>,
) -> Option<(String, String)> {
    let given = |v: Option<String>| v.is_some_and(|v| !v.trim().is_empty());
    if given(settings.network.custom_ca_bundle.clone()) || given(env.get("AWS_CA_BUNDLE").ok()) {
        return None;
    }
    let set = aws_config::profile::load(
        &Fs::real(),
        env,
        &files.cloned().unwrap_or_default(),
        settings.profile.clone().map(Cow::Owned),
    )
    .await
    .ok()?;
    let value = set.get("ca_bundle")?.to_string();
    Some((set.selected_profile().to_string(), value))
}

/// The shared config and credentials files to read: `None` for the SDK's defaults
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/...`); else the provider's
/// lists, each in place of the default file of its kind, every file checked to exist (the
/// SDK would pass over a missing one without a word).
fn profile_files(
    settings: &ClientSettings,
    env: &Env,
) -> Result<Option<ProfileFiles>, SettingsError> {
    let (config, credentials) = (
        &settings.shared_config_files,
        &settings.shared_credentials_files,
    );
    if config.is_empty() && credentials.is_empty() {
        return Ok(None);
    }
    let home = env
        .get("HOME")
        .or_else(|_| env.get("USERPROFILE"))
        .ok()
        .filter(|h| !h.is_empty());
    let mut builder = ProfileFiles::builder()
        .include_default_config_file(config.is_empty())
        .include_default_credentials_file(credentials.is_empty());
    for (argument, kind, paths) in [
        ("shared_config_files", ProfileFileKind::Config, config),
        (
            "shared_credentials_files",
            ProfileFileKind::Credentials,
            credentials,
        ),
    ] {
        for path in paths {
            let expanded = match (path.strip_prefix('~'), &home) {
                (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
                    format!("{home}{rest}")
                }
                _ => path.clone(),
            };
            if !std::path::Path::new(&expanded).is_file() {
                return Err(SettingsError::SharedFileMissing {
                    argument,
                    path: path.clone(),
                    expanded,
                });
            }
            builder = builder.with_file(kind, expanded);
        }
    }
    Ok(Some(builder.build()))
}

/// `assume_role_with_web_identity` completed from the environment, as the AWS provider
/// does: `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_SESSION_NAME`.
fn web_identity_role(web: &WebIdentity, env: &Env) -> Result<WebIdentityRole, SettingsError> {
    let from_env = |name: &str| env.get(name).ok().filter(|v| !v.trim().is_empty());
    let problem = |problem: &str| SettingsError::WebIdentity {
        problem: problem.to_string(),
    };
    let role_arn = web
        .role_arn
        .clone()
        .or_else(|| from_env("AWS_ROLE_ARN"))
        .ok_or_else(|| problem("no role to assume: set role_arn in the block, or AWS_ROLE_ARN"))?;
    let token =
        match (&web.token, &web.token_file) {
            (Some(t), _) => TokenSource::Value(t.clone()),
            (None, Some(file)) => TokenSource::File(file.into()),
            (None, None) => match from_env("AWS_WEB_IDENTITY_TOKEN_FILE") {
                Some(file) => TokenSource::File(file.into()),
                None => return Err(problem(
                    "no token: set web_identity_token or web_identity_token_file in the block, \
                     or AWS_WEB_IDENTITY_TOKEN_FILE",
                )),
            },
        };
    Ok(WebIdentityRole {
        role_arn,
        session_name: web
            .session_name
            .clone()
            .or_else(|| from_env("AWS_ROLE_SESSION_NAME"))
            .unwrap_or_else(|| SESSION_NAME.to_string()),
        token,
        duration: web.duration,
        policy: web.policy.clone(),
        policy_arns: web.policy_arns.clone(),
    })
}

/// Learns the caller's account and refuses it when `guard` does, within the read timeout
/// and the provider's stop signal.
async fn check_account(
    guard: &AccountGuard,
    sts: &aws_sdk_sts::Client,
    route: &Route,
    stop: &StopSignal,
) -> Result<(), SettingsError> {
    let token = stop.token();
    let account = tokio::select! {
        _ = token.cancelled() => return Err(SettingsError::Cancelled),
        answer = tokio::time::timeout(READ_TIMEOUT, identity::caller_account(sts, route)) => match answer {
            Ok(found) => found.map_err(SettingsError::CallerIdentity)?,
            Err(_) => {
                return Err(SettingsError::CallerIdentity(ApiError::DeadlineReached {
                    operation: "GetCallerIdentity",
                    after_secs: READ_TIMEOUT.as_secs(),
                }))
            }
        },
    };
    tracing::info!(account = %account, "the credentials belong to this AWS account");
    if guard.permits(&account) {
        return Ok(());
    }
    Err(match guard {
        AccountGuard::Allowed(ids) => SettingsError::AccountNotAllowed {
            account,
            allowed: ids.clone(),
        },
        AccountGuard::Forbidden(ids) => SettingsError::AccountForbidden {
            account,
            forbidden: ids.clone(),
        },
    })
}
