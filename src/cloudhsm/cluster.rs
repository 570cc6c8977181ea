//! One CloudHSM cluster as `DescribeClusters` tells it, in our own types: the [`ClusterState`]
//! enum (one place for what a state means, so that the resources, the data source and the
//! waiter cannot drift apart), whether the cluster counts as initialized, whether any work is
//! running on it, and the rules of HSM type changes.
//!
//! Pure data and rules: no network, no Terraform.

use std::collections::BTreeMap;
use std::fmt;

/// A cluster's state. States the API may add later are kept verbatim in `Other`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ClusterState {
    CreateInProgress,
    #[default]
    Uninitialized,
    InitializeInProgress,
    Initialized,
    Active,
    UpdateInProgress,
    ModifyInProgress,
    RollbackInProgress,
    DeleteInProgress,
    Deleted,
    Degraded,
    /// A state this provider does not know (yet), as the API spelled it.
    Other(String),
}

impl ClusterState {
    const NAMED: [(ClusterState, &'static str); 11] = [
        (ClusterState::CreateInProgress, "CREATE_IN_PROGRESS"),
        (ClusterState::Uninitialized, "UNINITIALIZED"),
        (ClusterState::InitializeInProgress, "INITIALIZE_IN_PROGRESS"),
        (ClusterState::Initialized, "INITIALIZED"),
        (ClusterState::Active, "ACTIVE"),
        (ClusterState::UpdateInProgress, "UPDATE_IN_PROGRESS"),
        (ClusterState::ModifyInProgress, "MODIFY_IN_PROGRESS"),
        (ClusterState::RollbackInProgress, "ROLLBACK_IN_PROGRESS"),
        (ClusterState::DeleteInProgress, "DELETE_IN_PROGRESS"),
        (ClusterState::Deleted, "DELETED"),
        (ClusterState::Degraded, "DEGRADED"),
    ];

    /// The state for the API's name of it.
    pub fn parse(name: &str) -> ClusterState {
        ClusterState::NAMED
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| s.clone())
            .unwrap_or_else(|| ClusterState::Other(name.to_string()))
    }

    /// The API's name of the state, e.g. `UNINITIALIZED`.
    pub fn as_str(&self) -> &str {
        match self {
            ClusterState::Other(name) => name,
            known => ClusterState::NAMED
                .iter()
                .find(|(s, _)| s == known)
                .map_or("", |(_, n)| n),
        }
    }

    /// Some operation is running on the cluster (`*_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.as_str().ends_with("_IN_PROGRESS")
    }

    /// Deleted, or on its way there.
    pub fn is_gone(&self) -> bool {
        matches!(self, ClusterState::Deleted | ClusterState::DeleteInProgress)
    }
}

impl fmt::Display for ClusterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a cluster stands with its one-time initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initialization {
    /// Not initialized: no cluster certificate, whatever else the cluster is doing.
    NotYet,
    /// `INITIALIZE_IN_PROGRESS`.
    InProgress,
    /// It has a cluster certificate, or it is `INITIALIZED` / `ACTIVE`.
    Done,
}

/// One CloudHSM cluster as DescribeClusters tells it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    pub id: String,
    pub state: ClusterState,
    pub state_message: Option<String>,
    pub hsm_type: Option<String>,
    /// Unix seconds: until when the cluster can go back to its previous HSM type.
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

impl Hsm {
    /// The HSM is being created, deleted or changed.
    pub fn is_busy(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|s| s.ends_with("_IN_PROGRESS"))
    }
}

impl Cluster {
    /// An operation is running on the cluster itself (`*_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.state.is_busy()
    }

    /// An operation is running on the cluster or on any of its HSMs: what to look at when
    /// CloudHSM refuses a change, whatever words the refusal uses.
    pub fn has_work_running(&self) -> bool {
        self.is_busy() || self.hsms.iter().any(Hsm::is_busy)
    }

    pub fn is_gone(&self) -> bool {
        self.state.is_gone()
    }

    /// Whether the cluster counts as initialized. Only a cluster certificate or an
    /// initialization state proves it: a busy or degraded cluster may still be uninitialized.
    pub fn initialization(&self) -> Initialization {
        match self.state {
            ClusterState::InitializeInProgress => Initialization::InProgress,
            ClusterState::Initialized | ClusterState::Active => Initialization::Done,
            _ if self.certificates.cluster_certificate.is_some() => Initialization::Done,
            _ => Initialization::NotYet,
        }
    }

    /// The cluster's first HSM is on its way, so the CSR will appear.
    pub fn hsm_being_created(&self) -> bool {
        self.hsms
            .iter()
            .any(|h| h.state.as_deref() == Some("CREATE_IN_PROGRESS"))
    }

    pub fn retention_days(&self) -> Option<i64> {
        self.backup_retention
            .as_ref()
            .and_then(|p| p.value.trim().parse().ok())
    }

    /// The state as users read it: `ACTIVE`, or `DEGRADED (an HSM failed)`.
    pub fn describe_state(&self) -> String {
        match self.state_message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => format!("{} ({m})", self.state),
            None => self.state.to_string(),
        }
    }
}

/// HSM types CloudHSM offers today; others that match the pattern get a warning only.
pub const KNOWN_HSM_TYPES: &[&str] = &["hsm1.medium", "hsm2m.medium"];
/// The API's HSM type pattern and length, as users read them in errors.
pub const HSM_TYPE_PATTERN: &str = "((p|)hsm[0-9][a-z.]*\\.[a-zA-Z]+)";
pub const HSM_TYPE_MAX_LEN: usize = 32;

/// True when `t` matches `((p|)hsm[0-9][a-z.]*\.[a-zA-Z]+)` and has at most 32 characters.
pub fn is_hsm_type(t: &str) -> bool {
    if t.len() > HSM_TYPE_MAX_LEN {
        return false;
    }
    let rest = t.strip_prefix('p').unwrap_or(t);
    let Some(rest) = rest.strip_prefix("hsm") else {
        return false;
    };
    let mut chars = rest.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    // `[a-z.]*` then `\.` then `[a-zA-Z]+`: the last '.' separates the two parts.
    let Some((middle, last)) = chars.as_str().rsplit_once('.') else {
        return false;
    };
    middle.chars().all(|c| c.is_ascii_lowercase() || c == '.')
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_alphabetic())
}

/// HSM type migrations CloudHSM performs in place, from → to. Going back the other way is
/// a rollback, possible only until `HsmTypeRollbackExpiration`.
pub const HSM_TYPE_MIGRATIONS: &[(&str, &str)] = &[("hsm1.medium", "hsm2m.medium")];

/// What changing a cluster's HSM type from one type to another is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HsmTypeChange {
    Same,
    /// A migration CloudHSM performs in place.
    Migration,
    /// Back to the type before a migration; `window_until` is the rollback expiration the
    /// cluster reports (unix seconds), if any.
    Rollback {
        window_until: Option<i64>,
    },
    /// A change between types this provider knows no rule for; CloudHSM decides.
    Unknown,
}

impl HsmTypeChange {
    pub fn classify(from: &str, to: &str, rollback_expiration: Option<i64>) -> HsmTypeChange {
        if from == to {
            HsmTypeChange::Same
        } else if HSM_TYPE_MIGRATIONS.contains(&(from, to)) {
            HsmTypeChange::Migration
        } else if HSM_TYPE_MIGRATIONS.contains(&(to, from)) {
            HsmTypeChange::Rollback {
                window_until: rollback_expiration,
            }
        } else {
            HsmTypeChange::Unknown
        }
    }

    /// For a rollback: whether the window is still open at `now` (unix seconds).
    pub fn rollback_open(&self, now: i64) -> bool {
        match self {
            HsmTypeChange::Rollback { window_until } => window_until.is_some_and(|t| t > now),
            _ => true,
        }
    }
}

/// The settings a configuration asks for; `None` leaves a setting as the cluster has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    pub hsm_type: Option<String>,
    pub retention_days: Option<i64>,
}

/// The only retention type the API knows.
pub const RETENTION_TYPE: &str = "DAYS";

impl Desired {
    /// What `ModifyCluster` must receive to take `cluster` here: only the fields that
    /// differ. Empty when nothing differs (then no call is made).
    pub fn change_from(&self, cluster: &Cluster) -> ClusterChange {
        ClusterChange {
            hsm_type: self
                .hsm_type
                .as_ref()
                .filter(|t| cluster.hsm_type.as_ref() != Some(*t))
                .cloned(),
            backup_retention_days: self.retention_days.filter(|d| {
                cluster.retention_days() != Some(*d)
                    || cluster
                        .backup_retention
                        .as_ref()
                        .is_some_and(|p| !p.kind.is_empty() && p.kind != RETENTION_TYPE)
            }),
        }
    }

    /// True when `cluster` already has every requested setting.
    pub fn is_met_by(&self, cluster: &Cluster) -> bool {
        self.change_from(cluster).is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_classify() {
        for (state, name) in ClusterState::NAMED.iter() {
            assert_eq!(&ClusterState::parse(name), state);
            assert_eq!(state.as_str(), *name);
        }
        let new = ClusterState::parse("MIGRATE_IN_PROGRESS");
        assert_eq!(new, ClusterState::Other("MIGRATE_IN_PROGRESS".into()));
        assert!(new.is_busy(), "an unknown *_IN_PROGRESS state is busy too");
        assert!(ClusterState::DeleteInProgress.is_gone());
        assert!(!ClusterState::Degraded.is_busy());
    }

    #[test]
    fn only_a_certificate_or_an_initialization_state_counts_as_initialized() {
        let mut c = Cluster {
            state: ClusterState::UpdateInProgress,
            ..Default::default()
        };
        for busy_or_degraded in [
            ClusterState::UpdateInProgress,
            ClusterState::ModifyInProgress,
            ClusterState::RollbackInProgress,
            ClusterState::Degraded,
            ClusterState::Uninitialized,
        ] {
            c.state = busy_or_degraded;
            assert_eq!(c.initialization(), Initialization::NotYet, "{}", c.state);
        }
        c.certificates.cluster_certificate = Some("-----BEGIN CERTIFICATE-----".into());
        assert_eq!(c.initialization(), Initialization::Done);
        c.certificates.cluster_certificate = None;
        c.state = ClusterState::InitializeInProgress;
        assert_eq!(c.initialization(), Initialization::InProgress);
        c.state = ClusterState::Active;
        assert_eq!(c.initialization(), Initialization::Done);
    }

    #[test]
    fn work_running_includes_hsms() {
        let mut c = Cluster {
            state: ClusterState::Active,
            hsms: vec![Hsm {
                state: Some("ACTIVE".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(!c.has_work_running());
        c.hsms[0].state = Some("DELETE_IN_PROGRESS".into());
        assert!(c.has_work_running() && !c.is_busy());
    }

    #[test]
    fn hsm_type_changes_know_migrations_and_rollbacks() {
        assert_eq!(
            HsmTypeChange::classify("hsm1.medium", "hsm2m.medium", None),
            HsmTypeChange::Migration
        );
        let back = HsmTypeChange::classify("hsm2m.medium", "hsm1.medium", Some(100));
        assert_eq!(
            back,
            HsmTypeChange::Rollback {
                window_until: Some(100)
            }
        );
        assert!(back.rollback_open(99));
        assert!(!back.rollback_open(100));
        assert!(!HsmTypeChange::classify("hsm2m.medium", "hsm1.medium", None).rollback_open(0));
        assert_eq!(
            HsmTypeChange::classify("hsm2m.medium", "hsm9.large", None),
            HsmTypeChange::Unknown
        );
    }

    #[test]
    fn hsm_types_follow_the_api_pattern() {
        for good in ["hsm1.medium", "hsm2m.medium", "phsm3.large", "hsm9a.b.XL"] {
            assert!(is_hsm_type(good), "{good}");
        }
        for bad in [
            "",
            "hsm1",
            "hsm.medium",
            "hsm1.",
            "HSM1.medium",
            "xhsm1.medium",
            "hsm1.medium2",
            "hsm1M.medium",
            "hsm1.medium-x",
        ] {
            assert!(!is_hsm_type(bad), "{bad}");
        }
        let longest = format!("hsm1.{}", "a".repeat(27));
        assert_eq!(longest.len(), 32);
        assert!(is_hsm_type(&longest));
        assert!(!is_hsm_type(&format!("{longest}a")), "33 characters");
    }

    #[test]
    fn change_holds_only_what_differs() {
        let c = Cluster {
            hsm_type: Some("hsm1.medium".into()),
            backup_retention: Some(RetentionPolicy {
                kind: "DAYS".into(),
                value: "90".into(),
            }),
            ..Default::default()
        };
        let d = Desired {
            hsm_type: Some("hsm1.medium".into()),
            retention_days: Some(30),
        };
        assert_eq!(
            d.change_from(&c),
            ClusterChange {
                hsm_type: None,
                backup_retention_days: Some(30)
            }
        );
        assert!(Desired::default().is_met_by(&c));
    }
}
