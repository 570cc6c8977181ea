//! Encoding a value of a type as `DynamicValue` msgpack bytes: [`encode_msgpack`]. Numbers
//! as integers when they are one, floats when exactly one, otherwise their decimal text;
//! dynamic values as `[type JSON, value]`; unknowns by `refinements`.
//!
//! It stands on cty types and values, the JSON type encoding, numbers, the value error and
//! paths; it must not know how bytes are read, typed access, protobuf or gRPC, or any
//! provider's domain.

use std::fmt;

use super::super::cty::{Type, Value, NULL};
use super::super::error::ValueError;
use super::super::number::Number;
use super::refinements::write_unknown;
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

/// Writes msgpack into a buffer, keeping the path of the value being written for errors.
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    pub(super) path: AttributePath,
}

impl Writer {
    /// An error from the msgpack writer, at the current path.
    pub(super) fn fail<E: fmt::Display>(&self, e: E) -> ValueError {
        ValueError::encode(&self.path, format!("Could not write msgpack: {e}."))
    }

    /// A length as msgpack holds it (at most `u32::MAX`).
    pub(super) fn len(&self, n: usize) -> Result<u32, ValueError> {
        u32::try_from(n).map_err(|_| ValueError::encode(&self.path, "The value is too large."))
    }

    fn nil(&mut self) -> Result<(), ValueError> {
        rmp::encode::write_nil(&mut self.buf).map_err(|e| self.fail(e))
    }

    pub(super) fn str(&mut self, s: &str) -> Result<(), ValueError> {
        rmp::encode::write_str(&mut self.buf, s).map_err(|e| self.fail(e))
    }

    pub(super) fn array_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_array_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn map_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_map_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn sint(&mut self, i: i64) -> Result<(), ValueError> {
        rmp::encode::write_sint(&mut self.buf, i)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn uint(&mut self, u: u64) -> Result<(), ValueError> {
        rmp::encode::write_uint(&mut self.buf, u)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn bool(&mut self, b: bool) -> Result<(), ValueError> {
        rmp::encode::write_bool(&mut self.buf, b).map_err(|e| self.fail(e))
    }

    /// The header of an extension value of `len` bytes.
    pub(super) fn ext_meta(&mut self, len: usize, code: i8) -> Result<(), ValueError> {
        let len = self.len(len)?;
        rmp::encode::write_ext_meta(&mut self.buf, len, code)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// An integer when the number is one that fits, a float when it is exactly one,
    /// otherwise its decimal text (every digit kept).
    pub(super) fn number(&mut self, n: &Number) -> Result<(), ValueError> {
        if let Some(i) = n.as_i64() {
            return self.sint(i);
        }
        let float = if n.is_infinite() {
            Some(n.as_f64())
        } else if !n.is_whole() {
            n.exact_f64()
        } else {
            None
        };
        match float {
            Some(f) => rmp::encode::write_f64(&mut self.buf, f).map_err(|e| self.fail(e)),
            None => self.str(&n.to_string()),
        }
    }

    /// Runs `f` with `step` on the path.
    fn with<T>(
        &mut self,
        step: PathStep,
        f: impl FnOnce(&mut Self) -> Result<T, ValueError>,
    ) -> Result<T, ValueError> {
        self.path.push(step);
        let result = f(self);
        self.path.pop();
        result
    }

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
