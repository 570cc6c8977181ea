//! The msgpack wire form of a `DynamicValue`: [`decode_msgpack`] and [`encode_msgpack`], with
//! unknown values (extension type 0) and their refinements (extension type 12), numbers as
//! integers, floats or decimal strings, and dynamic values as `[type JSON, value]`.
//!
//! It stands on cty types and values, numbers, the value error, paths, what decoding shares
//! and (for the type of a dynamic value) the JSON type encoding; it knows nothing of typed
//! access, of protobuf or gRPC (the dispatch layer hands it plain byte slices) or of any
//! provider's domain.

use std::collections::BTreeMap;
use std::fmt;

use super::cty::{Refinements, Type, Value, NULL};
use super::decode::{attribute_not_in_type, object_with_nulls, sequence};
use super::error::ValueError;
use super::number::Number;
use crate::path::{AttributePath, PathStep};

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

/// The extension type of a wholly unknown value.
const UNKNOWN_EXT: i8 = 0;
/// The extension type of an unknown value with refinements (a msgpack map as payload).
const REFINED_UNKNOWN_EXT: i8 = 12;

/// Decodes a `DynamicValue`'s msgpack bytes as a value of `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let root = AttributePath::root();
    let raw = read_msgpack(bytes)
        .map_err(|e| ValueError::decode(&root, format!("The data is not valid msgpack: {e}.")))?;
    let mut path = AttributePath::root();
    from_msgpack(&raw, ty, &mut path)
}

/// How deep arrays and maps may nest before the input is refused (no stack overflow).
const MAX_MSGPACK_DEPTH: usize = 512;

/// Reads exactly one msgpack value from `bytes` (trailing bytes are an error). Hand-written
/// because `rmpv` reads the reserved marker 0xc1 as nil, where it must be an error.
fn read_msgpack(bytes: &[u8]) -> Result<rmpv::Value, String> {
    let mut r = MsgpackReader { s: bytes, pos: 0 };
    let v = r.value(0)?;
    if r.pos != bytes.len() {
        return Err(format!(
            "unexpected bytes after the value at byte {}",
            r.pos
        ));
    }
    Ok(v)
}

/// Reads msgpack values from a byte slice, one marker at a time.
struct MsgpackReader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> MsgpackReader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.s.len())
            .ok_or_else(|| "unexpected end of data".to_string())?;
        let out = &self.s[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn uint(&mut self, n: usize) -> Result<u64, String> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn len(&mut self, n: usize) -> Result<usize, String> {
        usize::try_from(self.uint(n)?).map_err(|_| "length out of range".to_string())
    }

    fn str(&mut self, len: usize) -> Result<rmpv::Value, String> {
        let bytes = self.take(len)?;
        let s =
            std::str::from_utf8(bytes).map_err(|_| "a string is not valid UTF-8".to_string())?;
        Ok(rmpv::Value::String(s.into()))
    }

    fn array(&mut self, len: usize, depth: usize) -> Result<rmpv::Value, String> {
        // Every element takes at least one byte: do not trust a length beyond that.
        let mut items = Vec::with_capacity(len.min(self.s.len() - self.pos));
        for _ in 0..len {
            items.push(self.value(depth + 1)?);
        }
        Ok(rmpv::Value::Array(items))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<rmpv::Value, String> {
        let mut entries = Vec::with_capacity(len.min(self.s.len() - self.pos));
        for _ in 0..len {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            entries.push((k, v));
        }
        Ok(rmpv::Value::Map(entries))
    }

    fn ext(&mut self, len: usize) -> Result<rmpv::Value, String> {
        let code = self.take(1)?[0] as i8;
        Ok(rmpv::Value::Ext(code, self.take(len)?.to_vec()))
    }

    fn value(&mut self, depth: usize) -> Result<rmpv::Value, String> {
        if depth > MAX_MSGPACK_DEPTH {
            return Err("nested too deeply".into());
        }
        let marker = self.take(1)?[0];
        Ok(match marker {
            0x00..=0x7f => rmpv::Value::from(marker),
            0x80..=0x8f => return self.map(usize::from(marker & 0x0f), depth),
            0x90..=0x9f => return self.array(usize::from(marker & 0x0f), depth),
            0xa0..=0xbf => return self.str(usize::from(marker & 0x1f)),
            0xc0 => rmpv::Value::Nil,
            0xc2 => rmpv::Value::Boolean(false),
            0xc3 => rmpv::Value::Boolean(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (marker - 0xc4))?;
                rmpv::Value::Binary(self.take(n)?.to_vec())
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (marker - 0xc7))?;
                return self.ext(n);
            }
            0xca => rmpv::Value::F32(f32::from_bits(self.uint(4)? as u32)),
            0xcb => rmpv::Value::F64(f64::from_bits(self.uint(8)?)),
            0xcc..=0xcf => rmpv::Value::from(self.uint(1 << (marker - 0xcc))?),
            0xd0 => rmpv::Value::from(self.uint(1)? as u8 as i8),
            0xd1 => rmpv::Value::from(self.uint(2)? as u16 as i16),
            0xd2 => rmpv::Value::from(self.uint(4)? as u32 as i32),
            0xd3 => rmpv::Value::from(self.uint(8)? as i64),
            0xd4..=0xd8 => return self.ext(1 << (marker - 0xd4)),
            0xd9..=0xdb => {
                let n = self.len(1 << (marker - 0xd9))?;
                return self.str(n);
            }
            0xdc | 0xdd => {
                let n = self.len(if marker == 0xdc { 2 } else { 4 })?;
                return self.array(n, depth);
            }
            0xde | 0xdf => {
                let n = self.len(if marker == 0xde { 2 } else { 4 })?;
                return self.map(n, depth);
            }
            0xe0..=0xff => rmpv::Value::from(marker as i8),
            0xc1 => return Err(format!("reserved marker 0xc1 at byte {}", self.pos - 1)),
        })
    }
}

/// The kind of a raw msgpack value in words, for messages.
fn msgpack_kind(v: &rmpv::Value) -> &'static str {
    match v {
        rmpv::Value::Nil => "nil",
        rmpv::Value::Boolean(_) => "a bool",
        rmpv::Value::Integer(_) => "an integer",
        rmpv::Value::F32(_) | rmpv::Value::F64(_) => "a float",
        rmpv::Value::String(_) => "a string",
        rmpv::Value::Binary(_) => "binary data",
        rmpv::Value::Array(_) => "an array",
        rmpv::Value::Map(_) => "a map",
        rmpv::Value::Ext(..) => "an extension value",
    }
}

/// A msgpack string as `&str`.
fn msgpack_str<'a>(v: &'a rmpv::Value, path: &AttributePath) -> Result<&'a str, ValueError> {
    match v {
        rmpv::Value::String(s) => s
            .as_str()
            .ok_or_else(|| ValueError::decode(path, "The string is not valid UTF-8.")),
        other => Err(ValueError::mismatch(path, "a string", msgpack_kind(other))),
    }
}

/// A number as cty sends it: an integer, a float or a decimal string.
fn msgpack_number(v: &rmpv::Value, path: &AttributePath) -> Result<Number, ValueError> {
    let float = |f: f64| {
        Number::try_from_f64(f).ok_or_else(|| ValueError::decode(path, "NaN is not a number."))
    };
    match v {
        rmpv::Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(i), _) => Ok(Number::from_i64(i)),
            (None, Some(u)) => Ok(Number::from_u64(u)),
            _ => Err(ValueError::decode(path, "The integer is out of range.")),
        },
        rmpv::Value::F32(f) => float(f64::from(*f)),
        rmpv::Value::F64(f) => float(*f),
        rmpv::Value::String(_) => {
            let s = msgpack_str(v, path)?;
            Number::parse(s)
                .ok_or_else(|| ValueError::decode(path, format!("{s:?} is not a number.")))
        }
        other => Err(ValueError::mismatch(path, "a number", msgpack_kind(other))),
    }
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

/// Reads an unknown value (extension type 0, or 12 with refinements) of `ty`.
fn unknown_from_msgpack(
    code: i8,
    payload: &[u8],
    ty: &Type,
    path: &AttributePath,
) -> Result<Value, ValueError> {
    if payload.len() <= 1 {
        return Ok(Value::unknown());
    }
    if code != REFINED_UNKNOWN_EXT {
        return Err(ValueError::decode(
            path,
            format!("Unsupported msgpack extension type {code}."),
        ));
    }
    if payload.len() > 1024 || *ty == Type::Dynamic {
        // cty refuses oversized refinements and has none for dynamic values; a plain
        // unknown is the safe reading of either.
        return Ok(Value::unknown());
    }
    let bad = |what: &str| {
        ValueError::decode(
            path,
            format!("The unknown value's refinements are not valid: {what}."),
        )
    };
    // cty ignores bytes after the map (room for later additions); so do we.
    let mut reader = MsgpackReader { s: payload, pos: 0 };
    let raw = reader.value(0).map_err(|_| bad("not msgpack"))?;
    let rmpv::Value::Map(entries) = raw else {
        return Err(bad("not a map"));
    };
    let mut r = Refinements::default();
    let bound = |v: &rmpv::Value| -> Result<(Number, bool), ValueError> {
        match v {
            rmpv::Value::Array(items) if items.len() == 2 => {
                let n = msgpack_number(&items[0], path).map_err(|_| bad("number bound"))?;
                let inclusive = items[1].as_bool().ok_or_else(|| bad("number bound"))?;
                Ok((n, inclusive))
            }
            _ => Err(bad("number bound")),
        }
    };
    for (k, v) in &entries {
        let key = k.as_i64().ok_or_else(|| bad("a key is not an integer"))?;
        match key {
            1 => {
                let is_null = v.as_bool().ok_or_else(|| bad("nullness is not a bool"))?;
                if is_null {
                    return Ok(Value::Null);
                }
                r.not_null = true;
            }
            2 => {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad("string prefix is not a string"))?;
                r.string_prefix = Some(s.to_string());
            }
            3 => r.number_lower = Some(bound(v)?),
            4 => r.number_upper = Some(bound(v)?),
            5 | 6 => {
                let n = v
                    .as_u64()
                    .ok_or_else(|| bad("length bound is not an integer"))?;
                if key == 5 {
                    r.length_lower = Some(n);
                } else {
                    r.length_upper = Some(n);
                }
            }
            _ => {} // refinements of the future
        }
    }
    Ok(Value::Unknown(r))
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

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
struct Writer {
    buf: Vec<u8>,
    path: AttributePath,
}

impl Writer {
    /// An error from the msgpack writer, at the current path.
    fn fail<E: fmt::Display>(&self, e: E) -> ValueError {
        ValueError::encode(&self.path, format!("Could not write msgpack: {e}."))
    }

    /// A length as msgpack holds it (at most `u32::MAX`).
    fn len(&self, n: usize) -> Result<u32, ValueError> {
        u32::try_from(n).map_err(|_| ValueError::encode(&self.path, "The value is too large."))
    }

    fn nil(&mut self) -> Result<(), ValueError> {
        rmp::encode::write_nil(&mut self.buf).map_err(|e| self.fail(e))
    }

    fn str(&mut self, s: &str) -> Result<(), ValueError> {
        rmp::encode::write_str(&mut self.buf, s).map_err(|e| self.fail(e))
    }

    fn array_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_array_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    fn map_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_map_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// An integer when the number is one that fits, a float when it is exactly one,
    /// otherwise its decimal text (every digit kept).
    fn number(&mut self, n: &Number) -> Result<(), ValueError> {
        if let Some(i) = n.as_i64() {
            return rmp::encode::write_sint(&mut self.buf, i)
                .map(|_| ())
                .map_err(|e| self.fail(e));
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

    /// An unknown value: extension type 0, or 12 with the refinements that apply to `ty`.
    fn unknown(&mut self, r: &Refinements, ty: &Type) -> Result<(), ValueError> {
        let mut body = Writer {
            buf: Vec::new(),
            path: self.path.clone(),
        };
        let mut entries = 0usize;
        if *ty != Type::Dynamic {
            if r.not_null {
                entries += 1;
                rmp::encode::write_sint(&mut body.buf, 1).map_err(|e| self.fail(e))?;
                rmp::encode::write_bool(&mut body.buf, false).map_err(|e| self.fail(e))?;
            }
            match ty {
                Type::String => {
                    if let Some(prefix) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
                        entries += 1;
                        rmp::encode::write_sint(&mut body.buf, 2).map_err(|e| self.fail(e))?;
                        body.str(prefix)?;
                    }
                }
                Type::Number => {
                    for (key, b) in [(3, &r.number_lower), (4, &r.number_upper)] {
                        if let Some((n, inclusive)) = b {
                            entries += 1;
                            rmp::encode::write_sint(&mut body.buf, key)
                                .map_err(|e| self.fail(e))?;
                            body.array_len(2)?;
                            body.number(n)?;
                            rmp::encode::write_bool(&mut body.buf, *inclusive)
                                .map_err(|e| self.fail(e))?;
                        }
                    }
                }
                t if t.is_collection() => {
                    for (key, b) in [(5, r.length_lower), (6, r.length_upper)] {
                        if let Some(n) = b {
                            entries += 1;
                            rmp::encode::write_sint(&mut body.buf, key)
                                .map_err(|e| self.fail(e))?;
                            rmp::encode::write_uint(&mut body.buf, n).map_err(|e| self.fail(e))?;
                        }
                    }
                }
                _ => {}
            }
        }
        if entries == 0 {
            self.buf.extend_from_slice(&[0xd4, UNKNOWN_EXT as u8, 0]);
            return Ok(());
        }
        let mut payload = Vec::new();
        rmp::encode::write_map_len(&mut payload, self.len(entries)?).map_err(|e| self.fail(e))?;
        payload.extend_from_slice(&body.buf);
        let len = self.len(payload.len())?;
        rmp::encode::write_ext_meta(&mut self.buf, len, REFINED_UNKNOWN_EXT)
            .map_err(|e| self.fail(e))?;
        self.buf.extend_from_slice(&payload);
        Ok(())
    }

    /// Any value of `ty`.
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), ValueError> {
        match value {
            Value::Null => return self.nil(),
            Value::Unknown(r) => return self.unknown(r, ty),
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
            (Type::Bool, Value::Bool(b)) => {
                rmp::encode::write_bool(&mut self.buf, *b).map_err(|e| self.fail(e))
            }
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

#[cfg(test)]
mod tests;
