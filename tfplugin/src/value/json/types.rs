//! The cty JSON type encoding, both ways: [`Type::to_json`] (as schemas and dynamic values
//! carry a type) and [`Type::from_json`].
//!
//! It stands on the parser, cty types and the value error; it must not know values, stored
//! state, msgpack or any provider's domain.

use super::super::cty::Type;
use super::super::error::ValueError;
use super::parse::{parse_json, Json};
use crate::path::write_quoted;

impl Type {
    /// The cty JSON type encoding, as the protocol's schema and dynamic values carry it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

    /// Appends the cty JSON type encoding to `out`.
    fn write_json(&self, out: &mut String) {
        match self {
            Type::Bool => out.push_str("\"bool\""),
            Type::Number => out.push_str("\"number\""),
            Type::String => out.push_str("\"string\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(t) | Type::Set(t) | Type::Map(t) => {
                let kind = match self {
                    Type::List(_) => "list",
                    Type::Set(_) => "set",
                    _ => "map",
                };
                out.push_str("[\"");
                out.push_str(kind);
                out.push_str("\",");
                t.write_json(out);
                out.push(']');
            }
            Type::Object(attrs) => {
                out.push_str("[\"object\",{");
                for (i, (name, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // Writing into a String cannot fail.
                    let _ = write_quoted(out, name);
                    out.push(':');
                    t.write_json(out);
                }
                out.push_str("}]");
            }
            Type::Tuple(elems) => {
                out.push_str("[\"tuple\",[");
                for (i, t) in elems.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    t.write_json(out);
                }
                out.push_str("]]");
            }
        }
    }

    /// Reads the cty JSON type encoding.
    pub fn from_json(bytes: &[u8]) -> Result<Type, ValueError> {
        let json = parse_json(bytes).map_err(|message| ValueError::InvalidType {
            message: format!("The type is not valid JSON: {message}"),
        })?;
        type_from_json(&json)
    }
}

/// Reads a parsed cty JSON type encoding.
pub(super) fn type_from_json(json: &Json) -> Result<Type, ValueError> {
    let invalid = |what: String| ValueError::InvalidType {
        message: format!("Not a valid type: {what}."),
    };
    match json {
        Json::String(s) => match s.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(invalid(format!("unknown primitive type {other:?}"))),
        },
        Json::Array(items) => {
            let kind = match items.first() {
                Some(Json::String(k)) => k.as_str(),
                _ => return Err(invalid("an array type must start with its kind".into())),
            };
            let arg = items
                .get(1)
                .ok_or_else(|| invalid(format!("{kind} needs an argument")))?;
            match kind {
                "list" => Ok(Type::list(type_from_json(arg)?)),
                "set" => Ok(Type::set(type_from_json(arg)?)),
                "map" => Ok(Type::map(type_from_json(arg)?)),
                "object" => match arg {
                    // A third element (optional attribute names) is a type constraint
                    // detail that does not change the wire form; it is ignored.
                    Json::Object(attrs) => Ok(Type::Object(
                        attrs
                            .iter()
                            .map(|(n, t)| Ok((n.clone(), type_from_json(t)?)))
                            .collect::<Result<_, ValueError>>()?,
                    )),
                    _ => Err(invalid("object attributes must be a JSON object".into())),
                },
                "tuple" => match arg {
                    Json::Array(elems) => Ok(Type::Tuple(
                        elems.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    )),
                    _ => Err(invalid("tuple elements must be a JSON array".into())),
                },
                other => Err(invalid(format!("unknown type kind {other:?}"))),
            }
        }
        _ => Err(invalid("expected a string or an array".into())),
    }
}
