//! The typed values a resource's code gets and gives: the plan its hook refines
//! ([`Plan`]), what create and update get ([`ChangeRequest`]), what they answer
//! ([`Success`], [`Failure`]), how a destroy goes ([`Deletion`]) and how old states are
//! brought to the current model ([`Upgrader`]).
//!
//! Knows models, values and diagnostics; must not know the raw interface, the adapter's
//! dispatch, gRPC, or any provider.

use std::time::Duration;

use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::model::{model_of, Model};
use crate::value::{Type, Value};

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
    pub(super) creating: bool,
}

impl<M> Plan<M> {
    /// A new object is planned: a create, or the create half of a replacement.
    pub fn is_create(&self) -> bool {
        self.creating
    }
}

/// What create and update get besides the planned state (the typed side of
/// `ApplyResourceChange`).
#[derive(Clone, Debug)]
pub struct ChangeRequest<M> {
    /// The configuration (every value known). The one place an apply sees the values of
    /// write-only attributes: they are null in the planned state, and the adapter answers
    /// them null in the new state whatever create or update return.
    pub config: M,
    /// How long the operation may take: as configured in `timeouts`, else the default the
    /// model declares for the operation (`#[tf(timeouts(create = "30m"))]`); never to be
    /// restated by resource code. [`NO_TIMEOUT`] when the model declares no timeout for
    /// this operation.
    pub timeout: Duration,
}

/// [`ChangeRequest::timeout`] of an operation the model declares no timeout for: no limit
/// (`tokio::time::timeout` takes it as "far in the future").
pub const NO_TIMEOUT: Duration = Duration::MAX;

/// A create, update or read that succeeded: the value, and warnings for the user (e.g.
/// "the cluster is degraded"). `Ok(state.into())` when there is nothing to say.
///
/// ```
/// use tfplugin::diagnostics::Diagnostic;
/// use tfplugin::Success;
/// let done = Success::new(7).warn(Diagnostic::warning("Slow", "It took a while."));
/// assert_eq!(done.value, 7);
/// assert_eq!(done.warnings.iter().count(), 1);
/// let plain: Success<i32> = 7.into();
/// assert!(plain.warnings.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Success<T> {
    /// The state (for read: `None` when the object is gone).
    pub value: T,
    /// Passed on to Terraform as they are. Meant for warnings: an error here makes
    /// Terraform fail the operation, with `value` as the state.
    pub warnings: Diagnostics,
}

impl<T> Success<T> {
    /// A success with nothing to say.
    pub fn new(value: T) -> Self {
        Success {
            value,
            warnings: Diagnostics::new(),
        }
    }

    /// The same success with one more warning.
    pub fn warn(mut self, warning: Diagnostic) -> Self {
        self.warnings.push(warning);
        self
    }
}

impl<T> From<T> for Success<T> {
    fn from(value: T) -> Self {
        Success::new(value)
    }
}

/// What destroying an object does: the explicit choice of every resource
/// ([`TypedResource::deletion`]).
#[derive(Clone, Debug)]
pub enum Deletion {
    /// Destroying only removes the object from Terraform's state; no call is made. The user
    /// sees `warning` once: in the destroy plan (or at apply, when Terraform planned no
    /// destroy).
    Forget {
        /// What stays behind, and what to do about it (severity warning).
        warning: Diagnostic,
    },
    /// Destroying deletes the object: the adapter calls [`TypedResource::delete`].
    Delete,
}

/// Brings stored states of one older schema version to the current model: the state is
/// read with the prior version's model `P` (so an attribute renamed or reshaped since keeps
/// its value), then `upgrade` maps it to the current model. Listed by
/// [`TypedResource::upgraders`].
///
/// ```
/// use tfplugin::{Field, Model, Upgrader};
/// use tfplugin::value::Value;
/// #[derive(Clone, Debug, Default, Model)]
/// struct V0 {
///     /// The old name.
///     #[tf(required)]
///     greeting: Field<String>,
/// }
/// #[derive(Clone, Debug, Default, Model)]
/// struct V1 {
///     /// Renamed from `greeting`.
///     #[tf(required)]
///     text: Field<String>,
/// }
/// let upgrader = Upgrader::new(0, |old: V0| Ok(V1 { text: old.greeting }));
/// assert_eq!(upgrader.from_version(), 0);
/// let stored = Value::object([("greeting", Value::string("hi"))]);
/// let current = upgrader.upgrade(&stored).expect("upgraded");
/// assert_eq!(current.text, Field::Known("hi".into()));
/// ```
pub struct Upgrader<M> {
    from_version: i64,
    prior_type: Type,
    upgrade: Box<UpgradeFn<M>>,
}

/// A stored state of the prior version, read into the current model.
type UpgradeFn<M> = dyn Fn(&Value) -> Result<M, Diagnostics> + Send + Sync;

impl<M> Upgrader<M> {
    /// The upgrader of states of `from_version`, read as `P`.
    pub fn new<P: Model + 'static>(
        from_version: i64,
        upgrade: impl Fn(P) -> Result<M, Diagnostics> + Send + Sync + 'static,
    ) -> Self {
        Upgrader {
            from_version,
            prior_type: P::value_type(),
            upgrade: Box::new(move |value| match model_of::<P>(value)? {
                Some(prior) => upgrade(prior),
                None => Err(Diagnostic::error(
                    "Empty stored state",
                    format!("A stored state of version {from_version} is null."),
                )
                .into()),
            }),
        }
    }

    /// The schema version of the states it upgrades.
    pub fn from_version(&self) -> i64 {
        self.from_version
    }

    /// The type stored states of that version have (the prior model's).
    pub fn prior_type(&self) -> &Type {
        &self.prior_type
    }

    /// `stored` (a state of [`Upgrader::from_version`], read as [`Upgrader::prior_type`])
    /// as the current model.
    pub fn upgrade(&self, stored: &Value) -> Result<M, Diagnostics> {
        (self.upgrade)(stored)
    }
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
