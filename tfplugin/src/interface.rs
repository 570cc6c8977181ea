//! The interface a provider implements so that the protocol layer can serve it: a provider,
//! its resources and its data sources, in terms of our own [`Value`], [`Schema`] and
//! [`Diagnostics`].
//!
//! Nothing here mentions gRPC, protobuf or msgpack (the server translates), and nothing
//! mentions AWS (the provider code implements these traits).

use std::sync::Arc;

use async_trait::async_trait;

use crate::diagnostics::Diagnostics;
use crate::path::AttributePath;
use crate::schema::Schema;
use crate::value::Value;

/// The provider itself: its configuration and the resources and data sources it serves.
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

/// A managed resource: one file in `src/resources/` implements this.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Full type name, e.g. `example_greeting`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Static checks of the configuration, before any plan (values may be unknown).
    async fn validate(&self, config: &Value) -> Diagnostics;
    async fn plan(&self, request: PlanRequest) -> PlanResponse;
    async fn apply(&self, request: ApplyRequest) -> ApplyResponse;
    async fn read(&self, request: ReadRequest) -> ReadResponse;
    async fn import(&self, id: &str) -> ImportResponse;
    /// Brings a stored state written with schema version `from_version` (older than the
    /// schema's) to the current schema. `state` has been read against the current schema
    /// already (attributes it no longer has are dropped, missing ones are null). By default
    /// the state is kept as it is.
    fn upgrade_state(&self, _from_version: i64, state: Value) -> Result<Value, Diagnostics> {
        Ok(state)
    }
}

/// A data source: one file in `src/data_sources/` implements this.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, config: &Value) -> DataSourceReadResponse;
}

#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// Null when the resource is being created.
    pub prior_state: Value,
    /// Null when the resource is being destroyed.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Debug)]
pub struct ApplyRequest {
    /// Null when the resource is being created.
    pub prior_state: Value,
    /// Null when the resource is being destroyed.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ApplyResponse {
    /// Null when the resource is gone (after a destroy).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ReadResponse {
    /// Null when the remote object is gone: Terraform then plans to create it.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Debug, Default)]
pub struct ImportResponse {
    /// The imported state objects (usually one); Terraform reads each afterwards.
    pub states: Vec<Value>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Debug, Default)]
pub struct DataSourceReadResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}
