//! What injected faults do to one call, the same for both listeners (CloudHSM API and STS):
//! wait out added latency, then either stop the call before its handler
//! (refuse, answer a load balancer's HTML error page, drop, hang) or let it through and
//! decide how its answer is delivered (whole, unreadable, lost, or cut off in the middle).
//!
//! It decides and delivers but does not answer: each protocol renders a refusal in its own
//! error shape (and makes its own answer unreadable), so it knows no protocol, handler or
//! route. The HTML error page is no protocol's: it is made here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use hyper::body::{Bytes, Frame, SizeHint};

use crate::control::Shared;
use crate::faults::FaultKind;
use crate::http::{response, Outcome};

/// How long a cut-off response waits after its partial body before the connection goes, so
/// that the partial body is flushed to the client first.
const CUT_OFF_PAUSE: Duration = Duration::from_millis(30);

/// What happens to a call after the fault check.
pub(crate) enum Gate {
    /// Handle the call, then deliver its answer this way.
    Handle(Delivery),
    /// Do not handle the call: answer with this refusal, in the protocol's error shape.
    Refuse(Refusal),
    /// Do not handle the call and do not answer it (a dropped connection or a hang).
    Abandon(Outcome),
}

/// A fault that answers in place of the handler.
pub(crate) enum Refusal {
    /// The platform's throttling error.
    Throttle,
    /// The service's internal failure (HTTP 500).
    InternalError,
    /// A load balancer's HTML error page with this status ([`html_page`]), the same for
    /// every protocol.
    HtmlPage(u16),
}

/// How a handled call's answer reaches the client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Whole.
    Normal,
    /// Whole, but a successful answer made unparseable by the protocol first (the handler
    /// reads this); an error answer as it is.
    Unreadable,
    /// Not at all: the connection is closed instead.
    Lose,
    /// Headers and part of the body, then the connection is closed.
    CutOff,
}

/// Applies the faults that hit a call of `operation` (whose attempt the protocol has
/// already counted), and says what next.
pub(crate) async fn gate(shared: &Shared, operation: &str) -> Gate {
    let decision = shared.faults().decide(operation);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.terminal {
        None | Some(FaultKind::Latency(_)) => Gate::Handle(Delivery::Normal),
        Some(FaultKind::Throttle) => Gate::Refuse(Refusal::Throttle),
        Some(FaultKind::InternalError) => Gate::Refuse(Refusal::InternalError),
        Some(FaultKind::HtmlAnswer(status)) => Gate::Refuse(Refusal::HtmlPage(status)),
        Some(FaultKind::UnreadableAnswer) => Gate::Handle(Delivery::Unreadable),
        Some(FaultKind::DropConnection) => Gate::Abandon(Outcome::Drop),
        Some(FaultKind::Hang) => {
            tracing::debug!(operation, "request left unanswered (injected fault)");
            Gate::Abandon(Outcome::Hang)
        }
        Some(FaultKind::LoseResponse) => Gate::Handle(Delivery::Lose),
        Some(FaultKind::ResetMidResponse) => Gate::Handle(Delivery::CutOff),
    }
}

/// Delivers a handled call's answer as `delivery` says.
pub(crate) async fn deliver(delivery: Delivery, response: Response<Body>) -> Outcome {
    match delivery {
        Delivery::Normal => Outcome::Respond(response),
        Delivery::Unreadable => {
            tracing::debug!("handled; answered unreadably (injected fault)");
            Outcome::Respond(response)
        }
        Delivery::Lose => {
            tracing::debug!("handled; response lost (injected fault)");
            Outcome::Drop
        }
        Delivery::CutOff => {
            tracing::debug!("handled; response cut off (injected fault)");
            let (mut parts, body) = response.into_parts();
            let full = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) => bytes,
                Err(_) => return Outcome::Drop,
            };
            // Announce one byte more than there is when there is nothing to cut.
            let announced = full.len().max(1);
            let part = full.slice(..full.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
            Outcome::Respond(Response::from_parts(
                parts,
                Body::new(CutOffBody {
                    part: Some(part),
                    announced: announced as u64,
                    pause: None,
                }),
            ))
        }
    }
}

/// The status of an HTML error page when the one asked for cannot be sent (not a final
/// status): 502.
const DEFAULT_HTML_STATUS: StatusCode = StatusCode::BAD_GATEWAY;

/// A load balancer's error page: `status` (502 when it is not a final HTTP status),
/// `content-type: text/html`, a short HTML body naming the status.
pub(crate) fn html_page(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| !s.is_informational())
        .unwrap_or(DEFAULT_HTML_STATUS);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    tracing::debug!(%status, "answered with an HTML error page (injected fault)");
    response(
        status,
        "text/html",
        format!(
            "<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center></body></html>"
        ),
    )
}

/// The error that makes hyper abort the connection in the middle of a body.
#[derive(Debug)]
struct CutOff;

impl std::fmt::Display for CutOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("response cut off by an injected fault")
    }
}

impl std::error::Error for CutOff {}

/// A body that yields `part`, pauses (so hyper flushes it), then fails: hyper then closes
/// the connection with the announced `Content-Length` unmet.
struct CutOffBody {
    part: Option<Bytes>,
    announced: u64,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for CutOffBody {
    type Data = Bytes;
    type Error = CutOff;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, CutOff>>> {
        let this = self.get_mut();
        if let Some(part) = this.part.take() {
            this.pause = Some(Box::pin(tokio::time::sleep(CUT_OFF_PAUSE)));
            if !part.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(part))));
            }
        }
        match &mut this.pause {
            Some(pause) => match pause.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(CutOff))),
                Poll::Pending => Poll::Pending,
            },
            None => Poll::Ready(Some(Err(CutOff))),
        }
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.announced)
    }
}
