//! Fault injection: throttling, internal failures, added latency, dropped connections and
//! lost responses,
//! applied to API calls by operation, either to the next N calls or at a random rate.

use std::time::Duration;

/// One injected fault.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The operation it applies to (`"DescribeClusters"`); `None` = every operation.
    pub operation: Option<String>,
    /// What happens to a call it hits.
    pub kind: FaultKind,
    /// Which calls it hits.
    pub trigger: Trigger,
}

/// What a fault does to a call.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// HTTP 400 `ThrottlingException`; the call does not reach the handler.
    Throttle,
    /// HTTP 500 `CloudHsmInternalFailureException`; the call does not reach the handler.
    InternalError,
    /// The call is delayed by this long, then handled normally.
    Latency(Duration),
    /// The TCP connection is closed without an HTTP response.
    DropConnection,
    /// The call is handled (and recorded, and changes what it changes), then the connection
    /// is closed without the response: what a client sees when a reply is lost on the way.
    LoseResponse,
}

/// Which calls a fault hits.
#[derive(Clone, Debug)]
pub enum Trigger {
    /// The next N matching calls, then the fault is spent and removed.
    NextCalls(u32),
    /// Each matching call with this probability (0.0..=1.0), until cleared.
    Rate(f64),
}

impl Fault {
    /// A fault on `operation` (or every operation) for the next `n` calls.
    pub fn next_calls(operation: Option<&str>, kind: FaultKind, n: u32) -> Fault {
        Fault {
            operation: operation.map(str::to_string),
            kind,
            trigger: Trigger::NextCalls(n),
        }
    }
}

/// The outcome of the fault check for one call.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Delay to add before answering.
    pub latency: Duration,
    /// A fault that stops the call before the handler (throttle, internal error, drop).
    pub terminal: Option<FaultKind>,
}

/// The active faults, in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    faults: Vec<Fault>,
}

impl FaultSet {
    pub(crate) fn push(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    /// Decides what happens to one call of `operation`. Latency faults add up; the first
    /// terminal fault that fires wins (later terminal faults are not consumed).
    pub(crate) fn decide(&mut self, operation: &str) -> Decision {
        let mut decision = Decision::default();
        for fault in &mut self.faults {
            if fault.operation.as_deref().is_some_and(|op| op != operation) {
                continue;
            }
            let is_terminal = !matches!(fault.kind, FaultKind::Latency(_));
            if is_terminal && decision.terminal.is_some() {
                continue;
            }
            let fires = match &mut fault.trigger {
                Trigger::NextCalls(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                Trigger::NextCalls(_) => false,
                Trigger::Rate(p) => rand::random_bool(p.clamp(0.0, 1.0)),
            };
            if !fires {
                continue;
            }
            match &fault.kind {
                FaultKind::Latency(d) => decision.latency += *d,
                kind => decision.terminal = Some(kind.clone()),
            }
        }
        self.faults
            .retain(|f| !matches!(f.trigger, Trigger::NextCalls(0)));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_calls_are_counted_per_operation_and_spent() {
        let mut set = FaultSet::default();
        set.push(Fault::next_calls(
            Some("DescribeClusters"),
            FaultKind::Throttle,
            2,
        ));
        assert!(set.decide("ModifyCluster").terminal.is_none());
        assert!(set.decide("DescribeClusters").terminal.is_some());
        assert!(set.decide("DescribeClusters").terminal.is_some());
        assert!(set.decide("DescribeClusters").terminal.is_none());
        assert!(set.faults.is_empty());
    }

    #[test]
    fn latency_adds_up_and_rate_zero_never_fires() {
        let mut set = FaultSet::default();
        set.push(Fault::next_calls(
            None,
            FaultKind::Latency(Duration::from_millis(5)),
            1,
        ));
        set.push(Fault::next_calls(
            None,
            FaultKind::Latency(Duration::from_millis(7)),
            1,
        ));
        set.push(Fault {
            operation: None,
            kind: FaultKind::InternalError,
            trigger: Trigger::Rate(0.0),
        });
        let d = set.decide("X");
        assert_eq!(d.latency, Duration::from_millis(12));
        assert!(d.terminal.is_none());
    }
}
