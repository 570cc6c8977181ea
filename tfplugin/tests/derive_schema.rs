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
}
