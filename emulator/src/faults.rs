//! Fault injection: throttling, internal failures, HTML error pages, added latency, dropped
//! connections, lost, truncated or unreadable responses and requests never answered, applied to calls (CloudHSM API and
//! STS alike) by operation, to the next N calls, at a random rate, or for a while.
//!
//! It decides which fault a call meets; carrying that out on a connection is the fault
//! gate's business (`intercept`), so it knows nothing of HTTP or protocols.

use std::time::{Duration, Instant};

/// One injected fault.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The operation it applies to (`"DescribeClusters"`, or an STS action such as
    /// `"AssumeRole"`); `None` = every operation of both listeners.
    pub operation: Option<String>,
    /// What happens to a call it hits.
    pub kind: FaultKind,
    /// Which calls it hits.
    pub trigger: Trigger,
}

/// What a fault does to a call.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// HTTP 400 `ThrottlingException` (STS: `Throttling`); the call does not reach the
    /// handler.
    Throttle,
    /// HTTP 500 `CloudHsmInternalFailureException` (STS: `InternalFailure`); the call does
    /// not reach the handler.
    InternalError,
    /// The call is delayed by this long, then handled normally.
    Latency(Duration),
    /// The TCP connection is closed without an HTTP response.
    DropConnection,
    /// The call is handled (and recorded, and changes what it changes), then the connection
    /// is closed without the response: what a client sees when a reply is lost on the way.
    LoseResponse,
    /// The request is read (and counted in [`Control::attempts`](crate::Control::attempts))
    /// but never handled and never answered; the connection stays open until the client
    /// closes it or the emulator shuts down: a request accepted and never answered, as
    /// behind a NAT that forgot the connection.
    Hang,
    /// The call is handled (and recorded, and changes what it changes), then the status line,
    /// the headers (with the full `Content-Length`) and only part of the body are sent, and
    /// the connection is closed: a reply cut off in the middle.
    ResetMidResponse,
    /// The call is handled (and recorded, and changes what it changes), then a successful
    /// answer is sent with HTTP 200 and a body the AWS SDK cannot parse. CloudHSM: the JSON
    /// answer with every `CreateTimestamp`, `HsmTypeRollbackExpiration`, `CopyTimestamp` and
    /// `DeleteTimestamp` (at any depth) an HTTP-date string (`"Thu, 03 Dec 2026 12:00:00
    /// GMT"`) instead of epoch seconds (the SDK reads an ISO 8601 string as a timestamp all
    /// the same), or, in an answer with none, every top-level value the number 12345 (an
    /// empty answer: a list instead of an object). STS: every `Expiration` the text 12345 instead of
    /// an ISO 8601 date, or, in an answer with none, the root element renamed. An error
    /// answer is sent as it is.
    UnreadableAnswer,
    /// The call is not handled: it is answered with this HTTP status (502 when it is not a
    /// final status), `content-type: text/html` and a short HTML page, as a load balancer
    /// in front of the service answers.
    HtmlAnswer(u16),
}

/// Which calls a fault hits.
#[derive(Clone, Debug)]
pub enum Trigger {
    /// The next N matching calls, then the fault is spent and removed.
    NextCalls(u32),
    /// The `then` matching calls after the next `skip` (which pass untouched): a fault on
    /// the second TagResource of an apply, say.
    AfterCalls { skip: u32, then: u32 },
    /// Each matching call with this probability (0.0..=1.0), until cleared.
    Rate(f64),
    /// Every matching call for this long from when the fault is injected; then the fault is
    /// removed. (`Throttle` + `For` = throttling for a while.)
    For(Duration),
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

    /// A fault on `operation` (or every operation) for every call during `d` from when it
    /// is injected.
    pub fn for_duration(operation: Option<&str>, kind: FaultKind, d: Duration) -> Fault {
        Fault {
            operation: operation.map(str::to_string),
            kind,
            trigger: Trigger::For(d),
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

/// [`Trigger`] as held once injected: a duration becomes a deadline.
#[derive(Clone, Debug)]
enum ActiveTrigger {
    NextCalls(u32),
    AfterCalls { skip: u32, then: u32 },
    Rate(f64),
    Until(Instant),
}

/// A fault as held once injected.
#[derive(Clone, Debug)]
struct ActiveFault {
    operation: Option<String>,
    kind: FaultKind,
    trigger: ActiveTrigger,
}

impl ActiveTrigger {
    fn is_spent(&self, now: Instant) -> bool {
        match self {
            ActiveTrigger::NextCalls(n) => *n == 0,
            ActiveTrigger::AfterCalls { then, .. } => *then == 0,
            ActiveTrigger::Rate(_) => false,
            ActiveTrigger::Until(deadline) => *deadline <= now,
        }
    }
}

/// The active faults, in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    faults: Vec<ActiveFault>,
}

impl FaultSet {
    /// Adds a fault; a [`Trigger::For`] runs from now.
    pub(crate) fn push(&mut self, fault: Fault) {
        let trigger = match fault.trigger {
            Trigger::NextCalls(n) => ActiveTrigger::NextCalls(n),
            Trigger::AfterCalls { skip, then } => ActiveTrigger::AfterCalls { skip, then },
            Trigger::Rate(p) => ActiveTrigger::Rate(p),
            // A duration too long for the clock lasts until cleared.
            Trigger::For(d) => match Instant::now().checked_add(d) {
                Some(deadline) => ActiveTrigger::Until(deadline),
                None => ActiveTrigger::Rate(1.0),
            },
        };
        self.faults.push(ActiveFault {
            operation: fault.operation,
            kind: fault.kind,
            trigger,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    /// Decides what happens to one call of `operation`. Latency faults add up; the first
    /// terminal fault that fires wins (later terminal faults are not consumed).
    pub(crate) fn decide(&mut self, operation: &str) -> Decision {
        let now = Instant::now();
        self.faults.retain(|f| !f.trigger.is_spent(now));
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
                ActiveTrigger::NextCalls(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                ActiveTrigger::NextCalls(_) => false,
                ActiveTrigger::AfterCalls { skip, then } => {
                    if *skip > 0 {
                        *skip -= 1;
                        false
                    } else if *then > 0 {
                        *then -= 1;
                        true
                    } else {
                        false
                    }
                }
                ActiveTrigger::Rate(p) => rand::random_bool(p.clamp(0.0, 1.0)),
                ActiveTrigger::Until(deadline) => now < *deadline,
            };
            if !fires {
                continue;
            }
            match &fault.kind {
                FaultKind::Latency(d) => decision.latency += *d,
                kind => decision.terminal = Some(kind.clone()),
            }
        }
        self.faults.retain(|f| !f.trigger.is_spent(now));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_after_calls_lets_the_first_ones_through() {
        let mut set = FaultSet::default();
        set.push(Fault {
            operation: Some("TagResource".into()),
            kind: FaultKind::Hang,
            trigger: Trigger::AfterCalls { skip: 1, then: 1 },
        });
        assert!(set.decide("TagResource").terminal.is_none());
        assert!(set.decide("DescribeBackups").terminal.is_none());
        assert!(matches!(
            set.decide("TagResource").terminal,
            Some(FaultKind::Hang)
        ));
        assert!(set.decide("TagResource").terminal.is_none());
    }

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

    #[test]
    fn a_timed_fault_hits_every_call_until_its_deadline_then_goes() {
        let mut set = FaultSet::default();
        set.push(Fault::for_duration(
            Some("AssumeRole"),
            FaultKind::Throttle,
            Duration::from_millis(150),
        ));
        for _ in 0..10 {
            assert!(set.decide("AssumeRole").terminal.is_some());
        }
        assert!(set.decide("DescribeClusters").terminal.is_none());
        std::thread::sleep(Duration::from_millis(160));
        assert!(set.decide("AssumeRole").terminal.is_none());
        assert!(set.faults.is_empty());
    }
}
