//! Logging to stderr as hclog JSON lines, the form Terraform reads from a plugin's stderr
//! and shows under `TF_LOG` / `TF_LOG_PROVIDER`.
//!
//! Each event becomes one line such as
//! `{"@level":"debug","@message":"rpc done","@module":"provider.cloudhsm","@timestamp":"…","rpc":"PlanResourceChange"}`.
//! Our own events pass at the level Terraform asks for; libraries' events (the AWS SDK,
//! hyper) only at WARN and above, since their debug output describes requests in detail.
//! Keeping secrets out of our own events is the caller's duty (nothing in this crate logs
//! configuration values).

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The `@module` every line carries.
pub const MODULE: &str = "provider.cloudhsm";

/// Picks the level from `TF_LOG_PROVIDER`, then `TF_LOG` (as Terraform names them:
/// TRACE, DEBUG, INFO, WARN, ERROR, OFF; JSON means TRACE). Unset means WARN.
pub fn level_from_env() -> Option<Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("TF_LOG")
                .ok()
                .filter(|v| !v.trim().is_empty())
        });
    parse_level(raw.as_deref())
}

fn parse_level(raw: Option<&str>) -> Option<Level> {
    match raw.map(|s| s.trim().to_ascii_uppercase()) {
        None => Some(Level::WARN),
        Some(s) => match s.as_str() {
            "TRACE" | "JSON" => Some(Level::TRACE),
            "DEBUG" => Some(Level::DEBUG),
            "INFO" => Some(Level::INFO),
            "WARN" => Some(Level::WARN),
            "ERROR" => Some(Level::ERROR),
            "OFF" => None,
            // An unknown word: Terraform itself falls back to TRACE for anything it does not know.
            _ => Some(Level::TRACE),
        },
    }
}

/// Installs the hclog JSON layer as the global subscriber. Safe to call more than once.
pub fn init() {
    let layer = HclogLayer {
        max_level: level_from_env(),
    };
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

struct HclogLayer {
    max_level: Option<Level>,
}

/// Our own events pass at the chosen level. Libraries' events (the AWS SDK, hyper, tonic)
/// pass only at WARN and above: at debug and trace they describe requests in detail, which
/// could carry a session token, and a secret must never reach a log line.
fn admits(max_level: Option<Level>, level: &Level, target: &str) -> bool {
    let Some(max) = max_level else {
        return false;
    };
    let ours = target.starts_with("terraform_provider_cloudhsm");
    let limit = if ours { max } else { max.min(Level::WARN) };
    *level <= limit
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        admits(self.max_level, metadata.level(), metadata.target())
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(event, &timestamp_now());
        let mut err = std::io::stderr().lock();
        // Nothing sensible can be done when stderr is gone.
        let _ = writeln!(err, "{line}");
    }
}

fn format_event(event: &Event<'_>, timestamp: &str) -> String {
    let mut visitor = JsonFields::default();
    event.record(&mut visitor);
    let mut obj = serde_json::Map::new();
    obj.insert(
        "@level".into(),
        hclog_level(event.metadata().level()).into(),
    );
    obj.insert(
        "@message".into(),
        visitor.message.unwrap_or_default().into(),
    );
    obj.insert("@module".into(), MODULE.into());
    obj.insert("@timestamp".into(), timestamp.into());
    for (k, v) in visitor.fields {
        obj.insert(k, v);
    }
    serde_json::Value::Object(obj).to_string()
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    fields: Vec<(String, serde_json::Value)>,
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.push((field.name().to_string(), value));
        }
    }
}

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.put(field, s.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
}

/// Now, in the form hclog writes: `2006-01-02T15:04:05.000000Z`.
fn timestamp_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_timestamp(now.as_secs() as i64, now.subsec_micros())
}

fn format_timestamp(secs: i64, micros: u32) -> String {
    let whole = rfc3339(secs);
    let without_zone = whole.strip_suffix('Z').unwrap_or(&whole);
    format!("{without_zone}.{micros:06}Z")
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Formats unix seconds as RFC 3339 in UTC (`2026-11-23T08:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_events_below_warn_never_pass() {
        let trace = Some(Level::TRACE);
        assert!(admits(
            trace,
            &Level::TRACE,
            "terraform_provider_cloudhsm::cloudhsm"
        ));
        assert!(!admits(trace, &Level::DEBUG, "aws_smithy_runtime::client"));
        assert!(!admits(trace, &Level::INFO, "hyper::proto"));
        assert!(admits(trace, &Level::WARN, "aws_config::imds"));
        assert!(!admits(
            Some(Level::ERROR),
            &Level::WARN,
            "aws_config::imds"
        ));
        assert!(!admits(None, &Level::ERROR, "terraform_provider_cloudhsm"));
    }

    #[test]
    fn levels_follow_terraform_words() {
        assert_eq!(parse_level(None), Some(Level::WARN));
        assert_eq!(parse_level(Some("debug")), Some(Level::DEBUG));
        assert_eq!(parse_level(Some("JSON")), Some(Level::TRACE));
        assert_eq!(parse_level(Some("off")), None);
        assert_eq!(parse_level(Some("ERROR")), Some(Level::ERROR));
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(format_timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_timestamp(1_795_420_800, 123),
            "2026-11-23T08:00:00.000123Z"
        );
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn events_become_hclog_json() {
        use std::sync::{Arc, Mutex};
        // Capture one event through a tiny layer that uses the same formatter.
        struct Capture(Arc<Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Capture {
            fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
                if let Ok(mut lines) = self.0.lock() {
                    lines.push(format_event(event, "T"));
                }
            }
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(rpc = "GetProviderSchema", elapsed_ms = 3u64, "rpc done");
        });
        let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
        assert_eq!(lines.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&lines[0]).expect("valid JSON");
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "rpc done");
        assert_eq!(v["@module"], MODULE);
        assert_eq!(v["rpc"], "GetProviderSchema");
        assert_eq!(v["elapsed_ms"], 3);
    }
}
