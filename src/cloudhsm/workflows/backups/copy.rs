//! A backup copied to another region exactly once, however a run is interrupted and
//! whatever order AWS shows things in. CopyBackupToRegion answers no id and takes no
//! idempotency token, and the copy may show up in its region late, so:
//!
//! 1. A copy of the source that the destination shows is adopted (one pending deletion is
//!    restored): nothing is copied again.
//! 2. Otherwise the source backup carries a marker tag ([`copy_marker`]) while a copy is
//!    asked for: `requested` before CopyBackupToRegion is sent (and seen on the source before
//!    it is), `accepted` once CloudHSM accepted it. A run that finds `accepted` waits for the
//!    copy, up to its timeout, and never sends the call again; one that finds `requested`
//!    (an earlier run stopped around the call) gives the copy [`Patience::unseen_write`] to
//!    show before it sends the call again.
//! 3. The copy is done when it is READY with the `never_expires` and tags asked for; the
//!    marker is then removed.
//!
//! A second copy can only come from a run killed between CloudHSM accepting the call and the
//! `accepted` marker being written, followed by a copy that takes longer than that patience
//! to show: the docs say so.
//!
//! No Terraform types here.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use super::BackupError;
use crate::cloudhsm::backup::{copy_marker, Backup, BackupFilter, BackupState, MarkerPhase};
use crate::cloudhsm::client::CloudHsm;
use crate::cloudhsm::tags::{IgnoredTags, WantedTags};

/// A copy of a backup to another region, as asked for.
#[derive(Clone, Debug)]
pub struct CopyRequest {
    pub source_backup_id: String,
    pub destination_region: String,
    /// The tags of the copy: sent with CopyBackupToRegion whole, then set on a copy that
    /// is adopted, except for the ignored keys.
    pub tags: BTreeMap<String, String>,
    pub ignored_tags: IgnoredTags,
    pub never_expires: bool,
}

impl CloudHsm {
    /// Copies `request.source_backup_id` (a backup of this client's region) to
    /// `request.destination_region` and answers the READY copy there (see the module doc).
    pub async fn copy_backup(
        &self,
        request: &CopyRequest,
        timeout: Duration,
    ) -> Result<Backup, BackupError> {
        let started = Instant::now();
        let client = self.for_operation(Some(
            self.deadline()
                .map_or(started + timeout, |d| d.min(started + timeout)),
        ));
        let dest = client.in_region(&request.destination_region).await;
        let source_id = request.source_backup_id.as_str();
        if let Some(found) = find_copy(&dest, source_id).await? {
            tracing::info!(copy = %found.id, state = %found.state, "adopting the copy that exists");
            return client.finish_copy(&dest, found, request).await;
        }
        let mut source = client.backup(source_id).await?;
        if source.state == BackupState::CreateInProgress {
            // Being taken: it can be copied once it is READY.
            source = client.backup_ready(source_id, client.remaining()).await?;
        }
        if !source.state.is_live() {
            return Err(BackupError::NotCopyable {
                id: source.id,
                state: source.state.to_string(),
            });
        }
        let marker = copy_marker(&request.destination_region);
        let phase = source.tags.get(&marker).map(|v| MarkerPhase::parse(v));
        if phase == Some(MarkerPhase::Accepted) {
            let found = client
                .await_copy(&dest, source_id, client.remaining(), true)
                .await?;
            return client.finish_copy(&dest, found, request).await;
        }
        if phase == Some(MarkerPhase::Requested) {
            let grace = client.patience.unseen_write.min(client.remaining());
            if let Some(found) = client.look_for_copy(&dest, source_id, grace).await? {
                return client.finish_copy(&dest, found, request).await;
            }
        } else {
            client
                .mark(source_id, &marker, MarkerPhase::Requested)
                .await?;
        }
        match client
            .copy_backup_to_region(source_id, &request.destination_region, &request.tags)
            .await
        {
            Ok(()) => {
                if let Err(e) = client
                    .tag(source_id, &marker_tag(&marker, MarkerPhase::Accepted))
                    .await
                {
                    tracing::warn!(error = %e, "could not mark the copy as accepted");
                }
            }
            Err(e) if !e.may_have_taken_effect() => {
                client.unmark(source_id, &marker).await;
                return Err(BackupError::Refused(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, "CopyBackupToRegion may have taken effect; looking")
            }
        }
        let found = client
            .await_copy(&dest, source_id, client.remaining(), true)
            .await?;
        client.finish_copy(&dest, found, request).await
    }

    /// Sets the marker and waits until the source shows it (a copy is sent only then).
    async fn mark(
        &self,
        source_id: &str,
        marker: &str,
        phase: MarkerPhase,
    ) -> Result<(), BackupError> {
        let tags = marker_tag(marker, phase);
        let timeout = self.patience.unseen_write.min(self.remaining());
        self.converge(
            source_id,
            "the source backup to show the copy marker",
            timeout,
            || self.tag(source_id, &tags),
            |b: &Backup| b.tags.contains_key(marker),
        )
        .await?;
        Ok(())
    }

    /// Removes the marker, as a courtesy: a marker left behind is a warning in the log, and
    /// the next copy of this source waits for the copy it announces.
    async fn unmark(&self, source_id: &str, marker: &str) {
        if let Err(e) = self.untag(source_id, &[marker.to_string()]).await {
            tracing::warn!(source_id, marker, error = %e, "could not remove the copy marker");
        }
    }

    /// The copy, looked for up to `wait`.
    async fn look_for_copy(
        &self,
        dest: &CloudHsm,
        source_id: &str,
        wait: Duration,
    ) -> Result<Option<Backup>, BackupError> {
        let source = source_id.to_string();
        dest.poll_until_found("the copy to show in its region", wait, move |d| {
            let source = source.clone();
            async move { find_copy(&d, &source).await.map_err(describe_error) }
        })
        .await
        .map_err(BackupError::Describe)
    }

    /// The copy, waited for up to `wait`: an error when it does not show.
    async fn await_copy(
        &self,
        dest: &CloudHsm,
        source_id: &str,
        wait: Duration,
        accepted: bool,
    ) -> Result<Backup, BackupError> {
        let started = Instant::now();
        match self.look_for_copy(dest, source_id, wait).await? {
            Some(found) => Ok(found),
            None => Err(BackupError::NeverAppeared {
                source_backup: source_id.to_string(),
                region: dest.region().to_string(),
                waited_secs: started.elapsed().as_secs(),
                accepted,
            }),
        }
    }

    /// A copy found: restored if pending deletion, READY, with the attributes asked for;
    /// the marker removed.
    async fn finish_copy(
        &self,
        dest: &CloudHsm,
        found: Backup,
        request: &CopyRequest,
    ) -> Result<Backup, BackupError> {
        if found.state == BackupState::PendingDeletion {
            tracing::info!(copy = %found.id, "restoring the copy pending deletion");
            dest.converge(
                &found.id,
                "the copy to be restored",
                self.remaining(),
                || dest.restore_backup(&found.id),
                |b: &Backup| b.state.is_live(),
            )
            .await?;
        }
        let ready = dest.backup_ready(&found.id, self.remaining()).await?;
        // Without tags of its own a copy takes the source's, the marker among them: it
        // says nothing on the copy (no backup is copied to its own region).
        let inherited = copy_marker(dest.region());
        if ready.tags.contains_key(&inherited) {
            let keys = [inherited.clone()];
            dest.converge(
                &found.id,
                "the copy to drop the source's copy marker",
                self.remaining(),
                || dest.untag(&found.id, &keys),
                |b: &Backup| !b.tags.contains_key(&inherited),
            )
            .await?;
        }
        let copy = dest
            .change_backup(
                &found.id,
                Some(request.never_expires),
                Some(WantedTags {
                    tags: &request.tags,
                    ignored: &request.ignored_tags,
                }),
                self.remaining(),
            )
            .await?;
        self.unmark(&request.source_backup_id, &copy_marker(dest.region()))
            .await;
        Ok(copy)
    }
}

/// The copy of `source_id` in `dest`'s region: the newest live one, else the newest pending
/// deletion; none when there is neither.
async fn find_copy(dest: &CloudHsm, source_id: &str) -> Result<Option<Backup>, BackupError> {
    let filter = BackupFilter {
        source_backup_ids: vec![source_id.to_string()],
        ..Default::default()
    };
    let copies = dest
        .describe_backups(&filter, false)
        .await
        .map_err(BackupError::Describe)?;
    let newest = |live: bool| {
        copies
            .iter()
            .filter(|b| b.source_backup.as_deref() == Some(source_id))
            .filter(|b| b.state.is_live() == live && b.state != BackupState::Deleted)
            .max_by_key(|b| b.create_timestamp.or(b.copy_timestamp).unwrap_or(0))
            .cloned()
    };
    Ok(newest(true).or_else(|| newest(false)))
}

fn marker_tag(marker: &str, phase: MarkerPhase) -> BTreeMap<String, String> {
    BTreeMap::from([(marker.to_string(), phase.as_str().to_string())])
}

fn describe_error(e: BackupError) -> crate::cloudhsm::error::ApiError {
    match e {
        BackupError::Describe(e) | BackupError::Refused(e) => e,
        other => crate::cloudhsm::error::ApiError::Transport {
            operation: "DescribeBackups",
            detail: other.to_string(),
        },
    }
}
