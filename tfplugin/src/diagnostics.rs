//! Diagnostics of the plugin protocol, as plain Rust data.
//!
//! A user's problem (bad configuration, an API refusal, a value that cannot be decoded) is
//! reported to Terraform as a [`Diagnostic`]: a severity, a one-line summary, a longer detail
//! and optionally the [`AttributePath`] of the attribute it is about. Terraform shows the
//! path next to the configuration line, so resource code should attach one whenever it can.
//!
//! It stands on [`crate::path`] (whose types it hands on, so that `diagnostics::AttributePath`
//! keeps working) and on [`crate::value`] (a [`ValueError`] becomes a diagnostic); neither
//! knows this module. It knows nothing of protobuf or gRPC (the dispatch layer converts these
//! types into the wire messages) and nothing of any provider's domain.

use std::fmt;

pub use crate::path::{AttributePath, PathStep};
use crate::value::ValueError;

/// How bad a diagnostic is. Any error makes Terraform stop the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The operation cannot go on.
    Error,
    /// Worth telling; the operation goes on.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        })
    }
}

/// One message for the person running Terraform.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One short line, shown after "Error:" / "Warning:".
    pub summary: String,
    /// Free text: what happened and what to do about it. May be empty.
    pub detail: String,
    /// The attribute the message is about, when there is one.
    pub attribute: Option<AttributePath>,
}

impl Diagnostic {
    /// An error diagnostic.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    /// A warning diagnostic.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    /// Attaches the attribute this diagnostic is about. The root path means "no
    /// particular attribute" and is stored as `None`.
    pub fn at(mut self, path: AttributePath) -> Self {
        self.attribute = if path.is_root() { None } else { Some(path) };
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.summary)?;
        if let Some(path) = &self.attribute {
            write!(f, " (at {path})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl From<ValueError> for Diagnostic {
    /// A value that could not be decoded, encoded or read into a typed model: an error
    /// "Invalid value" whose detail is the message and whose attribute is the error's path.
    fn from(err: ValueError) -> Self {
        let path = err.path().cloned().unwrap_or_default();
        Diagnostic::error("Invalid value", err.message()).at(path)
    }
}

impl From<&ValueError> for Diagnostic {
    /// The same as for an owned [`ValueError`].
    fn from(err: &ValueError) -> Self {
        Diagnostic::from(err.clone())
    }
}

/// An ordered collection of diagnostics, the answer of every protocol call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: impl Into<Diagnostic>) {
        self.0.push(diagnostic.into());
    }

    /// Adds an error.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.0.push(Diagnostic::error(summary, detail));
    }

    /// Adds a warning.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.0.push(Diagnostic::warning(summary, detail));
    }

    /// Moves all diagnostics of `other` to the end of this collection.
    pub fn append(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The error diagnostics only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// The warning diagnostics only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }

    /// All diagnostics in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// The diagnostics as a vector.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }

    /// True when there is no diagnostic at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Diagnostics(diagnostics)
    }
}

impl From<ValueError> for Diagnostics {
    fn from(err: ValueError) -> Self {
        Diagnostics(vec![Diagnostic::from(err)])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_constructors_and_at() {
        let d = Diagnostic::error("Bad thing", "It broke").at(AttributePath::attr("x"));
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.summary, "Bad thing");
        assert_eq!(d.detail, "It broke");
        assert_eq!(d.attribute, Some(AttributePath::attr("x")));
        assert!(d.is_error());
        assert_eq!(d.to_string(), "Error: Bad thing (at x): It broke");

        let w = Diagnostic::warning("Heads up", "").at(AttributePath::root());
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.attribute, None);
        assert!(!w.is_error());
        assert_eq!(w.to_string(), "Warning: Heads up");
    }

    #[test]
    fn diagnostics_collection() {
        let mut diags = Diagnostics::new();
        assert!(diags.is_empty());
        assert!(!diags.has_errors());
        diags.warning("w", "");
        assert!(!diags.has_errors());
        diags.push(Diagnostic::error("e", "d"));
        assert!(diags.has_errors());
        diags.extend(vec![Diagnostic::warning("w2", "")]);
        diags.append(Diagnostics::from(Diagnostic::error("e2", "")));
        assert_eq!(diags.len(), 4);
        assert_eq!(diags.errors().count(), 2);
        assert_eq!(diags.warnings().count(), 2);
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["w", "e", "w2", "e2"]);
        let collected: Diagnostics = diags.clone().into_iter().filter(|d| d.is_error()).collect();
        assert_eq!(collected.len(), 2);
        let mut n = 0;
        for _ in &diags {
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(diags.into_vec().len(), 4);
    }

    #[test]
    fn value_error_becomes_invalid_value_at_its_path() {
        let err = ValueError::Null {
            path: AttributePath::attr("cluster_id"),
        };
        let d = Diagnostic::from(err);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.summary, "Invalid value");
        assert_eq!(d.attribute, Some(AttributePath::attr("cluster_id")));
        assert!(!d.detail.contains("cluster_id"), "detail: {}", d.detail);
        assert!(!d.detail.is_empty());

        let no_path = ValueError::InvalidType {
            message: "nope".into(),
        };
        let d = Diagnostic::from(&no_path);
        assert_eq!(d.attribute, None);
        assert!(d.detail.contains("nope"));
        let diags = Diagnostics::from(no_path);
        assert!(diags.has_errors());
    }
}
