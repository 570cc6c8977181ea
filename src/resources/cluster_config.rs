//! Resource `cloudhsm_cluster_config`: a cluster's HSM type and backup retention, changed in
//! place with `ModifyCluster`.
//!
//! - validate: `hsm_type` shape (and a warning for a type we do not know yet), retention
//!   7..379 whole days of type `DAYS`, the timeouts, the cluster id; each on its attribute.
//! - plan: an omitted setting keeps what the cluster has (read at plan time on create); a
//!   set one that differs is an in-place update; an HSM type migration carries a warning.
//! - apply: wait until the cluster is stable, `ModifyCluster` once with only the fields that
//!   differ ([`cluster_change`]), retry while CloudHSM says another change is running, wait
//!   until the cluster is stable with the requested settings, and answer what it reports.
//! - read: refreshes both settings, so console changes show up as drift.
//! - destroy: no API call; the settings stay on the cluster.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloudhsm::{ApiError, CloudHsm, Cluster, ClusterChange, ErrorKind, Progress};
use crate::provider::ProviderContext;
use crate::resources::common::{
    self, api_diagnostic, cluster_not_found, is_cluster_id, timeouts_attribute,
    validate_cluster_id, validate_timeouts, wait_diagnostic,
};
use crate::tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::tfplugin::interface::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::value::{Field, Number, ObjectBuilder, ObjectReader, Value};

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
/// After `ModifyCluster`, how long a stable cluster may still show the old settings (the
/// service's answers lag a little) before the change counts as failed.
const SETTLE_GRACE: Duration = Duration::from_secs(60);

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

/// The settings the configuration asks for; `None` leaves a setting as the cluster has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    pub hsm_type: Option<String>,
    pub retention_days: Option<i64>,
}

impl Desired {
    /// Reads the configuration (at apply, where every value is known). Omitted or still
    /// unknown settings are left alone.
    pub fn from_config(config: &Value) -> Result<Desired, Diagnostic> {
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

    /// True when `cluster` already has every requested setting.
    pub fn is_met_by(&self, cluster: &Cluster) -> bool {
        cluster_change(cluster, self).is_empty()
    }
}

/// What `ModifyCluster` must receive to take `cluster` to `desired`: only the fields that
/// differ. Empty when nothing differs (then no call is made).
pub fn cluster_change(cluster: &Cluster, desired: &Desired) -> ClusterChange {
    ClusterChange {
        hsm_type: desired
            .hsm_type
            .as_ref()
            .filter(|t| cluster.hsm_type.as_ref() != Some(*t))
            .cloned(),
        backup_retention_days: desired.retention_days.filter(|d| {
            cluster.retention_days() != Some(*d)
                || cluster
                    .backup_retention
                    .as_ref()
                    .is_some_and(|p| !p.kind.is_empty() && p.kind != RETENTION_TYPE)
        }),
    }
}

/// How long to pause before looking again after the `n`th (1-based) busy refusal: 1 s,
/// doubling, at most 30 s (on top of the waiter's own polling).
pub fn refusal_pause(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// True when CloudHSM refused a call because another change on the cluster is running.
pub fn is_refused_as_busy(err: &ApiError) -> bool {
    match err {
        ApiError::Service { kind, message, .. } if *kind == ErrorKind::InvalidRequest => {
            let lower = message.to_ascii_lowercase();
            lower.contains("_in_progress")
                || lower.contains("in progress")
                || lower.contains("in-progress")
        }
        _ => false,
    }
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
            cluster.hsm_type_rollback_expiration.map(common::rfc3339),
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

/// The computed attributes that describe the cluster as it is after apply.
const STATUS_ATTRIBUTES: [&str; 4] = [
    "state",
    "state_message",
    "backup_policy",
    "hsm_type_rollback_expiration",
];

/// The outcome of planning, before the RPC answer is assembled.
#[derive(Debug, Default)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// Plans a create or update. `cluster` is the cluster as read at plan time (create or
/// replacement only; `None` when it could not be read yet).
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

    let hsm_type = get(&planned, "hsm_type");
    if fresh {
        for name in STATUS_ATTRIBUTES {
            planned.insert(name.into(), Value::unknown());
        }
        if let (Some(from), Some(to)) = (
            cluster.and_then(|c| c.hsm_type.as_deref()),
            hsm_type.as_str(),
        ) {
            if from != to {
                out.diagnostics.push(migration_warning(from, to));
            }
        }
    } else {
        let prior_type = prior.get("hsm_type").cloned().unwrap_or(Value::Null);
        let type_changes = hsm_type != prior_type;
        let retention_changes =
            planned.get("backup_retention_policy") != prior.get("backup_retention_policy");
        let prior_busy = prior
            .get("state")
            .and_then(Value::as_str)
            .is_none_or(|s| s.ends_with("_IN_PROGRESS"));
        if type_changes {
            for name in ["state", "state_message", "hsm_type_rollback_expiration"] {
                planned.insert(name.into(), Value::unknown());
            }
            if let (Some(from), Some(to)) = (prior_type.as_str(), hsm_type.as_str()) {
                out.diagnostics.push(migration_warning(from, to));
            }
        } else if retention_changes && prior_busy {
            for name in ["state", "state_message"] {
                planned.insert(name.into(), Value::unknown());
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

/// A failed apply: the state as it really is, and why.
struct Failure {
    state: Value,
    diagnostics: Diagnostics,
}

impl Failure {
    fn new(state: Value, diagnostic: impl Into<Diagnostics>) -> Failure {
        Failure {
            state,
            diagnostics: diagnostic.into(),
        }
    }
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
        // omitted setting will be and to catch a wrong id before apply.
        let mut cluster = None;
        if let (true, Some(id)) = (creating || replacing, cluster_id.as_deref()) {
            match self.context.plan_client().await {
                Ok(Some(client)) => match client.describe(id).await {
                    Ok(Some(c)) if !c.is_gone() => cluster = Some(c),
                    Ok(_) => diags.push(cluster_not_found(id)),
                    Err(e) => diags.push(
                        api_diagnostic(&e, id, "reading the cluster to plan its settings")
                            .at(AttributePath::attr("cluster_id")),
                    ),
                },
                Ok(None) => {}
                Err(d) => diags.append(d),
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
        match self.converge(&request).await {
            Ok(state) => ApplyResponse {
                new_state: state,
                ..Default::default()
            },
            Err(failure) => ApplyResponse {
                new_state: failure.state,
                diagnostics: failure.diagnostics,
                ..Default::default()
            },
        }
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
                        common::CLUSTER_ID_PATTERN
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
    /// Create and update: wait until stable, modify what differs, wait until it lands.
    async fn converge(&self, request: &ApplyRequest) -> Result<Value, Failure> {
        let creating = request.prior_state.is_null();
        // What to answer when the apply fails before anything changed.
        let untouched = |cluster: Option<&Cluster>, id: &str, timeouts: &Value| match cluster {
            _ if creating => Value::Null,
            Some(c) => state_from_cluster(id, c, timeouts.clone()),
            None => request.prior_state.clone(),
        };
        let early = |d: Diagnostic| {
            Failure::new(
                if creating {
                    Value::Null
                } else {
                    request.prior_state.clone()
                },
                d,
            )
        };
        let planned = ObjectReader::new(&request.planned_state, AttributePath::root())
            .map_err(|e| early(e.into()))?;
        let cluster_id: String = planned.get("cluster_id").map_err(|e| early(e.into()))?;
        let timeouts = planned.value("timeouts").clone();
        let desired = Desired::from_config(&request.config).map_err(early)?;
        let (operation, default) = if creating {
            ("create", DEFAULT_CREATE_TIMEOUT)
        } else {
            ("update", DEFAULT_UPDATE_TIMEOUT)
        };
        let timeout = common::timeout(&request.planned_state, operation, default).map_err(early)?;
        let deadline = Instant::now() + timeout;
        let client = self.context.client().await.map_err(|d| Failure {
            state: untouched(None, &cluster_id, &timeouts),
            diagnostics: d,
        })?;
        let id = cluster_id.as_str();

        // 1. A stable cluster (it may still be initializing or finishing another change).
        let mut cluster = wait_until(
            &client,
            id,
            "the cluster to finish its current operation",
            deadline,
            |_| Progress::Done,
            true,
        )
        .await
        .map_err(|(d, last)| Failure::new(untouched(last.as_ref(), id, &timeouts), d))?;

        // 2. ModifyCluster once with what differs; again if refused because a change runs.
        let mut change = cluster_change(&cluster, &desired);
        let mut refusals = 0u32;
        while !change.is_empty() {
            tracing::info!(
                cluster_id = id,
                hsm_type = ?change.hsm_type,
                backup_retention_days = ?change.backup_retention_days,
                "calling ModifyCluster"
            );
            match client.modify(id, &change).await {
                Ok(_) => break,
                Err(e) if is_refused_as_busy(&e) && Instant::now() < deadline => {
                    refusals += 1;
                    tracing::info!(
                        cluster_id = id,
                        refusals,
                        error = %e,
                        "ModifyCluster refused while another change runs; waiting to retry"
                    );
                    // The cluster may look stable while something it does not show (an
                    // HSM being added, say) keeps it busy: space the retries out.
                    let pause = refusal_pause(refusals)
                        .min(deadline.saturating_duration_since(Instant::now()));
                    let stop = self.context.stop_token();
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = tokio::time::sleep(pause) => {}
                    }
                    cluster = wait_until(
                        &client,
                        id,
                        "the cluster to finish another change before modifying it",
                        deadline,
                        |_| Progress::Done,
                        false,
                    )
                    .await
                    .map_err(|(d, last)| {
                        Failure::new(
                            untouched(last.as_ref().or(Some(&cluster)), id, &timeouts),
                            d,
                        )
                    })?;
                    change = cluster_change(&cluster, &desired);
                }
                Err(e) => {
                    let mut d = api_diagnostic(&e, id, "changing the cluster's settings");
                    if is_refused_as_busy(&e) {
                        d.detail.push_str(
                            " Another change kept the cluster busy until the timeout; run \
                             `terraform apply` again once it has finished, or raise \
                             timeouts.",
                        );
                    }
                    let d = match e.kind() {
                        ErrorKind::InvalidRequest if change.hsm_type.is_some() => {
                            d.at(AttributePath::attr("hsm_type"))
                        }
                        _ => d,
                    };
                    return Err(Failure::new(untouched(Some(&cluster), id, &timeouts), d));
                }
            }
        }
        if change.is_empty() {
            return Ok(state_from_cluster(id, &cluster, timeouts));
        }

        // 3. Stable again with the requested settings; then what the cluster reports.
        let modified_at = Instant::now();
        let what = match &change.hsm_type {
            Some(t) => format!("the HSM type change to {t} to finish"),
            None => "the cluster to apply the new backup retention".to_string(),
        };
        let settled = wait_until(
            &client,
            id,
            &what,
            deadline,
            |c| {
                if desired.is_met_by(c) {
                    Progress::Done
                } else if modified_at.elapsed() < SETTLE_GRACE {
                    Progress::Continue
                } else {
                    Progress::Failed(format!(
                        "the cluster is {} again but has HSM type {} and {} days of backup \
                         retention, not what was requested; CloudHSM may have rolled the \
                         change back. Check the cluster's events, then run `terraform apply` \
                         again",
                        c.state,
                        c.hsm_type.as_deref().unwrap_or("(none)"),
                        c.retention_days()
                            .map_or_else(|| "(unknown)".to_string(), |d| d.to_string()),
                    ))
                }
            },
            true,
        )
        .await;
        match settled {
            Ok(c) => Ok(state_from_cluster(id, &c, timeouts)),
            Err((mut d, last)) => {
                if let Some(t) = &change.hsm_type {
                    d.detail.push_str(&format!(
                        " The HSM type change to {t} has started and continues in CloudHSM; \
                         the state records the cluster as last seen."
                    ));
                }
                // The change was accepted: report the cluster as it really is now.
                let now = match last {
                    Some(c) => Some(c),
                    None => client.describe(id).await.ok().flatten(),
                };
                let state = match now {
                    Some(c) => state_from_cluster(id, &c, timeouts),
                    None => state_from_cluster(id, &cluster, timeouts),
                };
                Err(Failure::new(state, d))
            }
        }
    }
}

/// Reads the cluster now and, until it is stable (not `*_IN_PROGRESS`) and `ready` says so,
/// polls it with the client's backoff until `deadline`. With `read_first` false the first
/// read waits for the backoff's first delay (the caller knows the cluster is busy).
/// On failure: the diagnostic and the cluster as last seen.
async fn wait_until(
    client: &CloudHsm,
    cluster_id: &str,
    what: &str,
    deadline: Instant,
    mut ready: impl FnMut(&Cluster) -> Progress + Send,
    read_first: bool,
) -> Result<Cluster, (Diagnostic, Option<Cluster>)> {
    let mut check = move |c: &Cluster| {
        if c.is_gone() {
            Progress::Failed(format!("the cluster is {}", c.state))
        } else if c.is_busy() {
            Progress::Continue
        } else {
            ready(c)
        }
    };
    if read_first {
        match client.describe(cluster_id).await {
            Ok(Some(c)) => match check(&c) {
                Progress::Done => return Ok(c),
                Progress::Failed(reason) => {
                    let d = Diagnostic::error(
                        "The cluster cannot be configured",
                        format!("Cluster {cluster_id}: {reason}; it can no longer be modified."),
                    );
                    return Err((d, Some(c)));
                }
                Progress::Continue => {}
            },
            Ok(None) => return Err((cluster_not_found(cluster_id), None)),
            Err(e) => {
                return Err((api_diagnostic(&e, cluster_id, "reading the cluster"), None));
            }
        }
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    client
        .wait_for(cluster_id, what, remaining, check)
        .await
        .map_err(|e| {
            let last = e.last_seen().cloned();
            (
                wait_diagnostic(&e, cluster_id, &format!("waiting for {what}")),
                last,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::RetentionPolicy;

    fn cluster(hsm_type: &str, days: i64) -> Cluster {
        Cluster {
            id: "cluster-abcdefghijk".into(),
            state: "ACTIVE".into(),
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
    fn change_holds_only_the_fields_that_differ() {
        let c = cluster("hsm1.medium", 90);
        let want = |t: Option<&str>, d: Option<i64>| Desired {
            hsm_type: t.map(str::to_string),
            retention_days: d,
        };
        assert!(cluster_change(&c, &want(None, None)).is_empty());
        assert!(cluster_change(&c, &want(Some("hsm1.medium"), Some(90))).is_empty());
        assert_eq!(
            cluster_change(&c, &want(Some("hsm1.medium"), Some(30))),
            ClusterChange {
                hsm_type: None,
                backup_retention_days: Some(30)
            }
        );
        assert_eq!(
            cluster_change(&c, &want(Some("hsm2m.medium"), Some(90))),
            ClusterChange {
                hsm_type: Some("hsm2m.medium".into()),
                backup_retention_days: None
            }
        );
        assert_eq!(
            cluster_change(&c, &want(Some("hsm2m.medium"), Some(7))),
            ClusterChange {
                hsm_type: Some("hsm2m.medium".into()),
                backup_retention_days: Some(7)
            }
        );
        // A cluster that reports no policy gets the requested one.
        let bare = Cluster {
            backup_retention: None,
            ..c.clone()
        };
        assert_eq!(
            cluster_change(&bare, &want(None, Some(90))).backup_retention_days,
            Some(90)
        );
        assert!(want(Some("hsm1.medium"), Some(90)).is_met_by(&c));
        assert!(!want(Some("hsm2m.medium"), None).is_met_by(&c));
    }

    #[test]
    fn desired_comes_from_known_config_only() {
        let d = Desired::from_config(&config(
            Value::string("hsm2m.medium"),
            policy(Value::Null, Value::from_i64(30)),
        ))
        .unwrap();
        assert_eq!(d.hsm_type.as_deref(), Some("hsm2m.medium"));
        assert_eq!(d.retention_days, Some(30));
        let d = Desired::from_config(&config(Value::Null, Value::Null)).unwrap();
        assert_eq!(d, Desired::default());
        let err = Desired::from_config(&config(
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
    fn retries_after_refusals_space_out() {
        assert_eq!(refusal_pause(1), Duration::from_secs(1));
        assert_eq!(refusal_pause(2), Duration::from_secs(2));
        assert_eq!(refusal_pause(5), Duration::from_secs(16));
        assert_eq!(refusal_pause(6), Duration::from_secs(30));
        assert_eq!(refusal_pause(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn busy_refusals_are_recognised() {
        let refused = |code: &str, kind, message: &str| ApiError::Service {
            operation: "ModifyCluster",
            kind,
            code: code.into(),
            message: message.into(),
        };
        assert!(is_refused_as_busy(&refused(
            "CloudHsmInvalidRequestException",
            ErrorKind::InvalidRequest,
            "The cluster cluster-abcdefghijk is in state UPDATE_IN_PROGRESS; it cannot be modified"
        )));
        assert!(is_refused_as_busy(&refused(
            "CloudHsmInvalidRequestException",
            ErrorKind::InvalidRequest,
            "An operation is in progress on this cluster"
        )));
        assert!(!is_refused_as_busy(&refused(
            "CloudHsmInvalidRequestException",
            ErrorKind::InvalidRequest,
            "HsmType hsm9.big is not supported"
        )));
        assert!(!is_refused_as_busy(&refused(
            "CloudHsmInternalFailureException",
            ErrorKind::Internal,
            "MODIFY_IN_PROGRESS"
        )));
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

    #[test]
    fn update_plans_only_what_changes() {
        let prior = prior_state();
        // Nothing changes: the plan is the prior state.
        let p = plan_of(&prior, &proposed(&prior, Value::Null, Value::Null), None);
        assert_eq!(p.state, prior);
        assert!(p.requires_replace.is_empty() && p.diagnostics.is_empty());
        // Retention only: the status stays known (the cluster is stable), no warning.
        let p = plan_of(
            &prior,
            &proposed(
                &prior,
                Value::Null,
                policy(Value::string("DAYS"), Value::from_i64(30)),
            ),
            None,
        );
        assert!(p.diagnostics.is_empty());
        assert_eq!(p.state.get("state").and_then(Value::as_str), Some("ACTIVE"));
        assert_eq!(
            p.state.get("hsm_type").and_then(Value::as_str),
            Some("hsm1.medium")
        );
        // HSM type: state and rollback expiration become unknown, with the warning.
        let p = plan_of(
            &prior,
            &proposed(&prior, Value::string("hsm2m.medium"), Value::Null),
            None,
        );
        assert!(p.state.get("state").is_some_and(Value::is_unknown));
        assert!(p
            .state
            .get("hsm_type_rollback_expiration")
            .is_some_and(Value::is_unknown));
        assert_eq!(
            p.state.get("backup_policy").and_then(Value::as_str),
            Some("DEFAULT")
        );
        assert!(!only(&p.diagnostics).is_error());
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
