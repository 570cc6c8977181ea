//! Resource `cloudhsm_cluster_config`: a cluster's HSM type and backup retention, changed in
//! place with `ModifyCluster`.
//!
//! - validate: `hsm_type` shape (and a warning for a type we do not know yet), retention
//!   7..379 whole days of type `DAYS`, the cluster id; each on its attribute.
//! - plan: an omitted setting keeps what the cluster has (unknown in the plan on create: a
//!   plan-time read may differ or fail when Terraform plans again at apply); an
//!   HSM type migration carries a warning, a rollback after its window closed is an error on
//!   `hsm_type`. The typed layer makes unknown what an update cannot promise, so saved plans
//!   survive harmless drift.
//! - apply: the AWS layer's modify-and-wait, then the state as the cluster reports it.
//! - read: refreshes both settings, so console changes show up as drift.
//! - destroy: no API call; the settings stay on the cluster.

use std::sync::Arc;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Number;
use tfplugin::{
    async_trait, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success, Timeouts,
    TypedResource,
};

use crate::aws_diagnostics::{cluster_not_found, modify_diagnostic, Subject};
use crate::clock;
use crate::cloudhsm::cluster::{is_hsm_type, HSM_TYPE_MAX_LEN, HSM_TYPE_PATTERN, KNOWN_HSM_TYPES};
use crate::cloudhsm::{Cluster, Desired, HsmTypeChange, RETENTION_TYPE};
use crate::cluster_id::validate_cluster_id;
use crate::cluster_ref::{self, attr};
use crate::context::{PlanRead, ProviderContext};
use crate::retention::{self, RetentionDays};

/// The resource's attributes. An HSM type migration replaces the hardware of every HSM,
/// which can take a long time on a large cluster: hence the long default timeouts.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ClusterConfig {
    /// The cluster id (the same as `cluster_id`).
    #[tf(computed, keep, copy_of = cluster_id)]
    pub id: Field<String>,
    /// Id of the cluster to configure, e.g. `cluster-jxhlf7644ne`. Changing it configures
    /// another cluster (a replacement; the old one keeps its settings).
    #[tf(required, requires_replace)]
    pub cluster_id: Field<String>,
    /// HSM type of the cluster: `hsm1.medium` or `hsm2m.medium`. Changing it migrates every
    /// HSM in place (the cluster is in `MODIFY_IN_PROGRESS` meanwhile) and opens a rollback
    /// window, see `hsm_type_rollback_expiration`. Left out: the cluster keeps its type.
    #[tf(optional, computed)]
    pub hsm_type: Field<String>,
    /// How long CloudHSM keeps the cluster's backups. Left out: the cluster keeps its policy.
    #[tf(optional, computed, nested)]
    pub backup_retention_policy: Field<BackupRetention>,
    /// Cluster state after the last apply or refresh, e.g. `ACTIVE`.
    #[tf(computed)]
    pub state: Field<String>,
    /// CloudHSM's description of the state, if any.
    #[tf(computed)]
    pub state_message: Field<String>,
    /// The cluster's backup policy, e.g. `DEFAULT`.
    #[tf(computed)]
    pub backup_policy: Field<String>,
    /// After an HSM type migration: until when (RFC 3339) the cluster can be rolled back to
    /// its previous type by setting `hsm_type` back. Null when no rollback is possible.
    #[tf(computed)]
    pub hsm_type_rollback_expiration: Field<String>,
    #[tf(timeouts(create = "2h", update = "2h"))]
    pub timeouts: Field<Timeouts>,
}

/// `backup_retention_policy`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BackupRetention {
    /// Retention type. Only `DAYS` exists; the default.
    #[tf(optional, computed, default = RETENTION_TYPE)]
    pub r#type: Field<String>,
    /// How many days CloudHSM keeps backups: a whole number from 7 to 379.
    #[tf(required)]
    pub value: Field<Number>,
}

pub struct ClusterConfigResource {
    context: Arc<ProviderContext>,
}

impl ClusterConfigResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterConfigResource { context }
    }
}

fn retention_path(field: &str) -> AttributePath {
    attr(ClusterConfig::BACKUP_RETENTION_POLICY).then_attr(field)
}

/// Checks a known `hsm_type`: an error for a malformed one, a warning for a well-formed one
/// this provider does not know yet.
pub fn validate_hsm_type(hsm_type: &Field<String>) -> Diagnostics {
    let path = attr(ClusterConfig::HSM_TYPE);
    match hsm_type.known() {
        Some(t) if !is_hsm_type(t) => Diagnostic::error(
            "Invalid HSM type",
            format!(
                "{t:?} is not an HSM type: CloudHSM accepts names matching {HSM_TYPE_PATTERN} \
                 with at most {HSM_TYPE_MAX_LEN} characters. Use one of {}.",
                KNOWN_HSM_TYPES.join(", ")
            ),
        )
        .at(path)
        .into(),
        Some(t) if !KNOWN_HSM_TYPES.contains(&t.as_str()) => Diagnostic::warning(
            "Unknown HSM type",
            format!(
                "{t:?} is well formed but not one of the HSM types this provider knows ({}). \
                 If AWS has added it, this is fine; otherwise check the spelling, because \
                 CloudHSM will refuse an unknown type when the change is applied.",
                KNOWN_HSM_TYPES.join(", ")
            ),
        )
        .at(path)
        .into(),
        _ => Diagnostics::new(),
    }
}

/// Checks a `backup_retention_policy` (any part may be null or unknown).
pub fn validate_retention(policy: &Field<BackupRetention>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(policy) = policy.known() else {
        return diags; // null or unknown: nothing to check yet
    };
    if let Some(t) = policy.r#type.known() {
        diags.extend(retention::type_diagnostic(
            t,
            retention_path(BackupRetention::TYPE),
        ));
    }
    if let Some(n) = policy.value.known() {
        if let Err(d) = RetentionDays::checked(n, retention_path(BackupRetention::VALUE)) {
            diags.push(d);
        }
    }
    diags
}

/// The settings the configuration asks for (at apply, where every value is known). Omitted
/// settings are left alone.
pub fn desired_from_config(config: &ClusterConfig) -> Result<Desired, Diagnostic> {
    let days = match config.backup_retention_policy.known().map(|p| &p.value) {
        Some(Field::Known(n)) => {
            Some(RetentionDays::checked(n, retention_path(BackupRetention::VALUE))?.days())
        }
        _ => None,
    };
    Ok(Desired {
        hsm_type: config.hsm_type.known().cloned(),
        retention_days: days,
    })
}

/// The cluster's `backup_retention_policy` (null when it reports none).
fn retention_of(cluster: &Cluster) -> Field<BackupRetention> {
    retention::reported(cluster).map_or(Field::Null, |p| {
        Field::Known(BackupRetention {
            r#type: Field::Known(p.kind),
            value: p.days.into(),
        })
    })
}

/// The resource state for `cluster`, keeping the user's `timeouts`.
pub fn state_from_cluster(
    cluster_id: &str,
    cluster: &Cluster,
    timeouts: Field<Timeouts>,
) -> ClusterConfig {
    ClusterConfig {
        id: Field::Known(cluster_id.to_string()),
        cluster_id: Field::Known(cluster_id.to_string()),
        hsm_type: cluster.hsm_type.clone().into(),
        backup_retention_policy: retention_of(cluster),
        state: Field::Known(cluster.state.as_str().to_string()),
        state_message: cluster.state_message.clone().into(),
        backup_policy: cluster.backup_policy.clone().into(),
        hsm_type_rollback_expiration: cluster
            .hsm_type_rollback_expiration
            .map(crate::dates::rfc3339)
            .into(),
        timeouts,
    }
}

/// The warning a plan carries when it migrates the HSM type.
fn migration_warning(from: &str, to: &str) -> Diagnostic {
    Diagnostic::warning(
        "HSM type migration",
        format!(
            "Changing hsm_type from {from} to {to} migrates the cluster in place: CloudHSM \
             replaces the hardware of every HSM while the cluster is in MODIFY_IN_PROGRESS, \
             which can take a long time; keys and users are kept, and the cluster cannot be \
             changed otherwise until it is done. Afterwards hsm_type_rollback_expiration \
             shows until when you can roll back by setting hsm_type = \"{from}\" again; after \
             that time the migration is permanent."
        ),
    )
    .at(attr(ClusterConfig::HSM_TYPE))
}

/// What a plan says about changing the HSM type of `cluster_id` from `from` to `to`, given
/// the cluster as read at plan time (`None`: not read).
fn hsm_type_change_diagnostic(
    cluster_id: &str,
    from: &str,
    to: &str,
    cluster: Option<&Cluster>,
) -> Option<Diagnostic> {
    let change = HsmTypeChange::classify(
        from,
        to,
        cluster.and_then(|c| c.hsm_type_rollback_expiration),
    );
    let path = attr(ClusterConfig::HSM_TYPE);
    match change {
        HsmTypeChange::Same | HsmTypeChange::Unknown => None,
        HsmTypeChange::Migration => Some(migration_warning(from, to)),
        // Without a fresh read (provider configuration unknown at plan) CloudHSM decides.
        HsmTypeChange::Rollback { .. } if cluster.is_none() => None,
        HsmTypeChange::Rollback {
            window_until: Some(until),
        } if change.rollback_open(clock::now_unix()) => Some(
            Diagnostic::warning(
                "HSM type rollback",
                format!(
                    "Changing hsm_type from {from} back to {to} rolls the migration back: \
                     CloudHSM replaces the hardware of every HSM again while the cluster is in \
                     ROLLBACK_IN_PROGRESS. The rollback window is open until {}.",
                    crate::dates::rfc3339(until)
                ),
            )
            .at(path),
        ),
        HsmTypeChange::Rollback { window_until } => {
            let window = match window_until {
                Some(until) => format!(
                    "That window closed at {}, so CloudHSM will refuse the rollback",
                    crate::dates::rfc3339(until)
                ),
                None => format!(
                    "The cluster reports no rollback window (hsm_type_rollback_expiration is \
                     empty): it has closed, or the cluster was never migrated from {to}, so \
                     CloudHSM will refuse the change"
                ),
            };
            Some(
                Diagnostic::error(
                    "HSM type rollback is no longer possible",
                    format!(
                        "Cluster {cluster_id} has HSM type {from}. Going back to {to} rolls a \
                         migration back, which CloudHSM allows only until the time in \
                         hsm_type_rollback_expiration. {window}. What to do: keep hsm_type = \
                         \"{from}\" (the migration is permanent now); to run on {to} again, \
                         create a new cluster of that type (for example from a backup taken \
                         before the migration)."
                    ),
                )
                .at(path),
            )
        }
    }
}

impl ClusterConfigResource {
    /// Create and update: the AWS layer's modify-and-wait, then the state as the cluster
    /// really is. Once CloudHSM accepted a change, or on update, a failure still records the
    /// cluster as last seen; a create that changed nothing leaves no state behind.
    async fn converge(
        &self,
        planned: ClusterConfig,
        apply: ChangeRequest<ClusterConfig>,
        creating: bool,
    ) -> Result<ClusterConfig, Failure<ClusterConfig>> {
        let cluster_id = planned.cluster_id.known().cloned().unwrap_or_default();
        let desired = desired_from_config(&apply.config).map_err(Failure::unchanged)?;
        let client = self.context.client().await.map_err(Failure::unchanged)?;
        match client
            .modify_and_wait(&cluster_id, &desired, apply.timeout)
            .await
        {
            Ok(cluster) => Ok(state_from_cluster(&cluster_id, &cluster, planned.timeouts)),
            Err(err) => {
                let diagnostic =
                    modify_diagnostic(&err, &cluster_id, attr(ClusterConfig::HSM_TYPE));
                match err.last_seen() {
                    Some(c) if !creating || err.change_accepted().is_some() => {
                        Err(Failure::with_state(
                            state_from_cluster(&cluster_id, c, planned.timeouts),
                            diagnostic,
                        ))
                    }
                    _ => Err(Failure::unchanged(diagnostic)),
                }
            }
        }
    }
}

#[async_trait]
impl TypedResource for ClusterConfigResource {
    type Model = ClusterConfig;
    const TYPE_NAME: &'static str = "cloudhsm_cluster_config";

    fn description(&self) -> String {
        "The HSM type and backup retention of an AWS CloudHSM v2 cluster, changed in place \
         with `ModifyCluster`. An HSM type change (`hsm1.medium` to `hsm2m.medium`) migrates \
         the cluster without destroying it or its keys. Removing this resource leaves the \
         settings as they are."
            .to_string()
    }

    async fn validate(&self, config: &ClusterConfig) -> Diagnostics {
        let mut diags = validate_cluster_id(&config.cluster_id, ClusterConfig::CLUSTER_ID);
        diags.append(validate_hsm_type(&config.hsm_type));
        diags.append(validate_retention(&config.backup_retention_policy));
        diags
    }

    async fn modify_plan(&self, plan: &mut Plan<ClusterConfig>) {
        let Some(id) = plan.planned.cluster_id.known().cloned() else {
            return;
        };
        let prior_type = plan
            .prior
            .as_ref()
            .and_then(|p| p.hsm_type.known().cloned());
        let type_changes = plan
            .config
            .hsm_type
            .known()
            .is_some_and(|t| prior_type.as_ref() != Some(t));
        // On create read the cluster to show what an omitted setting will be and to catch a
        // wrong id before apply; on an HSM type change, to know the rollback window.
        let mut cluster = None;
        if plan.is_create() || type_changes {
            let read = self
                .context
                .read_at_plan(
                    &Subject::cluster(&id),
                    "reading its settings",
                    &mut plan.diagnostics,
                )
                .await;
            match read {
                PlanRead::Found(c) if !c.is_gone() => cluster = Some(*c),
                PlanRead::Found(_) | PlanRead::NotFound => {
                    plan.diagnostics.push(cluster_not_found(&id));
                    return;
                }
                PlanRead::Unavailable => {}
            }
        }
        // Nothing read here goes into the plan: on create an omitted setting stays unknown
        // until apply, as the value read now could differ by then (a saved plan, a console
        // change) or not be readable at all when Terraform plans again during apply, and a
        // known planned value must not change.
        let from = cluster
            .as_ref()
            .and_then(|c| c.hsm_type.clone())
            .or(prior_type);
        if let (Some(from), Some(to)) = (from, plan.planned.hsm_type.known()) {
            plan.diagnostics
                .extend(hsm_type_change_diagnostic(&id, &from, to, cluster.as_ref()));
        }
    }

    fn deletion(&self, prior: &ClusterConfig) -> Deletion {
        let cluster_id = prior
            .cluster_id
            .known()
            .map_or("the cluster", String::as_str);
        Deletion::Forget {
            warning: Diagnostic::warning(
                "Cluster settings stay as they are",
                format!(
                    "Removing cloudhsm_cluster_config only removes it from the Terraform state: \
                 cluster {cluster_id} keeps its HSM type and backup retention, and no API call \
                 is made. Change them with a new cloudhsm_cluster_config or in the CloudHSM \
                 console."
                ),
            ),
        }
    }

    async fn create(
        &self,
        planned: ClusterConfig,
        apply: ChangeRequest<ClusterConfig>,
    ) -> Result<Success<ClusterConfig>, Failure<ClusterConfig>> {
        self.converge(planned, apply, true).await.map(Success::from)
    }

    async fn update(
        &self,
        _prior: ClusterConfig,
        planned: ClusterConfig,
        apply: ChangeRequest<ClusterConfig>,
    ) -> Result<Success<ClusterConfig>, Failure<ClusterConfig>> {
        self.converge(planned, apply, false)
            .await
            .map(Success::from)
    }

    async fn read(
        &self,
        current: ClusterConfig,
    ) -> Result<Success<Option<ClusterConfig>>, Diagnostics> {
        let cluster_id = cluster_ref::id_in_state(
            current.cluster_id.known().or(current.id.known()),
            Self::TYPE_NAME,
            "and import it again with its cluster id",
        )?;
        let doing = "refreshing the cluster's settings";
        cluster_ref::refresh(&self.context, &cluster_id, doing, |c| {
            if c.is_gone() {
                tracing::info!(
                    cluster_id,
                    "cluster is gone; removing its config from state"
                );
                return None;
            }
            Some(state_from_cluster(&cluster_id, &c, current.timeouts))
        })
        .await
        .map(Success::from)
    }

    async fn import(&self, id: &str) -> Result<ClusterConfig, Diagnostics> {
        let id = cluster_ref::imported_id(id, Self::TYPE_NAME)?;
        Ok(ClusterConfig {
            id: Field::Known(id.clone()),
            cluster_id: Field::Known(id),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests;
