//! How a cluster changes over time: its state, the CSR's visibility, the rollback window,
//! and the pending transitions (an HSM type change shown step by step) completed when due
//! or at once. A completed initialization leaves word for the store to make its backup.
//!
//! Knows the cluster's fields and timings; not how it is shown or asked for.

use std::time::{Instant, SystemTime};

use super::*;

impl Cluster {
    pub(crate) fn set_state(&mut self, state: &str) {
        self.state = state.to_string();
        self.state_message = state_message(state);
    }

    /// The CSR is there once the first HSM is ACTIVE, and only while UNINITIALIZED.
    pub(crate) fn visible_csr(&self) -> Option<&str> {
        if self.state != "UNINITIALIZED" || !self.has_active_hsm() {
            return None;
        }
        self.material.as_ref().map(|m| m.csr_pem.as_str())
    }

    pub(crate) fn has_active_hsm(&self) -> bool {
        self.hsms.iter().any(|h| h.state == "ACTIVE")
    }

    /// Whether the cluster can still go back to `previous_hsm_type` at `now`.
    pub(crate) fn rollback_open(&self, now: SystemTime) -> bool {
        self.previous_hsm_type.is_some() && self.rollback_expiration.is_some_and(|t| t > now)
    }

    /// Whether an HSM type change is under way (even one not showing yet).
    pub(crate) fn type_change_pending(&self) -> bool {
        matches!(
            &self.pending,
            Some(Pending {
                kind: PendingKind::ChangeHsmType(_),
                ..
            })
        )
    }

    /// Completes whatever is due by `now`, and ends a read lag that is over.
    pub(crate) fn advance(&mut self, now: Instant) {
        if self.lagged.as_ref().is_some_and(|v| v.until <= now) {
            self.lagged = None;
        }
        for hsm in &mut self.hsms {
            if let Some((due, HsmPending::Activate)) = &hsm.pending {
                if *due <= now {
                    hsm.pending = None;
                    hsm.state = "ACTIVE".to_string();
                    hsm.state_message = "HSM is active.".to_string();
                }
            }
        }
        self.hsms
            .retain(|h| !matches!(&h.pending, Some((due, HsmPending::Remove)) if *due <= now));
        self.show_type_steps(now);
        let due = matches!(&self.pending, Some(p) if p.due <= now);
        if !due {
            return;
        }
        let Some(pending) = self.pending.take() else {
            return;
        };
        match pending.kind {
            PendingKind::Create => self.set_state("UNINITIALIZED"),
            PendingKind::Initialize { certificate } => {
                self.cluster_certificate = Some(certificate);
                self.certified_at = Some(pending.due);
                self.backup_due = Some(pending.due);
                self.set_state("INITIALIZED");
            }
            PendingKind::ChangeHsmType(change) => {
                let mut steps = change.steps.clone();
                steps.sort_by_key(|(at, _)| *at);
                for (_, step) in steps {
                    self.show_type_step(&change, step, pending.due);
                }
                self.set_state(&change.resume);
            }
            PendingKind::Delete => {
                self.hsms.clear();
                self.set_state("DELETED");
            }
            PendingKind::Return { state } => self.set_state(&state),
        }
    }

    /// Shows the steps of a pending HSM type change that are due by `now`, in time order.
    pub(crate) fn show_type_steps(&mut self, now: Instant) {
        let Some(Pending {
            due,
            kind: PendingKind::ChangeHsmType(change),
        }) = &mut self.pending
        else {
            return;
        };
        let completes_at = *due;
        let (mut ready, later): (Vec<_>, Vec<_>) =
            change.steps.drain(..).partition(|(at, _)| *at <= now);
        change.steps = later;
        ready.sort_by_key(|(at, _)| *at);
        let change = change.clone();
        for (_, step) in ready {
            self.show_type_step(&change, step, completes_at);
        }
    }

    /// Shows one step of `change`, which completes at `completes_at`.
    fn show_type_step(&mut self, change: &TypeChange, step: TypeStep, completes_at: Instant) {
        match step {
            TypeStep::Busy => self.set_state(if change.rollback {
                "ROLLBACK_IN_PROGRESS"
            } else {
                "MODIFY_IN_PROGRESS"
            }),
            TypeStep::ClusterType => self.hsm_type = change.target.clone(),
            TypeStep::HsmTypes => {
                for hsm in &mut self.hsms {
                    hsm.hsm_type = change.target.clone();
                }
            }
            TypeStep::RollbackExpiration if change.rollback => {
                self.previous_hsm_type = None;
                self.rollback_expiration = None;
            }
            TypeStep::RollbackExpiration => {
                // The window runs from the completion, even when it shows before.
                let until_completion = completes_at.saturating_duration_since(Instant::now());
                self.previous_hsm_type = Some(change.from.clone());
                self.rollback_expiration = SystemTime::now()
                    .checked_add(until_completion)
                    .and_then(|t| t.checked_add(change.window));
            }
        }
    }

    /// Finishes every pending transition now, whatever its deadline, and ends a read lag:
    /// as if the time had passed.
    pub(crate) fn complete_transitions(&mut self) {
        let now = Instant::now();
        self.lagged = None;
        if let Some(p) = &mut self.pending {
            p.due = now;
        }
        for hsm in &mut self.hsms {
            if let Some((due, _)) = &mut hsm.pending {
                *due = now;
            }
        }
        self.advance(now);
    }
}
