//! Logging to stderr as hclog JSON lines, the form Terraform reads from a plugin's stderr
//! and shows under `TF_LOG` / `TF_LOG_PROVIDER`.
//!
//! Each event becomes one line such as
//! `{"@level":"debug","@message":"rpc done","@module":"provider.example","@timestamp":"…","rpc":"PlanResourceChange"}`.
//! The plugin's own events (see [`PluginIdentity::log_targets`]) pass at the level Terraform
//! asks for; libraries' events (SDKs, hyper) only at WARN and above, since their debug output
//! describes requests in detail.
//! Keeping secrets out of our own events is the caller's duty (nothing in this crate logs
//! configuration values).

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::identity::PluginIdentity;

/// Picks the level from `TF_LOG_PROVIDER`, then `TF_LOG` (as Terraform names them:
/// TRACE, DEBUG, INFO, WARN, ERROR, OFF; JSON means TRACE). Unset means WARN; `None`
/// means OFF.
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
pub fn init(identity: PluginIdentity) {
    let layer = HclogLayer {
        max_level: level_from_env(),
        identity,
    };
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

struct HclogLayer {
    max_level: Option<Level>,
    identity: PluginIdentity,
}

/// Our own events pass at the chosen level. Libraries' events (SDKs, hyper, tonic)
/// pass only at WARN and above: at debug and trace they describe requests in detail, which
/// could carry a session token, and a secret must never reach a log line.
fn admits(
    max_level: Option<Level>,
    identity: &PluginIdentity,
    level: &Level,
    target: &str,
) -> bool {
    let Some(max) = max_level else {
        return false;
    };
    let ours = identity.owns_target(target);
    let limit = if ours { max } else { max.min(Level::WARN) };
    *level <= limit
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        admits(
            self.max_level,
            &self.identity,
            metadata.level(),
            metadata.target(),
        )
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(event, self.identity.log_module, &timestamp_now());
        let mut err = std::io::stderr().lock();
        // Nothing sensible can be done when stderr is gone.
        let _ = writeln!(err, "{line}");
    }
}

fn format_event(event: &Event<'_>, module: &str, timestamp: &str) -> String {
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
    obj.insert("@module".into(), module.into());
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

/// Now, in the one form hclog reads back (`2006-01-02T15:04:05.000000Z`, microseconds):
/// Terraform shows a line with any other timestamp as raw text instead of a log entry.
fn timestamp_now() -> String {
    format_timestamp(time::OffsetDateTime::now_utc())
}

fn format_timestamp(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::EXAMPLE;

    #[test]
    fn library_events_below_warn_never_pass() {
        let trace = Some(Level::TRACE);
        let id = &EXAMPLE;
        assert!(admits(
            trace,
            id,
            &Level::TRACE,
            "terraform_provider_example::api"
        ));
        assert!(admits(trace, id, &Level::DEBUG, "tfplugin::grpc"));
        assert!(!admits(trace, id, &Level::DEBUG, "some_sdk::client"));
        assert!(!admits(trace, id, &Level::INFO, "hyper::proto"));
        assert!(admits(trace, id, &Level::WARN, "some_sdk::credentials"));
        assert!(!admits(
            Some(Level::ERROR),
            id,
            &Level::WARN,
            "some_sdk::credentials"
        ));
        assert!(!admits(
            None,
            id,
            &Level::ERROR,
            "terraform_provider_example"
        ));
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
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_420_800_000_123_000)
            .expect("in range");
        assert_eq!(format_timestamp(t), "2026-11-23T08:00:00.000123Z");
    }

    #[test]
    fn events_become_hclog_json() {
        use std::sync::{Arc, Mutex};
        // Capture one event through a tiny layer that uses the same formatter.
        struct Capture(Arc<Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Capture {
            fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
                if let Ok(mut lines) = self.0.lock() {
                    lines.push(format_event(event, EXAMPLE.log_module, "T"));
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
        assert_eq!(v["@module"], "provider.example");
        assert_eq!(v["rpc"], "GetProviderSchema");
        assert_eq!(v["elapsed_ms"], 3);
    }
}
