//! [`TfType`]: the one mapping between Rust types and Terraform (cty) types: which type a
//! Rust type stands for, how a value of it is read (with the path in every error) and how
//! it is written. Implemented here for the plain types, `Vec`, `BTreeSet`, `BTreeMap<String, _>`,
//! [`Field`], `Option` and [`Value`] itself; `#[derive(Model)]` implements it for models
//! (an object of their attributes).
//!
//! Knows cty types and values, numbers and paths; no schema, no wire form.

use std::collections::{BTreeMap, BTreeSet};

use super::cty::{Type, Value};
use super::error::ValueError;
use super::field::Field;
use super::number::Number;
use crate::path::AttributePath;

/// A Rust type that stands for a Terraform type.
///
/// ```
/// use tfplugin::value::{Field, TfType, Type, Value};
/// use tfplugin::diagnostics::AttributePath;
/// assert_eq!(<Vec<i64>>::value_type(), Type::list(Type::Number));
/// let days = Field::<i64>::from_value(&Value::from_i64(7), &AttributePath::attr("days"));
/// assert_eq!(days, Ok(Field::Known(7)));
/// assert_eq!(Field::<String>::Unknown.into_value(), Value::unknown());
/// ```
pub trait TfType: Sized {
    /// The Terraform type (for [`Field`] and `Option`: their inner type's; for [`Value`]:
    /// any type).
    fn value_type() -> Type;
    /// Reads a value; `path` is where `v` sits, for errors.
    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError>;
    /// The value.
    fn into_value(self) -> Value;
}

/// Null and unknown are errors for the plain types; this says which.
pub(super) fn known<'a>(v: &'a Value, path: &AttributePath) -> Result<&'a Value, ValueError> {
    match v.peel() {
        Value::Null => Err(ValueError::Null { path: path.clone() }),
        Value::Unknown(_) => Err(ValueError::Unknown { path: path.clone() }),
        other => Ok(other),
    }
}

/// Any value, as it is.
impl TfType for Value {
    fn value_type() -> Type {
        Type::Dynamic
    }

    fn from_value(v: &Value, _path: &AttributePath) -> Result<Self, ValueError> {
        Ok(v.clone())
    }

    fn into_value(self) -> Value {
        self
    }
}

/// A primitive type that is one cty type and one `Value` variant of the same name.
macro_rules! primitive {
    ($($rust:ty => $variant:ident, $what:literal;)*) => {$(
        impl TfType for $rust {
            fn value_type() -> Type {
                Type::$variant
            }

            fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
                match known(v, path)? {
                    Value::$variant(x) => Ok(Clone::clone(x)),
                    other => Err(ValueError::mismatch(path, $what, other.kind_name())),
                }
            }

            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
    )*};
}

primitive! {
    String => String, "a string";
    bool => Bool, "a bool";
    Number => Number, "a number";
}

impl TfType for f64 {
    fn value_type() -> Type {
        Type::Number
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        Number::from_value(v, path).map(|n| n.as_f64())
    }

    fn into_value(self) -> Value {
        Value::Number(Number::from_f64(self))
    }
}

/// Whole numbers: a Terraform number; reading one that is not whole, or out of the type's
/// range, is an error on the attribute.
macro_rules! whole_number {
    ($($t:ty => $number:expr),*) => {$(
        impl TfType for $t {
            fn value_type() -> Type {
                Type::Number
            }

            fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
                let n = Number::from_value(v, path)?;
                if !n.is_whole() {
                    return Err(ValueError::mismatch(path, "a whole number", n.to_string()));
                }
                n.as_i64()
                    .and_then(|i| <$t>::try_from(i).ok())
                    .ok_or_else(|| ValueError::decode(path, format!("The number {n} is out of range.")))
            }

            fn into_value(self) -> Value {
                #[allow(clippy::redundant_closure_call)]
                Value::Number(($number)(self))
            }
        }
    )*};
}
whole_number!(
    i64 => Number::from_i64,
    i32 => |n| Number::from_i64(i64::from(n)),
    u32 => |n| Number::from_i64(i64::from(n)),
    u64 => Number::from_u64
);

/// Null, unknown or known: every value of the inner type's. A list, set, map or tuple with
/// an unknown element (`[terraform_data.x.output]` before apply) reads as unknown as a
/// whole when the inner type cannot hold an unknown element (`Vec<String>`, say).
impl<T: TfType> TfType for Field<T> {
    fn value_type() -> Type {
        T::value_type()
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match v.peel() {
            Value::Null => Ok(Field::Null),
            Value::Unknown(_) => Ok(Field::Unknown),
            other => match T::from_value(other, path) {
                Ok(t) => Ok(Field::Known(t)),
                Err(ValueError::Unknown { .. })
                    if matches!(
                        other,
                        Value::List(_) | Value::Set(_) | Value::Map(_) | Value::Tuple(_)
                    ) =>
                {
                    Ok(Field::Unknown)
                }
                Err(e) => Err(e),
            },
        }
    }

    fn into_value(self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown => Value::unknown(),
            Field::Known(t) => t.into_value(),
        }
    }
}

/// Null or known: reading an unknown value is an error.
impl<T: TfType> TfType for Option<T> {
    fn value_type() -> Type {
        T::value_type()
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match v.peel() {
            Value::Null => Ok(None),
            Value::Unknown(_) => Err(ValueError::Unknown { path: path.clone() }),
            other => T::from_value(other, path).map(Some),
        }
    }

    fn into_value(self) -> Value {
        self.map_or(Value::Null, TfType::into_value)
    }
}

/// A list (reads sets and tuples too).
impl<T: TfType> TfType for Vec<T> {
    fn value_type() -> Type {
        Type::list(T::value_type())
    }

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

    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(TfType::into_value).collect())
    }
}

/// A set (reads lists and tuples too, whose repeated elements it keeps once). An element's
/// error names the set itself: Terraform addresses set elements by value, not position.
impl<T: TfType + Ord> TfType for BTreeSet<T> {
    fn value_type() -> Type {
        Type::set(T::value_type())
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        match known(v, path)? {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().map(|item| T::from_value(item, path)).collect()
            }
            other => Err(ValueError::mismatch(path, "a set", other.kind_name())),
        }
    }

    fn into_value(self) -> Value {
        Value::Set(self.into_iter().map(TfType::into_value).collect())
    }
}

/// A map (reads objects too).
impl<T: TfType> TfType for BTreeMap<String, T> {
    fn value_type() -> Type {
        Type::map(T::value_type())
    }

    fn from_value(v: &Value, path: &AttributePath) -> Result<Self, ValueError> {
        let entries = |m: &BTreeMap<String, Value>,
                       step: fn(AttributePath, String) -> AttributePath| {
            m.iter()
                .map(|(k, item)| {
                    Ok((
                        k.clone(),
                        T::from_value(item, &step(path.clone(), k.clone()))?,
                    ))
                })
                .collect()
        };
        match known(v, path)? {
            Value::Map(m) => entries(m, |p, k| p.key(k)),
            Value::Object(m) => entries(m, |p, k| p.then_attr(k)),
            other => Err(ValueError::mismatch(path, "a map", other.kind_name())),
        }
    }

    fn into_value(self) -> Value {
        Value::Map(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }
}

#[cfg(test)]
mod set_tests {
    use super::*;

    #[test]
    fn a_set_reads_sets_lists_and_tuples_and_writes_a_set() {
        let path = AttributePath::attr("ids");
        assert_eq!(<BTreeSet<String>>::value_type(), Type::set(Type::String));
        let list = Value::List(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        let read = <BTreeSet<String>>::from_value(&list, &path).expect("reads");
        assert_eq!(
            read.iter().map(String::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            read.into_value(),
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
        assert!(<BTreeSet<String>>::from_value(&Value::string("a"), &path).is_err());
    }

    #[test]
    fn a_collection_with_an_unknown_element_is_an_unknown_field() {
        let path = AttributePath::attr("ids");
        let partly = Value::List(vec![Value::string("a"), Value::unknown()]);
        assert_eq!(
            <Field<BTreeSet<String>>>::from_value(&partly, &path),
            Ok(Field::Unknown)
        );
        assert_eq!(
            <Field<Vec<String>>>::from_value(&partly, &path),
            Ok(Field::Unknown)
        );
        // Not a collection: still an error.
        assert!(<Option<Vec<String>>>::from_value(&partly, &path).is_err());
    }
}
