//! The CloudHSM v2 client: built from the provider's settings with the AWS provider's
//! credential order, the custom endpoint applied to CloudHSM only (never to STS), a timeout
//! on every attempt, and the provider's stop signal. Offers the three calls the provider
//! makes (describe, initialize, modify); AWS errors become [`ApiError`].
//!
//! No Terraform types here. Secrets from the settings never appear in an error or a log line.

mod backups;
mod endpoints;
mod from_sdk;
mod identity;
mod regions;
mod settings;

#[cfg(test)]
mod batching_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_cloudhsmv2::config::http::HttpResponse;
use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::from_sdk::cluster_from_sdk;
pub use self::identity::{AccountGuard, AssumeRole};
pub use self::settings::{
    ClientSettings, Connected, InstanceMetadata, SettingsError, SettingsWarning, WebIdentity,
};
use super::backoff::Backoff;
use super::backup::Backup;
use super::cluster::{Cluster, ClusterChange, ClusterState};
use super::coalesce::{Coalescer, Fetch};
pub use super::error::{ApiError, ErrorKind};
use super::network::Route;
use super::patience::Patience;
use crate::stop::StopSignal;

/// How long one attempt of an API call may take before the SDK gives up on it (and
/// retries): a request that is never answered must not hang an apply or a refresh.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// The most clusters one DescribeClusters call answers (its `MaxResults` limit).
const PAGE_SIZE: usize = 25;
pub use super::network::CONNECT_TIMEOUT;
/// How long one read of a cluster may take in all (every attempt, retry and page of its
/// DescribeClusters call), so that an endpoint that never answers cannot hold a refresh,
/// a data source, an import or a plan-time check for longer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// The most DescribeClusters pages one call for a batch of ids follows. A batch names at
/// most 25 ids, so an API that keeps answering pages past this is not converging.
const MAX_PAGES: usize = 50;

/// Where paging through one Describe call stands: the tokens given so far.
struct Paging {
    operation: &'static str,
    seen: HashSet<String>,
}

impl Default for Paging {
    fn default() -> Self {
        Paging::of("DescribeClusters")
    }
}

impl Paging {
    fn of(operation: &'static str) -> Paging {
        Paging {
            operation,
            seen: HashSet::new(),
        }
    }

    /// The token of the next page after a page that answered `token` (`None`: that was the
    /// last page). A token given a second time, or a page past [`MAX_PAGES`], is an error:
    /// following it would never end.
    fn next(&mut self, token: Option<&str>) -> Result<Option<String>, ApiError> {
        let Some(t) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let stop = |detail: String| ApiError::Transport {
            operation: self.operation,
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
    reads: Arc<Coalescer<Cluster>>,
    /// How many ids one DescribeClusters names: the API's page size, lowered when a region
    /// refuses a filter that long.
    ids_per_call: Arc<AtomicUsize>,
    /// How long one read may take in all ([`READ_TIMEOUT`]).
    read_timeout: Duration,
    /// How long the workflows give reads to catch up with writes.
    pub(super) patience: Patience,
    /// The way to the CloudHSM endpoint, for messages.
    route: Arc<Route>,
    /// Concurrent reads of backups share DescribeBackups calls.
    backup_reads: Arc<Coalescer<Backup>>,
    /// The client's region.
    region: Arc<str>,
    /// What it takes to make the client of another region, and those made so far.
    regions: Arc<regions::Regions>,
}

impl CloudHsm {
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
        let fetch: Fetch<Cluster> = Arc::new(move |ids: Vec<String>| {
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
            let resp = self.send(OP, call).await?;
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
        let resp = self.send(OP, call).await?;
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
        let resp = self.send(OP, call).await?;
        Ok(resp.cluster().map(cluster_from_sdk))
    }

    /// Runs one SDK call as [`CloudHsm::bounded`] does, its failure said as an [`ApiError`].
    async fn send<T, E>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, ApiError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.bounded(operation, call)
            .await?
            .map_err(|e| ApiError::from_sdk(operation, e, &self.route))
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
