//! cty types and values in memory: [`Type`], [`Value`] (null, unknown with its
//! [`Refinements`], known) and what can be asked of them.
//!
//! Above [`super::number`] only: this file knows no wire form (msgpack, JSON), no Rust typed
//! access, and nothing of paths, errors or diagnostics.

use std::collections::BTreeMap;
use std::fmt;

use super::number::Number;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `number`: any [`Number`].
    Number,
    /// `string`.
    String,
    /// Any type; the value carries its own type ([`Value::Dynamic`]).
    Dynamic,
    /// A list of elements of one type.
    List(Box<Type>),
    /// A set of elements of one type.
    Set(Box<Type>),
    /// A map from string keys to elements of one type.
    Map(Box<Type>),
    /// An object: these attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// A tuple: a fixed number of elements, each with its own type.
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
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.friendly_name())
    }
}

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
    /// No value (of any type).
    #[default]
    Null,
    /// Not known until apply, with what is known about it.
    Unknown(Refinements),
    /// A known bool.
    Bool(bool),
    /// A known number.
    Number(Number),
    /// A known string.
    String(String),
    /// A known list.
    List(Vec<Value>),
    /// Elements in no particular order; equality ignores the order.
    Set(Vec<Value>),
    /// A known map, by key.
    Map(BTreeMap<String, Value>),
    /// A known object, by attribute name.
    Object(BTreeMap<String, Value>),
    /// A known tuple.
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

    /// This value with the refinements `earlier` had, where this value is a wholly unknown
    /// value (no refinements of its own) and `earlier` an unknown at the same place: what was
    /// known about a value stays known when it passes through code that cannot say it (a
    /// typed [`super::Field`] holds no refinements). Objects and maps are matched by name,
    /// lists, sets and tuples element by element when both have the same length, dynamic
    /// values when their types agree; a wholly unknown value where `earlier` is a
    /// collection known in part (an unknown element; a typed field holds that only as
    /// unknown) becomes that collection again; anything else is left as it is. It never adds
    /// a refinement `earlier` did not have, so it can only keep promises already made.
    pub fn keep_refinements(self, earlier: &Value) -> Value {
        match (self, earlier) {
            (Value::Unknown(r), Value::Unknown(known)) if r == Refinements::default() => {
                Value::Unknown(known.clone())
            }
            // A collection known in part, which a typed model could only hold as unknown:
            // what was known of it stays.
            (Value::Unknown(r), partly)
                if r == Refinements::default()
                    && !partly.is_wholly_known()
                    && matches!(
                        partly,
                        Value::List(_) | Value::Set(_) | Value::Map(_) | Value::Tuple(_)
                    ) =>
            {
                partly.clone()
            }
            (Value::Object(m), Value::Object(e)) => Value::Object(keep_by_name(m, e)),
            (Value::Map(m), Value::Map(e)) => Value::Map(keep_by_name(m, e)),
            (Value::List(v), Value::List(e)) => Value::List(keep_by_position(v, e)),
            (Value::Set(v), Value::Set(e)) => Value::Set(keep_by_position(v, e)),
            (Value::Tuple(v), Value::Tuple(e)) => Value::Tuple(keep_by_position(v, e)),
            (Value::Dynamic(t, v), Value::Dynamic(te, e)) if t == *te => {
                Value::Dynamic(t, Box::new(v.keep_refinements(e)))
            }
            (v, _) => v,
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
    pub(super) fn implied_type(&self) -> Option<Type> {
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

/// [`Value::keep_refinements`] attribute by attribute (key by key).
fn keep_by_name(
    values: BTreeMap<String, Value>,
    earlier: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    values
        .into_iter()
        .map(|(k, v)| {
            let v = match earlier.get(&k) {
                Some(e) => v.keep_refinements(e),
                None => v,
            };
            (k, v)
        })
        .collect()
}

/// [`Value::keep_refinements`] element by element, only when the lengths agree.
fn keep_by_position(values: Vec<Value>, earlier: &[Value]) -> Vec<Value> {
    if values.len() != earlier.len() {
        return values;
    }
    values
        .into_iter()
        .zip(earlier)
        .map(|(v, e)| v.keep_refinements(e))
        .collect()
}

/// The one type all `values` imply, if they agree.
fn same_type<'a>(mut values: impl Iterator<Item = &'a Value>) -> Option<Type> {
    let first = values.next()?.implied_type()?;
    values
        .all(|v| v.implied_type().as_ref() == Some(&first))
        .then_some(first)
}

/// A null to lend out where an absent attribute reads as null.
pub(super) static NULL: Value = Value::Null;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinements_are_kept_where_a_plain_unknown_stands_in_the_same_place() {
        let prefix = Value::Unknown(Refinements {
            not_null: true,
            string_prefix: Some("cluster-".into()),
            ..Default::default()
        });
        let bounds = Value::Unknown(Refinements {
            number_lower: Some((Number::from_i64(7), true)),
            number_upper: Some((Number::from_i64(379), true)),
            ..Default::default()
        });
        let earlier = Value::object([
            ("id", prefix.clone()),
            ("days", bounds.clone()),
            (
                "list",
                Value::List(vec![Value::string("a"), prefix.clone()]),
            ),
            ("short", Value::List(vec![prefix.clone()])),
            ("known", prefix.clone()),
            ("own", prefix.clone()),
            ("d", Value::Dynamic(Type::Number, Box::new(bounds.clone()))),
        ]);
        let own = Value::Unknown(Refinements::not_null());
        let now = Value::object([
            ("id", Value::unknown()),
            ("days", Value::unknown()),
            (
                "list",
                Value::List(vec![Value::string("b"), Value::unknown()]),
            ),
            (
                "short",
                Value::List(vec![Value::unknown(), Value::unknown()]),
            ),
            ("known", Value::string("cluster-1")),
            ("own", own.clone()),
            (
                "d",
                Value::Dynamic(Type::Number, Box::new(Value::unknown())),
            ),
            ("new", Value::unknown()),
        ]);
        let kept = now.keep_refinements(&earlier);
        assert_eq!(kept.get("id"), Some(&prefix));
        assert_eq!(kept.get("days"), Some(&bounds));
        assert_eq!(
            kept.get("list"),
            Some(&Value::List(vec![Value::string("b"), prefix.clone()]))
        );
        // Not matched, known now, refined on its own, or nothing known before: left alone.
        assert_eq!(
            kept.get("short"),
            Some(&Value::List(vec![Value::unknown(), Value::unknown()]))
        );
        assert_eq!(kept.get("known"), Some(&Value::string("cluster-1")));
        assert_eq!(kept.get("own"), Some(&own));
        assert_eq!(
            kept.get("d"),
            Some(&Value::Dynamic(Type::Number, Box::new(bounds)))
        );
        assert_eq!(kept.get("new"), Some(&Value::unknown()));
        assert_eq!(
            Value::unknown().keep_refinements(&Value::Null),
            Value::unknown()
        );
        // A list known in part, that a typed field could only hold as unknown, comes back.
        let partly = Value::List(vec![Value::string("a"), Value::unknown()]);
        assert_eq!(Value::unknown().keep_refinements(&partly), partly);
        let whole = Value::List(vec![Value::string("a")]);
        assert_eq!(Value::unknown().keep_refinements(&whole), Value::unknown());
    }

    #[test]
    fn sets_compare_without_order() {
        // Sets compare without order.
        assert_eq!(
            Value::Set(vec![Value::string("a"), Value::string("b")]),
            Value::Set(vec![Value::string("b"), Value::string("a")])
        );
        assert_ne!(
            Value::Set(vec![Value::string("a"), Value::string("a")]),
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
    }
}
