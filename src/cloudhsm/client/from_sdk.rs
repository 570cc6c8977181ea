//! SDK -> domain mapping: an `aws_sdk_cloudhsmv2` cluster as our [`Cluster`], blank
//! strings as absent values. Knows nothing of how calls are made, nor of settings or credentials.

use crate::cloudhsm::backup::{Backup, BackupState};
use crate::cloudhsm::cluster::{Cluster, ClusterCertificates, ClusterState, Hsm, RetentionPolicy};

/// The cluster in our types. AWS may send an empty string where a value is absent: blank
/// means absent, everywhere (an empty `ClusterCertificate` is no certificate).
pub(super) fn cluster_from_sdk(c: &aws_sdk_cloudhsmv2::types::Cluster) -> Cluster {
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

/// The backup in our types, blank strings as absent values.
pub(super) fn backup_from_sdk(b: &aws_sdk_cloudhsmv2::types::Backup) -> Backup {
    let s = |v: Option<&str>| present(v).map(str::to_string);
    Backup {
        id: b.backup_id().to_string(),
        arn: s(b.backup_arn()),
        state: b
            .backup_state()
            .map(|s| BackupState::parse(s.as_str()))
            .unwrap_or_default(),
        cluster_id: s(b.cluster_id()),
        hsm_type: s(b.hsm_type()),
        mode: present(b.mode().map(|m| m.as_str())).map(str::to_string),
        create_timestamp: b.create_timestamp().map(|t| t.secs()),
        copy_timestamp: b.copy_timestamp().map(|t| t.secs()),
        delete_timestamp: b.delete_timestamp().map(|t| t.secs()),
        never_expires: b.never_expires().unwrap_or(false),
        source_region: s(b.source_region()),
        source_backup: s(b.source_backup()),
        source_cluster: s(b.source_cluster()),
        tags: b
            .tag_list()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }
}

/// `v` unless it is blank.
fn present(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.trim().is_empty())
}
