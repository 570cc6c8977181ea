//! How a CloudHSM API call failed, in the words of the service, and whether trying again
//! later may help. Knows the SDK's error shapes; nothing else of the client.

use aws_sdk_cloudhsmv2::config::http::HttpResponse;
use aws_sdk_cloudhsmv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// How an API call failed, in the words of the service.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("CloudHSM refused {operation}: {code}: {message}")]
    Service {
        operation: &'static str,
        kind: ErrorKind,
        code: String,
        message: String,
        /// The HTTP status of the answer, when there was one.
        status: Option<u16>,
    },
    #[error("could not complete {operation} with the CloudHSM API: {detail}")]
    Transport {
        operation: &'static str,
        detail: String,
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

    /// A failure that says nothing about the request itself (throttling, a service fault,
    /// the network): the same call may well succeed a little later.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Service { kind, status, .. } => {
                matches!(kind, ErrorKind::Throttling | ErrorKind::Internal)
                    || status.is_some_and(|s| s >= 500 || s == 429)
            }
            ApiError::Transport { .. } => true,
            ApiError::DeadlineReached { .. } | ApiError::Cancelled { .. } => false,
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

    pub(super) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if let SdkError::ServiceError(service) = &err {
            let e = service.err();
            let code = e.code().unwrap_or("UnknownError").to_string();
            let message = e.message().unwrap_or("no message").to_string();
            let kind = match code.as_str() {
                "CloudHsmResourceNotFoundException" => ErrorKind::NotFound,
                "CloudHsmInvalidRequestException" => ErrorKind::InvalidRequest,
                "CloudHsmAccessDeniedException" | "AccessDeniedException" => {
                    ErrorKind::AccessDenied
                }
                "ThrottlingException"
                | "ThrottledException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "Throttling" => ErrorKind::Throttling,
                "CloudHsmInternalFailureException"
                | "CloudHsmServiceException"
                | "InternalFailure"
                | "ServiceUnavailable" => ErrorKind::Internal,
                _ => ErrorKind::Other,
            };
            return ApiError::Service {
                operation,
                kind,
                code,
                message,
                status: Some(service.raw().status().as_u16()),
            };
        }
        ApiError::Transport {
            operation,
            detail: DisplayErrorContext(&err).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
