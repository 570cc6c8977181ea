//! The derive's own checks: which flag combinations compile, and what it generates for
//! `timeouts`, `copy_of` and `block`.

use super::*;
use crate::spec::{check_flags, field_spec};

fn check(field: syn::Field) -> Result<(), String> {
    let spec = field_spec(&field.attrs).map_err(|e| e.to_string())?;
    check_flags(&spec, &field).map_err(|e| e.to_string())
}

fn field(attrs: Tokens) -> syn::Field {
    let named: syn::FieldsNamed = syn::parse_quote!({ #attrs pub x: Field<String> });
    named.named.into_iter().next().expect("one field")
}

#[test]
fn flag_combinations_terraform_refuses_do_not_compile() {
    assert!(check(field(quote!(#[tf(required, requires_replace)]))).is_ok());
    assert!(check(field(quote!(#[tf(optional, computed)]))).is_ok());
    assert!(check(field(quote!(#[tf(computed, keep)]))).is_ok());
    assert!(check(field(quote!(#[tf(timeouts(create = "1m"))]))).is_ok());
    assert!(check(field(quote!(#[tf(optional, deprecated)]))).is_ok());
    assert!(check(field(quote!(#[tf(optional, sensitive, write_only)]))).is_ok());
    assert!(check(field(quote!(#[tf(required, write_only, deprecated)]))).is_ok());
    assert!(check(field(quote!(#[tf(optional, computed, default = "DAYS")]))).is_ok());
    assert!(check(field(quote!(#[tf(computed, keep, copy_of = name)]))).is_ok());
    for bad in [
        quote!(#[tf(optional, computed, write_only)]),
        quote!(#[tf(computed, keep, write_only)]),
        quote!(#[tf(optional, write_only, requires_replace)]),
        quote!(#[tf(optional, write_only, same = same_text)]),
        quote!(#[tf(write_only, timeouts(create = "1m"))]),
        quote!(#[tf(write_only)]),
        quote!(#[tf(required, computed)]),
        quote!(#[tf(sensitive)]),
        quote!(#[tf(optional, keep)]),
        quote!(#[tf(computed, requires_replace)]),
        quote!(#[tf(optional, timeouts(create = "1m"))]),
        quote!(#[tf(computed, deprecated)]),
        quote!(#[tf(optional, default = "DAYS")]),
        quote!(#[tf(computed, default = "DAYS")]),
        quote!(#[tf(required, default = "DAYS")]),
        quote!(#[tf(optional, computed, keep, default = "DAYS")]),
        quote!(#[tf(optional, computed, nested, default = "DAYS")]),
        quote!(#[tf(optional, computed, copy_of = name)]),
        quote!(#[tf(required, copy_of = name)]),
    ] {
        assert!(check(field(bad.clone())).is_err(), "{bad}");
    }
    assert!(
        check(field(quote!(#[tf(optional, fancy)]))).is_err(),
        "unknown flag"
    );
}

#[test]
fn a_timeouts_field_without_its_operations_does_not_compile() {
    let without: DeriveInput = syn::parse_quote!(
        struct M {
            #[tf(optional, computed)]
            timeouts: Field<Timeouts>,
        }
    );
    let with: DeriveInput = syn::parse_quote!(
        struct M {
            #[tf(timeouts(create = "1m"))]
            timeouts: Field<Timeouts>,
        }
    );
    assert!(expand(&without).is_err());
    assert!(expand(&with).is_ok());
}

#[test]
fn a_copy_names_a_field_of_its_model() {
    let good: DeriveInput = syn::parse_quote!(
        struct M {
            #[tf(computed, keep, copy_of = cluster)]
            id: Field<String>,
            #[tf(required, name = "cluster_id")]
            cluster: Field<String>,
        }
    );
    let tokens = expand(&good).expect("expands").to_string();
    assert!(
        tokens.contains("copy_of : :: core :: option :: Option :: Some (\"cluster_id\")"),
        "{tokens}"
    );
    let bad: DeriveInput = syn::parse_quote!(
        struct M {
            #[tf(computed, copy_of = nothing)]
            id: Field<String>,
        }
    );
    assert!(expand(&bad).is_err());
}

fn block_field(attrs: Tokens, ty: Tokens) -> syn::Field {
    let named: syn::FieldsNamed = syn::parse_quote!({ #attrs pub assume_role: #ty });
    named.named.into_iter().next().expect("one field")
}

#[test]
fn a_block_is_optional_or_required_and_takes_no_plan_flag() {
    let one = quote!(Field<AssumeRole>);
    for good in [
        quote!(#[tf(optional, block)]),
        quote!(#[tf(required, block)]),
        quote!(#[tf(optional, block, deprecated, name = "role")]),
    ] {
        assert!(
            check(block_field(good.clone(), one.clone())).is_ok(),
            "{good}"
        );
    }
    for (bad, flag) in [
        (quote!(#[tf(block)]), "`required`"),
        (quote!(#[tf(required, optional, block)]), "`required`"),
        (quote!(#[tf(optional, block, nested)]), "`nested`"),
        (quote!(#[tf(optional, computed, block)]), "`computed`"),
        (quote!(#[tf(optional, block, sensitive)]), "`sensitive`"),
        (quote!(#[tf(optional, block, write_only)]), "`write_only`"),
        (
            quote!(#[tf(optional, computed, block, default = "x")]),
            "`computed`",
        ),
        (
            quote!(#[tf(optional, block, default = "x")]),
            "`default = ...`",
        ),
        (quote!(#[tf(optional, block, keep)]), "`keep`"),
        (
            quote!(#[tf(optional, block, requires_replace)]),
            "`requires_replace`",
        ),
        (
            quote!(#[tf(optional, block, same = same_role)]),
            "`same = ...`",
        ),
        (
            quote!(#[tf(optional, block, copy_of = name)]),
            "`copy_of = ...`",
        ),
        (
            quote!(#[tf(block, timeouts(create = "1m"))]),
            "`timeouts(...)`",
        ),
    ] {
        let err = check(block_field(bad.clone(), one.clone())).expect_err("refused");
        assert!(
            err.contains("`assume_role`"),
            "{bad}: names the field: {err}"
        );
        assert!(err.contains(flag), "{bad}: names {flag}: {err}");
    }
    // A list of blocks: optional only. A map of blocks: never.
    let list = quote!(Field<Vec<AssumeRole>>);
    assert!(check(block_field(quote!(#[tf(optional, block)]), list.clone())).is_ok());
    for (flags, ty, said) in [
        (quote!(#[tf(required, block)]), list, "`optional`"),
        (
            quote!(#[tf(optional, block)]),
            quote!(Field<BTreeMap<String, AssumeRole>>),
            "`BTreeMap`",
        ),
    ] {
        let err = check(block_field(flags.clone(), ty.clone())).expect_err("refused");
        assert!(
            err.contains(said) && err.contains("`assume_role`"),
            "{flags} {ty}: {err}"
        );
    }
}

#[test]
fn a_block_field_becomes_a_single_nested_block_not_an_attribute() {
    let model: DeriveInput = syn::parse_quote!(
        struct Config {
            /// The role to assume.
            #[tf(required, block)]
            assume_role: Field<AssumeRole>,
            #[tf(optional, block, name = "endpoints")]
            urls: Field<Endpoints>,
            #[tf(optional)]
            region: Field<String>,
        }
    );
    let tokens = expand(&model).expect("expands").to_string();
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let tokens = squeeze(&tokens);
    let blocks = tokens
        .split_once("fnblocks()")
        .map(|(_, rest)| rest.split_once("fnrules()").map_or(rest, |(b, _)| b))
        .expect("a blocks() fn");
    for expected in [
        "NestedBlock::new(\"assume_role\",::tfplugin::schema::BlockNesting::Single,\
         <AssumeRoleas::tfplugin::model::Model>::block().description(\"Theroletoassume.\")).items(1i64,1i64)",
        "NestedBlock::new(\"endpoints\",::tfplugin::schema::BlockNesting::Single,\
         <Endpointsas::tfplugin::model::Model>::block()).items(0i64,0i64)",
    ] {
        assert!(blocks.contains(&squeeze(expected)), "{expected} in {blocks}");
    }
    let attributes = tokens
        .split_once("fnattributes()")
        .and_then(|(_, rest)| rest.split_once("fnblocks()"))
        .map(|(a, _)| a)
        .expect("an attributes() fn");
    assert!(attributes.contains("\"region\""), "{attributes}");
    assert!(!attributes.contains("assume_role") && !attributes.contains("endpoints"));
    // Its plan rule: configurable, never computed, defaults of its model inside.
    assert!(
        tokens.contains(&squeeze(
            "name:\"assume_role\",computed:false,configurable:true,"
        )),
        "{tokens}"
    );
    assert!(tokens.contains("<AssumeRoleas::tfplugin::model::Model>::rules"));
    // Nested in an attribute, a model with a block does not compile.
    assert!(tokens.contains(
        "constHAS_BLOCKS:::core::option::Option<&'staticstr>=::core::option::Option::Some("
    ));
}
