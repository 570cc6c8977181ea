//! The Terraform plugin protocol layer: handshake, gRPC dispatch, values, schema and
//! diagnostics. It knows Terraform and nothing of any provider's domain.

pub mod convert;
pub mod diagnostics;
pub mod grpc;
pub mod handshake;
pub mod identity;
pub mod interface;
pub mod logging;
pub mod path;
pub mod proto;
pub mod schema;
pub mod serve;
pub mod tls;
pub mod value;

pub use identity::PluginIdentity;
