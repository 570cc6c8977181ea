//! The AWS JSON 1.1 API: SigV4 presence check, operation dispatch, fault injection, call
//! recording, and the CloudHSM v2 operations with their validation rules.
//!
//! It handles one request that the server hands it: it knows nothing of connections or
//! routing, nor of the control API or the STS emulation.

use std::time::{Instant, SystemTime};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Map, Value};

use crate::config::Behaviour;
use crate::control::Shared;
use crate::error::ApiError;
use crate::http::{read_body, response, Outcome, State};
use crate::input_rules::{
    is_cluster_id, is_hsm_type_shaped, CLUSTER_ID_PATTERN, CLUSTER_STATES, HSM_TYPE_PATTERN,
    KNOWN_HSM_TYPES,
};
use crate::intercept::{self, Delivery, Gate, Refusal};
use crate::model::{
    self, after, is_in_progress, Cluster, HsmPending, Pending, PendingKind, Store, TypeChange,
    TypeStep,
};
use crate::pki;
use crate::sigv4::{self, SigV4Error};
use crate::unreadable;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "BaldrApiService.";
/// The SigV4 signing name of CloudHSM v2 (the endpoint prefix is `cloudhsmv2`).
const SIGNING_NAME: &str = "cloudhsm";
const MAX_PAGE: usize = 25;

/// Handles one API request.
pub(crate) async fn handle(state: &State, req: Request<Body>) -> Outcome {
    let (parts, body) = req.into_parts();
    if parts.method != axum::http::Method::POST || parts.uri.path() != "/" {
        let err = ApiError::unknown_operation(&format!("{} {}", parts.method, parts.uri.path()));
        return Outcome::Respond(error_response(&err));
    }
    let access_key_id = match sigv4::check(&parts.headers, SIGNING_NAME) {
        Ok(akid) => akid,
        Err(e) => return Outcome::Respond(error_response(&signature_error(e))),
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX).map(str::to_string) else {
        return Outcome::Respond(error_response(&ApiError::unknown_operation(&target)));
    };
    state.shared.count_attempt(&operation);
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return Outcome::Respond(error_response(&ApiError::serialization(e))),
    };
    let input: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return Outcome::Respond(error_response(&ApiError::serialization(
                    "the request body must be a JSON object",
                )))
            }
            Err(e) => {
                return Outcome::Respond(error_response(&ApiError::serialization(format!(
                    "the request body is not valid JSON: {e}"
                ))))
            }
        }
    };

    let delivery = match intercept::gate(&state.shared, &operation).await {
        Gate::Handle(delivery) => delivery,
        Gate::Refuse(Refusal::Throttle) => {
            return Outcome::Respond(error_response(&ApiError::throttling()))
        }
        Gate::Refuse(Refusal::InternalError) => {
            return Outcome::Respond(error_response(&ApiError::internal(
                "An internal error occurred (injected fault).",
            )))
        }
        Gate::Refuse(Refusal::HtmlPage(status)) => {
            return Outcome::Respond(intercept::html_page(status))
        }
        Gate::Abandon(outcome) => return outcome,
    };

    state
        .shared
        .record_call(&operation, input.clone(), &access_key_id);
    let answer = match dispatch(&state.shared, &operation, &input) {
        Ok(output) => {
            tracing::debug!(operation, "ok");
            let output = match delivery {
                Delivery::Unreadable => unreadable::json_answer(output),
                _ => output,
            };
            response(StatusCode::OK, CONTENT_TYPE, output.to_string())
        }
        Err(e) => {
            tracing::debug!(operation, error = %e, "refused");
            error_response(&e)
        }
    };
    intercept::deliver(delivery, answer).await
}

/// The CloudHSM API's answer to a refused signature.
fn signature_error(e: SigV4Error) -> ApiError {
    match e {
        SigV4Error::Missing => ApiError::missing_authentication(),
        SigV4Error::Incomplete(message) => ApiError::incomplete_signature(message),
        SigV4Error::WrongService { found, .. } => ApiError::wrong_service(&found),
    }
}

fn error_response(e: &ApiError) -> axum::http::Response<Body> {
    let mut r = response(e.status, CONTENT_TYPE, e.body().to_string());
    if let Ok(v) = header::HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    r
}

fn dispatch(shared: &Shared, operation: &str, input: &Value) -> Result<Value, ApiError> {
    match operation {
        "DescribeClusters" => describe_clusters(shared, input),
        "InitializeCluster" => initialize_cluster(shared, input),
        "ModifyCluster" => modify_cluster(shared, input),
        "CreateCluster" => create_cluster(shared, input),
        "CreateHsm" => create_hsm(shared, input),
        "DeleteHsm" => delete_hsm(shared, input),
        "DeleteCluster" => delete_cluster(shared, input),
        other => Err(ApiError::unknown_operation(&format!(
            "{TARGET_PREFIX}{other}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Input helpers

fn optional_str<'a>(input: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("{field} must be a string"))),
    }
}

fn required_str<'a>(input: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    optional_str(input, field)?.ok_or_else(|| ApiError::invalid(format!("{field} is required")))
}

fn string_list(value: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let Some(items) = value.as_array() else {
        return Err(ApiError::invalid(format!(
            "{field} must be a list of strings"
        )));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| ApiError::invalid(format!("{field} must be a list of strings")))
        })
        .collect()
}

fn cluster_id(input: &Value) -> Result<&str, ApiError> {
    let id = required_str(input, "ClusterId")?;
    if !is_cluster_id(id) {
        return Err(ApiError::invalid(format!(
            "ClusterId {id:?} does not match the pattern {CLUSTER_ID_PATTERN}"
        )));
    }
    Ok(id)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("The cluster {id} does not exist."))
}

fn hsm_type(value: &str) -> Result<&str, ApiError> {
    if !is_hsm_type_shaped(value) {
        return Err(ApiError::invalid(format!(
            "HsmType {value:?} does not match the pattern {HSM_TYPE_PATTERN} (at most 32 characters)"
        )));
    }
    if !KNOWN_HSM_TYPES.contains(&value) {
        return Err(ApiError::invalid(format!(
            "HsmType {value} is not supported; supported types: {}",
            KNOWN_HSM_TYPES.join(", ")
        )));
    }
    Ok(value)
}

/// `{Type: "DAYS", Value: "7".."379"}` -> days.
fn retention_days(value: &Value) -> Result<u32, ApiError> {
    let Some(policy) = value.as_object() else {
        return Err(ApiError::invalid("BackupRetentionPolicy must be an object"));
    };
    match policy.get("Type").and_then(Value::as_str) {
        Some("DAYS") => {}
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "BackupRetentionPolicy Type {other:?} is not supported; the only type is DAYS"
            )))
        }
        None => {
            return Err(ApiError::invalid(
                "BackupRetentionPolicy Type is required (DAYS)",
            ))
        }
    }
    let Some(text) = policy.get("Value").and_then(Value::as_str) else {
        return Err(ApiError::invalid(
            "BackupRetentionPolicy Value is required, as a string of digits between 7 and 379",
        ));
    };
    match text.parse::<u32>() {
        Ok(days) if (7..=379).contains(&days) && text.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(days)
        }
        _ => Err(ApiError::invalid(format!(
            "BackupRetentionPolicy Value {text:?} is invalid: use a value between 7 and 379 (days)"
        ))),
    }
}

fn get_mut<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Cluster, ApiError> {
    store.get_mut(id).ok_or_else(|| not_found(id))
}

/// A refusal because the cluster is busy (in an `*_IN_PROGRESS` state): `default`, or the
/// configured [`Behaviour::busy_message`](crate::config::Behaviour::busy_message) when
/// there is one.
fn busy(busy_message: Option<&str>, default: String) -> ApiError {
    ApiError::invalid(busy_message.map_or(default, str::to_string))
}

/// The refusal while an HSM type change is under way, even before the cluster shows a busy
/// state: the service is already working on it.
fn type_change_busy(busy_message: Option<&str>, id: &str) -> ApiError {
    busy(
        busy_message,
        format!(
            "The cluster {id} is changing its HSM type; try again once that operation completes."
        ),
    )
}

/// A cluster in an API answer: with `""` for absent strings when
/// [`Behaviour::blank_absent`] says so.
fn answered(mut cluster: Value, behaviour: &Behaviour) -> Value {
    if behaviour.blank_absent {
        model::blank_absent(&mut cluster);
    }
    cluster
}

/// The pattern `SignedCert` and `TrustAnchor` must match, as the API documents it.
const CERTIFICATE_PATTERN: &str = r"[a-zA-Z0-9+-/=\s]*";

/// One character of `[a-zA-Z0-9+-/=\s]`: in a character class `+-/` is the range `+ , - . /`,
/// and `\s` is Java's whitespace (space, tab, newline, vertical tab, form feed, return).
fn in_certificate_alphabet(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('+'..='/').contains(&c)
        || matches!(c, '=' | ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

/// AWS's input validation of `SignedCert` and `TrustAnchor`: the pattern and at most
/// [`pki::MAX_CERTIFICATE_CHARS`] characters, reported the way AWS reports validation
/// errors ("1 validation error detected: Value at 'signedCert' failed to satisfy
/// constraint: …").
fn validate_certificate_fields(fields: &[(&str, &str)]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (member, value) in fields {
        if !value.chars().all(in_certificate_alphabet) {
            errors.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {CERTIFICATE_PATTERN}"
            ));
        }
        if value.chars().count() > pki::MAX_CERTIFICATE_CHARS {
            errors.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {}",
                pki::MAX_CERTIFICATE_CHARS
            ));
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(ApiError::invalid(format!(
            "1 validation error detected: {}",
            errors[0]
        ))),
        n => Err(ApiError::invalid(format!(
            "{n} validation errors detected: {}",
            errors.join("; ")
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Operations

fn describe_clusters(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let mut cluster_ids: Option<Vec<String>> = None;
    let mut vpc_ids: Option<Vec<String>> = None;
    let mut states: Option<Vec<String>> = None;
    match input.get("Filters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(filters)) => {
            for (key, value) in filters {
                let values = string_list(value, &format!("Filters.{key}"))?;
                match key.as_str() {
                    "clusterIds" => cluster_ids = Some(values),
                    "vpcIds" => vpc_ids = Some(values),
                    "states" => {
                        if let Some(bad) = values
                            .iter()
                            .find(|s| !CLUSTER_STATES.contains(&s.as_str()))
                        {
                            return Err(ApiError::invalid(format!(
                                "Filters.states: {bad:?} is not a cluster state"
                            )));
                        }
                        states = Some(values)
                    }
                    other => {
                        return Err(ApiError::invalid(format!(
                        "Invalid filter {other:?}; valid filters are clusterIds, vpcIds and states"
                    )))
                    }
                }
            }
        }
        Some(_) => return Err(ApiError::invalid("Filters must be a map of lists")),
    }
    let max_results = match input.get("MaxResults") {
        None | Some(Value::Null) => MAX_PAGE,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_PAGE as u64).contains(&n) => n as usize,
            _ => {
                return Err(ApiError::invalid(format!(
                    "MaxResults {v} is invalid: it must be between 1 and {MAX_PAGE}"
                )))
            }
        },
    };
    let start = match optional_str(input, "NextToken")? {
        None => 0,
        Some(token) => decode_token(token)
            .ok_or_else(|| ApiError::invalid(format!("NextToken {token:?} is invalid")))?,
    };
    let store = shared.store();
    if let Some(limit) = store.behaviour.filter_value_limit {
        for (name, values) in [
            ("clusterIds", &cluster_ids),
            ("vpcIds", &vpc_ids),
            ("states", &states),
        ] {
            if let Some(n) = values.as_ref().map(Vec::len).filter(|n| *n > limit) {
                return Err(ApiError::invalid(format!(
                    "Filters.{name} holds {n} values; at most {limit} are allowed"
                )));
            }
        }
    }
    if let Some(refused) = cluster_ids.as_ref().and_then(|ids| {
        ids.iter()
            .find(|id| store.behaviour.refuse_describe_of.contains(id))
    }) {
        return Err(ApiError::invalid(format!(
            "The cluster {refused} cannot be described in this request."
        )));
    }
    if let (true, Some(ids)) = (store.behaviour.unknown_id_not_found, &cluster_ids) {
        if let Some(unknown) = ids.iter().find(|id| store.get(id).is_none()) {
            return Err(not_found(unknown));
        }
    }
    let max_results = store
        .behaviour
        .page_limit
        .map_or(max_results, |limit| max_results.min(limit.max(1)));
    let mut matching = store
        .clusters
        .iter()
        .filter(|c| c.seq >= start)
        .filter(|c| cluster_ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
        .filter(|c| vpc_ids.as_ref().is_none_or(|ids| ids.contains(&c.vpc_id)))
        // The real state, even while a read lag shows an older one.
        .filter(|c| states.as_ref().is_none_or(|s| s.contains(&c.state)))
        .collect::<Vec<_>>();
    matching.sort_by_key(|c| c.seq);
    let now = Instant::now();
    let page: Vec<Value> = matching
        .iter()
        .take(max_results)
        .map(|c| answered(c.shown_json(&store.behaviour, now), &store.behaviour))
        .collect();
    let mut output = Map::new();
    output.insert("Clusters".into(), Value::Array(page));
    if let Some(next) = matching.get(max_results) {
        output.insert("NextToken".into(), json!(encode_token(next.seq)));
    }
    Ok(Value::Object(output))
}

fn encode_token(seq: u64) -> String {
    format!("emu1-{seq:016x}")
}

fn decode_token(token: &str) -> Option<u64> {
    let hex = token.strip_prefix("emu1-")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

fn initialize_cluster(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let signed_cert = required_str(input, "SignedCert")?;
    let trust_anchor = required_str(input, "TrustAnchor")?;
    validate_certificate_fields(&[("signedCert", signed_cert), ("trustAnchor", trust_anchor)])?;
    let mut store = shared.store();
    let duration = store.timings.initialize;
    let behaviour = store.behaviour.clone();
    let busy_message = behaviour.busy_message.clone();
    let refuse_while_hsm_busy = behaviour.refuse_while_hsm_busy;
    let unverifiable = if behaviour.accept_unverifiable_signatures {
        pki::Unverifiable::Accept
    } else {
        pki::Unverifiable::Refuse
    };
    let cluster = get_mut(&mut store, id)?;
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(busy_message.as_deref(), id));
    }
    if refuse_while_hsm_busy && cluster.hsms.iter().any(|h| is_in_progress(&h.state)) {
        return Err(busy(
            busy_message.as_deref(),
            format!("An HSM of the cluster {id} is being changed; try again once it is done."),
        ));
    }
    if cluster.state != "UNINITIALIZED" {
        let message = format!(
            "The cluster {id} is in state {}; only an UNINITIALIZED cluster can be initialized.",
            cluster.state
        );
        if is_in_progress(&cluster.state) {
            return Err(busy(busy_message.as_deref(), message));
        }
        return Err(ApiError::invalid(message));
    }
    let spki = match (&cluster.material, cluster.visible_csr()) {
        (Some(m), Some(_)) => m.spki_der.clone(),
        _ => {
            return Err(ApiError::invalid(format!(
                "The cluster {id} has no certificate signing request (CSR) yet: create an HSM in the cluster first (CreateHsm), wait until it is ACTIVE, then sign the cluster CSR."
            )))
        }
    };
    pki::check_initialization(&spki, signed_cert, trust_anchor, unverifiable)
        .map_err(ApiError::invalid)?;
    let before = cluster.before_write(&behaviour);
    cluster.set_state("INITIALIZE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Initialize {
            certificate: signed_cert.to_string(),
        },
    });
    cluster.after_write(before, &behaviour);
    Ok(json!({ "State": cluster.state, "StateMessage": cluster.state_message }))
}

fn modify_cluster(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let new_type = optional_str(input, "HsmType")?.map(hsm_type).transpose()?;
    let days = match input.get("BackupRetentionPolicy") {
        None | Some(Value::Null) => None,
        Some(v) => Some(retention_days(v)?),
    };
    if new_type.is_none() && days.is_none() {
        return Err(ApiError::invalid(
            "Specify HsmType or BackupRetentionPolicy (or both) to modify the cluster.",
        ));
    }
    let mut store = shared.store();
    let timings = store.timings.clone();
    let behaviour = store.behaviour.clone();
    let cluster = get_mut(&mut store, id)?;
    if is_in_progress(&cluster.state) {
        return Err(busy(
            behaviour.busy_message.as_deref(),
            format!(
                "The cluster {id} is in state {}; it cannot be modified until that operation completes.",
                cluster.state
            ),
        ));
    }
    if cluster.type_change_pending() {
        return Err(type_change_busy(behaviour.busy_message.as_deref(), id));
    }
    if behaviour.refuse_while_hsm_busy && cluster.hsms.iter().any(|h| is_in_progress(&h.state)) {
        return Err(busy(
            behaviour.busy_message.as_deref(),
            format!("An HSM of the cluster {id} is being changed; try again once it is done."),
        ));
    }
    if cluster.state == "DELETED" {
        return Err(ApiError::invalid(format!("The cluster {id} is DELETED.")));
    }
    if cluster.state == "UNINITIALIZED" && !behaviour.modify_uninitialized {
        return Err(ApiError::invalid(format!(
            "The cluster {id} is UNINITIALIZED; it can be modified once it is initialized."
        )));
    }
    // Decide the HSM type change fully before changing anything.
    let type_change = match new_type {
        Some(target) if target != cluster.hsm_type => {
            let can_roll_back = cluster.previous_hsm_type.as_deref() == Some(target)
                && cluster.rollback_open(SystemTime::now());
            if can_roll_back {
                Some((target.to_string(), true))
            } else if cluster.hsm_type == "hsm1.medium" && target == "hsm2m.medium" {
                Some((target.to_string(), false))
            } else {
                return Err(ApiError::invalid(format!(
                    "The cluster {id} cannot change its HSM type from {} to {target}: the supported migration is hsm1.medium to hsm2m.medium, and a migration can only be rolled back before HsmTypeRollbackExpiration.",
                    cluster.hsm_type
                )));
            }
        }
        _ => None,
    };
    let before = cluster.before_write(&behaviour);
    if let Some(days) = days {
        cluster.backup_retention_days = days;
    }
    let resume = cluster.state.clone();
    if let Some((target, rollback)) = type_change {
        start_type_change(cluster, target, rollback, &timings, &behaviour);
    } else if days.is_some() && !timings.update.is_zero() {
        // A retention-only change: busy for a while, then back where it was.
        cluster.set_state("UPDATE_IN_PROGRESS");
        cluster.pending = Some(Pending {
            due: Instant::now() + timings.update,
            kind: PendingKind::Return { state: resume },
        });
    }
    cluster.after_write(before, &behaviour);
    let shown = cluster.to_json(behaviour.expired_rollback);
    Ok(json!({ "Cluster": answered(shown, &behaviour) }))
}

/// Starts an HSM type change (a migration, or a rollback) to `target`: each step shows at
/// the time [`Behaviour::hsm_type_change`] gives it (the busy state at once by default, the
/// rest at completion), and the change completes at the latest of them and
/// [`Timings::modify`](crate::config::Timings::modify). The steps due at once show now.
fn start_type_change(
    cluster: &mut Cluster,
    target: String,
    rollback: bool,
    timings: &crate::config::Timings,
    behaviour: &Behaviour,
) {
    let now = Instant::now();
    let order = &behaviour.hsm_type_change;
    let timed = [
        (order.cluster_type_after, TypeStep::ClusterType),
        (order.hsm_types_after, TypeStep::HsmTypes),
        (
            order.rollback_expiration_after,
            TypeStep::RollbackExpiration,
        ),
    ];
    let due = [
        Some(timings.modify),
        order.busy_after,
        order.cluster_type_after,
        order.hsm_types_after,
        order.rollback_expiration_after,
    ]
    .into_iter()
    .flatten()
    .map(|d| after(now, d))
    .max()
    .unwrap_or(now);
    let busy_at = order.busy_after.map_or(now, |d| after(now, d));
    let mut steps = vec![(busy_at, TypeStep::Busy)];
    steps.extend(
        timed
            .into_iter()
            .map(|(d, step)| (d.map_or(due, |d| after(now, d)), step)),
    );
    cluster.pending = Some(Pending {
        due,
        kind: PendingKind::ChangeHsmType(TypeChange {
            target,
            from: cluster.hsm_type.clone(),
            resume: cluster.state.clone(),
            rollback,
            window: timings.rollback_window,
            steps,
        }),
    });
    cluster.show_type_steps(now);
}

fn create_cluster(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let hsm_type = hsm_type(required_str(input, "HsmType")?)?.to_string();
    let subnets = match input.get("SubnetIds") {
        Some(v) => string_list(v, "SubnetIds")?,
        None => return Err(ApiError::invalid("SubnetIds is required")),
    };
    if subnets.is_empty() || subnets.len() > 10 {
        return Err(ApiError::invalid("SubnetIds must name 1 to 10 subnets"));
    }
    if let Some(bad) = subnets.iter().find(|s| {
        !s.strip_prefix("subnet-").is_some_and(|h| {
            (8..=17).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }) {
        return Err(ApiError::invalid(format!(
            "SubnetId {bad:?} does not match the pattern subnet-[0-9a-fA-F]{{8,17}}"
        )));
    }
    let days = match input.get("BackupRetentionPolicy") {
        None | Some(Value::Null) => 90,
        Some(v) => retention_days(v)?,
    };
    let mode = optional_str(input, "Mode")?.unwrap_or("FIPS");
    if !matches!(mode, "FIPS" | "NON_FIPS") {
        return Err(ApiError::invalid(format!(
            "Mode {mode:?} must be FIPS or NON_FIPS"
        )));
    }
    let network_type = optional_str(input, "NetworkType")?.unwrap_or("IPV4");
    if !matches!(network_type, "IPV4" | "DUALSTACK") {
        return Err(ApiError::invalid(format!(
            "NetworkType {network_type:?} must be IPV4 or DUALSTACK"
        )));
    }
    let source_backup = optional_str(input, "SourceBackupId")?.map(str::to_string);
    let tags = tag_list(input.get("TagList"))?;
    let mut store = shared.store();
    let id = store.fresh_cluster_id();
    let vpc = store.vpc_id.clone();
    let duration = store.timings.create;
    let mut cluster = store.blank_cluster(id, hsm_type, vpc, &subnets);
    cluster.backup_retention_days = days;
    cluster.mode = mode.to_string();
    cluster.network_type = network_type.to_string();
    cluster.source_backup_id = source_backup;
    cluster.tags = tags;
    cluster.set_state("CREATE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Create,
    });
    let shown = cluster.to_json(store.behaviour.expired_rollback);
    let output = json!({ "Cluster": answered(shown, &store.behaviour) });
    store.clusters.push(cluster);
    Ok(output)
}

fn tag_list(value: Option<&Value>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(items) = value.as_array() else {
        return Err(ApiError::invalid("TagList must be a list of {Key, Value}"));
    };
    items
        .iter()
        .map(|t| {
            match (
                t.get("Key").and_then(Value::as_str),
                t.get("Value").and_then(Value::as_str),
            ) {
                (Some(k), Some(v)) if !k.is_empty() && k.len() <= 128 && v.len() <= 256 => {
                    Ok((k.to_string(), v.to_string()))
                }
                _ => Err(ApiError::invalid(
                    "each tag needs a Key (1-128 characters) and a Value (at most 256 characters)",
                )),
            }
        })
        .collect()
}

fn create_hsm(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let az = required_str(input, "AvailabilityZone")?;
    let ip = optional_str(input, "IpAddress")?.map(str::to_string);
    let mut store = shared.store();
    let duration = store.timings.create_hsm;
    let behaviour = store.behaviour.clone();
    let index = store
        .clusters
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| not_found(id))?;
    let cluster = &store.clusters[index];
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(behaviour.busy_message.as_deref(), id));
    }
    if !matches!(
        cluster.state.as_str(),
        "UNINITIALIZED" | "INITIALIZED" | "ACTIVE" | "DEGRADED"
    ) {
        let message = format!(
            "The cluster {id} is in state {}; an HSM can be created once the cluster is UNINITIALIZED, INITIALIZED or ACTIVE.",
            cluster.state
        );
        if is_in_progress(&cluster.state) {
            return Err(busy(store.behaviour.busy_message.as_deref(), message));
        }
        return Err(ApiError::invalid(message));
    }
    if !cluster.subnet_mapping.contains_key(az) {
        return Err(ApiError::invalid(format!(
            "The cluster {id} has no subnet in availability zone {az}; its zones are {}.",
            cluster
                .subnet_mapping
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut hsm = Store::new_hsm(cluster, az, ip, "CREATE_IN_PROGRESS", None);
    let material = if cluster.material.is_none() {
        Some(
            pki::cluster_material(&hsm.id, &store.authorities)
                .map_err(|e| ApiError::internal(format!("could not create the HSM's keys: {e}")))?,
        )
    } else {
        None
    };
    // Timed from now: key generation above may take a moment.
    hsm.pending = Some((Instant::now() + duration, HsmPending::Activate));
    let cluster = &mut store.clusters[index];
    let before = cluster.before_write(&behaviour);
    if material.is_some() {
        cluster.material = material;
    }
    let output = json!({ "Hsm": hsm.to_json(id) });
    cluster.hsms.push(hsm);
    cluster.after_write(before, &behaviour);
    Ok(output)
}

fn delete_hsm(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let hsm_id = optional_str(input, "HsmId")?;
    let eni_id = optional_str(input, "EniId")?;
    let eni_ip = optional_str(input, "EniIp")?;
    if hsm_id.is_none() && eni_id.is_none() && eni_ip.is_none() {
        return Err(ApiError::invalid("Specify HsmId, EniId or EniIp."));
    }
    let mut store = shared.store();
    let duration = store.timings.delete;
    let behaviour = store.behaviour.clone();
    let cluster = get_mut(&mut store, id)?;
    let before = cluster.before_write(&behaviour);
    let Some(hsm) = cluster.hsms.iter_mut().find(|h| {
        hsm_id.is_some_and(|x| x == h.id)
            || eni_id.is_some_and(|x| x == h.eni_id)
            || eni_ip.is_some_and(|x| x == h.eni_ip)
    }) else {
        return Err(ApiError::not_found(format!(
            "The cluster {id} has no such HSM."
        )));
    };
    hsm.state = "DELETE_IN_PROGRESS".to_string();
    hsm.state_message = "HSM is being deleted.".to_string();
    hsm.pending = Some((Instant::now() + duration, HsmPending::Remove));
    let output = json!({ "HsmId": hsm.id });
    cluster.after_write(before, &behaviour);
    Ok(output)
}

fn delete_cluster(shared: &Shared, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let mut store = shared.store();
    let duration = store.timings.delete;
    let behaviour = store.behaviour.clone();
    let busy_message = behaviour.busy_message.clone();
    let cluster = get_mut(&mut store, id)?;
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(busy_message.as_deref(), id));
    }
    if cluster.state == "DELETED" {
        return Err(ApiError::invalid(format!(
            "The cluster {id} is already DELETED."
        )));
    }
    if cluster.state == "DELETE_IN_PROGRESS" {
        return Err(busy(
            busy_message.as_deref(),
            format!("The cluster {id} is already DELETE_IN_PROGRESS."),
        ));
    }
    if is_in_progress(&cluster.state) {
        return Err(busy(
            busy_message.as_deref(),
            format!(
                "The cluster {id} is in state {}; it cannot be deleted until that operation completes.",
                cluster.state
            ),
        ));
    }
    if !cluster.hsms.is_empty() {
        return Err(ApiError::invalid(format!(
            "The cluster {id} still contains {} HSM(s); delete them (DeleteHsm) before deleting the cluster.",
            cluster.hsms.len()
        )));
    }
    let before = cluster.before_write(&behaviour);
    cluster.set_state("DELETE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Delete,
    });
    cluster.after_write(before, &behaviour);
    let shown = cluster.to_json(behaviour.expired_rollback);
    Ok(json!({ "Cluster": answered(shown, &behaviour) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_token(&encode_token(42)), Some(42));
        assert_eq!(decode_token("garbage"), None);
    }

    #[test]
    fn certificate_fields_follow_the_api_pattern_and_length() {
        let auth = pki::Authorities::new().expect("authorities");
        let material = pki::cluster_material("hsm-abcdefghijk", &auth).expect("material");
        let signed = pki::sign_csr(&material.csr_pem).expect("sign");
        validate_certificate_fields(&[
            ("signedCert", &signed.signed_cert_pem),
            ("trustAnchor", &signed.trust_anchor_pem),
        ])
        .expect("sign_csr output matches the pattern");
        assert!(
            validate_certificate_fields(&[("signedCert", "a+,-./=\t\r\n\u{0b}\u{0c} Z9")]).is_ok()
        );

        let openssl_export = format!(
            "Bag Attributes\n    localKeyID: 01 02\nsubject=/CN=x\n{}",
            signed.signed_cert_pem
        );
        let err = validate_certificate_fields(&[("signedCert", &openssl_export)])
            .expect_err("the ':' is outside the pattern");
        assert_eq!(
            err.message,
            r"1 validation error detected: Value at 'signedCert' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9+-/=\s]*"
        );
        assert_eq!(err.code, "CloudHsmInvalidRequestException");

        let long = "A".repeat(5001);
        let err = validate_certificate_fields(&[("signedCert", "x_y"), ("trustAnchor", &long)])
            .expect_err("two errors");
        assert!(
            err.message.starts_with("2 validation errors detected: "),
            "{}",
            err.message
        );
        assert!(err.message.contains("Value at 'trustAnchor' failed to satisfy constraint: Member must have length less than or equal to 5000"), "{}", err.message);
        assert!(validate_certificate_fields(&[("trustAnchor", &"A".repeat(5000))]).is_ok());
    }

    #[test]
    fn retention_bounds() {
        let p = |v: &str| json!({"Type": "DAYS", "Value": v});
        assert_eq!(retention_days(&p("7")).ok(), Some(7));
        assert_eq!(retention_days(&p("379")).ok(), Some(379));
        assert!(retention_days(&p("6")).is_err());
        assert!(retention_days(&p("380")).is_err());
        assert!(retention_days(&p("+9")).is_err());
        assert!(retention_days(&json!({"Type": "WEEKS", "Value": "9"})).is_err());
    }
}
