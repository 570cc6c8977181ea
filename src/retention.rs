//! Backup retention in days, the one rule for it: what a configured value must be (a whole
//! number from 7 to 379, of type `DAYS`), the words for a value that is not, and what a
//! cluster reports (its type, `DAYS` when blank, and its days). Shared by
//! `cloudhsm_cluster_config` (validate, apply, state) and the `cloudhsm_cluster` data source.
//!
//! Knows Terraform numbers and diagnostics and our `Cluster`; not the models that hold the
//! values (the callers pass the attribute paths).

use tfplugin::diagnostics::{AttributePath, Diagnostic};
use tfplugin::value::Number;

use crate::cloudhsm::{Cluster, RETENTION_TYPE};

/// Backup retention bounds, in days, inclusive.
pub const MIN_RETENTION_DAYS: i64 = 7;
pub const MAX_RETENTION_DAYS: i64 = 379;

/// A backup retention CloudHSM accepts: a whole number of days in range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionDays(i64);

/// Why a configured retention value is not one CloudHSM accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RetentionProblem {
    #[error("is not a whole number of days")]
    NotWhole,
    #[error("is out of range")]
    OutOfRange,
}

impl RetentionDays {
    /// The days in `n`, when CloudHSM accepts them.
    pub fn from_number(n: &Number) -> Result<Self, RetentionProblem> {
        if !n.is_whole() {
            return Err(RetentionProblem::NotWhole);
        }
        match n.as_i64() {
            Some(d) if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&d) => {
                Ok(RetentionDays(d))
            }
            _ => Err(RetentionProblem::OutOfRange),
        }
    }

    /// The days in `n`, or the error for it on `path`.
    pub fn checked(n: &Number, path: AttributePath) -> Result<Self, Diagnostic> {
        Self::from_number(n).map_err(|problem| value_diagnostic(n, problem, path))
    }

    pub fn days(self) -> i64 {
        self.0
    }
}

/// The error for a configured retention value `n` that has `problem`, on `path`.
pub fn value_diagnostic(n: &Number, problem: RetentionProblem, path: AttributePath) -> Diagnostic {
    Diagnostic::error(
        "Invalid backup retention",
        format!(
            "backup_retention_policy.value = {n} {problem}: CloudHSM keeps backups for \
             {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days. Set value to a whole number in \
             that range."
        ),
    )
    .at(path)
}

/// The error for a configured retention type that is not `DAYS`, if `kind` is one, on `path`.
pub fn type_diagnostic(kind: &str, path: AttributePath) -> Option<Diagnostic> {
    (kind != RETENTION_TYPE).then(|| {
        Diagnostic::error(
            "Invalid backup retention type",
            format!(
                "backup_retention_policy.type = {kind:?} is not a retention type: CloudHSM knows \
                 only \"{RETENTION_TYPE}\". Set type = \"{RETENTION_TYPE}\" or leave it out."
            ),
        )
        .at(path)
    })
}

/// The retention a cluster reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Reported {
    /// The retention type; `DAYS` when CloudHSM leaves it blank.
    pub kind: String,
    /// The days; `None` when the value is not a whole number.
    pub days: Option<Number>,
    /// The value as CloudHSM gave it.
    pub raw: String,
}

/// What `cluster` reports of its backup retention (`None`: no policy).
pub fn reported(cluster: &Cluster) -> Option<Reported> {
    cluster.backup_retention.as_ref().map(|p| Reported {
        kind: if p.kind.is_empty() {
            RETENTION_TYPE.to_string()
        } else {
            p.kind.clone()
        },
        days: cluster.retention_days().map(Number::from_i64),
        raw: p.value.clone(),
    })
}

/// The warning for a cluster that reports a retention value that is not a whole number of
/// days, on `path` (where it shows as null).
pub fn odd_value_warning(cluster_id: &str, raw: &str, path: AttributePath) -> Diagnostic {
    Diagnostic::warning(
        "Unexpected backup retention value",
        format!(
            "Cluster {cluster_id} reports a backup retention value of {raw:?}, which is not a \
             whole number of days, so backup_retention_policy.value is null. Please report \
             this to the provider's maintainers."
        ),
    )
    .at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} is a number"))
    }

    #[test]
    fn whole_days_in_range_only() {
        for (s, want) in [
            ("7", Ok(7)),
            ("379", Ok(379)),
            ("6", Err(RetentionProblem::OutOfRange)),
            ("380", Err(RetentionProblem::OutOfRange)),
            ("1e100", Err(RetentionProblem::OutOfRange)),
            ("7.5", Err(RetentionProblem::NotWhole)),
        ] {
            assert_eq!(
                RetentionDays::from_number(&number(s)).map(RetentionDays::days),
                want,
                "{s}"
            );
        }
    }
}
