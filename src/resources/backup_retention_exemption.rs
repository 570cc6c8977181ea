//! Resource `cloudhsm_backup_retention_exemption`: one of a cluster's own backups kept
//! whatever the cluster's backup retention policy says (ModifyBackupAttributes
//! `NeverExpires`). Destroying it ends the exemption: the backup follows the policy again.
//! A resource of its own (not an argument of `cloudhsm_backup_copy`): it names the backup it
//! keeps, so a module can keep the newest backup of a cluster with or without copying it, and
//! `terraform plan` shows which backup it is. The lifecycle is `backup_resource`'s.

use std::time::Duration;

use tfplugin::diagnostics::Diagnostics;
use tfplugin::{async_trait, ChangeRequest, Field, Model, Plan, Timeouts};

use crate::backup_ref::{planned_region, timestamp, validate_backup_id};
use crate::backup_resource::{BackupKind, BackupResource, Outcome, Removal};
use crate::cloudhsm::backup::Backup;
use crate::cloudhsm::{BackupError, CloudHsm};
use crate::context::ProviderContext;
use crate::region::validate_region;
use crate::tag_policy::TagPolicy;

/// The exemption of one backup.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct RetentionExemption {
    /// The backup id (the same as `backup_id`).
    #[tf(computed, copy_of = backup_id)]
    pub id: Field<String>,
    /// The backup to keep, e.g. `backup-abcdefghijk` (a `cloudhsm_backups` result).
    #[tf(required, requires_replace)]
    pub backup_id: Field<String>,
    /// The backup's region. Default: the provider's region.
    #[tf(optional, computed, requires_replace)]
    pub region: Field<String>,
    /// The cluster the backup was taken of.
    #[tf(computed, keep)]
    pub cluster_id: Field<String>,
    /// The backup's state, e.g. `READY`.
    #[tf(computed)]
    pub state: Field<String>,
    /// When the backup was taken (RFC 3339).
    #[tf(computed, keep)]
    pub create_timestamp: Field<String>,
    #[tf(timeouts(create = "10m", update = "10m", delete = "10m"))]
    pub timeouts: Field<Timeouts>,
}

/// `cloudhsm_backup_retention_exemption`.
pub struct Exemption;
pub type RetentionExemptionResource = BackupResource<Exemption>;
type Change = ChangeRequest<RetentionExemption>;

#[async_trait]
impl BackupKind for Exemption {
    type Model = RetentionExemption;
    const TYPE_NAME: &'static str = "cloudhsm_backup_retention_exemption";
    const BACKUP_ID: &'static str = RetentionExemption::BACKUP_ID;
    const DESCRIPTION: &'static str = "Exempts one CloudHSM backup from its cluster's backup \
        retention policy (NeverExpires), so that it is kept until deleted. Destroying the \
        resource ends the exemption: the backup then expires by the policy again. A backup \
        that loses its exemption outside Terraform plans the exemption again.";

    fn backup_id(m: &RetentionExemption) -> String {
        m.backup_id.value_or_default()
    }

    fn region(m: &RetentionExemption) -> &Field<String> {
        &m.region
    }

    fn seen(m: &RetentionExemption, b: &Backup, _tags: &TagPolicy) -> RetentionExemption {
        RetentionExemption {
            id: Field::Known(b.id.clone()),
            backup_id: Field::Known(b.id.clone()),
            cluster_id: b.cluster_id.clone().into(),
            state: Field::Known(b.state.as_str().to_string()),
            create_timestamp: timestamp(b.create_timestamp),
            ..m.clone()
        }
    }

    fn stands(b: &Backup) -> bool {
        b.never_expires
    }

    fn imported(region: String, backup_id: String) -> RetentionExemption {
        let (region, backup_id) = (Field::Known(region), Field::Known(backup_id));
        RetentionExemption {
            id: backup_id.clone(),
            backup_id,
            region,
            ..Default::default()
        }
    }

    fn validate(m: &RetentionExemption) -> Diagnostics {
        let mut diags = validate_backup_id(&m.backup_id, RetentionExemption::BACKUP_ID);
        diags.append(validate_region(&m.region, RetentionExemption::REGION));
        diags
    }

    async fn plan(context: &ProviderContext, plan: &mut Plan<RetentionExemption>) {
        plan.planned.region = planned_region(context, &plan.config.region).await;
    }

    async fn create(
        client: CloudHsm,
        planned: &RetentionExemption,
        apply: &Change,
        _tags: &TagPolicy,
    ) -> Outcome {
        let id = planned.backup_id.value_or_default();
        client
            .change_backup(&id, Some(true), None, apply.timeout)
            .await
    }

    async fn update(
        client: CloudHsm,
        planned: &RetentionExemption,
        apply: &Change,
        tags: &TagPolicy,
    ) -> Outcome {
        Self::create(client, planned, apply, tags).await
    }

    async fn delete(client: CloudHsm, prior: &RetentionExemption, timeout: Duration) -> Removal {
        let id = prior.backup_id.value_or_default();
        // A backup deleted (or being deleted) keeps no exemption to end.
        match client.describe_backup(&id).await {
            Ok(Some(b)) if b.state.is_live() => {}
            Ok(_) => return Ok(()),
            Err(e) => return Err(BackupError::Describe(e)),
        }
        client
            .change_backup(&id, Some(false), None, timeout)
            .await
            .map(|_| ())
    }
}
