//! How `DescribeClusters` shows a cluster: the API's JSON shape, the certificate hidden for
//! a while after initialization, and a read lag's older view after a write.
//!
//! Knows the cluster and the behaviours that shape what is shown; not requests or faults.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Map, Value};

use super::*;
use crate::config::{Behaviour, ExpiredRollback};

impl Cluster {
    /// The cluster in the API's shape; `expired_rollback` says whether a passed
    /// `HsmTypeRollbackExpiration` is still shown.
    pub(crate) fn to_json(&self, expired_rollback: ExpiredRollback) -> Value {
        let mut certificates = Map::new();
        if let Some(csr) = self.visible_csr() {
            certificates.insert("ClusterCsr".into(), json!(csr));
        }
        if let Some(m) = &self.material {
            if self.has_active_hsm() || self.cluster_certificate.is_some() {
                certificates.insert("HsmCertificate".into(), json!(m.hsm_certificate));
                certificates.insert(
                    "AwsHardwareCertificate".into(),
                    json!(m.aws_hardware_certificate),
                );
                certificates.insert(
                    "ManufacturerHardwareCertificate".into(),
                    json!(m.manufacturer_hardware_certificate),
                );
            }
        }
        if let Some(cert) = &self.cluster_certificate {
            certificates.insert("ClusterCertificate".into(), json!(cert));
        }
        let mut cluster = json!({
            "BackupPolicy": "DEFAULT",
            "BackupRetentionPolicy": {
                "Type": "DAYS",
                "Value": self.backup_retention_days.to_string(),
            },
            "ClusterId": self.id,
            "CreateTimestamp": epoch_seconds(self.create_time),
            "Hsms": self.hsms.iter().map(|h| h.to_json(&self.id)).collect::<Vec<_>>(),
            "HsmType": self.hsm_type,
            "SecurityGroup": self.security_group,
            "State": self.state,
            "StateMessage": self.state_message,
            "SubnetMapping": self.subnet_mapping,
            "VpcId": self.vpc_id,
            "NetworkType": self.network_type,
            "Certificates": certificates,
            "TagList": self.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
            "Mode": self.mode,
        });
        if let Some(obj) = cluster.as_object_mut() {
            if let Some(t) = self.rollback_expiration {
                if t > SystemTime::now() || expired_rollback == ExpiredRollback::ShowPast {
                    obj.insert("HsmTypeRollbackExpiration".into(), epoch_seconds(t));
                }
            }
            if let Some(b) = &self.source_backup_id {
                obj.insert("SourceBackupId".into(), json!(b));
            }
        }
        cluster
    }

    /// Whether [`Behaviour::certificate_after`] still hides the certificate at `now`.
    pub(crate) fn certificate_hidden(
        &self,
        certificate_after: Option<Duration>,
        now: Instant,
    ) -> bool {
        match (certificate_after, self.certified_at) {
            (Some(d), Some(at)) => now < after(at, d),
            _ => false,
        }
    }

    /// The real cluster as `DescribeClusters` shows it at `now` (the certificate left out
    /// while [`Behaviour::certificate_after`] says so), without any read lag.
    pub(crate) fn described_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        let mut json = self.to_json(behaviour.expired_rollback);
        if self.certificate_hidden(behaviour.certificate_after, now) {
            if let Some(certificates) = json.get_mut("Certificates").and_then(Value::as_object_mut)
            {
                certificates.remove("ClusterCertificate");
            }
        }
        json
    }

    /// What `DescribeClusters` shows at `now`: the view from before the last writes while a
    /// read lag lasts (and [`Behaviour::read_lag`] is still set), else [`Cluster::described_json`].
    pub(crate) fn shown_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        match LaggedView::shown(&self.lagged, behaviour.read_lag, now) {
            Some(json) => json.clone(),
            None => self.described_json(behaviour, now),
        }
    }

    /// Before an API write: what `DescribeClusters` shows of the cluster now, when a read
    /// lag is configured (to hand to [`Cluster::after_write`]).
    pub(crate) fn before_write(&self, behaviour: &Behaviour) -> Option<Value> {
        behaviour
            .read_lag
            .map(|_| self.described_json(behaviour, Instant::now()))
    }

    /// After an API write that succeeded: when it changed what `DescribeClusters` shows,
    /// reads keep showing `before` (or the older view still shown) until the read lag has
    /// passed from now.
    pub(crate) fn after_write(&mut self, before: Option<Value>, behaviour: &Behaviour) {
        let (Some(before), Some(lag)) = (before, behaviour.read_lag) else {
            return;
        };
        let now = Instant::now();
        let shown = self.described_json(behaviour, now);
        LaggedView::after_write(&mut self.lagged, before, &shown, lag, now);
    }
}
