//! Objects attribute by attribute: [`ObjectReader`] (attributes read with their paths in
//! every error) and [`ObjectBuilder`], on the Rust ↔ Terraform type mapping ([`TfType`]).
//!
//! The top of `value/`: it stands on cty values, the type mapping, the value error and
//! paths, and knows no wire form (msgpack, JSON), no schema and nothing of any provider's
//! domain.

use std::collections::BTreeMap;

use super::cty::{Value, NULL};
use super::error::ValueError;
use super::tf_type::{known, TfType};
use crate::path::AttributePath;

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
    pub fn get<T: TfType>(&self, name: &str) -> Result<T, ValueError> {
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
    pub fn set(mut self, name: impl Into<String>, value: impl TfType) -> Self {
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
    use crate::value::{Field, Number};

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
            .set("cluster_id", Value::string("cluster-1"))
            .set("days", 7i64)
            .set("flag", true)
            .set("maybe", Option::<String>::None)
            .set("later", Field::<String>::Unknown)
            .set("list", vec!["a".to_string(), "b".to_string()])
            .set(
                "nested",
                ObjectBuilder::new().set("x", Value::string("y")).build(),
            )
            .set(
                "tags",
                BTreeMap::from([("k".to_string(), Value::string("v"))]),
            )
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
