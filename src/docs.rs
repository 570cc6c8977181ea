//! The provider's documentation pages (`docs/`): which pages there are, each with the schema
//! it documents, and the tests that keep them in step with the schemas. The renderer is
//! tfplugin's ([`tfplugin::docs`]); `UPDATE_DOCS=1 cargo test docs` rewrites the generated
//! regions. Test-only: nothing here is in the provider binary.
//!
//! Knows our provider's schemas only; never gRPC or AWS.

use std::path::Path;

use crate::provider::CloudHsmProvider;
use tfplugin::docs::{sync, undocumented, Outcome, Page};
use tfplugin::interface::Provider;

/// The provider's pages: `index.md` for the provider block, one per resource and data source
/// (`resources/<name without cloudhsm_>.md`, `data-sources/…`).
fn pages() -> Vec<Page> {
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

/// The pages under docs/ carry exactly what the schemas say.
/// `UPDATE_DOCS=1 cargo test docs` rewrites them.
#[test]
fn docs_match_the_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
    let results = match sync(root, &pages(), update) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        results.len(),
        8,
        "provider, 5 resources, 2 data sources: {results:?}"
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
