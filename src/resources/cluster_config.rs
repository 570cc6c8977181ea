//! Resource `cloudhsm_cluster_config`: a cluster's HSM type and backup retention, changed in
//! place with `ModifyCluster`.
//!
//! - validate: `hsm_type` shape (and a warning for a type we do not know yet), retention
//!   7..379 whole days of type `DAYS`, the timeouts, the cluster id; each on its attribute.
//! - plan: an omitted setting keeps what the cluster has (read at plan time on create); a
//!   set one that differs is an in-place update; an HSM type migration carries a warning, a
//!   rollback after its window closed is an error on `hsm_type`. On update, what the apply
//!   may report differently is unknown, so saved plans survive harmless drift.
//! - apply: the AWS layer's modify-and-wait (only the fields that differ, retried while the
//!   cluster or an HSM is busy), then the state as the cluster reports it.
//! - read: refreshes both settings, so console changes show up as drift.
//! - destroy: no API call; the settings stay on the cluster.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws_diagnostics::{api_diagnostic, cluster_not_found, wait_diagnostic};
use crate::certs;
use crate::cloudhsm::{Cluster, Desired, ErrorKind, HsmTypeChange, Initialization, ModifyError};
use crate::cluster_id::{is_cluster_id, validate_cluster_id};
use crate::context::{PlanRead, ProviderContext};
use crate::resources::common::{self, timeouts_attribute, validate_timeouts};
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::interface::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Field, Number, ObjectBuilder, ObjectReader, Value};

/// HSM types CloudHSM offers today; others that match the pattern get a warning only.
pub const KNOWN_HSM_TYPES: &[&str] = &["hsm1.medium", "hsm2m.medium"];
/// The API's HSM type pattern and length, as users read them in errors.
pub const HSM_TYPE_PATTERN: &str = "((p|)hsm[0-9][a-z.]*\\.[a-zA-Z]+)";
pub const HSM_TYPE_MAX_LEN: usize = 32;
/// Backup retention bounds, in days, inclusive.
pub const MIN_RETENTION_DAYS: i64 = 7;
pub const MAX_RETENTION_DAYS: i64 = 379;
/// The only retention type the API knows.
pub const RETENTION_TYPE: &str = "DAYS";

/// Default waits. An HSM type migration replaces the hardware of every HSM, which can take
/// a long time on a large cluster.
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
const TIMEOUTS: [(&str, Duration); 2] = [
    ("create", DEFAULT_CREATE_TIMEOUT),
    ("update", DEFAULT_UPDATE_TIMEOUT),
];

pub struct ClusterConfigResource {
    context: Arc<ProviderContext>,
}

impl ClusterConfigResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterConfigResource { context }
    }
}

// ---------------------------------------------------------------------------------------
// Pure rules: validation, the field diff, the plan, the state
// ---------------------------------------------------------------------------------------

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

/// Checks a known `hsm_type`: an error for a malformed one, a warning for a well-formed one
/// this provider does not know yet.
pub fn validate_hsm_type(hsm_type: &Field<String>) -> Diagnostics {
    let path = AttributePath::attr("hsm_type");
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

/// Checks a `backup_retention_policy` object (any part may be null or unknown).
pub fn validate_retention(policy: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let base = AttributePath::attr("backup_retention_policy");
    let Ok(reader) = ObjectReader::new(policy, base.clone()) else {
        return diags; // null or unknown: nothing to check yet
    };
    match reader.get::<Field<String>>("type") {
        Ok(Field::Known(t)) if t != RETENTION_TYPE => diags.push(
            Diagnostic::error(
                "Invalid backup retention type",
                format!(
                    "backup_retention_policy.type = {t:?} is not a retention type: CloudHSM \
                     knows only \"{RETENTION_TYPE}\". Set type = \"{RETENTION_TYPE}\" or \
                     leave it out."
                ),
            )
            .at(reader.path_of("type")),
        ),
        Ok(_) => {}
        Err(e) => diags.push(Diagnostic::from(e)),
    }
    match reader.get::<Field<Number>>("value") {
        Ok(Field::Known(n)) => {
            let days = n.as_i64().filter(|_| n.is_whole());
            let problem = match days {
                _ if !n.is_whole() => Some("is not a whole number of days"),
                Some(d) if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&d) => None,
                _ => Some("is out of range"),
            };
            if let Some(problem) = problem {
                diags.push(
                    Diagnostic::error(
                        "Invalid backup retention",
                        format!(
                            "backup_retention_policy.value = {n} {problem}: CloudHSM keeps \
                             backups for {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days. \
                             Set value to a whole number in that range."
                        ),
                    )
                    .at(reader.path_of("value")),
                );
            }
        }
        Ok(_) => {}
        Err(e) => diags.push(Diagnostic::from(e)),
    }
    diags
}

/// The settings the configuration asks for (at apply, where every value is known). Omitted
/// or still unknown settings are left alone.
pub fn desired_from_config(config: &Value) -> Result<Desired, Diagnostic> {
    let reader = ObjectReader::new(config, AttributePath::root())?;
    let hsm_type = reader.get::<Field<String>>("hsm_type")?.into_known();
    let retention_days = match ObjectReader::new(
        reader.value("backup_retention_policy"),
        reader.path_of("backup_retention_policy"),
    ) {
        Ok(policy) => match policy.get::<Field<Number>>("value")? {
            Field::Known(n) => Some(n.as_i64().filter(|_| n.is_whole()).ok_or_else(|| {
                Diagnostic::error(
                    "Invalid backup retention",
                    format!(
                        "{n} is not a whole number of days between {MIN_RETENTION_DAYS} \
                         and {MAX_RETENTION_DAYS}."
                    ),
                )
                .at(policy.path_of("value"))
            })?),
            _ => None,
        },
        Err(_) => None,
    };
    Ok(Desired {
        hsm_type,
        retention_days,
    })
}

/// The `backup_retention_policy` value for a cluster (null when it reports none).
fn retention_value(cluster: &Cluster) -> Value {
    match &cluster.backup_retention {
        Some(policy) => ObjectBuilder::new()
            .set(
                "type",
                if policy.kind.is_empty() {
                    RETENTION_TYPE
                } else {
                    policy.kind.as_str()
                },
            )
            .set("value", Number::parse(&policy.value))
            .build(),
        None => Value::Null,
    }
}

/// The resource state for `cluster`, keeping the user's `timeouts`.
pub fn state_from_cluster(cluster_id: &str, cluster: &Cluster, timeouts: Value) -> Value {
    ObjectBuilder::new()
        .set("id", cluster_id)
        .set("cluster_id", cluster_id)
        .set("hsm_type", cluster.hsm_type.clone())
        .set("backup_retention_policy", retention_value(cluster))
        .set("state", cluster.state.as_str())
        .set("state_message", cluster.state_message.clone())
        .set("backup_policy", cluster.backup_policy.clone())
        .set(
            "hsm_type_rollback_expiration",
            cluster
                .hsm_type_rollback_expiration
                .map(crate::dates::rfc3339),
        )
        .set("timeouts", timeouts)
        .build()
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
    .at(AttributePath::attr("hsm_type"))
}

/// What a plan says about changing the HSM type of `cluster_id` from `from` to `to`, given
/// the rollback expiration the cluster reports (`None`: the cluster was not read).
fn hsm_type_change_diagnostic(
    cluster_id: &str,
    from: &str,
    to: &str,
    cluster: Option<&Cluster>,
) -> Option<Diagnostic> {
    let expiration = cluster.and_then(|c| c.hsm_type_rollback_expiration);
    let change = HsmTypeChange::classify(from, to, expiration);
    let path = AttributePath::attr("hsm_type");
    match change {
        HsmTypeChange::Same | HsmTypeChange::Unknown => None,
        HsmTypeChange::Migration => Some(migration_warning(from, to)),
        // Without a fresh read (provider configuration unknown at plan) CloudHSM decides.
        HsmTypeChange::Rollback { .. } if cluster.is_none() => None,
        HsmTypeChange::Rollback {
            window_until: Some(until),
        } if change.rollback_open(certs::now_unix()) => Some(
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

/// The computed attributes that describe the cluster as it is after apply.
const STATUS_ATTRIBUTES: [&str; 4] = [
    "state",
    "state_message",
    "backup_policy",
    "hsm_type_rollback_expiration",
];
/// The settings a configuration may leave out (then the cluster keeps its own).
const SETTINGS: [&str; 2] = ["hsm_type", "backup_retention_policy"];

/// The outcome of planning, before the RPC answer is assembled.
#[derive(Debug, Default)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// Plans a create or update. `cluster` is the cluster as read at plan time (on create or
/// replacement, and on an HSM type change; `None` when it could not be read).
///
/// On update, every attribute the apply may report differently from today is unknown: the
/// status attributes always (the cluster may go from INITIALIZED to ACTIVE, or a rollback
/// window may close, between plan and apply), and the settings the configuration leaves out.
/// A saved plan therefore applies cleanly after harmless changes out of band.
pub fn plan_state(
    prior: &Value,
    proposed: &Value,
    config: &Value,
    cluster: Option<&Cluster>,
) -> Planned {
    let mut out = Planned::default();
    let mut planned: BTreeMap<String, Value> = match proposed.peel() {
        Value::Object(m) => m.clone(),
        other => {
            out.diagnostics.push(Diagnostic::error(
                "Unexpected proposed state",
                format!(
                    "Terraform proposed {} for cloudhsm_cluster_config instead of an object. \
                     This is a bug; please report it.",
                    other.kind_name()
                ),
            ));
            return out;
        }
    };
    let get = |m: &BTreeMap<String, Value>, k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    let cluster_id = get(&planned, "cluster_id");
    planned.insert(
        "id".into(),
        match cluster_id.as_str() {
            Some(id) => Value::string(id),
            None => Value::unknown(),
        },
    );
    let creating = prior.is_null();
    let replacing = !creating && prior.get("cluster_id") != Some(&cluster_id);
    if replacing {
        out.requires_replace.push(AttributePath::attr("cluster_id"));
    }
    let fresh = creating || replacing;

    // Settings the configuration leaves out: what the cluster has (create), else unknown.
    if get(&planned, "hsm_type").is_null() && fresh {
        let from_cluster = cluster.and_then(|c| c.hsm_type.clone());
        planned.insert(
            "hsm_type".into(),
            from_cluster.map_or_else(Value::unknown, Value::String),
        );
    }
    let mut retention = get(&planned, "backup_retention_policy");
    if retention.is_null() && fresh {
        retention = cluster.map_or_else(Value::unknown, retention_value);
    }
    if let Value::Object(policy) = &mut retention {
        if policy.get("type").is_none_or(Value::is_null) {
            policy.insert("type".into(), Value::string(RETENTION_TYPE));
        }
    }
    planned.insert("backup_retention_policy".into(), retention);

    // `timeouts` is computed only to work around Terraform 1.0.x; it is what the
    // configuration says, never a value kept from the prior state.
    planned.insert(
        "timeouts".into(),
        config.get("timeouts").cloned().unwrap_or(Value::Null),
    );

    let label = cluster_id.as_str().unwrap_or("(unknown)");
    let hsm_type = get(&planned, "hsm_type");
    let from_type = match cluster.and_then(|c| c.hsm_type.clone()) {
        Some(t) => Some(t),
        None if !fresh => prior
            .get("hsm_type")
            .and_then(Value::as_str)
            .map(str::to_string),
        None => None,
    };
    if let (Some(from), Some(to)) = (from_type.as_deref(), hsm_type.as_str()) {
        out.diagnostics
            .extend(hsm_type_change_diagnostic(label, from, to, cluster));
    }
    if fresh {
        for name in STATUS_ATTRIBUTES {
            planned.insert(name.into(), Value::unknown());
        }
    } else {
        let changes = SETTINGS
            .iter()
            .chain(std::iter::once(&"timeouts"))
            .any(|&name| planned.get(name) != prior.get(name));
        if changes {
            for name in STATUS_ATTRIBUTES {
                planned.insert(name.into(), Value::unknown());
            }
            for name in SETTINGS {
                if config.get(name).is_none_or(Value::is_null) {
                    planned.insert(name.into(), Value::unknown());
                }
            }
        } else {
            // Nothing to apply: the plan is the prior state.
            for name in STATUS_ATTRIBUTES {
                planned.insert(name.into(), prior.get(name).cloned().unwrap_or(Value::Null));
            }
        }
    }
    out.state = Value::Object(planned);
    out
}

/// The private plan data of a destroy plan that carried [`destroy_warning`].
const DESTROY_WARNED: &[u8] = b"cloudhsm_cluster_config:destroy-warned";

fn destroy_warning(cluster_id: &str) -> Diagnostic {
    Diagnostic::warning(
        "Cluster settings stay as they are",
        format!(
            "Removing cloudhsm_cluster_config only removes it from the Terraform state: \
             cluster {cluster_id} keeps its HSM type and backup retention, and no API call is \
             made. Change them with a new cloudhsm_cluster_config or in the CloudHSM console."
        ),
    )
}

// ---------------------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------------------

#[async_trait]
impl Resource for ClusterConfigResource {
    fn type_name(&self) -> &'static str {
        "cloudhsm_cluster_config"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "The HSM type and backup retention of an AWS CloudHSM v2 cluster, \
                          changed in place with `ModifyCluster`. An HSM type change \
                          (`hsm1.medium` to `hsm2m.medium`) migrates the cluster without \
                          destroying it or its keys. Removing this resource leaves the \
                          settings as they are."
                .to_string(),
            attributes: vec![
                Attribute::string("id")
                    .computed()
                    .description("The cluster id (the same as `cluster_id`)."),
                Attribute::string("cluster_id").required().description(
                    "Id of the cluster to configure, e.g. `cluster-jxhlf7644ne`. Changing it \
                     configures another cluster (a replacement; the old one keeps its settings).",
                ),
                Attribute::string("hsm_type")
                    .optional()
                    .computed()
                    .description(
                        "HSM type of the cluster: `hsm1.medium` or `hsm2m.medium`. Changing it \
                     migrates every HSM in place (the cluster is in `MODIFY_IN_PROGRESS` \
                     meanwhile) and opens a rollback window, see \
                     `hsm_type_rollback_expiration`. Left out: the cluster keeps its type.",
                    ),
                Attribute::nested_single(
                    "backup_retention_policy",
                    vec![
                        Attribute::string("type")
                            .optional()
                            .computed()
                            .description("Retention type. Only `DAYS` exists; the default."),
                        Attribute::number("value").required().description(
                            "How many days CloudHSM keeps backups: a whole number from 7 to 379.",
                        ),
                    ],
                )
                .optional()
                .computed()
                .description(
                    "How long CloudHSM keeps the cluster's backups. Left out: the cluster \
                     keeps its policy.",
                ),
                Attribute::string("state")
                    .computed()
                    .description("Cluster state after the last apply or refresh, e.g. `ACTIVE`."),
                Attribute::string("state_message")
                    .computed()
                    .description("CloudHSM's description of the state, if any."),
                Attribute::string("backup_policy")
                    .computed()
                    .description("The cluster's backup policy, e.g. `DEFAULT`."),
                Attribute::string("hsm_type_rollback_expiration")
                    .computed()
                    .description(
                        "After an HSM type migration: until when (RFC 3339) the cluster can be \
                         rolled back to its previous type by setting `hsm_type` back. Null \
                         when no rollback is possible.",
                    ),
                // Optional + computed (planned as configured, see `plan_state`): Terraform
                // 1.0.x crashes planning an optional, non-computed nested attribute that
                // the configuration leaves out.
                timeouts_attribute(&TIMEOUTS),
            ],
            ..Default::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let reader = match ObjectReader::new(config, AttributePath::root()) {
            Ok(r) => r,
            Err(e) => return Diagnostic::from(e).into(),
        };
        match reader.get::<Field<String>>("cluster_id") {
            Ok(id) => diags.append(validate_cluster_id(&id, "cluster_id")),
            Err(e) => diags.push(Diagnostic::from(e)),
        }
        match reader.get::<Field<String>>("hsm_type") {
            Ok(t) => diags.append(validate_hsm_type(&t)),
            Err(e) => diags.push(Diagnostic::from(e)),
        }
        diags.append(validate_retention(reader.value("backup_retention_policy")));
        diags.append(validate_timeouts(config, &TIMEOUTS));
        diags
    }

    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        if request.proposed_new_state.is_null() {
            let cluster_id = request
                .prior_state
                .get("cluster_id")
                .and_then(Value::as_str)
                .unwrap_or("the cluster")
                .to_string();
            return PlanResponse {
                planned_state: Value::Null,
                // Tells apply that the user has seen the warning already.
                planned_private: DESTROY_WARNED.to_vec(),
                diagnostics: destroy_warning(&cluster_id).into(),
                ..Default::default()
            };
        }
        let creating = request.prior_state.is_null();
        let cluster_id = request
            .proposed_new_state
            .get("cluster_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let replacing = !creating
            && request
                .prior_state
                .get("cluster_id")
                .and_then(Value::as_str)
                != cluster_id.as_deref();
        let mut diags = Diagnostics::new();
        // On create (or replacement) read the cluster, when possible, to show what an
        // omitted setting will be and to catch a wrong id before apply; on an HSM type
        // change, to know whether a rollback window is still open.
        let type_changes = request
            .config
            .get("hsm_type")
            .and_then(Value::as_str)
            .is_some_and(|t| {
                request.prior_state.get("hsm_type").and_then(Value::as_str) != Some(t)
            });
        let mut cluster = None;
        if let (true, Some(id)) = (creating || replacing || type_changes, cluster_id.as_deref()) {
            let read = self
                .context
                .read_at_plan(id, "reading its settings", &mut diags)
                .await;
            match read {
                PlanRead::Found(c) if !c.is_gone() => cluster = Some(*c),
                PlanRead::Found(_) | PlanRead::NotFound => diags.push(cluster_not_found(id)),
                PlanRead::Unavailable => {}
            }
        }
        if diags.has_errors() {
            return PlanResponse {
                planned_state: request.proposed_new_state,
                diagnostics: diags,
                ..Default::default()
            };
        }
        let planned = plan_state(
            &request.prior_state,
            &request.proposed_new_state,
            &request.config,
            cluster.as_ref(),
        );
        diags.append(planned.diagnostics);
        PlanResponse {
            planned_state: planned.state,
            requires_replace: planned.requires_replace,
            planned_private: Vec::new(),
            diagnostics: diags,
        }
    }

    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        if request.planned_state.is_null() {
            // Destroy: nothing to call. Terraform >= 1.3 plans destroys and has shown the
            // warning then; older versions do not, so say it here unless the plan did.
            let cluster_id = request
                .prior_state
                .get("cluster_id")
                .and_then(Value::as_str)
                .unwrap_or("the cluster")
                .to_string();
            tracing::info!(cluster_id, "cluster config removed from state; no API call");
            let diagnostics = if request.planned_private == DESTROY_WARNED {
                Diagnostics::new()
            } else {
                destroy_warning(&cluster_id).into()
            };
            return ApplyResponse {
                new_state: Value::Null,
                diagnostics,
                ..Default::default()
            };
        }
        self.converge(&request).await
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let current = request.current_state;
        let keep = |current: Value, diagnostics: Diagnostics| ReadResponse {
            new_state: current,
            private: request.private.clone(),
            diagnostics,
        };
        let Some(cluster_id) = current
            .get("cluster_id")
            .or_else(|| current.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return keep(
                current,
                Diagnostic::error(
                    "State without a cluster id",
                    "The state of this cloudhsm_cluster_config has no cluster_id, so it cannot \
                     be refreshed. Remove it with `terraform state rm` and import it again \
                     with its cluster id.",
                )
                .into(),
            );
        };
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => return keep(current, d),
        };
        match client.describe(&cluster_id).await {
            Ok(Some(cluster)) if !cluster.is_gone() => {
                let timeouts = current.get("timeouts").cloned().unwrap_or(Value::Null);
                keep(
                    state_from_cluster(&cluster_id, &cluster, timeouts),
                    Diagnostics::new(),
                )
            }
            Ok(_) => {
                tracing::info!(
                    cluster_id,
                    "cluster is gone; removing its config from state"
                );
                keep(Value::Null, Diagnostics::new())
            }
            Err(e) => {
                let d = api_diagnostic(&e, &cluster_id, "refreshing the cluster's settings");
                keep(current, d.into())
            }
        }
    }

    async fn import(&self, id: &str) -> ImportResponse {
        let id = id.trim();
        if !is_cluster_id(id) {
            return ImportResponse {
                states: Vec::new(),
                diagnostics: Diagnostic::error(
                    "Invalid import id",
                    format!(
                        "{id:?} is not a CloudHSM cluster id (pattern {}). Import with the \
                         cluster's id: terraform import cloudhsm_cluster_config.NAME \
                         cluster-abcdefghijk",
                        crate::cluster_id::CLUSTER_ID_PATTERN
                    ),
                )
                .into(),
            };
        }
        ImportResponse {
            states: vec![ObjectBuilder::new()
                .set("id", id)
                .set("cluster_id", id)
                .build()],
            diagnostics: Diagnostics::new(),
        }
    }
}

impl ClusterConfigResource {
    /// Create and update: the AWS layer's modify-and-wait, then the state as the cluster
    /// really is (or, when nothing changed, as it was).
    async fn converge(&self, request: &ApplyRequest) -> ApplyResponse {
        let creating = request.prior_state.is_null();
        let untouched = if creating {
            Value::Null
        } else {
            request.prior_state.clone()
        };
        let fail = |state: Value, d: Diagnostic| ApplyResponse {
            new_state: state,
            diagnostics: d.into(),
            ..Default::default()
        };
        let planned = match ObjectReader::new(&request.planned_state, AttributePath::root()) {
            Ok(r) => r,
            Err(e) => return fail(untouched, e.into()),
        };
        let cluster_id: String = match planned.get("cluster_id") {
            Ok(id) => id,
            Err(e) => return fail(untouched, e.into()),
        };
        let timeouts = planned.value("timeouts").clone();
        let desired = match desired_from_config(&request.config) {
            Ok(d) => d,
            Err(d) => return fail(untouched, d),
        };
        let (operation, default) = if creating {
            ("create", DEFAULT_CREATE_TIMEOUT)
        } else {
            ("update", DEFAULT_UPDATE_TIMEOUT)
        };
        let timeout = match common::timeout(&request.planned_state, operation, default) {
            Ok(t) => t,
            Err(d) => return fail(untouched, d),
        };
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    new_state: untouched,
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        match client.modify_and_wait(&cluster_id, &desired, timeout).await {
            Ok(done) => ApplyResponse {
                new_state: state_from_cluster(&cluster_id, &done.cluster, timeouts),
                ..Default::default()
            },
            Err(err) => {
                let diagnostic = modify_diagnostic(&err, &cluster_id);
                // Once CloudHSM accepted a change, or on update, the state is the cluster
                // as last seen; a create that changed nothing leaves no state behind.
                let state = match err.last_seen() {
                    Some(c) if !creating || err.change_accepted().is_some() => {
                        state_from_cluster(&cluster_id, c, timeouts)
                    }
                    _ => untouched,
                };
                fail(state, diagnostic)
            }
        }
    }
}

/// A failed modification as a diagnostic, on `hsm_type` when CloudHSM refused that.
fn modify_diagnostic(err: &ModifyError, cluster_id: &str) -> Diagnostic {
    match err {
        ModifyError::NotFound => cluster_not_found(cluster_id),
        ModifyError::Gone(c) => Diagnostic::error(
            "The cluster cannot be configured",
            format!(
                "Cluster {cluster_id} is {}; it can no longer be modified.",
                c.state
            ),
        ),
        ModifyError::Describe(e) => api_diagnostic(e, cluster_id, "reading the cluster"),
        ModifyError::Refused {
            error,
            cluster,
            change,
        } => {
            let mut d = api_diagnostic(error, cluster_id, "changing the cluster's settings");
            if cluster.initialization() == Initialization::NotYet {
                d.detail.push_str(&format!(
                    " The cluster is {} and not initialized yet; if CloudHSM accepts this \
                     change only after initialization, make this resource depend on the \
                     cloudhsm_cluster_initialization of the cluster (depends_on).",
                    cluster.state
                ));
            }
            match error.kind() {
                ErrorKind::InvalidRequest if change.hsm_type.is_some() => {
                    d.at(AttributePath::attr("hsm_type"))
                }
                _ => d,
            }
        }
        ModifyError::Wait { error, change } => {
            let what = match change.as_ref().and_then(|c| c.hsm_type.as_deref()) {
                Some(t) => format!("waiting for the HSM type change to {t} to finish"),
                None if change.is_some() => {
                    "waiting for the cluster to apply the new settings".to_string()
                }
                None => "waiting until the cluster can be modified".to_string(),
            };
            let mut d = wait_diagnostic(error, cluster_id, &what);
            if let Some(t) = change.as_ref().and_then(|c| c.hsm_type.as_deref()) {
                d.detail.push_str(&format!(
                    " The HSM type change to {t} has started and continues in CloudHSM; \
                     the state records the cluster as last seen."
                ));
            }
            d
        }
        ModifyError::NotApplied { cluster, .. } => Diagnostic::error(
            "The cluster did not reach the expected state",
            format!(
                "Cluster {cluster_id}: the cluster is {} again but has HSM type {} and {} days \
                 of backup retention, not what was requested; CloudHSM may have rolled the \
                 change back. Check the cluster's events, then run `terraform apply` again.",
                cluster.state,
                cluster.hsm_type.as_deref().unwrap_or("(none)"),
                cluster
                    .retention_days()
                    .map_or_else(|| "(unknown)".to_string(), |d| d.to_string()),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::{ClusterState, RetentionPolicy};

    fn cluster(hsm_type: &str, days: i64) -> Cluster {
        Cluster {
            id: "cluster-abcdefghijk".into(),
            state: ClusterState::Active,
            hsm_type: Some(hsm_type.into()),
            backup_retention: Some(RetentionPolicy {
                kind: "DAYS".into(),
                value: days.to_string(),
            }),
            backup_policy: Some("DEFAULT".into()),
            ..Default::default()
        }
    }

    fn policy(kind: Value, days: Value) -> Value {
        Value::object([("type", kind), ("value", days)])
    }

    fn config(hsm_type: Value, retention: Value) -> Value {
        Value::object([
            ("cluster_id", Value::string("cluster-abcdefghijk")),
            ("hsm_type", hsm_type),
            ("backup_retention_policy", retention),
        ])
    }

    fn only(d: &Diagnostics) -> &Diagnostic {
        assert_eq!(d.len(), 1, "{d:?}");
        d.iter().next().expect("one diagnostic")
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
    fn hsm_type_errors_and_warnings_point_at_the_attribute() {
        let d = validate_hsm_type(&Field::Known("hsm1-medium".into()));
        let e = only(&d);
        assert!(e.is_error());
        assert_eq!(e.attribute, Some(AttributePath::attr("hsm_type")));
        assert!(e.detail.contains("hsm1-medium") && e.detail.contains("hsm2m.medium"));

        let d = validate_hsm_type(&Field::Known("hsm3.large".into()));
        let w = only(&d);
        assert!(!w.is_error(), "a well-formed new type is only a warning");
        assert_eq!(w.attribute, Some(AttributePath::attr("hsm_type")));

        assert!(validate_hsm_type(&Field::Known("hsm2m.medium".into())).is_empty());
        assert!(validate_hsm_type(&Field::Unknown).is_empty());
        assert!(validate_hsm_type(&Field::Null).is_empty());
    }

    #[test]
    fn retention_is_whole_days_in_range_of_type_days() {
        let value_path = AttributePath::attr("backup_retention_policy").then_attr("value");
        for days in ["6", "380", "0", "-7", "7.5", "30.25", "1e100"] {
            let p = policy(Value::Null, Value::Number(Number::parse(days).unwrap()));
            let d = validate_retention(&p);
            let e = only(&d);
            assert!(e.is_error(), "{days}");
            assert_eq!(e.attribute.as_ref(), Some(&value_path), "{days}");
            assert!(e.detail.contains("7 to 379"), "{}", e.detail);
        }
        assert!(only(&validate_retention(&policy(
            Value::Null,
            Value::Number(Number::parse("7.5").unwrap())
        )))
        .detail
        .contains("whole"));
        for days in [7, 90, 379] {
            assert!(
                validate_retention(&policy(Value::string("DAYS"), Value::from_i64(days)))
                    .is_empty()
            );
        }
        let d = validate_retention(&policy(Value::string("WEEKS"), Value::from_i64(10)));
        let e = only(&d);
        assert_eq!(
            e.attribute,
            Some(AttributePath::attr("backup_retention_policy").then_attr("type"))
        );
        assert!(e.detail.contains("WEEKS") && e.detail.contains("DAYS"));
        // Not known yet: nothing to say.
        assert!(validate_retention(&Value::Null).is_empty());
        assert!(validate_retention(&Value::unknown()).is_empty());
        assert!(validate_retention(&policy(Value::unknown(), Value::unknown())).is_empty());
    }

    #[tokio::test]
    async fn validate_collects_every_problem_on_its_attribute() {
        let r = ClusterConfigResource::new(ProviderContext::new());
        let mut bad = config(
            Value::string("nope"),
            policy(Value::string("DAYS"), Value::from_i64(400)),
        );
        if let Value::Object(m) = &mut bad {
            m.insert("cluster_id".into(), Value::string("cluster-x"));
            m.insert(
                "timeouts".into(),
                Value::object([("update", Value::string("soon"))]),
            );
        }
        let d = r.validate(&bad).await;
        let paths: Vec<String> = d
            .errors()
            .filter_map(|e| e.attribute.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(d.errors().count(), 4, "{d:?}");
        for want in [
            "cluster_id",
            "hsm_type",
            "backup_retention_policy.value",
            "timeouts.update",
        ] {
            assert!(
                paths.iter().any(|p| p == want),
                "{want} missing in {paths:?}"
            );
        }
        let good = config(
            Value::string("hsm2m.medium"),
            policy(Value::Null, Value::from_i64(90)),
        );
        assert!(r.validate(&good).await.is_empty());
    }

    #[test]
    fn desired_comes_from_known_config_only() {
        let d = desired_from_config(&config(
            Value::string("hsm2m.medium"),
            policy(Value::Null, Value::from_i64(30)),
        ))
        .unwrap();
        assert_eq!(d.hsm_type.as_deref(), Some("hsm2m.medium"));
        assert_eq!(d.retention_days, Some(30));
        let d = desired_from_config(&config(Value::Null, Value::Null)).unwrap();
        assert_eq!(d, Desired::default());
        let err = desired_from_config(&config(
            Value::Null,
            policy(Value::Null, Value::Number(Number::parse("30.5").unwrap())),
        ))
        .unwrap_err();
        assert_eq!(
            err.attribute,
            Some(AttributePath::attr("backup_retention_policy").then_attr("value"))
        );
    }

    #[test]
    fn state_mirrors_the_cluster() {
        let mut c = cluster("hsm2m.medium", 30);
        c.hsm_type_rollback_expiration = Some(1_700_000_000);
        let s = state_from_cluster("cluster-abcdefghijk", &c, Value::Null);
        assert_eq!(
            s.get("id").and_then(Value::as_str),
            Some("cluster-abcdefghijk")
        );
        assert_eq!(
            s.get("hsm_type").and_then(Value::as_str),
            Some("hsm2m.medium")
        );
        assert_eq!(
            s.get("backup_retention_policy"),
            Some(&policy(Value::string("DAYS"), Value::from_i64(30)))
        );
        assert_eq!(
            s.get("hsm_type_rollback_expiration")
                .and_then(Value::as_str),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(s.get("state").and_then(Value::as_str), Some("ACTIVE"));
        assert_eq!(s.get("state_message"), Some(&Value::Null));
    }

    fn prior_state() -> Value {
        state_from_cluster(
            "cluster-abcdefghijk",
            &cluster("hsm1.medium", 90),
            Value::Null,
        )
    }

    /// Terraform's proposed new state: the prior state with the configuration's values.
    fn proposed(prior: &Value, hsm_type: Value, retention: Value) -> Value {
        let mut m = match prior {
            Value::Object(m) => m.clone(),
            _ => BTreeMap::new(),
        };
        if !hsm_type.is_null() {
            m.insert("hsm_type".into(), hsm_type);
        }
        if !retention.is_null() {
            m.insert("backup_retention_policy".into(), retention);
        }
        m.insert("cluster_id".into(), Value::string("cluster-abcdefghijk"));
        Value::Object(m)
    }

    /// Plans with a configuration that sets no timeouts.
    fn plan_of(prior: &Value, proposed: &Value, cluster: Option<&Cluster>) -> Planned {
        plan_state(prior, proposed, &Value::Null, cluster)
    }

    #[test]
    fn timeouts_are_planned_as_configured_never_kept_from_prior() {
        let mut prior = prior_state();
        let old = Value::object([("update", Value::string("5m"))]);
        if let Value::Object(m) = &mut prior {
            m.insert("timeouts".into(), old.clone());
        }
        // Terraform proposes the prior value for an omitted optional+computed attribute.
        let next = proposed(&prior, Value::Null, Value::Null);
        assert_eq!(next.get("timeouts"), Some(&old));
        let p = plan_state(
            &prior,
            &next,
            &Value::object([("timeouts", Value::Null)]),
            None,
        );
        assert_eq!(p.state.get("timeouts"), Some(&Value::Null));
        let new = Value::object([("update", Value::string("1h"))]);
        let p = plan_state(
            &prior,
            &next,
            &Value::object([("timeouts", new.clone())]),
            None,
        );
        assert_eq!(p.state.get("timeouts"), Some(&new));
    }

    #[test]
    fn create_plans_omitted_settings_from_the_cluster_or_unknown() {
        let c = cluster("hsm1.medium", 90);
        let p = plan_of(
            &Value::Null,
            &proposed(&Value::Null, Value::Null, Value::Null),
            Some(&c),
        );
        assert!(p.diagnostics.is_empty());
        assert_eq!(
            p.state.get("id").and_then(Value::as_str),
            Some("cluster-abcdefghijk")
        );
        assert_eq!(
            p.state.get("hsm_type").and_then(Value::as_str),
            Some("hsm1.medium")
        );
        assert_eq!(
            p.state.get("backup_retention_policy"),
            Some(&policy(Value::string("DAYS"), Value::from_i64(90)))
        );
        for name in STATUS_ATTRIBUTES {
            assert!(p.state.get(name).is_some_and(Value::is_unknown), "{name}");
        }
        // Provider configuration unknown at plan: the settings are unknown too.
        let p = plan_of(
            &Value::Null,
            &proposed(&Value::Null, Value::Null, Value::Null),
            None,
        );
        assert!(p.state.get("hsm_type").is_some_and(Value::is_unknown));
        assert!(p
            .state
            .get("backup_retention_policy")
            .is_some_and(Value::is_unknown));
        // Set ones are kept, the type defaults to DAYS, and a migration warns.
        let p = plan_of(
            &Value::Null,
            &proposed(
                &Value::Null,
                Value::string("hsm2m.medium"),
                policy(Value::Null, Value::from_i64(30)),
            ),
            Some(&c),
        );
        assert_eq!(
            p.state.get("backup_retention_policy"),
            Some(&policy(Value::string("DAYS"), Value::from_i64(30)))
        );
        let w = only(&p.diagnostics);
        assert!(!w.is_error());
        assert_eq!(w.attribute, Some(AttributePath::attr("hsm_type")));
        assert!(w.detail.contains("hsm1.medium") && w.detail.contains("rollback"));
    }

    /// Plans with a configuration that sets `hsm_type` and `retention` (null: left out).
    fn plan_config(
        prior: &Value,
        hsm_type: Value,
        retention: Value,
        cluster: Option<&Cluster>,
    ) -> Planned {
        let next = proposed(prior, hsm_type.clone(), retention.clone());
        plan_state(prior, &next, &config(hsm_type, retention), cluster)
    }

    #[test]
    fn update_plans_unknown_what_apply_may_report_differently() {
        let prior = prior_state();
        // Nothing changes: the plan is the prior state.
        let p = plan_config(&prior, Value::Null, Value::Null, None);
        assert_eq!(p.state, prior);
        assert!(p.requires_replace.is_empty() && p.diagnostics.is_empty());
        let p = plan_config(&prior, Value::string("hsm1.medium"), Value::Null, None);
        assert_eq!(p.state, prior, "a setting equal to the state is no change");
        // Retention only: the status and the omitted hsm_type are unknown (a saved plan
        // must survive INITIALIZED -> ACTIVE or a new state message before apply).
        let p = plan_config(
            &prior,
            Value::Null,
            policy(Value::string("DAYS"), Value::from_i64(30)),
            None,
        );
        assert!(p.diagnostics.is_empty());
        for name in STATUS_ATTRIBUTES.iter().chain(["hsm_type"].iter()) {
            assert!(p.state.get(name).is_some_and(Value::is_unknown), "{name}");
        }
        assert_eq!(
            p.state.get("backup_retention_policy"),
            Some(&policy(Value::string("DAYS"), Value::from_i64(30)))
        );
        // HSM type: the set value is kept, the status unknown, with the migration warning.
        let p = plan_config(&prior, Value::string("hsm2m.medium"), Value::Null, None);
        assert_eq!(
            p.state.get("hsm_type").and_then(Value::as_str),
            Some("hsm2m.medium")
        );
        for name in STATUS_ATTRIBUTES
            .iter()
            .chain(["backup_retention_policy"].iter())
        {
            assert!(p.state.get(name).is_some_and(Value::is_unknown), "{name}");
        }
        assert!(!only(&p.diagnostics).is_error());
    }

    #[test]
    fn a_rollback_needs_an_open_window() {
        let mut migrated = cluster("hsm2m.medium", 90);
        let prior = state_from_cluster("cluster-abcdefghijk", &migrated, Value::Null);
        let back =
            |c: &Cluster| plan_config(&prior, Value::string("hsm1.medium"), Value::Null, Some(c));
        // Open: a warning that names the deadline.
        migrated.hsm_type_rollback_expiration = Some(certs::now_unix() + 3600);
        let p = back(&migrated);
        let w = only(&p.diagnostics);
        assert!(!w.is_error(), "{w:?}");
        assert!(w.detail.contains("open until"), "{}", w.detail);
        // Closed (in the past), or no window at all: an error on hsm_type that says what to do.
        for expiration in [Some(certs::now_unix() - 60), None] {
            migrated.hsm_type_rollback_expiration = expiration;
            let p = back(&migrated);
            let e = only(&p.diagnostics);
            assert!(e.is_error(), "{expiration:?}");
            assert_eq!(e.attribute, Some(AttributePath::attr("hsm_type")));
            assert!(
                e.detail.contains("keep hsm_type = \"hsm2m.medium\""),
                "{}",
                e.detail
            );
        }
        // Not read (provider configuration unknown): CloudHSM decides at apply.
        let p = plan_config(&prior, Value::string("hsm1.medium"), Value::Null, None);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }

    #[test]
    fn another_cluster_id_is_a_replacement() {
        let prior = prior_state();
        let mut next = proposed(&prior, Value::Null, Value::Null);
        if let Value::Object(m) = &mut next {
            m.insert("cluster_id".into(), Value::string("cluster-bbbbbbbbbbb"));
        }
        let p = plan_of(&prior, &next, Some(&cluster("hsm1.medium", 30)));
        assert_eq!(p.requires_replace, vec![AttributePath::attr("cluster_id")]);
        assert_eq!(
            p.state.get("id").and_then(Value::as_str),
            Some("cluster-bbbbbbbbbbb")
        );
        assert!(p.state.get("state").is_some_and(Value::is_unknown));
    }

    #[tokio::test]
    async fn destroy_and_import_call_nothing() {
        // An unconfigured provider: any API use would fail.
        let r = ClusterConfigResource::new(ProviderContext::new());
        let plan = r
            .plan(PlanRequest {
                prior_state: prior_state(),
                proposed_new_state: Value::Null,
                config: Value::Null,
                prior_private: Vec::new(),
            })
            .await;
        assert!(plan.planned_state.is_null());
        let w = only(&plan.diagnostics);
        assert!(!w.is_error() && w.detail.contains("cluster-abcdefghijk"));
        let applied = r
            .apply(ApplyRequest {
                prior_state: prior_state(),
                planned_state: Value::Null,
                config: Value::Null,
                planned_private: Vec::new(),
            })
            .await;
        assert!(applied.new_state.is_null());
        // Planned by an older Terraform (no destroy plan): apply gives the warning.
        assert!(!only(&applied.diagnostics).is_error());
        // After a destroy plan that warned, apply does not say it twice.
        let applied = r
            .apply(ApplyRequest {
                prior_state: prior_state(),
                planned_state: Value::Null,
                config: Value::Null,
                planned_private: plan.planned_private.clone(),
            })
            .await;
        assert!(applied.new_state.is_null());
        assert!(applied.diagnostics.is_empty());

        let imported = r.import("cluster-abcdefghijk").await;
        assert!(imported.diagnostics.is_empty());
        assert_eq!(imported.states.len(), 1);
        assert_eq!(
            imported.states[0].get("cluster_id").and_then(Value::as_str),
            Some("cluster-abcdefghijk")
        );
        let bad = r.import("my-cluster").await;
        assert!(bad.states.is_empty());
        assert!(only(&bad.diagnostics).detail.contains("\"my-cluster\""));
    }
}
