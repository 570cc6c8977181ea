//! `#[derive(Model)]` for `tfplugin`: one Rust struct declares a Terraform schema and the
//! typed model of its values, so that each attribute's name is written once. The derive's
//! own documentation (re-exported as `tfplugin::Model`) says how to use it.
//!
//! Knows nothing of any provider.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments,
    Type,
};

mod spec;

use spec::{check_flags, doc_comment, field_spec, FieldSpec};

/// Derives `tfplugin::model::Model` for a struct: the struct declares a Terraform schema and
/// carries its values, so that each attribute's name is written once.
///
/// ```ignore
/// #[derive(Clone, Debug, Default, Model)]
/// struct Greeting {
///     /// The greeting's id.
///     #[tf(computed, keep)]
///     id: Field<String>,
///     /// Whom to greet. Changing it makes a new greeting.
///     #[tf(required, requires_replace)]
///     name: Field<String>,
///     #[tf(timeouts(create = "5m"))]
///     timeouts: Field<Timeouts>,
/// }
/// ```
///
/// The struct has named fields, each a `tfplugin::value::Field<T>` (null, unknown or
/// known); anything else is a compile error. Without `nested` or `block`, `T` implements
/// `tfplugin::value::TfType` (`String`, `bool`, `Number`, `f64`, `i64`, `i32`, `u64`,
/// `u32`, `Value` (any type), and `Vec` or `BTreeMap<String, _>` of those). The field's doc
/// comment is the attribute's (or block's) description.
///
/// `#[tf(...)]` takes: `required`, `optional`, `computed`, `sensitive`, `deprecated`
/// (marked so in the schema and the docs; Terraform warns where a configuration refers to a
/// deprecated attribute), `write_only` (Terraform 1.11 and later: the value is in the
/// configuration only, null in every plan and state; resource code reads it from the
/// configuration: `Plan::config`, `ChangeRequest::config`), `requires_replace`, `keep` (a
/// computed value kept on update), `nested` (a model, or a `Vec` / `BTreeMap` of models, as
/// nested attributes: `name = { ... }`), `block` (a model as a single nested block:
/// `name { ... }`, null when left out; with `optional`, or `required` for exactly one; on a
/// `Field<Vec<M>>`, `optional`, a list of blocks: `name { ... }` any number of times, in
/// order, an empty list when there is none),
/// `same = path::to::fn` (semantic equality: `fn(&T, &T) -> bool`), `default = expr` (on an
/// optional and computed attribute: the value planned when the configuration leaves it out;
/// `expr` converts `Into` the field's type), `copy_of = field` (a computed-only value that
/// is always that field's planned value, such as an `id` that is the `cluster_id`),
/// `name = "attr"` (when the attribute's name is not the field's), `description = expr`
/// (instead of the doc comment), and `timeouts(create = "30m", ...)` on a `Field<Timeouts>`
/// (an optional and computed attribute, alone). Combinations Terraform refuses, or that mean
/// nothing (`required` with `computed`, `keep` without `computed`, `requires_replace` or
/// `deprecated` on a value the configuration cannot set, no presence flag at all;
/// `write_only` with `computed`, `keep`, `requires_replace`, `same` or `timeouts`; `default`
/// without `optional, computed` or with `keep` or `nested`; `copy_of` on a configurable
/// value or naming no field of the struct; `block` with anything but exactly one of
/// `optional` and `required`, `deprecated`, `name` and `description`, on a `BTreeMap`, or
/// `required` on a `Vec`), do not compile; the error names the field and the flag.
///
/// ```ignore
/// #[derive(Clone, Debug, Default, Model)]
/// struct ProviderConfig {
///     /// `assume_role { role_arn = "..." }`, as the AWS provider writes it.
///     #[tf(optional, block)]
///     assume_role: Field<AssumeRole>,
/// }
/// ```
///
/// Plan rules (`requires_replace`, `keep`, `same`, `timeouts`, `copy_of`) apply to top-level
/// attributes: on a field of a model nested in another (`nested` or `block`) they would be
/// ignored, so nesting such a model does not compile (an error at the nesting field names
/// the flag). Presence flags, `sensitive`, `deprecated`, `write_only` and `default` work at
/// any depth. A block's model may have nested attributes and blocks of its own; a `nested`
/// attribute's model may not have blocks (Terraform's nested attributes hold attributes
/// only: an error at the nesting field says so).
///
/// Generated: `Model` (schema: `attributes()` and `blocks()`, plan rules), `TfType` (an
/// object of the attributes and blocks), and a constant per field, named after the field in
/// upper case and holding the attribute's (or block's) name (`Greeting::NAME == "name"`).
#[proc_macro_derive(Model, attributes(tf))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `T` of `Wrapper<T>` when the type's last segment is `wrapper`.
fn inner_of<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().rev().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// A field's name without `r#`, and its attribute's name (`name = "..."`, else the same).
fn attribute_name(ident: &Ident, spec: &FieldSpec) -> (String, LitStr) {
    let plain = ident.to_string();
    let plain = plain.strip_prefix("r#").unwrap_or(&plain).to_string();
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(&plain, Span::call_site()));
    (plain, name)
}

/// True when the type's last path segment is `name` (`Timeouts`, `tfplugin::Timeouts`).
fn last_segment_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(tp) if tp.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The `schema::Attribute` of a field that is not a block.
fn attribute_schema(
    spec: &FieldSpec,
    attr_name: &LitStr,
    inner: &Type,
    description: Option<Tokens>,
) -> Tokens {
    let tf = quote!(::tfplugin);
    let mut schema = if let Some(ops) = &spec.timeouts {
        let ops = ops.iter().map(|(op, default)| {
            let op = op.to_string();
            quote!((#op, #default))
        });
        quote!(#tf::timeouts::Timeouts::attribute(#attr_name, &[#(#ops),*]))
    } else if !spec.nested {
        quote!(#tf::schema::Attribute::typed(#attr_name, <#inner as #tf::value::TfType>::value_type()))
    } else if let Some(elem) = inner_of(inner, "Vec") {
        quote!(#tf::schema::Attribute::nested_list(#attr_name, <#elem as #tf::model::Model>::attributes()))
    } else if let Some(elem) = inner_of(inner, "BTreeMap") {
        quote!(#tf::schema::Attribute::nested_map(#attr_name, <#elem as #tf::model::Model>::attributes()))
    } else {
        quote!(#tf::schema::Attribute::nested_single(#attr_name, <#inner as #tf::model::Model>::attributes()))
    };
    for (on, method) in [
        (spec.required, "required"),
        (spec.optional, "optional"),
        (spec.computed, "computed"),
        (spec.sensitive, "sensitive"),
        (spec.deprecated, "deprecated"),
        (spec.write_only, "write_only"),
    ] {
        if on {
            let m = Ident::new(method, Span::call_site());
            schema = quote!(#schema.#m());
        }
    }
    if let Some(d) = description {
        schema = quote!(#schema.description(#d));
    }
    if spec.timeouts.is_some() && !(spec.required || spec.optional || spec.computed) {
        // Optional and computed: Terraform 1.0 crashes planning an optional-only nested
        // attribute that the configuration leaves out.
        schema = quote!(#schema.optional().computed());
    }
    schema
}

/// The `schema::NestedBlock` of a `block` field: a single block of the model `inner`,
/// present once (`required`) or at most once (`optional`), or for a `Vec` of it a list of
/// blocks, any number.
fn block_schema(
    spec: &FieldSpec,
    attr_name: &LitStr,
    inner: &Type,
    description: Option<Tokens>,
) -> Tokens {
    let tf = quote!(::tfplugin);
    let (model, list) = match inner_of(inner, "Vec") {
        Some(model) => (model, true),
        None => (inner, false),
    };
    let mut block = quote!(<#model as #tf::model::Model>::block());
    if let Some(d) = description {
        block = quote!(#block.description(#d));
    }
    if spec.deprecated {
        block = quote!(#block.deprecated());
    }
    if list {
        // No limits: none or any number of blocks.
        return quote! {
            #tf::schema::NestedBlock::new(#attr_name, #tf::schema::BlockNesting::List, #block)
        };
    }
    // Terraform: a single block's item limits are both 0 (optional) or both 1 (required).
    let items = i64::from(spec.required);
    quote! {
        #tf::schema::NestedBlock::new(#attr_name, #tf::schema::BlockNesting::Single, #block)
            .items(#items, #items)
    }
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "Model is derived for structs only",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(name, "Model needs named fields"));
    };
    let tf = quote!(::tfplugin);
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    let mut rules = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut consts = Vec::new();
    let mut top_level_only = None;
    let mut has_blocks = None;
    let mut nested_checks = Vec::new();
    for field in &fields.named {
        let ident = field
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(field, "Model needs named fields"))?;
        let spec = field_spec(&field.attrs)?;
        check_flags(&spec, field)?;
        let (plain, attr_name) = attribute_name(ident, &spec);
        let inner = inner_of(&field.ty, "Field").ok_or_else(|| {
            syn::Error::new_spanned(&field.ty, "Model fields are tfplugin::value::Field<T>")
        })?;
        if spec.timeouts.is_none() && last_segment_is(inner, "Timeouts") {
            return Err(syn::Error::new_spanned(
                &field.ty,
                "a Field<Timeouts> needs #[tf(timeouts(create = \"30m\", ...))]: the \
                 operations it declares are its type",
            ));
        }
        // The model of a nested attribute: `T` of `Field<T>`, `Field<Vec<T>>` or
        // `Field<BTreeMap<String, T>>`; of a block, `T` of `Field<T>` or `Field<Vec<T>>`.
        let nested_model = if spec.block {
            Some(inner_of(inner, "Vec").unwrap_or(inner))
        } else {
            spec.nested.then(|| {
                inner_of(inner, "Vec")
                    .or_else(|| inner_of(inner, "BTreeMap"))
                    .unwrap_or(inner)
            })
        };
        let const_name = format_ident!("{}", plain.to_uppercase());
        let plan_flag = [
            (spec.requires_replace, "requires_replace"),
            (spec.keep, "keep"),
            (spec.same.is_some(), "same = ..."),
            (spec.timeouts.is_some(), "timeouts(...)"),
            (spec.copy_of.is_some(), "copy_of = ..."),
        ]
        .into_iter()
        .find_map(|(on, flag)| on.then_some(flag));
        if let (None, Some(flag)) = (&top_level_only, plan_flag) {
            top_level_only = Some(format!(
                "`{name}` is nested (`#[tf(nested)]` or `#[tf(block)]`) in another model, but \
                 its field `{plain}` has `{flag}`: plan rules apply to top-level attributes \
                 only and would be ignored there. Put the rule on the `nested` attribute that \
                 nests `{name}` (a block takes none), or drop it."
            ));
        }
        if spec.block && has_blocks.is_none() {
            has_blocks = Some(format!(
                "`{name}` is a nested attribute (`#[tf(nested)]`) of another model, but its \
                 field `{plain}` is a block (`#[tf(block)]`): Terraform's nested attributes \
                 hold attributes only. Make the field that nests `{name}` a `block` too, or \
                 make `{plain}` a `nested` attribute."
            ));
        }
        consts.push(quote! {
            #[doc = concat!("The attribute name `", #attr_name, "`.")]
            pub const #const_name: &'static str = #attr_name;
        });
        let description = match (&spec.description, doc_comment(&field.attrs)) {
            (Some(d), _) => Some(quote!(#d)),
            (None, Some(d)) => Some(quote!(#d)),
            (None, None) => None,
        };
        if let Some(elem) = nested_model {
            // What the nested model must not have: plan rules (wherever it nests), blocks (in
            // a nested attribute).
            let mut refusals = vec![quote!(TOP_LEVEL_ONLY)];
            if !spec.block {
                refusals.push(quote!(HAS_BLOCKS));
            }
            for refusal in refusals {
                nested_checks.push(quote_spanned! {field.ty.span()=>
                    const _: () = if let ::core::option::Option::Some(problem) =
                        <#elem as #tf::model::Model>::#refusal
                    {
                        ::core::panic!("{}", problem)
                    };
                });
            }
        }
        if spec.block {
            blocks.push(block_schema(&spec, &attr_name, inner, description));
        } else {
            attributes.push(attribute_schema(&spec, &attr_name, inner, description));
        }
        let same = match &spec.same {
            Some(f) => quote! {
                ::core::option::Option::Some(|a: &#tf::value::Value, b: &#tf::value::Value| {
                    let root = #tf::diagnostics::AttributePath::root();
                    match (
                        <#inner as #tf::value::TfType>::from_value(a, &root),
                        <#inner as #tf::value::TfType>::from_value(b, &root),
                    ) {
                        (::core::result::Result::Ok(a), ::core::result::Result::Ok(b)) => #f(&a, &b),
                        _ => false,
                    }
                })
            },
            None => quote!(::core::option::Option::None),
        };
        let computed = spec.computed || spec.timeouts.is_some();
        let configurable = spec.required || spec.optional || spec.timeouts.is_some();
        let requires_replace = spec.requires_replace;
        let keep = spec.keep;
        let write_only = spec.write_only;
        let default = match &spec.default {
            Some(value) => quote_spanned! {value.span()=>
                ::core::option::Option::Some(|| {
                    <#inner as #tf::value::TfType>::into_value(
                        ::core::convert::Into::<#inner>::into(#value),
                    )
                })
            },
            None => quote!(::core::option::Option::None),
        };
        let copy_of = match &spec.copy_of {
            Some(source) => {
                let target = fields
                    .named
                    .iter()
                    .find(|f| f.ident.as_ref() == Some(source));
                let Some(target) = target else {
                    return Err(syn::Error::new_spanned(
                        source,
                        format!("`copy_of = {source}`: `{name}` has no field `{source}`"),
                    ));
                };
                let (_, copied) = attribute_name(source, &field_spec(&target.attrs)?);
                quote!(::core::option::Option::Some(#copied))
            }
            None => quote!(::core::option::Option::None),
        };
        let nested = match nested_model {
            Some(elem) => quote!(::core::option::Option::Some(<#elem as #tf::model::Model>::rules)),
            None => quote!(::core::option::Option::None),
        };
        let timeouts = match &spec.timeouts {
            Some(ops) => {
                let ops = ops.iter().map(|(op, default)| {
                    let op = op.to_string();
                    quote!((#op, #default))
                });
                quote!(::core::option::Option::Some(&[#(#ops),*]))
            }
            None => quote!(::core::option::Option::None),
        };
        rules.push(quote! {
            #tf::model::AttributeRules {
                name: #attr_name,
                computed: #computed,
                configurable: #configurable,
                keep_on_update: #keep,
                requires_replace: #requires_replace,
                same: #same,
                timeouts: #timeouts,
                write_only: #write_only,
                default: #default,
                nested: #nested,
                copy_of: #copy_of,
            }
        });
        reads.push(quote!(#ident: reader.get(#attr_name)?));
        if spec.block && inner_of(inner, "Vec").is_some() {
            // Terraform never takes a null list of blocks: none is an empty list.
            writes.push(quote! {
                .set(#attr_name, match self.#ident {
                    #tf::value::Field::Null => #tf::value::Field::Known(::std::vec::Vec::new()),
                    blocks => blocks,
                })
            });
        } else {
            writes.push(quote!(.set(#attr_name, self.#ident)));
        }
    }
    let [top_level_only, has_blocks] = [top_level_only, has_blocks].map(|p| match p {
        Some(problem) => quote!(::core::option::Option::Some(#problem)),
        None => quote!(::core::option::Option::None),
    });
    Ok(quote! {
        impl #name {
            #(#consts)*
        }

        #(#nested_checks)*

        impl #tf::model::Model for #name {
            const TOP_LEVEL_ONLY: ::core::option::Option<&'static str> = #top_level_only;
            const HAS_BLOCKS: ::core::option::Option<&'static str> = #has_blocks;
            fn attributes() -> ::std::vec::Vec<#tf::schema::Attribute> {
                ::std::vec![#(#attributes),*]
            }
            fn blocks() -> ::std::vec::Vec<#tf::schema::NestedBlock> {
                ::std::vec![#(#blocks),*]
            }
            fn rules() -> ::std::vec::Vec<#tf::model::AttributeRules> {
                ::std::vec![#(#rules),*]
            }
        }

        impl #tf::value::TfType for #name {
            fn value_type() -> #tf::value::Type {
                <#name as #tf::model::Model>::block().value_type()
            }

            fn from_value(
                value: &#tf::value::Value,
                path: &#tf::diagnostics::AttributePath,
            ) -> ::core::result::Result<Self, #tf::value::ValueError> {
                let reader = #tf::value::ObjectReader::new(value, path.clone())?;
                ::core::result::Result::Ok(#name { #(#reads),* })
            }

            fn into_value(self) -> #tf::value::Value {
                #tf::value::ObjectBuilder::new() #(#writes)* .build()
            }
        }
    })
}

#[cfg(test)]
mod tests;
