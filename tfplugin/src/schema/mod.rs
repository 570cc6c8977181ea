//! The schema model of providers, resources and data sources: blocks, attributes (typed or
//! nested), nested blocks, and the cty type of the values they describe. Resource code
//! builds schemas with the builders here; the dispatch layer translates them to the wire.
//!
//! - `types`: the data ([`Schema`], [`Block`], [`NestedBlock`], [`Attribute`]), value
//!   types, lookup by path;
//! - `builders`: the [`Attribute`] constructors and flags, [`markdown_to_plain`];
//! - `write_only`: write-only attributes in values (nulled, found);
//! - `check`: Terraform's rules ([`Schema::check`], [`SchemaError`]).
//!
//! This module must not know protobuf or gRPC types and knows nothing of any provider's
//! domain. Descriptions are Markdown (the protocol sends them marked as such).

mod builders;
mod check;
#[cfg(test)]
mod tests;
mod types;
mod write_only;

pub use builders::markdown_to_plain;
pub use check::SchemaError;
pub use types::{Attribute, AttributeKind, Block, BlockNesting, NestedBlock, Nesting, Schema};
