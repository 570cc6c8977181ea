//! What `#[tf(...)]` and the doc comment say about one field (`FieldSpec`), and which
//! combinations of flags are refused at compile time (`check_flags`, `check_block` for a
//! `block` field).
//!
//! Knows `syn`'s view of a field; knows nothing of the code the derive generates.

use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Path};

/// What `#[tf(...)]` and the doc comment say about one field.
#[derive(Default)]
pub(crate) struct FieldSpec {
    pub(crate) required: bool,
    pub(crate) optional: bool,
    pub(crate) computed: bool,
    pub(crate) sensitive: bool,
    pub(crate) deprecated: bool,
    pub(crate) requires_replace: bool,
    pub(crate) keep: bool,
    pub(crate) nested: bool,
    pub(crate) block: bool,
    pub(crate) write_only: bool,
    pub(crate) same: Option<Path>,
    pub(crate) default: Option<Expr>,
    pub(crate) copy_of: Option<Ident>,
    pub(crate) name: Option<LitStr>,
    pub(crate) description: Option<Expr>,
    pub(crate) timeouts: Option<Vec<(Ident, LitStr)>>,
}

pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join(" ").trim().to_string();
    (!text.is_empty()).then_some(text)
}

pub(crate) fn field_spec(attrs: &[Attribute]) -> syn::Result<FieldSpec> {
    let mut spec = FieldSpec::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("tf")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            let switches = [
                ("required", &mut spec.required),
                ("optional", &mut spec.optional),
                ("computed", &mut spec.computed),
                ("sensitive", &mut spec.sensitive),
                ("deprecated", &mut spec.deprecated),
                ("requires_replace", &mut spec.requires_replace),
                ("keep", &mut spec.keep),
                ("nested", &mut spec.nested),
                ("block", &mut spec.block),
                ("write_only", &mut spec.write_only),
            ];
            if let Some((_, on)) = switches.into_iter().find(|(flag, _)| p.is_ident(flag)) {
                *on = true;
                return Ok(());
            }
            // `flag = value`, the value parsed as the field's type says.
            macro_rules! valued {
                ($($flag:ident),*) => {$(
                    if p.is_ident(stringify!($flag)) {
                        spec.$flag = Some(meta.value()?.parse()?);
                        return Ok(());
                    }
                )*};
            }
            valued!(same, default, copy_of, name, description);
            if p.is_ident("timeouts") {
                let mut ops = Vec::new();
                meta.parse_nested_meta(|op| {
                    let ident = op
                        .path
                        .get_ident()
                        .cloned()
                        .ok_or_else(|| op.error("expected an operation name"))?;
                    ops.push((ident, op.value()?.parse()?));
                    Ok(())
                })?;
                spec.timeouts = Some(ops);
                Ok(())
            } else {
                Err(meta.error("unknown tf attribute"))
            }
        })?;
    }
    Ok(spec)
}

/// Refuses flag combinations Terraform would refuse (or that mean nothing), at compile time.
pub(crate) fn check_flags(spec: &FieldSpec, field: &syn::Field) -> syn::Result<()> {
    if spec.block {
        return check_block(spec, field);
    }
    let problem = if spec.timeouts.is_some() {
        (spec.required
            || spec.optional
            || spec.computed
            || spec.requires_replace
            || spec.keep
            || spec.write_only
            || spec.default.is_some())
        .then_some("`timeouts(...)` stands alone: it is optional and computed by itself")
    } else if spec.default.is_some() && !(spec.optional && spec.computed) {
        Some(
            "`default = ...` is for `optional` and `computed` attributes: it is the value \
             planned when the configuration leaves the attribute out",
        )
    } else if spec.copy_of.is_some() && (spec.required || spec.optional || !spec.computed) {
        Some(
            "`copy_of = field` is for computed-only attributes: one the configuration sets \
             is not a copy",
        )
    } else if spec.default.is_some() && (spec.keep || spec.nested) {
        Some(
            "`default = ...` cannot be combined with `keep` (a defaulted value is never left \
             unset) or `nested` (put the defaults on the nested model's fields)",
        )
    } else if spec.write_only && (spec.computed || spec.keep) {
        Some(
            "`write_only` cannot be `computed` (nor `keep`): a write-only value comes from the \
             configuration alone and is never in state",
        )
    } else if spec.write_only && spec.requires_replace {
        Some(
            "`requires_replace` means nothing on a `write_only` attribute: its prior value is \
             always null; put `requires_replace` on a companion `<name>_version` attribute",
        )
    } else if spec.write_only && spec.same.is_some() {
        Some("`same = ...` means nothing on a `write_only` attribute: there is no prior value")
    } else if spec.required && (spec.optional || spec.computed) {
        Some("`required` cannot be combined with `optional` or `computed`")
    } else if !(spec.required || spec.optional || spec.computed) {
        Some("say whether the attribute is `required`, `optional` or `computed`")
    } else if spec.keep && !spec.computed {
        Some("`keep` is for computed values (it keeps them across updates)")
    } else if spec.requires_replace && !(spec.required || spec.optional) {
        Some("`requires_replace` is for values the configuration sets")
    } else if spec.deprecated && !(spec.required || spec.optional) {
        Some("`deprecated` is for values the configuration sets")
    } else {
        None
    };
    match problem {
        Some(p) => Err(syn::Error::new_spanned(field, p)),
        None => Ok(()),
    }
}

/// A `block` field: one model (`Field<M>`), `optional` (the block may be left out) or
/// `required`, or a list of them (`Field<Vec<M>>`, `optional`: any number of blocks, in
/// order), with `deprecated`, `name` and `description` besides; every other flag is
/// refused, naming the field and the flag.
fn check_block(spec: &FieldSpec, field: &syn::Field) -> syn::Result<()> {
    let name = field
        .ident
        .as_ref()
        .map_or_else(String::new, |i| i.to_string());
    // Each flag a block refuses, and why.
    let computed_only = "it is for computed values, and a block is never computed";
    let on_fields = "put it on fields of the block's model instead";
    let refused = [
        (
            spec.nested,
            "nested",
            "a field is a block (`name { ... }`) or a nested attribute \
             (`name = { ... }`), not both",
        ),
        (
            spec.computed,
            "computed",
            "a block comes from the configuration alone; put \
             `computed` on fields of the block's model",
        ),
        (spec.sensitive, "sensitive", on_fields),
        (spec.write_only, "write_only", on_fields),
        (spec.default.is_some(), "default = ...", on_fields),
        (spec.keep, "keep", computed_only),
        (spec.copy_of.is_some(), "copy_of = ...", computed_only),
        (
            spec.requires_replace,
            "requires_replace",
            "plan rules apply to attributes only",
        ),
        (
            spec.same.is_some(),
            "same = ...",
            "plan rules apply to attributes only",
        ),
        (
            spec.timeouts.is_some(),
            "timeouts(...)",
            "`timeouts` is an attribute of its own",
        ),
    ];
    let problem = if let Some((_, flag, why)) = refused.iter().find(|(on, _, _)| *on) {
        Some(format!(
            "`{name}` is a `block`, which cannot be `{flag}`: {why}"
        ))
    } else if spec.required == spec.optional {
        Some(format!(
            "the block `{name}` is either `required` (present once) or `optional` (at most \
             once): say which"
        ))
    } else {
        let inner = crate::inner_of(&field.ty, "Field");
        let of = |c| inner.and_then(|t| crate::inner_of(t, c)).is_some();
        if of("BTreeMap") {
            Some(format!(
                "`{name}` is a `block` of a `BTreeMap`: a block is one model (`Field<M>`) or a \
                 list of them (`Field<Vec<M>>`); for a map of objects, use `nested`"
            ))
        } else if of("Vec") && spec.required {
            Some(format!(
                "the blocks `{name}` (a `Vec`) are `optional`: any number of them, none \
                 included"
            ))
        } else {
            None
        }
    };
    match problem {
        Some(p) => Err(syn::Error::new_spanned(field, p)),
        None => Ok(()),
    }
}
