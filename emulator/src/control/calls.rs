//! The record of calls, on both listeners: each call that reached its handler with its body,
//! the access key and region it was signed with and the `Host` header it was sent with, and
//! the count of every attempt; and the [`Control`] methods that read and forget it.
//!
//! Bookkeeping only: the handlers fill it in; it knows nothing of HTTP, SigV4 or the
//! protocols.

use std::collections::HashMap;

use serde_json::Value;

use super::{Control, Shared};

/// One call that reached its handler, on either listener, as [`Control::call_records`]
/// gives it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The operation: the CloudHSM API's (`"DescribeClusters"`) or the STS action
    /// (`"AssumeRoleWithWebIdentity"`).
    pub operation: String,
    /// The request body: the JSON input of a CloudHSM call; for an STS call, a JSON object
    /// of the form fields (`{"Action": …, "RoleArn": …, "WebIdentityToken": …}`).
    pub body: Value,
    /// The access key id of the SigV4 credential scope; `None` for an unsigned call (only
    /// `AssumeRoleWithWebIdentity` may be unsigned).
    pub access_key_id: Option<String>,
    /// The region of the SigV4 credential scope, whatever it names (`"us-gov-west-1"`,
    /// `"cn-north-1"`); `None` for an unsigned call.
    pub region: Option<String>,
    /// The `Host` header as received (`"cloudhsmv2.eu-west-1.amazonaws.com"` when a proxy
    /// relays a request for that name, `"127.0.0.1:41234"` when a client calls the
    /// emulator directly); `None` when the request had none.
    pub host: Option<String>,
}

/// The record of calls that reached a handler, and of every attempt.
#[derive(Debug, Default)]
pub(crate) struct CallLog {
    calls: Vec<CallRecord>,
    attempts: HashMap<String, usize>,
}

impl Shared {
    /// Records a call that reached its handler.
    pub(crate) fn record_call(&self, record: CallRecord) {
        self.calls_lock().calls.push(record);
    }

    /// Counts a request of `operation` that passed the signature check (an unsigned
    /// `AssumeRoleWithWebIdentity` included), whatever happens to it next.
    pub(crate) fn count_attempt(&self, operation: &str) {
        *self
            .calls_lock()
            .attempts
            .entry(operation.to_string())
            .or_default() += 1;
    }

    /// The recorded calls of `operation`, each mapped by `f`, in order.
    fn calls_of<T>(&self, operation: &str, f: impl Fn(&CallRecord) -> T) -> Vec<T> {
        self.calls_lock()
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .map(f)
            .collect()
    }
}

impl Control {
    /// Request bodies of `operation` (e.g. `"InitializeCluster"`, or `"AssumeRole"` for the
    /// STS emulation, whose body is a JSON object of the form fields) that reached the
    /// handler, in order. Calls refused at the signature check and calls stopped by a
    /// fault before the handler are not recorded.
    pub fn calls(&self, operation: &str) -> Vec<Value> {
        self.shared.calls_of(operation, |c| c.body.clone())
    }

    /// Every recorded call of `operation` whole (body, signer, signing region, `Host`), in
    /// order: one per entry of [`Control::calls`].
    pub fn call_records(&self, operation: &str) -> Vec<CallRecord> {
        self.shared.calls_of(operation, CallRecord::clone)
    }

    /// Every recorded call whole, in order.
    pub fn all_call_records(&self) -> Vec<CallRecord> {
        self.shared.calls_lock().calls.clone()
    }

    /// How many calls of `operation` reached the handler.
    pub fn call_count(&self, operation: &str) -> usize {
        self.shared
            .calls_lock()
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    /// How many requests of `operation` arrived at all with an acceptable signature (or
    /// none, for `AssumeRoleWithWebIdentity`), including those a fault stopped before the
    /// handler (throttled, failed, dropped, left hanging). Unlike [`Control::call_count`],
    /// this counts what a client's retries sent.
    pub fn attempts(&self, operation: &str) -> usize {
        self.shared
            .calls_lock()
            .attempts
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// The access key id (from the SigV4 credential scope) that signed each recorded call
    /// of `operation`, in order: one per entry of [`Control::calls`], `""` for an unsigned
    /// call ([`Control::call_records`] says `None`).
    pub fn access_keys(&self, operation: &str) -> Vec<String> {
        self.shared
            .calls_of(operation, |c| c.access_key_id.clone().unwrap_or_default())
    }

    /// The signing region (from the SigV4 credential scope) of each recorded call of
    /// `operation`, in order: one per entry of [`Control::calls`], `None` for an unsigned
    /// call.
    pub fn signing_regions(&self, operation: &str) -> Vec<Option<String>> {
        self.shared.calls_of(operation, |c| c.region.clone())
    }

    /// The `Host` header of each recorded call of `operation` as received, in order: one
    /// per entry of [`Control::calls`].
    pub fn hosts(&self, operation: &str) -> Vec<Option<String>> {
        self.shared.calls_of(operation, |c| c.host.clone())
    }

    /// Every recorded call as `(operation, body)`, in order.
    pub fn all_calls(&self) -> Vec<(String, Value)> {
        self.shared
            .calls_lock()
            .calls
            .iter()
            .map(|c| (c.operation.clone(), c.body.clone()))
            .collect()
    }

    /// Every recorded call as `(operation, body, access key id)`, in order (`""` for an
    /// unsigned call).
    pub fn all_calls_with_keys(&self) -> Vec<(String, Value, String)> {
        self.shared
            .calls_lock()
            .calls
            .iter()
            .map(|c| {
                (
                    c.operation.clone(),
                    c.body.clone(),
                    c.access_key_id.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Forgets the record of calls, their signers, and the attempt counts.
    pub fn clear_calls(&self) {
        let mut log = self.shared.calls_lock();
        log.calls.clear();
        log.attempts.clear();
    }
}
