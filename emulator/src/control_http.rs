//! The control API over HTTP, under `/_emulator/` (no SigV4), for the demo and for
//! scripts. Bodies are JSON; field names are accepted in `PascalCase` (like the AWS API)
//! or in `snake_case` (like [`ClusterSpec`]).
//!
//! | route | body / answer |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"Status":"ok"}` |
//! | `POST /_emulator/clusters` | `{State?, HsmType?, WithHsm? (default true), BackupRetentionDays?, VpcId?, Tags? ({k:v} or [{Key,Value}]), ClusterId?}` -> `{"ClusterId"}` |
//! | `GET /_emulator/clusters` | `{"Clusters":[…]}` (API shape) |
//! | `GET /_emulator/clusters/{id}` | the cluster (API shape), 404 when unknown |
//! | `GET /_emulator/clusters/{id}/csr` | the CSR PEM (`text/plain`) |
//! | `POST /_emulator/clusters/{id}/state` | `{"State":"ACTIVE"}` |
//! | `POST /_emulator/clusters/{id}/hsm-type` | `{"HsmType":"hsm2m.medium"}` |
//! | `POST /_emulator/clusters/{id}/retention` | `{"Days":30}` |
//! | `POST /_emulator/clusters/{id}/reset` | back to UNINITIALIZED with a fresh CSR |
//! | `POST /_emulator/clusters/{id}/complete` | finish pending transitions now |
//! | `POST /_emulator/timings` | `{AllMs?, CreateMs?, InitializeMs?, ModifyMs?, CreateHsmMs?, DeleteMs?}` |
//! | `GET /_emulator/timings` | the same fields |
//! | `POST /_emulator/faults` | `{Operation?, Kind: Throttle/InternalError/Latency/DropConnection/LoseResponse, LatencyMs?, NextCalls? or Rate?}` |
//! | `DELETE /_emulator/faults` | clears every fault |
//! | `GET /_emulator/calls?operation=X` | `{"Count":n,"Calls":[bodies]}`; without `operation`: `{"Calls":[{Operation,Body}]}` |
//! | `DELETE /_emulator/calls` | forgets the call record |
//! | `POST /_emulator/shutdown` | stops the emulator |

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::config::{ClusterSpec, Timings};
use crate::control::Control;
use crate::faults::{Fault, FaultKind, Trigger};
use crate::model::{CLUSTER_STATES, KNOWN_HSM_TYPES};
use crate::server::{read_body, response, State};

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
        (&Method::POST, ["clusters", id, "state"]) => parse(&body).and_then(|b| {
            let s = field_str(&b, &["State", "state"])?;
            if !CLUSTER_STATES.contains(&s.as_str()) {
                return Err(bad(format!("{s:?} is not a cluster state")));
            }
            changed(&control, id, control.set_state(id, &s))
        }),
        (&Method::POST, ["clusters", id, "hsm-type"]) => parse(&body).and_then(|b| {
            let t = field_str(&b, &["HsmType", "hsm_type"])?;
            if !crate::api::is_hsm_type_shaped(&t) {
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
        (&Method::POST, ["faults"]) => parse(&body).and_then(|b| {
            control.inject(parse_fault(&b)?);
            ok(json!({"Status": "injected"}))
        }),
        (&Method::DELETE, ["faults"]) => {
            control.clear_faults();
            ok(json!({"Status": "cleared"}))
        }
        (&Method::GET, ["calls"]) => match query_param(query, "operation") {
            Some(op) => {
                let calls = control.calls(&op);
                ok(json!({"Operation": op, "Count": calls.len(), "Calls": calls}))
            }
            None => {
                let calls: Vec<Value> = control
                    .all_calls()
                    .into_iter()
                    .map(|(op, body)| json!({"Operation": op, "Body": body}))
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
        if !KNOWN_HSM_TYPES.contains(&t.as_str()) && !crate::api::is_hsm_type_shaped(t) {
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
        if !crate::api::is_cluster_id(id) {
            return Err(bad(format!(
                "{id:?} does not match cluster-[2-7a-zA-Z]{{11,16}}"
            )));
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
    })
}

fn set_timings(control: &Control, b: &Value) -> Answer {
    let mut t = control.timings();
    if let Some(all) = field_u64(b, &["AllMs", "all_ms"])? {
        t = Timings::uniform(Duration::from_millis(all));
    }
    let slots: [(&[&str], &mut Duration); 5] = [
        (&["CreateMs", "create_ms"], &mut t.create),
        (&["InitializeMs", "initialize_ms"], &mut t.initialize),
        (&["ModifyMs", "modify_ms"], &mut t.modify),
        (&["CreateHsmMs", "create_hsm_ms"], &mut t.create_hsm),
        (&["DeleteMs", "delete_ms"], &mut t.delete),
    ];
    for (names, slot) in slots {
        if let Some(ms) = field_u64(b, names)? {
            *slot = Duration::from_millis(ms);
        }
    }
    control.set_timings(t.clone());
    ok(timings_json(&t))
}

fn parse_fault(b: &Value) -> Result<Fault, (StatusCode, String)> {
    let operation = field_opt_str(b, &["Operation", "operation"])?;
    let kind = match field_str(b, &["Kind", "kind"])?.as_str() {
        "Throttle" | "Throttling" | "ThrottlingException" => FaultKind::Throttle,
        "InternalError" | "InternalFailure" => FaultKind::InternalError,
        "DropConnection" => FaultKind::DropConnection,
        "LoseResponse" => FaultKind::LoseResponse,
        "Latency" => {
            let ms = field_u64(b, &["LatencyMs", "latency_ms"])?
                .ok_or_else(|| bad("a Latency fault needs LatencyMs"))?;
            FaultKind::Latency(Duration::from_millis(ms))
        }
        other => {
            return Err(bad(format!(
                "Kind {other:?} must be Throttle, InternalError, Latency, DropConnection or LoseResponse"
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
    let trigger = match (next, rate) {
        (Some(_), Some(_)) => return Err(bad("give NextCalls or Rate, not both")),
        (Some(n), None) => {
            Trigger::NextCalls(u32::try_from(n).map_err(|_| bad("NextCalls is too large"))?)
        }
        (None, Some(r)) => Trigger::Rate(r),
        (None, None) => Trigger::NextCalls(1),
    };
    Ok(Fault {
        operation,
        kind,
        trigger,
    })
}

/// The (percent-decoded) value of `name` in a query string.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        assert_eq!(
            query_param("a=1&operation=Describe%43lusters", "operation").as_deref(),
            Some("DescribeClusters")
        );
        assert_eq!(query_param("a=1", "operation"), None);
        assert_eq!(percent_decode("%4"), "%4");
    }
}
