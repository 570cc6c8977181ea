//! The control surface for tests and scripts (not part of the AWS API): seed clusters and
//! backups, change them out of band (states, busy spells, rollback windows), disable
//! regions, set transition timings and behaviours, inject faults, set what the STS
//! emulation answers, and read the record of calls. The same operations are served over HTTP under `/_emulator/` (see
//! `control_http`).
//!
//! It owns the shared state that every HTTP face reaches through it, and knows nothing of
//! HTTP, requests or protocols.
//!
//! This file: the shared state and the clusters, timings, behaviours and faults;
//! `backups.rs`: backups and regions; `calls.rs`: the call record; `sts.rs`: accounts,
//! issued roles and refused web identity tokens.

mod backups;
mod calls;
mod secrets;
mod sts;

pub use calls::CallRecord;
pub(crate) use secrets::Secret;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::config::{Behaviour, ClusterSpec, Timings};
use crate::error::PkiError;
use crate::faults::{Fault, FaultSet};
use crate::identity::Identities;
use crate::model::{
    availability_zone, new_hex_id, Cluster, HsmPending, Pending, PendingKind, Store,
};
use crate::pki;
use calls::CallLog;

/// State shared by the servers and every [`Control`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    faults: Mutex<FaultSet>,
    calls: Mutex<CallLog>,
    identities: Mutex<Identities>,
    secrets: Mutex<Vec<Secret>>,
}

impl Shared {
    pub(crate) fn new(store: Store, identities: Identities) -> Shared {
        Shared {
            store: Mutex::new(store),
            faults: Mutex::new(FaultSet::default()),
            calls: Mutex::new(CallLog::default()),
            identities: Mutex::new(identities),
            secrets: Mutex::new(Vec::new()),
        }
    }

    /// The store, with every transition due by now completed.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        let mut store = self
            .store
            .lock()
            .expect("emulator store lock poisoned by an earlier panic");
        store.advance(Instant::now());
        store
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultSet> {
        self.faults
            .lock()
            .expect("emulator fault lock poisoned by an earlier panic")
    }

    fn calls_lock(&self) -> MutexGuard<'_, CallLog> {
        self.calls
            .lock()
            .expect("emulator call-record lock poisoned by an earlier panic")
    }

    /// The secrets Secrets Manager answers.
    pub(crate) fn secrets(&self) -> MutexGuard<'_, Vec<Secret>> {
        self.secrets
            .lock()
            .expect("emulator secrets lock poisoned by an earlier panic")
    }

    /// Who is who to the STS emulation: the credentials it issued, the accounts of other
    /// keys, the tokens it refuses.
    pub(crate) fn identities(&self) -> MutexGuard<'_, Identities> {
        self.identities
            .lock()
            .expect("emulator identity lock poisoned by an earlier panic")
    }
}

/// States that come after a successful `InitializeCluster`.
fn is_post_initialization(state: &str) -> bool {
    matches!(
        state,
        "INITIALIZED"
            | "ACTIVE"
            | "DEGRADED"
            | "UPDATE_IN_PROGRESS"
            | "MODIFY_IN_PROGRESS"
            | "ROLLBACK_IN_PROGRESS"
    )
}

/// A handle on a running emulator's state. Cheap to clone; usable from any thread.
#[derive(Clone, Debug)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

impl Control {
    /// Adds a cluster (see [`ClusterSpec`]) and returns its id. A spec naming an existing
    /// cluster id replaces that cluster.
    ///
    /// # Panics
    /// If key generation fails (it does not in practice); see [`Control::try_seed_cluster`].
    pub fn seed_cluster(&self, spec: ClusterSpec) -> String {
        self.try_seed_cluster(spec)
            .expect("seeding a cluster: key generation failed")
    }

    /// [`Control::seed_cluster`] that reports key generation failures.
    pub fn try_seed_cluster(&self, spec: ClusterSpec) -> Result<String, PkiError> {
        let account = self.default_account();
        let mut store = self.shared.store();
        let id = match spec.cluster_id {
            Some(id) => {
                store.clusters.retain(|c| c.id != id);
                id
            }
            None => store.fresh_cluster_id(),
        };
        let vpc_id = spec.vpc_id.unwrap_or_else(|| store.vpc_id.clone());
        let subnets = [new_hex_id("subnet"), new_hex_id("subnet")];
        let region = spec.region.unwrap_or_else(|| store.region.clone());
        let mut cluster = store.blank_cluster(
            id.clone(),
            (region, account),
            spec.hsm_type.unwrap_or_else(|| "hsm1.medium".to_string()),
            vpc_id,
            &subnets,
        );
        let state = spec.state.unwrap_or_else(|| "UNINITIALIZED".to_string());
        cluster.set_state(&state);
        cluster.backup_retention_days = spec.backup_retention_days.unwrap_or(90);
        cluster.tags = spec.tags;
        if let Some(mode) = spec.mode {
            cluster.mode = mode;
        }
        if spec.with_hsm {
            add_active_hsm(&mut cluster, &store)?;
            if is_post_initialization(&state) {
                certify(&mut cluster)?;
            }
        }
        store.clusters.push(cluster);
        Ok(id)
    }

    /// The region cluster `id` belongs to.
    pub fn cluster_region(&self, id: &str) -> Option<String> {
        self.shared.store().get(id).map(|c| c.region.clone())
    }

    /// Ids of every cluster, in creation order, whatever their region.
    pub fn cluster_ids(&self) -> Vec<String> {
        self.shared
            .store()
            .clusters
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }

    /// The real cluster now, in the API's shape: the truth, as `DescribeClusters` shows it
    /// when no read-side behaviour is set. Never the view a
    /// [`Behaviour::read_lag`] still shows, and unaffected by
    /// [`Behaviour::certificate_after`] and [`Behaviour::blank_absent`] (which shape only
    /// the API's answers); a passed rollback window follows
    /// [`Behaviour::expired_rollback`].
    pub fn cluster_json(&self, id: &str) -> Option<Value> {
        let store = self.shared.store();
        let expired = store.behaviour.expired_rollback;
        store.get(id).map(|c| c.to_json(expired))
    }

    /// The cluster's CSR as the emulator holds it (present once an HSM was created, even
    /// when the API no longer shows it).
    pub fn cluster_csr_pem(&self, id: &str) -> Option<String> {
        self.shared
            .store()
            .get(id)
            .and_then(|c| c.material.as_ref().map(|m| m.csr_pem.clone()))
    }

    /// Sets the state out of band (drift, console change), cancelling any pending
    /// transition. Moving a cluster that has a CSR but no certificate to a post-initialization
    /// state gives it a `ClusterCertificate` issued by an emulator-made CA.
    pub fn set_state(&self, id: &str, state: &str) -> bool {
        self.with_cluster(id, |cluster, _| {
            cluster.pending = None;
            cluster.set_state(state);
            if is_post_initialization(state)
                && cluster.cluster_certificate.is_none()
                && cluster.material.is_some()
            {
                if let Err(e) = certify(cluster) {
                    tracing::warn!("could not issue a cluster certificate: {e}");
                }
            }
        })
    }

    /// Sets the state out of band with its default state message, cancelling any pending
    /// transition, and never adds or removes a certificate: an UNINITIALIZED cluster can be
    /// made DEGRADED or UPDATE_IN_PROGRESS with no `ClusterCertificate`. (The CSR stays
    /// visible only while the cluster is UNINITIALIZED.)
    pub fn force_state(&self, id: &str, state: &str) -> bool {
        self.with_cluster(id, |cluster, _| {
            cluster.pending = None;
            cluster.set_state(state);
        })
    }

    /// Makes the cluster busy: puts it in `state` (e.g. `"UPDATE_IN_PROGRESS"`) without any
    /// certificate change, and after `duration` it returns by itself to `then`, or when
    /// `None` to the state it has now. A timed transition like the others (completed on the
    /// first request after its deadline, or by [`Control::complete_transitions`]); it
    /// replaces any pending transition.
    pub fn busy_for(&self, id: &str, state: &str, duration: Duration, then: Option<&str>) -> bool {
        self.with_cluster(id, |cluster, _| {
            let back = then.map_or_else(|| cluster.state.clone(), str::to_string);
            cluster.set_state(state);
            cluster.pending = Some(Pending {
                due: Instant::now() + duration,
                kind: PendingKind::Return { state: back },
            });
        })
    }

    /// Adds an HSM that is CREATE_IN_PROGRESS and becomes ACTIVE after `activate_after` (as
    /// `CreateHsm` does), in the cluster's first availability zone. Returns its id.
    pub fn add_hsm(&self, id: &str, activate_after: Duration) -> Option<String> {
        let mut added = None;
        self.with_cluster(id, |cluster, _| {
            let az = cluster
                .subnet_mapping
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| availability_zone(&cluster.region, 0));
            let hsm = Store::new_hsm(
                cluster,
                &az,
                None,
                "CREATE_IN_PROGRESS",
                Some((Instant::now() + activate_after, HsmPending::Activate)),
            );
            added = Some(hsm.id.clone());
            cluster.hsms.push(hsm);
        });
        added
    }

    /// Sets the type the cluster can roll back to and until when, out of band.
    /// `previous_hsm_type: None` = no rollback possible and no `HsmTypeRollbackExpiration`.
    /// Otherwise the expiration is `expires_in_secs` from now (negative = already expired),
    /// or when `None` the configured [`Timings::rollback_window`] from now.
    pub fn set_rollback_window(
        &self,
        id: &str,
        previous_hsm_type: Option<&str>,
        expires_in_secs: Option<i64>,
    ) -> bool {
        self.with_cluster(id, |cluster, store| {
            let Some(previous) = previous_hsm_type else {
                cluster.previous_hsm_type = None;
                cluster.rollback_expiration = None;
                return;
            };
            let now = SystemTime::now();
            let expiration = match expires_in_secs {
                None => now.checked_add(store.timings.rollback_window),
                Some(s) if s >= 0 => now.checked_add(Duration::from_secs(s.unsigned_abs())),
                Some(s) => now.checked_sub(Duration::from_secs(s.unsigned_abs())),
            };
            cluster.previous_hsm_type = Some(previous.to_string());
            cluster.rollback_expiration = expiration;
        })
    }

    /// Sets the HSM type of the cluster and its HSMs out of band.
    pub fn set_hsm_type(&self, id: &str, hsm_type: &str) -> bool {
        self.with_cluster(id, |cluster, _| {
            cluster.hsm_type = hsm_type.to_string();
            for hsm in &mut cluster.hsms {
                hsm.hsm_type = hsm_type.to_string();
            }
        })
    }

    /// Sets the backup retention (days) out of band.
    pub fn set_backup_retention_days(&self, id: &str, days: u32) -> bool {
        self.with_cluster(id, |cluster, _| cluster.backup_retention_days = days)
    }

    /// Back to UNINITIALIZED with one ACTIVE HSM, a fresh key pair and CSR, and no
    /// cluster certificate.
    pub fn reset_to_uninitialized(&self, id: &str) -> bool {
        self.with_cluster(id, |cluster, store| {
            cluster.pending = None;
            cluster.cluster_certificate = None;
            cluster.certified_at = None;
            cluster.material = None;
            cluster.hsms.truncate(1);
            cluster.set_state("UNINITIALIZED");
            let result = if let Some(hsm) = cluster.hsms.first_mut() {
                hsm.pending = None;
                hsm.state = "ACTIVE".to_string();
                hsm.state_message = "HSM is active.".to_string();
                let hsm_id = hsm.id.clone();
                pki::cluster_material(&hsm_id, &store.authorities)
                    .map(|m| cluster.material = Some(m))
            } else {
                add_active_hsm(cluster, store)
            };
            if let Err(e) = result {
                tracing::warn!("could not make a fresh CSR: {e}");
            }
        })
    }

    /// Completes the cluster's pending transitions (and its HSMs') now, every step of an
    /// HSM type change included, and ends a read lag on it: as if the time had passed. A
    /// completed initialization makes the cluster's backup (CREATE_IN_PROGRESS, READY after
    /// [`Timings::backup`]).
    pub fn complete_transitions(&self, id: &str) -> bool {
        self.with_cluster(id, |cluster, _| cluster.complete_transitions())
    }

    /// Sets the durations of transitions started from now on.
    pub fn set_timings(&self, t: Timings) {
        self.shared.store().timings = t;
    }

    /// The current transition durations.
    pub fn timings(&self) -> Timings {
        self.shared.store().timings.clone()
    }

    /// Chooses among the behaviours AWS does not document, from now on.
    pub fn set_behaviour(&self, b: Behaviour) {
        self.shared.store().behaviour = b;
    }

    /// Sets [`Behaviour::read_lag`] alone, from the next write on (`None` also stops the
    /// views still shown).
    pub fn set_read_lag(&self, lag: Option<Duration>) {
        self.shared.store().behaviour.read_lag = lag;
    }

    /// The current behaviours.
    pub fn behaviour(&self) -> Behaviour {
        self.shared.store().behaviour.clone()
    }

    /// Adds a fault; faults apply in the order injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Runs `f` on cluster `id`; logs and does nothing when there is no such cluster.
    /// Returns whether the cluster exists.
    pub(crate) fn with_cluster(&self, id: &str, f: impl FnOnce(&mut Cluster, &Store)) -> bool {
        let mut store = self.shared.store();
        let Some(index) = store.clusters.iter().position(|c| c.id == id) else {
            tracing::warn!("control: no cluster {id:?}");
            return false;
        };
        // Take the cluster out so that `f` can read the rest of the store.
        let mut cluster = store.clusters.remove(index);
        f(&mut cluster, &store);
        store.clusters.insert(index, cluster);
        true
    }
}

/// Adds an ACTIVE HSM in the cluster's first availability zone and, if the cluster has no
/// key material yet, the key pair and CSR.
fn add_active_hsm(cluster: &mut Cluster, store: &Store) -> Result<(), PkiError> {
    let az = cluster
        .subnet_mapping
        .keys()
        .next()
        .cloned()
        .unwrap_or_else(|| availability_zone(&cluster.region, 0));
    let hsm = Store::new_hsm(cluster, &az, None, "ACTIVE", None::<(Instant, HsmPending)>);
    if cluster.material.is_none() {
        cluster.material = Some(pki::cluster_material(&hsm.id, &store.authorities)?);
    }
    cluster.hsms.push(hsm);
    Ok(())
}

/// Gives the cluster a `ClusterCertificate` issued for its CSR by an emulator-made CA.
fn certify(cluster: &mut Cluster) -> Result<(), PkiError> {
    if let Some(material) = &cluster.material {
        let signed = pki::sign_csr(&material.csr_pem)?;
        cluster.cluster_certificate = Some(signed.signed_cert_pem);
    }
    Ok(())
}
