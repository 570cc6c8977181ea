//! terraform-provider-cloudhsm: a Terraform plugin-protocol-6 provider that initializes and
//! configures AWS CloudHSM v2 clusters. See ARCHITECTURE.md for the layers.

pub mod aws_diagnostics;
pub mod backup_ref;
pub mod backup_resource;
pub mod certs;
pub mod clock;
pub mod cloudhsm;
pub mod cluster_id;
pub mod cluster_ref;
pub mod context;
pub mod data_sources;
pub mod dates;
#[cfg(test)]
mod docs;
pub mod provider;
pub mod region;
pub mod resources;
pub mod retention;
pub mod signing;
pub mod stop;
pub mod tag_policy;
#[cfg(test)]
pub(crate) mod test_support;
