//! [`ProviderService`]: one [`Provider`] with its resources and data sources by type name,
//! each with its schema and value type, and the lookups that decode a request's values.

use std::collections::HashMap;
use std::sync::Arc;

use super::reply::{one, unknown_type};
use crate::convert;
use crate::interface::{DataSource, Provider, Resource};
use crate::proto::tfplugin6 as pb;
use crate::schema::Schema;
use crate::value::{Type, Value};

/// A resource or data source with its schema and value type computed once.
pub(super) struct Served<T: ?Sized> {
    pub(super) implementation: Arc<T>,
    pub(super) schema: Schema,
    pub(super) value_type: Type,
}

impl<T: ?Sized> Served<T> {
    pub(super) fn new(implementation: Arc<T>, schema: Schema) -> Self {
        let value_type = schema.value_type();
        Served {
            implementation,
            schema,
            value_type,
        }
    }
}

/// A resource with the values of one request decoded for it.
pub(super) type ResourceValues<'a, const N: usize> = (&'a Served<dyn Resource>, [Value; N]);

/// The gRPC face of one [`Provider`]; made (and its schemas checked) in `schemas.rs`.
pub struct ProviderService {
    pub(super) provider: Arc<dyn Provider>,
    pub(super) provider_schema: Schema,
    pub(super) provider_type: Type,
    pub(super) resources: HashMap<String, Served<dyn Resource>>,
    pub(super) data_sources: HashMap<String, Served<dyn DataSource>>,
    /// What is wrong with the schemas (rules Terraform enforces, type names given twice):
    /// errors answered to GetProviderSchema and GetMetadata, so that Terraform stops with
    /// them before using any of it.
    pub(super) schema_problems: Vec<pb::Diagnostic>,
}

impl ProviderService {
    pub(super) fn resource(
        &self,
        type_name: &str,
    ) -> Result<&Served<dyn Resource>, pb::Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    /// The resource `type_name` and its values decoded, each with the words naming it in a
    /// diagnostic; or the diagnostics saying why not.
    pub(super) fn resource_values<const N: usize>(
        &self,
        type_name: &str,
        values: [(Option<&pb::DynamicValue>, &str); N],
    ) -> Result<ResourceValues<'_, N>, Vec<pb::Diagnostic>> {
        let r = self.resource(type_name).map_err(|d| vec![d])?;
        let mut decoded: [Value; N] = std::array::from_fn(|_| Value::Null);
        for (slot, (value, what)) in decoded.iter_mut().zip(values) {
            *slot = convert::decode(value, &r.value_type, what).map_err(one)?;
        }
        Ok((r, decoded))
    }

    pub(super) fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Served<dyn DataSource>, pb::Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}
