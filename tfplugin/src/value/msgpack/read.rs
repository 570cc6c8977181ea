//! Raw msgpack: one value read from bytes into `rmpv::Value` (strictly: the reserved marker
//! 0xc1, trailing bytes, truncation and nesting beyond 512 levels are errors, never panics),
//! and the raw strings and numbers read out of it.
//!
//! It stands on numbers, the value error and paths; it must not know cty types or values,
//! refinements or typed access.

use super::super::error::ValueError;
use super::super::number::Number;
use crate::path::AttributePath;

/// How deep arrays and maps may nest before the input is refused (no stack overflow).
const MAX_MSGPACK_DEPTH: usize = 512;

/// Reads exactly one msgpack value from `bytes` (trailing bytes are an error). Hand-written
/// because `rmpv` reads the reserved marker 0xc1 as nil, where it must be an error.
pub(super) fn read_msgpack(bytes: &[u8]) -> Result<rmpv::Value, String> {
    let mut r = MsgpackReader::new(bytes);
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
pub(super) struct MsgpackReader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> MsgpackReader<'a> {
    /// A reader at the start of `bytes`.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        MsgpackReader { s: bytes, pos: 0 }
    }

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

    /// Reads one value (its nesting depth so far is `depth`).
    pub(super) fn value(&mut self, depth: usize) -> Result<rmpv::Value, String> {
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
pub(super) fn msgpack_kind(v: &rmpv::Value) -> &'static str {
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
pub(super) fn msgpack_str<'a>(
    v: &'a rmpv::Value,
    path: &AttributePath,
) -> Result<&'a str, ValueError> {
    match v {
        rmpv::Value::String(s) => s
            .as_str()
            .ok_or_else(|| ValueError::decode(path, "The string is not valid UTF-8.")),
        other => Err(ValueError::mismatch(path, "a string", msgpack_kind(other))),
    }
}

/// A number as cty sends it: an integer, a float or a decimal string.
pub(super) fn msgpack_number(v: &rmpv::Value, path: &AttributePath) -> Result<Number, ValueError> {
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
