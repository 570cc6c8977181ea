//! Backups as code: a copy in another region made exactly once and adopted whatever AWS
//! shows when ([`copy`]), a backup's attributes and tags changed in place, and a backup
//! deleted (PENDING_DELETION, restorable for 7 days). Every change is done only when it is
//! seen to have taken effect (the shared [`converge`](super::converge) step).
//!
//! No Terraform types here.

mod copy;

use std::collections::BTreeMap;
use std::time::Duration;

pub use copy::CopyRequest;

use crate::cloudhsm::backup::{Backup, BackupState};
use crate::cloudhsm::client::CloudHsm;
use crate::cloudhsm::error::ApiError;
use crate::cloudhsm::tags::WantedTags;
use crate::cloudhsm::wait::{FirstLook, Progress, WaitError, Watched};
use crate::cloudhsm::workflows::converge::ConvergeError;

/// How a backup workflow ended without its result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BackupError {
    #[error("CloudHSM has no backup {id} in {region}")]
    NotFound { id: String, region: String },
    /// The source backup cannot be copied as it is (deleted or pending deletion).
    #[error(
        "the backup {id} is {state}, and only a READY backup can be copied: restore it first \
         (RestoreBackup), or copy another backup"
    )]
    NotCopyable { id: String, state: String },
    /// A read failed before anything was changed.
    #[error("{0}")]
    Describe(ApiError),
    /// A write was refused; nothing changed.
    #[error("{0}")]
    Refused(ApiError),
    /// CopyBackupToRegion was asked for (or may have been), but no copy showed up in the
    /// destination in time.
    #[error(
        "{} but no copy of {source_backup} showed up in {region} within {waited_secs} s",
        if *.accepted { "CloudHSM accepted CopyBackupToRegion" } else { "CopyBackupToRegion may have been asked for (an earlier run was interrupted)" }
    )]
    NeverAppeared {
        source_backup: String,
        region: String,
        waited_secs: u64,
        accepted: bool,
    },
    /// A change is under way (or may be), but was not seen finished.
    #[error("{0}")]
    Wait(WaitError<Backup>),
}

impl BackupError {
    /// Whether something may have changed in AWS before the failure.
    pub fn may_have_changed(&self) -> bool {
        matches!(
            self,
            BackupError::Wait(_) | BackupError::NeverAppeared { .. }
        )
    }

    /// The backup as last seen, when one was.
    pub fn last_seen(&self) -> Option<&Backup> {
        match self {
            BackupError::Wait(w) => w.last_seen(),
            _ => None,
        }
    }
}

impl From<ConvergeError<Backup>> for BackupError {
    fn from(e: ConvergeError<Backup>) -> Self {
        match e {
            ConvergeError::Refused(e) => BackupError::Refused(e),
            ConvergeError::Wait(w) => BackupError::Wait(w),
        }
    }
}

impl CloudHsm {
    /// The backup `id` of this client's region, or [`BackupError::NotFound`].
    async fn backup(&self, id: &str) -> Result<Backup, BackupError> {
        self.describe_backup(id)
            .await
            .map_err(BackupError::Describe)?
            .ok_or_else(|| BackupError::NotFound {
                id: id.to_string(),
                region: self.region().to_string(),
            })
    }

    /// Sets the backup's `never_expires` and user tags (the provider's own markers and the
    /// ignored keys left alone) to these, each change seen before the next; `None`: left as
    /// they are.
    pub async fn change_backup(
        &self,
        id: &str,
        never_expires: Option<bool>,
        tags: Option<WantedTags<'_>>,
        timeout: Duration,
    ) -> Result<Backup, BackupError> {
        let mut current = self.backup(id).await?;
        if let Some(want) = never_expires.filter(|w| *w != current.never_expires) {
            let what = format!("the backup to show never_expires = {want}");
            current = self
                .converge(
                    id,
                    &what,
                    timeout,
                    || self.set_never_expires(id, want),
                    |b: &Backup| b.never_expires == want,
                )
                .await?;
        }
        let Some(WantedTags {
            tags: want,
            ignored,
        }) = tags
        else {
            return Ok(current);
        };
        // Keys left alone are neither set, changed nor removed.
        let have = ignored.visible(&current.user_tags());
        let set: BTreeMap<String, String> = ignored
            .visible(want)
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !set.is_empty() {
            current = self
                .converge(
                    id,
                    "the backup to show its new tags",
                    timeout,
                    || self.tag(id, &set),
                    |b: &Backup| set.iter().all(|(k, v)| b.tags.get(k) == Some(v)),
                )
                .await?;
        }
        let gone: Vec<String> = have
            .keys()
            .filter(|k| !want.contains_key(*k))
            .cloned()
            .collect();
        if !gone.is_empty() {
            current = self
                .converge(
                    id,
                    "the backup to drop the removed tags",
                    timeout,
                    || self.untag(id, &gone),
                    |b: &Backup| gone.iter().all(|k| !b.tags.contains_key(k)),
                )
                .await?;
        }
        Ok(current)
    }

    /// DeleteBackup, done when the backup is seen pending deletion (or gone). A backup
    /// already pending deletion or unknown is done at once.
    pub async fn delete_backup_and_see(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<(), BackupError> {
        match self
            .describe_backup(id)
            .await
            .map_err(BackupError::Describe)?
        {
            Some(b) if b.state.is_live() => {}
            _ => return Ok(()),
        }
        let deleted = self
            .converge(
                id,
                "the backup to be PENDING_DELETION",
                timeout,
                || self.delete_backup(id),
                |b: &Backup| !b.state.is_live(),
            )
            .await;
        match deleted {
            Ok(_) | Err(ConvergeError::Wait(WaitError::Gone)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits until the backup is READY.
    async fn backup_ready(&self, id: &str, timeout: Duration) -> Result<Backup, BackupError> {
        self.poll_object(
            id,
            "the backup to be READY",
            timeout,
            FirstLook::Now,
            |b: &Backup| match &b.state {
                BackupState::Ready => Progress::Done,
                BackupState::Deleted | BackupState::PendingDeletion => Progress::Failed(format!(
                    "the backup {} is {} instead of READY",
                    b.id, b.state
                )),
                _ => Progress::Continue,
            },
        )
        .await
        .map_err(BackupError::Wait)
    }
}

impl Watched for Backup {
    const NOUN: &'static str = "backup";

    fn describe_state(&self) -> String {
        let mut out = self.state.to_string();
        if self.never_expires {
            out.push_str(", never expires");
        }
        out
    }

    fn read<'a>(
        client: &'a CloudHsm,
        id: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Option<Self>, ApiError>> + Send + 'a>,
    > {
        Box::pin(client.describe_backup(id))
    }
}
