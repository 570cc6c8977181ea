//! Documentation pages: hand-written markdown with generated regions between markers, filled
//! from a [`Page`]'s schema ([`render_page`]), and every page under a directory checked or
//! rewritten at once ([`sync`]).
//!
//! It stands on the schema renderer and schemas; it must not know gRPC, which pages a
//! provider has, or any provider's domain.

use std::path::{Path, PathBuf};

use super::schema::{one_paragraph, render_schema};
use crate::schema::Schema;

/// One documentation page and the schema it documents.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path under `docs/`, e.g. `resources/cluster.md`.
    pub path: String,
    /// The type name (`example_cluster`), or the provider's name for the provider page.
    pub name: String,
    /// What the page documents.
    pub schema: Schema,
}

/// Why a page could not be rendered; says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A page or an embedded file could not be read.
    #[error("{path}: cannot read it: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A page could not be rewritten.
    #[error("{path}: cannot write it: {source}")]
    Write {
        /// The page.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A begin marker has no end marker.
    #[error(
        "{path}, line {line}: `<!-- {marker}:begin -->` has no matching `<!-- {marker}:end -->`; \
         add the end marker after the generated region"
    )]
    Unclosed {
        /// The page.
        path: PathBuf,
        /// The line of the begin marker, from 1.
        line: usize,
        /// The marker's kind (`schema`, `description`, `file`).
        marker: String,
    },
    /// A marker of a kind not known.
    #[error(
        "{path}, line {line}: unknown marker `{marker}`; use description, schema or \
         `file <path under the repository>`"
    )]
    UnknownMarker {
        /// The page.
        path: PathBuf,
        /// The line of the marker, from 1.
        line: usize,
        /// The marker as written.
        marker: String,
    },
    /// The page has no schema region.
    #[error("{path}: no `<!-- schema:begin -->` … `<!-- schema:end -->` region; add one where the reference belongs")]
    NoSchemaRegion {
        /// The page.
        path: PathBuf,
    },
}

/// Fills every generated region of `text` (the page at `path`, for messages), reading
/// embedded files relative to `root` (the repository). The regions: `description` (the
/// schema's description on one line), `schema` (the reference, from [`render_schema`];
/// every page needs one) and `file <path>` (the file, fenced as `terraform`, or `shell`
/// for a `.sh`). Text outside them is kept as it is, so rendering a rendered page again
/// changes nothing.
///
/// ```
/// use std::path::Path;
/// use tfplugin::docs::{render_page, Page};
/// use tfplugin::schema::{Attribute, Block, Schema};
///
/// let page = Page {
///     path: "resources/greeting.md".into(),
///     name: "hello_greeting".into(),
///     schema: Schema::new(
///         Block::new(vec![Attribute::string("name").required().description("Whom to greet.")])
///             .description("A greeting."),
///     ),
/// };
/// let text = "# hello_greeting\n\n<!-- description:begin -->\n<!-- description:end -->\n\n\
///             <!-- schema:begin -->\n<!-- schema:end -->\n";
/// let md = render_page(text, &page, Path::new("."), Path::new("docs/resources/greeting.md"))?;
/// assert_eq!(
///     md,
///     "# hello_greeting\n\n<!-- description:begin -->\nA greeting.\n<!-- description:end -->\n\n\
///      <!-- schema:begin -->\n## Argument Reference\n\n### Required\n\n\
///      - `name` (String) Whom to greet.\n<!-- schema:end -->\n"
/// );
/// # Ok::<(), tfplugin::docs::DocsError>(())
/// ```
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
    /// The page says what the schema says.
    UpToDate,
    /// The page differs from what the schema says; the first differing line of each.
    Stale {
        /// The line, from 1.
        line: usize,
        /// The page's line (`<end of file>` past its end).
        found: String,
        /// The line the schema gives (`<end of file>` past its end).
        expected: String,
    },
    /// The page was rewritten (`update` was true).
    Updated,
}

/// Checks (or, with `update`, rewrites) each of `pages` under `root/docs`: the generated
/// regions against the schemas (and the files they embed, relative to `root`).
pub fn sync(
    root: &Path,
    pages: &[Page],
    update: bool,
) -> Result<Vec<(PathBuf, Outcome)>, DocsError> {
    let mut results = Vec::new();
    for page in pages {
        let path = root.join("docs").join(&page.path);
        let current = std::fs::read_to_string(&path).map_err(|source| DocsError::Read {
            path: path.clone(),
            source,
        })?;
        let expected = render_page(&current, page, root, &path)?;
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
