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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Field;

    #[derive(Clone, Debug, Default, crate::Model)]
    struct Filter {
        #[tf(required)]
        name: Field<String>,
    }

    #[derive(Clone, Debug, Default, crate::Model)]
    struct Lookup {
        /// Which one: `filter { name = "..." }`.
        #[tf(optional, block)]
        filter: Field<Filter>,
        #[tf(computed)]
        found: Field<String>,
    }

    struct Lookups;

    #[async_trait]
    impl TypedDataSource for Lookups {
        type Model = Lookup;
        const TYPE_NAME: &'static str = "test_lookup";
        fn description(&self) -> String {
            "Finds one.".into()
        }
        async fn read(&self, mut config: Lookup) -> Result<(Lookup, Diagnostics), Diagnostics> {
            let name = match &config.filter {
                Field::Known(f) => f.name.known().cloned().unwrap_or_default(),
                _ => "any".into(),
            };
            config.found = Field::Known(format!("found {name}"));
            Ok((config, Diagnostics::new()))
        }
    }

    #[tokio::test]
    async fn a_block_is_in_the_schema_and_read_from_the_configuration() {
        let d = adapt_data_source(Lookups);
        let schema = d.schema();
        assert_eq!(schema.check(), Ok(()));
        assert_eq!(schema.block.blocks[0].type_name, "filter");
        assert_eq!(schema.block.description, "Finds one.");
        let filter = Value::object([("name", Value::string("x"))]);
        for (block, found) in [(filter.clone(), "found x"), (Value::Null, "found any")] {
            let config = Value::object([("filter", block.clone()), ("found", Value::Null)]);
            let read = d.read(&config).await;
            assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
            assert_eq!(read.state.get("found"), Some(&Value::string(found)));
            assert_eq!(read.state.get("filter"), Some(&block));
        }
    }
}
