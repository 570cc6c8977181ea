//! The control API over HTTP, under `/_emulator/` (no SigV4), for the demo and for
//! scripts. Bodies are JSON; field names are accepted in `PascalCase` (like the AWS API)
//! or in `snake_case` (like [`ClusterSpec`]).
//!
//! A thin HTTP face on [`Control`]: what it changes, `Control` changes. It knows nothing of
//! connections or routing beyond its own `/_emulator/` paths, nor of the AWS API handlers.
//!
//! This file: the routes and the answers; `fields.rs`: reading body fields in either
//! spelling; `clusters.rs`: seeding and drifting clusters; `backups.rs`: backups and
//! regions; `settings.rs`: timings and behaviours; `faults.rs`: fault injection; `sts.rs`:
//! accounts, access keys and refused web identity tokens.
//!
//! | route | body / answer |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"Status":"ok"}` |
//! | `POST /_emulator/clusters` | `{State?, HsmType?, WithHsm? (default true), BackupRetentionDays?, VpcId?, Tags? ({k:v} or [{Key,Value}]), ClusterId?, Region? (default the emulator's), Mode? (FIPS/NON_FIPS)}` -> `{"ClusterId"}` |
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
//! | `POST /_emulator/clusters/{id}/backups` | a backup of the cluster now (CREATE_IN_PROGRESS, READY after `BackupMs`) -> `{"BackupId"}` |
//! | `POST /_emulator/backups` | `{Region?, ClusterId?, State? (default READY), NeverExpires?, Tags?, CreateTimestamp? (epoch seconds), BackupId?, HsmType?, Mode?, SourceRegion?, SourceBackup?, SourceCluster?, CopyTimestamp?, DeleteTimestamp?, ReadyAfterMs?}` (see `BackupSpec`) -> `{"BackupId"}` |
//! | `GET /_emulator/backups` | `{"Backups":[…]}` (API shape, every region, the truth) |
//! | `GET /_emulator/backups/{id}` | the real backup (API shape; never a read lag's older view, fields with their state, no blanks; a copy not showing yet too), 404 when unknown |
//! | `POST /_emulator/backups/{id}/state` | `{"State":"PENDING_DELETION"}` (any backup state, out of band) -> the backup |
//! | `POST /_emulator/backups/{id}/complete` | a copy shows and turns READY now, a backup being made turns READY, a read lag ends -> the backup |
//! | `GET /_emulator/regions` | `{"DisabledRegions":[…]}` |
//! | `POST /_emulator/regions/{region}/disable` (or `enable`) | the region is not enabled (or is again) -> `{"DisabledRegions":[…]}` |
//! | `POST /_emulator/timings` | `{AllMs?, CreateMs?, InitializeMs?, ModifyMs?, CreateHsmMs?, DeleteMs?, UpdateMs?, RollbackWindowMs?, BackupMs?, CopyVisibleAfterMs?, CopyReadyAfterMs?, BackupDeletionWindowMs?}` (`AllMs` sets every transition, not the rollback or deletion window) |
//! | `GET /_emulator/timings` | the same fields |
//! | `POST /_emulator/behaviour` (or `behavior`) | `{ModifyUninitialized?, BusyMessage? (null clears), ExpiredRollback?: Hide/ShowPast, DenyAssumeRole?: [role ARNs], RefuseWhileHsmBusy?, UnknownIdNotFound?, AcceptUnverifiableSignatures?, PageLimit?, FilterValueLimit?, ReadLagMs?, CertificateAfterMs? (null clears any of these four), HsmTypeChange?: {BusyAfterMs?, ClusterTypeAfterMs?, HsmTypesAfterMs?, RollbackExpirationAfterMs?} (replaced whole; absent or null members = None; null = all None), BlankAbsent?, RefuseDescribeOf?: [cluster ids], CopyVisibilityLagMs?, BackupFieldsAfterStateMs? (null clears either), CopyNeverAppears?, ShowDeletedBackups?, RepeatedDelete?: Refuse/AnswerAsIs, RegionNotEnabled?: {Code?, Message? (null = the emulator's)}, UnsortedBackups?: NewestFirst/OldestFirst}`; absent fields keep their value; answers the whole behaviour |
//! | `GET /_emulator/behaviour` (or `behavior`) | the same fields |
//! | `POST /_emulator/faults` | `{Operation?, Kind: Throttle/InternalError/Latency/DropConnection/LoseResponse/Hang/ResetMidResponse/UnreadableAnswer/HtmlAnswer, LatencyMs? (Latency), Status? (HtmlAnswer, 200-599, default 502), one of NextCalls / Rate / ForMs (default NextCalls 1)}` |
//! | `DELETE /_emulator/faults` | clears every fault |
//! | `GET /_emulator/accounts` | `{"DefaultAccount":"123456789012","AccessKeys":{key: account}}`: what `GetCallerIdentity` answers keys the STS emulation did not issue |
//! | `POST /_emulator/accounts` | `{DefaultAccount?, AccessKeys?: {key: account}}` (12 digits each; keys not named keep theirs) -> the same as `GET` |
//! | `GET /_emulator/access-keys/{key}` | `{"AccessKeyId","Account","AssumedRole": role ARN or null}` |
//! | `POST /_emulator/web-identity/refusals` | `{Token, Refusal: InvalidIdentityToken/ExpiredTokenException/IDPCommunicationError}`: `AssumeRoleWithWebIdentity` with that token is refused so |
//! | `DELETE /_emulator/web-identity/refusals` | refuse no token any more |
//! | `POST /_emulator/sso-tokens` | `{Token}`: the SSO portal's `GetRoleCredentials` accepts that access token (any account and role) |
//! | `GET /_emulator/calls?operation=X` | `{"Operation","Count":n,"Calls":[bodies],"Attempts":n,"AccessKeys":[…],"SigningRegions":[…],"Hosts":[…]}` (one entry per call; null for an unsigned call's key and region, or a missing `Host`); without `operation`: `{"Count","Calls":[{Operation,Body,AccessKeyId,SigningRegion,Host}]}` |
//! | `DELETE /_emulator/calls` | forgets the call record |
//! | `POST /_emulator/shutdown` | stops the emulator |

mod backups;
mod clusters;
mod faults;
mod fields;
mod settings;
mod sts;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::control::{CallRecord, Control};
use crate::http::{read_body, response, State};
use crate::input_rules::is_hsm_type_shaped;
use crate::urlencoded;
use clusters::{seed, set_state};
use faults::parse_fault;
use fields::{field_i64, field_opt_str, field_str, field_u64, parse};
use settings::{behaviour_json, set_behaviour, set_timings, timings_json};
use sts::{access_key_json, accounts_json, allow_sso_token, refuse_token, set_accounts};

pub(super) type Answer = Result<Response<Body>, (StatusCode, String)>;

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
    if let Some(answer) = backups::route(&control, &parts.method, &segments, &body) {
        return answer.unwrap_or_else(|(status, message)| error(status, message));
    }
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
        (&Method::GET, ["accounts"]) => ok(accounts_json(&control)),
        (&Method::POST, ["accounts"]) => parse(&body).and_then(|b| set_accounts(&control, &b)),
        (&Method::GET, ["access-keys", key]) => ok(access_key_json(&control, key)),
        (&Method::POST, ["web-identity", "refusals"]) => {
            parse(&body).and_then(|b| refuse_token(&control, &b))
        }
        (&Method::POST, ["sso-tokens"]) => parse(&body).and_then(|b| allow_sso_token(&control, &b)),
        (&Method::DELETE, ["web-identity", "refusals"]) => {
            control.clear_web_identity_refusals();
            ok(json!({"Status": "cleared"}))
        }
        (&Method::GET, ["calls"]) => match urlencoded::param(query, "operation") {
            Some(op) => {
                let records = control.call_records(&op);
                let column =
                    |f: fn(&CallRecord) -> Value| records.iter().map(f).collect::<Vec<_>>();
                ok(json!({
                    "Operation": op,
                    "Count": records.len(),
                    "Calls": column(|c| c.body.clone()),
                    "Attempts": control.attempts(&op),
                    "AccessKeys": column(|c| json!(c.access_key_id)),
                    "SigningRegions": column(|c| json!(c.region)),
                    "Hosts": column(|c| json!(c.host)),
                }))
            }
            None => {
                let calls: Vec<Value> = control
                    .all_call_records()
                    .into_iter()
                    .map(|c| {
                        json!({
                            "Operation": c.operation,
                            "Body": c.body,
                            "AccessKeyId": c.access_key_id,
                            "SigningRegion": c.region,
                            "Host": c.host,
                        })
                    })
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

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    response(status, "application/json", value.to_string())
}

pub(super) fn ok(value: Value) -> Answer {
    Ok(json_response(StatusCode::OK, &value))
}

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, &json!({"Error": message.into()}))
}

pub(super) fn bad(message: impl Into<String>) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, message.into())
}

pub(super) fn no_cluster(id: &str) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no cluster {id}"))
}

pub(super) fn changed(control: &Control, id: &str, existed: bool) -> Answer {
    if !existed {
        return Err(no_cluster(id));
    }
    control
        .cluster_json(id)
        .map(|c| json_response(StatusCode::OK, &c))
        .ok_or_else(|| no_cluster(id))
}
