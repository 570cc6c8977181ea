//! Everything the emulator knows, behind one lock: the clusters in creation order, the
//! timings and behaviours, and the factories for new clusters and HSMs.
//!
//! Knows the model's types; not requests, faults or the control surface.

use std::time::{Instant, SystemTime};

use super::*;
use crate::config::{Behaviour, Timings};
use crate::pki::Authorities;

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub(crate) struct Store {
    pub clusters: Vec<Cluster>,
    pub next_seq: u64,
    pub timings: Timings,
    pub behaviour: Behaviour,
    pub region: String,
    pub vpc_id: String,
    pub authorities: Authorities,
}

impl Store {
    pub(crate) fn new(
        timings: Timings,
        behaviour: Behaviour,
        region: String,
        vpc_id: String,
        authorities: Authorities,
    ) -> Store {
        Store {
            clusters: Vec::new(),
            next_seq: 0,
            timings,
            behaviour,
            region,
            vpc_id,
            authorities,
        }
    }

    /// Completes every transition due by `now`.
    pub(crate) fn advance(&mut self, now: Instant) {
        for cluster in &mut self.clusters {
            cluster.advance(now);
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Cluster> {
        self.clusters.iter_mut().find(|c| c.id == id)
    }

    /// A fresh cluster id not yet in use.
    pub(crate) fn fresh_cluster_id(&self) -> String {
        loop {
            let id = new_id("cluster");
            if self.get(&id).is_none() {
                return id;
            }
        }
    }

    /// A blank cluster (no HSM), numbered next.
    pub(crate) fn blank_cluster(
        &mut self,
        id: String,
        hsm_type: String,
        vpc_id: String,
        subnet_ids: &[String],
    ) -> Cluster {
        let seq = self.next_seq;
        self.next_seq += 1;
        let subnet_mapping = subnet_ids
            .iter()
            .enumerate()
            .map(|(i, s)| (self.availability_zone(i), s.clone()))
            .collect();
        Cluster {
            seq,
            id,
            state: "UNINITIALIZED".into(),
            state_message: state_message("UNINITIALIZED"),
            hsm_type,
            previous_hsm_type: None,
            rollback_expiration: None,
            backup_retention_days: 90,
            create_time: SystemTime::now(),
            vpc_id,
            security_group: new_hex_id("sg"),
            subnet_mapping,
            network_type: "IPV4".into(),
            mode: "FIPS".into(),
            tags: Vec::new(),
            source_backup_id: None,
            material: None,
            cluster_certificate: None,
            hsms: Vec::new(),
            pending: None,
            certified_at: None,
            lagged: None,
        }
    }

    /// `<region>a`, `<region>b`, … for subnet number `i`.
    pub(crate) fn availability_zone(&self, i: usize) -> String {
        let letter = char::from(b'a' + (i % 26) as u8);
        format!("{}{letter}", self.region)
    }

    /// A new HSM in `az` of `cluster` (not yet added to it).
    pub(crate) fn new_hsm(
        cluster: &Cluster,
        az: &str,
        ip: Option<String>,
        state: &str,
        pending: Option<(Instant, HsmPending)>,
    ) -> Hsm {
        let subnet_id = cluster.subnet_mapping.get(az).cloned().unwrap_or_default();
        let az_index = cluster
            .subnet_mapping
            .keys()
            .position(|k| k == az)
            .unwrap_or(0);
        let eni_ip =
            ip.unwrap_or_else(|| format!("10.0.{}.{}", az_index, rand::random_range(4u8..=250)));
        let hsm_id = loop {
            let id = new_id("hsm");
            if !cluster.hsms.iter().any(|h| h.id == id) {
                break id;
            }
        };
        Hsm {
            id: hsm_id,
            availability_zone: az.to_string(),
            subnet_id,
            eni_id: new_hex_id("eni"),
            eni_ip,
            hsm_type: cluster.hsm_type.clone(),
            state: state.to_string(),
            state_message: if state == "ACTIVE" {
                "HSM is active.".to_string()
            } else {
                "HSM is being created.".to_string()
            },
            pending,
        }
    }
}
