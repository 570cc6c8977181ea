//! The adapter: a [`TypedResource`] served through the raw [`Resource`] interface, with
//! Terraform's rules (dispatch, plan rules, timeouts, destroy warnings, write-only nulls,
//! import, upgrades) applied around the resource's code.
//!
//! Knows the raw interface, models, plan rules and schemas; must not know gRPC or any
//! provider.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::values::{ChangeRequest, Deletion, Plan, Upgrader, NO_TIMEOUT};
use super::TypedResource;
use crate::diagnostics::AttributePath;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::interface::{
    ApplyRequest, ApplyResponse, ClientCapabilities, ImportResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource,
};
use crate::model::{model_of, Model};
use crate::plan_rules::plan_by_rules;
use crate::schema::{Block, Schema};
use crate::timeouts::{self, Timeouts};
use crate::value::{Field, TfType, Type, Value};

/// Private plan data of a destroy plan that already carried the destroy warning.
const DESTROY_WARNED: &[u8] = b"tfplugin:destroy-warned";

/// Serves a [`TypedResource`] through the raw [`Resource`] interface.
pub struct ResourceAdapter<R: TypedResource> {
    resource: Arc<R>,
    /// The model's attributes, for the write-only rules.
    attributes: Block,
    /// The resource's upgraders, asked once.
    upgraders: Vec<Upgrader<R::Model>>,
    _model: PhantomData<R::Model>,
}

/// `resource` adapted to the raw interface the server wants (what a provider lists in
/// [`Provider::resources`](crate::interface::Provider::resources)); serves nothing itself.
pub fn adapt_resource<R: TypedResource>(resource: R) -> Arc<dyn Resource> {
    let upgraders = resource.upgraders();
    for u in upgraders
        .iter()
        .filter(|u| u.from_version() >= resource.schema_version())
    {
        tracing::warn!(
            type_name = R::TYPE_NAME,
            from_version = u.from_version(),
            schema_version = resource.schema_version(),
            "an upgrader for a version not older than the schema's is never used"
        );
    }
    Arc::new(ResourceAdapter {
        resource: Arc::new(resource),
        attributes: R::Model::block(),
        upgraders,
        _model: PhantomData,
    })
}

/// The errors for write-only values in `config` when Terraform did not announce that it
/// keeps them out of plans and state (Terraform before 1.11 ignores the schema's flag and
/// would store them): one per value, on its attribute. None when it did.
pub fn refuse_write_only(
    attributes: &Block,
    config: &Value,
    client: ClientCapabilities,
) -> Diagnostics {
    if client.write_only_attributes_allowed {
        return Diagnostics::new();
    }
    let mut diagnostics = Diagnostics::new();
    for path in attributes.write_only_values(config) {
        diagnostics.push(
            Diagnostic::error(
                "Write-only argument needs Terraform 1.11 or later",
                format!(
                    "{path} is a write-only argument, which needs Terraform 1.11 or later (this \
                     Terraform does not support write-only arguments); nothing was stored. \
                     Upgrade Terraform, or remove {path} from the configuration (and use the \
                     resource's argument that is kept in state instead, where it has one)."
                ),
            )
            .at(path),
        );
    }
    diagnostics
}

/// The timeout of `operation` from the model's `timeouts` attribute, else its declared
/// default; [`NO_TIMEOUT`] when the model declares none for it.
fn timeout_for<M: Model>(planned: &Value, operation: &str) -> Result<Duration, Diagnostic> {
    let Some(rule) = M::rules().into_iter().find(|r| r.timeouts.is_some()) else {
        return Ok(NO_TIMEOUT);
    };
    let Some(default) = rule
        .timeouts
        .and_then(|ops| ops.iter().find(|(op, _)| *op == operation))
        .map(|(_, d)| *d)
    else {
        return Ok(NO_TIMEOUT);
    };
    let field = planned
        .get(rule.name)
        .map(|v| Field::<Timeouts>::from_value(v, &AttributePath::attr(rule.name)))
        .transpose()
        .map_err(Diagnostic::from)?
        .unwrap_or(Field::Null);
    timeouts::timeout_of(&field, rule.name, operation, default)
}

impl<R: TypedResource> ResourceAdapter<R> {
    /// The warning of a destroy that only forgets `prior`; `None` for one that deletes.
    fn forget_warning(&self, prior: &R::Model) -> Option<Diagnostic> {
        match self.resource.deletion(prior) {
            Deletion::Forget { warning } => Some(warning),
            Deletion::Delete => None,
        }
    }

    fn destroy_plan(&self, prior: &Value) -> PlanResponse {
        let warning = model_of::<R::Model>(prior)
            .ok()
            .flatten()
            .and_then(|m| self.forget_warning(&m));
        PlanResponse {
            planned_state: Value::Null,
            planned_private: if warning.is_some() {
                DESTROY_WARNED.to_vec()
            } else {
                Vec::new()
            },
            diagnostics: warning.map(Diagnostics::from).unwrap_or_default(),
            ..Default::default()
        }
    }

    async fn destroy(&self, request: ApplyRequest) -> ApplyResponse {
        let prior = match model_of::<R::Model>(&request.prior_state) {
            Ok(Some(m)) => m,
            Ok(None) => return ApplyResponse::default(),
            Err(d) => {
                return ApplyResponse {
                    new_state: request.prior_state,
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        let mut diagnostics = Diagnostics::new();
        match self.forget_warning(&prior) {
            // Terraform before 1.3 plans no destroy: say it now.
            Some(warning) if request.planned_private != DESTROY_WARNED => diagnostics.push(warning),
            Some(_) => {}
            None => match timeout_for::<R::Model>(&request.prior_state, "delete") {
                Ok(timeout) => diagnostics.append(self.resource.delete(prior, timeout).await),
                Err(d) => diagnostics.push(d),
            },
        }
        let new_state = if diagnostics.has_errors() {
            request.prior_state
        } else {
            Value::Null
        };
        ApplyResponse {
            new_state,
            diagnostics,
            ..Default::default()
        }
    }
}

#[async_trait]
impl<R: TypedResource> Resource for ResourceAdapter<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(R::Model::block().description(self.resource.description()))
            .with_version(self.resource.schema_version())
    }

    async fn validate(&self, config: &Value, client: ClientCapabilities) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for rule in R::Model::rules() {
            if let (Some(ops), Some(value)) = (rule.timeouts, config.get(rule.name)) {
                diagnostics.append(timeouts::validate(value, rule.name, ops));
            }
        }
        let refused = refuse_write_only(&self.attributes, config, client);
        if refused.has_errors() {
            diagnostics.append(refused);
            return diagnostics;
        }
        match model_of::<R::Model>(config) {
            Ok(Some(m)) => diagnostics.append(self.resource.validate(&m).await),
            Ok(None) => {}
            Err(d) => diagnostics.append(d),
        }
        diagnostics
    }

    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        if request.proposed_new_state.is_null() {
            return self.destroy_plan(&request.prior_state);
        }
        // Terraform 1.11 proposes write-only attributes null already; an older one, or a
        // test, may not.
        let proposed = self
            .attributes
            .null_write_only(request.proposed_new_state.clone());
        let fail = |diagnostics: Diagnostics| PlanResponse {
            planned_state: proposed.clone(),
            diagnostics,
            ..Default::default()
        };
        let refused = refuse_write_only(
            &self.attributes,
            &request.config,
            request.client_capabilities,
        );
        if refused.has_errors() {
            return fail(refused);
        }
        let ruled = plan_by_rules(
            &R::Model::rules(),
            &request.prior_state,
            &proposed,
            &request.config,
        );
        if !ruled.changed.is_empty() {
            tracing::debug!(
                type_name = R::TYPE_NAME,
                changed = ?ruled.changed,
                "update planned: these attributes differ from the state"
            );
        }
        let decoded = (|| {
            Ok::<_, Diagnostics>((
                model_of::<R::Model>(&request.prior_state)?,
                model_of::<R::Model>(&request.config)?,
                model_of::<R::Model>(&ruled.planned)?,
            ))
        })();
        let (prior, Some(config), Some(planned)) = (match decoded {
            Ok(d) => d,
            Err(d) => return fail(d),
        }) else {
            return fail(Diagnostics::new());
        };
        let mut plan = Plan {
            prior,
            config,
            planned,
            requires_replace: ruled.requires_replace,
            diagnostics: Diagnostics::new(),
            creating: ruled.creating,
        };
        self.resource.modify_plan(&mut plan).await;
        // The model holds no refinements: an unknown still unknown after the hook keeps what
        // the ruled plan (the configuration, through Terraform's proposal) knew about it.
        let planned = plan.planned.into_value().keep_refinements(&ruled.planned);
        PlanResponse {
            planned_state: self.attributes.null_write_only(planned),
            requires_replace: plan.requires_replace,
            planned_private: request.prior_private,
            diagnostics: plan.diagnostics,
        }
    }

    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        if request.planned_state.is_null() {
            return self.destroy(request).await;
        }
        let creating = request.prior_state.is_null();
        let before = self.attributes.null_write_only(request.prior_state.clone());
        let fail = |diagnostics: Diagnostics| ApplyResponse {
            new_state: before.clone(),
            diagnostics,
            ..Default::default()
        };
        let operation = if creating { "create" } else { "update" };
        let timeout = match timeout_for::<R::Model>(&request.planned_state, operation) {
            Ok(t) => t,
            Err(d) => return fail(d.into()),
        };
        let decoded = (|| {
            Ok::<_, Diagnostics>((
                model_of::<R::Model>(&request.prior_state)?,
                model_of::<R::Model>(&request.planned_state)?,
                model_of::<R::Model>(&request.config)?,
            ))
        })();
        let (prior, Some(planned), Some(config)) = (match decoded {
            Ok(d) => d,
            Err(d) => return fail(d),
        }) else {
            return fail(Diagnostics::new());
        };
        let change = ChangeRequest { config, timeout };
        let outcome = match prior {
            None => self.resource.create(planned, change).await,
            Some(prior) => self.resource.update(prior, planned, change).await,
        };
        let null_write_only = |state: Value| self.attributes.null_write_only(state);
        match outcome {
            Ok(done) => ApplyResponse {
                new_state: null_write_only(done.value.into_value()),
                private: request.planned_private,
                diagnostics: done.warnings,
            },
            Err(failure) => ApplyResponse {
                new_state: null_write_only(failure.state.map_or(before, TfType::into_value)),
                private: request.planned_private,
                diagnostics: failure.diagnostics,
            },
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let keep = |diagnostics: Diagnostics| ReadResponse {
            new_state: self
                .attributes
                .null_write_only(request.current_state.clone()),
            private: request.private.clone(),
            diagnostics,
        };
        let current = match model_of::<R::Model>(&request.current_state) {
            Ok(Some(m)) => m,
            Ok(None) => return keep(Diagnostics::new()),
            Err(d) => return keep(d),
        };
        match self.resource.read(current).await {
            Ok(found) => ReadResponse {
                new_state: self
                    .attributes
                    .null_write_only(found.value.map_or(Value::Null, TfType::into_value)),
                private: request.private.clone(),
                diagnostics: found.warnings,
            },
            Err(d) => keep(d),
        }
    }

    fn prior_state_type(&self, from_version: i64) -> Option<Type> {
        self.upgraders
            .iter()
            .find(|u| u.from_version() == from_version)
            .map(|u| u.prior_type().clone())
    }

    fn upgrade_state(&self, from_version: i64, state: Value) -> Result<Value, Diagnostics> {
        let model = match self
            .upgraders
            .iter()
            .find(|u| u.from_version() == from_version)
        {
            Some(upgrader) => upgrader.upgrade(&state)?,
            None => model_of::<R::Model>(&state)?.ok_or_else(Diagnostics::new)?,
        };
        Ok(self.attributes.null_write_only(model.into_value()))
    }

    async fn import(&self, id: &str) -> ImportResponse {
        match self.resource.import(id).await {
            Ok(state) => ImportResponse {
                states: vec![self.attributes.null_write_only(state.into_value())],
                diagnostics: Diagnostics::new(),
            },
            Err(diagnostics) => ImportResponse {
                states: Vec::new(),
                diagnostics,
            },
        }
    }
}
