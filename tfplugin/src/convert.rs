//! Translation between our protocol model (schema, diagnostics, paths, values) and the
//! generated tfplugin6 protobuf types. The only place where both sides meet.

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::interface::ClientCapabilities;
use crate::path::{AttributePath, PathStep};
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, AttributeKind, Block, BlockNesting, NestedBlock, Nesting, Schema};
use crate::value::{self, Type, Value};

/// A schema as Terraform receives it. Every block carries the schema's version, and every
/// description is marked as Markdown.
pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block, s.version)),
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

fn nested_block(nb: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as M;
    let nesting = match nb.nesting {
        BlockNesting::Single => M::Single,
        BlockNesting::List => M::List,
        BlockNesting::Set => M::Set,
        BlockNesting::Map => M::Map,
        BlockNesting::Group => M::Group,
    };
    pb::schema::NestedBlock {
        type_name: nb.type_name.clone(),
        block: Some(block(&nb.block, 0)),
        nesting: nesting as i32,
        min_items: nb.min_items,
        max_items: nb.max_items,
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    use pb::schema::object::NestingMode as M;
    let (ty, nested_type) = match &a.kind {
        AttributeKind::Type(t) => (t.to_json(), None),
        AttributeKind::Nested {
            nesting,
            attributes,
        } => {
            let mode = match nesting {
                Nesting::Single => M::Single,
                Nesting::List => M::List,
                Nesting::Set => M::Set,
                Nesting::Map => M::Map,
            };
            #[allow(deprecated)]
            let object = pb::schema::Object {
                attributes: attributes.iter().map(attribute).collect(),
                nesting: mode as i32,
                min_items: 0,
                max_items: 0,
            };
            (Vec::new(), Some(object))
        }
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

/// What a request's `client_capabilities` announce; an absent message (a Terraform older
/// than the field) announces nothing.
pub fn client_capabilities(c: Option<&pb::ClientCapabilities>) -> ClientCapabilities {
    c.map(|c| ClientCapabilities {
        write_only_attributes_allowed: c.write_only_attributes_allowed,
        deferral_allowed: c.deferral_allowed,
    })
    .unwrap_or_default()
}

/// An attribute path as Terraform receives it, step for step.
pub fn path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::ElementKeyString(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::ElementKeyInt(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// A diagnostic as Terraform receives it. A root path is sent as no path at all.
pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d
            .attribute
            .as_ref()
            .filter(|p| !p.steps.is_empty())
            .map(path),
    }
}

/// Every diagnostic, in order, as Terraform receives them.
pub fn diagnostics(ds: &Diagnostics) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

/// Decodes a `DynamicValue` of type `ty`, from msgpack or else from JSON; an absent or empty
/// value is null. On failure, an error diagnostic that names the value as `what` (e.g.
/// "prior state").
pub fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
    let result = match dv {
        Some(d) if !d.msgpack.is_empty() => value::decode_msgpack(&d.msgpack, ty),
        Some(d) if !d.json.is_empty() => value::decode_json(&d.json, ty),
        _ => return Ok(Value::Null),
    };
    result.map_err(|e| {
        Diagnostic::error(
            format!("Could not decode the {what} Terraform sent"),
            format!(
                "The provider could not read the {what}: {e}. This is a bug in the provider or a \
                 Terraform version it does not support; please report it."
            ),
        )
    })
}

/// Encodes a value of type `ty` as msgpack for Terraform. On failure (the value does not
/// fit the type), an error diagnostic that names the value as `what`.
pub fn encode(v: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    value::encode_msgpack(v, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                format!("Could not encode the {what}"),
                format!("The provider produced a {what} it could not encode: {e}. Please report this bug."),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_carry_severity_and_path() {
        let d = Diagnostic::error("Bad", "Because").at(AttributePath::attr("a").key("k").index(2));
        let p = diagnostic(&d);
        assert_eq!(p.severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(p.summary, "Bad");
        let steps = p.attribute.expect("path").steps;
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[1].selector,
            Some(pb::attribute_path::step::Selector::ElementKeyString(
                "k".into()
            ))
        );
        let w = diagnostic(&Diagnostic::warning("W", ""));
        assert_eq!(w.severity, pb::diagnostic::Severity::Warning as i32);
        assert!(w.attribute.is_none());
    }

    #[test]
    fn schema_types_are_cty_json_and_nested_attributes_are_objects() {
        let s = Schema::new(Block {
            attributes: vec![
                Attribute::string("id").computed().description("The id."),
                Attribute::nested_single("policy", vec![Attribute::number("value").required()])
                    .optional(),
            ],
            ..Default::default()
        });
        let p = schema(&s);
        let attrs = p.block.expect("block").attributes;
        assert_eq!(attrs[0].r#type, b"\"string\"".to_vec());
        assert!(attrs[0].computed && !attrs[0].optional);
        assert_eq!(attrs[0].description_kind, pb::StringKind::Markdown as i32);
        let nested = attrs[1].nested_type.as_ref().expect("nested");
        assert_eq!(
            nested.nesting,
            pb::schema::object::NestingMode::Single as i32
        );
        assert!(attrs[1].r#type.is_empty());
        assert!(!attrs[0].write_only);
        let wo = schema(&Schema::new(Block::new(vec![Attribute::string("pw_wo")
            .optional()
            .write_only()])));
        assert!(wo.block.expect("block").attributes[0].write_only);
    }

    #[test]
    fn client_capabilities_absent_announce_nothing() {
        assert_eq!(client_capabilities(None), ClientCapabilities::default());
        let c = client_capabilities(Some(&pb::ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: true,
        }));
        assert!(c.write_only_attributes_allowed && !c.deferral_allowed);
    }

    #[test]
    fn absent_dynamic_value_is_null_and_garbage_is_a_diagnostic() {
        assert_eq!(decode(None, &Type::String, "config").unwrap(), Value::Null);
        let bad = pb::DynamicValue {
            msgpack: vec![0xc1],
            json: vec![],
        };
        let err = decode(Some(&bad), &Type::String, "config").unwrap_err();
        assert!(err.summary.contains("config"));
    }
}
