//! The tfplugin6 `Provider` gRPC service: decodes each request into our own types, calls
//! the [`Provider`](crate::interface::Provider), [`Resource`](crate::interface::Resource) or
//! [`DataSource`](crate::interface::DataSource) it is for, and encodes the answer.
//!
//! Every RPC of protocol 6.10 is answered, so that no Terraform version finds a method
//! missing: features we do not offer (functions, ephemeral resources, list resources, state
//! stores, actions, moves) answer an error diagnostic that names the feature. A panic in
//! provider code is caught per request and becomes an error diagnostic; every call is
//! logged at debug level with its duration. This layer has no opinion about any provider's domain.
//!
//! The parts, from the bottom up: `reply` (how every RPC answers: guarded, logged,
//! diagnostics); `service` ([`ProviderService`] and its lookups); `schemas` (made and checked
//! once; GetProviderSchema, GetMetadata); `provider`, `resources`, `upgrade`, `data_sources`
//! (the offered RPCs); `not_offered` (every other RPC, and the macro that makes the service
//! trait's impl). This file lists the offered RPCs, each with the part that answers it.

mod data_sources;
mod not_offered;
mod provider;
mod reply;
mod resources;
mod schemas;
mod service;
#[cfg(test)]
mod tests;
mod upgrade;

pub use service::ProviderService;

not_offered::provider_service! {
    schemas::get_metadata,
    schemas::get_provider_schema,
    provider::validate_provider_config,
    provider::configure_provider,
    provider::stop_provider,
    resources::validate_resource_config,
    resources::read_resource,
    resources::plan_resource_change,
    resources::apply_resource_change,
    resources::import_resource_state,
    upgrade::upgrade_resource_state,
    data_sources::validate_data_resource_config,
    data_sources::read_data_source,
}
