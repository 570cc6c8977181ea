//! The typed provider: the `provider` block declared as a `#[derive(Model)]` struct (its
//! schema and its values), checked and applied on typed values. Every [`TypedProvider`] is a
//! raw [`Provider`] (a blanket impl), so it is handed to [`crate::serve::serve`] as it is.
//!
//! Unknown values: during plan Terraform may configure the provider with values it does not
//! know yet (they depend on resources not yet applied). The model reads them as
//! [`Field::Unknown`](crate::value::Field::Unknown), and [`ConfigureRequest::unknown`]
//! lists where they are (at any depth), so that a provider can defer what needs them.
//!
//! Knows the raw interface, values, schemas and models; knows nothing of gRPC or of any
//! provider.
//!
//! ```
//! use std::sync::Arc;
//! use tfplugin::diagnostics::Diagnostics;
//! use tfplugin::interface::{Provider, Resource};
//! use tfplugin::provider::{ConfigureRequest, TypedProvider};
//! use tfplugin::value::Value;
//! use tfplugin::{Field, Model};
//!
//! #[derive(Clone, Debug, Default, Model)]
//! struct Config {
//!     /// Where the greetings go.
//!     #[tf(optional)]
//!     endpoint: Field<String>,
//! }
//!
//! struct Example;
//!
//! #[tfplugin::async_trait]
//! impl TypedProvider for Example {
//!     type Config = Config;
//!     const TYPE_NAME: &'static str = "example";
//!     fn description(&self) -> String {
//!         "An example.".into()
//!     }
//!     fn resources(&self) -> Vec<Arc<dyn Resource>> {
//!         Vec::new()
//!     }
//!     async fn configure(&self, request: ConfigureRequest<Config>) -> Diagnostics {
//!         if !request.unknown.is_empty() {
//!             // Plan time, values not known yet: connect later.
//!             return Diagnostics::new();
//!         }
//!         let _endpoint = request.config.endpoint.known();
//!         Diagnostics::new()
//!     }
//! }
//!
//! let raw: &dyn Provider = &Example;
//! assert!(raw.schema().block.attribute("endpoint").is_some());
//! let unknown = Value::object([("endpoint", Value::unknown())]);
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! assert!(runtime.block_on(raw.configure(&unknown, "1.11.4")).is_empty());
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::diagnostics::{AttributePath, Diagnostics};
use crate::interface::{DataSource, Provider, Resource};
use crate::model::{model_of, Model};
use crate::schema::Schema;
use crate::value::Value;

/// What [`TypedProvider::configure`] gets.
#[derive(Clone, Debug)]
pub struct ConfigureRequest<C> {
    /// The `provider` block. Values Terraform does not know yet read as unknown.
    pub config: C,
    /// Where `config` holds values not known yet (at any depth; an unknown nested object is
    /// one path), in attribute order. Empty when every value is known (always at apply).
    pub unknown: Vec<AttributePath>,
    /// The version of the Terraform CLI, e.g. `1.11.4`.
    pub terraform_version: String,
}

impl<C> ConfigureRequest<C> {
    /// True when Terraform knows every value of the block.
    pub fn is_wholly_known(&self) -> bool {
        self.unknown.is_empty()
    }
}

/// A provider on typed values: its `provider` block is a model.
#[async_trait]
pub trait TypedProvider: Send + Sync + 'static {
    /// The `provider` block: schema and values. Write-only attributes are refused in a
    /// provider block (when the server starts), and plan flags (`requires_replace`, `keep`,
    /// `same`, `timeouts`) mean nothing there.
    type Config: Model + Send + Sync + 'static;
    /// The provider's type name, the prefix of its resource type names (e.g. `example`).
    const TYPE_NAME: &'static str;

    /// What the provider is for (the block's description, Markdown).
    fn description(&self) -> String;

    /// The managed resources (see [`crate::adapt_resource`]).
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// The data sources (see [`crate::adapt_data_source`]); none by default.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    /// Checks the `provider` block (values may be unknown); nothing by default.
    async fn validate_config(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::new()
    }

    /// Configures the provider (at plan, some values may still be unknown: see
    /// [`ConfigureRequest::unknown`]).
    async fn configure(&self, request: ConfigureRequest<Self::Config>) -> Diagnostics;

    /// `StopProvider`: end every operation in flight as soon as possible; nothing to end by
    /// default.
    fn stop(&self) {}
}

/// The block as a model; a null block (never sent by Terraform) reads as one of nulls.
fn config_of<C: Model>(config: &Value) -> Result<C, Diagnostics> {
    let empty = Value::Object(BTreeMap::new());
    let config = if config.is_null() { &empty } else { config };
    model_of::<C>(config)?.ok_or_else(Diagnostics::new)
}

/// Where `value` (at `path`) holds unknown values: an unknown value is one path, and so is
/// a set with an unknown inside (its elements have no path of their own).
pub fn unknown_paths(value: &Value, path: &AttributePath, found: &mut Vec<AttributePath>) {
    match value {
        Value::Unknown(_) => found.push(path.clone()),
        Value::Dynamic(_, inner) => unknown_paths(inner, path, found),
        Value::Object(attributes) => {
            for (name, v) in attributes {
                unknown_paths(v, &path.clone().then_attr(name), found);
            }
        }
        Value::Map(items) => {
            for (key, v) in items {
                unknown_paths(v, &path.clone().key(key.clone()), found);
            }
        }
        Value::List(items) | Value::Tuple(items) => {
            for (i, v) in items.iter().enumerate() {
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                unknown_paths(v, &path.clone().index(index), found);
            }
        }
        Value::Set(_) if !value.is_wholly_known() => found.push(path.clone()),
        _ => {}
    }
}

#[async_trait]
impl<P: TypedProvider> Provider for P {
    fn type_name(&self) -> &'static str {
        P::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(P::Config::block().description(self.description()))
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        TypedProvider::resources(self)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        TypedProvider::data_sources(self)
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        match config_of::<P::Config>(config) {
            Ok(c) => TypedProvider::validate_config(self, &c).await,
            Err(d) => d,
        }
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let typed = match config_of::<P::Config>(config) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let mut unknown = Vec::new();
        unknown_paths(config, &AttributePath::root(), &mut unknown);
        TypedProvider::configure(
            self,
            ConfigureRequest {
                config: typed,
                unknown,
                terraform_version: terraform_version.to_string(),
            },
        )
        .await
    }

    fn stop(&self) {
        TypedProvider::stop(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_found_at_any_depth() {
        let value = Value::object([
            ("a", Value::string("known")),
            ("b", Value::unknown()),
            (
                "nested",
                Value::object([("deep", Value::unknown()), ("ok", Value::Null)]),
            ),
            (
                "list",
                Value::List(vec![Value::string("x"), Value::unknown()]),
            ),
            ("set", Value::Set(vec![Value::unknown()])),
        ]);
        let mut found = Vec::new();
        unknown_paths(&value, &AttributePath::root(), &mut found);
        let found: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found, ["b", "list[1]", "nested.deep", "set"]);
    }
}
