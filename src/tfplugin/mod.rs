//! The Terraform plugin protocol layer: handshake, gRPC dispatch, values, schema and
//! diagnostics. It knows Terraform and nothing of AWS or CloudHSM.

pub mod convert;
pub mod diagnostics;
pub mod grpc;
pub mod handshake;
pub mod interface;
pub mod logging;
pub mod proto;
pub mod schema;
pub mod serve;
pub mod tls;
pub mod value;
