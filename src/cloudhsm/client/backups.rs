//! The backup calls: DescribeBackups (every page; reads of one backup by id coalesced like
//! cluster reads), CopyBackupToRegion, DeleteBackup, RestoreBackup, ModifyBackupAttributes,
//! TagResource and UntagResource. Each is bounded like the cluster calls; writes are not
//! retried by the SDK (after a failure the workflows look first).
//!
//! No Terraform types here.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_cloudhsmv2::types::Tag;
use tokio::time::Instant;

use super::from_sdk::backup_from_sdk;
use super::{without_retries, CloudHsm, Paging};
use crate::cloudhsm::backup::{Backup, BackupFilter};
use crate::cloudhsm::coalesce::Fetch;
use crate::cloudhsm::error::ApiError;

/// The most backups one DescribeBackups page holds (its `MaxResults` limit).
const BACKUP_PAGE: i32 = 50;

impl CloudHsm {
    /// Every backup of this client's region that `filter` selects, newest first (or oldest
    /// first with `ascending`), all pages. Gives up after the read timeout.
    pub async fn describe_backups(
        &self,
        filter: &BackupFilter,
        ascending: bool,
    ) -> Result<Vec<Backup>, ApiError> {
        const OP: &str = "DescribeBackups";
        let reader = CloudHsm {
            deadline: Some(
                self.deadline
                    .map_or(Instant::now() + self.read_timeout, |d| {
                        d.min(Instant::now() + self.read_timeout)
                    }),
            ),
            ..self.clone()
        };
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut paging = Paging::of(OP);
        loop {
            let call = reader
                .client
                .describe_backups()
                .set_filters(Some(filter.to_api().into_iter().collect()))
                .sort_ascending(ascending)
                .max_results(BACKUP_PAGE)
                .set_next_token(next.clone())
                .send();
            let resp = reader.send(OP, call).await?;
            out.extend(resp.backups().iter().map(backup_from_sdk));
            next = paging.next(resp.next_token())?;
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// The backup with this id in this client's region, or `None` when CloudHSM does not
    /// know it. Concurrent reads (the polls of waits among them) share one call.
    pub async fn describe_backup(&self, backup_id: &str) -> Result<Option<Backup>, ApiError> {
        let batch_client = CloudHsm {
            pinned: None,
            deadline: None,
            ..self.clone()
        };
        let fetch: Fetch<Backup> = Arc::new(move |ids: Vec<String>| {
            let client = batch_client.clone();
            Box::pin(async move {
                let filter = BackupFilter {
                    backup_ids: ids,
                    ..Default::default()
                };
                let found = client.describe_backups(&filter, false).await?;
                Ok(Arc::new(
                    found.into_iter().map(|b| (b.id.clone(), Ok(b))).collect(),
                ))
            })
        });
        let read_deadline = Instant::now() + self.read_timeout;
        let reader = CloudHsm {
            deadline: Some(
                self.deadline
                    .map_or(read_deadline, |d| d.min(read_deadline)),
            ),
            ..self.clone()
        };
        reader
            .bounded("DescribeBackups", self.backup_reads.read(backup_id, &fetch))
            .await?
    }

    /// CopyBackupToRegion, called in the source backup's region.
    pub async fn copy_backup_to_region(
        &self,
        backup_id: &str,
        destination_region: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        const OP: &str = "CopyBackupToRegion";
        let call = self
            .client
            .copy_backup_to_region()
            .backup_id(backup_id)
            .destination_region(destination_region)
            .set_tag_list((!tags.is_empty()).then(|| tag_list(tags)))
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }

    /// DeleteBackup: the backup goes to PENDING_DELETION for 7 days.
    pub async fn delete_backup(&self, backup_id: &str) -> Result<(), ApiError> {
        const OP: &str = "DeleteBackup";
        let call = self
            .client
            .delete_backup()
            .backup_id(backup_id)
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }

    /// RestoreBackup: a backup pending deletion is READY again.
    pub async fn restore_backup(&self, backup_id: &str) -> Result<(), ApiError> {
        const OP: &str = "RestoreBackup";
        let call = self
            .client
            .restore_backup()
            .backup_id(backup_id)
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }

    /// ModifyBackupAttributes: whether the backup is exempt from the retention policy.
    pub async fn set_never_expires(&self, backup_id: &str, never: bool) -> Result<(), ApiError> {
        const OP: &str = "ModifyBackupAttributes";
        let call = self
            .client
            .modify_backup_attributes()
            .backup_id(backup_id)
            .never_expires(never)
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }

    /// TagResource (these tags set, others kept).
    pub async fn tag(
        &self,
        resource_id: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        const OP: &str = "TagResource";
        let call = self
            .client
            .tag_resource()
            .resource_id(resource_id)
            .set_tag_list(Some(tag_list(tags)))
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }

    /// UntagResource (these keys removed).
    pub async fn untag(&self, resource_id: &str, keys: &[String]) -> Result<(), ApiError> {
        const OP: &str = "UntagResource";
        let call = self
            .client
            .untag_resource()
            .resource_id(resource_id)
            .set_tag_key_list(Some(keys.to_vec()))
            .customize()
            .config_override(without_retries())
            .send();
        self.send(OP, call).await.map(drop)
    }
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}
