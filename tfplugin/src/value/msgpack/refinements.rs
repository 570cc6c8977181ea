//! Unknown values on the msgpack wire (Terraform's `docs/plugin-protocol/object-wire-format.md`,
//! as go-cty reads and writes them): a wholly unknown value is extension type 0 (payload
//! ignored), a refined one extension type 12 whose payload is a msgpack map with integer
//! keys: 1 nullness (bool: false is "definitely not null"), 2 string prefix, 3 and 4 number
//! lower and upper bound (`[number, inclusive]`), 5 and 6 collection length lower and upper
//! bound (inclusive integers). Keys not known here are ignored (room for later additions);
//! an unknown without refinements is always written as extension type 0, so that a
//! Terraform from before refinements (1.0 to 1.5) reads every unknown we write.
//!
//! It stands on the raw reader, the writer, cty types and values, numbers, the value error
//! and paths; it must not know typed access, plan rules or any provider's domain.

use super::super::cty::{Refinements, Type, Value};
use super::super::error::ValueError;
use super::super::number::Number;
use super::read::{msgpack_number, MsgpackReader};
use super::write::Writer;
use crate::path::AttributePath;

/// The extension type of a wholly unknown value.
const UNKNOWN_EXT: i8 = 0;
/// The extension type of an unknown value with refinements (a msgpack map as payload).
const REFINED_UNKNOWN_EXT: i8 = 12;

/// The refinement map's keys.
const NULLNESS: i64 = 1;
const STRING_PREFIX: i64 = 2;
const NUMBER_LOWER: i64 = 3;
const NUMBER_UPPER: i64 = 4;
const LENGTH_LOWER: i64 = 5;
const LENGTH_UPPER: i64 = 6;

/// The longest payload read (go-cty refuses longer ones).
const MAX_PAYLOAD: usize = 1024;
/// The longest string prefix written, in bytes (go-cty's limit, so that the payload stays
/// under [`MAX_PAYLOAD`]); a longer one is cut at a character boundary below it.
const MAX_PREFIX: usize = 256;

/// Reads an unknown value (extension type 0, or 12 with refinements) of `ty`.
pub(super) fn unknown_from_msgpack(
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
    if payload.len() > MAX_PAYLOAD || *ty == Type::Dynamic {
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
    let raw = MsgpackReader::new(payload)
        .value(0)
        .map_err(|_| bad("not msgpack"))?;
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
            NULLNESS => {
                let is_null = v.as_bool().ok_or_else(|| bad("nullness is not a bool"))?;
                if is_null {
                    return Ok(Value::Null);
                }
                r.not_null = true;
            }
            STRING_PREFIX => {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad("string prefix is not a string"))?;
                r.string_prefix = Some(s.to_string());
            }
            NUMBER_LOWER => r.number_lower = Some(bound(v)?),
            NUMBER_UPPER => r.number_upper = Some(bound(v)?),
            LENGTH_LOWER | LENGTH_UPPER => {
                let n = v
                    .as_u64()
                    .ok_or_else(|| bad("length bound is not an integer"))?;
                if key == LENGTH_LOWER {
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

/// `prefix` cut to at most [`MAX_PREFIX`] bytes at a character boundary, less its last
/// character when cut (a character that follows may combine with it): still a prefix of
/// every value the longer one was.
fn written_prefix(prefix: &str) -> &str {
    if prefix.len() <= MAX_PREFIX {
        return prefix;
    }
    let mut end = MAX_PREFIX - 1;
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &prefix[..end];
    cut.char_indices().last().map_or(cut, |(i, _)| &cut[..i])
}

/// Writes an unknown value of `ty`: extension type 0, or 12 with the refinements that apply
/// to `ty`, in go-cty's order (nullness, then the type's own) and leaving out what says
/// nothing (an empty prefix, an infinite bound, a length of at least 0).
pub(super) fn write_unknown(w: &mut Writer, r: &Refinements, ty: &Type) -> Result<(), ValueError> {
    let mut body = Writer {
        buf: Vec::new(),
        path: w.path.clone(),
    };
    let mut entries = 0usize;
    if *ty != Type::Dynamic {
        if r.not_null {
            entries += 1;
            body.sint(NULLNESS)?;
            body.bool(false)?;
        }
        match ty {
            Type::String => {
                if let Some(prefix) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
                    entries += 1;
                    body.sint(STRING_PREFIX)?;
                    body.str(written_prefix(prefix))?;
                }
            }
            Type::Number => {
                for (key, b) in [
                    (NUMBER_LOWER, &r.number_lower),
                    (NUMBER_UPPER, &r.number_upper),
                ] {
                    if let Some((n, inclusive)) = b.as_ref().filter(|(n, _)| !n.is_infinite()) {
                        entries += 1;
                        body.sint(key)?;
                        body.array_len(2)?;
                        body.number(n)?;
                        body.bool(*inclusive)?;
                    }
                }
            }
            t if t.is_collection() => {
                let lower = r.length_lower.filter(|n| *n > 0);
                for (key, b) in [(LENGTH_LOWER, lower), (LENGTH_UPPER, r.length_upper)] {
                    if let Some(n) = b {
                        entries += 1;
                        body.sint(key)?;
                        body.uint(n)?;
                    }
                }
            }
            _ => {}
        }
    }
    if entries == 0 {
        w.buf.extend_from_slice(&[0xd4, UNKNOWN_EXT as u8, 0]);
        return Ok(());
    }
    let mut payload = Writer {
        buf: Vec::new(),
        path: w.path.clone(),
    };
    payload.map_len(entries)?;
    payload.buf.extend_from_slice(&body.buf);
    w.ext_meta(payload.buf.len(), REFINED_UNKNOWN_EXT)?;
    w.buf.extend_from_slice(&payload.buf);
    Ok(())
}
