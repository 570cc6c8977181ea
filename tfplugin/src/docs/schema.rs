//! A schema as stable markdown, in the Terraform Registry's layout: [`render_schema`] (the
//! "Argument Reference" and "Attribute Reference" sections) and [`undocumented`] (what has
//! no description).
//!
//! It stands on schemas and cty types only; it must not know pages, files, gRPC or any
//! provider's domain.

use std::fmt::Write as _;

use crate::schema::{Attribute, AttributeKind, Block, BlockNesting, NestedBlock, Nesting, Schema};
use crate::value::Type;

/// The "Argument Reference" and "Attribute Reference" sections for `schema`.
pub fn render_schema(schema: &Schema) -> String {
    let block = &schema.block;
    let mut out = String::new();
    let mut nested = Vec::new();
    let (required, optional, read_only) = groups(&block.attributes);
    let (required_blocks, optional_blocks) = block_groups(&block.blocks);

    out.push_str("## Argument Reference\n\n");
    if required.is_empty()
        && optional.is_empty()
        && required_blocks.is_empty()
        && optional_blocks.is_empty()
    {
        out.push_str("This has no arguments.\n\n");
    }
    if !required.is_empty() || !required_blocks.is_empty() {
        out.push_str("### Required\n\n");
        list(&mut out, &required, &required_blocks, "", &mut nested);
    }
    if !optional.is_empty() || !optional_blocks.is_empty() {
        out.push_str("### Optional\n\n");
        list(&mut out, &optional, &optional_blocks, "", &mut nested);
    }
    if !read_only.is_empty() {
        out.push_str("## Attribute Reference\n\n");
        out.push_str("In addition to the arguments above, these attributes are exported.\n\n");
        out.push_str("### Read-Only\n\n");
        list(&mut out, &read_only, &[], "", &mut nested);
    }
    // Nested schemas, breadth first, each under its own heading (they may nest further).
    let mut i = 0;
    while i < nested.len() {
        let item = nested[i].clone();
        render_nested(&mut out, &item, &mut nested);
        i += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// A nested attribute or block waiting for its own heading.
#[derive(Clone)]
enum NestedItem {
    Attributes {
        path: String,
        attributes: Vec<Attribute>,
    },
    Block {
        path: String,
        block: Block,
    },
}

fn anchor(path: &str) -> String {
    format!("nested--{}", path.replace('.', "--"))
}

fn render_nested(out: &mut String, item: &NestedItem, queue: &mut Vec<NestedItem>) {
    let (path, attributes, blocks) = match item {
        NestedItem::Attributes { path, attributes } => (path, attributes.as_slice(), &[][..]),
        NestedItem::Block { path, block } => {
            (path, block.attributes.as_slice(), block.blocks.as_slice())
        }
    };
    let _ = writeln!(out, "<a id=\"{}\"></a>", anchor(path));
    let _ = writeln!(out, "### Nested Schema for `{path}`\n");
    let prefix = format!("{path}.");
    let (required, optional, read_only) = groups(attributes);
    let (required_blocks, optional_blocks) = block_groups(blocks);
    if !required.is_empty() || !required_blocks.is_empty() {
        out.push_str("Required:\n\n");
        list(out, &required, &required_blocks, &prefix, queue);
    }
    if !optional.is_empty() || !optional_blocks.is_empty() {
        out.push_str("Optional:\n\n");
        list(out, &optional, &optional_blocks, &prefix, queue);
    }
    if !read_only.is_empty() {
        out.push_str("Read-Only:\n\n");
        list(out, &read_only, &[], &prefix, queue);
    }
}

type Groups<'a> = (Vec<&'a Attribute>, Vec<&'a Attribute>, Vec<&'a Attribute>);

/// Required, optional (including optional + computed), read-only; each sorted by name.
fn groups(attributes: &[Attribute]) -> Groups<'_> {
    let mut sorted: Vec<&Attribute> = attributes.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let required = sorted.iter().copied().filter(|a| a.required).collect();
    let optional = sorted
        .iter()
        .copied()
        .filter(|a| !a.required && a.optional)
        .collect();
    let read_only = sorted
        .iter()
        .copied()
        .filter(|a| !a.required && !a.optional)
        .collect();
    (required, optional, read_only)
}

/// Required blocks (a minimum of one or more), then the others; each sorted by name.
fn block_groups(blocks: &[NestedBlock]) -> (Vec<&NestedBlock>, Vec<&NestedBlock>) {
    let mut sorted: Vec<&NestedBlock> = blocks.iter().collect();
    sorted.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    sorted.into_iter().partition(|b| b.min_items > 0)
}

/// One section's lines: attributes and blocks together, sorted by name (as the Registry
/// lists them), then a blank line.
fn list(
    out: &mut String,
    attributes: &[&Attribute],
    blocks: &[&NestedBlock],
    prefix: &str,
    queue: &mut Vec<NestedItem>,
) {
    enum Entry<'a> {
        Attribute(&'a Attribute),
        Block(&'a NestedBlock),
    }
    let mut entries: Vec<(&str, Entry)> = attributes
        .iter()
        .map(|a| (a.name.as_str(), Entry::Attribute(a)))
        .chain(
            blocks
                .iter()
                .map(|b| (b.type_name.as_str(), Entry::Block(b))),
        )
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (_, entry) in &entries {
        let line = match entry {
            Entry::Attribute(a) => attribute_line(a, prefix, queue),
            Entry::Block(b) => block_line(b, prefix, queue),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if !entries.is_empty() {
        out.push('\n');
    }
}

fn attribute_line(a: &Attribute, prefix: &str, queue: &mut Vec<NestedItem>) -> String {
    let mut labels = vec![type_label(a)];
    if a.optional && a.computed {
        labels.push("Computed when omitted".to_string());
    }
    if a.write_only {
        labels.push("Write-only (Terraform 1.11 and later)".to_string());
    }
    if a.sensitive {
        labels.push("Sensitive".to_string());
    }
    if a.deprecated {
        labels.push("Deprecated".to_string());
    }
    let mut line = format!("- `{}` ({})", a.name, labels.join(", "));
    let description = one_paragraph(&a.description);
    if !description.is_empty() {
        line.push(' ');
        line.push_str(&description);
    }
    if let AttributeKind::Nested { attributes, .. } = &a.kind {
        let path = format!("{prefix}{}", a.name);
        let _ = write!(line, " (see [below for nested schema](#{}))", anchor(&path));
        queue.push(NestedItem::Attributes {
            path,
            attributes: attributes.clone(),
        });
    }
    line
}

fn block_line(b: &NestedBlock, prefix: &str, queue: &mut Vec<NestedItem>) -> String {
    let mut labels = vec![match b.nesting {
        BlockNesting::Single | BlockNesting::Group => "Block",
        BlockNesting::List => "Block List",
        BlockNesting::Set => "Block Set",
        BlockNesting::Map => "Block Map",
    }
    .to_string()];
    if matches!(b.nesting, BlockNesting::Single | BlockNesting::Group) {
        // At most one: whether it must be there says it all.
        labels.push(
            if b.min_items > 0 {
                "Required"
            } else {
                "Optional"
            }
            .to_string(),
        );
    } else {
        if b.min_items > 0 {
            labels.push(format!("Min: {}", b.min_items));
        }
        if b.max_items > 0 {
            labels.push(format!("Max: {}", b.max_items));
        }
    }
    if b.block.deprecated {
        labels.push("Deprecated".to_string());
    }
    let path = format!("{prefix}{}", b.type_name);
    let mut line = format!("- `{}` ({})", b.type_name, labels.join(", "));
    let description = one_paragraph(&b.block.description);
    if !description.is_empty() {
        line.push(' ');
        line.push_str(&description);
    }
    let _ = write!(line, " (see [below for nested schema](#{}))", anchor(&path));
    queue.push(NestedItem::Block {
        path,
        block: b.block.clone(),
    });
    line
}

/// A description on one list line: whitespace runs (including newlines) become one space.
pub(super) fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn type_label(a: &Attribute) -> String {
    match &a.kind {
        AttributeKind::Type(t) => type_name(t),
        AttributeKind::Nested { nesting, .. } => match nesting {
            Nesting::Single => "Attributes".to_string(),
            Nesting::List => "Attributes List".to_string(),
            Nesting::Set => "Attributes Set".to_string(),
            Nesting::Map => "Attributes Map".to_string(),
        },
    }
}

fn type_name(t: &Type) -> String {
    match t {
        Type::Bool => "Boolean".to_string(),
        Type::Number => "Number".to_string(),
        Type::String => "String".to_string(),
        Type::Dynamic => "Dynamic".to_string(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(_) => "Object".to_string(),
        Type::Tuple(_) => "Tuple".to_string(),
    }
}

/// Paths (`a.b`) of attributes and blocks that have no description, anywhere in `schema`.
pub fn undocumented(schema: &Schema) -> Vec<String> {
    fn attrs(attributes: &[Attribute], prefix: &str, out: &mut Vec<String>) {
        for a in attributes {
            let path = format!("{prefix}{}", a.name);
            if a.description.trim().is_empty() {
                out.push(path.clone());
            }
            if let AttributeKind::Nested { attributes, .. } = &a.kind {
                attrs(attributes, &format!("{path}."), out);
            }
        }
    }
    fn block(b: &Block, prefix: &str, out: &mut Vec<String>) {
        attrs(&b.attributes, prefix, out);
        for nb in &b.blocks {
            let path = format!("{prefix}{}", nb.type_name);
            if nb.block.description.trim().is_empty() {
                out.push(path.clone());
            }
            block(&nb.block, &format!("{path}."), out);
        }
    }
    let mut out = Vec::new();
    block(&schema.block, "", &mut out);
    out
}
