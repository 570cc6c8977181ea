//! Typed access to values, so that resource code works with Rust types: [`Field`] (null,
//! unknown or known), [`FromValue`] and [`IntoValue`] for the Rust types that stand for cty
//! ones, [`ObjectReader`] (attributes read with their paths in every error) and
//! [`ObjectBuilder`].
//!
//! The top of `value/`: it stands on cty values, numbers, the value error and paths, and
//! knows no wire form (msgpack, JSON), no schema and nothing of any provider's domain.

use std::collections::BTreeMap;

use super::cty::{Value, NULL};
use super::error::ValueError;
use super::number::Number;
use crate::path::AttributePath;

/// An attribute's value as resource code sees it: null, not known yet, or known.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// The attribute is null (not set).
    #[default]
    Null,
    /// The attribute's value is not known yet (it depends on something not yet applied).
    Unknown,
    /// The attribute's known value.
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
    /// The value.
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
