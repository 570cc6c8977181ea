//! The only door to AWS: builds the CloudHSM v2 client from the provider's settings, and
//! offers the few calls the resources need (describe, initialize, modify) plus a waiter
//! with backoff, a deadline and cancellation. AWS errors become [`ApiError`].
//!
//! Resources see our own plain [`Cluster`] struct, never SDK types. Nothing here knows
//! Terraform. Secrets from the settings never appear in an error or a log line.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cloudhsmv2::config::{Credentials, Region};
use aws_sdk_cloudhsmv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType};
use tokio_util::sync::CancellationToken;

/// What the provider block (and the environment) says about reaching AWS.
#[derive(Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoint: Option<String>,
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

/// How an API call failed, in the words of the service.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("CloudHSM refused {operation}: {code}: {message}")]
    Service {
        operation: &'static str,
        kind: ErrorKind,
        code: String,
        message: String,
    },
    #[error("could not complete {operation} with the CloudHSM API: {detail}")]
    Transport {
        operation: &'static str,
        detail: String,
    },
    #[error("{operation} was cancelled because Terraform asked the provider to stop")]
    Cancelled { operation: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    InvalidRequest,
    AccessDenied,
    Throttling,
    Internal,
    Other,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Service { kind, .. } => *kind,
            _ => ErrorKind::Other,
        }
    }

    fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        if let SdkError::ServiceError(service) = &err {
            let e = service.err();
            let code = e.code().unwrap_or("UnknownError").to_string();
            let message = e.message().unwrap_or("no message").to_string();
            let kind = match code.as_str() {
                "CloudHsmResourceNotFoundException" => ErrorKind::NotFound,
                "CloudHsmInvalidRequestException" => ErrorKind::InvalidRequest,
                "CloudHsmAccessDeniedException" | "AccessDeniedException" => {
                    ErrorKind::AccessDenied
                }
                "ThrottlingException" | "ThrottledException" | "TooManyRequestsException" => {
                    ErrorKind::Throttling
                }
                "CloudHsmInternalFailureException" | "CloudHsmServiceException" => {
                    ErrorKind::Internal
                }
                _ => ErrorKind::Other,
            };
            return ApiError::Service {
                operation,
                kind,
                code,
                message,
            };
        }
        ApiError::Transport {
            operation,
            detail: DisplayErrorContext(&err).to_string(),
        }
    }
}

/// One CloudHSM cluster as DescribeClusters tells it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    pub id: String,
    pub state: String,
    pub state_message: Option<String>,
    pub hsm_type: Option<String>,
    /// Unix seconds; set after an HSM type change, while a rollback is possible.
    pub hsm_type_rollback_expiration: Option<i64>,
    pub backup_policy: Option<String>,
    pub backup_retention: Option<RetentionPolicy>,
    pub certificates: ClusterCertificates,
    pub hsms: Vec<Hsm>,
    pub vpc_id: Option<String>,
    pub security_group: Option<String>,
    pub subnet_mapping: BTreeMap<String, String>,
    pub mode: Option<String>,
    pub network_type: Option<String>,
    pub source_backup_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub create_timestamp: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// `DAYS` today.
    pub kind: String,
    /// A whole number of days, as a string, as the API has it.
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterCertificates {
    pub cluster_csr: Option<String>,
    pub cluster_certificate: Option<String>,
    pub hsm_certificate: Option<String>,
    pub aws_hardware_certificate: Option<String>,
    pub manufacturer_hardware_certificate: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hsm {
    pub id: String,
    pub availability_zone: Option<String>,
    pub subnet_id: Option<String>,
    pub eni_id: Option<String>,
    pub eni_ip: Option<String>,
    pub eni_ipv6: Option<String>,
    pub hsm_type: Option<String>,
    pub state: Option<String>,
    pub state_message: Option<String>,
}

impl Cluster {
    /// A change is running (`CREATE_IN_PROGRESS`, `MODIFY_IN_PROGRESS`, …).
    pub fn is_busy(&self) -> bool {
        self.state.ends_with("_IN_PROGRESS")
    }
    /// Initialized, whether or not a crypto officer has activated it yet.
    pub fn is_initialized(&self) -> bool {
        matches!(self.state.as_str(), "INITIALIZED" | "ACTIVE")
    }
    pub fn is_gone(&self) -> bool {
        matches!(self.state.as_str(), "DELETED" | "DELETE_IN_PROGRESS")
    }
    pub fn retention_days(&self) -> Option<i64> {
        self.backup_retention
            .as_ref()
            .and_then(|p| p.value.trim().parse().ok())
    }

    fn from_sdk(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Cluster {
        let s = |v: Option<&str>| v.map(str::to_string);
        let certs = c.certificates();
        Cluster {
            id: c.cluster_id().unwrap_or_default().to_string(),
            state: c
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            state_message: s(c.state_message()),
            hsm_type: s(c.hsm_type()),
            hsm_type_rollback_expiration: c.hsm_type_rollback_expiration().map(|t| t.secs()),
            backup_policy: c.backup_policy().map(|p| p.as_str().to_string()),
            backup_retention: c.backup_retention_policy().map(|p| RetentionPolicy {
                kind: p
                    .r#type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                value: p.value().unwrap_or_default().to_string(),
            }),
            certificates: ClusterCertificates {
                cluster_csr: s(certs.and_then(|c| c.cluster_csr())),
                cluster_certificate: s(certs.and_then(|c| c.cluster_certificate())),
                hsm_certificate: s(certs.and_then(|c| c.hsm_certificate())),
                aws_hardware_certificate: s(certs.and_then(|c| c.aws_hardware_certificate())),
                manufacturer_hardware_certificate: s(
                    certs.and_then(|c| c.manufacturer_hardware_certificate())
                ),
            },
            hsms: c
                .hsms()
                .iter()
                .map(|h| Hsm {
                    id: h.hsm_id().to_string(),
                    availability_zone: s(h.availability_zone()),
                    subnet_id: s(h.subnet_id()),
                    eni_id: s(h.eni_id()),
                    eni_ip: s(h.eni_ip()),
                    eni_ipv6: s(h.eni_ipv6()),
                    hsm_type: s(h.hsm_type()),
                    state: h.state().map(|s| s.as_str().to_string()),
                    state_message: s(h.state_message()),
                })
                .collect(),
            vpc_id: s(c.vpc_id()),
            security_group: s(c.security_group()),
            subnet_mapping: c
                .subnet_mapping()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            mode: c.mode().map(|m| m.as_str().to_string()),
            network_type: c.network_type().map(|n| n.as_str().to_string()),
            source_backup_id: s(c.source_backup_id()),
            tags: c
                .tag_list()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
            create_timestamp: c.create_timestamp().map(|t| t.secs()),
        }
    }
}

/// The fields a ModifyCluster call changes; `None` leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterChange {
    pub hsm_type: Option<String>,
    pub backup_retention_days: Option<i64>,
}

impl ClusterChange {
    pub fn is_empty(&self) -> bool {
        self.hsm_type.is_none() && self.backup_retention_days.is_none()
    }
}

/// What a waiter's check says about a cluster it just read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Done,
    Continue,
    /// The cluster reached a state it will not come back from by itself.
    Failed(String),
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum WaitError {
    #[error("gave up after {waited_secs} s: {what}; the cluster is {}", describe_state(.last))]
    TimedOut {
        what: String,
        waited_secs: u64,
        last: Option<Box<Cluster>>,
    },
    #[error("stopped waiting because Terraform asked the provider to stop; the cluster is {}", describe_state(.last))]
    Cancelled { last: Option<Box<Cluster>> },
    #[error("the cluster no longer exists")]
    Gone,
    #[error("{reason}")]
    Failed {
        reason: String,
        last: Option<Box<Cluster>>,
    },
    #[error(transparent)]
    Api(#[from] ApiError),
}

fn describe_state(last: &Option<Box<Cluster>>) -> String {
    match last {
        Some(c) => match &c.state_message {
            Some(m) if !m.is_empty() => format!("{} ({m})", c.state),
            _ => c.state.clone(),
        },
        None => "in an unknown state".to_string(),
    }
}

impl WaitError {
    /// The last cluster seen before giving up, if any.
    pub fn last_seen(&self) -> Option<&Cluster> {
        match self {
            WaitError::TimedOut { last, .. }
            | WaitError::Cancelled { last }
            | WaitError::Failed { last, .. } => last.as_deref(),
            _ => None,
        }
    }
}

/// Poll timing: first poll soon, then exponential backoff with jitter up to a cap.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub factor: f64,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            factor: 1.7,
            cap: Duration::from_secs(15),
        }
    }
}

impl Backoff {
    /// The delay before poll number `attempt` (0-based), jittered by up to ±20 %.
    pub fn delay(&self, attempt: u32, jitter_seed: u64) -> Duration {
        let base = self.first.as_secs_f64() * self.factor.powi(attempt.min(40) as i32);
        let base = base.min(self.cap.as_secs_f64());
        // jitter in [-0.2, +0.2] from a cheap seed; no need for cryptographic randomness
        let frac = ((jitter_seed % 1000) as f64 / 1000.0 - 0.5) * 0.4;
        Duration::from_secs_f64((base * (1.0 + frac)).max(0.05))
    }
}

/// The CloudHSM client the resources share, with the provider's stop signal.
#[derive(Clone)]
pub struct CloudHsm {
    client: aws_sdk_cloudhsmv2::Client,
    stop: CancellationToken,
    backoff: Backoff,
}

impl CloudHsm {
    /// Builds the client on aws-config's standard chain (environment, shared config and
    /// credentials files, SSO, web identity, instance metadata), overridden by `settings`.
    pub async fn connect(
        settings: &ClientSettings,
        stop: CancellationToken,
    ) -> Result<CloudHsm, SettingsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        match (&settings.access_key, &settings.secret_key) {
            (Some(ak), Some(sk)) => {
                loader = loader.credentials_provider(Credentials::new(
                    ak,
                    sk,
                    settings.token.clone(),
                    None,
                    "terraform-provider-cloudhsm",
                ));
            }
            (Some(_), None) => return Err(SettingsError::HalfCredentials { only: "access_key" }),
            (None, Some(_)) => return Err(SettingsError::HalfCredentials { only: "secret_key" }),
            (None, None) => {}
        }
        if let Some(endpoint) = &settings.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(retries) = settings.max_retries {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(retries + 1));
        }
        let mut sdk_config = loader.load().await;
        if sdk_config.region().is_none() {
            return Err(SettingsError::NoRegion);
        }
        if let Some(role) = &settings.assume_role {
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-cloudhsm".to_string()),
                )
                .configure(&sdk_config);
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id);
            }
            if let Some(duration) = role.duration {
                builder = builder.session_length(duration);
            }
            let provider = builder.build().await;
            sdk_config = sdk_config
                .into_builder()
                .credentials_provider(aws_sdk_cloudhsmv2::config::SharedCredentialsProvider::new(
                    provider,
                ))
                .build();
        }
        Ok(CloudHsm {
            client: aws_sdk_cloudhsmv2::Client::new(&sdk_config),
            stop,
            backoff: Backoff::default(),
        })
    }

    /// Overrides the poll timing (tests, benchmarks).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The cluster with this id, or `None` when CloudHSM does not know it.
    pub async fn describe(&self, cluster_id: &str) -> Result<Option<Cluster>, ApiError> {
        let mut found = self.describe_many(&[cluster_id.to_string()]).await?;
        Ok(found.remove(cluster_id))
    }

    /// Many clusters in as few DescribeClusters calls as the API allows.
    pub async fn describe_many(
        &self,
        cluster_ids: &[String],
    ) -> Result<BTreeMap<String, Cluster>, ApiError> {
        const OP: &str = "DescribeClusters";
        let mut out = BTreeMap::new();
        let mut next: Option<String> = None;
        loop {
            let call = self
                .client
                .describe_clusters()
                .filters("clusterIds", cluster_ids.to_vec())
                .max_results(25)
                .set_next_token(next.clone())
                .send();
            let resp = self.cancellable(OP, call).await?;
            let resp = match resp {
                Ok(r) => r,
                Err(e) => {
                    let err = ApiError::from_sdk(OP, e);
                    // Some regions answer an unknown id with not-found instead of an empty list.
                    if err.kind() == ErrorKind::NotFound {
                        return Ok(out);
                    }
                    return Err(err);
                }
            };
            for c in resp.clusters() {
                let cluster = Cluster::from_sdk(c);
                out.insert(cluster.id.clone(), cluster);
            }
            match resp.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// InitializeCluster. Returns the state CloudHSM reports right after the call.
    pub async fn initialize(
        &self,
        cluster_id: &str,
        signed_cert: &str,
        trust_anchor: &str,
    ) -> Result<String, ApiError> {
        const OP: &str = "InitializeCluster";
        let call = self
            .client
            .initialize_cluster()
            .cluster_id(cluster_id)
            .signed_cert(signed_cert)
            .trust_anchor(trust_anchor)
            .send();
        let resp = self
            .cancellable(OP, call)
            .await?
            .map_err(|e| ApiError::from_sdk(OP, e))?;
        Ok(resp
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default())
    }

    /// ModifyCluster with only the fields in `change`.
    pub async fn modify(
        &self,
        cluster_id: &str,
        change: &ClusterChange,
    ) -> Result<Cluster, ApiError> {
        const OP: &str = "ModifyCluster";
        let mut call = self.client.modify_cluster().cluster_id(cluster_id);
        if let Some(hsm_type) = &change.hsm_type {
            call = call.hsm_type(hsm_type);
        }
        if let Some(days) = change.backup_retention_days {
            call = call.backup_retention_policy(
                BackupRetentionPolicy::builder()
                    .r#type(BackupRetentionType::Days)
                    .value(days.to_string())
                    .build(),
            );
        }
        let resp = self
            .cancellable(OP, call.send())
            .await?
            .map_err(|e| ApiError::from_sdk(OP, e))?;
        Ok(resp.cluster().map(Cluster::from_sdk).unwrap_or_default())
    }

    /// Polls the cluster until `check` says done, the timeout passes, or Terraform asks the
    /// provider to stop. The first poll comes after `Backoff::first`.
    pub async fn wait_for(
        &self,
        cluster_id: &str,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Cluster) -> Progress,
    ) -> Result<Cluster, WaitError> {
        let started = tokio::time::Instant::now();
        let deadline = started + timeout;
        let mut last: Option<Box<Cluster>> = None;
        let mut attempt = 0u32;
        loop {
            let delay = self.backoff.delay(attempt, jitter_seed());
            attempt += 1;
            let wake = (tokio::time::Instant::now() + delay).min(deadline);
            tokio::select! {
                _ = self.stop.cancelled() => return Err(WaitError::Cancelled { last }),
                _ = tokio::time::sleep_until(wake) => {}
            }
            let cluster = match self.describe(cluster_id).await {
                Ok(Some(c)) => c,
                Ok(None) => return Err(WaitError::Gone),
                Err(ApiError::Cancelled { .. }) => return Err(WaitError::Cancelled { last }),
                Err(e) => return Err(e.into()),
            };
            tracing::debug!(cluster_id, state = %cluster.state, what, "polled cluster");
            match check(&cluster) {
                Progress::Done => return Ok(cluster),
                Progress::Failed(reason) => {
                    return Err(WaitError::Failed {
                        reason,
                        last: Some(Box::new(cluster)),
                    })
                }
                Progress::Continue => {}
            }
            last = Some(Box::new(cluster));
            if tokio::time::Instant::now() >= deadline {
                return Err(WaitError::TimedOut {
                    what: what.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                    last,
                });
            }
        }
    }

    /// True once Terraform has asked the provider to stop.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    async fn cancellable<T>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = T>,
    ) -> Result<T, ApiError> {
        tokio::select! {
            _ = self.stop.cancelled() => Err(ApiError::Cancelled { operation }),
            out = call => Ok(out),
        }
    }
}

fn jitter_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) / 1000)
        .unwrap_or(500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_soon_grows_and_caps() {
        let b = Backoff::default();
        let mid = 500; // no jitter
        assert_eq!(b.delay(0, mid), Duration::from_millis(500));
        assert!(b.delay(1, mid) > b.delay(0, mid));
        assert_eq!(b.delay(30, mid), Duration::from_secs(15));
        // jitter stays within ±20 %
        for seed in [0, 250, 999] {
            let d = b.delay(0, seed).as_secs_f64();
            assert!((0.39..=0.61).contains(&d), "{d}");
        }
    }

    #[test]
    fn settings_debug_hides_secrets() {
        let s = ClientSettings {
            access_key: Some("AKIAEXAMPLE".into()),
            secret_key: Some("very-secret".into()),
            token: Some("session-token".into()),
            ..Default::default()
        };
        let printed = format!("{s:?}");
        assert!(!printed.contains("very-secret"));
        assert!(!printed.contains("session-token"));
        assert!(!printed.contains("AKIAEXAMPLE"));
    }

    #[test]
    fn cluster_state_helpers() {
        let mut c = Cluster {
            state: "MODIFY_IN_PROGRESS".into(),
            ..Default::default()
        };
        assert!(c.is_busy());
        c.state = "ACTIVE".into();
        assert!(c.is_initialized() && !c.is_busy());
        c.backup_retention = Some(RetentionPolicy {
            kind: "DAYS".into(),
            value: "90".into(),
        });
        assert_eq!(c.retention_days(), Some(90));
    }
}
