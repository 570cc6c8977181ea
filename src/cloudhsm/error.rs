//! How an AWS call failed (CloudHSM's, or STS's for the provider's identity), in the words of
//! the service, and whether trying again later may help, or whether the call may have taken
//! effect although no answer said so. A failure on the way (a proxy, TLS, DNS) is said as
//! such ([`NetworkProblem`]), with what was tried and what to change. Knows the SDK's error
//! shapes and the network's routes; nothing else of the client.
//!
//! Errors never carry the SDK's internal `Debug` dumps: a failure is told as the chain of its
//! causes' messages, and an answer the provider cannot read as its status and a short excerpt.

use aws_sdk_cloudhsmv2::config::http::HttpResponse;
use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};

use super::network::{classify, NetworkProblem, Route, CONNECT_TIMEOUT};

/// How much of an unreadable answer's body an error quotes.
const EXCERPT_CHARS: usize = 120;

/// How an API call failed, in the words of the service.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("{} refused {operation}: {code}: {message}", service_of(operation))]
    Service {
        operation: &'static str,
        kind: ErrorKind,
        code: String,
        message: String,
        /// The HTTP status of the answer, when there was one.
        status: Option<u16>,
    },
    #[error(
        "could not complete {operation} with the {} API: {detail}",
        service_of(operation)
    )]
    Transport {
        operation: &'static str,
        detail: String,
    },
    /// The request never reached the service: a proxy, TLS or DNS stood in the way.
    #[error("could not reach {} for {operation}: {problem}", service_of(operation))]
    Network {
        operation: &'static str,
        problem: Box<NetworkProblem>,
    },
    /// The credentials could not be had (the request was not sent).
    #[error("could not get AWS credentials for {operation}: {detail}")]
    Credentials {
        operation: &'static str,
        detail: String,
        /// Whether the same may work a little later (the credential source was busy or
        /// could not be reached for a moment).
        transient: bool,
    },
    /// An answer came, but not one the provider can read: a body that does not parse (a
    /// field in another format, a proxy's HTML page).
    #[error(
        "the endpoint answered {operation} with HTTP {status} and a body the provider cannot \
         read ({problem}); the body begins: {excerpt}"
    )]
    Unreadable {
        operation: &'static str,
        status: u16,
        problem: String,
        excerpt: String,
    },
    #[error("{operation} got no answer before the operation's deadline ({after_secs} s)")]
    DeadlineReached {
        operation: &'static str,
        after_secs: u64,
    },
    #[error("{operation} was cancelled because Terraform asked the provider to stop")]
    Cancelled { operation: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    InvalidRequest,
    AccessDenied,
    /// AWS does not know the caller in this region: credentials it does not know, or a
    /// region not enabled for the account (an opt-in region).
    UnknownCaller,
    Throttling,
    Internal,
    Other,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Service { kind, .. } => *kind,
            _ => ErrorKind::Other,
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Service { operation, .. }
            | ApiError::Transport { operation, .. }
            | ApiError::Network { operation, .. }
            | ApiError::Credentials { operation, .. }
            | ApiError::Unreadable { operation, .. }
            | ApiError::DeadlineReached { operation, .. }
            | ApiError::Cancelled { operation } => operation,
        }
    }

    /// A failure that says nothing about the request itself (throttling, a service fault,
    /// the network): the same call may well succeed a little later.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Service { kind, status, .. } => {
                matches!(kind, ErrorKind::Throttling | ErrorKind::Internal)
                    || status.is_some_and(|s| s >= 500 || s == 429)
            }
            ApiError::Unreadable { status, .. } => *status >= 500 || *status == 429,
            ApiError::Transport { .. } => true,
            ApiError::Network { problem, .. } => problem.is_transient(),
            ApiError::Credentials { transient, .. } => *transient,
            ApiError::DeadlineReached { .. } | ApiError::Cancelled { .. } => false,
        }
    }

    /// Whether a write that failed this way may still have taken effect: the request may
    /// have reached CloudHSM and only its answer was lost, cut off, unreadable or late (a
    /// dropped connection, a timeout, a 5xx, an answer that does not parse). Such a call is
    /// never simply sent again: the cluster is looked at first. A refusal with a reason
    /// (4xx, throttling included) did not take effect.
    pub fn may_have_taken_effect(&self) -> bool {
        match self {
            ApiError::Service { status, kind, .. } => {
                status.is_some_and(|s| s >= 500) || *kind == ErrorKind::Internal
            }
            ApiError::Unreadable { status, .. } => *status < 400 || *status >= 500,
            ApiError::Transport { .. } | ApiError::DeadlineReached { .. } => true,
            // Nothing was sent: no connection, no tunnel, no trusted TLS, no credentials.
            ApiError::Network { .. } | ApiError::Credentials { .. } => false,
            ApiError::Cancelled { .. } => true,
        }
    }

    /// A refusal of a DescribeClusters call that may be about its filter (an id in it, or
    /// how many ids it holds) rather than about the caller or the service: splitting the
    /// filter may get an answer.
    pub fn may_be_about_the_filter(&self) -> bool {
        match self {
            ApiError::Service { kind, code, .. } => {
                matches!(kind, ErrorKind::NotFound | ErrorKind::InvalidRequest)
                    || code == "ValidationException"
            }
            _ => false,
        }
    }

    /// How `err`, the failure of `operation` called along `route`, reads.
    pub(super) fn from_sdk<E>(
        operation: &'static str,
        err: SdkError<E, HttpResponse>,
        route: &Route,
    ) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if let Some(e) = credentials_failure(operation, &err) {
            return e;
        }
        if let SdkError::DispatchFailure(dispatch) = &err {
            let timed_out = dispatch
                .as_connector_error()
                .is_some_and(|c| c.is_timeout())
                .then_some(CONNECT_TIMEOUT);
            if let Some(problem) = classify(&err, route, timed_out) {
                return ApiError::Network {
                    operation,
                    problem: Box::new(problem),
                };
            }
        }
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let raw = service.raw();
                let status = raw.status().as_u16();
                let Some(code) = e.code().filter(|c| !c.trim().is_empty()) else {
                    // No error code: the body is not an AWS error (a proxy's page, say).
                    return ApiError::Unreadable {
                        operation,
                        status,
                        problem: "not an AWS error".to_string(),
                        excerpt: excerpt(raw.body().bytes()),
                    };
                };
                let message = e
                    .message()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or("no message")
                    .to_string();
                ApiError::Service {
                    operation,
                    kind: kind_of(code),
                    code: code.to_string(),
                    message,
                    status: Some(status),
                }
            }
            SdkError::ResponseError(response) => {
                let raw = response.raw();
                let body = raw.body().bytes().filter(|b| !b.is_empty());
                let declared = raw
                    .headers()
                    .get("content-length")
                    .and_then(|n| n.trim().parse::<usize>().ok());
                let whole = body.is_some_and(|b| declared.is_none_or(|n| n == b.len()));
                if !whole {
                    // Not a body in another format: the answer was cut off on the way.
                    return ApiError::Transport {
                        operation,
                        detail: format!("the answer was cut off: {}", causes(&err)),
                    };
                }
                ApiError::Unreadable {
                    operation,
                    status: raw.status().as_u16(),
                    problem: causes(&err),
                    excerpt: excerpt(body),
                }
            }
            SdkError::TimeoutError(_) => ApiError::Transport {
                operation,
                detail: format!(
                    "no answer within the time allowed for one attempt ({})",
                    causes(&err)
                ),
            },
            _ => ApiError::Transport {
                operation,
                detail: causes(&err),
            },
        }
    }
}

/// The service an operation belongs to, for messages.
fn service_of(operation: &str) -> &'static str {
    match operation {
        "GetCallerIdentity" | "AssumeRole" | "AssumeRoleWithWebIdentity" => "STS",
        _ => "CloudHSM",
    }
}

/// The failure of a call whose credentials could not be had, if that is what `err` is.
fn credentials_failure<E>(
    operation: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> Option<ApiError>
where
    E: std::error::Error + 'static,
{
    use aws_credential_types::provider::error::CredentialsError;
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(creds) = e.downcast_ref::<CredentialsError>() {
            let inner = std::error::Error::source(creds);
            let api = inner.and_then(|i| i.downcast_ref::<ApiError>());
            let transient = match creds {
                CredentialsError::CredentialsNotLoaded(_)
                | CredentialsError::InvalidConfiguration(_) => false,
                _ => api.is_none_or(ApiError::is_transient),
            };
            let mut detail = match api {
                Some(api) => api.to_string(),
                None => causes(creds),
            };
            if api.is_none() && is_sso_sign_in(&detail) {
                detail.push_str(SSO_SIGN_IN);
            }
            return Some(ApiError::Credentials {
                operation,
                detail,
                transient,
            });
        }
        next = e.source();
    }
    None
}

/// What an AWS error code means for the provider.
fn kind_of(code: &str) -> ErrorKind {
    match code {
        "CloudHsmResourceNotFoundException" => ErrorKind::NotFound,
        "CloudHsmInvalidRequestException" => ErrorKind::InvalidRequest,
        "CloudHsmAccessDeniedException" | "AccessDeniedException" | "AccessDenied" => {
            ErrorKind::AccessDenied
        }
        "UnrecognizedClientException" | "InvalidClientTokenId" => ErrorKind::UnknownCaller,
        "ThrottlingException"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "Throttling" => ErrorKind::Throttling,
        "CloudHsmInternalFailureException"
        | "CloudHsmServiceException"
        | "InternalFailure"
        | "ServiceUnavailable"
        | "IDPCommunicationError" => ErrorKind::Internal,
        _ => ErrorKind::Other,
    }
}

/// The messages of an error and its causes, joined with ": ", each said once (the SDK's
/// wrappers often repeat their source's words).
/// What to do when the profile's IAM Identity Center (SSO) sign-in failed.
const SSO_SIGN_IN: &str = " (the IAM Identity Center sign-in of the profile in use is missing, \
     expired or from another login: run `aws sso login --profile <the provider's profile \
     argument, or AWS_PROFILE>`, then run the command again)";

/// Whether a credential chain's failure, in the SDK's words, is the SSO sign-in's: the
/// cached token file missing or unreadable, or the portal refusing the token
/// (`UnauthorizedException` is the SSO portal's code; STS has none of that name).
fn is_sso_sign_in(detail: &str) -> bool {
    detail.contains("SSO token")
        || detail.contains("sso/cache")
        || detail.contains("sso\\cache")
        || detail.contains("UnauthorizedException")
}

fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        let text = text.trim();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_string());
        }
        next = e.source();
    }
    if parts.is_empty() {
        "no detail".to_string()
    } else {
        parts.join(": ")
    }
}

/// The first characters of a body, on one line, quoted; or a word for a body not at hand.
fn excerpt(body: Option<&[u8]>) -> String {
    let Some(bytes) = body.filter(|b| !b.is_empty()) else {
        return "(empty)".to_string();
    };
    let text = String::from_utf8_lossy(bytes);
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut cut: String = flat.chars().take(EXCERPT_CHARS).collect();
    if flat.chars().count() > EXCERPT_CHARS {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sso_sign_in_that_failed_is_told_apart_from_other_credential_failures() {
        for detail in [
            "an error occurred while loading credentials: service error: UnauthorizedException: Session token not found or invalid",
            "failed to read `/home/me/.aws/sso/cache/0a1b.json`: No such file or directory",
            "failed to read `C:\\Users\\me\\.aws\\sso\\cache\\0a1b.json`",
            "the SSO token has expired and cannot be refreshed",
        ] {
            assert!(is_sso_sign_in(detail), "{detail}");
        }
        for detail in [
            "no credentials in the environment, profile or instance metadata",
            "ExpiredToken: The security token included in the request is expired",
        ] {
            assert!(!is_sso_sign_in(detail), "{detail}");
        }
    }

    #[test]
    fn transient_errors_are_the_ones_worth_retrying() {
        let service = |kind, status| ApiError::Service {
            operation: "DescribeClusters",
            kind,
            code: "X".into(),
            message: "m".into(),
            status,
        };
        assert!(service(ErrorKind::Throttling, Some(400)).is_transient());
        assert!(service(ErrorKind::Internal, Some(500)).is_transient());
        assert!(service(ErrorKind::Other, Some(503)).is_transient());
        assert!(!service(ErrorKind::InvalidRequest, Some(400)).is_transient());
        assert!(!service(ErrorKind::AccessDenied, Some(400)).is_transient());
        assert!(ApiError::Transport {
            operation: "X",
            detail: "reset".into()
        }
        .is_transient());
        assert!(!ApiError::Cancelled { operation: "X" }.is_transient());
    }
}
