//! The lifecycle every resource that is one backup of one region shares, written once: a
//! resource says what is its own in a [`BackupKind`] (its model, where its backup lives, its
//! plan rules and the AWS calls of create, update and delete), and [`BackupResource`] serves
//! it through the typed layer: the client of the right region, reads that drop a backup
//! CloudHSM no longer shows (or one deleted, pending deletion, or no longer what the
//! resource stands for), import by `REGION/BACKUP_ID`, and every failure as a diagnostic
//! with the state as last seen when something may have changed.
//!
//! Knows the typed layer, the provider context and the backup workflows; not any one model.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use tfplugin::diagnostics::Diagnostics;
use tfplugin::TypedResource;
use tfplugin::{async_trait, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success};

use crate::aws_diagnostics::Subject;
use crate::backup_ref::{self, client_for_change, client_in, outcome};
use crate::cloudhsm::backup::Backup;
use crate::cloudhsm::{BackupError, CloudHsm};
use crate::context::ProviderContext;
use crate::tag_policy::TagPolicy;

/// What create and update answer: the backup as seen once done.
pub type Outcome = Result<Backup, BackupError>;
/// What delete answers.
pub type Removal = Result<(), BackupError>;

/// What makes one backup resource what it is.
#[async_trait]
pub trait BackupKind: Send + Sync + 'static {
    type Model: Model + Clone + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static;
    const TYPE_NAME: &'static str;
    /// The resource's description.
    const DESCRIPTION: &'static str;
    /// The attribute that holds the backup's id, for messages.
    const BACKUP_ID: &'static str;

    /// The backup's id in a state.
    fn backup_id(m: &Self::Model) -> String;
    /// The region of the backup.
    fn region(m: &Self::Model) -> &Field<String>;
    /// The region create works in (the backup's own, unless the resource makes it from
    /// elsewhere, as a copy does).
    fn create_region(m: &Self::Model) -> &Field<String> {
        Self::region(m)
    }
    /// The state for the backup `b`, the state `m`'s own arguments kept, its tags read by
    /// the provider's rules `tags`.
    fn seen(m: &Self::Model, b: &Backup, tags: &TagPolicy) -> Self::Model;
    /// Whether the live backup `b` still is what the resource stands for.
    fn stands(_b: &Backup) -> bool {
        true
    }
    /// The state `terraform import` starts from (Terraform reads it next).
    fn imported(region: String, backup_id: String) -> Self::Model;
    /// What create is about, for messages: the backup it starts from.
    fn create_subject(m: &Self::Model) -> (String, &'static str) {
        (Self::backup_id(m), Self::BACKUP_ID)
    }

    /// Checks of the configuration.
    fn validate(m: &Self::Model) -> Diagnostics;
    /// Plan rules beyond the typed layer's.
    async fn plan(_context: &ProviderContext, _plan: &mut Plan<Self::Model>) {}
    /// Create, with the client of [`BackupKind::create_region`].
    async fn create(
        client: CloudHsm,
        planned: &Self::Model,
        apply: &ChangeRequest<Self::Model>,
        tags: &TagPolicy,
    ) -> Outcome;
    /// Update, with the client of the backup's region.
    async fn update(
        client: CloudHsm,
        planned: &Self::Model,
        apply: &ChangeRequest<Self::Model>,
        tags: &TagPolicy,
    ) -> Result<Backup, BackupError>;
    /// Delete, with the client of the backup's region.
    async fn delete(
        client: CloudHsm,
        prior: &Self::Model,
        timeout: Duration,
    ) -> Result<(), BackupError>;
}

/// A [`BackupKind`] as a resource.
pub struct BackupResource<K> {
    context: Arc<ProviderContext>,
    kind: PhantomData<K>,
}

impl<K> BackupResource<K> {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        BackupResource {
            context,
            kind: PhantomData,
        }
    }
}

fn subject<K: BackupKind>(id: &str) -> Subject<'_> {
    Subject::backup(id, K::BACKUP_ID)
}

#[async_trait]
impl<K: BackupKind> TypedResource for BackupResource<K> {
    type Model = K::Model;
    const TYPE_NAME: &'static str = K::TYPE_NAME;

    fn description(&self) -> String {
        K::DESCRIPTION.to_string()
    }

    async fn validate(&self, config: &K::Model) -> Diagnostics {
        K::validate(config)
    }

    async fn modify_plan(&self, plan: &mut Plan<K::Model>) {
        K::plan(&self.context, plan).await
    }

    fn deletion(&self, _prior: &K::Model) -> Deletion {
        Deletion::Delete
    }

    async fn create(
        &self,
        planned: K::Model,
        apply: ChangeRequest<K::Model>,
    ) -> Result<Success<K::Model>, Failure<K::Model>> {
        let client = client_for_change(&self.context, K::create_region(&planned)).await?;
        let tags = self.context.tags().await;
        let result = K::create(client, &planned, &apply, &tags).await;
        let (id, attribute) = K::create_subject(&planned);
        let subject = Subject::backup(&id, attribute);
        outcome(result, &subject, "creating the resource", |b| {
            K::seen(&planned, b, &tags)
        })
    }

    async fn update(
        &self,
        _prior: K::Model,
        planned: K::Model,
        apply: ChangeRequest<K::Model>,
    ) -> Result<Success<K::Model>, Failure<K::Model>> {
        let client = client_for_change(&self.context, K::region(&planned)).await?;
        let tags = self.context.tags().await;
        let result = K::update(client, &planned, &apply, &tags).await;
        let id = K::backup_id(&planned);
        outcome(result, &subject::<K>(&id), "changing the backup", |b| {
            K::seen(&planned, b, &tags)
        })
    }

    async fn read(&self, current: K::Model) -> Result<Success<Option<K::Model>>, Diagnostics> {
        let id = K::backup_id(&current);
        let tags = self.context.tags().await;
        let map = |b: Backup| K::stands(&b).then(|| K::seen(&current, &b, &tags));
        let doing = "refreshing the backup";
        backup_ref::refresh(
            &self.context,
            K::region(&current),
            &subject::<K>(&id),
            doing,
            map,
        )
        .await
    }

    async fn delete(&self, prior: K::Model, timeout: Duration) -> Diagnostics {
        let id = K::backup_id(&prior);
        let subject = subject::<K>(&id);
        match client_in(&self.context, K::region(&prior)).await {
            Ok(client) => match K::delete(client, &prior, timeout).await {
                Ok(()) => Diagnostics::new(),
                Err(e) => {
                    crate::aws_diagnostics::backup_diagnostic(&e, &subject, "deleting").into()
                }
            },
            Err(d) => d,
        }
    }

    async fn import(&self, id: &str) -> Result<K::Model, Diagnostics> {
        let (region, backup) = backup_ref::imported_id(id, K::TYPE_NAME)?;
        let region = region.or(self.context.region().await).unwrap_or_default();
        Ok(K::imported(region, backup))
    }
}
