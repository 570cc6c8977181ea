//! The Terraform plugin protocol layer: handshake, gRPC dispatch, values, schema and
//! diagnostics. It knows Terraform and nothing of any provider's domain.
//!
//! A provider declares each resource's attributes once, as a struct with `#[derive(Model)]`
//! (see [`model`]), implements [`TypedResource`] (or [`TypedDataSource`]) on it, lists the
//! resources in its [`interface::Provider`] through [`serve_resource`] (or
//! [`serve_data_source`]), and hands the provider to [`serve::serve`] in `main`, together
//! with its [`PluginIdentity`]. [`logging::init`] sends `tracing` events to Terraform's log.
//! `examples/hello.rs` is a whole provider in a page.

#![warn(missing_docs)]

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
pub mod resource;
pub mod schema;
pub mod serve;
pub mod timeouts;
mod tls;
pub mod value;

pub use data_source::{serve_data_source, TypedDataSource};
pub use identity::PluginIdentity;
pub use model::Model;
pub use resource::{serve_resource, Apply, Failure, Plan, TypedResource};
pub use tfplugin_derive::Model;
pub use timeouts::Timeouts;
pub use value::Field;
