//! The tfplugin6 `Provider` gRPC service: decodes each request into our own types, calls
//! the [`Provider`], [`Resource`] or [`DataSource`] it is for, and encodes the answer.
//!
//! Every RPC of protocol 6.10 is answered, so that no Terraform version finds a method
//! missing: features we do not offer (functions, ephemeral resources, list resources, state
//! stores, actions, moves) answer an error diagnostic that names the feature. A panic in
//! provider code is caught per request and becomes an error diagnostic; every call is
//! logged at debug level with its duration. This layer has no opinion about any provider's domain.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt as _;
use tonic::{Request, Response, Status};

use crate::convert;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::interface::{ApplyRequest, DataSource, PlanRequest, Provider, ReadRequest, Resource};
use crate::proto::tfplugin6 as pb;
use crate::schema::{Schema, SchemaError};
use crate::value::{self, Type, Value};

type Reply<T> = Result<Response<T>, Status>;
type OneItemStream<T> = Pin<Box<dyn futures_util::Stream<Item = Result<T, Status>> + Send>>;

/// A resource or data source with its schema and value type computed once.
struct Served<T: ?Sized> {
    implementation: Arc<T>,
    schema: Schema,
    value_type: Type,
}

impl<T: ?Sized> Served<T> {
    fn new(implementation: Arc<T>, schema: Schema) -> Self {
        let value_type = schema.value_type();
        Served {
            implementation,
            schema,
            value_type,
        }
    }
}

/// A resource with the values of one request decoded for it.
type ResourceValues<'a, const N: usize> = (&'a Served<dyn Resource>, [Value; N]);

/// The gRPC face of one [`Provider`].
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<String, Served<dyn Resource>>,
    data_sources: HashMap<String, Served<dyn DataSource>>,
    /// What is wrong with the schemas (rules Terraform enforces, type names given twice):
    /// errors answered to GetProviderSchema and GetMetadata, so that Terraform stops with
    /// them before using any of it.
    schema_problems: Vec<pb::Diagnostic>,
}

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

    fn resource(&self, type_name: &str) -> Result<&Served<dyn Resource>, pb::Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    /// The resource `type_name` and its values decoded, each with the words naming it in a
    /// diagnostic; or the diagnostics saying why not.
    fn resource_values<const N: usize>(
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

    fn data_source(&self, type_name: &str) -> Result<&Served<dyn DataSource>, pb::Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

/// [`Schema::check`], and no write-only attribute: those are for managed resources only
/// (a provider block or a data source has no state to keep them out of).
fn check_no_write_only(schema: &Schema) -> Result<(), SchemaError> {
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

fn unknown_type(kind: &str, type_name: &str) -> pb::Diagnostic {
    convert::diagnostic(&Diagnostic::error(
        format!("Unknown {kind} type {type_name:?}"),
        format!(
            "This provider does not implement the {kind} type {type_name:?}. Check the spelling \
             in your configuration, or upgrade the provider if the type is newer than this build."
        ),
    ))
}

fn unsupported(feature: &str) -> Vec<pb::Diagnostic> {
    vec![convert::diagnostic(&Diagnostic::error(
        format!("{feature} are not supported by this provider"),
        format!(
            "This provider offers no {feature}. Remove the block that uses one from your \
             configuration."
        ),
    ))]
}

fn one(d: Diagnostic) -> Vec<pb::Diagnostic> {
    vec![convert::diagnostic(&d)]
}

/// Encodes a value for an answer; a failure becomes one more diagnostic.
fn encode_into(
    value: &Value,
    ty: &Type,
    what: &str,
    diagnostics: &mut Vec<pb::Diagnostic>,
) -> Option<pb::DynamicValue> {
    match convert::encode(value, ty, what) {
        Ok(v) => Some(v),
        Err(d) => {
            diagnostics.push(convert::diagnostic(&d));
            None
        }
    }
}

fn panic_diagnostic(rpc: &str, payload: &(dyn std::any::Any + Send)) -> pb::Diagnostic {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    convert::diagnostic(&Diagnostic::error(
        "The provider hit an internal error",
        format!(
            "The provider failed unexpectedly while handling {rpc}: {message}. \
             Nothing further was done for this request. Please report this bug with the \
             output of TF_LOG_PROVIDER=debug."
        ),
    ))
}

/// Runs one RPC's work: logs it with its duration, and turns a panic into the answer built
/// by `on_panic` from an error diagnostic.
async fn guarded<R>(
    rpc: &'static str,
    type_name: &str,
    work: impl Future<Output = R>,
    on_panic: impl FnOnce(pb::Diagnostic) -> R,
) -> Reply<R> {
    let started = Instant::now();
    let outcome = AssertUnwindSafe(work).catch_unwind().await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(answer) => {
            tracing::debug!(rpc, type_name, elapsed_ms, "served");
            Ok(Response::new(answer))
        }
        Err(payload) => {
            tracing::error!(rpc, type_name, elapsed_ms, "provider code panicked");
            Ok(Response::new(on_panic(panic_diagnostic(rpc, &*payload))))
        }
    }
}

/// Answers an RPC that runs no provider code (a feature we do not offer, or an empty list):
/// nothing can panic here, so no guard is needed.
fn answer<R>(rpc: &'static str, type_name: &str, response: R) -> Reply<R> {
    tracing::debug!(rpc, type_name, "served");
    Ok(Response::new(response))
}

fn one_item<T: Send + 'static>(item: T) -> Response<OneItemStream<T>> {
    Response::new(Box::pin(futures_util::stream::iter([Ok(item)])))
}

/// Stored state (JSON) in the current schema: the stored bytes untouched when they already
/// fit it (Terraform reads a JSON DynamicValue as well as msgpack, so not a digit of a number
/// can change), otherwise msgpack of the state with the attributes the schema no longer has
/// left out, at every depth.
/// A state of an older schema version: read against the current schema, then the resource's
/// upgrade hook.
fn upgrade_older(
    r: &Served<dyn Resource>,
    from_version: i64,
    json: &[u8],
    type_name: &str,
) -> Result<pb::DynamicValue, Diagnostic> {
    let stored = stored_state(json, type_name, &r.value_type)?;
    let upgraded = r
        .implementation
        .upgrade_state(from_version, stored.value)
        .map_err(|d| {
            d.into_iter().find(Diagnostic::is_error).unwrap_or_else(|| {
                Diagnostic::error(
                    "Could not upgrade the stored state",
                    format!(
                        "The {type_name} resource refused its state of version {from_version}."
                    ),
                )
            })
        })?;
    convert::encode(&upgraded, &r.value_type, "upgraded state")
}

fn stored_state(json: &[u8], type_name: &str, ty: &Type) -> Result<value::StoredState, Diagnostic> {
    value::decode_stored_json(json, ty).map_err(|e| {
        Diagnostic::error(
            "Could not read the stored state",
            format!(
                "The stored state of this {type_name} does not fit the current schema: {}. \
                 Remove it from the state (terraform state rm) and import it again.",
                e.message()
            ),
        )
    })
}

fn upgrade_json(json: Vec<u8>, type_name: &str, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    let stored = stored_state(&json, type_name, ty)?;
    if stored.fits_as_is() {
        return Ok(pb::DynamicValue {
            msgpack: Vec::new(),
            json,
        });
    }
    if !stored.dropped.is_empty() {
        let dropped: Vec<String> = stored.dropped.iter().map(|p| p.to_string()).collect();
        tracing::debug!(
            type_name,
            ?dropped,
            "the stored state has attributes the schema no longer has; dropped them"
        );
    }
    convert::encode(&stored.value, ty, "upgraded state")
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        let work = async {
            pb::get_metadata::Response {
                server_capabilities: Some(capabilities()),
                resources: self
                    .resources
                    .keys()
                    .map(|t| pb::get_metadata::ResourceMetadata {
                        type_name: t.clone(),
                    })
                    .collect(),
                data_sources: self
                    .data_sources
                    .keys()
                    .map(|t| pb::get_metadata::DataSourceMetadata {
                        type_name: t.clone(),
                    })
                    .collect(),
                diagnostics: self.schema_problems.clone(),
                ..Default::default()
            }
        };
        guarded("GetMetadata", "", work, |d| pb::get_metadata::Response {
            diagnostics: vec![d],
            ..Default::default()
        })
        .await
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        let work = async {
            pb::get_provider_schema::Response {
                provider: Some(convert::schema(&self.provider_schema)),
                resource_schemas: self
                    .resources
                    .iter()
                    .map(|(t, s)| (t.clone(), convert::schema(&s.schema)))
                    .collect(),
                data_source_schemas: self
                    .data_sources
                    .iter()
                    .map(|(t, s)| (t.clone(), convert::schema(&s.schema)))
                    .collect(),
                server_capabilities: Some(capabilities()),
                diagnostics: self.schema_problems.clone(),
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

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let request = request.into_inner();
        let work = async {
            let diagnostics = match convert::decode(
                request.config.as_ref(),
                &self.provider_type,
                "provider configuration",
            ) {
                Ok(config) => convert::diagnostics(&self.provider.validate_config(&config).await),
                Err(d) => one(d),
            };
            pb::validate_provider_config::Response { diagnostics }
        };
        guarded("ValidateProviderConfig", "", work, |d| {
            pb::validate_provider_config::Response {
                diagnostics: vec![d],
            }
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let diagnostics = match self.resource(&request.type_name) {
                Err(d) => vec![d],
                Ok(r) => match convert::decode(
                    request.config.as_ref(),
                    &r.value_type,
                    "resource configuration",
                ) {
                    Ok(config) => {
                        let client =
                            convert::client_capabilities(request.client_capabilities.as_ref());
                        convert::diagnostics(&r.implementation.validate(&config, client).await)
                    }
                    Err(d) => one(d),
                },
            };
            pb::validate_resource_config::Response { diagnostics }
        };
        guarded("ValidateResourceConfig", &type_name, work, |d| {
            pb::validate_resource_config::Response {
                diagnostics: vec![d],
            }
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Reply<pb::validate_data_resource_config::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let diagnostics = match self.data_source(&request.type_name) {
                Err(d) => vec![d],
                Ok(s) => match convert::decode(
                    request.config.as_ref(),
                    &s.value_type,
                    "data source configuration",
                ) {
                    Ok(config) => convert::diagnostics(&s.implementation.validate(&config).await),
                    Err(d) => one(d),
                },
            };
            pb::validate_data_resource_config::Response { diagnostics }
        };
        guarded("ValidateDataResourceConfig", &type_name, work, |d| {
            pb::validate_data_resource_config::Response {
                diagnostics: vec![d],
            }
        })
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let r = match self.resource(&request.type_name) {
                Ok(r) => r,
                Err(d) => {
                    return pb::upgrade_resource_state::Response {
                        upgraded_state: None,
                        diagnostics: vec![d],
                    }
                }
            };
            if request.version > r.schema.version {
                return pb::upgrade_resource_state::Response {
                    upgraded_state: None,
                    diagnostics: one(Diagnostic::error(
                        "State written by a newer provider",
                        format!(
                            "The state of this {} was written with schema version {}, but this \
                             provider only knows versions up to {}. Upgrade the provider to the \
                             version that wrote the state.",
                            request.type_name, request.version, r.schema.version
                        ),
                    )),
                };
            }
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                return pb::upgrade_resource_state::Response {
                    upgraded_state: None,
                    diagnostics: one(Diagnostic::error(
                        "Legacy state format",
                        "This state is in the flatmap format of Terraform 0.11 and earlier, \
                         which this provider never wrote. Remove the resource from the state \
                         (terraform state rm) and import it again.",
                    )),
                };
            }
            let upgraded = if raw.json.is_empty() {
                convert::encode(&Value::Null, &r.value_type, "upgraded state")
            } else if request.version < r.schema.version {
                upgrade_older(r, request.version, &raw.json, &request.type_name)
            } else {
                upgrade_json(raw.json, &request.type_name, &r.value_type)
            };
            match upgraded {
                Ok(state) => pb::upgrade_resource_state::Response {
                    upgraded_state: Some(state),
                    diagnostics: Vec::new(),
                },
                Err(d) => pb::upgrade_resource_state::Response {
                    upgraded_state: None,
                    diagnostics: one(d),
                },
            }
        };
        guarded("UpgradeResourceState", &type_name, work, |d| {
            pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: vec![d],
            }
        })
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Reply<pb::get_resource_identity_schemas::Response> {
        answer(
            "GetResourceIdentitySchemas",
            "",
            pb::get_resource_identity_schemas::Response::default(),
        )
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Reply<pb::upgrade_resource_identity::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = unsupported("Resource identities");
        answer(
            "UpgradeResourceIdentity",
            &type_name,
            pb::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics,
            },
        )
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let request = request.into_inner();
        let work = async {
            let diagnostics = match convert::decode(
                request.config.as_ref(),
                &self.provider_type,
                "provider configuration",
            ) {
                Ok(config) => convert::diagnostics(
                    &self
                        .provider
                        .configure(&config, &request.terraform_version)
                        .await,
                ),
                Err(d) => one(d),
            };
            pb::configure_provider::Response { diagnostics }
        };
        guarded("ConfigureProvider", "", work, |d| {
            pb::configure_provider::Response {
                diagnostics: vec![d],
            }
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let mut out = pb::read_resource::Response {
                new_state: request.current_state.clone(),
                private: request.private.clone(),
                ..Default::default()
            };
            let (r, [current_state]) = match self.resource_values(
                &request.type_name,
                [(request.current_state.as_ref(), "current state")],
            ) {
                Ok(found) => found,
                Err(d) => {
                    out.diagnostics = d;
                    return out;
                }
            };
            let answer = r
                .implementation
                .read(ReadRequest {
                    current_state,
                    private: request.private.clone(),
                })
                .await;
            out.diagnostics = convert::diagnostics(&answer.diagnostics);
            if let Some(state) = encode_into(
                &answer.new_state,
                &r.value_type,
                "refreshed state",
                &mut out.diagnostics,
            ) {
                out.new_state = Some(state);
            }
            out.private = answer.private;
            out
        };
        guarded("ReadResource", &type_name, work, |d| {
            pb::read_resource::Response {
                new_state: request.current_state.clone(),
                private: request.private.clone(),
                diagnostics: vec![d],
                ..Default::default()
            }
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let mut out = pb::plan_resource_change::Response::default();
            let (r, [prior_state, proposed_new_state, config]) = match self.resource_values(
                &request.type_name,
                [
                    (request.prior_state.as_ref(), "prior state"),
                    (request.proposed_new_state.as_ref(), "proposed new state"),
                    (request.config.as_ref(), "configuration"),
                ],
            ) {
                Ok(found) => found,
                Err(d) => {
                    out.diagnostics = d;
                    return out;
                }
            };
            let answer = r
                .implementation
                .plan(PlanRequest {
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private: request.prior_private.clone(),
                    client_capabilities: convert::client_capabilities(
                        request.client_capabilities.as_ref(),
                    ),
                })
                .await;
            out.diagnostics = convert::diagnostics(&answer.diagnostics);
            out.planned_state = encode_into(
                &answer.planned_state,
                &r.value_type,
                "planned state",
                &mut out.diagnostics,
            );
            out.requires_replace = answer.requires_replace.iter().map(convert::path).collect();
            out.planned_private = answer.planned_private;
            out
        };
        guarded("PlanResourceChange", &type_name, work, |d| {
            pb::plan_resource_change::Response {
                diagnostics: vec![d],
                ..Default::default()
            }
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let mut out = pb::apply_resource_change::Response {
                new_state: request.prior_state.clone(),
                ..Default::default()
            };
            let (r, [prior_state, planned_state, config]) = match self.resource_values(
                &request.type_name,
                [
                    (request.prior_state.as_ref(), "prior state"),
                    (request.planned_state.as_ref(), "planned state"),
                    (request.config.as_ref(), "configuration"),
                ],
            ) {
                Ok(found) => found,
                Err(d) => {
                    out.diagnostics = d;
                    return out;
                }
            };
            let answer = r
                .implementation
                .apply(ApplyRequest {
                    prior_state,
                    planned_state,
                    config,
                    planned_private: request.planned_private.clone(),
                })
                .await;
            out.diagnostics = convert::diagnostics(&answer.diagnostics);
            if let Some(state) = encode_into(
                &answer.new_state,
                &r.value_type,
                "new state",
                &mut out.diagnostics,
            ) {
                out.new_state = Some(state);
            }
            out.private = answer.private;
            out
        };
        guarded("ApplyResourceChange", &type_name, work, |d| {
            pb::apply_resource_change::Response {
                new_state: request.prior_state.clone(),
                diagnostics: vec![d],
                ..Default::default()
            }
        })
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let mut out = pb::import_resource_state::Response::default();
            let r = match self.resource(&request.type_name) {
                Ok(r) => r,
                Err(d) => {
                    out.diagnostics.push(d);
                    return out;
                }
            };
            let answer = r.implementation.import(&request.id).await;
            let mut diagnostics: Diagnostics = answer.diagnostics;
            for state in &answer.states {
                match convert::encode(state, &r.value_type, "imported state") {
                    Ok(state) => {
                        out.imported_resources
                            .push(pb::import_resource_state::ImportedResource {
                                type_name: request.type_name.clone(),
                                state: Some(state),
                                ..Default::default()
                            })
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
            out.diagnostics = convert::diagnostics(&diagnostics);
            out
        };
        guarded("ImportResourceState", &type_name, work, |d| {
            pb::import_resource_state::Response {
                diagnostics: vec![d],
                ..Default::default()
            }
        })
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Reply<pb::move_resource_state::Response> {
        let type_name = request.into_inner().target_type_name;
        let diagnostics = unsupported("Moves between resource types (moved blocks)");
        answer(
            "MoveResourceState",
            &type_name,
            pb::move_resource_state::Response {
                diagnostics,
                ..Default::default()
            },
        )
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Reply<pb::read_data_source::Response> {
        let request = request.into_inner();
        let type_name = request.type_name.clone();
        let work = async {
            let mut out = pb::read_data_source::Response::default();
            let s = match self.data_source(&request.type_name) {
                Ok(s) => s,
                Err(d) => {
                    out.diagnostics.push(d);
                    return out;
                }
            };
            let config = match convert::decode(
                request.config.as_ref(),
                &s.value_type,
                "data source configuration",
            ) {
                Ok(c) => c,
                Err(d) => {
                    out.diagnostics = one(d);
                    return out;
                }
            };
            let answer = s.implementation.read(&config).await;
            out.diagnostics = convert::diagnostics(&answer.diagnostics);
            if !answer.diagnostics.has_errors() {
                match convert::encode(&answer.state, &s.value_type, "data source state") {
                    Ok(state) => out.state = Some(state),
                    Err(d) => out.diagnostics.push(convert::diagnostic(&d)),
                }
            }
            out
        };
        guarded("ReadDataSource", &type_name, work, |d| {
            pb::read_data_source::Response {
                diagnostics: vec![d],
                ..Default::default()
            }
        })
        .await
    }

    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> Reply<pb::generate_resource_config::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = unsupported("Generated resource configurations");
        answer(
            "GenerateResourceConfig",
            &type_name,
            pb::generate_resource_config::Response {
                config: None,
                diagnostics,
            },
        )
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Reply<pb::validate_ephemeral_resource_config::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("ephemeral resource", &type_name)];
        answer(
            "ValidateEphemeralResourceConfig",
            &type_name,
            pb::validate_ephemeral_resource_config::Response { diagnostics },
        )
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Reply<pb::open_ephemeral_resource::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("ephemeral resource", &type_name)];
        answer(
            "OpenEphemeralResource",
            &type_name,
            pb::open_ephemeral_resource::Response {
                diagnostics,
                ..Default::default()
            },
        )
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Reply<pb::renew_ephemeral_resource::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("ephemeral resource", &type_name)];
        answer(
            "RenewEphemeralResource",
            &type_name,
            pb::renew_ephemeral_resource::Response {
                diagnostics,
                ..Default::default()
            },
        )
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Reply<pb::close_ephemeral_resource::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("ephemeral resource", &type_name)];
        answer(
            "CloseEphemeralResource",
            &type_name,
            pb::close_ephemeral_resource::Response { diagnostics },
        )
    }

    type ListResourceStream = OneItemStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Reply<Self::ListResourceStream> {
        let type_name = request.into_inner().type_name;
        tracing::debug!(rpc = "ListResource", type_name, "served");
        Ok(one_item(pb::list_resource::Event {
            diagnostic: vec![unknown_type("list resource", &type_name)],
            ..Default::default()
        }))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Reply<pb::validate_list_resource_config::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("list resource", &type_name)];
        answer(
            "ValidateListResourceConfig",
            &type_name,
            pb::validate_list_resource_config::Response { diagnostics },
        )
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Reply<pb::get_functions::Response> {
        answer("GetFunctions", "", pb::get_functions::Response::default())
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Reply<pb::call_function::Response> {
        let name = request.into_inner().name;
        let error = pb::FunctionError {
            text: format!("This provider offers no function named {name:?}."),
            function_argument: None,
        };
        answer(
            "CallFunction",
            &name,
            pb::call_function::Response {
                result: None,
                error: Some(error),
            },
        )
    }

    async fn validate_state_store_config(
        &self,
        request: Request<pb::validate_state_store::Request>,
    ) -> Reply<pb::validate_state_store::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("state store", &type_name)];
        answer(
            "ValidateStateStoreConfig",
            &type_name,
            pb::validate_state_store::Response { diagnostics },
        )
    }

    async fn configure_state_store(
        &self,
        request: Request<pb::configure_state_store::Request>,
    ) -> Reply<pb::configure_state_store::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("state store", &type_name)];
        answer(
            "ConfigureStateStore",
            &type_name,
            pb::configure_state_store::Response { diagnostics },
        )
    }

    type ReadStateBytesStream = OneItemStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        request: Request<pb::read_state_bytes::Request>,
    ) -> Reply<Self::ReadStateBytesStream> {
        let type_name = request.into_inner().type_name;
        tracing::debug!(rpc = "ReadStateBytes", type_name, "served");
        Ok(one_item(pb::read_state_bytes::Response {
            diagnostics: vec![unknown_type("state store", &type_name)],
            ..Default::default()
        }))
    }

    async fn write_state_bytes(
        &self,
        _request: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Reply<pb::write_state_bytes::Response> {
        let diagnostics = unsupported("State stores");
        answer(
            "WriteStateBytes",
            "",
            pb::write_state_bytes::Response { diagnostics },
        )
    }

    async fn get_states(
        &self,
        request: Request<pb::get_states::Request>,
    ) -> Reply<pb::get_states::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("state store", &type_name)];
        answer(
            "GetStates",
            &type_name,
            pb::get_states::Response {
                state_id: Vec::new(),
                diagnostics,
            },
        )
    }

    async fn delete_state(
        &self,
        request: Request<pb::delete_state::Request>,
    ) -> Reply<pb::delete_state::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("state store", &type_name)];
        answer(
            "DeleteState",
            &type_name,
            pb::delete_state::Response { diagnostics },
        )
    }

    async fn plan_action(
        &self,
        request: Request<pb::plan_action::Request>,
    ) -> Reply<pb::plan_action::Response> {
        let type_name = request.into_inner().action_type;
        let diagnostics = vec![unknown_type("action", &type_name)];
        answer(
            "PlanAction",
            &type_name,
            pb::plan_action::Response {
                diagnostics,
                deferred: None,
            },
        )
    }

    type InvokeActionStream = OneItemStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        request: Request<pb::invoke_action::Request>,
    ) -> Reply<Self::InvokeActionStream> {
        let type_name = request.into_inner().action_type;
        tracing::debug!(rpc = "InvokeAction", type_name, "served");
        Ok(one_item(pb::invoke_action::Event {
            r#type: Some(pb::invoke_action::event::Type::Completed(
                pb::invoke_action::event::Completed {
                    diagnostics: vec![unknown_type("action", &type_name)],
                },
            )),
        }))
    }

    async fn validate_action_config(
        &self,
        request: Request<pb::validate_action_config::Request>,
    ) -> Reply<pb::validate_action_config::Response> {
        let type_name = request.into_inner().type_name;
        let diagnostics = vec![unknown_type("action", &type_name)];
        answer(
            "ValidateActionConfig",
            &type_name,
            pb::validate_action_config::Response { diagnostics },
        )
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        let work = async {
            self.provider.stop();
            pb::stop_provider::Response::default()
        };
        guarded("StopProvider", "", work, |d| pb::stop_provider::Response {
            error: d.detail,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{
        ApplyResponse, ClientCapabilities, ImportResponse, PlanResponse, ReadResponse,
    };
    use crate::proto::tfplugin6::provider_server::Provider as _;
    use crate::schema::{Attribute, Block};
    use async_trait::async_trait;

    fn schema() -> Schema {
        Schema::new(Block {
            attributes: vec![
                Attribute::string("id").computed(),
                Attribute::string("name").optional(),
            ],
            ..Default::default()
        })
    }

    /// A resource that only has a name and a schema; its plan panics when `.2` says so.
    struct Thing(&'static str, Schema, bool);

    #[async_trait]
    impl Resource for Thing {
        fn type_name(&self) -> &'static str {
            self.0
        }
        fn schema(&self) -> Schema {
            self.1.clone()
        }
        /// Answers what Terraform announced, as a warning.
        async fn validate(&self, _config: &Value, client: ClientCapabilities) -> Diagnostics {
            Diagnostic::warning(format!("{client:?}"), "").into()
        }
        /// Answers what Terraform announced, as a warning.
        async fn plan(&self, r: PlanRequest) -> PlanResponse {
            if self.2 {
                panic!("kaboom in plan")
            }
            PlanResponse {
                diagnostics: Diagnostic::warning(format!("{:?}", r.client_capabilities), "").into(),
                ..Default::default()
            }
        }
        async fn apply(&self, _r: ApplyRequest) -> ApplyResponse {
            ApplyResponse::default()
        }
        async fn read(&self, _r: ReadRequest) -> ReadResponse {
            ReadResponse::default()
        }
        async fn import(&self, _id: &str) -> ImportResponse {
            ImportResponse::default()
        }
    }

    /// A provider serving these resources; its `validate_config` panics.
    struct Listing(Vec<Arc<dyn Resource>>);

    /// The provider of the panic tests: `boom_thing` (whose plan panics) and a nested schema.
    fn boom() -> Arc<Listing> {
        Arc::new(Listing(vec![
            Arc::new(Thing("boom_thing", schema(), true)),
            Arc::new(Thing("boom_nested", nested_schema(), false)),
        ]))
    }

    #[async_trait]
    impl Provider for Listing {
        fn type_name(&self) -> &'static str {
            "boom"
        }
        fn schema(&self) -> Schema {
            Schema::new(Block::default())
        }
        fn resources(&self) -> Vec<Arc<dyn Resource>> {
            self.0.clone()
        }
        async fn validate_config(&self, _config: &Value) -> Diagnostics {
            panic!("kaboom in validate")
        }
        async fn configure(&self, _config: &Value, _v: &str) -> Diagnostics {
            Diagnostics::new()
        }
        fn stop(&self) {}
    }

    #[tokio::test]
    async fn schema_mistakes_and_names_given_twice_are_errors_of_get_provider_schema() {
        let flagless = Schema::new(Block {
            attributes: vec![Attribute::string("name")],
            ..Default::default()
        });
        let service = ProviderService::new(Arc::new(Listing(vec![
            Arc::new(Thing("boom_a", schema(), false)),
            Arc::new(Thing("boom_a", Schema::new(Block::default()), false)),
            Arc::new(Thing("boom_bad", flagless, false)),
        ])));
        let answer = service
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .unwrap()
            .into_inner();
        let summaries: Vec<&str> = answer
            .diagnostics
            .iter()
            .map(|d| d.summary.as_str())
            .collect();
        assert_eq!(
            summaries,
            vec![
                "The resource type \"boom_a\" is defined twice",
                "Invalid schema for the resource boom_bad",
            ]
        );
        assert!(answer
            .diagnostics
            .iter()
            .all(|d| d.severity == pb::diagnostic::Severity::Error as i32));
        assert!(
            answer.diagnostics[1].detail.contains("name"),
            "{}",
            answer.diagnostics[1].detail
        );
        // The first of the two is the one served.
        assert_eq!(
            answer.resource_schemas["boom_a"]
                .block
                .as_ref()
                .unwrap()
                .attributes
                .len(),
            2
        );
        let metadata = service
            .get_metadata(Request::new(pb::get_metadata::Request {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(metadata.diagnostics, answer.diagnostics);

        // A sound provider answers none.
        let sound = ProviderService::new(Arc::new(Listing(vec![Arc::new(Thing(
            "boom_a",
            schema(),
            false,
        ))])));
        let answer = sound
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .unwrap()
            .into_inner();
        assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    }

    #[tokio::test]
    async fn a_panic_becomes_an_error_diagnostic() {
        let service = ProviderService::new(boom());
        let answer = service
            .validate_provider_config(Request::new(pb::validate_provider_config::Request {
                config: None,
            }))
            .await
            .expect("an answer, not a gRPC error")
            .into_inner();
        assert_eq!(answer.diagnostics.len(), 1);
        assert!(answer.diagnostics[0].detail.contains("kaboom in validate"));
        assert_eq!(
            answer.diagnostics[0].severity,
            pb::diagnostic::Severity::Error as i32
        );

        let plan = service
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "boom_thing".into(),
                ..Default::default()
            }))
            .await
            .expect("an answer")
            .into_inner();
        assert!(plan.diagnostics[0].detail.contains("kaboom in plan"));
    }

    #[tokio::test]
    async fn client_capabilities_reach_validate_and_plan() {
        let service = ProviderService::new(boom());
        let announced = Some(pb::ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: true,
        });
        let with = format!("{:?}", ClientCapabilities::with_write_only());
        let none = format!("{:?}", ClientCapabilities::default());
        for (client_capabilities, expected) in [(announced, &with), (None, &none)] {
            let validate = service
                .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                    type_name: "boom_nested".into(),
                    config: None,
                    client_capabilities,
                }))
                .await
                .expect("an answer")
                .into_inner();
            assert_eq!(&validate.diagnostics[0].summary, expected);
            let plan = service
                .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                    type_name: "boom_nested".into(),
                    client_capabilities,
                    ..Default::default()
                }))
                .await
                .expect("an answer")
                .into_inner();
            assert_eq!(&plan.diagnostics[0].summary, expected);
        }
    }

    #[test]
    fn write_only_attributes_are_for_managed_resources_only() {
        let wo = Schema::new(Block::new(vec![Attribute::string("pw_wo")
            .optional()
            .write_only()]));
        assert_eq!(wo.check(), Ok(()));
        let err = check_no_write_only(&wo).unwrap_err();
        assert!(err.mentions("only managed resources"), "{err}");
        assert_eq!(check_no_write_only(&schema()), Ok(()));
    }

    /// A schema with nested attributes and blocks of every nesting.
    fn nested_schema() -> Schema {
        use crate::schema::{BlockNesting, NestedBlock};
        let inner = || vec![Attribute::number("n").optional()];
        Schema::new(
            Block::new(vec![
                Attribute::string("id").computed(),
                Attribute::number("big").optional(),
                Attribute::nested_single("single", inner()).optional(),
                Attribute::nested_list("list", inner()).optional(),
                Attribute::nested_set("set", inner()).optional(),
                Attribute::nested_map("map", inner()).optional(),
            ])
            .block(NestedBlock::new(
                "rule",
                BlockNesting::List,
                Block::new(inner()),
            ))
            .block(NestedBlock::new(
                "one",
                BlockNesting::Single,
                Block::new(inner()),
            )),
        )
    }

    async fn upgrade(
        service: &ProviderService,
        json: &[u8],
    ) -> pb::upgrade_resource_state::Response {
        service
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "boom_nested".into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: json.to_vec(),
                    flatmap: Default::default(),
                }),
            }))
            .await
            .expect("answer")
            .into_inner()
    }

    #[tokio::test]
    async fn upgrade_hands_back_state_that_fits_untouched() {
        let service = ProviderService::new(boom());
        let json = br#"{"id": "x", "big": 12345678901234567890123,
            "single": {"n": 0.1000000000000000055511151231257827},
            "list": [{"n": 1}], "set": [], "map": {"a": {"n": 2}},
            "rule": [{"n": 3}], "one": {"n": 4}}"#;
        let answer = upgrade(&service, json).await;
        assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
        let state = answer.upgraded_state.expect("state");
        assert_eq!(state.json, json.to_vec(), "the stored bytes, untouched");
        assert!(state.msgpack.is_empty());
        // What Terraform will read from it is the value in the current schema.
        let value =
            convert::decode(Some(&state), &nested_schema().value_type(), "state").expect("decodes");
        assert_eq!(
            value
                .get("big")
                .and_then(Value::as_number)
                .map(|n| n.to_string()),
            Some("12345678901234567890123".into())
        );
    }

    #[tokio::test]
    async fn upgrade_drops_removed_nested_attributes_and_keeps_every_digit() {
        let service = ProviderService::new(boom());
        let json = br#"{"id": "x", "big": 12345678901234567890123,
            "single": {"n": 0.1000000000000000055511151231257827, "old": 1},
            "list": [{"n": 1, "old": "a"}], "set": [{"n": 5, "old": true}],
            "map": {"a": {"n": 2, "old": null}},
            "rule": [{"n": 3, "old": [1]}], "one": {"n": 4, "old": {}}}"#;
        let answer = upgrade(&service, json).await;
        assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
        let state = answer.upgraded_state.expect("state");
        assert!(state.json.is_empty() && !state.msgpack.is_empty());
        let ty = nested_schema().value_type();
        let value = crate::value::decode_msgpack(&state.msgpack, &ty).expect("msgpack");
        let n = |v: &Value| v.get("n").and_then(Value::as_number).map(|n| n.to_string());
        assert_eq!(
            value
                .get("big")
                .and_then(Value::as_number)
                .map(|n| n.to_string()),
            Some("12345678901234567890123".into())
        );
        let single = value.get("single").expect("single");
        assert_eq!(
            n(single),
            Some("0.1000000000000000055511151231257827".into())
        );
        assert_eq!(single.get("old"), None);
        for (name, expected) in [("list", 1), ("set", 5), ("rule", 3)] {
            let (Value::List(items) | Value::Set(items)) = value.get(name).expect(name) else {
                panic!("{name} is a collection");
            };
            assert_eq!(
                items,
                &vec![Value::object([("n", Value::from_i64(expected))])]
            );
        }
        assert_eq!(
            value.get("map"),
            Some(&Value::Map(
                [("a".to_string(), Value::object([("n", Value::from_i64(2))]))].into()
            ))
        );
        assert_eq!(
            value.get("one"),
            Some(&Value::object([("n", Value::from_i64(4))]))
        );
    }

    #[tokio::test]
    async fn upgrade_reads_json_state_and_drops_removed_attributes() {
        let service = ProviderService::new(boom());
        let answer = service
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "boom_thing".into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: br#"{"id":"x","name":"n","removed_long_ago":true}"#.to_vec(),
                    flatmap: Default::default(),
                }),
            }))
            .await
            .expect("answer")
            .into_inner();
        assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
        let state = answer.upgraded_state.expect("state");
        let value =
            crate::value::decode_msgpack(&state.msgpack, &schema().value_type()).expect("msgpack");
        assert_eq!(value.get("name"), Some(&Value::string("n")));

        let newer = service
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "boom_thing".into(),
                version: 7,
                raw_state: None,
            }))
            .await
            .expect("answer")
            .into_inner();
        assert!(newer.diagnostics[0].summary.contains("newer provider"));
    }
}
