//! Terraform's rules for a schema, checked before Terraform sees it ([`Schema::check`]):
//! presence flags, names, nested attributes, item limits, write-only placement, version.
//!
//! Knows the schema data; must not know the wire, values, or any provider's domain.

use std::collections::HashSet;

use super::{Attribute, AttributeKind, Block, BlockNesting, NestedBlock, Nesting, Schema};
use crate::path::AttributePath;

impl Schema {
    /// Checks the rules Terraform enforces when it loads a schema: every attribute is
    /// exactly one of required, optional, computed or optional+computed; names are unique
    /// within their block and lower_snake_case; nested attributes are not empty; nested
    /// blocks' item limits are what Terraform allows for their nesting (a single block: both
    /// 0 or both 1; a group or a map: none; a list or a set: the minimum not above the
    /// maximum); a write-only attribute is not computed, not a set of nested attributes, and
    /// not inside a set (of nested attributes or blocks, at any depth); the version is not
    /// negative. The error lists every problem. The server checks every schema when it
    /// starts and answers the problems as errors to GetProviderSchema; a test of each schema
    /// finds them sooner.
    pub fn check(&self) -> Result<(), SchemaError> {
        let mut problems = Vec::new();
        check_block(&self.block, &AttributePath::root(), false, &mut problems);
        if self.version < 0 {
            problems.push(format!("the version is negative ({})", self.version));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SchemaError { problems })
        }
    }
}

/// What [`Schema::check`] found wrong: each problem in words, naming the attribute.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct SchemaError {
    /// One sentence fragment per problem, in the order of the schema.
    pub problems: Vec<String>,
}

impl SchemaError {
    /// Whether one of the problems mentions `text`.
    pub fn mentions(&self, text: &str) -> bool {
        self.problems.iter().any(|p| p.contains(text))
    }
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_name(
    name: &str,
    path: &AttributePath,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) {
    if !is_snake_case(name) {
        problems.push(format!("\"{path}\" is not a lower_snake_case name"));
    }
    if !seen.insert(name.to_string()) {
        problems.push(format!("\"{path}\" is declared more than once"));
    }
}

/// `in_set`: the block's objects are elements of a set (at any depth above).
fn check_block(block: &Block, path: &AttributePath, in_set: bool, problems: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for a in &block.attributes {
        let p = path.clone().then_attr(&a.name);
        check_attribute(a, &p, in_set, &mut seen, problems);
    }
    for b in &block.blocks {
        let p = path.clone().then_attr(&b.type_name);
        check_name(&b.type_name, &p, &mut seen, problems);
        if let Some(why) = item_limits_problem(b) {
            problems.push(format!(
                "block \"{p}\" has invalid item limits {}..{}: {why}",
                b.min_items, b.max_items
            ));
        }
        let in_set = in_set || b.nesting == BlockNesting::Set;
        check_block(&b.block, &p, in_set, problems);
    }
}

/// What Terraform says of a nested block's item limits (0 = none), by its nesting.
fn item_limits_problem(b: &NestedBlock) -> Option<&'static str> {
    let (min, max) = (b.min_items, b.max_items);
    match b.nesting {
        BlockNesting::Single => (min != max || !(0..=1).contains(&min)).then_some(
            "a single block's limits are both 0 (it may be left out) or both 1 (required)",
        ),
        BlockNesting::Group | BlockNesting::Map => {
            (min != 0 || max != 0).then_some("this nesting takes no item limits (both 0)")
        }
        BlockNesting::List | BlockNesting::Set => (min < 0 || max < 0 || (max > 0 && min > max))
            .then_some("neither may be negative, and the minimum may not exceed the maximum"),
    }
}

fn check_attribute(
    a: &Attribute,
    path: &AttributePath,
    in_set: bool,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) {
    check_name(&a.name, path, seen, problems);
    match (a.required, a.optional, a.computed) {
        (true, false, false) | (false, true, _) | (false, false, true) => {}
        (false, false, false) => problems.push(format!(
            "attribute \"{path}\" must be required, optional or computed"
        )),
        (true, _, _) => problems.push(format!(
            "attribute \"{path}\" is required and also optional or computed"
        )),
    }
    let set_nested = matches!(
        a.kind,
        AttributeKind::Nested {
            nesting: Nesting::Set,
            ..
        }
    );
    if a.write_only {
        if a.computed {
            problems.push(format!(
                "attribute \"{path}\" is write-only and computed: a write-only value comes from \
                 the configuration alone and is never in state; drop one of the two"
            ));
        }
        if in_set {
            problems.push(format!(
                "attribute \"{path}\" is write-only inside a set: Terraform tells set elements \
                 apart by their values, which a write-only value never has in state; use a list \
                 or a map, or move the attribute out of the set"
            ));
        } else if set_nested {
            problems.push(format!(
                "attribute \"{path}\" is a write-only set of nested attributes: Terraform tells \
                 set elements apart by their values; nest it as a list or a map instead"
            ));
        }
    }
    if let AttributeKind::Nested { attributes, .. } = &a.kind {
        if attributes.is_empty() {
            problems.push(format!("attribute \"{path}\" has no nested attributes"));
        }
        let mut nested_seen = HashSet::new();
        for n in attributes {
            check_attribute(
                n,
                &path.clone().then_attr(&n.name),
                in_set || set_nested,
                &mut nested_seen,
                problems,
            );
        }
    }
}
