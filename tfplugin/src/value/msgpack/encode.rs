//! Encoding a value of a type as `DynamicValue` msgpack bytes: [`encode_msgpack`]. Numbers
//! as integers when they are one, floats when exactly one, otherwise their decimal text;
//! dynamic values as `[type JSON, value]`; unknowns by `refinements`.
//!
//! It stands on cty types and values, the JSON type encoding, numbers, the value error and
//! paths; it must not know how bytes are read, typed access, protobuf or gRPC, or any
//! provider's domain.

use super::super::cty::{Type, Value, NULL};
use super::super::error::ValueError;
use super::refinements::write_unknown;
use super::write::Writer;
use crate::path::{AttributePath, PathStep};

/// Encodes a value of `ty` as `DynamicValue` msgpack bytes.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut w = Writer {
        buf: Vec::new(),
        path: AttributePath::root(),
    };
    w.value(value, ty)?;
    Ok(w.buf)
}

impl Writer {
    /// Any value of `ty`.
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), ValueError> {
        match value {
            Value::Null => return self.nil(),
            Value::Unknown(r) => return write_unknown(self, r, ty),
            _ => {}
        }
        let mismatch =
            |w: &Self| ValueError::mismatch(&w.path, ty.friendly_name(), value.kind_name());
        match (ty, value) {
            (Type::Dynamic, Value::Dynamic(inner_ty, inner)) => {
                if *inner_ty == Type::Dynamic {
                    return Err(ValueError::encode(
                        &self.path,
                        "A dynamic value needs a concrete type.",
                    ));
                }
                self.array_len(2)?;
                let json = inner_ty.to_json();
                rmp::encode::write_bin(&mut self.buf, &json).map_err(|e| self.fail(e))?;
                self.value(inner, inner_ty)
            }
            (Type::Dynamic, v) => {
                let implied = v.implied_type().ok_or_else(|| {
                    ValueError::encode(
                        &self.path,
                        "The type of this dynamic value cannot be told from the value; wrap it in Value::Dynamic.",
                    )
                })?;
                self.value(&Value::Dynamic(implied, Box::new(v.clone())), ty)
            }
            (t, Value::Dynamic(inner_ty, inner)) if t == inner_ty => self.value(inner, t),
            (Type::Bool, Value::Bool(b)) => self.bool(*b),
            (Type::Number, Value::Number(n)) => self.number(n),
            (Type::String, Value::String(s)) => self.str(s),
            (
                Type::List(et) | Type::Set(et),
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
            ) => {
                self.array_len(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    self.with(PathStep::element(i), |w| w.value(item, et))?;
                }
                Ok(())
            }
            (Type::Tuple(ets), Value::List(items) | Value::Tuple(items)) => {
                if items.len() != ets.len() {
                    return Err(ValueError::mismatch(
                        &self.path,
                        format!("a tuple of {} elements", ets.len()),
                        format!("{} elements", items.len()),
                    ));
                }
                self.array_len(items.len())?;
                for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                    self.with(PathStep::element(i), |w| w.value(item, et))?;
                }
                Ok(())
            }
            (Type::Map(et), Value::Map(entries) | Value::Object(entries)) => {
                self.map_len(entries.len())?;
                for (k, v) in entries {
                    self.str(k)?;
                    self.with(PathStep::ElementKeyString(k.clone()), |w| w.value(v, et))?;
                }
                Ok(())
            }
            (Type::Object(ats), Value::Object(attrs) | Value::Map(attrs)) => {
                if let Some(extra) = attrs.keys().find(|k| !ats.contains_key(*k)) {
                    return Err(ValueError::encode(
                        &self.path,
                        format!(
                            "The object has an attribute {extra:?} that the type does not have."
                        ),
                    ));
                }
                self.map_len(ats.len())?;
                for (name, at) in ats {
                    self.str(name)?;
                    let v = attrs.get(name).unwrap_or(&NULL);
                    self.with(PathStep::Attribute(name.clone()), |w| w.value(v, at))?;
                }
                Ok(())
            }
            _ => Err(mismatch(self)),
        }
    }
}
