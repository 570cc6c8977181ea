//! Registry-layout documentation generated from schemas, for any provider built on this
//! crate.
//!
//! A provider's pages under `docs/` are hand-written prose with generated regions between
//! markers:
//!
//! ```text
//! <!-- description:begin -->  … the schema's own description …   <!-- description:end -->
//! <!-- schema:begin -->       … Argument / Attribute Reference …   <!-- schema:end -->
//! <!-- file:begin examples/resources/x/resource.tf -->  … the file, fenced …  <!-- file:end -->
//! ```
//!
//! [`render_schema`] turns any [`Schema`](crate::schema::Schema) into stable markdown:
//! attributes sorted by name, grouped as Required / Optional / Read-Only, each nested
//! attribute (or block) listed under its own heading, write-only, sensitive and deprecated
//! ones marked. [`render_page`] fills a page's regions from a [`Page`] (its path, type name
//! and schema); [`sync`] checks (or rewrites) a provider's pages at once, typically from a
//! test of the provider's, which also says which pages it has. [`undocumented`] finds what
//! has no description.
//!
//! The parts: `schema` (schema → markdown), `page` (regions, pages, sync), their tests in
//! `tests.rs`. Knows schemas only; never gRPC, values on the wire, or any provider's domain.

mod page;
mod schema;

pub use page::{render_page, sync, DocsError, Outcome, Page};
pub use schema::{render_schema, undocumented};

#[cfg(test)]
mod tests;
