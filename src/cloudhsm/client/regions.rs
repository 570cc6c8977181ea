//! Clients of other regions: a backup copy is asked for in its source region and watched in
//! its destination, each call signed for its own region and sent to that region's endpoint
//! (or the configured one), through the same network and with the same credentials. Each
//! region's client is made once and shared, with reads coalesced per region.
//!
//! Knows the SDK config and the endpoints; nothing of the calls.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_cloudhsmv2::config::Region;
use tokio::sync::Mutex;

use super::endpoints::{self, Service};
use super::{CloudHsm, PAGE_SIZE};
use crate::cloudhsm::backup::Backup;
use crate::cloudhsm::cluster::Cluster;
use crate::cloudhsm::coalesce::{Coalescer, Gathering};
use crate::cloudhsm::network::{Network, Route};

/// What a regional client is made from.
pub(super) struct Regions {
    /// The SDK config with the final credentials.
    pub sdk_config: SdkConfig,
    /// The `endpoints.cloudhsmv2` argument, if set.
    pub endpoint_argument: Option<String>,
    pub network: Network,
    pub fips: bool,
    pub dual_stack: bool,
    /// The parts of each region's client made so far.
    made: Mutex<HashMap<String, Regional>>,
}

/// The parts of a client that belong to its region.
#[derive(Clone)]
pub(super) struct Regional {
    pub client: aws_sdk_cloudhsmv2::Client,
    pub route: Arc<Route>,
    pub reads: Arc<Coalescer<Cluster>>,
    pub backup_reads: Arc<Coalescer<Backup>>,
    pub ids_per_call: Arc<AtomicUsize>,
}

impl Regions {
    pub fn new(
        sdk_config: SdkConfig,
        endpoint_argument: Option<String>,
        network: Network,
        fips: bool,
        dual_stack: bool,
    ) -> Regions {
        Regions {
            sdk_config,
            endpoint_argument,
            network,
            fips,
            dual_stack,
            made: Mutex::new(HashMap::new()),
        }
    }

    /// The parts of `region`'s client, made on first use.
    pub async fn regional(&self, region: &str) -> Regional {
        let mut made = self.made.lock().await;
        if let Some(r) = made.get(region) {
            return r.clone();
        }
        let regional = self.make(region).await;
        made.insert(region.to_string(), regional.clone());
        regional
    }

    /// Remembers the provider region's own parts, made at connect.
    pub async fn remember(&self, region: &str, regional: Regional) {
        self.made.lock().await.insert(region.to_string(), regional);
    }

    async fn make(&self, region: &str) -> Regional {
        let env = aws_types::os_shim_internal::Env::real();
        let endpoint = endpoints::endpoint(
            Service::CloudHsm,
            self.endpoint_argument.as_deref(),
            &env,
            region,
            self.fips,
            self.dual_stack,
        )
        .await;
        let mut config = aws_sdk_cloudhsmv2::config::Builder::from(&self.sdk_config)
            .region(Region::new(region.to_string()));
        if let Some(c) = &endpoint.configured {
            config = config
                .endpoint_url(&c.url)
                .use_fips(false)
                .use_dual_stack(false);
        }
        let route = self.network.route(&endpoint.url, endpoint.setting);
        tracing::debug!(region, endpoint = %endpoint.url, "CloudHSM client for another region");
        Regional::new(aws_sdk_cloudhsmv2::Client::from_conf(config.build()), route)
    }
}

impl Regional {
    pub fn new(client: aws_sdk_cloudhsmv2::Client, route: Route) -> Regional {
        Regional {
            client,
            route: Arc::new(route),
            reads: Arc::new(Coalescer::new("DescribeClusters", Gathering::default())),
            backup_reads: Arc::new(Coalescer::new("DescribeBackups", Gathering::default())),
            ids_per_call: Arc::new(AtomicUsize::new(PAGE_SIZE)),
        }
    }
}

impl CloudHsm {
    /// The client's region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// This client for `region`: the same credentials, network, stop signal, deadline and
    /// timings, that region's endpoint and signature. The same client when it is its own.
    pub async fn in_region(&self, region: &str) -> CloudHsm {
        if region == &*self.region {
            return self.clone();
        }
        let r = self.regions.regional(region).await;
        CloudHsm {
            client: r.client,
            route: r.route,
            reads: r.reads,
            backup_reads: r.backup_reads,
            ids_per_call: r.ids_per_call,
            region: Arc::from(region),
            ..self.clone()
        }
    }
}
