//! Registry-layout documentation generated from the schemas.
//!
//! The pages under `docs/` are hand-written prose with generated regions between markers:
//!
//! ```text
//! <!-- description:begin -->  … the schema's own description …   <!-- description:end -->
//! <!-- schema:begin -->       … Argument / Attribute Reference …   <!-- schema:end -->
//! <!-- file:begin examples/resources/x/resource.tf -->  … the file, fenced …  <!-- file:end -->
//! ```
//!
//! [`render_schema`] turns any [`Schema`] into stable markdown: attributes sorted by name,
//! grouped as Required / Optional / Read-Only, each nested attribute (or block) listed under
//! its own heading, write-only, sensitive and deprecated ones marked. The test at the bottom fails when a
//! page under `docs/` and the schemas disagree; `UPDATE_DOCS=1 cargo test docs` rewrites the
//! generated regions.
//!
//! Knows our schema model only; never gRPC or AWS.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::provider::CloudHsmProvider;
use tfplugin::interface::Provider;
use tfplugin::schema::{
    Attribute, AttributeKind, Block, BlockNesting, NestedBlock, Nesting, Schema,
};
use tfplugin::value::Type;

/// One documentation page and the schema it documents.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path under `docs/`, e.g. `resources/cluster_config.md`.
    pub path: String,
    /// The type name (`cloudhsm_cluster_config`), or `cloudhsm` for the provider.
    pub name: String,
    pub schema: Schema,
}

/// The provider's pages: `index.md` for the provider block, one per resource and data source
/// (`resources/<name without cloudhsm_>.md`, `data-sources/…`).
pub fn pages() -> Vec<Page> {
    let provider = CloudHsmProvider::new();
    let prefix = format!("{}_", provider.type_name());
    let short = |name: &str| name.strip_prefix(&prefix).unwrap_or(name).to_string();
    let mut pages = vec![Page {
        path: "index.md".to_string(),
        name: provider.type_name().to_string(),
        schema: provider.schema(),
    }];
    for r in provider.resources() {
        pages.push(Page {
            path: format!("resources/{}.md", short(r.type_name())),
            name: r.type_name().to_string(),
            schema: r.schema(),
        });
    }
    for d in provider.data_sources() {
        pages.push(Page {
            path: format!("data-sources/{}.md", short(d.type_name())),
            name: d.type_name().to_string(),
            schema: d.schema(),
        });
    }
    pages
}

// ---------------------------------------------------------------------------------------
// Schema -> markdown
// ---------------------------------------------------------------------------------------

/// The "Argument Reference" and "Attribute Reference" sections for `schema`.
pub fn render_schema(schema: &Schema) -> String {
    let block = &schema.block;
    let mut out = String::new();
    let mut nested = Vec::new();
    let (required, optional, read_only) = groups(&block.attributes);
    let blocks: Vec<&NestedBlock> = sorted_blocks(&block.blocks);

    out.push_str("## Argument Reference\n\n");
    if required.is_empty() && optional.is_empty() && blocks.is_empty() {
        out.push_str("This has no arguments.\n\n");
    }
    if !required.is_empty() {
        out.push_str("### Required\n\n");
        list(&mut out, &required, "", &mut nested);
    }
    if !optional.is_empty() || !blocks.is_empty() {
        out.push_str("### Optional\n\n");
        list(&mut out, &optional, "", &mut nested);
        block_list(&mut out, &blocks, "", &mut nested);
    }
    if !read_only.is_empty() {
        out.push_str("## Attribute Reference\n\n");
        out.push_str("In addition to the arguments above, these attributes are exported.\n\n");
        out.push_str("### Read-Only\n\n");
        list(&mut out, &read_only, "", &mut nested);
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
    let blocks = sorted_blocks(blocks);
    if !required.is_empty() {
        out.push_str("Required:\n\n");
        list(out, &required, &prefix, queue);
    }
    if !optional.is_empty() || !blocks.is_empty() {
        out.push_str("Optional:\n\n");
        list(out, &optional, &prefix, queue);
        block_list(out, &blocks, &prefix, queue);
    }
    if !read_only.is_empty() {
        out.push_str("Read-Only:\n\n");
        list(out, &read_only, &prefix, queue);
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

fn sorted_blocks(blocks: &[NestedBlock]) -> Vec<&NestedBlock> {
    let mut sorted: Vec<&NestedBlock> = blocks.iter().collect();
    sorted.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    sorted
}

fn list(out: &mut String, attributes: &[&Attribute], prefix: &str, queue: &mut Vec<NestedItem>) {
    for a in attributes {
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
        out.push_str(&line);
        out.push('\n');
    }
    if !attributes.is_empty() {
        out.push('\n');
    }
}

fn block_list(
    out: &mut String,
    blocks: &[&NestedBlock],
    prefix: &str,
    queue: &mut Vec<NestedItem>,
) {
    for b in blocks {
        let kind = match b.nesting {
            BlockNesting::Single | BlockNesting::Group => "Block",
            BlockNesting::List => "Block List",
            BlockNesting::Set => "Block Set",
            BlockNesting::Map => "Block Map",
        };
        let mut limits = Vec::new();
        if b.min_items > 0 {
            limits.push(format!("Min: {}", b.min_items));
        }
        if b.max_items > 0 {
            limits.push(format!("Max: {}", b.max_items));
        }
        let label = if limits.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}, {}", limits.join(", "))
        };
        let path = format!("{prefix}{}", b.type_name);
        let description = one_paragraph(&b.block.description);
        let mut line = format!("- `{}` ({label})", b.type_name);
        if !description.is_empty() {
            line.push(' ');
            line.push_str(&description);
        }
        let _ = write!(line, " (see [below for nested schema](#{}))", anchor(&path));
        out.push_str(&line);
        out.push('\n');
        queue.push(NestedItem::Block {
            path,
            block: b.block.clone(),
        });
    }
    if !blocks.is_empty() {
        out.push('\n');
    }
}

/// A description on one list line: whitespace runs (including newlines) become one space.
fn one_paragraph(text: &str) -> String {
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

// ---------------------------------------------------------------------------------------
// Pages: filling the generated regions
// ---------------------------------------------------------------------------------------

/// Why a page could not be rendered; says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    #[error("{path}: cannot read it: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot write it: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}, line {line}: `<!-- {marker}:begin -->` has no matching `<!-- {marker}:end -->`; \
         add the end marker after the generated region"
    )]
    Unclosed {
        path: PathBuf,
        line: usize,
        marker: String,
    },
    #[error(
        "{path}, line {line}: unknown marker `{marker}`; use description, schema or \
         `file <path under the repository>`"
    )]
    UnknownMarker {
        path: PathBuf,
        line: usize,
        marker: String,
    },
    #[error("{path}: no `<!-- schema:begin -->` … `<!-- schema:end -->` region; add one where the reference belongs")]
    NoSchemaRegion { path: PathBuf },
}

/// Fills every generated region of `text` (the page at `path`, for messages), reading
/// embedded files relative to `root` (the repository).
pub fn render_page(text: &str, page: &Page, root: &Path, path: &Path) -> Result<String, DocsError> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n').enumerate();
    let mut saw_schema = false;
    while let Some((n, line)) = lines.next() {
        out.push_str(line);
        let Some(marker) = begin_marker(line) else {
            continue;
        };
        let (kind, arg) = match marker.split_once(' ') {
            Some((k, a)) => (k.to_string(), a.trim().to_string()),
            None => (marker.clone(), String::new()),
        };
        let generated = match kind.as_str() {
            "schema" => {
                saw_schema = true;
                render_schema(&page.schema)
            }
            "description" => one_paragraph(&page.schema.block.description),
            "file" if !arg.is_empty() => {
                let file = root.join(&arg);
                let body = std::fs::read_to_string(&file).map_err(|source| DocsError::Read {
                    path: file.clone(),
                    source,
                })?;
                let lang = if arg.ends_with(".sh") {
                    "shell"
                } else {
                    "terraform"
                };
                format!("```{lang}\n{}\n```", body.trim_end())
            }
            _ => {
                return Err(DocsError::UnknownMarker {
                    path: path.to_path_buf(),
                    line: n + 1,
                    marker,
                })
            }
        };
        // Skip the old region up to and including its end marker.
        let end = format!("<!-- {kind}:end -->");
        let mut closed = false;
        for (_, old) in lines.by_ref() {
            if old.trim() == end {
                out.push_str(&generated);
                out.push('\n');
                out.push_str(old);
                closed = true;
                break;
            }
        }
        if !closed {
            return Err(DocsError::Unclosed {
                path: path.to_path_buf(),
                line: n + 1,
                marker: kind,
            });
        }
    }
    if !saw_schema {
        return Err(DocsError::NoSchemaRegion {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// `schema` for a line `<!-- schema:begin -->`, `file examples/x.tf` for
/// `<!-- file:begin examples/x.tf -->`.
fn begin_marker(line: &str) -> Option<String> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    let (kind, rest) = inner.split_once(":begin")?;
    if kind.contains(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim();
    Some(if rest.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {rest}")
    })
}

/// What [`sync`] found for one page.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    UpToDate,
    /// The page differs from what the schema says; the first differing line of each.
    Stale {
        line: usize,
        found: String,
        expected: String,
    },
    /// The page was rewritten (`update` was true).
    Updated,
}

/// Checks (or, with `update`, rewrites) every page under `root/docs`.
pub fn sync(root: &Path, update: bool) -> Result<Vec<(PathBuf, Outcome)>, DocsError> {
    let mut results = Vec::new();
    for page in pages() {
        let path = root.join("docs").join(&page.path);
        let current = std::fs::read_to_string(&path).map_err(|source| DocsError::Read {
            path: path.clone(),
            source,
        })?;
        let expected = render_page(&current, &page, root, &path)?;
        let outcome = if expected == current {
            Outcome::UpToDate
        } else if update {
            std::fs::write(&path, &expected).map_err(|source| DocsError::Write {
                path: path.clone(),
                source,
            })?;
            Outcome::Updated
        } else {
            first_difference(&current, &expected)
        };
        results.push((path, outcome));
    }
    Ok(results)
}

fn first_difference(found: &str, expected: &str) -> Outcome {
    let mut f = found.lines();
    let mut e = expected.lines();
    let mut line = 1;
    loop {
        match (f.next(), e.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                return Outcome::Stale {
                    line,
                    found: a.unwrap_or("<end of file>").to_string(),
                    expected: b.unwrap_or("<end of file>").to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new(Block {
            description: "A sample.".to_string(),
            attributes: vec![
                Attribute::string("zeta")
                    .computed()
                    .description("Last by name."),
                Attribute::string("cluster_id")
                    .required()
                    .description("The id."),
                Attribute::string("password")
                    .optional()
                    .sensitive()
                    .description("A secret."),
                Attribute::string("password_wo")
                    .optional()
                    .sensitive()
                    .write_only()
                    .description("A secret, never stored."),
                Attribute::typed("tags", Type::map(Type::String))
                    .optional()
                    .computed()
                    .description("Tags\n   over two lines."),
                Attribute::nested_single(
                    "policy",
                    vec![
                        Attribute::number("value").required().description("Days."),
                        Attribute::nested_list(
                            "inner",
                            vec![Attribute::bool("on").computed().description("On.")],
                        )
                        .computed()
                        .description("Deeper."),
                    ],
                )
                .optional()
                .description("A policy."),
            ],
            ..Default::default()
        })
    }

    #[test]
    fn schema_markdown_groups_sorts_marks_and_nests() {
        let md = render_schema(&sample());
        let expected = "\
## Argument Reference

### Required

- `cluster_id` (String) The id.

### Optional

- `password` (String, Sensitive) A secret.
- `password_wo` (String, Write-only (Terraform 1.11 and later), Sensitive) A secret, never stored.
- `policy` (Attributes) A policy. (see [below for nested schema](#nested--policy))
- `tags` (Map of String, Computed when omitted) Tags over two lines.

## Attribute Reference

In addition to the arguments above, these attributes are exported.

### Read-Only

- `zeta` (String) Last by name.

<a id=\"nested--policy\"></a>
### Nested Schema for `policy`

Required:

- `value` (Number) Days.

Read-Only:

- `inner` (Attributes List) Deeper. (see [below for nested schema](#nested--policy--inner))

<a id=\"nested--policy--inner\"></a>
### Nested Schema for `policy.inner`

Read-Only:

- `on` (Boolean) On.";
        assert_eq!(md, expected, "\n--- got ---\n{md}\n");
        assert_eq!(render_schema(&sample()), md, "rendering is stable");
    }

    #[test]
    fn pages_fill_regions_and_report_broken_markers() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ex.tf"), "resource \"x\" \"y\" {}\n").expect("write");
        let page = Page {
            path: "resources/x.md".into(),
            name: "x".into(),
            schema: sample(),
        };
        let text = "# x\n\n<!-- description:begin -->\nold\n<!-- description:end -->\n\n\
                    <!-- file:begin ex.tf -->\n<!-- file:end -->\n\nprose\n\n\
                    <!-- schema:begin -->\nstale\n<!-- schema:end -->\n\n## Import\n";
        let p = Path::new("x.md");
        let out = render_page(text, &page, dir.path(), p).expect("renders");
        assert!(out.contains("<!-- description:begin -->\nA sample.\n<!-- description:end -->"));
        assert!(out.contains("```terraform\nresource \"x\" \"y\" {}\n```\n<!-- file:end -->"));
        assert!(out.contains("- `cluster_id` (String) The id."));
        assert!(!out.contains("stale"));
        assert!(out.ends_with("<!-- schema:end -->\n\n## Import\n"));
        assert_eq!(render_page(&out, &page, dir.path(), p).expect("again"), out);

        let unclosed = "<!-- schema:begin -->\nx\n";
        let e = render_page(unclosed, &page, dir.path(), p).expect_err("unclosed");
        assert!(e.to_string().contains("schema:end"), "{e}");
        let missing = "<!-- file:begin nope.tf -->\n<!-- file:end -->\n<!-- schema:begin -->\n<!-- schema:end -->\n";
        let e = render_page(missing, &page, dir.path(), p).expect_err("missing file");
        assert!(e.to_string().contains("nope.tf"), "{e}");
        let e = render_page("# nothing\n", &page, dir.path(), p).expect_err("no region");
        assert!(matches!(e, DocsError::NoSchemaRegion { .. }), "{e}");
    }

    #[test]
    fn undocumented_attributes_are_found_at_any_depth() {
        let s = Schema::new(Block::new(vec![Attribute::nested_single(
            "a",
            vec![Attribute::string("b")],
        )
        .description("A.")]));
        assert_eq!(undocumented(&s), vec!["a.b".to_string()]);
        assert!(undocumented(&sample()).is_empty());
    }

    /// The pages under docs/ carry exactly what the schemas say.
    /// `UPDATE_DOCS=1 cargo test docs` rewrites them.
    #[test]
    fn docs_match_the_schemas() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
        let results = match sync(root, update) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            results.len(),
            5,
            "provider, 3 resources, 1 data source: {results:?}"
        );
        let stale: Vec<String> = results
            .iter()
            .filter_map(|(path, outcome)| match outcome {
                Outcome::Stale {
                    line,
                    found,
                    expected,
                } => Some(format!(
                    "{}:{line}\n    found:    {found}\n    expected: {expected}",
                    path.display()
                )),
                _ => None,
            })
            .collect();
        assert!(
            stale.is_empty(),
            "docs/ disagrees with the schemas (or with examples/). Regenerate with \
             `UPDATE_DOCS=1 cargo test docs` and review the diff:\n{}",
            stale.join("\n")
        );
    }

    #[test]
    fn docs_every_attribute_has_a_description() {
        let missing: Vec<String> = pages()
            .iter()
            .flat_map(|p| {
                undocumented(&p.schema)
                    .into_iter()
                    .map(move |a| format!("{}: {a}", p.name))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "these attributes have no description, so their docs would be empty; add \
             .description(…) in the schema: {missing:?}"
        );
    }
}
