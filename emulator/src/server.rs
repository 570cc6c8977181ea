//! The HTTP servers: accept connections; on the API listener send `/_emulator/…` to the
//! control API, `/federation/credentials` to the SSO portal, `secretsmanager.*` targets to
//! the Secrets Manager emulation and everything
//! else to the CloudHSM API; on the STS listener send
//! everything to the STS emulation; carry out what a handler's [`Outcome`] asks of the
//! connection (answer, drop it, leave it hanging); stop on request.
//!
//! It is the top of the request path: it knows which handler serves which request, but
//! nothing of what a handler does; only the crate root, which starts the servers, imports
//! it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::control::Shared;
use crate::http::{DroppedConnection, Outcome, State};
use crate::{api, control_http, imds, secrets, sso, sts};

/// Which service a listener speaks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Protocol {
    /// The CloudHSM v2 API (AWS JSON 1.1) and the control API under `/_emulator/`.
    CloudHsm,
    /// The STS emulation (AWS query protocol).
    Sts,
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
        Protocol::Sts => sts::handle(state, req).await,
        Protocol::CloudHsm
            if req.uri().path().starts_with("/_emulator/") || req.uri().path() == "/_emulator" =>
        {
            Outcome::Respond(control_http::handle(state, req).await)
        }
        Protocol::CloudHsm if sso::is_sso(&req) => sso::handle(state, &req),
        Protocol::CloudHsm if imds::is_metadata(&req) => imds::handle(state, &req),
        Protocol::CloudHsm if secrets::is_secrets_manager(&req) => {
            secrets::handle(state, req).await
        }
        Protocol::CloudHsm => api::handle(state, req).await,
    }
}
