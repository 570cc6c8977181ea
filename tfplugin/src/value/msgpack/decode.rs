//! Decoding a `DynamicValue`'s msgpack bytes as a value of a type: [`decode_msgpack`].
//! Known values by their type (numbers as integers, floats or decimal strings, dynamic values
//! as `[type JSON, value]`); unknowns are handed to `refinements`.
//!
//! It stands on the raw reader, cty types and values, what decoding shares, the value error
//! and paths; it must not know how values are encoded, typed access, protobuf or gRPC (the
//! dispatch layer hands it plain byte slices), or any provider's domain.

use std::collections::BTreeMap;

use super::super::cty::{Type, Value};
use super::super::decode::{attribute_not_in_type, object_with_nulls, sequence};
use super::super::error::ValueError;
use super::read::{msgpack_kind, msgpack_number, msgpack_str, read_msgpack};
use super::refinements::unknown_from_msgpack;
use crate::path::{AttributePath, PathStep};

/// Decodes a `DynamicValue`'s msgpack bytes as a value of `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let root = AttributePath::root();
    let raw = read_msgpack(bytes)
        .map_err(|e| ValueError::decode(&root, format!("The data is not valid msgpack: {e}.")))?;
    let mut path = AttributePath::root();
    from_msgpack(&raw, ty, &mut path)
}

/// Reads a raw msgpack value as a value of `ty`; `path` is where it sits.
fn from_msgpack(
    raw: &rmpv::Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<Value, ValueError> {
    match raw {
        rmpv::Value::Nil => return Ok(Value::Null),
        rmpv::Value::Ext(code, payload) => return unknown_from_msgpack(*code, payload, ty, path),
        _ => {}
    }
    match ty {
        Type::Bool => match raw {
            rmpv::Value::Boolean(b) => Ok(Value::Bool(*b)),
            other => Err(ValueError::mismatch(path, "a bool", msgpack_kind(other))),
        },
        Type::Number => Ok(Value::Number(msgpack_number(raw, path)?)),
        Type::String => Ok(Value::String(msgpack_str(raw, path)?.to_string())),
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
            let rmpv::Value::Array(items) = raw else {
                return Err(ValueError::mismatch(path, "an array", msgpack_kind(raw)));
            };
            sequence(items, ty, path, from_msgpack)
        }
        Type::Map(et) => {
            let rmpv::Value::Map(entries) = raw else {
                return Err(ValueError::mismatch(path, "a map", msgpack_kind(raw)));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = msgpack_str(k, path)?.to_string();
                let value = path.with_step(PathStep::ElementKeyString(key.clone()), |p| {
                    from_msgpack(v, et, p)
                })?;
                out.insert(key, value);
            }
            Ok(Value::Map(out))
        }
        Type::Object(ats) => {
            let rmpv::Value::Map(entries) = raw else {
                return Err(ValueError::mismatch(path, "a map", msgpack_kind(raw)));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let name = msgpack_str(k, path)?;
                let Some(at) = ats.get(name) else {
                    return Err(attribute_not_in_type(path, name));
                };
                let value = path.with_step(PathStep::Attribute(name.to_string()), |p| {
                    from_msgpack(v, at, p)
                })?;
                out.insert(name.to_string(), value);
            }
            Ok(object_with_nulls(out, ats))
        }
        Type::Dynamic => {
            let items = match raw {
                rmpv::Value::Array(items) if items.len() == 2 => items,
                other => {
                    return Err(ValueError::mismatch(
                        path,
                        "a [type, value] pair for a dynamic value",
                        msgpack_kind(other),
                    ))
                }
            };
            let type_json: &[u8] = match &items[0] {
                rmpv::Value::Binary(b) => b,
                rmpv::Value::String(s) => s.as_bytes(),
                other => {
                    return Err(ValueError::mismatch(
                        path,
                        "the type of a dynamic value",
                        msgpack_kind(other),
                    ))
                }
            };
            let inner_ty =
                Type::from_json(type_json).map_err(|e| ValueError::decode(path, e.message()))?;
            if inner_ty == Type::Dynamic {
                return Err(ValueError::decode(
                    path,
                    "A dynamic value cannot have the type \"dynamic\".",
                ));
            }
            let inner = from_msgpack(&items[1], &inner_ty, path)?;
            Ok(Value::Dynamic(inner_ty, Box::new(inner)))
        }
    }
}
