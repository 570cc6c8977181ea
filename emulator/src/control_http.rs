//! The control API over HTTP, under `/_emulator/` (no SigV4), for the demo and for
//! scripts. Bodies are JSON; field names are accepted in `PascalCase` (like the AWS API)
//! or in `snake_case` (like [`ClusterSpec`]).
//!
//! A thin HTTP face on [`Control`]: what it changes, `Control` changes. It knows nothing of
//! connections or routing beyond its own `/_emulator/` paths, nor of the AWS API handlers.
//!
//! | route | body / answer |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"Status":"ok"}` |
//! | `POST /_emulator/clusters` | `{State?, HsmType?, WithHsm? (default true), BackupRetentionDays?, VpcId?, Tags? ({k:v} or [{Key,Value}]), ClusterId?}` -> `{"ClusterId"}` |
//! | `GET /_emulator/clusters` | `{"Clusters":[…]}` (API shape) |
//! | `GET /_emulator/clusters/{id}` | the real cluster (API shape; never a read lag's older view, no delayed certificate, no blanks), 404 when unknown |
//! | `GET /_emulator/clusters/{id}/csr` | the CSR PEM (`text/plain`) |
//! | `POST /_emulator/clusters/{id}/state` | `{"State":"ACTIVE"}` (certifies on a post-initialization state); `{State, "Certify":false}` = no certificate change; `{State, ForMs, Then?}` = busy for `ForMs`, then back to `Then` or the state before (no certificate change) |
//! | `POST /_emulator/clusters/{id}/hsm-type` | `{"HsmType":"hsm2m.medium"}` |
//! | `POST /_emulator/clusters/{id}/retention` | `{"Days":30}` |
//! | `POST /_emulator/clusters/{id}/hsms` | `{"ActivateAfterMs":3000}`: an HSM CREATE_IN_PROGRESS, ACTIVE after that long -> `{"HsmId"}` |
//! | `POST /_emulator/clusters/{id}/rollback` | `{"PreviousHsmType":"hsm1.medium" or null, "ExpiresInSecs":-60?}` (negative = expired; absent = the rollback window from now) |
//! | `POST /_emulator/clusters/{id}/reset` | back to UNINITIALIZED with a fresh CSR |
//! | `POST /_emulator/clusters/{id}/complete` | finish pending transitions now (every step of an HSM type change) and end a read lag |
//! | `POST /_emulator/timings` | `{AllMs?, CreateMs?, InitializeMs?, ModifyMs?, CreateHsmMs?, DeleteMs?, UpdateMs?, RollbackWindowMs?}` (`AllMs` sets every transition, not the rollback window) |
//! | `GET /_emulator/timings` | the same fields |
//! | `POST /_emulator/behaviour` (or `behavior`) | `{ModifyUninitialized?, BusyMessage? (null clears), ExpiredRollback?: Hide/ShowPast, DenyAssumeRole?: [role ARNs], RefuseWhileHsmBusy?, UnknownIdNotFound?, AcceptUnverifiableSignatures?, PageLimit?, FilterValueLimit?, ReadLagMs?, CertificateAfterMs? (null clears any of these four), HsmTypeChange?: {BusyAfterMs?, ClusterTypeAfterMs?, HsmTypesAfterMs?, RollbackExpirationAfterMs?} (replaced whole; absent or null members = None; null = all None), BlankAbsent?, RefuseDescribeOf?: [cluster ids]}`; absent fields keep their value; answers the whole behaviour |
//! | `GET /_emulator/behaviour` (or `behavior`) | the same fields |
//! | `POST /_emulator/faults` | `{Operation?, Kind: Throttle/InternalError/Latency/DropConnection/LoseResponse/Hang/ResetMidResponse/UnreadableAnswer/HtmlAnswer, LatencyMs? (Latency), Status? (HtmlAnswer, 200-599, default 502), one of NextCalls / Rate / ForMs (default NextCalls 1)}` |
//! | `DELETE /_emulator/faults` | clears every fault |
//! | `GET /_emulator/calls?operation=X` | `{"Operation","Count":n,"Calls":[bodies],"Attempts":n,"AccessKeys":[…]}`; without `operation`: `{"Count","Calls":[{Operation,Body,AccessKeyId}]}` |
//! | `DELETE /_emulator/calls` | forgets the call record |
//! | `POST /_emulator/shutdown` | stops the emulator |

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::config::{Behaviour, ClusterSpec, ExpiredRollback, HsmTypeChangeOrder, Timings};
use crate::control::Control;
use crate::faults::{Fault, FaultKind, Trigger};
use crate::http::{read_body, response, State};
use crate::input_rules::{
    is_cluster_id, is_hsm_type_shaped, CLUSTER_ID_PATTERN, CLUSTER_STATES, KNOWN_HSM_TYPES,
};
use crate::urlencoded;

type Answer = Result<Response<Body>, (StatusCode, String)>;

/// Handles one `/_emulator/…` request.
pub(crate) async fn handle(state: &State, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let control = Control {
        shared: state.shared.clone(),
    };
    let path = parts.uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let query = parts.uri.query().unwrap_or("");
    let answer = match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["health"]) => ok(json!({"Status": "ok"})),
        (&Method::POST, ["clusters"]) => seed(&control, &body),
        (&Method::GET, ["clusters"]) => {
            let clusters: Vec<Value> = control
                .cluster_ids()
                .iter()
                .filter_map(|id| control.cluster_json(id))
                .collect();
            ok(json!({ "Clusters": clusters }))
        }
        (&Method::GET, ["clusters", id]) => control
            .cluster_json(id)
            .map(|c| json_response(StatusCode::OK, &c))
            .ok_or_else(|| no_cluster(id)),
        (&Method::GET, ["clusters", id, "csr"]) => match control.cluster_json(id) {
            None => Err(no_cluster(id)),
            Some(_) => control
                .cluster_csr_pem(id)
                .map(|pem| response(StatusCode::OK, "text/plain", pem))
                .ok_or_else(|| {
                    (
                        StatusCode::NOT_FOUND,
                        format!("cluster {id} has no CSR (it has never had an HSM)"),
                    )
                }),
        },
        (&Method::POST, ["clusters", id, "state"]) => {
            parse(&body).and_then(|b| set_state(&control, id, &b))
        }
        (&Method::POST, ["clusters", id, "hsms"]) => parse(&body).and_then(|b| {
            let ms = field_u64(&b, &["ActivateAfterMs", "activate_after_ms"])?.unwrap_or(0);
            match control.add_hsm(id, Duration::from_millis(ms)) {
                Some(hsm_id) => ok(json!({ "HsmId": hsm_id })),
                None => Err(no_cluster(id)),
            }
        }),
        (&Method::POST, ["clusters", id, "rollback"]) => parse(&body).and_then(|b| {
            let previous = field_opt_str(&b, &["PreviousHsmType", "previous_hsm_type"])?;
            if let Some(t) = &previous {
                if !is_hsm_type_shaped(t) {
                    return Err(bad(format!("{t:?} is not an HSM type")));
                }
            }
            let expires = field_i64(&b, &["ExpiresInSecs", "expires_in_secs"])?;
            changed(
                &control,
                id,
                control.set_rollback_window(id, previous.as_deref(), expires),
            )
        }),
        (&Method::POST, ["clusters", id, "hsm-type"]) => parse(&body).and_then(|b| {
            let t = field_str(&b, &["HsmType", "hsm_type"])?;
            if !is_hsm_type_shaped(&t) {
                return Err(bad(format!("{t:?} is not an HSM type")));
            }
            changed(&control, id, control.set_hsm_type(id, &t))
        }),
        (&Method::POST, ["clusters", id, "retention"]) => parse(&body).and_then(|b| {
            let days = field_u64(
                &b,
                &[
                    "Days",
                    "days",
                    "BackupRetentionDays",
                    "backup_retention_days",
                ],
            )?
            .ok_or_else(|| bad("Days is required"))?;
            let days = u32::try_from(days).map_err(|_| bad("Days is too large"))?;
            changed(&control, id, control.set_backup_retention_days(id, days))
        }),
        (&Method::POST, ["clusters", id, "reset"]) => {
            changed(&control, id, control.reset_to_uninitialized(id))
        }
        (&Method::POST, ["clusters", id, "complete"]) => {
            changed(&control, id, control.complete_transitions(id))
        }
        (&Method::GET, ["timings"]) => ok(timings_json(&control.timings())),
        (&Method::POST, ["timings"]) => parse(&body).and_then(|b| set_timings(&control, &b)),
        (&Method::GET, ["behaviour" | "behavior"]) => ok(behaviour_json(&control.behaviour())),
        (&Method::POST, ["behaviour" | "behavior"]) => {
            parse(&body).and_then(|b| set_behaviour(&control, &b))
        }
        (&Method::POST, ["faults"]) => parse(&body).and_then(|b| {
            control.inject(parse_fault(&b)?);
            ok(json!({"Status": "injected"}))
        }),
        (&Method::DELETE, ["faults"]) => {
            control.clear_faults();
            ok(json!({"Status": "cleared"}))
        }
        (&Method::GET, ["calls"]) => match urlencoded::param(query, "operation") {
            Some(op) => {
                let calls = control.calls(&op);
                ok(json!({
                    "Operation": op,
                    "Count": calls.len(),
                    "Calls": calls,
                    "Attempts": control.attempts(&op),
                    "AccessKeys": control.access_keys(&op),
                }))
            }
            None => {
                let calls: Vec<Value> = control
                    .all_calls_with_keys()
                    .into_iter()
                    .map(|(op, body, key)| json!({"Operation": op, "Body": body, "AccessKeyId": key}))
                    .collect();
                ok(json!({"Count": calls.len(), "Calls": calls}))
            }
        },
        (&Method::DELETE, ["calls"]) => {
            control.clear_calls();
            ok(json!({"Status": "cleared"}))
        }
        (&Method::POST, ["shutdown"]) => {
            state.shutdown.send_replace(true);
            ok(json!({"Status": "shutting down"}))
        }
        _ => Err((
            StatusCode::NOT_FOUND,
            format!("no control route {} {}", parts.method, parts.uri.path()),
        )),
    };
    answer.unwrap_or_else(|(status, message)| error(status, message))
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    response(status, "application/json", value.to_string())
}

fn ok(value: Value) -> Answer {
    Ok(json_response(StatusCode::OK, &value))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, &json!({"Error": message.into()}))
}

fn bad(message: impl Into<String>) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, message.into())
}

fn no_cluster(id: &str) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no cluster {id}"))
}

fn changed(control: &Control, id: &str, existed: bool) -> Answer {
    if !existed {
        return Err(no_cluster(id));
    }
    control
        .cluster_json(id)
        .map(|c| json_response(StatusCode::OK, &c))
        .ok_or_else(|| no_cluster(id))
}

fn parse(body: &[u8]) -> Result<Value, (StatusCode, String)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(bad("the body must be a JSON object")),
        Err(e) => Err(bad(format!("the body is not valid JSON: {e}"))),
    }
}

fn field<'a>(body: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| body.get(*n).filter(|v| !v.is_null()))
}

fn field_opt_str(body: &Value, names: &[&str]) -> Result<Option<String>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{} must be a string", names[0]))),
    }
}

fn field_str(body: &Value, names: &[&str]) -> Result<String, (StatusCode, String)> {
    field_opt_str(body, names)?.ok_or_else(|| bad(format!("{} is required", names[0])))
}

fn field_i64(body: &Value, names: &[&str]) -> Result<Option<i64>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| bad(format!("{} must be an integer", names[0]))),
    }
}

fn field_bool(body: &Value, names: &[&str]) -> Result<Option<bool>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{} must be true or false", names[0]))),
    }
}

/// The cluster state named by `names`, checked against the API's states.
fn field_state(body: &Value, names: &[&str]) -> Result<Option<String>, (StatusCode, String)> {
    let state = field_opt_str(body, names)?;
    if let Some(s) = &state {
        if !CLUSTER_STATES.contains(&s.as_str()) {
            return Err(bad(format!("{s:?} is not a cluster state")));
        }
    }
    Ok(state)
}

/// `POST /_emulator/clusters/{id}/state`: `set_state`, `force_state` or `busy_for`.
fn set_state(control: &Control, id: &str, b: &Value) -> Answer {
    let state = field_state(b, &["State", "state"])?.ok_or_else(|| bad("State is required"))?;
    let certify = field_bool(b, &["Certify", "certify"])?;
    let for_ms = field_u64(b, &["ForMs", "for_ms"])?;
    let then = field_state(b, &["Then", "then"])?;
    let existed = match (for_ms, certify) {
        (Some(_), Some(true)) => {
            return Err(bad(
                "a timed state (ForMs) never changes certificates: drop Certify",
            ))
        }
        (Some(ms), _) => control.busy_for(id, &state, Duration::from_millis(ms), then.as_deref()),
        (None, _) if then.is_some() => return Err(bad("Then needs ForMs")),
        (None, Some(false)) => control.force_state(id, &state),
        (None, _) => control.set_state(id, &state),
    };
    changed(control, id, existed)
}

fn field_u64(body: &Value, names: &[&str]) -> Result<Option<u64>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| bad(format!("{} must be a non-negative integer", names[0]))),
    }
}

fn seed(control: &Control, body: &[u8]) -> Answer {
    let b = parse(body)?;
    let state = field_opt_str(&b, &["State", "state"])?;
    if let Some(s) = &state {
        if !CLUSTER_STATES.contains(&s.as_str()) {
            return Err(bad(format!("{s:?} is not a cluster state")));
        }
    }
    let hsm_type = field_opt_str(&b, &["HsmType", "hsm_type"])?;
    if let Some(t) = &hsm_type {
        if !KNOWN_HSM_TYPES.contains(&t.as_str()) && !is_hsm_type_shaped(t) {
            return Err(bad(format!("{t:?} is not an HSM type")));
        }
    }
    let with_hsm = match field(&b, &["WithHsm", "with_hsm"]) {
        None => true,
        Some(Value::Bool(v)) => *v,
        Some(_) => return Err(bad("WithHsm must be true or false")),
    };
    let days = field_u64(&b, &["BackupRetentionDays", "backup_retention_days"])?
        .map(|d| u32::try_from(d).map_err(|_| bad("BackupRetentionDays is too large")))
        .transpose()?;
    let cluster_id = field_opt_str(&b, &["ClusterId", "cluster_id"])?;
    if let Some(id) = &cluster_id {
        if !is_cluster_id(id) {
            return Err(bad(format!("{id:?} does not match {CLUSTER_ID_PATTERN}")));
        }
    }
    let tags = match field(&b, &["Tags", "tags", "TagList"]) {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_string()))
                    .ok_or_else(|| bad("tag values must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                let k = t
                    .get("Key")
                    .or_else(|| t.get("key"))
                    .and_then(Value::as_str);
                let v = t
                    .get("Value")
                    .or_else(|| t.get("value"))
                    .and_then(Value::as_str);
                match (k, v) {
                    (Some(k), Some(v)) => Ok((k.to_string(), v.to_string())),
                    _ => Err(bad("each tag needs a Key and a Value")),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("Tags must be an object or a list of {Key, Value}")),
    };
    let spec = ClusterSpec {
        state,
        hsm_type,
        with_hsm,
        backup_retention_days: days,
        vpc_id: field_opt_str(&b, &["VpcId", "vpc_id"])?,
        tags,
        cluster_id,
    };
    let id = control
        .try_seed_cluster(spec)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    ok(json!({ "ClusterId": id }))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn timings_json(t: &Timings) -> Value {
    json!({
        "CreateMs": millis(t.create),
        "InitializeMs": millis(t.initialize),
        "ModifyMs": millis(t.modify),
        "CreateHsmMs": millis(t.create_hsm),
        "DeleteMs": millis(t.delete),
        "UpdateMs": millis(t.update),
        "RollbackWindowMs": millis(t.rollback_window),
    })
}

fn set_timings(control: &Control, b: &Value) -> Answer {
    let mut t = control.timings();
    if let Some(all) = field_u64(b, &["AllMs", "all_ms"])? {
        t = Timings {
            rollback_window: t.rollback_window,
            ..Timings::uniform(Duration::from_millis(all))
        };
    }
    let slots: [(&[&str], &mut Duration); 7] = [
        (&["CreateMs", "create_ms"], &mut t.create),
        (&["InitializeMs", "initialize_ms"], &mut t.initialize),
        (&["ModifyMs", "modify_ms"], &mut t.modify),
        (&["CreateHsmMs", "create_hsm_ms"], &mut t.create_hsm),
        (&["DeleteMs", "delete_ms"], &mut t.delete),
        (&["UpdateMs", "update_ms"], &mut t.update),
        (
            &["RollbackWindowMs", "rollback_window_ms"],
            &mut t.rollback_window,
        ),
    ];
    for (names, slot) in slots {
        if let Some(ms) = field_u64(b, names)? {
            *slot = Duration::from_millis(ms);
        }
    }
    control.set_timings(t.clone());
    ok(timings_json(&t))
}

fn behaviour_json(b: &Behaviour) -> Value {
    json!({
        "ModifyUninitialized": b.modify_uninitialized,
        "BusyMessage": b.busy_message,
        "ExpiredRollback": match b.expired_rollback {
            ExpiredRollback::Hide => "Hide",
            ExpiredRollback::ShowPast => "ShowPast",
        },
        "DenyAssumeRole": b.deny_assume_role,
        "RefuseWhileHsmBusy": b.refuse_while_hsm_busy,
        "UnknownIdNotFound": b.unknown_id_not_found,
        "AcceptUnverifiableSignatures": b.accept_unverifiable_signatures,
        "PageLimit": b.page_limit,
        "FilterValueLimit": b.filter_value_limit,
        "ReadLagMs": b.read_lag.map(millis),
        "HsmTypeChange": hsm_type_change_json(&b.hsm_type_change),
        "CertificateAfterMs": b.certificate_after.map(millis),
        "BlankAbsent": b.blank_absent,
        "RefuseDescribeOf": b.refuse_describe_of,
    })
}

fn hsm_type_change_json(order: &HsmTypeChangeOrder) -> Value {
    json!({
        "BusyAfterMs": order.busy_after.map(millis),
        "ClusterTypeAfterMs": order.cluster_type_after.map(millis),
        "HsmTypesAfterMs": order.hsm_types_after.map(millis),
        "RollbackExpirationAfterMs": order.rollback_expiration_after.map(millis),
    })
}

/// Whether `body` holds one of `names` set to `null`.
fn is_null_field(body: &Value, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| body.get(*n).is_some_and(Value::is_null))
}

/// A duration in milliseconds named by `names`: `Ok(None)` when absent, `Ok(Some(None))`
/// when null (cleared), `Ok(Some(Some(d)))` when set.
fn field_opt_ms(
    body: &Value,
    names: &[&str],
) -> Result<Option<Option<Duration>>, (StatusCode, String)> {
    if is_null_field(body, names) {
        return Ok(Some(None));
    }
    Ok(field_u64(body, names)?.map(|ms| Some(Duration::from_millis(ms))))
}

/// `HsmTypeChange: {BusyAfterMs?, ClusterTypeAfterMs?, HsmTypesAfterMs?,
/// RollbackExpirationAfterMs?}`, replaced whole (absent or null members = `None`); `None`
/// when absent from `body`.
fn parse_hsm_type_change(body: &Value) -> Result<Option<HsmTypeChangeOrder>, (StatusCode, String)> {
    let names = ["HsmTypeChange", "hsm_type_change"];
    if is_null_field(body, &names) {
        return Ok(Some(HsmTypeChangeOrder::default()));
    }
    let Some(order) = field(body, &names) else {
        return Ok(None);
    };
    if !order.is_object() {
        return Err(bad("HsmTypeChange must be an object of millisecond delays"));
    }
    let ms = |names: &[&str]| -> Result<Option<Duration>, (StatusCode, String)> {
        Ok(field_u64(order, names)?.map(Duration::from_millis))
    };
    Ok(Some(HsmTypeChangeOrder {
        busy_after: ms(&["BusyAfterMs", "busy_after_ms"])?,
        cluster_type_after: ms(&["ClusterTypeAfterMs", "cluster_type_after_ms"])?,
        hsm_types_after: ms(&["HsmTypesAfterMs", "hsm_types_after_ms"])?,
        rollback_expiration_after: ms(&[
            "RollbackExpirationAfterMs",
            "rollback_expiration_after_ms",
        ])?,
    }))
}

/// A list of strings named by `names`; `None` when absent.
fn field_str_list(
    body: &Value,
    names: &[&str],
    what: &str,
) -> Result<Option<Vec<String>>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("{} must be a list of {what}", names[0])))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(bad(format!("{} must be a list of {what}", names[0]))),
    }
}

/// Partial update: absent fields keep their value; `BusyMessage: null` clears it.
fn set_behaviour(control: &Control, body: &Value) -> Answer {
    let mut b = control.behaviour();
    if let Some(v) = field_bool(body, &["ModifyUninitialized", "modify_uninitialized"])? {
        b.modify_uninitialized = v;
    }
    if let Some(v) = field_bool(body, &["RefuseWhileHsmBusy", "refuse_while_hsm_busy"])? {
        b.refuse_while_hsm_busy = v;
    }
    if let Some(v) = field_bool(body, &["UnknownIdNotFound", "unknown_id_not_found"])? {
        b.unknown_id_not_found = v;
    }
    if let Some(v) = field_bool(
        body,
        &[
            "AcceptUnverifiableSignatures",
            "accept_unverifiable_signatures",
        ],
    )? {
        b.accept_unverifiable_signatures = v;
    }
    for (names, slot) in [
        (["PageLimit", "page_limit"], &mut b.page_limit),
        (
            ["FilterValueLimit", "filter_value_limit"],
            &mut b.filter_value_limit,
        ),
    ] {
        if names
            .iter()
            .any(|n| body.get(*n).is_some_and(Value::is_null))
        {
            *slot = None;
        } else if let Some(n) = field_u64(body, &names)? {
            if n == 0 {
                return Err(bad(format!("{} must be 1 or more, or null", names[0])));
            }
            *slot = Some(n as usize);
        }
    }
    for name in ["BusyMessage", "busy_message"] {
        match body.get(name) {
            None => {}
            Some(Value::Null) => b.busy_message = None,
            Some(Value::String(s)) => b.busy_message = Some(s.clone()),
            Some(_) => return Err(bad("BusyMessage must be a string or null")),
        }
    }
    if let Some(v) = field_opt_str(body, &["ExpiredRollback", "expired_rollback"])? {
        b.expired_rollback = match v.as_str() {
            "Hide" | "hide" => ExpiredRollback::Hide,
            "ShowPast" | "show_past" => ExpiredRollback::ShowPast,
            other => {
                return Err(bad(format!(
                    "ExpiredRollback {other:?} must be Hide or ShowPast"
                )))
            }
        };
    }
    if let Some(roles) = field_str_list(body, &["DenyAssumeRole", "deny_assume_role"], "role ARNs")?
    {
        b.deny_assume_role = roles;
    }
    set_read_behaviours(&mut b, body)?;
    control.set_behaviour(b.clone());
    ok(behaviour_json(&b))
}

/// The behaviours of the read path and of HSM type changes: `ReadLagMs`,
/// `CertificateAfterMs`, `HsmTypeChange`, `BlankAbsent`, `RefuseDescribeOf`.
fn set_read_behaviours(b: &mut Behaviour, body: &Value) -> Result<(), (StatusCode, String)> {
    if let Some(lag) = field_opt_ms(body, &["ReadLagMs", "read_lag_ms"])? {
        b.read_lag = lag;
    }
    if let Some(after) = field_opt_ms(body, &["CertificateAfterMs", "certificate_after_ms"])? {
        b.certificate_after = after;
    }
    if let Some(order) = parse_hsm_type_change(body)? {
        b.hsm_type_change = order;
    }
    if let Some(v) = field_bool(body, &["BlankAbsent", "blank_absent"])? {
        b.blank_absent = v;
    }
    if let Some(ids) = field_str_list(
        body,
        &["RefuseDescribeOf", "refuse_describe_of"],
        "cluster ids",
    )? {
        b.refuse_describe_of = ids;
    }
    Ok(())
}

/// `Status` of an `HtmlAnswer` fault: 200 to 599, default 502.
fn html_status(b: &Value) -> Result<u16, (StatusCode, String)> {
    match field_u64(b, &["Status", "status"])? {
        None => Ok(502),
        Some(n @ 200..=599) => Ok(n as u16),
        Some(n) => Err(bad(format!(
            "Status {n} must be an HTTP status between 200 and 599"
        ))),
    }
}

fn parse_fault(b: &Value) -> Result<Fault, (StatusCode, String)> {
    let operation = field_opt_str(b, &["Operation", "operation"])?;
    let kind = match field_str(b, &["Kind", "kind"])?.as_str() {
        "Throttle" | "Throttling" | "ThrottlingException" => FaultKind::Throttle,
        "InternalError" | "InternalFailure" => FaultKind::InternalError,
        "DropConnection" => FaultKind::DropConnection,
        "LoseResponse" => FaultKind::LoseResponse,
        "Hang" => FaultKind::Hang,
        "ResetMidResponse" => FaultKind::ResetMidResponse,
        "UnreadableAnswer" => FaultKind::UnreadableAnswer,
        "HtmlAnswer" => FaultKind::HtmlAnswer(html_status(b)?),
        "Latency" => {
            let ms = field_u64(b, &["LatencyMs", "latency_ms"])?
                .ok_or_else(|| bad("a Latency fault needs LatencyMs"))?;
            FaultKind::Latency(Duration::from_millis(ms))
        }
        other => {
            return Err(bad(format!(
                "Kind {other:?} must be Throttle, InternalError, Latency, DropConnection, LoseResponse, Hang, ResetMidResponse, UnreadableAnswer or HtmlAnswer"
            )))
        }
    };
    let next = field_u64(b, &["NextCalls", "next_calls"])?;
    let rate = match field(b, &["Rate", "rate"]) {
        None => None,
        Some(v) => match v.as_f64() {
            Some(r) if (0.0..=1.0).contains(&r) => Some(r),
            _ => return Err(bad("Rate must be a number between 0 and 1")),
        },
    };
    let for_ms = field_u64(b, &["ForMs", "for_ms"])?;
    let trigger = match (next, rate, for_ms) {
        (Some(n), None, None) => {
            Trigger::NextCalls(u32::try_from(n).map_err(|_| bad("NextCalls is too large"))?)
        }
        (None, Some(r), None) => Trigger::Rate(r),
        (None, None, Some(ms)) => Trigger::For(Duration::from_millis(ms)),
        (None, None, None) => Trigger::NextCalls(1),
        _ => return Err(bad("give one of NextCalls, Rate or ForMs")),
    };
    Ok(Fault {
        operation,
        kind,
        trigger,
    })
}
