//! The schemas: asked for once and checked when the service is made (Terraform's rules, type
//! names given once), and answered to GetProviderSchema and GetMetadata with the problems.

use std::collections::HashMap;
use std::sync::Arc;

use tonic::Request;

use super::reply::{guarded, Reply};
use super::service::{ProviderService, Served};
use crate::convert;
use crate::diagnostics::Diagnostic;
use crate::interface::Provider;
use crate::proto::tfplugin6 as pb;
use crate::schema::{Schema, SchemaError};

impl ProviderService {
    /// Asks `provider` once for its schema, resources and data sources, and each of those
    /// for its type name and schema; later changes to what the provider returns are not
    /// seen. Every schema is checked ([`Schema::check`]), and a type name must be given once
    /// per kind; a problem is an error in the answer to GetProviderSchema.
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let mut schema_problems = Vec::new();
        let provider_schema = provider.schema();
        if let Err(problems) = check_no_write_only(&provider_schema) {
            schema_problems.push(invalid_schema("the provider configuration", &problems));
        }
        let provider_type = provider_schema.value_type();
        let resources = served(
            "resource",
            provider.resources(),
            |r| (r.type_name(), r.schema()),
            Schema::check,
            &mut schema_problems,
        );
        let data_sources = served(
            "data source",
            provider.data_sources(),
            |d| (d.type_name(), d.schema()),
            check_no_write_only,
            &mut schema_problems,
        );
        ProviderService {
            provider,
            provider_schema,
            provider_type,
            resources,
            data_sources,
            schema_problems,
        }
    }
}

/// [`Schema::check`], and no write-only attribute: those are for managed resources only
/// (a provider block or a data source has no state to keep them out of).
pub(super) fn check_no_write_only(schema: &Schema) -> Result<(), SchemaError> {
    let mut problems = schema.check().err().map(|e| e.problems).unwrap_or_default();
    if schema.block.has_write_only() {
        problems.push(
            "it has a write-only attribute, which only managed resources may have; make it \
             a plain (sensitive) attribute"
                .to_string(),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SchemaError { problems })
    }
}

/// The resources (or data sources) by type name, with their schemas; a schema that breaks
/// Terraform's rules (`check`), or a type name given twice, is a problem (the first of two
/// is kept).
fn served<T: ?Sized>(
    kind: &str,
    implementations: Vec<Arc<T>>,
    describe: impl Fn(&T) -> (&'static str, Schema),
    check: fn(&Schema) -> Result<(), SchemaError>,
    problems: &mut Vec<pb::Diagnostic>,
) -> HashMap<String, Served<T>> {
    let mut by_name: HashMap<String, Served<T>> = HashMap::new();
    for implementation in implementations {
        let (type_name, schema) = describe(&implementation);
        if let Err(found) = check(&schema) {
            problems.push(invalid_schema(&format!("the {kind} {type_name}"), &found));
        }
        if by_name.contains_key(type_name) {
            problems.push(convert::diagnostic(&Diagnostic::error(
                format!("The {kind} type {type_name:?} is defined twice"),
                format!(
                    "This provider build lists two {kind}s named {type_name:?}, so Terraform \
                     cannot tell which one a configuration means. This is a bug in the \
                     provider: report it to its maintainers."
                ),
            )));
            continue;
        }
        by_name.insert(type_name.to_string(), Served::new(implementation, schema));
    }
    by_name
}

fn invalid_schema(what: &str, problems: &SchemaError) -> pb::Diagnostic {
    convert::diagnostic(&Diagnostic::error(
        format!("Invalid schema for {what}"),
        format!(
            "The schema this provider build declares for {what} breaks rules Terraform \
             enforces: {problems}. This is a bug in the provider: report it to its maintainers."
        ),
    ))
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

pub(super) async fn get_metadata(
    service: &ProviderService,
    _request: Request<pb::get_metadata::Request>,
) -> Reply<pb::get_metadata::Response> {
    let work = async {
        pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: service
                .resources
                .keys()
                .map(|t| pb::get_metadata::ResourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            data_sources: service
                .data_sources
                .keys()
                .map(|t| pb::get_metadata::DataSourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            diagnostics: service.schema_problems.clone(),
            ..Default::default()
        }
    };
    guarded("GetMetadata", "", work, |d| pb::get_metadata::Response {
        diagnostics: vec![d],
        ..Default::default()
    })
    .await
}

pub(super) async fn get_provider_schema(
    service: &ProviderService,
    _request: Request<pb::get_provider_schema::Request>,
) -> Reply<pb::get_provider_schema::Response> {
    let work = async {
        pb::get_provider_schema::Response {
            provider: Some(convert::schema(&service.provider_schema)),
            resource_schemas: service
                .resources
                .iter()
                .map(|(t, s)| (t.clone(), convert::schema(&s.schema)))
                .collect(),
            data_source_schemas: service
                .data_sources
                .iter()
                .map(|(t, s)| (t.clone(), convert::schema(&s.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            diagnostics: service.schema_problems.clone(),
            ..Default::default()
        }
    };
    guarded("GetProviderSchema", "", work, |d| {
        pb::get_provider_schema::Response {
            diagnostics: vec![d],
            ..Default::default()
        }
    })
    .await
}
