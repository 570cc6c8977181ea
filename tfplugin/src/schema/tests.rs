//! The schema model's tests: types, lookup, Terraform's rules, write-only values, builders.

use std::collections::BTreeMap;

use super::*;
use crate::path::AttributePath;
use crate::value::{Type, Value};

fn sample() -> Schema {
    Schema::new(
        Block::new(vec![
            Attribute::string("id").computed(),
            Attribute::typed("tags", Type::map(Type::String)).optional(),
            Attribute::nested_single(
                "backup_retention_policy",
                vec![
                    Attribute::string("type").optional().computed(),
                    Attribute::number("value").required(),
                ],
            )
            .optional(),
            Attribute::nested_list("hsms", vec![Attribute::string("hsm_id").computed()]).computed(),
            Attribute::nested_set("certs", vec![Attribute::string("pem").required()]).optional(),
            Attribute::nested_map("by_az", vec![Attribute::bool("ok").computed()]).computed(),
        ])
        .block(NestedBlock::new(
            "timeouts",
            BlockNesting::Single,
            Block::new(vec![Attribute::string("create").optional()]),
        ))
        .block(
            NestedBlock::new(
                "rule",
                BlockNesting::List,
                Block::new(vec![Attribute::string("name").required()]).block(NestedBlock::new(
                    "inner",
                    BlockNesting::Map,
                    Block::new(vec![Attribute::number("n").optional()]),
                )),
            )
            .items(0, 3),
        ),
    )
    .with_version(2)
}

#[test]
fn value_types_of_nested_attributes_and_blocks() {
    let s = sample();
    assert_eq!(s.version, 2);
    let Type::Object(attrs) = s.value_type() else {
        panic!("not an object");
    };
    assert_eq!(attrs["id"], Type::String);
    assert_eq!(attrs["tags"], Type::map(Type::String));
    assert_eq!(
        attrs["backup_retention_policy"],
        Type::object([("type", Type::String), ("value", Type::Number)])
    );
    assert_eq!(
        attrs["hsms"],
        Type::list(Type::object([("hsm_id", Type::String)]))
    );
    assert_eq!(
        attrs["certs"],
        Type::set(Type::object([("pem", Type::String)]))
    );
    assert_eq!(
        attrs["by_az"],
        Type::map(Type::object([("ok", Type::Bool)]))
    );
    assert_eq!(attrs["timeouts"], Type::object([("create", Type::String)]));
    assert_eq!(
        attrs["rule"],
        Type::list(Type::object([
            ("name", Type::String),
            ("inner", Type::map(Type::object([("n", Type::Number)]))),
        ]))
    );
    let group = NestedBlock::new("g", BlockNesting::Group, Block::new(vec![]));
    assert_eq!(
        group.value_type(),
        Type::object(Vec::<(String, Type)>::new())
    );
    let set = NestedBlock::new("s", BlockNesting::Set, Block::new(vec![]));
    assert!(matches!(set.value_type(), Type::Set(_)));
}

#[test]
fn attribute_lookup() {
    let s = sample();
    let name = |p: AttributePath| s.attribute(&p).map(|a| a.name.clone());
    assert_eq!(name(AttributePath::attr("id")), Some("id".into()));
    assert_eq!(
        name(AttributePath::attr("backup_retention_policy").then_attr("value")),
        Some("value".into())
    );
    assert_eq!(
        name(AttributePath::attr("hsms").index(0).then_attr("hsm_id")),
        Some("hsm_id".into())
    );
    assert_eq!(
        name(AttributePath::attr("by_az").key("a").then_attr("ok")),
        Some("ok".into())
    );
    assert_eq!(
        name(AttributePath::attr("tags").key("k")),
        Some("tags".into())
    );
    assert_eq!(
        name(AttributePath::attr("timeouts").then_attr("create")),
        Some("create".into())
    );
    assert_eq!(
        name(
            AttributePath::attr("rule")
                .index(1)
                .then_attr("inner")
                .key("x")
                .then_attr("n")
        ),
        Some("n".into())
    );
    assert_eq!(name(AttributePath::attr("timeouts")), None);
    assert_eq!(name(AttributePath::attr("nope")), None);
    assert_eq!(name(AttributePath::attr("id").then_attr("deeper")), None);
    assert_eq!(name(AttributePath::root()), None);
}

#[test]
fn check_accepts_a_good_schema_and_catches_mistakes() {
    assert_eq!(sample().check(), Ok(()));

    let bad = Schema::new(Block::new(vec![Attribute::string("id")
        .required()
        .computed()]));
    let err = bad.check().unwrap_err();
    assert!(err.mentions("\"id\""), "{err}");

    let neither = Schema::new(Block::new(vec![Attribute::string("x")]));
    assert!(neither.check().is_err());

    let dup = Schema::new(Block::new(vec![
        Attribute::string("a").optional(),
        Attribute::number("a").computed(),
    ]));
    assert!(dup.check().unwrap_err().mentions("more than once"));

    let camel = Schema::new(Block::new(vec![Attribute::string("clusterId").optional()]));
    assert!(camel.check().unwrap_err().mentions("lower_snake_case"));

    let empty = Schema::new(Block::new(vec![
        Attribute::nested_single("p", vec![]).optional()
    ]));
    assert!(empty.check().unwrap_err().mentions("no nested attributes"));

    let deep = Schema::new(Block::new(vec![Attribute::nested_single(
        "p",
        vec![Attribute::string("v").required().optional()],
    )
    .optional()]));
    assert!(deep.check().unwrap_err().mentions("\"p.v\""));

    let clash = Schema::new(Block::new(vec![Attribute::string("t").optional()]).block(
        NestedBlock::new("t", BlockNesting::List, Block::new(vec![])),
    ));
    assert!(clash.check().is_err());
}

#[test]
fn check_holds_item_limits_to_what_terraform_allows_for_each_nesting() {
    let with = |nesting, min, max| {
        Schema::new(
            Block::new(vec![]).block(
                NestedBlock::new(
                    "b",
                    nesting,
                    Block::new(vec![Attribute::string("x").optional()]),
                )
                .items(min, max),
            ),
        )
        .check()
    };
    // A single block: optional (0, 0) or required (1, 1), nothing else.
    assert_eq!(with(BlockNesting::Single, 0, 0), Ok(()));
    assert_eq!(with(BlockNesting::Single, 1, 1), Ok(()));
    for (min, max) in [(0, 1), (1, 0), (2, 2), (-1, -1)] {
        let err = with(BlockNesting::Single, min, max).unwrap_err();
        assert!(err.mentions("block \"b\" has invalid item limits"), "{err}");
        assert!(err.mentions("both 0"), "{min}..{max}: {err}");
    }
    // Groups and maps take none; lists and sets any minimum up to the maximum.
    assert_eq!(with(BlockNesting::Map, 0, 0), Ok(()));
    assert!(with(BlockNesting::Map, 0, 2).is_err());
    assert!(with(BlockNesting::Group, 1, 1).is_err());
    assert_eq!(with(BlockNesting::List, 1, 0), Ok(()));
    assert_eq!(with(BlockNesting::Set, 2, 5), Ok(()));
    assert!(with(BlockNesting::List, 3, 2).is_err());
    assert!(with(BlockNesting::Set, -1, 0).is_err());
}

#[test]
fn check_refuses_write_only_where_terraform_does() {
    let ok = Schema::new(
        Block::new(vec![
            Attribute::string("password_wo")
                .optional()
                .sensitive()
                .write_only(),
            Attribute::nested_list(
                "users",
                vec![Attribute::string("secret_wo").required().write_only()],
            )
            .optional(),
            Attribute::nested_single("p", vec![Attribute::string("x").optional()])
                .optional()
                .write_only(),
        ])
        .block(NestedBlock::new(
            "login",
            BlockNesting::List,
            Block::new(vec![Attribute::string("token_wo").optional().write_only()]),
        )),
    );
    assert_eq!(ok.check(), Ok(()));

    let computed = Schema::new(Block::new(vec![Attribute::string("w")
        .optional()
        .computed()
        .write_only()]));
    assert!(computed
        .check()
        .unwrap_err()
        .mentions("write-only and computed"));

    let in_set = Schema::new(Block::new(vec![Attribute::nested_list(
        "outer",
        vec![Attribute::nested_set(
            "s",
            vec![Attribute::nested_single(
                "deep",
                vec![Attribute::string("w").optional().write_only()],
            )
            .optional()],
        )
        .optional()],
    )
    .optional()]));
    let err = in_set.check().unwrap_err();
    assert!(
        err.mentions("\"outer.s.deep.w\" is write-only inside a set"),
        "{err}"
    );

    let set_nested = Schema::new(Block::new(vec![Attribute::nested_set(
        "s",
        vec![Attribute::string("x").optional()],
    )
    .optional()
    .write_only()]));
    assert!(set_nested
        .check()
        .unwrap_err()
        .mentions("write-only set of nested attributes"));

    let set_block = Schema::new(Block::new(vec![]).block(NestedBlock::new(
        "b",
        BlockNesting::Set,
        Block::new(vec![]).block(NestedBlock::new(
            "inner",
            BlockNesting::Single,
            Block::new(vec![Attribute::string("w").optional().write_only()]),
        )),
    )));
    assert!(set_block
        .check()
        .unwrap_err()
        .mentions("\"b.inner.w\" is write-only inside a set"));
}

#[test]
fn write_only_values_are_found_and_nulled_at_any_depth() {
    let block = Block::new(vec![
        Attribute::string("name").required(),
        Attribute::string("top_wo").optional().write_only(),
        Attribute::nested_list(
            "users",
            vec![
                Attribute::string("user").required(),
                Attribute::string("pw_wo").optional().write_only(),
            ],
        )
        .optional(),
        Attribute::nested_map(
            "by_key",
            vec![Attribute::string("k_wo").optional().write_only()],
        )
        .optional(),
    ])
    .block(NestedBlock::new(
        "login",
        BlockNesting::Single,
        Block::new(vec![Attribute::string("token_wo").optional().write_only()]),
    ));
    assert!(block.has_write_only());
    assert!(!Block::new(vec![Attribute::string("a").optional()]).has_write_only());
    let user = |pw: Value| Value::object([("user", Value::string("u")), ("pw_wo", pw)]);
    let value = Value::object([
        ("name", Value::string("n")),
        ("top_wo", Value::unknown()),
        (
            "users",
            Value::List(vec![user(Value::Null), user(Value::string("s"))]),
        ),
        (
            "by_key",
            Value::Map(BTreeMap::from([(
                "a".to_string(),
                Value::object([("k_wo", Value::string("k"))]),
            )])),
        ),
        ("login", Value::object([("token_wo", Value::string("t"))])),
    ]);
    let found: Vec<String> = block
        .write_only_values(&value)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "top_wo",
            "users[1].pw_wo",
            "by_key[\"a\"].k_wo",
            "login.token_wo"
        ]
    );
    let nulled = block.null_write_only(value);
    assert!(block.write_only_values(&nulled).is_empty());
    assert_eq!(nulled.get("name"), Some(&Value::string("n")));
    assert_eq!(
        nulled.get("users"),
        Some(&Value::List(vec![user(Value::Null), user(Value::Null)]))
    );
    // Unknown stays unknown; null stays null.
    let unknown_users = Value::object([("users", Value::unknown())]);
    assert_eq!(block.null_write_only(unknown_users.clone()), unknown_users);
    assert_eq!(block.null_write_only(Value::Null), Value::Null);
}

#[test]
fn builders_and_plain_descriptions() {
    let a = Attribute::string("secret_key")
        .optional()
        .sensitive()
        .deprecated()
        .description("The `secret_key`, see [the docs](https://example.com) and **bold** _em_.");
    assert!(a.optional && a.sensitive && a.deprecated && !a.required && !a.computed);
    assert_eq!(a.value_type(), Type::String);
    assert_eq!(
        a.plain_description(),
        "The secret_key, see the docs and bold em."
    );
    assert_eq!(markdown_to_plain("a [b] c [d]("), "a [b] c [d](");
    assert_eq!(Attribute::bool("b").value_type(), Type::Bool);
    assert!(
        Attribute::nested_list("l", vec![Attribute::number("n").optional()])
            .nested_attributes()
            .is_some()
    );
}
