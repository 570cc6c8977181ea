//! What reading either wire form (msgpack, JSON) into a value of a type shares: the elements
//! of lists, sets and tuples with their paths, objects with every attribute of their type,
//! and the refusal of an attribute the type lacks.
//!
//! It stands on cty types and values, the value error and paths; it knows neither wire form
//! (each hands it its own raw items and a function that reads one of them).

use std::collections::BTreeMap;

use super::cty::{Type, Value};
use super::error::ValueError;
use crate::path::{AttributePath, PathStep};

/// Reads the raw `items` of a list, set or tuple as a value of `ty`, each element with its
/// position on the path; `read` reads one raw item as a value of the element's type.
pub(super) fn sequence<R>(
    items: &[R],
    ty: &Type,
    path: &mut AttributePath,
    mut read: impl FnMut(&R, &Type, &mut AttributePath) -> Result<Value, ValueError>,
) -> Result<Value, ValueError> {
    let mut element = |i: usize, item: &R, et: &Type, path: &mut AttributePath| {
        path.with_step(PathStep::element(i), |p| read(item, et, p))
    };
    match ty {
        Type::List(et) | Type::Set(et) => {
            let elems = items
                .iter()
                .enumerate()
                .map(|(i, item)| element(i, item, et, path))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(elems)
            } else {
                Value::Set(elems)
            })
        }
        Type::Tuple(ets) => {
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
                .map(|(i, (item, et))| element(i, item, et, path))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(elems))
        }
        other => Err(ValueError::decode(
            path,
            format!("A {other} is not a list, set or tuple."),
        )),
    }
}

/// An object with every attribute of its type: the ones absent from `out` are null (how
/// both wire forms read an object that leaves attributes out).
pub(super) fn object_with_nulls(
    mut out: BTreeMap<String, Value>,
    ats: &BTreeMap<String, Type>,
) -> Value {
    for name in ats.keys() {
        out.entry(name.clone()).or_insert(Value::Null);
    }
    Value::Object(out)
}

/// A decoded object names an attribute its type lacks.
pub(super) fn attribute_not_in_type(path: &AttributePath, name: &str) -> ValueError {
    ValueError::decode(
        path,
        format!("The object has an attribute {name:?} that the type does not have."),
    )
}
