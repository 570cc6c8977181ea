//! Data source `cloudhsm_cluster` (being written).

use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::ProviderContext;
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::interface::{DataSource, DataSourceReadResponse};
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::value::Value;

pub struct ClusterDataSource {
    #[allow(dead_code)]
    context: Arc<ProviderContext>,
}

impl ClusterDataSource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterDataSource { context }
    }
}

#[async_trait]
impl DataSource for ClusterDataSource {
    fn type_name(&self) -> &'static str {
        "cloudhsm_cluster"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![Attribute::string("cluster_id").required()],
            ..Default::default()
        })
    }
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, config: &Value) -> DataSourceReadResponse {
        DataSourceReadResponse {
            state: config.clone(),
            ..Default::default()
        }
    }
}
