//! The JSON form of a value read as a value of a type: [`decode_json`] (a `DynamicValue`'s
//! JSON) and [`decode_stored_json`] (stored resource state read into the current schema:
//! attributes the schema no longer has dropped at any depth, numbers keeping every digit).
//! JSON has no unknown values: null is null, and nothing read here is ever unknown.
//!
//! It stands on the parser, the type encoding, cty types and values, numbers, what decoding
//! shares, the value error and paths; it must not know msgpack, typed access, protobuf or
//! any provider's domain.

use std::collections::BTreeMap;

use super::super::cty::{Type, Value};
use super::super::decode::{attribute_not_in_type, object_with_nulls, sequence};
use super::super::error::ValueError;
use super::super::number::Number;
use super::parse::{parse_json, Json};
use super::types::type_from_json;
use crate::path::{AttributePath, PathStep};

/// Decodes the JSON form of a value of `ty`. An object attribute the type does not have is
/// an error; one the JSON lacks is null.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut reading = JsonReading::default();
    reading.decode(bytes, ty)
}

/// Resource state as Terraform stored it (JSON), read as a value of the current schema's type.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredState {
    /// The state as a value of the type.
    pub value: Value,
    /// Where the stored JSON had an object attribute that the type no longer has, at any
    /// depth (nested attributes, blocks); those attributes were left out of `value`.
    pub dropped: Vec<AttributePath>,
    /// Whether some object in the JSON lacked attributes of its type (read as null).
    pub missing_attributes: bool,
}

impl StoredState {
    /// True when the stored JSON already is exactly a value of the type, as Terraform's own
    /// JSON decoding reads it: nothing was dropped or filled in, so the stored bytes can be
    /// handed back untouched.
    pub fn fits_as_is(&self) -> bool {
        self.dropped.is_empty() && !self.missing_attributes
    }
}

/// Reads stored resource state (the JSON of `UpgradeResourceState`'s `raw_state`) as a value
/// of `ty`, dropping object attributes the type no longer has at every depth. Numbers keep
/// every digit of their decimal text.
pub fn decode_stored_json(bytes: &[u8], ty: &Type) -> Result<StoredState, ValueError> {
    let mut reading = JsonReading {
        drop_unknown: true,
        ..Default::default()
    };
    let value = reading.decode(bytes, ty)?;
    Ok(StoredState {
        value,
        dropped: reading.dropped,
        missing_attributes: reading.missing_attributes,
    })
}

/// One JSON decoding: how it treats object attributes the type lacks, and what it did.
#[derive(Default)]
struct JsonReading {
    /// Leave out (and record) attributes the type does not have instead of refusing them.
    drop_unknown: bool,
    dropped: Vec<AttributePath>,
    missing_attributes: bool,
}

impl JsonReading {
    /// Parses `bytes` and reads them as a value of `ty`.
    fn decode(&mut self, bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        let root = AttributePath::root();
        let json = parse_json(bytes)
            .map_err(|m| ValueError::decode(&root, format!("The data is not valid JSON: {m}.")))?;
        let mut path = AttributePath::root();
        self.value(&json, ty, &mut path)
    }

    /// Reads one parsed JSON value as a value of `ty`; `path` is where it sits.
    fn value(
        &mut self,
        json: &Json,
        ty: &Type,
        path: &mut AttributePath,
    ) -> Result<Value, ValueError> {
        if *json == Json::Null {
            return Ok(Value::Null);
        }
        let mismatch =
            |path: &AttributePath| ValueError::mismatch(path, ty.friendly_name(), json.kind());
        match ty {
            // Like cty, primitive values are converted where the conversion is obvious.
            Type::Bool => match json {
                Json::Bool(b) => Ok(Value::Bool(*b)),
                Json::String(s) if s == "true" => Ok(Value::Bool(true)),
                Json::String(s) if s == "false" => Ok(Value::Bool(false)),
                _ => Err(mismatch(path)),
            },
            Type::Number => match json {
                Json::Number(s) | Json::String(s) => Number::parse(s)
                    .map(Value::Number)
                    .ok_or_else(|| ValueError::decode(path, format!("{s:?} is not a number."))),
                _ => Err(mismatch(path)),
            },
            Type::String => match json {
                Json::String(s) => Ok(Value::String(s.clone())),
                Json::Number(n) => Ok(Value::String(
                    Number::parse(n)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| n.clone()),
                )),
                Json::Bool(b) => Ok(Value::String(b.to_string())),
                _ => Err(mismatch(path)),
            },
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
                let Json::Array(items) = json else {
                    return Err(mismatch(path));
                };
                sequence(items, ty, path, |item, et, p| self.value(item, et, p))
            }
            Type::Map(et) => {
                let Json::Object(entries) = json else {
                    return Err(mismatch(path));
                };
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    let value = path.with_step(PathStep::ElementKeyString(k.clone()), |p| {
                        self.value(v, et, p)
                    })?;
                    out.insert(k.clone(), value);
                }
                Ok(Value::Map(out))
            }
            Type::Object(ats) => {
                let Json::Object(entries) = json else {
                    return Err(mismatch(path));
                };
                let mut out = BTreeMap::new();
                for (name, v) in entries {
                    let Some(at) = ats.get(name) else {
                        if self.drop_unknown {
                            let mut dropped = path.clone();
                            dropped.push(PathStep::Attribute(name.clone()));
                            self.dropped.push(dropped);
                            continue;
                        }
                        return Err(attribute_not_in_type(path, name));
                    };
                    let value = path
                        .with_step(PathStep::Attribute(name.clone()), |p| self.value(v, at, p))?;
                    out.insert(name.clone(), value);
                }
                if out.len() < ats.len() {
                    self.missing_attributes = true;
                }
                Ok(object_with_nulls(out, ats))
            }
            Type::Dynamic => {
                let Json::Object(entries) = json else {
                    return Err(ValueError::mismatch(
                        path,
                        "an object with \"value\" and \"type\"",
                        json.kind(),
                    ));
                };
                let field = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                let (Some(type_json), Some(value_json)) = (field("type"), field("value")) else {
                    return Err(ValueError::decode(
                        path,
                        "A dynamic value needs both \"value\" and \"type\".",
                    ));
                };
                let inner_ty =
                    type_from_json(type_json).map_err(|e| ValueError::decode(path, e.message()))?;
                if inner_ty == Type::Dynamic {
                    return Err(ValueError::decode(
                        path,
                        "A dynamic value cannot have the type \"dynamic\".",
                    ));
                }
                // A dynamic value carries its own type, not the schema's: nothing to drop there.
                let drop_unknown = std::mem::replace(&mut self.drop_unknown, false);
                let inner = self.value(value_json, &inner_ty, path);
                self.drop_unknown = drop_unknown;
                let inner = inner?;
                Ok(Value::Dynamic(inner_ty, Box::new(inner)))
            }
        }
    }
}
