//! The derive's own checks: which flag combinations compile, and what it generates for
//! `timeouts` and `copy_of`.

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
