//! The JSON wire form: the crate's one JSON parser, used for every JSON it reads (numbers
//! kept as their decimal text, so no digit is lost), the cty JSON type encoding
//! ([`Type::to_json`], [`Type::from_json`]), the JSON form of a `DynamicValue`
//! ([`decode_json`]) and stored resource state read into the current schema
//! ([`decode_stored_json`]). Stored state must go through here, never through `serde_json`.
//!
//! It stands on cty types and values, numbers, the value error, paths and what decoding
//! shares; it knows nothing of msgpack, of typed access, of protobuf or of any provider's
//! domain.

use std::collections::BTreeMap;

use super::cty::{Type, Value};
use super::decode::{attribute_not_in_type, object_with_nulls, sequence};
use super::error::ValueError;
use super::number::Number;
use crate::path::{write_quoted, AttributePath, PathStep};

// ---------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------

/// Parsed JSON that keeps numbers as their literal text (no precision lost).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The kind in words, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a bool",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// How deep arrays and objects may nest before the input is refused (no stack overflow).
const MAX_JSON_DEPTH: usize = 512;

/// Parses exactly one JSON text (UTF-8, trailing whitespace only).
fn parse_json(bytes: &[u8]) -> Result<Json, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())?;
    let mut p = JsonParser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(format!("unexpected data at byte {}", p.pos));
    }
    Ok(v)
}

/// A recursive descent parser over the bytes of one JSON text.
struct JsonParser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.pos))
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err("unexpected token")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_JSON_DEPTH {
            return self.err("nested too deeply");
        }
        self.ws();
        match self.s.get(self.pos) {
            None => self.err("unexpected end"),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return self.err("expected ',' or ']'"),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(entries));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return self.err("expected a string key");
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return self.err("expected ':'");
                    }
                    self.pos += 1;
                    entries.push((key, self.value(depth + 1)?));
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(entries));
                        }
                        _ => return self.err("expected ',' or '}'"),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(
                    self.s.get(self.pos),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                let literal = &self.text[start..self.pos];
                if Number::parse(literal).is_none() {
                    return Err(format!("{literal:?} is not a valid number"));
                }
                Ok(Json::Number(literal.to_string()))
            }
            Some(_) => self.err("unexpected character"),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| format!("short \\u escape at byte {}", self.pos))?;
        let n = u32::from_str_radix(digits, 16)
            .map_err(|_| format!("bad \\u escape at byte {}", self.pos))?;
        self.pos += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            while !matches!(self.s.get(self.pos), None | Some(b'"' | b'\\')) {
                if self.s[self.pos] < 0x20 {
                    return self.err("control character in string");
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.s.get(self.pos) {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => {}
            }
            self.pos += 1; // backslash
            let Some(&c) = self.s.get(self.pos) else {
                return self.err("unterminated escape");
            };
            self.pos += 1;
            match c {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4()?;
                    let code = if (0xd800..0xdc00).contains(&hi) {
                        if !self.s[self.pos..].starts_with(b"\\u") {
                            return self.err("lone surrogate");
                        }
                        self.pos += 2;
                        let lo = self.hex4()?;
                        if !(0xdc00..0xe000).contains(&lo) {
                            return self.err("bad surrogate pair");
                        }
                        0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                    } else {
                        hi
                    };
                    match char::from_u32(code) {
                        Some(ch) => out.push(ch),
                        None => return self.err("invalid character escape"),
                    }
                }
                _ => return self.err("invalid escape"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

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
fn type_from_json(json: &Json) -> Result<Type, ValueError> {
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

// ---------------------------------------------------------------------------------------
// Values and stored state
// ---------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_json_roundtrip() {
        let ty = Type::object([
            ("a", Type::Number),
            ("b", Type::list(Type::String)),
            ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            ("d", Type::map(Type::set(Type::String))),
        ]);
        let json = ty.to_json();
        assert_eq!(
            String::from_utf8(json.clone()).unwrap(),
            r#"["object",{"a":"number","b":["list","string"],"c":["tuple",["bool","dynamic"]],"d":["map",["set","string"]]}]"#
        );
        assert_eq!(Type::from_json(&json).unwrap(), ty);
        assert_eq!(Type::String.to_json(), b"\"string\"");
        assert!(Type::from_json(b"\"nope\"").is_err());
        assert!(Type::from_json(b"[\"list\"]").is_err());
        assert!(Type::from_json(b"[\"object\",{\"a\":\"string\"},[\"a\"]]").is_ok());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_json(b"{\"a\":", &Type::object([("a", Type::String)])).is_err());
        assert!(decode_json(b"[1,2]x", &Type::list(Type::Number)).is_err());
        let deep = "[".repeat(100_000);
        assert!(decode_json(deep.as_bytes(), &Type::Dynamic).is_err());
    }

    #[test]
    fn json_state_decode() {
        let ty = Type::object([
            ("id", Type::String),
            ("days", Type::Number),
            ("huge", Type::Number),
            (
                "policy",
                Type::object([("type", Type::String), ("value", Type::String)]),
            ),
            ("hsms", Type::list(Type::object([("hsm_id", Type::String)]))),
            ("tags", Type::map(Type::String)),
            ("extra", Type::Dynamic),
            ("gone", Type::Bool),
        ]);
        let json = br#" {
            "id": "cluster-abc\u00e9\ud83d\ude00\n",
            "days": 90,
            "huge": 123456789012345678901234567890.5,
            "policy": {"type": "DAYS", "value": "7"},
            "hsms": [{"hsm_id": "hsm-1"}, {"hsm_id": null}],
            "tags": {},
            "extra": {"value": ["a", 1], "type": ["tuple", ["string", "number"]]}
        }"#;
        let v = decode_json(json, &ty).unwrap();
        assert_eq!(v.get("id").unwrap().as_str(), Some("cluster-abcé😀\n"));
        assert_eq!(
            v.get("days").unwrap().as_number().unwrap().as_i64(),
            Some(90)
        );
        assert_eq!(
            v.get("huge").unwrap().as_number().unwrap().to_string(),
            "123456789012345678901234567890.5"
        );
        assert_eq!(
            v.get("policy").unwrap().get("type").unwrap().as_str(),
            Some("DAYS")
        );
        assert_eq!(
            v.get("hsms").unwrap(),
            &Value::List(vec![
                Value::object([("hsm_id", Value::string("hsm-1"))]),
                Value::object([("hsm_id", Value::Null)]),
            ])
        );
        assert_eq!(v.get("tags").unwrap(), &Value::Map(BTreeMap::new()));
        assert_eq!(
            v.get("extra").unwrap(),
            &Value::Dynamic(
                Type::Tuple(vec![Type::String, Type::Number]),
                Box::new(Value::Tuple(vec![Value::string("a"), Value::from_i64(1)]))
            )
        );
        assert_eq!(v.get("gone").unwrap(), &Value::Null);
        let err = decode_json(br#"{"days": "x"}"#, &ty).unwrap_err();
        assert_eq!(err.path(), Some(&AttributePath::attr("days")));
        let err = decode_json(br#"{"nope": 1}"#, &ty).unwrap_err();
        assert!(err.message().contains("nope"));
    }

    #[test]
    fn stored_state_drops_removed_attributes_at_every_depth_and_keeps_numbers_exact() {
        let inner = || Type::object([("keep", Type::Number)]);
        let ty = Type::object([
            ("id", Type::String),
            ("big", Type::Number),
            ("long", Type::Number),
            ("single", inner()),
            ("list", Type::list(inner())),
            ("set", Type::set(inner())),
            ("map", Type::map(inner())),
        ]);
        let json = br#"{
            "id": "x",
            "big": 12345678901234567890123,
            "long": 0.1000000000000000055511151231257827,
            "single": {"keep": 1, "gone": true},
            "list": [{"keep": 2, "gone": "a"}, {"keep": -12345678901234567890123.25}],
            "set": [{"gone": null, "keep": 3}],
            "map": {"k": {"keep": 4, "gone": [1, {"deep": 2}]}},
            "removed_top": {"x": 5}
        }"#;
        let stored = decode_stored_json(json, &ty).unwrap();
        assert!(!stored.fits_as_is());
        let dropped: Vec<String> = stored.dropped.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            dropped,
            [
                "single.gone",
                "list[0].gone",
                "set[0].gone",
                "map[\"k\"].gone",
                "removed_top"
            ]
        );
        let v = &stored.value;
        let number = |v: &Value| v.as_number().unwrap().to_string();
        assert_eq!(number(v.get("big").unwrap()), "12345678901234567890123");
        assert_eq!(
            number(v.get("long").unwrap()),
            "0.1000000000000000055511151231257827"
        );
        let Value::List(list) = v.get("list").unwrap() else {
            panic!("list")
        };
        assert_eq!(list[0], Value::object([("keep", Value::from_i64(2))]));
        assert_eq!(
            number(list[1].get("keep").unwrap()),
            "-12345678901234567890123.25"
        );
        assert_eq!(
            v.get("map").unwrap(),
            &Value::Map(BTreeMap::from([(
                "k".to_string(),
                Value::object([("keep", Value::from_i64(4))])
            )]))
        );

        // State that already fits is said to fit; a missing attribute or a dropped one is not.
        let fits = br#"{"id":"x","big":1e400,"long":0.1000000000000000055511151231257827,
            "single":null,"list":[],"set":null,"map":{"a":{"keep":1}}}"#;
        let stored = decode_stored_json(fits, &ty).unwrap();
        assert!(stored.fits_as_is(), "{stored:?}");
        let missing = br#"{"id":"x","single":{}}"#;
        let stored = decode_stored_json(missing, &ty).unwrap();
        assert!(stored.missing_attributes && !stored.fits_as_is());
        assert_eq!(stored.value.get("big"), Some(&Value::Null));
        // Strict decoding still refuses what the type lacks; a dynamic value is never trimmed.
        assert!(decode_json(json, &ty).is_err());
        let dynamic = Type::object([("d", Type::Dynamic)]);
        let bad = br#"{"d": {"value": {"a": 1, "b": 2}, "type": ["object", {"a": "number"}]}}"#;
        assert!(decode_stored_json(bad, &dynamic).is_err());
    }
}
