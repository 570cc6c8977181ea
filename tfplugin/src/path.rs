//! Attribute paths: where a value sits inside a resource, data source or provider
//! configuration (`backup_retention_policy.value`, `tags["team"]`, `hsms[0].hsm_id`).
//!
//! The bottom of the crate: values, schemas and diagnostics all point at places with these
//! types, so this file must know none of them (nor protobuf, gRPC or any provider's domain).

use std::fmt;

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
    /// The steps from the root, outermost first.
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

    /// Puts a step in front of this path (only the tests build paths this way).
    #[cfg(test)]
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

    /// Runs `f` on this path with `step` pushed on it, and takes the step off again
    /// afterwards (a decoder walking into a nested value and back out).
    pub(crate) fn with_step<T>(
        &mut self,
        step: PathStep,
        f: impl FnOnce(&mut AttributePath) -> T,
    ) -> T {
        self.push(step);
        let result = f(self);
        self.pop();
        result
    }
}

impl PathStep {
    /// The step to the element at position `i` of a list, set or tuple.
    pub(crate) fn element(i: usize) -> PathStep {
        PathStep::ElementKeyInt(i64::try_from(i).unwrap_or(i64::MAX))
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

/// Writes `s` as a double-quoted string with the escapes HCL and JSON share (map keys in a
/// displayed path, names in the cty JSON type encoding).
pub(crate) fn write_quoted(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
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
}
