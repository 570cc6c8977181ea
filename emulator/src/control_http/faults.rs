//! A fault to inject, from a `POST /_emulator/faults` body: its kind, operation and trigger.
//!
//! Knows the fault types and the field readers; not the routes.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use super::bad;
use super::fields::{field, field_opt_str, field_str, field_u64};
use crate::faults::{Fault, FaultKind, Trigger};

/// `Status` of an `HtmlAnswer` fault: 200 to 599, default 502.
pub(super) fn html_status(b: &Value) -> Result<u16, (StatusCode, String)> {
    match field_u64(b, &["Status", "status"])? {
        None => Ok(502),
        Some(n @ 200..=599) => Ok(n as u16),
        Some(n) => Err(bad(format!(
            "Status {n} must be an HTTP status between 200 and 599"
        ))),
    }
}

pub(super) fn parse_fault(b: &Value) -> Result<Fault, (StatusCode, String)> {
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
