//! The one error of the value layer: a value that could not be decoded, encoded or read
//! into a Rust type, with the [`AttributePath`] of the place when there is one.
//!
//! It stands at the bottom of `value/` (above [`crate::path`] only) so that every part of it
//! can report one; it knows no type, value or wire form, and nothing of diagnostics (which
//! turn it into a message for the person running Terraform).

use crate::path::AttributePath;

/// A value that could not be decoded, encoded or read into a Rust type.
///
/// [`ValueError::message`] is plain words without the path; the path, when there is one,
/// travels separately ([`ValueError::path`]) so that a diagnostic can point at it. The
/// `Display` form puts both together for logs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A value is required but it is null.
    #[error("{}", with_path(Some(path), &self.message()))]
    Null {
        /// Where the null value is.
        path: AttributePath,
    },
    /// A value is required but it is not known yet.
    #[error("{}", with_path(Some(path), &self.message()))]
    Unknown {
        /// Where the unknown value is.
        path: AttributePath,
    },
    /// The value is of another kind than the type asks for.
    #[error("{}", with_path(Some(path), &self.message()))]
    Mismatch {
        /// Where the value is.
        path: AttributePath,
        /// What the type asks for, in words (`a string`, `list of number`).
        expected: String,
        /// What was there instead, in words.
        found: String,
    },
    /// The bytes could not be read as a value of the type.
    #[error("{}", with_path(Some(path), &self.message()))]
    Decode {
        /// Where in the value reading stopped.
        path: AttributePath,
        /// What is wrong, in plain words.
        message: String,
    },
    /// The value could not be written in the wire form.
    #[error("{}", with_path(Some(path), &self.message()))]
    Encode {
        /// Where in the value writing stopped.
        path: AttributePath,
        /// What is wrong, in plain words.
        message: String,
    },
    /// A type (or type JSON) that is not valid.
    #[error("{message}")]
    InvalidType {
        /// What is wrong with the type, in plain words.
        message: String,
    },
}

/// The `Display` form: the path (unless it is the root) before the message.
fn with_path(path: Option<&AttributePath>, message: &str) -> String {
    match path {
        Some(p) if !p.is_root() => format!("{p}: {message}"),
        _ => message.to_string(),
    }
}

impl ValueError {
    /// Where in the value the problem is, when known.
    pub fn path(&self) -> Option<&AttributePath> {
        match self {
            ValueError::Null { path }
            | ValueError::Unknown { path }
            | ValueError::Mismatch { path, .. }
            | ValueError::Decode { path, .. }
            | ValueError::Encode { path, .. } => Some(path),
            ValueError::InvalidType { .. } => None,
        }
    }

    /// What is wrong, in plain words and without the path.
    pub fn message(&self) -> String {
        match self {
            ValueError::Null { .. } => "A value is required here, but it is null.".to_string(),
            ValueError::Unknown { .. } => "A value is required here, but it is not known yet \
                 (it depends on something that has not been created or read)."
                .to_string(),
            ValueError::Mismatch {
                expected, found, ..
            } => format!("Expected {expected}, found {found}."),
            ValueError::Decode { message, .. }
            | ValueError::Encode { message, .. }
            | ValueError::InvalidType { message } => message.clone(),
        }
    }

    /// The value at `path` is `found` where the type asks for `expected`.
    pub(super) fn mismatch(
        path: &AttributePath,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        ValueError::Mismatch {
            path: path.clone(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The input could not be read at `path`.
    pub(super) fn decode(path: &AttributePath, message: impl Into<String>) -> Self {
        ValueError::Decode {
            path: path.clone(),
            message: message.into(),
        }
    }

    /// The value could not be written at `path`.
    pub(super) fn encode(path: &AttributePath, message: impl Into<String>) -> Self {
        ValueError::Encode {
            path: path.clone(),
            message: message.into(),
        }
    }
}
