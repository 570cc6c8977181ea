//! Typed resources: a resource declares its model (schema and values, see [`crate::model`])
//! and implements create / read / update / delete (plus optional validate, plan hook and
//! import) on typed values. The adapter owns Terraform's protocol rules: dispatch between
//! create, update and destroy; the plan rules ([`crate::plan_rules`]); `timeouts`; the
//! warning of a destroy that only forgets; private state; the null rules of import; and
//! write-only attributes (null in every plan and state it answers, whatever resource code
//! put there; refused, before any resource code runs, by a Terraform that does not announce
//! support for them).
//!
//! Knows the raw interface, values and models; knows nothing of gRPC or of any provider.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::diagnostics::AttributePath;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::interface::{
    ApplyRequest, ApplyResponse, ClientCapabilities, ImportResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource,
};
use crate::model::{model_of, Model};
use crate::plan_rules::apply_rules;
use crate::schema::{Block, Schema};
use crate::timeouts::{self, Timeouts};
use crate::value::{Field, FromValue, IntoValue, Value};

/// What a resource's plan hook sees and may change. The adapter has already applied the
/// plan rules to `planned`.
#[derive(Clone, Debug)]
pub struct Plan<M> {
    /// The prior state; `None` on create.
    pub prior: Option<M>,
    /// The configuration (values may be unknown), write-only values included.
    pub config: M,
    /// The planned state, to refine. Write-only attributes are null here and are answered
    /// null whatever the hook sets.
    pub planned: M,
    /// Attributes whose change needs a new object; a non-empty list plans a replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Problems and notes for the user.
    pub diagnostics: Diagnostics,
    creating: bool,
}

impl<M> Plan<M> {
    /// A plan as the adapter hands it to [`TypedResource::modify_plan`], for testing a plan
    /// hook on its own: `creating` says a new object is planned (create or replacement).
    pub fn new(prior: Option<M>, config: M, planned: M, creating: bool) -> Self {
        Plan {
            prior,
            config,
            planned,
            requires_replace: Vec::new(),
            diagnostics: Diagnostics::new(),
            creating,
        }
    }

    /// A new object is planned: a create, or the create half of a replacement.
    pub fn is_create(&self) -> bool {
        self.creating
    }
}

/// What create and update get besides the planned state.
#[derive(Clone, Debug)]
pub struct Apply<M> {
    /// The configuration (every value known). The one place an apply sees the values of
    /// write-only attributes: they are null in the planned state, and the adapter answers
    /// them null in the new state whatever create or update return.
    pub config: M,
    /// The operation's timeout from `timeouts`, when the model declares one for it.
    pub timeout: Option<Duration>,
}

/// A create or update that failed part-way: the state as it really is, and why.
#[derive(Clone, Debug)]
pub struct Failure<M> {
    /// The object as it is now; `None`: as it was before (nothing on create).
    pub state: Option<M>,
    /// Why. Hold at least one error: these are passed on as they are, and without an error
    /// Terraform takes the answer for a success.
    pub diagnostics: Diagnostics,
}

impl<M> Failure<M> {
    /// Nothing changed.
    pub fn unchanged(diagnostics: impl Into<Diagnostics>) -> Self {
        Failure {
            state: None,
            diagnostics: diagnostics.into(),
        }
    }

    /// Something changed: the object is now `state`.
    pub fn with_state(state: M, diagnostics: impl Into<Diagnostics>) -> Self {
        Failure {
            state: Some(state),
            diagnostics: diagnostics.into(),
        }
    }
}

/// A managed resource on typed values.
#[async_trait]
pub trait TypedResource: Send + Sync + 'static {
    /// The resource's attributes: schema and values.
    type Model: Model + Clone + Send + Sync + 'static;
    /// Full type name, e.g. `example_greeting`.
    const TYPE_NAME: &'static str;

    /// What the resource is for (the schema's description, Markdown).
    fn description(&self) -> String;

    /// The schema version (raise it together with [`TypedResource::upgrade`]).
    fn schema_version(&self) -> i64 {
        0
    }

    /// Brings a stored state of an older schema version to the current model (it arrives read
    /// against the current schema: attributes no longer there are dropped, new ones null).
    /// By default the state is kept as it is.
    fn upgrade(&self, _from_version: i64, state: Self::Model) -> Result<Self::Model, Diagnostics> {
        Ok(state)
    }

    /// Static checks of the configuration (values may be unknown), write-only values
    /// included. `timeouts` durations are checked by the adapter, and so is whether this
    /// Terraform supports write-only attributes (when it does not, a configured one is an
    /// error and this is not called).
    async fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Refines a create or update plan after the plan rules: plan-time checks, values known
    /// early, extra replacements.
    async fn modify_plan(&self, _plan: &mut Plan<Self::Model>) {}

    /// For a resource whose destroy only forgets: the warning a user sees once, in the
    /// destroy plan (or at apply when Terraform planned no destroy).
    fn destroy_warning(&self, _prior: &Self::Model) -> Option<Diagnostic> {
        None
    }

    /// Creates the object `planned` describes (unknown values are the ones to fill in) and
    /// returns its state, every value known. On failure, what was made so far, if anything.
    async fn create(
        &self,
        planned: Self::Model,
        apply: Apply<Self::Model>,
    ) -> Result<Self::Model, Failure<Self::Model>>;

    /// The object as it is now; `Ok(None)` when it is gone (Terraform then plans a create);
    /// `Err`: the state is kept as it was.
    async fn read(&self, current: Self::Model) -> Result<Option<Self::Model>, Diagnostics>;

    /// Changes the object from `prior` to `planned` (unknown values are the ones to fill
    /// in) and returns its state, every value known. On failure, the object as it now is.
    async fn update(
        &self,
        prior: Self::Model,
        planned: Self::Model,
        apply: Apply<Self::Model>,
    ) -> Result<Self::Model, Failure<Self::Model>>;

    /// Deletes the object; the default deletes nothing.
    async fn delete(&self, _prior: Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// The state for an import id (attributes left at their default are null); Terraform
    /// reads it afterwards. By default the resource cannot be imported.
    async fn import(&self, id: &str) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostic::error(
            "Import is not supported",
            format!(
                "{} cannot be imported (id {id:?}); create it with terraform apply instead.",
                Self::TYPE_NAME
            ),
        )
        .into())
    }
}

/// Private plan data of a destroy plan that already carried the destroy warning.
const DESTROY_WARNED: &[u8] = b"tfplugin:destroy-warned";

/// Serves a [`TypedResource`] through the raw [`Resource`] interface.
pub struct ResourceAdapter<R: TypedResource> {
    resource: Arc<R>,
    /// The model's attributes, for the write-only rules.
    attributes: Block,
    _model: PhantomData<R::Model>,
}

/// `resource` as the raw interface the server wants.
pub fn serve_resource<R: TypedResource>(resource: R) -> Arc<dyn Resource> {
    Arc::new(ResourceAdapter {
        resource: Arc::new(resource),
        attributes: Block::new(R::Model::attributes()),
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

/// The timeout of `operation` from the model's `timeouts` attribute, if it declares one.
fn timeout_for<M: Model>(planned: &Value, operation: &str) -> Result<Option<Duration>, Diagnostic> {
    let Some(rule) = M::rules().into_iter().find(|r| r.timeouts.is_some()) else {
        return Ok(None);
    };
    let Some(default) = rule
        .timeouts
        .and_then(|ops| ops.iter().find(|(op, _)| *op == operation))
        .map(|(_, d)| *d)
    else {
        return Ok(None);
    };
    let field = planned
        .get(rule.name)
        .map(|v| Field::<Timeouts>::from_value(v, &AttributePath::attr(rule.name)))
        .transpose()
        .map_err(Diagnostic::from)?
        .unwrap_or(Field::Null);
    timeouts::timeout_of(&field, rule.name, operation, default).map(Some)
}

impl<R: TypedResource> ResourceAdapter<R> {
    fn destroy_plan(&self, prior: &Value) -> PlanResponse {
        let warning = model_of::<R::Model>(prior)
            .ok()
            .flatten()
            .and_then(|m| self.resource.destroy_warning(&m));
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
        if request.planned_private != DESTROY_WARNED {
            // Terraform before 1.3 plans no destroy: say it now.
            diagnostics.extend(self.resource.destroy_warning(&prior));
        }
        diagnostics.append(self.resource.delete(prior).await);
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
        Schema::new(Block::new(R::Model::attributes()).description(self.resource.description()))
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
        let ruled = apply_rules(
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
        let apply = Apply { config, timeout };
        let outcome = match prior {
            None => self.resource.create(planned, apply).await,
            Some(prior) => self.resource.update(prior, planned, apply).await,
        };
        let null_write_only = |state: Value| self.attributes.null_write_only(state);
        match outcome {
            Ok(state) => ApplyResponse {
                new_state: null_write_only(state.into_value()),
                private: request.planned_private,
                ..Default::default()
            },
            Err(failure) => ApplyResponse {
                new_state: null_write_only(failure.state.map_or(before, IntoValue::into_value)),
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
                    .null_write_only(found.map_or(Value::Null, IntoValue::into_value)),
                private: request.private.clone(),
                diagnostics: Diagnostics::new(),
            },
            Err(d) => keep(d),
        }
    }

    fn upgrade_state(&self, from_version: i64, state: Value) -> Result<Value, Diagnostics> {
        let model = model_of::<R::Model>(&state)?.ok_or_else(Diagnostics::new)?;
        self.resource
            .upgrade(from_version, model)
            .map(|m| self.attributes.null_write_only(m.into_value()))
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
