//! What the provider shares with its resources and data source: the CloudHSM client once
//! the provider block is configured (or "deferred" while its arguments are unknown at plan
//! time), plan-time reads of a cluster (whose messages name what the caller says they are
//! about, a [`Subject`]), the provider block's tag rules ([`TagPolicy`]), and the stop
//! signal that `StopProvider` fires.
//!
//! Knows Terraform diagnostics and our CloudHSM client; not the resources that use it.

use std::sync::Arc;

use tokio::sync::RwLock;

use crate::aws_diagnostics::{api_diagnostic, Subject};
use crate::cloudhsm::{ApiError, CloudHsm, Cluster};
use crate::stop::StopSignal;
use crate::tag_policy::TagPolicy;
use tfplugin::diagnostics::{Diagnostic, Diagnostics};

/// What a plan-time read of a cluster found.
pub enum PlanRead {
    Found(Box<Cluster>),
    NotFound,
    /// Not read: the provider configuration is not known yet, or CloudHSM could not answer
    /// (a diagnostic says which).
    Unavailable,
}

/// What the resources know of the configured provider.
pub(crate) enum ClientState {
    /// ConfigureProvider has not been called yet.
    NotConfigured,
    /// Some provider arguments are not known until apply (they come from other resources).
    Deferred,
    Ready(CloudHsm),
    Failed(Diagnostics),
}

/// Shared between the provider and its resources: the client once configured, and the stop
/// signal that `StopProvider` fires (and re-arms, for the runs that follow).
pub struct ProviderContext {
    pub(crate) client: RwLock<ClientState>,
    /// `default_tags` and `ignore_tags`, set when the provider is configured (also when
    /// the client is deferred or failed: a plan needs them).
    pub(crate) tags: RwLock<TagPolicy>,
    pub(crate) stop: StopSignal,
}

impl ProviderContext {
    pub fn new() -> Arc<Self> {
        Arc::new(ProviderContext {
            client: RwLock::new(ClientState::NotConfigured),
            tags: RwLock::default(),
            stop: StopSignal::new(),
        })
    }

    /// A context that is already configured with `client`, for tests.
    #[cfg(test)]
    pub fn with_client(client: CloudHsm, stop: StopSignal) -> Arc<Self> {
        Arc::new(ProviderContext {
            client: RwLock::new(ClientState::Ready(client)),
            tags: RwLock::default(),
            stop,
        })
    }

    /// A context whose provider configuration is not known yet (plan-time reads are
    /// skipped), for tests.
    #[cfg(test)]
    pub fn deferred() -> Arc<Self> {
        Arc::new(ProviderContext {
            client: RwLock::new(ClientState::Deferred),
            tags: RwLock::default(),
            stop: StopSignal::new(),
        })
    }

    /// The provider's region, once the client is configured (`None` while the provider
    /// configuration is not known).
    pub async fn region(&self) -> Option<String> {
        match &*self.client.read().await {
            ClientState::Ready(c) => Some(c.region().to_string()),
            _ => None,
        }
    }

    /// The provider block's tag rules (none before it is configured).
    pub async fn tags(&self) -> TagPolicy {
        self.tags.read().await.clone()
    }

    /// The client for plan-time reads: `Ok(None)` when the provider configuration is not
    /// known yet (reads are then skipped and the checks run at apply).
    pub async fn plan_client(&self) -> Result<Option<CloudHsm>, Diagnostics> {
        match &*self.client.read().await {
            ClientState::Ready(c) => Ok(Some(c.clone())),
            ClientState::Deferred => Ok(None),
            ClientState::NotConfigured => Err(not_configured()),
            ClientState::Failed(d) => Err(d.clone()),
        }
    }

    /// The client for apply and refresh, where the configuration must be known.
    pub async fn client(&self) -> Result<CloudHsm, Diagnostics> {
        match &*self.client.read().await {
            ClientState::Ready(c) => Ok(c.clone()),
            ClientState::Deferred => Err(Diagnostic::error(
                "Provider configuration is not known",
                "Some arguments of the cloudhsm provider block are still unknown, so the \
                 provider cannot reach CloudHSM. Use values that are known before apply \
                 (variables, data sources) in the provider block.",
            )
            .into()),
            ClientState::NotConfigured => Err(not_configured()),
            ClientState::Failed(d) => Err(d.clone()),
        }
    }

    /// Reads the cluster `subject` names to sharpen a plan. Such reads only sharpen it: when
    /// CloudHSM is throttling, failing or unreachable, the plan goes on with a warning (apply
    /// runs the same checks), so a bad minute cannot end an apply, which plans each resource
    /// again. A refusal is an error on the subject's attribute.
    pub async fn read_at_plan(
        &self,
        subject: &Subject<'_>,
        doing: &str,
        diags: &mut Diagnostics,
    ) -> PlanRead {
        let client = match self.plan_client().await {
            Ok(Some(c)) => c,
            Ok(None) => return PlanRead::Unavailable,
            Err(d) => {
                diags.append(d);
                return PlanRead::Unavailable;
            }
        };
        match client.describe(subject.id).await {
            Ok(Some(c)) => PlanRead::Found(Box::new(c)),
            Ok(None) => PlanRead::NotFound,
            Err(e) if e.is_transient() || matches!(e, ApiError::DeadlineReached { .. }) => {
                diags.push(Diagnostic::warning(
                    format!("Could not read the {} at plan time", subject.noun),
                    format!(
                        "{}: {e}. The plan goes on without {doing}; the same checks run when \
                         the change is applied.",
                        subject.label()
                    ),
                ));
                PlanRead::Unavailable
            }
            Err(e) => {
                diags.push(api_diagnostic(&e, subject, doing).at(subject.path()));
                PlanRead::Unavailable
            }
        }
    }

    /// `StopProvider`: ends every operation in flight; later operations run normally.
    pub fn stop(&self) {
        self.stop.fire();
    }
}

fn not_configured() -> Diagnostics {
    Diagnostic::error(
        "Provider not configured",
        "Terraform did not configure the cloudhsm provider before using it. This is a bug in \
         the provider or in Terraform; please report it.",
    )
    .into()
}
