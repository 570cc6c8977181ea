//! Error types: the AWS-shaped errors the emulator answers with (CloudHSM's JSON errors,
//! STS's XML errors), and the errors of its own machinery (PKI, start-up).
//!
//! Values only: it knows nothing of requests, handlers or the emulated clusters.

use axum::http::StatusCode;

/// An error answered to an API client as `{"__type": code, "message": message}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// The `__type` the AWS SDK maps to its typed error.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// `CloudHsmInvalidRequestException` (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "CloudHsmInvalidRequestException",
            message,
        )
    }

    /// `CloudHsmResourceNotFoundException` (400).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "CloudHsmResourceNotFoundException",
            message,
        )
    }

    /// `CloudHsmTagException` (400): a tag the service will not take.
    pub fn tag(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "CloudHsmTagException", message)
    }

    /// The CloudHSM error `code` (one of
    /// [`CLOUDHSM_ERROR_CODES`](crate::config::CLOUDHSM_ERROR_CODES); any other code is
    /// `CloudHsmInvalidRequestException`), with HTTP 500 for an internal failure and 400
    /// otherwise: a refusal whose code a [`Behaviour`](crate::Behaviour) chooses.
    pub fn cloudhsm(code: &str, message: impl Into<String>) -> Self {
        let code = crate::config::CLOUDHSM_ERROR_CODES
            .iter()
            .find(|c| **c == code)
            .copied()
            .unwrap_or("CloudHsmInvalidRequestException");
        let status = if code == "CloudHsmInternalFailureException" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        Self::new(status, code, message)
    }

    /// `UnrecognizedClientException` (400): what AWS answers a call signed for a region
    /// the account has not enabled.
    pub fn unrecognized_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// `CloudHsmInternalFailureException` (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CloudHsmInternalFailureException",
            message,
        )
    }

    /// `ThrottlingException` (400), as the AWS platform sends it.
    pub fn throttling() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        )
    }

    /// `UnknownOperationException` (400).
    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("unknown operation {target:?}"),
        )
    }

    /// `SerializationException` (400): the body is not a JSON object.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "SerializationException", message)
    }

    /// `MissingAuthenticationTokenException` (403): no `Authorization` header.
    pub fn missing_authentication() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// `IncompleteSignatureException` (403): the `Authorization` header is not a SigV4 header.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            message,
        )
    }

    /// `InvalidSignatureException` (403): the credential scope names another service.
    pub fn wrong_service(service: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to correct service: 'cloudhsm'. (scope names {service:?})"
            ),
        )
    }

    /// The JSON body AWS JSON 1.1 clients parse.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.code, "message": self.message })
    }
}

/// An error the STS emulation answers with, as `ErrorResponse/Error/{Type, Code, Message}`
/// (AWS query protocol).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct StsError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// The `Code` the AWS SDK maps to its typed error.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl StsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    /// `ValidationError` (400): an input constraint is not met.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// `AccessDenied` (403): the caller may not do this.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    /// `MalformedPolicyDocument` (400): a session policy that is no policy document.
    pub fn malformed_policy(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", message)
    }

    /// `InvalidIdentityToken` (400): the web identity token is not one the account trusts.
    pub fn invalid_identity_token(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", message)
    }

    /// `ExpiredTokenException` (400): the web identity token has expired.
    pub fn expired_token(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ExpiredTokenException", message)
    }

    /// `IDPCommunicationError` (400): the identity provider could not be reached.
    pub fn idp_communication(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "IDPCommunicationError", message)
    }

    /// `InvalidAction` (400): no such action (or version).
    pub fn invalid_action(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidAction", message)
    }

    /// `MissingAction` (400): the form names no `Action`.
    pub fn missing_action() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MissingAction", "Missing Action")
    }

    /// `MalformedInput` (400): the body is not a form.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedInput", message)
    }

    /// `Throttling` (400), as STS sends it.
    pub fn throttling() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
    }

    /// `InternalFailure` (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            message,
        )
    }

    /// `MissingAuthenticationToken` (403): no `Authorization` header.
    pub fn missing_authentication() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        )
    }

    /// `IncompleteSignature` (400): the `Authorization` header is not a SigV4 header.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message)
    }

    /// `SignatureDoesNotMatch` (403): the credential scope names another service.
    pub fn wrong_service(service: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            format!(
                "Credential should be scoped to correct service: 'sts'. (scope names {service:?})"
            ),
        )
    }

    /// `Sender` for client errors, `Receiver` for server errors.
    pub fn fault_type(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

/// Failures of the emulator's certificate machinery.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Key or certificate generation failed in rcgen.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// The input is not a PEM certificate signing request.
    #[error("not a PEM certificate signing request: {0}")]
    NotACsr(String),
    /// The CSR's own signature does not verify.
    #[error("the CSR's signature does not verify: {0}")]
    BadCsrSignature(String),
}
