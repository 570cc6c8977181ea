//! The CloudHSM v2 client: built from the provider's settings with the AWS provider's
//! credential order, the custom endpoint applied to CloudHSM only (never to STS), a timeout
//! on every attempt, and the provider's stop signal. Offers the three calls the provider
//! makes (describe, initialize, modify); AWS errors become [`ApiError`].
//!
//! No Terraform types here. Secrets from the settings never appear in an error or a log line.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cloudhsmv2::config::{Credentials, Region, SharedCredentialsProvider};
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::cluster::{
    Cluster, ClusterCertificates, ClusterChange, ClusterState, Hsm, RetentionPolicy,
};
use super::coalesce::{Coalescer, Fetch, Gathering};
pub use super::error::{ApiError, ErrorKind};
use super::patience::Patience;
use crate::stop::StopSignal;

/// How long one attempt of an API call may take before the SDK gives up on it (and
/// retries): a request that is never answered must not hang an apply or a refresh.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// The most clusters one DescribeClusters call answers (its `MaxResults` limit).
const PAGE_SIZE: usize = 25;
/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one read of a cluster may take in all (every attempt, retry and page of its
/// DescribeClusters call), so that an endpoint that never answers cannot hold a refresh,
/// a data source, an import or a plan-time check for longer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// The most DescribeClusters pages one call for a batch of ids follows. A batch names at
/// most 25 ids, so an API that keeps answering pages past this is not converging.
const MAX_PAGES: usize = 50;

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

/// Where paging through one DescribeClusters call stands: the tokens given so far.
#[derive(Default)]
struct Paging {
    seen: HashSet<String>,
}

impl Paging {
    /// The token of the next page after a page that answered `token` (`None`: that was the
    /// last page). A token given a second time, or a page past [`MAX_PAGES`], is an error:
    /// following it would never end.
    fn next(&mut self, token: Option<&str>) -> Result<Option<String>, ApiError> {
        let Some(t) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let stop = |detail: String| ApiError::Transport {
            operation: "DescribeClusters",
            detail,
        };
        if self.seen.len() + 1 >= MAX_PAGES {
            return Err(stop(format!(
                "the API kept answering further pages; stopped after {MAX_PAGES} pages"
            )));
        }
        if !self.seen.insert(t.to_string()) {
            return Err(stop(
                "the API answered a NextToken it had already given, so paging would never end"
                    .to_string(),
            ));
        }
        Ok(Some(t.to_string()))
    }
}

/// Each id's own answer: its cluster, or the error of the call that was about it. An id
/// missing from the map is a cluster CloudHSM does not know.
pub type Found = BTreeMap<String, Result<Cluster, ApiError>>;

/// Every id of `ids` answered with `error`.
fn all_failed(ids: &[String], error: &ApiError) -> Found {
    ids.iter()
        .map(|id| (id.clone(), Err(error.clone())))
        .collect()
}

/// The CloudHSM client the resources share.
///
/// A plain client watches the provider's stop signal per call. [`CloudHsm::for_operation`]
/// gives a copy bound to one Terraform operation: it keeps the stop token that was current
/// when the operation began (so a `StopProvider` during the operation ends all of it) and a
/// deadline that no call or wait can outlast, whatever the network does.
#[derive(Clone)]
pub struct CloudHsm {
    client: aws_sdk_cloudhsmv2::Client,
    stop: StopSignal,
    pinned: Option<CancellationToken>,
    deadline: Option<Instant>,
    pub(super) backoff: Backoff,
    reads: Arc<Coalescer>,
    /// How many ids one DescribeClusters names: the API's page size, lowered when a region
    /// refuses a filter that long.
    ids_per_call: Arc<AtomicUsize>,
    /// How long one read may take in all ([`READ_TIMEOUT`]).
    read_timeout: Duration,
    /// How long the workflows give reads to catch up with writes.
    pub(super) patience: Patience,
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

    /// Overrides how long the workflows give reads to catch up with writes (tests).
    pub fn with_patience(mut self, patience: Patience) -> Self {
        self.patience = patience;
        self
    }

    /// Overrides how long one read may take in all (tests).
    pub fn with_read_timeout(mut self, read_timeout: Duration) -> Self {
        self.read_timeout = read_timeout;
        self
    }

    /// Overrides the poll timing (tests, benchmarks).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// This client bound to one operation: the stop token current now, and `deadline`.
    pub fn for_operation(&self, deadline: Option<Instant>) -> CloudHsm {
        CloudHsm {
            pinned: Some(self.stop_token()),
            deadline,
            ..self.clone()
        }
    }

    /// The operation's deadline, if it has one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The stop token that ends this client's current work.
    pub fn stop_token(&self) -> CancellationToken {
        self.pinned.clone().unwrap_or_else(|| self.stop.token())
    }

    /// True once Terraform has asked the provider to stop this operation.
    pub fn is_stopped(&self) -> bool {
        self.stop_token().is_cancelled()
    }

    /// The cluster with this id, or `None` when CloudHSM does not know it. Concurrent
    /// reads share DescribeClusters calls (see [`super::coalesce`]). A read gives up after
    /// [`READ_TIMEOUT`] (or at the operation's deadline, when that is sooner).
    pub async fn describe(&self, cluster_id: &str) -> Result<Option<Cluster>, ApiError> {
        let batch_client = CloudHsm {
            pinned: None,
            deadline: None,
            ..self.clone()
        };
        let fetch: Fetch = Arc::new(move |ids: Vec<String>| {
            // The batch's call has a deadline of its own: it holds the one call in flight.
            let client = CloudHsm {
                deadline: Some(Instant::now() + batch_client.read_timeout),
                ..batch_client.clone()
            };
            Box::pin(async move { Ok(Arc::new(client.describe_many(&ids).await)) })
        });
        let read_deadline = Instant::now() + self.read_timeout;
        let reader = CloudHsm {
            deadline: Some(
                self.deadline
                    .map_or(read_deadline, |d| d.min(read_deadline)),
            ),
            ..self.clone()
        };
        reader
            .bounded("DescribeClusters", self.reads.read(cluster_id, &fetch))
            .await?
    }

    /// Many clusters in as few DescribeClusters calls as the API allows: one call per 25 ids
    /// (the API's page size; fewer once a region refused that many), the calls side by side.
    /// Each id gets its own answer; a cluster CloudHSM does not know is missing from it.
    pub async fn describe_many(&self, cluster_ids: &[String]) -> Found {
        let per_call = self.ids_per_call.load(Ordering::Relaxed).max(1);
        let chunks = cluster_ids
            .chunks(per_call)
            .map(|chunk| self.describe_chunk(chunk));
        let mut out = BTreeMap::new();
        for found in futures_util::future::join_all(chunks).await {
            out.extend(found);
        }
        out
    }

    /// One chunk of ids. A refusal of a call naming several ids that may be about one of
    /// them or about how many there are (not found, invalid request, validation; AWS
    /// documents neither a limit nor whether an unknown id fails the whole call) splits the
    /// chunk in halves, asked side by side, down to single ids: an unknown cluster is then
    /// "not found" for its reader only, and a refusal that follows one id down to a call of
    /// its own is that id's answer only. Only when the halves were both answered in full
    /// (so the smaller calls really helped) do later calls name fewer ids: the larger half.
    fn describe_chunk<'a>(
        &'a self,
        ids: &'a [String],
    ) -> Pin<Box<dyn Future<Output = Found> + Send + 'a>> {
        Box::pin(async move {
            match self.describe_pages(ids).await {
                Ok(found) => found.into_iter().map(|(id, c)| (id, Ok(c))).collect(),
                Err(e) if e.kind() == ErrorKind::NotFound && ids.len() == 1 => BTreeMap::new(),
                Err(e) if ids.len() > 1 && e.may_be_about_the_filter() => {
                    let larger_half = ids.len() - ids.len() / 2;
                    tracing::debug!(
                        ids = ids.len(),
                        error = %e,
                        "DescribeClusters refused a filter of this many ids; asking in halves"
                    );
                    let (first, second) = ids.split_at(larger_half);
                    let (mut out, rest) =
                        tokio::join!(self.describe_chunk(first), self.describe_chunk(second));
                    out.extend(rest);
                    let all_answered = out.values().all(Result::is_ok);
                    if all_answered && e.kind() != ErrorKind::NotFound {
                        self.ids_per_call.fetch_min(larger_half, Ordering::Relaxed);
                    }
                    out
                }
                Err(e) => all_failed(ids, &e),
            }
        })
    }

    /// DescribeClusters for these ids, following NextToken (a page may hold fewer clusters
    /// than asked for, even none); a token that comes back a second time, or more than
    /// [`MAX_PAGES`] pages, ends it with an error instead of a loop.
    async fn describe_pages(&self, ids: &[String]) -> Result<BTreeMap<String, Cluster>, ApiError> {
        const OP: &str = "DescribeClusters";
        let mut out = BTreeMap::new();
        let mut next: Option<String> = None;
        let mut paging = Paging::default();
        loop {
            let call = self
                .client
                .describe_clusters()
                .filters("clusterIds", ids.to_vec())
                .max_results(PAGE_SIZE as i32)
                .set_next_token(next.clone())
                .send();
            let resp = self
                .bounded(OP, call)
                .await?
                .map_err(|e| ApiError::from_sdk(OP, e))?;
            for c in resp.clusters() {
                let cluster = cluster_from_sdk(c);
                out.insert(cluster.id.clone(), cluster);
            }
            next = paging.next(resp.next_token())?;
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// InitializeCluster. Returns the state CloudHSM reports right after the call.
    pub async fn initialize(
        &self,
        cluster_id: &str,
        signed_cert: &str,
        trust_anchor: &str,
    ) -> Result<ClusterState, ApiError> {
        const OP: &str = "InitializeCluster";
        let call = self
            .client
            .initialize_cluster()
            .cluster_id(cluster_id)
            .signed_cert(signed_cert)
            .trust_anchor(trust_anchor)
            .customize()
            .config_override(without_retries())
            .send();
        let resp = self
            .bounded(OP, call)
            .await?
            .map_err(|e| ApiError::from_sdk(OP, e))?;
        Ok(match resp.state() {
            Some(s) => ClusterState::parse(s.as_str()),
            None => ClusterState::InitializeInProgress,
        })
    }

    /// ModifyCluster with only the fields in `change`.
    pub async fn modify(
        &self,
        cluster_id: &str,
        change: &ClusterChange,
    ) -> Result<Option<Cluster>, ApiError> {
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
        let call = call.customize().config_override(without_retries()).send();
        let resp = self
            .bounded(OP, call)
            .await?
            .map_err(|e| ApiError::from_sdk(OP, e))?;
        Ok(resp.cluster().map(cluster_from_sdk))
    }

    /// Runs one call until it answers, Terraform asks the provider to stop, or the
    /// operation's deadline passes.
    async fn bounded<T>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = T>,
    ) -> Result<T, ApiError> {
        let stop = self.stop_token();
        let deadline = self.deadline;
        let expired = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let started = Instant::now();
        tokio::select! {
            _ = stop.cancelled() => Err(ApiError::Cancelled { operation }),
            _ = expired => Err(ApiError::DeadlineReached {
                operation,
                after_secs: started.elapsed().as_secs(),
            }),
            out = call => Ok(out),
        }
    }
}

/// The configuration of a write (InitializeCluster, ModifyCluster): no retries by the SDK.
/// After a timeout, a reset or a 5xx the call may have taken effect, so it is not simply
/// sent again: the workflow looks at the cluster first and decides (see `workflows`).
fn without_retries() -> aws_sdk_cloudhsmv2::config::Builder {
    aws_sdk_cloudhsmv2::config::Builder::new().retry_config(RetryConfig::disabled())
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

/// The cluster in our types. AWS may send an empty string where a value is absent: blank
/// means absent, everywhere (an empty `ClusterCertificate` is no certificate).
fn cluster_from_sdk(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Cluster {
    let s = |v: Option<&str>| present(v).map(str::to_string);
    let certs = c.certificates();
    Cluster {
        id: c.cluster_id().unwrap_or_default().to_string(),
        state: c
            .state()
            .map(|s| ClusterState::parse(s.as_str()))
            .unwrap_or_else(|| ClusterState::Other(String::new())),
        state_message: s(c.state_message()),
        hsm_type: s(c.hsm_type()),
        hsm_type_rollback_expiration: c.hsm_type_rollback_expiration().map(|t| t.secs()),
        backup_policy: present(c.backup_policy().map(|p| p.as_str())).map(str::to_string),
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
                state: present(h.state().map(|s| s.as_str())).map(str::to_string),
                state_message: s(h.state_message()),
            })
            .collect(),
        vpc_id: s(c.vpc_id()),
        security_group: s(c.security_group()),
        subnet_mapping: c
            .subnet_mapping()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        mode: present(c.mode().map(|m| m.as_str())).map(str::to_string),
        network_type: present(c.network_type().map(|n| n.as_str())).map(str::to_string),
        source_backup_id: s(c.source_backup_id()),
        tags: c
            .tag_list()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        create_timestamp: c.create_timestamp().map(|t| t.secs()),
    }
}

/// `v` unless it is blank.
fn present(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_ends_on_no_token_or_an_empty_one_and_refuses_a_token_seen_before() {
        let mut paging = Paging::default();
        assert_eq!(paging.next(None), Ok(None));
        assert_eq!(paging.next(Some("")), Ok(None));
        assert_eq!(paging.next(Some("a")), Ok(Some("a".into())));
        assert_eq!(paging.next(Some("b")), Ok(Some("b".into())));
        let err = paging.next(Some("a")).unwrap_err();
        assert!(err.to_string().contains("already given"), "{err}");
        assert!(err.is_transient());
    }

    #[test]
    fn paging_stops_after_max_pages_of_new_tokens() {
        let mut paging = Paging::default();
        for n in 1..MAX_PAGES {
            assert!(paging.next(Some(&format!("t{n}"))).is_ok(), "page {n}");
        }
        let err = paging.next(Some("one-more")).unwrap_err();
        assert!(err.to_string().contains("stopped after 50 pages"), "{err}");
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
}

#[cfg(test)]
mod batching_tests {
    use crate::test_support::emulated_aws;
    use cloudhsm_emulator::{Behaviour, ClusterSpec, Timings};

    /// The emulator with `n` clusters and `behaviour`, a client of it, and the clusters' ids.
    async fn seeded(
        n: usize,
        behaviour: Behaviour,
    ) -> (
        crate::test_support::EmulatedAws,
        super::CloudHsm,
        Vec<String>,
    ) {
        let aws = emulated_aws(Timings::instant()).await;
        let ids = (0..n)
            .map(|_| aws.control.seed_cluster(ClusterSpec::default()))
            .collect();
        let client = aws.context.client().await.expect("client");
        aws.control.set_behaviour(behaviour);
        (aws, client, ids)
    }

    /// Reads every id at once through `client`; each reader gets its own cluster.
    async fn read_all_at_once(client: &super::CloudHsm, ids: &[String]) {
        let answers =
            futures_util::future::join_all(ids.iter().map(|id| client.describe(id))).await;
        for (id, answer) in ids.iter().zip(&answers) {
            assert_eq!(
                answer.as_ref().expect("read").as_ref().map(|c| &c.id),
                Some(id)
            );
        }
    }

    #[tokio::test]
    async fn reads_together_share_calls_and_an_unknown_id_is_not_found_for_its_reader_only() {
        let aws = emulated_aws(Timings::instant()).await;
        let ids: Vec<String> = (0..30)
            .map(|_| aws.control.seed_cluster(ClusterSpec::default()))
            .collect();
        let client = aws.context.client().await.expect("client");
        // Some regions refuse a whole filtered call that names an unknown cluster.
        aws.control.set_behaviour(Behaviour {
            unknown_id_not_found: true,
            ..Behaviour::default()
        });
        let unknown = "cluster-zzzzzzzzzzz".to_string();
        let reads = ids
            .iter()
            .chain(std::iter::once(&unknown))
            .map(|id| client.describe(id));
        let answers = futures_util::future::join_all(reads).await;
        for (id, answer) in ids.iter().zip(&answers) {
            assert_eq!(
                answer.as_ref().expect("read").as_ref().map(|c| &c.id),
                Some(id)
            );
        }
        assert!(
            matches!(answers.last(), Some(Ok(None))),
            "{:?}",
            answers.last()
        );
        // One batch: 31 ids in chunks of 25 and 6 side by side; the chunk CloudHSM refused
        // because of the unknown id (the last, in id order) is split in halves until the
        // unknown id stands alone: 3 + 3, then 2 + 1.
        assert_eq!(aws.control.call_count("DescribeClusters"), 2 + 2 + 2);
    }

    #[tokio::test]
    async fn a_region_that_takes_fewer_ids_per_filter_is_still_read_and_then_asked_for_fewer() {
        let (aws, client, ids) = seeded(
            30,
            Behaviour {
                filter_value_limit: Some(4),
                ..Behaviour::default()
            },
        )
        .await;
        for _ in 0..2 {
            aws.control.clear_calls();
            read_all_at_once(&client, &ids).await;
        }
        // The first batch learned (refusals of 25, 13, 12, 7, 6 and 5 ids; the larger halves
        // of 6 and 5 are 3): the second names 3 ids a call and is never refused.
        let sizes = crate::test_support::describe_batch_sizes(&aws.control);
        assert_eq!(sizes, vec![3; 10]);
    }

    #[tokio::test]
    async fn short_pages_are_followed_to_the_end() {
        // AWS may answer fewer clusters a page than MaxResults asks for.
        let (aws, client, ids) = seeded(
            7,
            Behaviour {
                page_limit: Some(2),
                ..Behaviour::default()
            },
        )
        .await;
        read_all_at_once(&client, &ids).await;
        // One batch of 7 ids: four pages of at most 2, each asking for the next.
        let calls = aws.control.calls("DescribeClusters");
        assert_eq!(calls.len(), 4, "{calls:?}");
        assert!(calls[0].get("NextToken").is_none());
        assert!(calls[1..].iter().all(|c| c["NextToken"].is_string()));
        assert!(calls
            .iter()
            .all(|c| c["Filters"]["clusterIds"].as_array().map(Vec::len) == Some(7)));
    }
}
