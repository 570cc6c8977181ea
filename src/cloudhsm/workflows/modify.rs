//! Modify-and-wait: waits until the cluster is stable, calls ModifyCluster with only what
//! differs, tries again while the cluster (or an HSM) is busy, and waits until the change
//! was seen to take effect.
//!
//! When is a change done? A backup retention change: when the cluster shows the new
//! retention and is not busy. An HSM type change: when the cluster is not busy, its
//! `HsmType` and every HSM's type are the target, and the change was seen running (a busy
//! state in ModifyCluster's answer or in a poll since the call); a change never seen running
//! counts as done only once every sign of completion has held for
//! [`super::Patience::unseen_change`]. So a cluster that shows the new type before its
//! migration starts, or whose fields change in any other order, is never reported done early.

use tokio::time::Instant;

use super::super::client::CloudHsm;
use super::super::cluster::{Cluster, ClusterChange, Desired};
use super::super::error::ApiError;
use super::super::wait::{FirstLook, Progress, WaitError};
use super::{retry_pause, Patience, MAX_RETRIES};

/// Why a modification did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum ModifyError {
    NotFound,
    /// Deleted or being deleted.
    Gone(Box<Cluster>),
    /// Reading the cluster failed before anything was sent.
    Describe(ApiError),
    /// CloudHSM refused the change, and the cluster was not busy: a real refusal.
    Refused {
        error: ApiError,
        cluster: Box<Cluster>,
        change: ClusterChange,
    },
    /// Waiting failed. `change`: what had been (or may have been) accepted by then, if
    /// anything.
    Wait {
        error: WaitError,
        change: Option<ClusterChange>,
    },
    /// The cluster showed no sign of the requested settings long after CloudHSM accepted them.
    NotApplied {
        cluster: Box<Cluster>,
        change: ClusterChange,
    },
}

impl ModifyError {
    /// The last cluster seen, if any.
    pub fn last_seen(&self) -> Option<&Cluster> {
        match self {
            ModifyError::Gone(c) => Some(c),
            ModifyError::Refused { cluster, .. } | ModifyError::NotApplied { cluster, .. } => {
                Some(cluster)
            }
            ModifyError::Wait { error, .. } => error.last_seen(),
            ModifyError::NotFound | ModifyError::Describe(_) => None,
        }
    }

    /// Whether CloudHSM accepted (or may have accepted) a change before the failure.
    pub fn change_accepted(&self) -> Option<&ClusterChange> {
        match self {
            ModifyError::Wait { change, .. } => change.as_ref(),
            ModifyError::NotApplied { change, .. } => Some(change),
            _ => None,
        }
    }
}

/// What a poll of a cluster says about a change that was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Done,
    Continue,
    NotApplied,
    Gone,
}

/// What the workflow has seen of one change since it was first sent.
#[derive(Clone, Debug)]
struct ChangeWatch {
    change: ClusterChange,
    sent_at: Instant,
    /// A busy state was seen since the call (in its answer or a poll).
    seen_running: bool,
    /// ModifyCluster's own answer (which, unlike a read, cannot lag behind the write)
    /// showed a requested setting.
    answer_showed: bool,
    /// Since when every sign of completion has held, for a change never seen running.
    complete_since: Option<Instant>,
    patience: Patience,
}

impl ChangeWatch {
    fn new(change: ClusterChange, patience: Patience) -> ChangeWatch {
        ChangeWatch {
            change,
            sent_at: Instant::now(),
            seen_running: false,
            answer_showed: false,
            complete_since: None,
            patience,
        }
    }

    /// Takes in ModifyCluster's answer.
    fn note_answer(&mut self, answer: &Cluster) {
        self.seen_running |= answer.is_busy();
        self.answer_showed |= self.shows_any(answer);
    }

    /// Takes in a poll that is not judged (while waiting for something else).
    fn observe(&mut self, c: &Cluster) {
        self.seen_running |= c.is_busy();
    }

    /// The cluster shows at least one requested setting (on itself or on an HSM).
    fn shows_any(&self, c: &Cluster) -> bool {
        let hsm_type = self.change.hsm_type.as_ref().is_some_and(|t| {
            c.hsm_type.as_ref() == Some(t) || c.hsms.iter().any(|h| h.hsm_type.as_ref() == Some(t))
        });
        let days = self
            .change
            .backup_retention_days
            .is_some_and(|d| c.retention_days() == Some(d));
        hsm_type || days
    }

    /// Some sign that CloudHSM took the change up.
    fn moved(&self, c: &Cluster) -> bool {
        self.seen_running || self.answer_showed || c.is_busy() || self.shows_any(c)
    }

    /// Every requested setting is shown: the cluster's and every HSM's type, the retention.
    fn shows_all(&self, c: &Cluster) -> bool {
        let hsm_type = self.change.hsm_type.as_ref().is_none_or(|t| {
            c.hsm_type.as_ref() == Some(t)
                && c.hsms
                    .iter()
                    .all(|h| h.hsm_type.as_ref().is_none_or(|ht| ht == t))
        });
        let days = self
            .change
            .backup_retention_days
            .is_none_or(|d| c.retention_days() == Some(d));
        hsm_type && days
    }

    fn judge(&mut self, c: &Cluster) -> Verdict {
        if c.is_gone() {
            return Verdict::Gone;
        }
        if c.is_busy() {
            self.seen_running = true;
            self.complete_since = None;
            return Verdict::Continue;
        }
        if !self.shows_all(c) {
            self.complete_since = None;
            let nothing_moved = !self.moved(c);
            if nothing_moved && self.sent_at.elapsed() >= self.patience.settle {
                return Verdict::NotApplied;
            }
            return Verdict::Continue;
        }
        if self.change.hsm_type.is_none() || self.seen_running {
            return Verdict::Done;
        }
        let since = *self.complete_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= self.patience.unseen_change {
            Verdict::Done
        } else {
            Verdict::Continue
        }
    }
}

fn unless_gone(c: &Cluster, then: Progress) -> Progress {
    if c.is_gone() {
        Progress::Failed(format!("the cluster is {}", c.state))
    } else {
        then
    }
}

/// One run of modify-and-wait.
struct Modifying<'a> {
    client: &'a CloudHsm,
    cluster_id: &'a str,
    desired: &'a Desired,
    retries: u32,
}

impl CloudHsm {
    /// Takes `cluster_id` to `desired` within `timeout`: waits until the cluster is stable,
    /// calls ModifyCluster with only what differs, tries again while the cluster (or an
    /// HSM) is busy, and waits until the change was seen to take effect (see the module doc).
    pub async fn modify_and_wait(
        &self,
        cluster_id: &str,
        desired: &Desired,
        timeout: std::time::Duration,
    ) -> Result<Cluster, ModifyError> {
        let client = self.for_operation(Some(Instant::now() + timeout));
        let mut run = Modifying {
            client: &client,
            cluster_id,
            desired,
            retries: 0,
        };
        let stable = run.stable().await?;
        let change = desired.change_from(&stable);
        if change.is_empty() {
            return Ok(stable);
        }
        let watch = run.send(stable, change).await?;
        run.until_done(watch).await
    }
}

impl Modifying<'_> {
    /// A waiting failure as this run's error; `change`: what was (or may have been) sent.
    fn wait_error(change: Option<&ClusterChange>) -> impl FnOnce(WaitError) -> ModifyError {
        let change = change.cloned();
        move |error: WaitError| match error {
            WaitError::Gone => ModifyError::NotFound,
            WaitError::Failed {
                last: Some(cluster),
                ..
            } if cluster.is_gone() => ModifyError::Gone(cluster),
            WaitError::Api { error, .. } if change.is_none() => ModifyError::Describe(error),
            error => ModifyError::Wait { error, change },
        }
    }

    /// Polls from now until `done` says so (the cluster being gone ends it too).
    async fn poll_until(
        &self,
        what: &str,
        mut done: impl FnMut(&Cluster) -> bool,
    ) -> Result<Cluster, WaitError> {
        self.client
            .poll(
                self.cluster_id,
                what,
                self.client.remaining(),
                FirstLook::Now,
                |c| {
                    let then = if done(c) {
                        Progress::Done
                    } else {
                        Progress::Continue
                    };
                    unless_gone(c, then)
                },
            )
            .await
    }

    /// A stable cluster (it may still be initializing or finishing another change).
    async fn stable(&self) -> Result<Cluster, ModifyError> {
        self.poll_until("the cluster to finish its current operation", |c| {
            !c.is_busy()
        })
        .await
        .map_err(Self::wait_error(None))
    }

    /// ModifyCluster with what differs; again while the cluster shows it is busy, and after
    /// a failure that may have taken effect only once the cluster shows no sign of it.
    async fn send(
        &mut self,
        mut cluster: Cluster,
        mut change: ClusterChange,
    ) -> Result<ChangeWatch, ModifyError> {
        let cluster_id = self.cluster_id;
        let mut watch = ChangeWatch::new(change.clone(), self.client.patience);
        let mut maybe_sent = false;
        loop {
            tracing::info!(
                cluster_id,
                hsm_type = ?change.hsm_type,
                backup_retention_days = ?change.backup_retention_days,
                "calling ModifyCluster"
            );
            let error = match self.client.modify(cluster_id, &change).await {
                Ok(answer) => {
                    if let Some(answer) = &answer {
                        watch.note_answer(answer);
                    }
                    return Ok(watch);
                }
                Err(e @ (ApiError::Cancelled { .. } | ApiError::DeadlineReached { .. })) => {
                    // The call may have reached CloudHSM: the state records the cluster.
                    return Err(ModifyError::Wait {
                        error: WaitError::Api {
                            error: e,
                            last: Some(Box::new(cluster)),
                        },
                        change: Some(change),
                    });
                }
                Err(e) => e,
            };
            let sent = maybe_sent.then_some(&change);
            if error.may_have_taken_effect() {
                maybe_sent = true;
                tracing::info!(cluster_id, error = %error, "ModifyCluster failed in a way that may have taken effect; watching the cluster before anything else");
                let started = Instant::now();
                let grace = self.client.patience.unseen_write;
                cluster = self
                    .poll_until("a sign that ModifyCluster took effect", |c| {
                        watch.moved(c) || started.elapsed() >= grace
                    })
                    .await
                    .map_err(Self::wait_error(Some(&change)))?;
                if watch.moved(&cluster) {
                    tracing::info!(cluster_id, state = %cluster.state, "ModifyCluster took effect although its answer did not say so");
                    return Ok(watch);
                }
                if self.retries >= MAX_RETRIES {
                    return Err(ModifyError::Refused {
                        error,
                        cluster: Box::new(cluster),
                        change,
                    });
                }
            } else {
                let before = cluster;
                cluster = self
                    .poll_until(
                        "reading the cluster after ModifyCluster was refused",
                        |_| true,
                    )
                    .await
                    .map_err(Self::wait_error(sent))?;
                if maybe_sent && watch.moved(&cluster) {
                    return Ok(watch);
                }
                if self.desired.is_met_by(&cluster) && !cluster.is_busy() {
                    // Refused because the cluster already has the settings (an earlier
                    // run's change, which a lagging read hid): the done rule decides.
                    tracing::info!(cluster_id, error = %error, "ModifyCluster was refused but the cluster has the requested settings");
                    return Ok(watch);
                }
                let busy = cluster.has_work_running();
                let worth_retrying = (error.is_transient() || before.has_work_running())
                    && self.retries < MAX_RETRIES;
                if !(busy || worth_retrying) {
                    return Err(ModifyError::Refused {
                        error,
                        cluster: Box::new(cluster),
                        change,
                    });
                }
            }
            self.retries += 1;
            tracing::info!(cluster_id, state = %cluster.state, retries = self.retries, error = %error, "ModifyCluster failed while the cluster was busy or unreachable; waiting to try again");
            self.client.pause(retry_pause(self.retries)).await;
            if self.client.remaining().is_zero() || self.client.is_stopped() {
                let error = WaitError::TimedOut {
                    what: "the cluster to finish another operation before modifying it".to_string(),
                    waited_secs: watch.sent_at.elapsed().as_secs(),
                    last: Some(Box::new(cluster)),
                    last_error: Some(error),
                };
                return Err(ModifyError::Wait {
                    error,
                    change: maybe_sent.then_some(change),
                });
            }
            let sent = maybe_sent.then_some(&change);
            cluster = self
                .poll_until(
                    "the cluster to finish another operation before modifying it",
                    |c| {
                        watch.observe(c);
                        !c.has_work_running()
                    },
                )
                .await
                .map_err(Self::wait_error(sent))?;
            change = self.desired.change_from(&cluster);
            if change.is_empty() {
                // The settings are there (an earlier attempt, or someone else): the done
                // rule decides whether the change really took effect.
                return Ok(watch);
            }
        }
    }

    /// Waits until the change was seen to take effect.
    async fn until_done(&self, mut watch: ChangeWatch) -> Result<Cluster, ModifyError> {
        let what = match &watch.change.hsm_type {
            Some(t) => format!("the HSM type change to {t} to finish"),
            None => "the cluster to apply the new backup retention".to_string(),
        };
        let change = watch.change.clone();
        let mut not_applied = None;
        let settled = self
            .client
            .wait_for(
                self.cluster_id,
                &what,
                self.client.remaining(),
                |c| match watch.judge(c) {
                    Verdict::Done => Progress::Done,
                    Verdict::Continue => Progress::Continue,
                    Verdict::Gone => Progress::Failed(format!("the cluster is {}", c.state)),
                    Verdict::NotApplied => {
                        not_applied = Some(c.clone());
                        Progress::Failed("not applied".to_string())
                    }
                },
            )
            .await;
        match (settled, not_applied) {
            (Ok(cluster), _) => Ok(cluster),
            (Err(_), Some(cluster)) => Err(ModifyError::NotApplied {
                cluster: Box::new(cluster),
                change,
            }),
            (Err(e), None) => Err(Self::wait_error(Some(&change))(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::{ClusterState, Hsm};
    use std::time::Duration;

    const TARGET: &str = "hsm2m.medium";

    fn cluster(state: ClusterState, cluster_type: &str, hsm_types: &[&str]) -> Cluster {
        Cluster {
            id: "cluster-abcdefghijk".into(),
            state,
            hsm_type: Some(cluster_type.into()),
            hsms: hsm_types
                .iter()
                .map(|t| Hsm {
                    hsm_type: Some(t.to_string()),
                    state: Some("ACTIVE".into()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn watch(patience: Patience) -> ChangeWatch {
        ChangeWatch::new(
            ClusterChange {
                hsm_type: Some(TARGET.into()),
                backup_retention_days: None,
            },
            patience,
        )
    }

    fn patient() -> Patience {
        Patience {
            unseen_change: Duration::from_secs(3600),
            settle: Duration::from_secs(3600),
            ..Patience::default()
        }
    }

    #[test]
    fn a_new_hsm_type_shown_before_the_migration_starts_is_not_done() {
        let mut w = watch(patient());
        use ClusterState::{Active, ModifyInProgress};
        // The cluster's HsmType flips first, the state moves seconds later, the HSMs last.
        assert_eq!(
            w.judge(&cluster(Active, TARGET, &["hsm1.medium"])),
            Verdict::Continue
        );
        assert_eq!(
            w.judge(&cluster(Active, "hsm1.medium", &[TARGET])),
            Verdict::Continue
        );
        assert_eq!(
            w.judge(&cluster(ModifyInProgress, TARGET, &["hsm1.medium"])),
            Verdict::Continue
        );
        assert_eq!(
            w.judge(&cluster(Active, TARGET, &["hsm1.medium"])),
            Verdict::Continue
        );
        assert_eq!(
            w.judge(&cluster(Active, TARGET, &[TARGET, TARGET])),
            Verdict::Done
        );
    }

    #[test]
    fn every_sign_of_completion_without_a_busy_state_must_hold_before_it_counts() {
        let mut w = watch(patient());
        let complete = cluster(ClusterState::Active, TARGET, &[TARGET]);
        assert_eq!(w.judge(&complete), Verdict::Continue, "never seen running");
        assert_eq!(w.judge(&complete), Verdict::Continue);
        let mut quick = watch(Patience {
            unseen_change: Duration::ZERO,
            ..patient()
        });
        assert_eq!(quick.judge(&complete), Verdict::Done);
        // A busy answer to ModifyCluster is seeing it run.
        let mut answered = watch(patient());
        answered.note_answer(&cluster(
            ClusterState::ModifyInProgress,
            "hsm1.medium",
            &["hsm1.medium"],
        ));
        assert_eq!(answered.judge(&complete), Verdict::Done);
    }

    #[test]
    fn no_sign_at_all_after_the_settle_time_is_not_applied_and_any_sign_keeps_waiting() {
        let grace_over = Patience {
            settle: Duration::ZERO,
            ..patient()
        };
        let old = cluster(ClusterState::Active, "hsm1.medium", &["hsm1.medium"]);
        assert_eq!(watch(grace_over).judge(&old), Verdict::NotApplied);
        assert_eq!(watch(patient()).judge(&old), Verdict::Continue);
        let partly = cluster(ClusterState::Active, "hsm1.medium", &[TARGET]);
        assert_eq!(watch(grace_over).judge(&partly), Verdict::Continue);
        let mut answered = watch(grace_over);
        answered.note_answer(&cluster(ClusterState::Active, TARGET, &["hsm1.medium"]));
        assert_eq!(
            answered.judge(&old),
            Verdict::Continue,
            "the answer showed it"
        );
        assert_eq!(
            watch(patient()).judge(&cluster(ClusterState::DeleteInProgress, TARGET, &[])),
            Verdict::Gone
        );
    }

    #[test]
    fn a_retention_change_is_done_when_the_cluster_shows_it_and_is_not_busy() {
        let mut w = ChangeWatch::new(
            ClusterChange {
                hsm_type: None,
                backup_retention_days: Some(30),
            },
            patient(),
        );
        let mut c = cluster(ClusterState::Active, "hsm1.medium", &["hsm1.medium"]);
        c.backup_retention = Some(crate::cloudhsm::RetentionPolicy {
            kind: "DAYS".into(),
            value: "90".into(),
        });
        assert_eq!(w.judge(&c), Verdict::Continue);
        c.backup_retention = Some(crate::cloudhsm::RetentionPolicy {
            kind: "DAYS".into(),
            value: "30".into(),
        });
        c.state = ClusterState::UpdateInProgress;
        assert_eq!(w.judge(&c), Verdict::Continue);
        c.state = ClusterState::Active;
        assert_eq!(w.judge(&c), Verdict::Done);
    }
}
