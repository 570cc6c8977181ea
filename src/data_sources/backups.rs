//! Data source `cloudhsm_backups`: the backups DescribeBackups lists in a region (every
//! page), filtered by cluster, state, source backup and `never_expires`; `most_recent`
//! narrows them to the newest, as the AWS provider's `aws_ami` does. The result is a list
//! of plain objects (not nested attributes), so `backups[0].backup_id` works on every
//! Terraform this provider supports.
//!
//! Knows the typed layer of `tfplugin` and our CloudHSM client types; never the AWS SDK or
//! gRPC.

use std::collections::BTreeMap;
use std::sync::Arc;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::{async_trait, Field, Model, TypedDataSource};

use crate::aws_diagnostics::{api_diagnostic, Subject};
use crate::backup_ref::{client_in, timestamp, validate_backup_id};
use crate::cloudhsm::backup::{Backup, BackupFilter};
use crate::cluster_id::validate_cluster_id;
use crate::context::ProviderContext;
use crate::region::validate_region;

/// The states a backup can be in, as the `state` filter takes them.
const STATES: &[&str] = &["CREATE_IN_PROGRESS", "READY", "PENDING_DELETION", "DELETED"];

/// What is asked for, and what was found.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BackupsData {
    /// The region to list. Default: the provider's region.
    #[tf(optional, computed)]
    pub region: Field<String>,
    /// Only the backups of this cluster.
    #[tf(optional)]
    pub cluster_id: Field<String>,
    /// Only backups in this state: `CREATE_IN_PROGRESS`, `READY`, `PENDING_DELETION` or
    /// `DELETED`.
    #[tf(optional)]
    pub state: Field<String>,
    /// Only the copies of this backup (in the region listed).
    #[tf(optional)]
    pub source_backup_id: Field<String>,
    /// Only backups that never expire (true) or that follow their cluster's retention
    /// policy (false).
    #[tf(optional)]
    pub never_expires: Field<bool>,
    /// Only the newest of the backups found; an error when none is found.
    #[tf(optional)]
    pub most_recent: Field<bool>,
    /// The region listed.
    #[tf(computed)]
    pub id: Field<String>,
    /// The backups found, newest first.
    #[tf(computed)]
    pub backups: Field<Vec<BackupInfo>>,
    /// Their ids, newest first.
    #[tf(computed)]
    pub ids: Field<Vec<String>>,
}

/// One backup.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BackupInfo {
    /// The backup id, e.g. `backup-abcdefghijk`.
    #[tf(computed)]
    pub backup_id: Field<String>,
    /// The backup's ARN.
    #[tf(computed)]
    pub backup_arn: Field<String>,
    /// `CREATE_IN_PROGRESS`, `READY`, `PENDING_DELETION` or `DELETED`.
    #[tf(computed)]
    pub state: Field<String>,
    /// The cluster the backup was taken of (for a copy: the copy's own record of it).
    #[tf(computed)]
    pub cluster_id: Field<String>,
    /// The HSM type of the cluster, e.g. `hsm2m.medium`.
    #[tf(computed)]
    pub hsm_type: Field<String>,
    /// The cluster's mode, `FIPS` or `NON_FIPS`.
    #[tf(computed)]
    pub mode: Field<String>,
    /// When the backup was taken (RFC 3339).
    #[tf(computed)]
    pub create_timestamp: Field<String>,
    /// For a copy: when it was copied (RFC 3339).
    #[tf(computed)]
    pub copy_timestamp: Field<String>,
    /// For a backup pending deletion: when it will be deleted (RFC 3339).
    #[tf(computed)]
    pub delete_timestamp: Field<String>,
    /// Whether the backup is exempt from the retention policy.
    #[tf(computed)]
    pub never_expires: Field<bool>,
    /// For a copy: the region, backup and cluster it was copied from.
    #[tf(computed)]
    pub source_region: Field<String>,
    #[tf(computed, description = "For a copy: the backup it was copied from.")]
    pub source_backup_id: Field<String>,
    #[tf(
        computed,
        description = "For a copy: the cluster of the backup it was copied from."
    )]
    pub source_cluster_id: Field<String>,
    /// The backup's tags, without the keys of the provider's `ignore_tags`.
    #[tf(computed)]
    pub tags: Field<BTreeMap<String, String>>,
}

fn info(b: &Backup) -> BackupInfo {
    BackupInfo {
        backup_id: Field::Known(b.id.clone()),
        backup_arn: b.arn.clone().into(),
        state: Field::Known(b.state.as_str().to_string()),
        cluster_id: b.cluster_id.clone().into(),
        hsm_type: b.hsm_type.clone().into(),
        mode: b.mode.clone().into(),
        create_timestamp: timestamp(b.create_timestamp),
        copy_timestamp: timestamp(b.copy_timestamp),
        delete_timestamp: timestamp(b.delete_timestamp),
        never_expires: Field::Known(b.never_expires),
        source_region: b.source_region.clone().into(),
        source_backup_id: b.source_backup.clone().into(),
        source_cluster_id: b.source_cluster.clone().into(),
        tags: Field::Known(b.user_tags()),
    }
}

pub struct BackupsDataSource {
    context: Arc<ProviderContext>,
}

impl BackupsDataSource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        BackupsDataSource { context }
    }
}

#[async_trait]
impl TypedDataSource for BackupsDataSource {
    type Model = BackupsData;
    const TYPE_NAME: &'static str = "cloudhsm_backups";

    fn description(&self) -> String {
        "Lists CloudHSM backups with `DescribeBackups` (every page) in a region, newest first, \
         filtered by cluster, state, source backup and `never_expires`; with `most_recent`, \
         only the newest. This is how a configuration finds the backup to copy to another \
         region or to keep."
            .to_string()
    }

    async fn validate(&self, c: &BackupsData) -> Diagnostics {
        let mut diags = validate_region(&c.region, BackupsData::REGION);
        diags.append(validate_cluster_id(&c.cluster_id, BackupsData::CLUSTER_ID));
        diags.append(validate_backup_id(
            &c.source_backup_id,
            BackupsData::SOURCE_BACKUP_ID,
        ));
        if let Some(state) = c.state.known().filter(|s| !STATES.contains(&s.as_str())) {
            diags.push(
                Diagnostic::error(
                    "Invalid backup state",
                    format!(
                        "{state:?} is not a backup state: use one of {}.",
                        STATES.join(", ")
                    ),
                )
                .at(AttributePath::attr(BackupsData::STATE)),
            );
        }
        diags
    }

    async fn read(&self, c: BackupsData) -> Result<(BackupsData, Diagnostics), Diagnostics> {
        let client = client_in(&self.context, &c.region).await?;
        let one = |f: &Field<String>| f.known().cloned().into_iter().collect::<Vec<_>>();
        let filter = BackupFilter {
            cluster_ids: one(&c.cluster_id),
            states: one(&c.state),
            source_backup_ids: one(&c.source_backup_id),
            never_expires: c.never_expires.known().copied(),
            ..Default::default()
        };
        let subject = Subject {
            noun: "backups of",
            id: client.region(),
            attribute: BackupsData::REGION,
        };
        let mut found = client
            .describe_backups(&filter, false)
            .await
            .map_err(|e| Diagnostics::from(api_diagnostic(&e, &subject, "listing backups")))?;
        // The keys of the provider's ignore_tags are not read.
        let ignored = self.context.tags().await.ignored;
        for backup in &mut found {
            backup.tags = ignored.visible(&backup.tags);
        }
        // Newest first, whatever order the pages came in.
        found.sort_by_key(|b| std::cmp::Reverse(b.create_timestamp.unwrap_or(0)));
        if c.most_recent.known() == Some(&true) {
            if found.is_empty() {
                return Err(Diagnostic::error(
                    "No backup found",
                    format!(
                        "most_recent is set, but no backup in {} matches the filters. A \
                         cluster has a backup once it is initialized; check cluster_id, state \
                         and region.",
                        client.region()
                    ),
                )
                .into());
            }
            found.truncate(1);
        }
        Ok((
            BackupsData {
                region: Field::Known(client.region().to_string()),
                id: Field::Known(client.region().to_string()),
                ids: Field::Known(found.iter().map(|b| b.id.clone()).collect()),
                backups: Field::Known(found.iter().map(info).collect()),
                ..c
            },
            Diagnostics::new(),
        ))
    }
}
