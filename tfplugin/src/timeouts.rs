//! The `timeouts` attribute: how long each operation may take, written by users as Go
//! durations (`timeouts = { create = "30m" }`). Its schema, its typed value, and reading one
//! operation's duration with its default.
//!
//! Knows schemas, values and durations; knows nothing of gRPC or of any provider.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::duration;
use crate::schema::Attribute;
use crate::value::{Field, TfType, Type, Value, ValueError};

/// The value of a `timeouts` attribute: one duration text per operation, as configured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeouts(pub BTreeMap<String, Field<String>>);

impl Timeouts {
    /// The attribute `name` for these `(operation, default)` pairs: a nested object with one
    /// optional string per operation. Optional *and* computed: Terraform 1.0 crashes planning
    /// an optional-only nested attribute that the configuration leaves out; the typed layer
    /// plans it as the configuration says, so it behaves as a plain optional attribute.
    pub fn attribute(name: &str, operations: &[(&str, &str)]) -> Attribute {
        let attributes = operations
            .iter()
            .map(|(op, default)| {
                Attribute::string(*op).optional().description(format!(
                    "How long `{op}` may take, as a duration such as `30m` or `1h30m`. \
                     Default `{default}`."
                ))
            })
            .collect();
        Attribute::nested_single(name, attributes)
            .optional()
            .computed()
            .description("How long operations may take before giving up.")
    }

    /// The duration configured for `operation`, else `default`.
    pub fn get(&self, operation: &str, default: &str) -> Result<Duration, duration::DurationError> {
        let text = match self.0.get(operation) {
            Some(Field::Known(t)) => t.as_str(),
            _ => default,
        };
        duration::parse(text)
    }
}

/// The duration of `operation` in a `timeouts` field, with its default; an error on
/// `timeouts.<operation>` when the text is not a duration.
pub fn timeout_of(
    field: &Field<Timeouts>,
    attribute: &str,
    operation: &str,
    default: &str,
) -> Result<Duration, Diagnostic> {
    let timeouts = field.known().cloned().unwrap_or_default();
    timeouts.get(operation, default).map_err(|e| {
        Diagnostic::error("Invalid timeout", format!("{e}."))
            .at(AttributePath::attr(attribute).then_attr(operation))
    })
}

/// Every known duration in a `timeouts` value, checked; errors on the attribute at fault.
pub fn validate(value: &Value, attribute: &str, operations: &[(&str, &str)]) -> Diagnostics {
    let path = AttributePath::root();
    let field = match Field::<Timeouts>::from_value(value, &path) {
        Ok(f) => f,
        Err(e) => return Diagnostic::from(e).into(),
    };
    operations
        .iter()
        .filter_map(|(op, default)| timeout_of(&field, attribute, op, default).err())
        .collect()
}

/// The `timeouts` attribute's value. Its object type comes from the operations a resource
/// declares (`#[tf(timeouts(...))]`, [`Timeouts::attribute`]), so the type here is any
/// type; the derive never asks it, and refuses a `Field<Timeouts>` without that flag.
impl TfType for Timeouts {
    fn value_type() -> Type {
        Type::Dynamic
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        BTreeMap::<String, Field<String>>::from_value(v, path).map(Timeouts)
    }

    fn into_value(self) -> Value {
        Value::Object(
            self.0
                .into_iter()
                .map(|(k, v)| (k, v.into_value()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_default_parse_and_point_at_the_bad_one() {
        let none: Field<Timeouts> = Field::Null;
        assert_eq!(
            timeout_of(&none, "timeouts", "create", "30m").unwrap(),
            Duration::from_secs(1800)
        );
        let set = Value::object([("create", Value::string("2m"))]);
        let field = Field::<Timeouts>::from_value(&set, &AttributePath::root()).unwrap();
        assert_eq!(
            timeout_of(&field, "timeouts", "create", "30m").unwrap(),
            Duration::from_secs(120)
        );
        let bad = Value::object([("update", Value::string("soon"))]);
        let d = validate(&bad, "timeouts", &[("update", "2h")]);
        assert_eq!(
            d.iter().next().and_then(|d| d.attribute.clone()),
            Some(AttributePath::attr("timeouts").then_attr("update"))
        );
        let a = Timeouts::attribute("timeouts", &[("create", "30m")]);
        assert!(a.optional && a.computed);
    }
}
