//! Resource `cloudhsm_cluster_initialization` (being written).

use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::ProviderContext;
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::interface::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::value::Value;

pub struct ClusterInitializationResource {
    #[allow(dead_code)]
    context: Arc<ProviderContext>,
}

impl ClusterInitializationResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterInitializationResource { context }
    }
}

#[async_trait]
impl Resource for ClusterInitializationResource {
    fn type_name(&self) -> &'static str {
        "cloudhsm_cluster_initialization"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![Attribute::string("id").computed()],
            ..Default::default()
        })
    }
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: request.proposed_new_state,
            ..Default::default()
        }
    }
    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: request.planned_state,
            ..Default::default()
        }
    }
    async fn read(&self, request: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: request.current_state,
            ..Default::default()
        }
    }
    async fn import(&self, _id: &str) -> ImportResponse {
        ImportResponse::default()
    }
}
