//! Write-only attributes in values: whether a block has any, nulling them at any depth,
//! and finding the configured ones (to refuse them on a Terraform that would store them).
//!
//! Knows the schema data and values; must not know the wire, the typed layer, or any
//! provider's domain.

use super::{Attribute, Block, NestedBlock};
use crate::path::AttributePath;
use crate::value::Value;

impl Block {
    /// True when an attribute anywhere in this block (in nested attributes and nested
    /// blocks too) is write-only.
    pub fn has_write_only(&self) -> bool {
        fn any(attributes: &[Attribute]) -> bool {
            attributes
                .iter()
                .any(|a| a.write_only || a.nested_attributes().is_some_and(any))
        }
        any(&self.attributes) || self.blocks.iter().any(|b| b.block.has_write_only())
    }

    /// `value` (an object of this block) with every write-only attribute null, at any
    /// depth: what Terraform must get back in every planned, new, read and imported state.
    /// What is unknown stays unknown (nothing inside it is known yet).
    pub fn null_write_only(&self, mut value: Value) -> Value {
        null_write_only_in(&self.attributes, &self.blocks, &mut value);
        value
    }

    /// Where `value` (an object of this block, e.g. a configuration) holds a write-only
    /// attribute that is not null (known or unknown), in schema order, with element keys:
    /// the values an older Terraform would store, to be refused at their paths. An unknown
    /// object or collection holding write-only attributes is not reported (nothing inside
    /// it is known); elements of sets are not looked into ([`Schema::check`] refuses
    /// write-only attributes there).
    pub fn write_only_values(&self, value: &Value) -> Vec<AttributePath> {
        let mut found = Vec::new();
        write_only_values_in(
            &self.attributes,
            &self.blocks,
            value,
            &AttributePath::root(),
            &mut found,
        );
        found
    }
}

fn null_write_only_in(attributes: &[Attribute], blocks: &[NestedBlock], value: &mut Value) {
    let map = match value {
        Value::Object(map) => map,
        Value::Dynamic(_, inner) => return null_write_only_in(attributes, blocks, inner),
        _ => return,
    };
    for a in attributes {
        let Some(v) = map.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *v = Value::Null;
        } else if let Some(nested) = a.nested_attributes() {
            for_each_object_mut(v, &mut |o| null_write_only_in(nested, &[], o));
        }
    }
    for b in blocks {
        if let Some(v) = map.get_mut(&b.type_name) {
            for_each_object_mut(v, &mut |o| {
                null_write_only_in(&b.block.attributes, &b.block.blocks, o)
            });
        }
    }
}

/// Calls `f` on the object `value` is, or on each object element of the list, set or map.
fn for_each_object_mut(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Object(_) => f(value),
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(f),
        Value::Map(items) => items.values_mut().for_each(f),
        Value::Dynamic(_, inner) => for_each_object_mut(inner, f),
        _ => {}
    }
}

fn write_only_values_in(
    attributes: &[Attribute],
    blocks: &[NestedBlock],
    value: &Value,
    path: &AttributePath,
    found: &mut Vec<AttributePath>,
) {
    let Value::Object(map) = value.peel() else {
        return;
    };
    for a in attributes {
        let Some(v) = map.get(&a.name) else {
            continue;
        };
        let p = path.clone().then_attr(&a.name);
        if a.write_only {
            if !v.is_null() {
                found.push(p);
            }
        } else if let Some(nested) = a.nested_attributes() {
            for_each_object(v, &p, &mut |o, op| {
                write_only_values_in(nested, &[], o, op, found)
            });
        }
    }
    for b in blocks {
        if let Some(v) = map.get(&b.type_name) {
            let p = path.clone().then_attr(&b.type_name);
            for_each_object(v, &p, &mut |o, op| {
                write_only_values_in(&b.block.attributes, &b.block.blocks, o, op, found)
            });
        }
    }
}

/// Calls `f` on the object `value` is, or on each object element of the list or map, with
/// its path (sets are skipped: their elements have no path of their own here).
fn for_each_object(value: &Value, path: &AttributePath, f: &mut dyn FnMut(&Value, &AttributePath)) {
    match value.peel() {
        o @ Value::Object(_) => f(o, path),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                f(
                    item,
                    &path.clone().index(i64::try_from(i).unwrap_or(i64::MAX)),
                );
            }
        }
        Value::Map(items) => {
            for (k, item) in items {
                f(item, &path.clone().key(k.clone()));
            }
        }
        _ => {}
    }
}
