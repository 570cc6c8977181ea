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
//! `default = expr` applies at any depth (in a nested object, and in each element of a
//! nested list or map):
//!
//! ```
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Retention {
//!     /// Planned as "DAYS" when the configuration leaves it out.
//!     #[tf(optional, computed, default = "DAYS")]
//!     unit: Field<String>,
//!     #[tf(required)]
//!     days: Field<i64>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Backups {
//!     #[tf(optional, nested)]
//!     retention: Field<Retention>,
//! }
//! let unit = &Retention::rules()[0];
//! assert_eq!(unit.default.map(|d| d()), Some(tfplugin::value::Value::string("DAYS")));
//! assert!(Backups::rules()[0].nested.is_some(), "the plan goes into `retention`");
//! ```
//!
//! The other plan rules apply to top-level attributes only: a model with one
//! (`requires_replace`, `keep`, `same`, `timeouts`, `copy_of`) on a field does not compile as
//! a nested model, rather than have the rule ignored:
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
//! The same holds for a block's model:
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
//!     #[tf(optional, block)]
//!     policy: Field<Policy>,
//! }
//! ```
//!
//! A `#[tf(block)]` field is a single nested block (`assume_role { ... }` in HCL, as the AWS
//! provider writes it), where `#[tf(nested)]` is a nested attribute (`assume_role = { ... }`).
//! Its value is the same (the object, or null when the block is left out), so the
//! `Field<M>` reads and writes it alike; it plans as a configurable nested attribute does,
//! with the defaults of its model. `optional` or `required` (exactly one block); its model
//! may have nested attributes and blocks of its own:
//!
//! ```
//! # use tfplugin::{Field, Model};
//! # use tfplugin::schema::BlockNesting;
//! #[derive(Clone, Debug, Default, Model)]
//! struct AssumeRole {
//!     /// The role's ARN.
//!     #[tf(required)]
//!     role_arn: Field<String>,
//!     /// `1h` when left out.
//!     #[tf(optional, computed, default = "1h")]
//!     duration: Field<String>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Config {
//!     /// The role to assume: `assume_role { role_arn = "..." }`.
//!     #[tf(optional, block)]
//!     assume_role: Field<AssumeRole>,
//! }
//! let block = Config::block();
//! assert!(block.attributes.is_empty());
//! assert_eq!(block.blocks[0].type_name, "assume_role");
//! assert_eq!(block.blocks[0].nesting, BlockNesting::Single);
//! assert_eq!(block.blocks[0].block.description, "The role to assume: `assume_role { role_arn = \"...\" }`.");
//! ```
//!
//! A model with a block cannot be a nested attribute (Terraform's nested attributes hold
//! attributes only):
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Inner {
//!     #[tf(optional)]
//!     name: Field<String>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Middle {
//!     #[tf(optional, block)]
//!     inner: Field<Inner>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Outer {
//!     #[tf(optional, nested)]
//!     middle: Field<Middle>,
//! }
//! ```
//!
//! A `Field<Vec<M>>` block is a list of blocks (`rule { ... }` any number of times, in
//! order; none is an empty list), always `optional`:
//!
//! ```
//! # use tfplugin::{Field, Model};
//! # use tfplugin::schema::BlockNesting;
//! #[derive(Clone, Debug, Default, Model)]
//! struct Rule {
//!     #[tf(required)]
//!     name: Field<String>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Firewall {
//!     /// Applied in order.
//!     #[tf(optional, block)]
//!     rule: Field<Vec<Rule>>,
//! }
//! let block = Firewall::block();
//! assert_eq!(block.blocks[0].nesting, BlockNesting::List);
//! assert_eq!((block.blocks[0].min_items, block.blocks[0].max_items), (0, 0));
//! // Terraform takes no null list of blocks: a model left at its default writes none as `[]`.
//! use tfplugin::value::{TfType, Value};
//! let value = Firewall::default().into_value();
//! assert_eq!(value.get("rule"), Some(&Value::List(Vec::new())));
//! ```
//!
//! and a block is no map of models:
//!
//! ```compile_fail
//! # use tfplugin::{Field, Model};
//! #[derive(Clone, Debug, Default, Model)]
//! struct Rule {
//!     #[tf(required)]
//!     name: Field<String>,
//! }
//! #[derive(Clone, Debug, Default, Model)]
//! struct Firewall {
//!     #[tf(optional, block)]
//!     rule: Field<std::collections::BTreeMap<String, Rule>>,
//! }
//! ```
//!
//! Knows schemas and values; knows nothing of gRPC or of any provider.

use crate::schema::{Attribute, Block, NestedBlock};
use crate::value::{TfType, Value};

/// A struct of attributes and nested blocks: the schema it declares, and how the plan treats
/// each of them. Its Terraform type (an object of the attributes and blocks) and reading and
/// writing its values come from [`TfType`].
pub trait Model: TfType {
    /// Why this model cannot be nested in another: a field with a plan rule that applies to
    /// top-level attributes only (`requires_replace`, `keep`, `same`, `timeouts`,
    /// `copy_of`; not `default`, which applies at any depth), which the plan would ignore
    /// there. The derive makes nesting such a model (as a `nested` attribute or a `block`) a
    /// compile error with this text. `None`: it nests.
    const TOP_LEVEL_ONLY: Option<&'static str> = None;
    /// Why this model cannot be a nested attribute (`#[tf(nested)]`): it has a block, and
    /// Terraform's nested attributes hold attributes only. The derive makes nesting it as an
    /// attribute a compile error with this text (it still nests as a `block`). `None`: it
    /// has no block.
    const HAS_BLOCKS: Option<&'static str> = None;
    /// The attributes, in the order of the struct's fields (blocks left out).
    fn attributes() -> Vec<Attribute>;
    /// The nested blocks (`#[tf(block)]` fields), in the order of the struct's fields.
    fn blocks() -> Vec<NestedBlock> {
        Vec::new()
    }
    /// How planning treats each field (attribute or block), in the order of the struct's
    /// fields.
    fn rules() -> Vec<AttributeRules>;
    /// The whole block this model declares: its attributes and nested blocks, no
    /// description. What a resource's, data source's or provider's schema holds, and what a
    /// `#[tf(block)]` field nests.
    fn block() -> Block {
        Block {
            attributes: Self::attributes(),
            blocks: Self::blocks(),
            ..Block::default()
        }
    }
}

/// Semantic equality of two values of one attribute: true when a change between them is no
/// change (e.g. two PEM texts of the same certificate).
pub type SameFn = fn(&Value, &Value) -> bool;

/// How planning treats one attribute (or nested block: configurable, never computed).
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
    /// The value planned when the configuration leaves the attribute null (an optional and
    /// computed attribute), so it is never unknown for want of a value. Applies at any
    /// depth.
    pub default: Option<fn() -> Value>,
    /// A computed value that is always another top-level attribute's planned value (an `id`
    /// that is the `cluster_id`): planned as that value wherever it would be unknown.
    pub copy_of: Option<&'static str>,
    /// A nested attribute's or block's own fields (of the object, or of each element of a
    /// list or map of them): only their `default`s apply there.
    pub nested: Option<fn() -> Vec<AttributeRules>>,
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
