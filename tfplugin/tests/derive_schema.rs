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
#[derive(Clone, Debug, Default, Model)]
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
