//! Diagnostics and attribute paths of the plugin protocol, as plain Rust data.
//!
//! A user's problem (bad configuration, an API refusal, a value that cannot be decoded) is
//! reported to Terraform as a [`Diagnostic`]: a severity, a one-line summary, a longer detail
//! and optionally the [`AttributePath`] of the attribute it is about. Terraform shows the
//! path next to the configuration line, so resource code should attach one whenever it can.
//!
//! This module knows nothing of protobuf or gRPC (the dispatch layer converts these types
//! into the wire messages) and nothing of AWS or CloudHSM.

use std::fmt;

use crate::value::ValueError;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An attribute of an object, or a nested block type, by name.
    Attribute(String),
    /// An element of a map (or a map-nested block) by its string key.
    ElementKeyString(String),
    /// An element of a list or tuple by its position (also used for set elements, where
    /// the position only helps a person find the element).
    ElementKeyInt(i64),
}

/// The location of a value inside a resource, data source or provider configuration.
///
/// Displayed the way a person writes it in HCL: `backup_retention_policy.value`,
/// `tags["team"]`, `hsms[0].hsm_id`. The root path displays as an empty string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    pub steps: Vec<PathStep>,
}

impl AttributePath {
    /// The empty path: the whole object.
    pub fn root() -> Self {
        AttributePath { steps: Vec::new() }
    }

    /// A path of one attribute, the common case: `AttributePath::attr("cluster_id")`.
    pub fn attr(name: impl Into<String>) -> Self {
        AttributePath {
            steps: vec![PathStep::Attribute(name.into())],
        }
    }

    /// This path followed by an attribute step.
    pub fn then_attr(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path followed by a map key step.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(PathStep::ElementKeyString(key.into()));
        self
    }

    /// This path followed by a list index step.
    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(PathStep::ElementKeyInt(index));
        self
    }

    /// Appends a step in place.
    pub fn push(&mut self, step: PathStep) {
        self.steps.push(step);
    }

    /// Removes and returns the last step.
    pub fn pop(&mut self) -> Option<PathStep> {
        self.steps.pop()
    }

    /// Puts a step in front of this path (used when an error travels up out of a nested
    /// value and each level adds its own step).
    pub fn prepend(&mut self, step: PathStep) {
        self.steps.insert(0, step);
    }

    /// True for the empty path.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Same as [`AttributePath::is_root`].
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The path without its last step (the root stays the root).
    pub fn parent(&self) -> AttributePath {
        let mut steps = self.steps.clone();
        steps.pop();
        AttributePath { steps }
    }

    /// The last step, if any.
    pub fn last(&self) -> Option<&PathStep> {
        self.steps.last()
    }

    /// True when `prefix`'s steps are the first steps of this path.
    pub fn starts_with(&self, prefix: &AttributePath) -> bool {
        self.steps.starts_with(&prefix.steps)
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        AttributePath { steps }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathStep::ElementKeyString(key) => {
                    f.write_str("[")?;
                    write_quoted(f, key)?;
                    f.write_str("]")?;
                }
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Writes `s` as a double-quoted string with the escapes HCL and JSON share.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// How bad a diagnostic is. Any error makes Terraform stop the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
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
    fn path_display_attributes_keys_and_indexes() {
        assert_eq!(AttributePath::root().to_string(), "");
        assert_eq!(AttributePath::attr("cluster_id").to_string(), "cluster_id");
        assert_eq!(
            AttributePath::attr("backup_retention_policy")
                .then_attr("value")
                .to_string(),
            "backup_retention_policy.value"
        );
        assert_eq!(
            AttributePath::attr("tags").key("x").to_string(),
            "tags[\"x\"]"
        );
        assert_eq!(AttributePath::attr("hsms").index(0).to_string(), "hsms[0]");
        assert_eq!(
            AttributePath::attr("hsms")
                .index(2)
                .then_attr("hsm_id")
                .to_string(),
            "hsms[2].hsm_id"
        );
        assert_eq!(
            AttributePath::root().key("a").then_attr("b").to_string(),
            "[\"a\"].b"
        );
    }

    #[test]
    fn path_display_escapes_keys() {
        let p = AttributePath::attr("tags").key("say \"hi\"\\\n\u{1}");
        assert_eq!(p.to_string(), "tags[\"say \\\"hi\\\"\\\\\\n\\u0001\"]");
    }

    #[test]
    fn path_helpers() {
        let mut p = AttributePath::attr("a").then_attr("b");
        assert_eq!(p.len(), 2);
        assert!(!p.is_root());
        assert_eq!(p.parent(), AttributePath::attr("a"));
        assert!(p.starts_with(&AttributePath::attr("a")));
        assert_eq!(p.last(), Some(&PathStep::Attribute("b".into())));
        p.prepend(PathStep::ElementKeyInt(3));
        assert_eq!(p.to_string(), "[3].a.b");
        assert_eq!(p.pop(), Some(PathStep::Attribute("b".into())));
        p.push(PathStep::ElementKeyString("k".into()));
        assert_eq!(p.to_string(), "[3].a[\"k\"]");
        assert!(AttributePath::root().is_root());
        assert_eq!(AttributePath::root().parent(), AttributePath::root());
    }

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
