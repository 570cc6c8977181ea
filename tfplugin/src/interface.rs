//! The interface a provider implements so that the protocol layer can serve it: a provider,
//! its resources and its data sources, in terms of our own [`Value`], [`Schema`] and
//! [`Diagnostics`].
//!
//! Nothing here mentions gRPC, protobuf or msgpack (the server translates), and nothing
//! mentions any provider's domain (the provider code implements these traits).
//!
//! Private data (`*private` below) is opaque bytes a resource keeps beside an object's state:
//! Terraform stores them and hands them back with the next plan, apply or read of it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::diagnostics::Diagnostics;
use crate::path::AttributePath;
use crate::schema::Schema;
use crate::value::{Type, Value};

/// The provider itself: its configuration and the resources and data sources it serves.
/// Most providers implement [`TypedProvider`](crate::provider::TypedProvider) instead (the
/// `provider` block as a model), which implements this.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, the prefix of its resource type names (e.g. `example`).
    fn type_name(&self) -> &'static str;
    /// The schema of the `provider` block.
    fn schema(&self) -> Schema;
    /// The managed resources.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    /// The data sources; none by default.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    /// Checks the `provider` block (values may be unknown here); nothing by default.
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Configures the provider once Terraform knows the `provider` block's values (some
    /// may still be unknown during plan); nothing by default.
    async fn configure(&self, _config: &Value, _terraform_version: &str) -> Diagnostics {
        Diagnostics::new()
    }
    /// `StopProvider`: end every operation in flight as soon as possible; nothing to end by
    /// default.
    fn stop(&self) {}
}

/// A managed resource, in raw values. Most resources implement
/// [`TypedResource`](crate::resource::TypedResource) instead and are served through
/// [`adapt_resource`](crate::resource::adapt_resource), which implements this.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Full type name, e.g. `example_greeting`.
    fn type_name(&self) -> &'static str;
    /// The resource's schema; asked once, when the server starts.
    fn schema(&self) -> Schema;
    /// Static checks of the configuration, before any plan (values may be unknown).
    /// `client` is what Terraform announced it can handle (`ValidateResourceConfig`'s
    /// client capabilities): without `write_only_attributes_allowed`, a write-only value in
    /// `config` must be refused, since that Terraform would store it.
    async fn validate(&self, config: &Value, client: ClientCapabilities) -> Diagnostics;
    /// Plans a create, an update or a destroy (`PlanResourceChange`). Every write-only
    /// attribute must be null in the planned state (and in every state answered by apply,
    /// read and import): [`Block::null_write_only`](crate::schema::Block::null_write_only)
    /// does it. The typed adapter does it all.
    async fn plan(&self, request: PlanRequest) -> PlanResponse;
    /// Carries out a planned create, update or destroy (`ApplyResourceChange`).
    async fn apply(&self, request: ApplyRequest) -> ApplyResponse;
    /// Refreshes the state from the real object (`ReadResource`).
    async fn read(&self, request: ReadRequest) -> ReadResponse;
    /// The state for an import id (`ImportResourceState`).
    async fn import(&self, id: &str) -> ImportResponse;
    /// The type of stored states of schema version `from_version` (older than the
    /// schema's), when it is not the current schema's: the server then reads such a state
    /// with it before [`Resource::upgrade_state`]. `None` (the default): read with the
    /// current schema.
    fn prior_state_type(&self, _from_version: i64) -> Option<Type> {
        None
    }
    /// Brings a stored state written with schema version `from_version` (older than the
    /// schema's) to the current schema. `state` has been read against
    /// [`Resource::prior_state_type`], or else the current schema (attributes it no longer
    /// has are dropped, missing ones are null). By default the state is kept as it is.
    fn upgrade_state(&self, _from_version: i64, state: Value) -> Result<Value, Diagnostics> {
        Ok(state)
    }
}

/// A data source, in raw values. Most data sources implement
/// [`TypedDataSource`](crate::data_source::TypedDataSource) instead and are served through
/// [`adapt_data_source`](crate::data_source::adapt_data_source), which implements this.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// Full type name, e.g. `example_greeting`.
    fn type_name(&self) -> &'static str;
    /// The data source's schema; asked once, when the server starts.
    fn schema(&self) -> Schema;
    /// Static checks of the configuration (values may be unknown).
    async fn validate(&self, config: &Value) -> Diagnostics;
    /// Reads the data source for its configuration (`ReadDataSource`).
    async fn read(&self, config: &Value) -> DataSourceReadResponse;
}

/// What Terraform announces it can handle, in a request's `client_capabilities`. The
/// default (all false) is what a Terraform that sends none announces: Terraform before
/// 1.11 for write-only attributes, Terraform 1.0 for anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// Terraform keeps write-only attributes out of plans and state (1.11 and later, in
    /// `ValidateResourceConfig` and `PlanResourceChange`). Without it the schema's
    /// `write_only` flag is ignored and a configured value would be stored like any other.
    pub write_only_attributes_allowed: bool,
    /// Terraform can take a deferred answer (this crate defers nothing).
    pub deferral_allowed: bool,
}

impl ClientCapabilities {
    /// What Terraform 1.11 and later announce to a resource's validate and plan (write-only
    /// attributes allowed), for tests that drive a resource as such a Terraform does.
    pub fn with_write_only() -> Self {
        ClientCapabilities {
            write_only_attributes_allowed: true,
            deferral_allowed: false,
        }
    }
}

/// What [`Resource::plan`] gets.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// Null when the resource is being created.
    pub prior_state: Value,
    /// Terraform's proposal: the configuration merged with the prior state. Null when the
    /// resource is being destroyed.
    pub proposed_new_state: Value,
    /// The configuration (values may be unknown).
    pub config: Value,
    /// The private data stored with the prior state.
    pub prior_private: Vec<u8>,
    /// What Terraform announced it can handle (`PlanResourceChange`'s client capabilities).
    pub client_capabilities: ClientCapabilities,
}

/// What [`Resource::plan`] answers.
#[derive(Clone, Debug, Default)]
pub struct PlanResponse {
    /// The state the apply is to produce, with unknown values where only the apply will
    /// tell; null for a destroy.
    pub planned_state: Value,
    /// Attributes whose change needs a new object; a non-empty list plans a replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Private data handed to the apply of this plan.
    pub planned_private: Vec<u8>,
    /// Problems and notes for the user; an error fails the plan.
    pub diagnostics: Diagnostics,
}

/// What [`Resource::apply`] gets.
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    /// Null when the resource is being created.
    pub prior_state: Value,
    /// The state the plan promised. Null when the resource is being destroyed.
    pub planned_state: Value,
    /// The configuration (every value known), write-only values included: the only place
    /// an apply sees them. (`ApplyResourceChange` carries no client capabilities: the plan
    /// refused what this Terraform could not keep out of state.)
    pub config: Value,
    /// The plan's private data ([`PlanResponse::planned_private`]).
    pub planned_private: Vec<u8>,
}

/// What [`Resource::apply`] answers.
#[derive(Clone, Debug, Default)]
pub struct ApplyResponse {
    /// The object as it now is, also after a failure. Null when the resource is gone (after
    /// a destroy).
    pub new_state: Value,
    /// Private data to store with the new state.
    pub private: Vec<u8>,
    /// Problems and notes for the user; an error fails the apply.
    pub diagnostics: Diagnostics,
}

/// What [`Resource::read`] gets.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    /// The state as Terraform holds it.
    pub current_state: Value,
    /// The private data stored with it.
    pub private: Vec<u8>,
}

/// What [`Resource::read`] answers.
#[derive(Clone, Debug, Default)]
pub struct ReadResponse {
    /// Null when the remote object is gone: Terraform then plans to create it.
    pub new_state: Value,
    /// Private data to store with the refreshed state.
    pub private: Vec<u8>,
    /// Problems and notes for the user; an error fails the refresh.
    pub diagnostics: Diagnostics,
}

/// What [`Resource::import`] answers.
#[derive(Clone, Debug, Default)]
pub struct ImportResponse {
    /// The imported state objects (usually one); Terraform reads each afterwards.
    pub states: Vec<Value>,
    /// Problems and notes for the user; an error fails the import.
    pub diagnostics: Diagnostics,
}

/// What [`DataSource::read`] answers.
#[derive(Clone, Debug, Default)]
pub struct DataSourceReadResponse {
    /// The data source's values: its configuration with the computed attributes filled in.
    /// Not sent when the diagnostics hold an error.
    pub state: Value,
    /// Problems and notes for the user; an error fails the read.
    pub diagnostics: Diagnostics,
}
