//! What `#[derive(Model)]` writes into a schema, flag by flag.

use tfplugin::value::Field;
use tfplugin::Model;

/// A model with one attribute per flag that shows in the schema.
#[derive(Clone, Debug, Default, Model)]
pub struct Flags {
    /// Set by the configuration.
    #[tf(required)]
    pub name: Field<String>,
    /// The old spelling of `name`.
    #[tf(optional, deprecated)]
    pub old_name: Field<String>,
    /// A secret.
    #[tf(optional, sensitive)]
    pub secret: Field<String>,
    #[tf(computed, name = "serial", description = "Made by the provider.")]
    pub made: Field<i64>,
    /// Told at apply, never kept.
    #[tf(optional, sensitive, write_only)]
    pub token_wo: Field<String>,
    /// Nested attributes may be write-only too.
    #[tf(optional, nested)]
    pub logins: Field<Vec<Login>>,
}

/// A nested model with a write-only attribute.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Login {
    /// Who.
    #[tf(required)]
    pub user: Field<String>,
    /// The password, never kept.
    #[tf(required, write_only)]
    pub password_wo: Field<String>,
}

#[test]
fn flags_reach_the_schema() {
    let schema = tfplugin::schema::Schema::new(tfplugin::schema::Block::new(Flags::attributes()));
    assert!(schema.check().is_ok(), "{:?}", schema.check());
    let attr = |name: &str| {
        schema
            .block
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no attribute {name}"))
    };
    assert!(attr("name").required && !attr("name").deprecated);
    assert!(attr("old_name").optional && attr("old_name").deprecated);
    assert_eq!(attr("old_name").description, "The old spelling of `name`.");
    assert!(attr("secret").sensitive && !attr("secret").deprecated);
    assert!(attr("serial").computed);
    assert_eq!(attr("serial").description, "Made by the provider.");
    assert_eq!(Flags::MADE, "serial");
    assert!(!attr("secret").write_only);
    assert!(attr("token_wo").write_only && attr("token_wo").sensitive);
    let logins = attr("logins").nested_attributes().expect("nested");
    assert!(logins
        .iter()
        .any(|a| a.name == "password_wo" && a.write_only && a.required));
    assert!(!logins.iter().any(|a| a.name == "user" && a.write_only));
    let rules = Flags::rules();
    let rule = |name: &str| rules.iter().find(|r| r.name == name).expect("a rule");
    assert!(rule("token_wo").write_only && !rule("secret").write_only);
}

/// `endpoints { ... }`: a block with a nested attribute and a block of its own.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Endpoints {
    /// The CloudHSM endpoint.
    #[tf(optional)]
    pub cloudhsmv2: Field<String>,
    /// Retries, as a nested attribute inside the block.
    #[tf(optional, nested)]
    pub retry: Field<Login>,
    /// A block inside the block.
    #[tf(required, block)]
    pub proxy: Field<Proxy>,
}

/// The innermost block.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Proxy {
    /// Where it goes.
    #[tf(required)]
    pub url: Field<String>,
}

/// A provider block with two blocks and an attribute.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct WithBlocks {
    /// The region.
    #[tf(optional)]
    pub region: Field<String>,
    /// The endpoints to use instead of the defaults.
    #[tf(optional, block)]
    pub endpoints: Field<Endpoints>,
    #[tf(
        required,
        block,
        deprecated,
        name = "old_proxy",
        description = "Use `endpoints`."
    )]
    pub proxy: Field<Proxy>,
}

#[test]
fn blocks_reach_the_schema_and_their_values_round_trip() {
    use tfplugin::schema::{BlockNesting, Schema};
    use tfplugin::value::{TfType, Value};
    let schema = Schema::new(WithBlocks::block());
    assert!(schema.check().is_ok(), "{:?}", schema.check());
    let names: Vec<&str> = schema
        .block
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["region"]);
    let [endpoints, old_proxy] = schema.block.blocks.as_slice() else {
        panic!("two blocks: {:?}", schema.block.blocks);
    };
    assert_eq!(WithBlocks::PROXY, "old_proxy");
    assert_eq!(
        (
            endpoints.type_name.as_str(),
            endpoints.nesting,
            endpoints.min_items,
            endpoints.max_items
        ),
        ("endpoints", BlockNesting::Single, 0, 0)
    );
    assert_eq!(
        endpoints.block.description,
        "The endpoints to use instead of the defaults."
    );
    assert!(!endpoints.block.deprecated);
    assert_eq!(
        (
            old_proxy.type_name.as_str(),
            old_proxy.min_items,
            old_proxy.max_items
        ),
        ("old_proxy", 1, 1),
        "required: exactly one"
    );
    assert!(old_proxy.block.deprecated);
    assert_eq!(old_proxy.block.description, "Use `endpoints`.");
    // Inside the block: an attribute, a nested attribute, and a required block.
    let inner = &endpoints.block;
    assert!(inner.attribute("cloudhsmv2").is_some());
    assert!(inner
        .attribute("retry")
        .and_then(|a| a.nested_attributes())
        .is_some());
    assert_eq!(inner.blocks[0].type_name, "proxy");
    assert_eq!(inner.blocks[0].min_items, 1);
    assert_eq!(WithBlocks::value_type(), schema.value_type());

    // Values: an absent block is null, a present one the object, at each depth.
    let config = WithBlocks {
        region: Field::Known("eu-west-1".into()),
        endpoints: Field::Known(Endpoints {
            cloudhsmv2: Field::Null,
            retry: Field::Null,
            proxy: Field::Known(Proxy {
                url: Field::Known("http://p".into()),
            }),
        }),
        proxy: Field::Null,
    };
    let value = config.clone().into_value();
    assert_eq!(value.get("old_proxy"), Some(&Value::Null));
    let url = value
        .get("endpoints")
        .and_then(|e| e.get("proxy"))
        .and_then(|p| p.get("url"));
    assert_eq!(url, Some(&Value::string("http://p")));
    let root = tfplugin::diagnostics::AttributePath::root();
    assert_eq!(
        WithBlocks::from_value(&value, &root).expect("reads back"),
        config
    );
}
