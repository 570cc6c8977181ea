//! Typed data sources: a data source declares its model (see [`crate::model`]) and reads it
//! from its configuration on typed values; the adapter serves it through the raw interface.
//!
//! Knows the raw interface, values and models; knows nothing of gRPC or of any provider.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;

use crate::diagnostics::Diagnostics;
use crate::interface::{DataSource, DataSourceReadResponse};
use crate::model::{model_of, Model};
use crate::schema::Schema;
use crate::value::{TfType, Value};

/// A data source on typed values.
#[async_trait]
pub trait TypedDataSource: Send + Sync + 'static {
    /// The data source's attributes: schema and values.
    type Model: Model + Send + Sync + 'static;
    /// Full type name, e.g. `example_greeting`.
    const TYPE_NAME: &'static str;

    /// What the data source reads (the schema's description, Markdown).
    fn description(&self) -> String;

    /// Static checks of the configuration (values may be unknown).
    async fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Reads what the configuration names: the state, with any warnings; or the errors.
    async fn read(&self, config: Self::Model) -> Result<(Self::Model, Diagnostics), Diagnostics>;
}

/// Serves a [`TypedDataSource`] through the raw [`DataSource`] interface.
pub struct DataSourceAdapter<D: TypedDataSource> {
    data_source: D,
    _model: PhantomData<D::Model>,
}

/// `data_source` adapted to the raw interface the server wants (what a provider lists in
/// [`Provider::data_sources`](crate::interface::Provider::data_sources)); serves nothing
/// itself.
pub fn adapt_data_source<D: TypedDataSource>(data_source: D) -> Arc<dyn DataSource> {
    Arc::new(DataSourceAdapter {
        data_source,
        _model: PhantomData,
    })
}

#[async_trait]
impl<D: TypedDataSource> DataSource for DataSourceAdapter<D> {
    fn type_name(&self) -> &'static str {
        D::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(D::Model::block().description(self.data_source.description()))
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        match model_of::<D::Model>(config) {
            Ok(Some(m)) => self.data_source.validate(&m).await,
            Ok(None) => Diagnostics::new(),
            Err(d) => d,
        }
    }

    async fn read(&self, config: &Value) -> DataSourceReadResponse {
        let fail = |diagnostics| DataSourceReadResponse {
            state: Value::Null,
            diagnostics,
        };
        let config = match model_of::<D::Model>(config) {
            Ok(Some(m)) => m,
            Ok(None) => return fail(Diagnostics::new()),
            Err(d) => return fail(d),
        };
        match self.data_source.read(config).await {
            Ok((state, diagnostics)) => DataSourceReadResponse {
                state: state.into_value(),
                diagnostics,
            },
            Err(d) => fail(d),
        }
    }
}
