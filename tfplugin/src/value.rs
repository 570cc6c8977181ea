//! cty values as Terraform sends and expects them: types, values (null, unknown, refined
//! unknown, known), the msgpack and JSON wire forms of `DynamicValue`, stored resource state
//! (JSON) read into the current schema ([`decode_stored_json`]: numbers keep every digit,
//! attributes the schema no longer has are dropped at any depth), and typed access
//! ([`FromValue`], [`IntoValue`], [`Field`], [`ObjectReader`], [`ObjectBuilder`]) so that
//! resource code works with Rust types and never with bytes.
//!
//! This module must not know protobuf or gRPC types (the dispatch layer hands it plain byte
//! slices) and knows nothing of any provider's domain.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use crate::diagnostics::{AttributePath, PathStep};

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// A value that could not be decoded, encoded or read into a Rust type.
///
/// [`ValueError::message`] is plain words without the path; the path, when there is one,
/// travels separately ([`ValueError::path`]) so that a diagnostic can point at it. The
/// `Display` form puts both together for logs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// A value is required but it is null.
    #[error("{}", with_path(Some(path), &self.message()))]
    Null { path: AttributePath },
    /// A value is required but it is not known yet.
    #[error("{}", with_path(Some(path), &self.message()))]
    Unknown { path: AttributePath },
    /// The value is of another kind than the type asks for.
    #[error("{}", with_path(Some(path), &self.message()))]
    Mismatch {
        path: AttributePath,
        expected: String,
        found: String,
    },
    /// The bytes could not be read as a value of the type.
    #[error("{}", with_path(Some(path), &self.message()))]
    Decode {
        path: AttributePath,
        message: String,
    },
    /// The value could not be written in the wire form.
    #[error("{}", with_path(Some(path), &self.message()))]
    Encode {
        path: AttributePath,
        message: String,
    },
    /// A type (or type JSON) that is not valid.
    #[error("{message}")]
    InvalidType { message: String },
}

fn with_path(path: Option<&AttributePath>, message: &str) -> String {
    match path {
        Some(p) if !p.is_root() => format!("{p}: {message}"),
        _ => message.to_string(),
    }
}

impl ValueError {
    /// Where in the value the problem is, when known.
    pub fn path(&self) -> Option<&AttributePath> {
        match self {
            ValueError::Null { path }
            | ValueError::Unknown { path }
            | ValueError::Mismatch { path, .. }
            | ValueError::Decode { path, .. }
            | ValueError::Encode { path, .. } => Some(path),
            ValueError::InvalidType { .. } => None,
        }
    }

    /// What is wrong, in plain words and without the path.
    pub fn message(&self) -> String {
        match self {
            ValueError::Null { .. } => "A value is required here, but it is null.".to_string(),
            ValueError::Unknown { .. } => "A value is required here, but it is not known yet \
                 (it depends on something that has not been created or read)."
                .to_string(),
            ValueError::Mismatch {
                expected, found, ..
            } => format!("Expected {expected}, found {found}."),
            ValueError::Decode { message, .. }
            | ValueError::Encode { message, .. }
            | ValueError::InvalidType { message } => message.clone(),
        }
    }

    fn mismatch(
        path: &AttributePath,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        ValueError::Mismatch {
            path: path.clone(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    fn decode(path: &AttributePath, message: impl Into<String>) -> Self {
        ValueError::Decode {
            path: path.clone(),
            message: message.into(),
        }
    }

    fn encode(path: &AttributePath, message: impl Into<String>) -> Self {
        ValueError::Encode {
            path: path.clone(),
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Any type; the value carries its own type ([`Value::Dynamic`]).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    /// A list of `element`.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// A set of `element`.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// A map of `element`.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type with these attributes.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Type)>) -> Type {
        Type::Object(attributes.into_iter().map(|(n, t)| (n.into(), t)).collect())
    }

    /// A tuple type with these element types.
    pub fn tuple(elements: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elements.into_iter().collect())
    }

    /// True for list, set and map types (the types with a length refinement).
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// A short human name: `string`, `list of number`, `object`.
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Dynamic => "any value".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }

    /// The cty JSON type encoding, as the protocol's schema and dynamic values carry it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

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
                    write_json_string(out, name);
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

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.friendly_name())
    }
}

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
// Numbers
// ---------------------------------------------------------------------------------------

/// The largest decimal exponent (of the leading digit) a [`Number`] accepts, so that a
/// hostile `1e999999999` cannot make us print a gigabyte.
const MAX_EXPONENT: i64 = 10_000;

/// A cty number, held exactly: `digits × 10^exponent` with a sign, or an infinity.
///
/// Integers of any size and decimal literals keep every digit; a number made from an `f64`
/// is that float's exact binary value. Equality is by numeric value (`1 == 1.0`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Normalized: `digits` has no leading zeros and no trailing zeros (zero is `"0"`,
    /// exponent 0, not negative).
    Finite {
        negative: bool,
        digits: String,
        exponent: i64,
    },
    PositiveInfinity,
    NegativeInfinity,
}

impl Number {
    fn finite(negative: bool, digits: &str, exponent: i64) -> Option<Number> {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Some(Number::zero());
        }
        let without_trailing = trimmed.trim_end_matches('0');
        let exponent = exponent.checked_add((trimmed.len() - without_trailing.len()) as i64)?;
        let magnitude = exponent.checked_add(without_trailing.len() as i64)?;
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&magnitude) {
            return None;
        }
        Some(Number(Repr::Finite {
            negative,
            digits: without_trailing.to_string(),
            exponent,
        }))
    }

    /// Zero.
    pub fn zero() -> Number {
        Number(Repr::Finite {
            negative: false,
            digits: "0".into(),
            exponent: 0,
        })
    }

    /// An integer.
    pub fn from_i64(i: i64) -> Number {
        Number::from_integer(i < 0, i.unsigned_abs())
    }

    /// An unsigned integer.
    pub fn from_u64(u: u64) -> Number {
        Number::from_integer(false, u)
    }

    fn from_integer(negative: bool, magnitude: u64) -> Number {
        Number::finite(negative, &magnitude.to_string(), 0).unwrap_or_else(Number::zero)
    }

    /// The exact value of a float. Infinities are kept; NaN, which cty cannot hold,
    /// becomes zero (use [`Number::try_from_f64`] to refuse it instead).
    pub fn from_f64(f: f64) -> Number {
        Number::try_from_f64(f).unwrap_or_else(Number::zero)
    }

    /// The exact value of a float, or `None` for NaN.
    pub fn try_from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number(if f > 0.0 {
                Repr::PositiveInfinity
            } else {
                Repr::NegativeInfinity
            }));
        }
        // Every finite f64 has at most 1074 digits after the decimal point, and Rust's
        // formatting with an explicit precision is exact, so this is the float's exact
        // decimal expansion.
        Number::parse(&format!("{f:.1074}"))
    }

    /// Parses a decimal literal: `42`, `-1.5`, `1e3`, `0.001`, `12345678901234567890123`.
    pub fn parse(s: &str) -> Option<Number> {
        let s = s.trim();
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp_part) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut exponent: i64 = match exp_part {
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.parse().ok()?
            }
            None => 0,
        };
        exponent = exponent.checked_sub(i64::try_from(frac_part.len()).ok()?)?;
        let digits = format!("{int_part}{frac_part}");
        let n = Number::finite(negative, &digits, exponent)?;
        Some(n)
    }

    /// The value as an `i64`, only when it is whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        let Repr::Finite {
            negative,
            digits,
            exponent,
        } = &self.0
        else {
            return None;
        };
        if *exponent < 0 || digits.len() as i64 + exponent > 19 {
            return None;
        }
        let mut magnitude: i128 = 0;
        for b in digits.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
        }
        for _ in 0..*exponent {
            magnitude *= 10;
        }
        let signed = if *negative { -magnitude } else { magnitude };
        i64::try_from(signed).ok()
    }

    /// The nearest `f64` (huge numbers become infinities).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => {
                let sign = if *negative { "-" } else { "" };
                format!("{sign}{digits}e{exponent}")
                    .parse()
                    .unwrap_or(f64::NAN)
            }
            Repr::PositiveInfinity => f64::INFINITY,
            Repr::NegativeInfinity => f64::NEG_INFINITY,
        }
    }

    /// True when the value is an integer.
    pub fn is_whole(&self) -> bool {
        matches!(&self.0, Repr::Finite { exponent, .. } if *exponent >= 0)
    }

    /// True for the two infinities.
    pub fn is_infinite(&self) -> bool {
        !matches!(self.0, Repr::Finite { .. })
    }

    /// The `f64` whose exact value this number is, if there is one.
    fn exact_f64(&self) -> Option<f64> {
        let f = self.as_f64();
        (!f.is_nan() && Number::try_from_f64(f).as_ref() == Some(self)).then_some(f)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        use Repr::*;
        match (&self.0, &other.0) {
            (PositiveInfinity, PositiveInfinity) | (NegativeInfinity, NegativeInfinity) => {
                Ordering::Equal
            }
            (PositiveInfinity, _) | (_, NegativeInfinity) => Ordering::Greater,
            (NegativeInfinity, _) | (_, PositiveInfinity) => Ordering::Less,
            (
                Finite {
                    negative: na,
                    digits: da,
                    exponent: ea,
                },
                Finite {
                    negative: nb,
                    digits: db,
                    exponent: eb,
                },
            ) => {
                let zero_a = da == "0";
                let zero_b = db == "0";
                let sign = |neg: bool, zero: bool| {
                    if zero {
                        0
                    } else if neg {
                        -1
                    } else {
                        1
                    }
                };
                let (sa, sb) = (sign(*na, zero_a), sign(*nb, zero_b));
                if sa != sb || sa == 0 {
                    return sa.cmp(&sb);
                }
                // Same sign, both non-zero: compare magnitudes.
                let mag_a = ea + da.len() as i64;
                let mag_b = eb + db.len() as i64;
                let magnitude = mag_a.cmp(&mag_b).then_with(|| {
                    let width = da.len().max(db.len());
                    let pad = |d: &str| format!("{d:0<width$}");
                    pad(da).cmp(&pad(db))
                });
                if *na {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
        }
    }
}

impl fmt::Display for Number {
    /// The canonical decimal form: `90`, `-1.5`, `0.001`, `123456789012345678901234567890`;
    /// a number that is exactly a float shows that float's shortest form (`0.1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::PositiveInfinity => f.write_str("Infinity"),
            Repr::NegativeInfinity => f.write_str("-Infinity"),
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => {
                if *exponent < 0 {
                    if let Some(float) = self.exact_f64() {
                        return write!(f, "{float}");
                    }
                }
                if *negative {
                    f.write_str("-")?;
                }
                if *exponent >= 0 {
                    f.write_str(digits)?;
                    for _ in 0..*exponent {
                        f.write_str("0")?;
                    }
                    return Ok(());
                }
                let frac = exponent.unsigned_abs() as usize;
                if digits.len() > frac {
                    let (int, rest) = digits.split_at(digits.len() - frac);
                    write!(f, "{int}.{rest}")
                } else {
                    f.write_str("0.")?;
                    for _ in 0..frac - digits.len() {
                        f.write_str("0")?;
                    }
                    f.write_str(digits)
                }
            }
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// What is known about an unknown value (cty refinements).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refinements {
    /// The value will not be null.
    pub not_null: bool,
    /// A string value will start with this.
    pub string_prefix: Option<String>,
    /// A number will be at least (inclusive = true) / greater than this.
    pub number_lower: Option<(Number, bool)>,
    /// A number will be at most (inclusive = true) / less than this.
    pub number_upper: Option<(Number, bool)>,
    /// A collection will have at least this many elements.
    pub length_lower: Option<u64>,
    /// A collection will have at most this many elements.
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Only "will not be null".
    pub fn not_null() -> Self {
        Refinements {
            not_null: true,
            ..Default::default()
        }
    }
}

/// A cty value. The type lives beside it (in the schema); only [`Value::Dynamic`] carries
/// its own.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply, with what is known about it.
    Unknown(Refinements),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in no particular order; equality ignores the order.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of an attribute typed `dynamic`, with its concrete type.
    Dynamic(Type, Box<Value>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Unknown(a), Unknown(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Map(a), Map(b)) | (Object(a), Object(b)) => a == b,
            (Dynamic(ta, a), Dynamic(tb, b)) => ta == tb && a == b,
            (Set(a), Set(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                let mut used = vec![false; b.len()];
                a.iter().all(|x| {
                    let found = b
                        .iter()
                        .enumerate()
                        .find(|(i, y)| !used[*i] && x == *y)
                        .map(|(i, _)| i);
                    match found {
                        Some(i) => {
                            used[i] = true;
                            true
                        }
                        None => false,
                    }
                })
            }
            _ => false,
        }
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// A wholly unknown value.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value from an integer.
    pub fn from_i64(i: i64) -> Value {
        Value::Number(Number::from_i64(i))
    }

    /// An object value.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Value)>) -> Value {
        Value::Object(attributes.into_iter().map(|(n, v)| (n.into(), v)).collect())
    }

    /// The value inside any [`Value::Dynamic`] wrappers.
    pub fn peel(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic(_, inner) = v {
            v = inner;
        }
        v
    }

    /// True for null (also inside a dynamic wrapper).
    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null)
    }

    /// True for an unknown value (refined or not), not looking inside.
    pub fn is_unknown(&self) -> bool {
        matches!(self.peel(), Value::Unknown(_))
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }

    /// An attribute of an object (`None` when this is not an object or has no such
    /// attribute).
    pub fn get(&self, attribute: &str) -> Option<&Value> {
        match self.peel() {
            Value::Object(m) => m.get(attribute),
            _ => None,
        }
    }

    /// The string, when this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, when this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, when this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.peel() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(_, v) => v.kind_name(),
        }
    }

    /// The type a known value implies, used when a `dynamic` attribute gets a value that
    /// is not wrapped in [`Value::Dynamic`].
    fn implied_type(&self) -> Option<Type> {
        match self {
            Value::Bool(_) => Some(Type::Bool),
            Value::Number(_) => Some(Type::Number),
            Value::String(_) => Some(Type::String),
            Value::Dynamic(t, _) => Some(t.clone()),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| Some((k.clone(), v.implied_type()?)))
                .collect::<Option<BTreeMap<_, _>>>()
                .map(Type::Object),
            Value::Tuple(v) => v
                .iter()
                .map(Value::implied_type)
                .collect::<Option<Vec<_>>>()
                .map(Type::Tuple),
            Value::List(v) | Value::Set(v) => {
                let t = same_type(v.iter())?;
                Some(if matches!(self, Value::List(_)) {
                    Type::list(t)
                } else {
                    Type::set(t)
                })
            }
            Value::Map(m) => Some(Type::map(same_type(m.values())?)),
            Value::Null | Value::Unknown(_) => None,
        }
    }
}

fn same_type<'a>(mut values: impl Iterator<Item = &'a Value>) -> Option<Type> {
    let first = values.next()?.implied_type()?;
    values
        .all(|v| v.implied_type().as_ref() == Some(&first))
        .then_some(first)
}

// ---------------------------------------------------------------------------------------
// msgpack decoding
// ---------------------------------------------------------------------------------------

const UNKNOWN_EXT: i8 = 0;
const REFINED_UNKNOWN_EXT: i8 = 12;

/// A decoded object names an attribute its type lacks (shared by msgpack and JSON decoding).
fn attribute_not_in_type(path: &AttributePath, name: &str) -> ValueError {
    ValueError::decode(
        path,
        format!("The object has an attribute {name:?} that the type does not have."),
    )
}

/// An object with every attribute of its type: the ones absent from the input are null.
fn object_with_nulls(mut out: BTreeMap<String, Value>, ats: &BTreeMap<String, Type>) -> Value {
    for name in ats.keys() {
        out.entry(name.clone()).or_insert(Value::Null);
    }
    Value::Object(out)
}

/// Decodes a `DynamicValue`'s msgpack bytes as a value of `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let root = AttributePath::root();
    let raw = read_msgpack(bytes)
        .map_err(|e| ValueError::decode(&root, format!("The data is not valid msgpack: {e}.")))?;
    let mut path = AttributePath::root();
    from_msgpack(&raw, ty, &mut path)
}

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

fn msgpack_str<'a>(v: &'a rmpv::Value, path: &AttributePath) -> Result<&'a str, ValueError> {
    match v {
        rmpv::Value::String(s) => s
            .as_str()
            .ok_or_else(|| ValueError::decode(path, "The string is not valid UTF-8.")),
        other => Err(ValueError::mismatch(path, "a string", msgpack_kind(other))),
    }
}

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

fn with_step<T>(
    path: &mut AttributePath,
    step: PathStep,
    f: impl FnOnce(&mut AttributePath) -> Result<T, ValueError>,
) -> Result<T, ValueError> {
    path.push(step);
    let result = f(path);
    path.pop();
    result
}

fn index_step(i: usize) -> PathStep {
    PathStep::ElementKeyInt(i64::try_from(i).unwrap_or(i64::MAX))
}

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
        Type::List(et) | Type::Set(et) => {
            let rmpv::Value::Array(items) = raw else {
                return Err(ValueError::mismatch(path, "an array", msgpack_kind(raw)));
            };
            let elems = items
                .iter()
                .enumerate()
                .map(|(i, item)| with_step(path, index_step(i), |p| from_msgpack(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(elems)
            } else {
                Value::Set(elems)
            })
        }
        Type::Tuple(ets) => {
            let rmpv::Value::Array(items) = raw else {
                return Err(ValueError::mismatch(path, "an array", msgpack_kind(raw)));
            };
            if items.len() != ets.len() {
                return Err(ValueError::decode(
                    path,
                    format!(
                        "The tuple has {} elements, the type has {}.",
                        items.len(),
                        ets.len()
                    ),
                ));
            }
            let elems = items
                .iter()
                .zip(ets)
                .enumerate()
                .map(|(i, (item, et))| {
                    with_step(path, index_step(i), |p| from_msgpack(item, et, p))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(elems))
        }
        Type::Map(et) => {
            let rmpv::Value::Map(entries) = raw else {
                return Err(ValueError::mismatch(path, "a map", msgpack_kind(raw)));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = msgpack_str(k, path)?.to_string();
                let value = with_step(path, PathStep::ElementKeyString(key.clone()), |p| {
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
                let value = with_step(path, PathStep::Attribute(name.to_string()), |p| {
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
// msgpack encoding
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

struct Writer {
    buf: Vec<u8>,
    path: AttributePath,
}

impl Writer {
    fn fail<E: fmt::Display>(&self, e: E) -> ValueError {
        ValueError::encode(&self.path, format!("Could not write msgpack: {e}."))
    }

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
                    self.with(index_step(i), |w| w.value(item, et))?;
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
                    self.with(index_step(i), |w| w.value(item, et))?;
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

// ---------------------------------------------------------------------------------------
// JSON decoding
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

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const MAX_JSON_DEPTH: usize = 512;

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

/// Decodes the JSON form of a value of `ty`. An object attribute the type does not have is
/// an error; one the JSON lacks is null.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut reading = JsonReading::default();
    reading.decode(bytes, ty)
}

/// Resource state as Terraform stored it (JSON), read as a value of the current schema's type.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredState {
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
    fn decode(&mut self, bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        let root = AttributePath::root();
        let json = parse_json(bytes)
            .map_err(|m| ValueError::decode(&root, format!("The data is not valid JSON: {m}.")))?;
        let mut path = AttributePath::root();
        self.value(&json, ty, &mut path)
    }

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
            Type::List(et) | Type::Set(et) => {
                let Json::Array(items) = json else {
                    return Err(mismatch(path));
                };
                let elems = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| with_step(path, index_step(i), |p| self.value(item, et, p)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(elems)
                } else {
                    Value::Set(elems)
                })
            }
            Type::Tuple(ets) => {
                let Json::Array(items) = json else {
                    return Err(mismatch(path));
                };
                if items.len() != ets.len() {
                    return Err(ValueError::decode(
                        path,
                        format!(
                            "The tuple has {} elements, the type has {}.",
                            items.len(),
                            ets.len()
                        ),
                    ));
                }
                let elems = items
                    .iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (item, et))| {
                        with_step(path, index_step(i), |p| self.value(item, et, p))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Tuple(elems))
            }
            Type::Map(et) => {
                let Json::Object(entries) = json else {
                    return Err(mismatch(path));
                };
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    let value = with_step(path, PathStep::ElementKeyString(k.clone()), |p| {
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
                    let value = with_step(path, PathStep::Attribute(name.clone()), |p| {
                        self.value(v, at, p)
                    })?;
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

// ---------------------------------------------------------------------------------------
// Typed access
// ---------------------------------------------------------------------------------------

/// An attribute's value as resource code sees it: null, not known yet, or known.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    /// The known value.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(t) => Some(t),
            _ => None,
        }
    }

    /// The known value, by value.
    pub fn into_known(self) -> Option<T> {
        match self {
            Field::Known(t) => Some(t),
            _ => None,
        }
    }

    /// True for [`Field::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    /// True for [`Field::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// True for [`Field::Known`].
    pub fn is_known(&self) -> bool {
        matches!(self, Field::Known(_))
    }

    /// A field of references.
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(t),
        }
    }

    /// Applies `f` to a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(f(t)),
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Field::Null, Field::Known)
    }
}

/// Reading a Rust value out of a [`Value`].
pub trait FromValue: Sized {
    /// `path` is where `v` sits, for errors.
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError>;
}

/// Turning a Rust value into a [`Value`].
pub trait IntoValue {
    fn into_value(self) -> Value;
}

/// Null and unknown are errors for the plain types; this says which.
fn known<'a>(v: &'a Value, path: &AttributePath) -> Result<&'a Value, ValueError> {
    match v.peel() {
        Value::Null => Err(ValueError::Null { path: path.clone() }),
        Value::Unknown(_) => Err(ValueError::Unknown { path: path.clone() }),
        other => Ok(other),
    }
}

impl FromValue for Value {
    fn from_value(v: &Value, _path: &AttributePath) -> Result<Self, ValueError> {
        Ok(v.clone())
    }
}

impl FromValue for String {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(ValueError::mismatch(path, "a string", other.kind_name())),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::Bool(b) => Ok(*b),
            other => Err(ValueError::mismatch(path, "a bool", other.kind_name())),
        }
    }
}

impl FromValue for Number {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::Number(n) => Ok(n.clone()),
            other => Err(ValueError::mismatch(path, "a number", other.kind_name())),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        Number::from_value(v, path).map(|n| n.as_f64())
    }
}

macro_rules! integer_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
                let n = Number::from_value(v, path)?;
                if !n.is_whole() {
                    return Err(ValueError::mismatch(path, "a whole number", n.to_string()));
                }
                n.as_i64()
                    .and_then(|i| <$t>::try_from(i).ok())
                    .ok_or_else(|| ValueError::decode(path, format!("The number {n} is out of range.")))
            }
        }
    )*};
}
integer_from_value!(i64, i32, u32, u64);

impl<T: FromValue> FromValue for Field<T> {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match v.peel() {
            Value::Null => Ok(Field::Null),
            Value::Unknown(_) => Ok(Field::Unknown),
            other => T::from_value(other, path).map(Field::Known),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match v.peel() {
            Value::Null => Ok(None),
            Value::Unknown(_) => Err(ValueError::Unknown { path: path.clone() }),
            other => T::from_value(other, path).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| T::from_value(item, &path.clone().index(i as i64)))
                .collect(),
            other => Err(ValueError::mismatch(path, "a list", other.kind_name())),
        }
    }
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::Map(m) => m
                .iter()
                .map(|(k, item)| {
                    Ok((
                        k.clone(),
                        T::from_value(item, &path.clone().key(k.clone()))?,
                    ))
                })
                .collect(),
            Value::Object(m) => m
                .iter()
                .map(|(k, item)| {
                    Ok((
                        k.clone(),
                        T::from_value(item, &path.clone().then_attr(k.clone()))?,
                    ))
                })
                .collect(),
            other => Err(ValueError::mismatch(path, "a map", other.kind_name())),
        }
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
}

impl IntoValue for &String {
    fn into_value(self) -> Value {
        Value::String(self.clone())
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl IntoValue for Number {
    fn into_value(self) -> Value {
        Value::Number(self)
    }
}

impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Number(Number::from_i64(self))
    }
}

impl IntoValue for i32 {
    fn into_value(self) -> Value {
        Value::Number(Number::from_i64(i64::from(self)))
    }
}

impl IntoValue for u32 {
    fn into_value(self) -> Value {
        Value::Number(Number::from_i64(i64::from(self)))
    }
}

impl IntoValue for u64 {
    fn into_value(self) -> Value {
        Value::Number(Number::from_u64(self))
    }
}

impl IntoValue for f64 {
    fn into_value(self) -> Value {
        Value::Number(Number::from_f64(self))
    }
}

impl<T: IntoValue> IntoValue for Field<T> {
    fn into_value(self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown => Value::unknown(),
            Field::Known(t) => t.into_value(),
        }
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(IntoValue::into_value).collect())
    }
}

impl<T: IntoValue> IntoValue for BTreeMap<String, T> {
    fn into_value(self) -> Value {
        Value::Map(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }
}

/// Reads the attributes of a known object, with paths in every error.
#[derive(Clone, Debug)]
pub struct ObjectReader<'a> {
    attributes: &'a BTreeMap<String, Value>,
    path: AttributePath,
}

impl<'a> ObjectReader<'a> {
    /// A reader of `value`, which sits at `path`. A null or unknown object, or anything
    /// that is not an object, is an error.
    pub fn new(value: &'a Value, path: AttributePath) -> Result<Self, ValueError> {
        match known(value, &path)? {
            Value::Object(attributes) => Ok(ObjectReader { attributes, path }),
            other => Err(ValueError::mismatch(&path, "an object", other.kind_name())),
        }
    }

    /// Where the object sits.
    pub fn path(&self) -> &AttributePath {
        &self.path
    }

    /// The path of one attribute of the object.
    pub fn path_of(&self, name: &str) -> AttributePath {
        self.path.clone().then_attr(name)
    }

    /// An attribute as a Rust value; an absent attribute reads as null.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T, ValueError> {
        T::from_value(self.value(name), &self.path_of(name))
    }

    /// An attribute's raw value ([`Value::Null`] when absent).
    pub fn value(&self, name: &str) -> &'a Value {
        self.attributes.get(name).unwrap_or(&NULL)
    }

    /// A reader of a nested object attribute.
    pub fn object(&self, name: &str) -> Result<ObjectReader<'a>, ValueError> {
        ObjectReader::new(self.value(name), self.path_of(name))
    }
}

/// Builds an object value attribute by attribute.
#[derive(Clone, Debug, Default)]
pub struct ObjectBuilder {
    attributes: BTreeMap<String, Value>,
}

impl ObjectBuilder {
    /// An empty object.
    pub fn new() -> Self {
        ObjectBuilder::default()
    }

    /// Sets one attribute.
    pub fn set(mut self, name: impl Into<String>, value: impl IntoValue) -> Self {
        self.attributes.insert(name.into(), value.into_value());
        self
    }

    /// The object.
    pub fn build(self) -> Value {
        Value::Object(self.attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(v: &Value, ty: &Type) -> Value {
        let bytes = encode_msgpack(v, ty).unwrap();
        decode_msgpack(&bytes, ty).unwrap()
    }

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
    fn numbers_are_exact() {
        assert_eq!(Number::from_i64(1), Number::from_f64(1.0));
        assert_eq!(Number::parse("90.0").unwrap().to_string(), "90");
        assert_eq!(Number::parse("1e3").unwrap().as_i64(), Some(1000));
        assert_eq!(Number::parse("-0.005").unwrap().to_string(), "-0.005");
        assert_eq!(Number::parse("1.5").unwrap().as_i64(), None);
        assert!(!Number::parse("1.5").unwrap().is_whole());
        assert_eq!(Number::from_f64(0.1).to_string(), "0.1");
        assert_eq!(Number::parse("0.1").unwrap().as_f64(), 0.1);
        assert_ne!(Number::parse("0.1").unwrap(), Number::from_f64(0.1));
        let big = "123456789012345678901234567890";
        assert_eq!(Number::parse(big).unwrap().to_string(), big);
        assert_eq!(Number::parse(big).unwrap().as_i64(), None);
        assert_eq!(Number::from_i64(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(Number::from_i64(0), Number::parse("-0.000").unwrap());
        for bad in ["", "-", ".", "1e", "abc", "1.2.3", "1e99999999999"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert!(Number::parse("-2").unwrap() < Number::parse("-1.5").unwrap());
        assert!(Number::parse("0.01").unwrap() < Number::parse("0.1").unwrap());
        assert!(Number::parse("100").unwrap() > Number::parse("99.999").unwrap());
    }

    #[test]
    fn unknown_fixture() {
        assert_eq!(
            decode_msgpack(&[0xd4, 0, 0], &Type::String).unwrap(),
            Value::unknown()
        );
        assert_eq!(
            encode_msgpack(&Value::unknown(), &Type::String).unwrap(),
            vec![0xd4, 0, 0]
        );
        // An unknown of any type, and a zero-length extension.
        assert!(decode_msgpack(&[0xd4, 0, 0], &Type::list(Type::Number))
            .unwrap()
            .is_unknown());
        assert!(decode_msgpack(&[0xc7, 0, 0], &Type::Dynamic)
            .unwrap()
            .is_unknown());
    }

    #[test]
    fn refined_unknown_fixture() {
        // fixext8, type 12: {1: false, 2: "ab-"}
        let bytes = [0xd7, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'a', b'b', b'-'];
        let v = decode_msgpack(&bytes, &Type::String).unwrap();
        // The same payload in the longer ext8 framing reads the same.
        let ext8 = [
            0xc7, 0x08, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'a', b'b', b'-',
        ];
        assert_eq!(decode_msgpack(&ext8, &Type::String).unwrap(), v);
        let expected = Value::Unknown(Refinements {
            not_null: true,
            string_prefix: Some("ab-".into()),
            ..Default::default()
        });
        assert_eq!(v, expected);
        assert_eq!(
            encode_msgpack(&expected, &Type::String).unwrap(),
            bytes.to_vec()
        );
        // Not-null alone on an object; refinements do not apply to dynamic.
        let nn = Value::Unknown(Refinements::not_null());
        assert_eq!(
            encode_msgpack(&nn, &Type::object([("a", Type::String)])).unwrap(),
            vec![0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2]
        );
        assert_eq!(
            encode_msgpack(&nn, &Type::Dynamic).unwrap(),
            vec![0xd4, 0, 0]
        );
        // Number bounds and length bounds survive; future keys are ignored.
        let r = Value::Unknown(Refinements {
            number_lower: Some((Number::from_i64(7), true)),
            number_upper: Some((Number::parse("379.5").unwrap(), false)),
            ..Default::default()
        });
        assert_eq!(roundtrip(&r, &Type::Number), r);
        let l = Value::Unknown(Refinements {
            not_null: true,
            length_lower: Some(1),
            length_upper: Some(3),
            ..Default::default()
        });
        assert_eq!(roundtrip(&l, &Type::set(Type::String)), l);
        let future = [0xd6, 0x0c, 0x81, 0x63, 0xc3, 0x00];
        assert!(decode_msgpack(&future[..5], &Type::String).is_err()); // truncated
        let future = [0xd5, 0x0c, 0x81, 0x63];
        assert!(decode_msgpack(&future, &Type::String).is_err()); // value missing
        let future = [0xd6, 0x0c, 0x81, 0x63, 0xc3, 0xc0];
        assert_eq!(
            decode_msgpack(&future, &Type::String).unwrap(),
            Value::unknown()
        );
    }

    #[test]
    fn nested_object_fixture() {
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::object([("c", Type::Number)])),
        ]);
        let bytes = [
            0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0x81, 0xa1, b'c', 0x05,
        ];
        let v = decode_msgpack(&bytes, &ty).unwrap();
        let expected = Value::object([
            ("a", Value::string("x")),
            ("b", Value::object([("c", Value::from_i64(5))])),
        ]);
        assert_eq!(v, expected);
        assert_eq!(encode_msgpack(&expected, &ty).unwrap(), bytes.to_vec());
        // Absent attributes are null, and encoding writes every attribute.
        let partial = decode_msgpack(&[0x81, 0xa1, b'a', 0xc0], &ty).unwrap();
        assert_eq!(partial.get("b"), Some(&Value::Null));
        let enc = encode_msgpack(&Value::object([("a", Value::string("x"))]), &ty).unwrap();
        assert_eq!(enc, vec![0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
        // An attribute the type does not have is an error with the object's path.
        let err = decode_msgpack(&[0x81, 0xa1, b'b', 0x81, 0xa1, b'z', 0xc0], &ty).unwrap_err();
        assert_eq!(err.path(), Some(&AttributePath::attr("b")));
        // A wrong kind deep inside names the place.
        let err = decode_msgpack(&[0x81, 0xa1, b'b', 0x81, 0xa1, b'c', 0xc3], &ty).unwrap_err();
        assert_eq!(err.path(), Some(&AttributePath::attr("b").then_attr("c")));
        assert!(err.to_string().starts_with("b.c: "), "{err}");
        assert!(!err.message().contains("b.c"));
    }

    #[test]
    fn number_fixtures() {
        let big = "123456789012345678901234567890";
        let mut bytes = vec![0xbe];
        bytes.extend_from_slice(big.as_bytes());
        let v = decode_msgpack(&bytes, &Type::Number).unwrap();
        assert_eq!(v.as_number().unwrap().to_string(), big);
        assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), bytes);

        let max_u64 = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        let v = decode_msgpack(&max_u64, &Type::Number).unwrap();
        assert_eq!(v.as_number().unwrap().to_string(), "18446744073709551615");
        let enc = encode_msgpack(&v, &Type::Number).unwrap();
        assert_eq!(enc[0], 0xb4); // a 20-character string
        assert_eq!(decode_msgpack(&enc, &Type::Number).unwrap(), v);

        let float = [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0];
        let v = decode_msgpack(&float, &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::parse("1.5").unwrap()));
        assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), float.to_vec());
        // float32 and small ints
        assert_eq!(
            decode_msgpack(&[0xca, 0x3f, 0xc0, 0, 0], &Type::Number).unwrap(),
            Value::Number(Number::parse("1.5").unwrap())
        );
        assert_eq!(
            encode_msgpack(&Value::from_i64(90), &Type::Number).unwrap(),
            vec![90]
        );
        assert_eq!(
            encode_msgpack(&Value::from_i64(-1), &Type::Number).unwrap(),
            vec![0xff]
        );
        // A decimal that no float holds exactly travels as a string.
        let tenth = Value::Number(Number::parse("0.1").unwrap());
        assert_eq!(
            encode_msgpack(&tenth, &Type::Number).unwrap(),
            b"\xa30.1".to_vec()
        );
        assert_eq!(roundtrip(&tenth, &Type::Number), tenth);
        let f = Value::Number(Number::from_f64(0.1));
        assert_eq!(encode_msgpack(&f, &Type::Number).unwrap()[0], 0xcb);
        assert_eq!(roundtrip(&f, &Type::Number), f);
        assert!(decode_msgpack(b"\xa3abc", &Type::Number).is_err());
    }

    #[test]
    fn empty_versus_null() {
        assert_eq!(
            decode_msgpack(&[0xa0], &Type::String).unwrap(),
            Value::string("")
        );
        assert_eq!(decode_msgpack(&[0xc0], &Type::String).unwrap(), Value::Null);
        let lt = Type::list(Type::String);
        assert_eq!(decode_msgpack(&[0x90], &lt).unwrap(), Value::List(vec![]));
        assert_eq!(decode_msgpack(&[0xc0], &lt).unwrap(), Value::Null);
        assert_eq!(
            encode_msgpack(&Value::List(vec![]), &lt).unwrap(),
            vec![0x90]
        );
        assert_eq!(encode_msgpack(&Value::Null, &lt).unwrap(), vec![0xc0]);
    }

    #[test]
    fn roundtrips_of_every_kind() {
        let ty = Type::object([
            ("b", Type::Bool),
            ("n", Type::Number),
            ("s", Type::String),
            ("l", Type::list(Type::Number)),
            ("set", Type::set(Type::String)),
            ("m", Type::map(Type::Bool)),
            ("t", Type::Tuple(vec![Type::String, Type::Number])),
            ("d", Type::Dynamic),
            ("u", Type::String),
            ("null", Type::list(Type::String)),
        ]);
        let v = Value::object([
            ("b", Value::Bool(true)),
            ("n", Value::Number(Number::parse("-12.25").unwrap())),
            ("s", Value::string("héllo")),
            ("l", Value::List(vec![Value::from_i64(1), Value::unknown()])),
            (
                "set",
                Value::Set(vec![Value::string("a"), Value::string("b")]),
            ),
            (
                "m",
                Value::Map(BTreeMap::from([("k".to_string(), Value::Bool(false))])),
            ),
            (
                "t",
                Value::Tuple(vec![Value::string("x"), Value::from_i64(2)]),
            ),
            (
                "d",
                Value::Dynamic(
                    Type::list(Type::String),
                    Box::new(Value::List(vec![Value::string("z")])),
                ),
            ),
            ("u", Value::unknown()),
            ("null", Value::Null),
        ]);
        assert_eq!(roundtrip(&v, &ty), v);
        assert!(!v.is_wholly_known());
        // Sets compare without order.
        assert_eq!(
            Value::Set(vec![Value::string("a"), Value::string("b")]),
            Value::Set(vec![Value::string("b"), Value::string("a")])
        );
        assert_ne!(
            Value::Set(vec![Value::string("a"), Value::string("a")]),
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
        // Mismatches carry the path.
        let bad = Value::object([("l", Value::List(vec![Value::string("x")]))]);
        let err = encode_msgpack(&bad, &ty).unwrap_err();
        assert_eq!(err.path(), Some(&AttributePath::attr("l").index(0)));
        assert!(matches!(err, ValueError::Mismatch { .. }));
    }

    #[test]
    fn dynamic_fixture() {
        // ["string" as bin, "hi"]
        let mut bytes = vec![0x92, 0xc4, 0x08];
        bytes.extend_from_slice(b"\"string\"");
        bytes.extend_from_slice(&[0xa2, b'h', b'i']);
        let v = decode_msgpack(&bytes, &Type::Dynamic).unwrap();
        assert_eq!(
            v,
            Value::Dynamic(Type::String, Box::new(Value::string("hi")))
        );
        assert_eq!(v.as_str(), Some("hi"));
        assert_eq!(encode_msgpack(&v, &Type::Dynamic).unwrap(), bytes);
        // The type as a msgpack string is accepted too; an unwrapped value is wrapped.
        let mut as_str = vec![0x92, 0xa8];
        as_str.extend_from_slice(b"\"string\"");
        as_str.extend_from_slice(&[0xa2, b'h', b'i']);
        assert_eq!(decode_msgpack(&as_str, &Type::Dynamic).unwrap(), v);
        assert_eq!(
            encode_msgpack(&Value::string("hi"), &Type::Dynamic).unwrap(),
            bytes
        );
        assert_eq!(
            decode_msgpack(&[0xc0], &Type::Dynamic).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &[0xc1][..],
            &[],
            &[0x92, 0x01],
            &[0xa1, b'a', 0x00],
            &[0xa2, 0xff, 0xfe],
        ] {
            assert!(
                decode_msgpack(bytes, &Type::String).is_err(),
                "{bytes:02x?}"
            );
        }
        assert!(decode_msgpack(&[0x92, 0xa1, b'x', 0x01], &Type::Dynamic).is_err());
        assert!(decode_msgpack(&[0x91, 0x01], &Type::Tuple(vec![])).is_err());
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
        // and it encodes to msgpack for the answer
        assert_eq!(roundtrip(&v, &ty), v);
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
        // Every digit survives the msgpack answer too.
        assert_eq!(&roundtrip(v, &ty), v);

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

    #[test]
    fn typed_access() {
        let root = AttributePath::root();
        let f: Field<String> = Field::from_value(&Value::unknown(), &root).unwrap();
        assert_eq!(f, Field::Unknown);
        let f: Field<String> = Field::from_value(&Value::Null, &root).unwrap();
        assert_eq!(f, Field::Null);
        assert_eq!(Field::<String>::default(), Field::Null);
        let f: Field<String> = Field::from_value(&Value::string(""), &root).unwrap();
        assert_eq!(f, Field::Known(String::new()));
        assert_eq!(f.known().map(String::as_str), Some(""));
        assert_eq!(f.clone().map(|s| s.len()), Field::Known(0));

        let p = AttributePath::attr("days");
        let half = Value::Number(Number::parse("1.5").unwrap());
        assert!(matches!(
            i64::from_value(&half, &p),
            Err(ValueError::Mismatch { .. })
        ));
        assert_eq!(f64::from_value(&half, &p).unwrap(), 1.5);
        assert_eq!(i64::from_value(&Value::from_i64(7), &p).unwrap(), 7);
        assert!(matches!(
            i64::from_value(&Value::Null, &p),
            Err(ValueError::Null { .. })
        ));
        assert_eq!(Option::<i64>::from_value(&Value::Null, &p).unwrap(), None);
        assert!(matches!(
            Option::<i64>::from_value(&Value::unknown(), &p),
            Err(ValueError::Unknown { .. })
        ));

        let obj = ObjectBuilder::new()
            .set("cluster_id", "cluster-1")
            .set("days", 7i64)
            .set("flag", true)
            .set("maybe", Option::<String>::None)
            .set("later", Field::<String>::Unknown)
            .set("list", vec!["a", "b"])
            .set("nested", ObjectBuilder::new().set("x", "y").build())
            .set("tags", BTreeMap::from([("k".to_string(), "v")]))
            .build();
        let r = ObjectReader::new(&obj, AttributePath::root()).unwrap();
        assert_eq!(r.get::<String>("cluster_id").unwrap(), "cluster-1");
        assert_eq!(r.get::<i64>("days").unwrap(), 7);
        assert!(r.get::<bool>("flag").unwrap());
        assert_eq!(r.get::<Option<String>>("maybe").unwrap(), None);
        assert_eq!(r.get::<Option<String>>("absent").unwrap(), None);
        assert_eq!(r.value("absent"), &Value::Null);
        assert_eq!(r.get::<Field<String>>("later").unwrap(), Field::Unknown);
        assert_eq!(r.get::<Vec<String>>("list").unwrap(), vec!["a", "b"]);
        assert_eq!(
            r.get::<BTreeMap<String, String>>("tags").unwrap(),
            BTreeMap::from([("k".to_string(), "v".to_string())])
        );
        let nested = r.object("nested").unwrap();
        assert_eq!(nested.get::<String>("x").unwrap(), "y");
        let err = nested.get::<i64>("x").unwrap_err();
        assert_eq!(
            err.path(),
            Some(&AttributePath::attr("nested").then_attr("x"))
        );
        let err = r.get::<Vec<i64>>("list").unwrap_err();
        assert_eq!(err.path(), Some(&AttributePath::attr("list").index(0)));
        let err = r.get::<String>("absent").unwrap_err();
        assert_eq!(
            err,
            ValueError::Null {
                path: AttributePath::attr("absent")
            }
        );
        assert!(!err.message().contains("absent"));

        assert!(matches!(
            ObjectReader::new(&Value::Null, AttributePath::attr("o")),
            Err(ValueError::Null { .. })
        ));
        assert!(matches!(
            ObjectReader::new(&Value::unknown(), AttributePath::attr("o")),
            Err(ValueError::Unknown { .. })
        ));
        assert!(ObjectReader::new(&Value::string("x"), AttributePath::root()).is_err());
    }
}
