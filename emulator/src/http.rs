//! The HTTP plumbing every request handler shares: the [`State`] a handler can reach, the
//! [`Outcome`] it hands back (an answer, or a connection dropped or left hanging), reading a
//! request body and its `Host` header, and building a response (an AWS JSON error with its
//! `x-amzn-errortype` too).
//!
//! It knows no route or fault, and of the protocols only the error shape the JSON ones
//! share (the CloudHSM API, Secrets Manager, the SSO portal): the handlers, the fault gate
//! and the server stand on it, and it imports none of them.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Response, StatusCode};
use tokio::sync::watch;

use crate::control::Shared;
use crate::error::ApiError;

/// Largest request body accepted (certificates are at most 5000 characters each).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a request handler can reach.
#[derive(Clone)]
pub(crate) struct State {
    pub shared: Arc<Shared>,
    pub shutdown: watch::Sender<bool>,
}

/// What a request handler may ask of the connection besides answering.
pub(crate) enum Outcome {
    /// Send this response.
    Respond(Response<Body>),
    /// Close the connection without an HTTP response (an injected fault).
    Drop,
    /// Never answer; keep the connection open until the emulator shuts down (an injected
    /// fault).
    Hang,
}

/// The error a service returns to make hyper close the connection without answering: what
/// [`Outcome::Drop`] (and a [`Outcome::Hang`] at shutdown) becomes on the connection.
#[derive(Debug)]
pub(crate) struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// Reads the whole body (at most [`MAX_BODY_BYTES`]).
pub(crate) async fn read_body(body: Body) -> Result<Vec<u8>, String> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| format!("could not read the request body: {e}"))
}

/// The `Host` header as received (any name: the emulator serves whatever host a client or
/// a relaying proxy asked for), bytes that are not UTF-8 replaced.
pub(crate) fn host_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// A response with the given status, content type and body.
pub(crate) fn response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Body>,
) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

/// An AWS JSON answer: `output` with 200, or the error with its status, its JSON body and
/// its code in `x-amzn-errortype` (where AWS JSON 1.1 and REST-JSON clients look first).
pub(crate) fn json_answer(
    result: Result<serde_json::Value, ApiError>,
    content_type: &str,
) -> Response<Body> {
    match result {
        Ok(output) => response(StatusCode::OK, content_type, output.to_string()),
        Err(e) => json_error(&e, content_type),
    }
}

/// The error half of [`json_answer`].
pub(crate) fn json_error(e: &ApiError, content_type: &str) -> Response<Body> {
    let mut r = response(e.status, content_type, e.body().to_string());
    if let Ok(v) = header::HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    r
}
