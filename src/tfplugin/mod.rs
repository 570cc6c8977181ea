//! The Terraform plugin protocol layer: handshake, gRPC dispatch, values, schema and
//! diagnostics. It knows Terraform and nothing of AWS or CloudHSM.

pub mod diagnostics;
pub mod handshake;
pub mod logging;
pub mod proto;
pub mod schema;
pub mod tls;
pub mod value;
