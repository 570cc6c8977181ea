//! How every RPC answers: [`guarded`] (logged with its duration, a panic turned into an error
//! diagnostic), and the diagnostics and encoded values that answers are made of.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures_util::FutureExt as _;
use tonic::{Response, Status};

use crate::convert;
use crate::diagnostics::Diagnostic;
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};

pub(super) type Reply<T> = Result<Response<T>, Status>;

pub(super) fn unknown_type(kind: &str, type_name: &str) -> pb::Diagnostic {
    convert::diagnostic(&Diagnostic::error(
        format!("Unknown {kind} type {type_name:?}"),
        format!(
            "This provider does not implement the {kind} type {type_name:?}. Check the spelling \
             in your configuration, or upgrade the provider if the type is newer than this build."
        ),
    ))
}

pub(super) fn one(d: Diagnostic) -> Vec<pb::Diagnostic> {
    vec![convert::diagnostic(&d)]
}

/// Encodes a value for an answer; a failure becomes one more diagnostic.
pub(super) fn encode_into(
    value: &Value,
    ty: &Type,
    what: &str,
    diagnostics: &mut Vec<pb::Diagnostic>,
) -> Option<pb::DynamicValue> {
    match convert::encode(value, ty, what) {
        Ok(v) => Some(v),
        Err(d) => {
            diagnostics.push(convert::diagnostic(&d));
            None
        }
    }
}

fn panic_diagnostic(rpc: &str, payload: &(dyn std::any::Any + Send)) -> pb::Diagnostic {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    convert::diagnostic(&Diagnostic::error(
        "The provider hit an internal error",
        format!(
            "The provider failed unexpectedly while handling {rpc}: {message}. \
             Nothing further was done for this request. Please report this bug with the \
             output of TF_LOG_PROVIDER=debug."
        ),
    ))
}

/// Runs one RPC's work: logs it with its duration, and turns a panic into the answer built
/// by `on_panic` from an error diagnostic.
pub(super) async fn guarded<R>(
    rpc: &'static str,
    type_name: &str,
    work: impl Future<Output = R>,
    on_panic: impl FnOnce(pb::Diagnostic) -> R,
) -> Reply<R> {
    let started = Instant::now();
    let outcome = AssertUnwindSafe(work).catch_unwind().await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(answer) => {
            tracing::debug!(rpc, type_name, elapsed_ms, "served");
            Ok(Response::new(answer))
        }
        Err(payload) => {
            tracing::error!(rpc, type_name, elapsed_ms, "provider code panicked");
            Ok(Response::new(on_panic(panic_diagnostic(rpc, &*payload))))
        }
    }
}
