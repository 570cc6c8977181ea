//! Typed models: a Rust struct that declares a Terraform schema and carries its values.
//! `#[derive(Model)]` (from `tfplugin-derive`, re-exported as [`crate::Model`]) writes the
//! impls; this module holds the traits and the plan rules the derive records per attribute.
//!
//! A write-only attribute (`#[tf(optional, write_only)]`, Terraform 1.11 and later) is read
//! from the configuration (`validate`'s model, `Plan::config`, `ChangeRequest::config`); the adapter
//! answers it null in every plan and state:
//!
//! ```
//! use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Login {
//!     /// Kept out of plans and state.
//!     #[tf(optional, sensitive, write_only)]
//!     password_wo: Field<String>,
//!     /// Bump it to send the password again.
//!     #[tf(optional)]
//!     password_wo_version: Field<i64>,
//! }
//! assert!(Login::attributes()[0].write_only);
//! ```
//!
//! What Terraform refuses for write-only attributes does not compile: `computed` (and so
//! `keep`),
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Login {
//!     #[tf(optional, computed, write_only)]
//!     password_wo: Field<String>,
//! }
//! ```
//!
//! `requires_replace` (the prior value is always null: put it on the `_version` attribute),
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Login {
//!     #[tf(optional, write_only, requires_replace)]
//!     password_wo: Field<String>,
//! }
//! ```
//!
//! and semantic equality (there is no prior value to compare with).
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! fn same(a: &String, b: &String) -> bool { a.trim() == b.trim() }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Login {
//!     #[tf(optional, write_only, same = same)]
//!     password_wo: Field<String>,
//! }
//! ```
//!
//! Plan rules apply to top-level attributes only: a model with one (`requires_replace`,
//! `keep`, `same`, `timeouts`) on a field does not compile as a nested model, rather than
//! have the rule ignored:
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Policy {
//!     #[tf(required, requires_replace)]
//!     days: Field<i64>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Cluster {
//!     #[tf(optional, nested)]
//!     policy: Field<Policy>,
//! }
//! ```
//!
//! Knows schemas and values; knows nothing of gRPC or of any provider.

use std::collections::BTreeMap;

use crate::schema::Attribute;
use crate::value::{FromValue, IntoValue, Number, Type, Value};

/// A struct of attributes: the schema it declares, and how the plan treats each attribute.
/// Reading and writing values come from [`FromValue`] and [`IntoValue`].
pub trait Model: FromValue + IntoValue + Sized {
    /// Why this model cannot be nested in another: a field with a plan rule that applies to
    /// top-level attributes only (`requires_replace`, `keep`, `same`, `timeouts`), which
    /// the plan would ignore there. The derive makes nesting such a model a compile error
    /// with this text. `None`: it nests.
    const TOP_LEVEL_ONLY: Option<&'static str> = None;
    /// The attributes, in the order of the struct's fields.
    fn attributes() -> Vec<Attribute>;
    /// How planning treats each attribute, in the same order.
    fn rules() -> Vec<AttributeRules>;
}

/// Semantic equality of two values of one attribute: true when a change between them is no
/// change (e.g. two PEM texts of the same certificate).
pub type SameFn = fn(&Value, &Value) -> bool;

/// How planning treats one attribute.
#[derive(Clone, Copy, Debug)]
pub struct AttributeRules {
    /// The attribute's name.
    pub name: &'static str,
    /// The provider may set it (computed, or optional and computed).
    pub computed: bool,
    /// The configuration may set it (required or optional).
    pub configurable: bool,
    /// A computed value that stays as it was across an update (an id, say); otherwise a
    /// computed value the configuration does not set is unknown in a plan that changes
    /// anything.
    pub keep_on_update: bool,
    /// A new value means a new object (Terraform replaces it).
    pub requires_replace: bool,
    /// Semantic equality: when the new value is the same as the prior one, the prior one
    /// is kept and no change is planned.
    pub same: Option<SameFn>,
    /// For the `timeouts` attribute: the operations and their default durations.
    pub timeouts: Option<&'static [(&'static str, &'static str)]>,
    /// Write-only: the value is in the configuration only, null in every plan and state
    /// (so a configured value is never a change).
    pub write_only: bool,
}

/// A Rust type that maps to a Terraform value type: the schema side of the mapping, whose
/// value side is [`FromValue`] and [`IntoValue`].
///
/// Not (yet) one trait with those two: they live in `value/` (typed access, below schemas,
/// also implemented for types that are no attribute type: `Value`, `&str`, `Option<T>`,
/// `Field<T>`), while this one is the derive's, for attribute types only; merging them
/// moves `value/typed.rs`, which is being reworked on its own (refinements, wire splits).
/// The derive asks for all three on each field type, so a missing one is a compile error
/// either way.
pub trait ValueType {
    /// The Terraform type.
    fn value_type() -> Type;
}

impl ValueType for String {
    fn value_type() -> Type {
        Type::String
    }
}

impl ValueType for bool {
    fn value_type() -> Type {
        Type::Bool
    }
}

impl ValueType for Number {
    fn value_type() -> Type {
        Type::Number
    }
}

impl ValueType for f64 {
    fn value_type() -> Type {
        Type::Number
    }
}

/// Whole numbers: a Terraform number; reading one that is not whole, or out of the type's
/// range, is an error on the attribute.
macro_rules! whole_number_value_type {
    ($($t:ty),*) => {$(
        impl ValueType for $t {
            fn value_type() -> Type {
                Type::Number
            }
        }
    )*};
}
whole_number_value_type!(i64, i32, u32, u64);

impl<T: ValueType> ValueType for Vec<T> {
    fn value_type() -> Type {
        Type::list(T::value_type())
    }
}

impl<T: ValueType> ValueType for BTreeMap<String, T> {
    fn value_type() -> Type {
        Type::map(T::value_type())
    }
}

/// Reads a model from a value (an object, or null for an absent resource).
pub fn decode<M: Model>(value: &Value) -> Result<Option<M>, crate::value::ValueError> {
    if value.is_null() {
        return Ok(None);
    }
    M::from_value(value, &crate::diagnostics::AttributePath::root()).map(Some)
}

/// [`decode`] for the adapters: the value as a model, or an error diagnostic saying what did
/// not fit.
pub(crate) fn model_of<M: Model>(
    value: &Value,
) -> Result<Option<M>, crate::diagnostics::Diagnostics> {
    decode::<M>(value).map_err(|e| crate::diagnostics::Diagnostic::from(e).into())
}
