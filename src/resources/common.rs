//! The `timeouts` attribute the two resources share: its schema, and reading and checking
//! its durations.

use std::time::Duration;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::duration;
use tfplugin::schema::Attribute;
use tfplugin::value::{Field, ObjectReader, Value};

/// The `timeouts = { create = "30m", ... }` attribute for the given operations and defaults.
///
/// Optional *and computed*: Terraform 1.0.x panics while planning a resource whose config
/// omits an optional-only nested attribute. Resources copy the config's value into the plan,
/// so it behaves like a plain optional attribute.
pub fn timeouts_attribute(operations: &[(&str, Duration)]) -> Attribute {
    let attributes = operations
        .iter()
        .map(|(op, default)| {
            Attribute::string(*op).optional().description(format!(
                "How long `{op}` may wait for the cluster, as a duration such as `30m` or \
                 `1h30m`. Default `{}`.",
                show_duration(*default)
            ))
        })
        .collect();
    Attribute::nested_single("timeouts", attributes)
        .optional()
        .computed()
        .description("How long operations may wait for the cluster before giving up.")
}

/// Formats a whole number of minutes or seconds the way users write durations.
pub fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) && s > 0 {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) && s > 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Reads `timeouts.<operation>` from a resource object (config or plan), or the default.
pub fn timeout(object: &Value, operation: &str, default: Duration) -> Result<Duration, Diagnostic> {
    let timeouts = object.get("timeouts").cloned().unwrap_or(Value::Null);
    if timeouts.is_null() || timeouts.is_unknown() {
        return Ok(default);
    }
    let reader =
        ObjectReader::new(&timeouts, AttributePath::attr("timeouts")).map_err(Diagnostic::from)?;
    let field: Field<String> = reader.get(operation).map_err(Diagnostic::from)?;
    match field {
        Field::Known(text) => duration::parse(&text).map_err(|e| {
            Diagnostic::error("Invalid timeout", format!("{e}."))
                .at(AttributePath::attr("timeouts").then_attr(operation))
        }),
        _ => Ok(default),
    }
}

/// Validate-time check of every known `timeouts` value.
pub fn validate_timeouts(config: &Value, operations: &[(&str, Duration)]) -> Diagnostics {
    operations
        .iter()
        .filter_map(|(op, default)| timeout(config, op, *default).err())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_default_parse_and_point_at_the_bad_one() {
        let ops = [("create", Duration::from_secs(1800))];
        let none = Value::object([("timeouts", Value::Null)]);
        assert_eq!(timeout(&none, "create", ops[0].1).unwrap(), ops[0].1);
        let set = Value::object([("timeouts", Value::object([("create", Value::string("2m"))]))]);
        assert_eq!(
            timeout(&set, "create", ops[0].1).unwrap(),
            Duration::from_secs(120)
        );
        let bad = Value::object([(
            "timeouts",
            Value::object([("create", Value::string("soon"))]),
        )]);
        let d = validate_timeouts(&bad, &ops);
        assert!(d.has_errors());
        assert_eq!(
            d.iter().next().and_then(|d| d.attribute.clone()),
            Some(AttributePath::attr("timeouts").then_attr("create"))
        );
        assert_eq!(show_duration(Duration::from_secs(1800)), "30m");
        assert_eq!(show_duration(Duration::from_secs(7200)), "2h");
    }
}
