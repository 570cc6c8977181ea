//! Typed resources: a resource declares its model (schema and values, see [`crate::model`])
//! and implements create / read / update on typed values, says how a destroy goes
//! ([`Deletion`]: forget with a warning, or delete), plus optional validate, plan hook,
//! import and state upgraders ([`Upgrader`], from a prior version's model). The adapter owns
//! Terraform's protocol rules: dispatch between create, update and destroy; the plan rules
//! ([`crate::plan_rules`]); `timeouts` (every declared operation gets its duration, the
//! declared default when not configured); the warning of a destroy that only forgets;
//! private state; the null rules of import; and write-only attributes (null in every plan
//! and state it answers, whatever resource code put there; refused, before any resource
//! code runs, by a Terraform that does not announce support for them). Successful
//! operations may carry warnings ([`Success`]).
//!
//! Knows the raw interface, values and models; knows nothing of gRPC or of any provider.

use std::time::Duration;

use async_trait::async_trait;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::Model;

mod adapter;
#[cfg(test)]
mod tests;
mod values;

pub use adapter::{adapt_resource, refuse_write_only, ResourceAdapter};
pub use values::{ChangeRequest, Deletion, Failure, Plan, Success, Upgrader, NO_TIMEOUT};

/// A managed resource on typed values.
#[async_trait]
pub trait TypedResource: Send + Sync + 'static {
    /// The resource's attributes: schema and values.
    type Model: Model + Clone + Send + Sync + 'static;
    /// Full type name, e.g. `example_greeting`.
    const TYPE_NAME: &'static str;

    /// What the resource is for (the schema's description, Markdown).
    fn description(&self) -> String;

    /// The schema version: raise it when the stored state changes shape, and add an
    /// [`Upgrader`] for the version before.
    fn schema_version(&self) -> i64 {
        0
    }

    /// One upgrader per older schema version whose stored states need more than being read
    /// with the current model (each reads them with its own prior model). A state of a
    /// version without an upgrader is read with the current model and kept as it is
    /// (attributes no longer there dropped, new ones null). None by default.
    fn upgraders(&self) -> Vec<Upgrader<Self::Model>> {
        Vec::new()
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

    /// What destroying `prior` does: forget it (with the warning users see once) or
    /// delete it (then [`TypedResource::delete`] does). No default: every resource says.
    fn deletion(&self, prior: &Self::Model) -> Deletion;

    /// Creates the object `planned` describes (unknown values are the ones to fill in) and
    /// returns its state, every value known, with any warnings. On failure, what was made
    /// so far, if anything.
    async fn create(
        &self,
        planned: Self::Model,
        request: ChangeRequest<Self::Model>,
    ) -> Result<Success<Self::Model>, Failure<Self::Model>>;

    /// The object as it is now, with any warnings; `None` when it is gone (Terraform then
    /// plans a create); `Err`: the state is kept as it was.
    async fn read(&self, current: Self::Model)
        -> Result<Success<Option<Self::Model>>, Diagnostics>;

    /// Changes the object from `prior` to `planned` (unknown values are the ones to fill
    /// in) and returns its state, every value known, with any warnings. On failure, the
    /// object as it now is.
    async fn update(
        &self,
        prior: Self::Model,
        planned: Self::Model,
        request: ChangeRequest<Self::Model>,
    ) -> Result<Success<Self::Model>, Failure<Self::Model>>;

    /// Deletes the object, for a resource whose [`TypedResource::deletion`] is
    /// [`Deletion::Delete`] (never called otherwise), within `timeout` (`timeouts.delete` as
    /// configured in the prior state, else its declared default; [`NO_TIMEOUT`] when the
    /// model declares none). The default is an error saying the resource forgot to
    /// implement it: the state is kept, nothing is lost.
    async fn delete(&self, _prior: Self::Model, _timeout: Duration) -> Diagnostics {
        Diagnostic::error(
            "Delete is not implemented",
            format!(
                "{} says destroying deletes the object (Deletion::Delete) but implements no \
                 delete; the object is kept in the state. This is a bug in the provider: \
                 please report it.",
                Self::TYPE_NAME
            ),
        )
        .into()
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
