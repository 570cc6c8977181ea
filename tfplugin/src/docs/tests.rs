//! Tests of the renderer: a schema as markdown, page regions, what has no description.

use std::path::Path;

use super::*;
use crate::schema::{Attribute, Block, Schema};
use crate::value::Type;

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

#[test]
fn sync_reports_the_first_stale_line_and_rewrites_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
    let page = Page {
        path: "x.md".into(),
        name: "x".into(),
        schema: sample(),
    };
    let file = dir.path().join("docs").join("x.md");
    std::fs::write(
        &file,
        "# x\n<!-- schema:begin -->\nold\n<!-- schema:end -->\n",
    )
    .expect("write");
    let pages = [page];
    let found = sync(dir.path(), &pages, false).expect("checks");
    assert_eq!(
        found,
        vec![(
            file.clone(),
            Outcome::Stale {
                line: 3,
                found: "old".into(),
                expected: "## Argument Reference".into(),
            }
        )]
    );
    let found = sync(dir.path(), &pages, true).expect("rewrites");
    assert_eq!(found, vec![(file.clone(), Outcome::Updated)]);
    let found = sync(dir.path(), &pages, false).expect("checks again");
    assert_eq!(found, vec![(file, Outcome::UpToDate)]);
}

/// `assume_role { ... }` as the AWS provider writes it, and a required block.
#[derive(Clone, Debug, Default, crate::Model)]
struct AssumeRole {
    /// The role's ARN.
    #[tf(required)]
    role_arn: crate::Field<String>,
    /// Tags of the session.
    #[tf(optional, block)]
    session: crate::Field<Session>,
}

#[derive(Clone, Debug, Default, crate::Model)]
struct Session {
    /// The session's name.
    #[tf(optional)]
    name: crate::Field<String>,
}

#[derive(Clone, Debug, Default, crate::Model)]
struct ProviderBlock {
    /// The region.
    #[tf(optional)]
    region: crate::Field<String>,
    /// The role to assume.
    #[tf(optional, block)]
    assume_role: crate::Field<AssumeRole>,
    /// Where to send logs.
    #[tf(required, block, deprecated)]
    logging: crate::Field<Session>,
}

#[test]
fn single_blocks_read_as_the_registry_writes_them() {
    use crate::Model;
    let md = render_schema(&Schema::new(ProviderBlock::block()));
    let expected = "\
## Argument Reference

### Required

- `logging` (Block, Required, Deprecated) Where to send logs. (see [below for nested schema](#nested--logging))

### Optional

- `assume_role` (Block, Optional) The role to assume. (see [below for nested schema](#nested--assume_role))
- `region` (String) The region.

<a id=\"nested--logging\"></a>
### Nested Schema for `logging`

Optional:

- `name` (String) The session's name.

<a id=\"nested--assume_role\"></a>
### Nested Schema for `assume_role`

Required:

- `role_arn` (String) The role's ARN.

Optional:

- `session` (Block, Optional) Tags of the session. (see [below for nested schema](#nested--assume_role--session))

<a id=\"nested--assume_role--session\"></a>
### Nested Schema for `assume_role.session`

Optional:

- `name` (String) The session's name.";
    assert_eq!(md, expected, "\n--- got ---\n{md}\n");
    assert!(undocumented(&Schema::new(ProviderBlock::block())).is_empty());
}
