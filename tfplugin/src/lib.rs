//! The Terraform plugin protocol layer: handshake, gRPC dispatch, values, schema and
//! diagnostics. It knows Terraform and nothing of any provider's domain.
//!
//! A provider declares each resource's attributes once, as a struct with `#[derive(Model)]`
//! (see [`model`]), implements [`TypedResource`] (or [`TypedDataSource`]) on it, declares
//! its `provider` block the same way and implements [`TypedProvider`] on it, lists the
//! resources through [`adapt_resource`] (or [`adapt_data_source`]), and hands the provider
//! to [`serve::serve`] in `main`, together with its [`PluginIdentity`]. [`logging::init`]
//! sends `tracing` events to Terraform's log. `examples/hello.rs` is a whole provider in a
//! page. The trait impls take [`macro@async_trait`], re-exported here
//! (`#[tfplugin::async_trait]`): no dependency of its own needed.

#![warn(missing_docs)]

// The derive names `::tfplugin`; the crate's own tests derive models too.
#[cfg(test)]
extern crate self as tfplugin;

mod convert;
pub mod data_source;
pub mod diagnostics;
pub mod docs;
pub mod duration;
mod grpc;
pub mod handshake;
pub mod identity;
pub mod interface;
pub mod logging;
pub mod model;
pub mod path;
pub mod plan_rules;
pub mod proto;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod serve;
pub mod timeouts;
mod tls;
pub mod value;

pub use async_trait::async_trait;
pub use data_source::{adapt_data_source, TypedDataSource};
pub use identity::PluginIdentity;
pub use model::Model;
pub use provider::{ConfigureRequest, TypedProvider};
pub use resource::{
    adapt_resource, ChangeRequest, Deletion, Failure, Plan, Success, TypedResource, Upgrader,
    NO_TIMEOUT,
};
pub use tfplugin_derive::Model;
pub use timeouts::Timeouts;
pub use value::Field;
