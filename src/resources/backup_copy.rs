//! Resource `cloudhsm_backup_copy`: a cluster backup copied to another region
//! (CopyBackupToRegion), for disaster recovery. Create copies once and adopts a copy that
//! exists (see `cloudhsm::workflows::backups`); `never_expires` and `tags` change in place,
//! the provider's `default_tags` under the copy's own and its `ignore_tags` left alone
//! (`tag_policy`);
//! destroy deletes the copy (restorable for 7 days). Import by `REGION/BACKUP_ID`. The
//! lifecycle around these calls is `backup_resource`'s.

use std::collections::BTreeMap;
use std::time::Duration;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::{async_trait, ChangeRequest, Field, Model, Plan, Timeouts};

use crate::backup_ref::{planned_region, validate_backup_id};
use crate::backup_resource::{BackupKind, BackupResource, Outcome, Removal};
use crate::cloudhsm::backup::Backup;
use crate::cloudhsm::{CloudHsm, CopyRequest, WantedTags};
use crate::context::ProviderContext;
use crate::region::{must_differ, validate_region};
use crate::tag_policy::{tag_problems, SeenTags, TagPolicy, MAX_TAGS};

/// The copy: in its region, a backup like any other, to restore a new cluster from.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BackupCopy {
    /// The copy's backup id (import takes `DESTINATION_REGION/BACKUP_ID`).
    #[tf(computed, copy_of = backup_id)]
    pub id: Field<String>,
    /// The backup to copy, e.g. `backup-abcdefghijk` (a `cloudhsm_backups` result).
    #[tf(required, requires_replace)]
    pub source_backup_id: Field<String>,
    /// The region of the source backup. Default: the provider's region.
    #[tf(optional, computed, requires_replace)]
    pub source_region: Field<String>,
    /// The region to copy to, e.g. `eu-central-1`: not the source's.
    #[tf(required, requires_replace)]
    pub destination_region: Field<String>,
    /// Exempt the copy from the retention policy of the cluster it was taken of. Default
    /// false.
    #[tf(optional, computed, default = false)]
    pub never_expires: Field<bool>,
    /// Tags of the copy. The provider block's `default_tags` are added under them.
    #[tf(optional)]
    pub tags: Field<BTreeMap<String, String>>,
    /// Every tag of the copy: the provider's `default_tags` merged under `tags`, without the
    /// keys of its `ignore_tags`.
    #[tf(computed)]
    pub tags_all: Field<BTreeMap<String, String>>,
    /// The copy's backup id in the destination region.
    #[tf(computed, keep)]
    pub backup_id: Field<String>,
    /// The copy's ARN.
    #[tf(computed, keep)]
    pub backup_arn: Field<String>,
    /// The copy's state: `READY` once copied.
    #[tf(computed)]
    pub state: Field<String>,
    #[tf(timeouts(create = "60m", update = "10m", delete = "10m"))]
    pub timeouts: Field<Timeouts>,
}

fn tags_path() -> AttributePath {
    AttributePath::attr(BackupCopy::TAGS)
}

/// `cloudhsm_backup_copy`.
pub struct Copy;
type Change = ChangeRequest<BackupCopy>;
pub type BackupCopyResource = BackupResource<Copy>;

#[async_trait]
impl BackupKind for Copy {
    type Model = BackupCopy;
    const TYPE_NAME: &'static str = "cloudhsm_backup_copy";
    const BACKUP_ID: &'static str = BackupCopy::BACKUP_ID;
    const DESCRIPTION: &'static str = "A copy of a CloudHSM cluster backup in another region \
        (CopyBackupToRegion), for disaster recovery. Destroying it deletes the copy: CloudHSM \
        keeps it restorable (PENDING_DELETION) for 7 days, and a copy deleted outside \
        Terraform plans a new one (a copy pending deletion is restored, not copied again).";

    fn backup_id(m: &BackupCopy) -> String {
        m.backup_id.value_or_default()
    }

    fn region(m: &BackupCopy) -> &Field<String> {
        &m.destination_region
    }

    fn create_region(m: &BackupCopy) -> &Field<String> {
        &m.source_region
    }

    fn create_subject(m: &BackupCopy) -> (String, &'static str) {
        let source = m.source_backup_id.value_or_default();
        (source, BackupCopy::SOURCE_BACKUP_ID)
    }

    fn seen(m: &BackupCopy, b: &Backup, policy: &TagPolicy) -> BackupCopy {
        let SeenTags { tags, all } = policy.seen(&b.user_tags(), &m.tags.value_or_default());
        let known = |v: &Option<String>, or: &Field<_>| v.clone().map_or(or.clone(), Field::Known);
        BackupCopy {
            id: Field::Known(b.id.clone()),
            source_backup_id: known(&b.source_backup, &m.source_backup_id),
            source_region: known(&b.source_region, &m.source_region),
            never_expires: Field::Known(b.never_expires),
            tags: Some(tags)
                .filter(|t| !t.is_empty() || m.tags.is_known())
                .into(),
            tags_all: Field::Known(all),
            backup_id: Field::Known(b.id.clone()),
            backup_arn: b.arn.clone().into(),
            state: Field::Known(b.state.as_str().to_string()),
            ..m.clone()
        }
    }

    fn imported(region: String, backup_id: String) -> BackupCopy {
        let (destination_region, backup_id) = (Field::Known(region), Field::Known(backup_id));
        BackupCopy {
            id: backup_id.clone(),
            destination_region,
            backup_id,
            ..Default::default()
        }
    }

    fn validate(c: &BackupCopy) -> Diagnostics {
        let (to, to_name) = (&c.destination_region, BackupCopy::DESTINATION_REGION);
        let mut diags = validate_backup_id(&c.source_backup_id, BackupCopy::SOURCE_BACKUP_ID);
        diags.append(validate_region(&c.source_region, BackupCopy::SOURCE_REGION));
        diags.append(validate_region(to, to_name));
        if let Some(tags) = c.tags.known() {
            for problem in tag_problems(tags) {
                diags.push(Diagnostic::error("Invalid tag", problem).at(tags_path()));
            }
        }
        diags
    }

    async fn plan(context: &ProviderContext, plan: &mut Plan<BackupCopy>) {
        plan.planned.source_region = planned_region(context, &plan.config.source_region).await;
        let (from, to) = (
            &plan.planned.source_region,
            &plan.planned.destination_region,
        );
        let refused = must_differ(from, to, BackupCopy::DESTINATION_REGION);
        plan.diagnostics.append(refused);
        let policy = context.tags().await;
        plan.planned.tags_all = match &plan.config.tags {
            Field::Unknown => Field::Unknown,
            own => policy
                .planned_all(&own.value_or_default())
                .map_or(Field::Unknown, Field::Known),
        };
        if !plan.config.tags.is_unknown() {
            let count = policy.sent(&plan.config.tags.value_or_default()).len();
            if policy.defaults.is_some() && count > MAX_TAGS {
                plan.diagnostics.push(
                    Diagnostic::error(
                        "Too many tags",
                        format!(
                            "The copy would have {count} tags (its own and the provider's \
                             default_tags), and CloudHSM holds at most {MAX_TAGS} on a backup. \
                             Drop some of them here or in default_tags."
                        ),
                    )
                    .at(tags_path()),
                );
            }
        }
    }

    async fn create(
        source: CloudHsm,
        planned: &BackupCopy,
        apply: &Change,
        policy: &TagPolicy,
    ) -> Outcome {
        let request = CopyRequest {
            source_backup_id: planned.source_backup_id.value_or_default(),
            destination_region: planned.destination_region.value_or_default(),
            tags: policy.sent(&apply.config.tags.value_or_default()),
            ignored_tags: policy.ignored.clone(),
            never_expires: planned.never_expires.value_or_default(),
        };
        source.copy_backup(&request, apply.timeout).await
    }

    async fn update(
        dest: CloudHsm,
        planned: &BackupCopy,
        apply: &Change,
        policy: &TagPolicy,
    ) -> Outcome {
        let (id, never) = (
            planned.backup_id.value_or_default(),
            planned.never_expires.known(),
        );
        let tags = policy.sent(&apply.config.tags.value_or_default());
        let wanted = WantedTags {
            tags: &tags,
            ignored: &policy.ignored,
        };
        dest.change_backup(&id, never.copied(), Some(wanted), apply.timeout)
            .await
    }

    async fn delete(dest: CloudHsm, prior: &BackupCopy, timeout: Duration) -> Removal {
        dest.delete_backup_and_see(&prior.backup_id.value_or_default(), timeout)
            .await
    }
}
