//! The HTTP servers: accept connections; on the API listener send `/_emulator/…` to the
//! control API and everything else to the AWS JSON 1.1 API; on the STS listener send
//! everything to the STS emulation; carry out what injected faults ask of the connection
//! (drop it, leave it hanging); stop on request.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::control::Shared;

/// Largest request body accepted (certificates are at most 5000 characters each).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

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

/// Which service a listener speaks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Protocol {
    /// The CloudHSM v2 API (AWS JSON 1.1) and the control API under `/_emulator/`.
    CloudHsm,
    /// The STS emulation (AWS query protocol).
    Sts,
}

/// The error a service returns to make hyper close the connection without answering.
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// Everything a request handler can reach.
#[derive(Clone)]
pub(crate) struct State {
    pub shared: Arc<Shared>,
    pub shutdown: watch::Sender<bool>,
}

/// Serves until `shutdown` turns true; then lets connections finish their current
/// request (for at most two seconds).
pub(crate) async fn serve(
    listener: TcpListener,
    protocol: Protocol,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
) {
    let state = State {
        shared,
        shutdown: shutdown.clone(),
    };
    let mut stop = shutdown.subscribe();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, protocol, state.clone()));
            }
            () = stopped(&mut stop) => break,
        }
        // Reap finished connection tasks.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(2), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

/// Resolves once the shutdown flag is true (or its sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn connection(stream: tokio::net::TcpStream, protocol: Protocol, state: State) {
    let mut stop = state.shutdown.subscribe();
    let service_state = state.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let state = service_state.clone();
        async move {
            match route(&state, protocol, req).await {
                Outcome::Respond(response) => Ok(response),
                Outcome::Drop => Err(DroppedConnection),
                Outcome::Hang => {
                    stopped(&mut state.shutdown.subscribe()).await;
                    Err(DroppedConnection)
                }
            }
        }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let stopping = stopped(&mut stop);
    let stopped = tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
            false
        }
        () = stopping => true,
    };
    if stopped {
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}

async fn route(state: &State, protocol: Protocol, req: Request<Incoming>) -> Outcome {
    let req = req.map(Body::new);
    match protocol {
        Protocol::Sts => crate::sts::handle(state, req).await,
        Protocol::CloudHsm
            if req.uri().path().starts_with("/_emulator/") || req.uri().path() == "/_emulator" =>
        {
            Outcome::Respond(crate::control_http::handle(state, req).await)
        }
        Protocol::CloudHsm => crate::api::handle(state, req).await,
    }
}

/// Reads the whole body (at most [`MAX_BODY_BYTES`]).
pub(crate) async fn read_body(body: Body) -> Result<Vec<u8>, String> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| format!("could not read the request body: {e}"))
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
