//! A CloudHSM backup in our own types: its state (what each means for the provider), where a
//! copy came from, and the filter DescribeBackups takes. A backup belongs to one region; a
//! copy in another region names its source (backup, region, cluster).
//!
//! Plain data and rules; no SDK types, no Terraform.

use std::collections::BTreeMap;
use std::fmt;

/// The tag the provider puts on a source backup while it copies it to `region`: the mark
/// that a copy was asked for, so that a run interrupted before the copy could be seen never
/// asks for a second one. Removed once the copy is READY.
pub fn copy_marker(region: &str) -> String {
    format!("cloudhsm-iac:copying-to:{region}")
}

/// What a copy marker says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerPhase {
    /// Set before CopyBackupToRegion was sent: the copy may or may not have been asked for.
    Requested,
    /// Set after CloudHSM accepted CopyBackupToRegion: a copy is coming.
    Accepted,
}

impl MarkerPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerPhase::Requested => "requested",
            MarkerPhase::Accepted => "accepted",
        }
    }

    /// The phase a marker value says (an unknown value counts as requested: the careful
    /// reading).
    pub fn parse(value: &str) -> MarkerPhase {
        if value.trim().eq_ignore_ascii_case("accepted") {
            MarkerPhase::Accepted
        } else {
            MarkerPhase::Requested
        }
    }
}

/// A backup's state, as CloudHSM reports it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum BackupState {
    CreateInProgress,
    Ready,
    PendingDeletion,
    Deleted,
    /// A state this provider does not know (or none).
    #[default]
    Unknown,
    Other(String),
}

impl BackupState {
    pub fn parse(s: &str) -> BackupState {
        match s {
            "CREATE_IN_PROGRESS" => BackupState::CreateInProgress,
            "READY" => BackupState::Ready,
            "PENDING_DELETION" => BackupState::PendingDeletion,
            "DELETED" => BackupState::Deleted,
            "" => BackupState::Unknown,
            other => BackupState::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            BackupState::CreateInProgress => "CREATE_IN_PROGRESS",
            BackupState::Ready => "READY",
            BackupState::PendingDeletion => "PENDING_DELETION",
            BackupState::Deleted => "DELETED",
            BackupState::Unknown => "",
            BackupState::Other(s) => s,
        }
    }

    /// A backup that is, or is on its way to being, usable: not deleted or being deleted.
    pub fn is_live(&self) -> bool {
        !matches!(self, BackupState::PendingDeletion | BackupState::Deleted)
    }
}

impl fmt::Display for BackupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupState::Unknown => f.write_str("in no state CloudHSM named"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// A backup.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backup {
    pub id: String,
    pub arn: Option<String>,
    pub state: BackupState,
    pub cluster_id: Option<String>,
    pub hsm_type: Option<String>,
    pub mode: Option<String>,
    /// Unix seconds.
    pub create_timestamp: Option<i64>,
    pub copy_timestamp: Option<i64>,
    pub delete_timestamp: Option<i64>,
    pub never_expires: bool,
    pub source_region: Option<String>,
    pub source_backup: Option<String>,
    pub source_cluster: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl Backup {
    /// The tags a user set: without the provider's copy markers.
    pub fn user_tags(&self) -> BTreeMap<String, String> {
        self.tags
            .iter()
            .filter(|(k, _)| !k.starts_with("cloudhsm-iac:copying-to:"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// What DescribeBackups is asked for; every list empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupFilter {
    pub backup_ids: Vec<String>,
    pub source_backup_ids: Vec<String>,
    pub cluster_ids: Vec<String>,
    pub states: Vec<String>,
    pub never_expires: Option<bool>,
}

impl BackupFilter {
    /// The API's `Filters` map.
    pub fn to_api(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for (name, values) in [
            ("backupIds", &self.backup_ids),
            ("sourceBackupIds", &self.source_backup_ids),
            ("clusterIds", &self.cluster_ids),
            ("states", &self.states),
        ] {
            if !values.is_empty() {
                out.insert(name.to_string(), values.clone());
            }
        }
        if let Some(never) = self.never_expires {
            out.insert("neverExpires".to_string(), vec![never.to_string()]);
        }
        out
    }
}

/// The `backup-` id pattern (`backup-[2-7a-zA-Z]{11,16}`), as users read it in errors.
pub const BACKUP_ID_PATTERN: &str = "backup-[2-7a-zA-Z]{11,16}";

/// Whether `id` has the shape of a backup id.
pub fn is_backup_id(id: &str) -> bool {
    id.strip_prefix("backup-").is_some_and(|rest| {
        (11..=16).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_alphabetic() || ('2'..='7').contains(&c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_ids_markers_and_filters() {
        assert_eq!(BackupState::parse("READY"), BackupState::Ready);
        assert!(!BackupState::parse("PENDING_DELETION").is_live());
        assert!(BackupState::parse("CREATE_IN_PROGRESS").is_live());
        assert!(is_backup_id("backup-abcdefghijk"));
        assert!(!is_backup_id("backup-abc"));
        assert!(!is_backup_id("backup-abcdefghij1"));
        assert!(!is_backup_id("cluster-abcdefghijk"));
        assert_eq!(MarkerPhase::parse("accepted"), MarkerPhase::Accepted);
        assert_eq!(MarkerPhase::parse("whatever"), MarkerPhase::Requested);
        let b = Backup {
            tags: [
                (copy_marker("eu-west-1"), "accepted".to_string()),
                ("team".to_string(), "pki".to_string()),
            ]
            .into(),
            ..Default::default()
        };
        assert_eq!(b.user_tags().len(), 1);
        let f = BackupFilter {
            source_backup_ids: vec!["backup-abcdefghijk".into()],
            never_expires: Some(true),
            ..Default::default()
        };
        let api = f.to_api();
        assert_eq!(api["neverExpires"], vec!["true".to_string()]);
        assert!(!api.contains_key("clusterIds"));
    }
}
