//! Successful answers made unreadable for the AWS SDK, as the `UnreadableAnswer` fault asks:
//! the answer a client gets when a service changes a field's format, or a proxy rewrites a
//! body. The JSON rule (CloudHSM) turns epoch-second timestamps into HTTP-date strings; the
//! XML rule (STS) turns ISO 8601 timestamps into a number. An answer with no timestamp is
//! spoiled another way, so that every answer is unreadable.
//!
//! Not ISO 8601 strings in JSON: the SDK's JSON codec reads those as timestamps too (it is
//! lenient about a timestamp's wire form), only a string that is no ISO 8601 date fails.
//!
//! Pure functions on answer bodies: it knows nothing of requests, faults or handlers.

use std::time::Duration;

use serde_json::{json, Value};

use crate::identity;

/// The CloudHSM answer fields that the SDK reads as epoch seconds.
const TIMESTAMP_FIELDS: [&str; 4] = [
    "CreateTimestamp",
    "HsmTypeRollbackExpiration",
    "CopyTimestamp",
    "DeleteTimestamp",
];

/// What replaces a value the SDK needs in another shape: a number.
const SPOILT: i64 = 12345;

/// The STS answer element that the SDK reads as an ISO 8601 date.
const XML_TIMESTAMP_OPEN: &str = "<Expiration>";
/// The end of [`XML_TIMESTAMP_OPEN`].
const XML_TIMESTAMP_CLOSE: &str = "</Expiration>";
/// The root element an STS answer without a timestamp gets (the SDK checks the root's name).
const XML_ROOT: &str = "UnreadableAnswer";

/// A CloudHSM (JSON) answer the SDK cannot parse: every timestamp field
/// ([`TIMESTAMP_FIELDS`]), at any depth, an HTTP-date string (`Thu, 03 Dec 2026 12:00:00
/// GMT`) instead of epoch seconds; in an answer with none, every top-level value the number
/// 12345; an empty answer (`TagResource`'s `{}`) a list holding 12345 instead of an object.
pub(crate) fn json_answer(mut answer: Value) -> Value {
    if iso_timestamps(&mut answer) {
        return answer;
    }
    if let Value::Object(fields) = &mut answer {
        if fields.is_empty() {
            return json!([SPOILT]);
        }
        for value in fields.values_mut() {
            *value = json!(SPOILT);
        }
    }
    answer
}

/// Turns every epoch-seconds timestamp field under `value` into an HTTP-date string;
/// returns whether there was any.
fn iso_timestamps(value: &mut Value) -> bool {
    let mut found = false;
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if TIMESTAMP_FIELDS.contains(&name.as_str()) {
                    if let Some(date) = field.as_f64().map(http_date) {
                        *field = json!(date);
                        found = true;
                        continue;
                    }
                }
                found |= iso_timestamps(field);
            }
        }
        Value::Array(items) => {
            for item in items {
                found |= iso_timestamps(item);
            }
        }
        _ => {}
    }
    found
}

/// Week days from Sunday, and months from January, as HTTP dates name them.
const WEEK_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/// See [`WEEK_DAYS`].
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Epoch seconds as an HTTP date, `Thu, 03 Dec 2026 12:00:00 GMT` (before 1970 or not
/// finite: the epoch).
fn http_date(seconds: f64) -> String {
    let secs = Duration::try_from_secs_f64(seconds)
        .unwrap_or_default()
        .as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let rest = secs % 86_400;
    let (y, m, d) = identity::civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let week_day = WEEK_DAYS[usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m.saturating_sub(1)).unwrap_or(0).min(11)];
    format!(
        "{week_day}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// An STS (XML) answer the SDK cannot parse: every `Expiration` the text 12345 instead of
/// an ISO 8601 date; in an answer with none, the root element renamed `UnreadableAnswer`.
pub(crate) fn xml_answer(xml: &str) -> String {
    if xml.contains(XML_TIMESTAMP_OPEN) {
        spoil_xml_timestamps(xml)
    } else {
        rename_xml_root(xml)
    }
}

/// The XML with the text of every `Expiration` element replaced by 12345.
fn spoil_xml_timestamps(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(XML_TIMESTAMP_OPEN) {
        let text_start = start + XML_TIMESTAMP_OPEN.len();
        out.push_str(&rest[..text_start]);
        let Some(text_len) = rest[text_start..].find(XML_TIMESTAMP_CLOSE) else {
            rest = &rest[text_start..];
            break;
        };
        out.push_str(&SPOILT.to_string());
        rest = &rest[text_start + text_len..];
    }
    out.push_str(rest);
    out
}

/// The XML with its root element (its first and last tags) named [`XML_ROOT`].
fn rename_xml_root(xml: &str) -> String {
    let Some(open) = xml
        .find('<')
        .filter(|_| !xml.trim_start().starts_with("<?"))
    else {
        return format!("<{XML_ROOT}>{xml}</{XML_ROOT}>");
    };
    let name_len = xml[open + 1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(xml.len() - open - 1);
    let name = &xml[open + 1..open + 1 + name_len];
    let close = format!("</{name}>");
    let mut out = format!("{}<{XML_ROOT}{}", &xml[..open], &xml[open + 1 + name_len..]);
    if let Some(at) = out.rfind(&close) {
        out.replace_range(at..at + close.len(), &format!("</{XML_ROOT}>"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_timestamps_become_http_dates_at_any_depth() {
        let answer = json!({"Clusters": [{"CreateTimestamp": 1_735_693_200.5, "HsmTypeRollbackExpiration": 0, "State": "ACTIVE"}]});
        let spoilt = json_answer(answer);
        assert_eq!(
            spoilt,
            json!({"Clusters": [{"CreateTimestamp": "Wed, 01 Jan 2025 01:00:00 GMT", "HsmTypeRollbackExpiration": "Thu, 01 Jan 1970 00:00:00 GMT", "State": "ACTIVE"}]})
        );
        assert_eq!(http_date(951_782_400.0), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_796_299_200.0), "Thu, 03 Dec 2026 12:00:00 GMT");
    }

    #[test]
    fn json_without_timestamps_gets_numbers_at_the_top() {
        let spoilt = json_answer(json!({"State": "INITIALIZE_IN_PROGRESS", "StateMessage": "x"}));
        assert_eq!(spoilt, json!({"State": 12345, "StateMessage": 12345}));
        assert_eq!(
            json_answer(json!({"Clusters": []})),
            json!({"Clusters": 12345})
        );
        assert_eq!(json_answer(json!({})), json!([12345]));
        let backup = json!({"Backup": {"CopyTimestamp": 0, "DeleteTimestamp": 0}});
        assert_eq!(
            json_answer(backup),
            json!({"Backup": {"CopyTimestamp": "Thu, 01 Jan 1970 00:00:00 GMT", "DeleteTimestamp": "Thu, 01 Jan 1970 00:00:00 GMT"}})
        );
    }

    #[test]
    fn xml_expirations_become_numbers_or_the_root_is_renamed() {
        let xml = "<R xmlns=\"n\"><C><Expiration>2025-01-01T01:00:00Z</Expiration></C></R>";
        assert_eq!(
            xml_answer(xml),
            "<R xmlns=\"n\"><C><Expiration>12345</Expiration></C></R>"
        );
        let xml = "<GetCallerIdentityResponse xmlns=\"n\"><A>x</A></GetCallerIdentityResponse>";
        assert_eq!(
            xml_answer(xml),
            "<UnreadableAnswer xmlns=\"n\"><A>x</A></UnreadableAnswer>"
        );
    }
}
