//! The schema model of providers, resources and data sources: blocks, attributes (typed or
//! nested), nested blocks, and the cty type of the values they describe. Resource code
//! builds schemas with the builders here; the dispatch layer translates them to the wire.
//!
//! This module must not know protobuf or gRPC types and knows nothing of any provider's domain.
//! Descriptions are Markdown (the protocol sends them marked as such).

use std::collections::{BTreeMap, HashSet};

use crate::path::{AttributePath, PathStep};
use crate::value::{Type, Value};

/// The schema of a provider configuration, a resource or a data source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// The resource's state version; bump it when the stored state changes shape.
    pub version: i64,
    /// The top-level block: the attributes and nested blocks.
    pub block: Block,
}

impl Schema {
    /// A schema of version 0.
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }

    /// The same schema with another version.
    pub fn with_version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The object type of the values this schema describes.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    /// The attribute at `path`, walking attribute names through nested attributes and
    /// nested blocks (element key steps are skipped). `None` when the path names no
    /// attribute (for instance a nested block itself).
    pub fn attribute(&self, path: &AttributePath) -> Option<&Attribute> {
        let mut names = path.steps.iter().filter_map(|step| match step {
            PathStep::Attribute(name) => Some(name.as_str()),
            PathStep::ElementKeyString(_) | PathStep::ElementKeyInt(_) => None,
        });
        let mut scope = Scope::Block(&self.block);
        let mut name = names.next()?;
        loop {
            let next = names.next();
            let attribute = match scope {
                Scope::Block(block) => {
                    if let Some(a) = block.attributes.iter().find(|a| a.name == name) {
                        a
                    } else {
                        let nested = block.blocks.iter().find(|b| b.type_name == name)?;
                        scope = Scope::Block(&nested.block);
                        name = next?;
                        continue;
                    }
                }
                Scope::Attributes(attributes) => attributes.iter().find(|a| a.name == name)?,
            };
            let Some(next) = next else {
                return Some(attribute);
            };
            match &attribute.kind {
                AttributeKind::Nested { attributes, .. } => {
                    scope = Scope::Attributes(attributes);
                    name = next;
                }
                AttributeKind::Type(_) => return None,
            }
        }
    }

    /// Checks the rules Terraform enforces when it loads a schema: every attribute is
    /// exactly one of required, optional, computed or optional+computed; names are unique
    /// within their block and lower_snake_case; nested attributes are not empty; nested
    /// blocks' item limits make sense; a write-only attribute is not computed, not a set of
    /// nested attributes, and not inside a set (of nested attributes or blocks, at any
    /// depth); the version is not negative. The error lists every
    /// problem. The server checks every schema when it starts and answers the problems as
    /// errors to GetProviderSchema; a test of each schema finds them sooner.
    pub fn check(&self) -> Result<(), SchemaError> {
        let mut problems = Vec::new();
        check_block(&self.block, &AttributePath::root(), false, &mut problems);
        if self.version < 0 {
            problems.push(format!("the version is negative ({})", self.version));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SchemaError { problems })
        }
    }
}

/// What [`Schema::check`] found wrong: each problem in words, naming the attribute.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct SchemaError {
    /// One sentence fragment per problem, in the order of the schema.
    pub problems: Vec<String>,
}

impl SchemaError {
    /// Whether one of the problems mentions `text`.
    pub fn mentions(&self, text: &str) -> bool {
        self.problems.iter().any(|p| p.contains(text))
    }
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    Block(&'a Block),
    Attributes(&'a [Attribute]),
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// The attributes, in order.
    pub attributes: Vec<Attribute>,
    /// The nested block types, in order.
    pub blocks: Vec<NestedBlock>,
    /// Markdown.
    pub description: String,
    /// Terraform warns when a configuration uses it.
    pub deprecated: bool,
}

impl Block {
    /// A block of these attributes.
    pub fn new(attributes: Vec<Attribute>) -> Self {
        Block {
            attributes,
            ..Default::default()
        }
    }

    /// Sets the (Markdown) description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds a nested block.
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// The object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for b in &self.blocks {
            attributes.insert(b.type_name.clone(), b.value_type());
        }
        Type::Object(attributes)
    }

    /// The attribute of this block named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// True when an attribute anywhere in this block (in nested attributes and nested
    /// blocks too) is write-only.
    pub fn has_write_only(&self) -> bool {
        fn any(attributes: &[Attribute]) -> bool {
            attributes
                .iter()
                .any(|a| a.write_only || a.nested_attributes().is_some_and(any))
        }
        any(&self.attributes) || self.blocks.iter().any(|b| b.block.has_write_only())
    }

    /// `value` (an object of this block) with every write-only attribute null, at any
    /// depth: what Terraform must get back in every planned, new, read and imported state.
    /// What is unknown stays unknown (nothing inside it is known yet).
    pub fn null_write_only(&self, mut value: Value) -> Value {
        null_write_only_in(&self.attributes, &self.blocks, &mut value);
        value
    }

    /// Where `value` (an object of this block, e.g. a configuration) holds a write-only
    /// attribute that is not null (known or unknown), in schema order, with element keys:
    /// the values an older Terraform would store, to be refused at their paths. An unknown
    /// object or collection holding write-only attributes is not reported (nothing inside
    /// it is known); elements of sets are not looked into ([`Schema::check`] refuses
    /// write-only attributes there).
    pub fn write_only_values(&self, value: &Value) -> Vec<AttributePath> {
        let mut found = Vec::new();
        write_only_values_in(
            &self.attributes,
            &self.blocks,
            value,
            &AttributePath::root(),
            &mut found,
        );
        found
    }
}

fn null_write_only_in(attributes: &[Attribute], blocks: &[NestedBlock], value: &mut Value) {
    let map = match value {
        Value::Object(map) => map,
        Value::Dynamic(_, inner) => return null_write_only_in(attributes, blocks, inner),
        _ => return,
    };
    for a in attributes {
        let Some(v) = map.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *v = Value::Null;
        } else if let Some(nested) = a.nested_attributes() {
            for_each_object_mut(v, &mut |o| null_write_only_in(nested, &[], o));
        }
    }
    for b in blocks {
        if let Some(v) = map.get_mut(&b.type_name) {
            for_each_object_mut(v, &mut |o| {
                null_write_only_in(&b.block.attributes, &b.block.blocks, o)
            });
        }
    }
}

/// Calls `f` on the object `value` is, or on each object element of the list, set or map.
fn for_each_object_mut(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Object(_) => f(value),
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(f),
        Value::Map(items) => items.values_mut().for_each(f),
        Value::Dynamic(_, inner) => for_each_object_mut(inner, f),
        _ => {}
    }
}

fn write_only_values_in(
    attributes: &[Attribute],
    blocks: &[NestedBlock],
    value: &Value,
    path: &AttributePath,
    found: &mut Vec<AttributePath>,
) {
    let Value::Object(map) = value.peel() else {
        return;
    };
    for a in attributes {
        let Some(v) = map.get(&a.name) else {
            continue;
        };
        let p = path.clone().then_attr(&a.name);
        if a.write_only {
            if !v.is_null() {
                found.push(p);
            }
        } else if let Some(nested) = a.nested_attributes() {
            for_each_object(v, &p, &mut |o, op| {
                write_only_values_in(nested, &[], o, op, found)
            });
        }
    }
    for b in blocks {
        if let Some(v) = map.get(&b.type_name) {
            let p = path.clone().then_attr(&b.type_name);
            for_each_object(v, &p, &mut |o, op| {
                write_only_values_in(&b.block.attributes, &b.block.blocks, o, op, found)
            });
        }
    }
}

/// Calls `f` on the object `value` is, or on each object element of the list or map, with
/// its path (sets are skipped: their elements have no path of their own here).
fn for_each_object(value: &Value, path: &AttributePath, f: &mut dyn FnMut(&Value, &AttributePath)) {
    match value.peel() {
        o @ Value::Object(_) => f(o, path),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                f(
                    item,
                    &path.clone().index(i64::try_from(i).unwrap_or(i64::MAX)),
                );
            }
        }
        Value::Map(items) => {
            for (k, item) in items {
                f(item, &path.clone().key(k.clone()));
            }
        }
        _ => {}
    }
}

/// A nested block type (`name { ... }` in HCL).
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    /// The block's name, as written in HCL.
    pub type_name: String,
    /// What each block holds.
    pub block: Block,
    /// How the block repeats.
    pub nesting: BlockNesting,
    /// 0 = no minimum.
    pub min_items: i64,
    /// 0 = no maximum.
    pub max_items: i64,
}

impl NestedBlock {
    /// A nested block type without item limits.
    pub fn new(type_name: impl Into<String>, nesting: BlockNesting, block: Block) -> Self {
        NestedBlock {
            type_name: type_name.into(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Sets the item limits.
    pub fn items(mut self, min_items: i64, max_items: i64) -> Self {
        self.min_items = min_items;
        self.max_items = max_items;
        self
    }

    /// The type of this block's value in the enclosing object.
    pub fn value_type(&self) -> Type {
        let object = self.block.value_type();
        match self.nesting {
            BlockNesting::Single | BlockNesting::Group => object,
            BlockNesting::List => Type::list(object),
            BlockNesting::Set => Type::set(object),
            BlockNesting::Map => Type::map(object),
        }
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockNesting {
    /// At most one block; null when absent.
    Single,
    /// Any number of blocks, in order: a list of objects.
    List,
    /// Any number of blocks, in no order: a set of objects.
    Set,
    /// Blocks with one label each: a map of objects by label.
    Map,
    /// Like `Single`, but never null: an absent block reads as an object of nulls.
    Group,
}

/// One attribute of a block or of a nested attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The attribute's name (lower_snake_case).
    pub name: String,
    /// What the attribute holds.
    pub kind: AttributeKind,
    /// Markdown.
    pub description: String,
    /// The configuration must set it.
    pub required: bool,
    /// The configuration may set it.
    pub optional: bool,
    /// The provider sets it (with `optional`: when the configuration does not).
    pub computed: bool,
    /// Terraform hides it in plans and output.
    pub sensitive: bool,
    /// Terraform warns when a configuration uses it.
    pub deprecated: bool,
    /// Write-only (Terraform 1.11 and later): the value is in the configuration during
    /// validate, plan and apply, and null in every plan and state. Never computed, never
    /// inside a set. See [`Block::null_write_only`] and [`Block::write_only_values`].
    pub write_only: bool,
}

/// What an attribute holds: a value of a cty type, or nested attributes.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeKind {
    /// A value of this type.
    Type(Type),
    /// Objects of these attributes (`name = { ... }` in HCL).
    Nested {
        /// How the objects repeat.
        nesting: Nesting,
        /// The attributes of each object.
        attributes: Vec<Attribute>,
    },
}

/// How nested attributes repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects by key.
    Map,
}

impl Attribute {
    fn with_kind(name: impl Into<String>, kind: AttributeKind) -> Self {
        Attribute {
            name: name.into(),
            kind,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            write_only: false,
        }
    }

    /// A string attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Attribute::typed(name, Type::String)
    }

    /// A number attribute.
    pub fn number(name: impl Into<String>) -> Self {
        Attribute::typed(name, Type::Number)
    }

    /// A bool attribute.
    pub fn bool(name: impl Into<String>) -> Self {
        Attribute::typed(name, Type::Bool)
    }

    /// An attribute of any cty type.
    pub fn typed(name: impl Into<String>, ty: Type) -> Self {
        Attribute::with_kind(name, AttributeKind::Type(ty))
    }

    /// Nested attributes of any nesting.
    pub fn nested(name: impl Into<String>, nesting: Nesting, attributes: Vec<Attribute>) -> Self {
        Attribute::with_kind(
            name,
            AttributeKind::Nested {
                nesting,
                attributes,
            },
        )
    }

    /// One nested object (`name = { ... }`).
    pub fn nested_single(name: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Attribute::nested(name, Nesting::Single, attributes)
    }

    /// A list of nested objects.
    pub fn nested_list(name: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Attribute::nested(name, Nesting::List, attributes)
    }

    /// A set of nested objects.
    pub fn nested_set(name: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Attribute::nested(name, Nesting::Set, attributes)
    }

    /// A map of nested objects.
    pub fn nested_map(name: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Attribute::nested(name, Nesting::Map, attributes)
    }

    /// The configuration must set it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The configuration may set it.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The provider sets it (with `optional`: when the configuration does not).
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// Terraform hides it in plans and output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Terraform warns when a configuration uses it.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Write-only (Terraform 1.11 and later): the provider sees the configured value during
    /// validate, plan and apply, and Terraform keeps it out of plans and state. Required or
    /// optional, never computed, never inside a set.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Sets the (Markdown) description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The cty type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Type(t) => t.clone(),
            AttributeKind::Nested {
                nesting,
                attributes,
            } => {
                let object = Type::Object(
                    attributes
                        .iter()
                        .map(|a| (a.name.clone(), a.value_type()))
                        .collect(),
                );
                match nesting {
                    Nesting::Single => object,
                    Nesting::List => Type::list(object),
                    Nesting::Set => Type::set(object),
                    Nesting::Map => Type::map(object),
                }
            }
        }
    }

    /// The nested attributes, when this attribute has them.
    pub fn nested_attributes(&self) -> Option<&[Attribute]> {
        match &self.kind {
            AttributeKind::Nested { attributes, .. } => Some(attributes),
            AttributeKind::Type(_) => None,
        }
    }

    /// The description as plain text: Markdown links become their text, and backticks
    /// and emphasis markers are dropped.
    pub fn plain_description(&self) -> String {
        markdown_to_plain(&self.description)
    }
}

/// Strips the Markdown that descriptions use: `` `code` ``, `[text](url)`, `**bold**`,
/// `*em*`, `_em_` (underscores inside words, as in `cluster_id`, stay).
pub fn markdown_to_plain(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let mut out = String::with_capacity(markdown.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' | '*' => {}
            '_' => {
                let word_before = i > 0 && chars[i - 1].is_alphanumeric();
                let word_after = chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
                if word_before && word_after {
                    out.push('_');
                }
            }
            '[' => {
                // [text](url) -> text; anything else stays as written.
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i + 1);
                let link_end = close
                    .filter(|&j| chars.get(j + 1) == Some(&'('))
                    .and_then(|j| {
                        chars[j + 2..]
                            .iter()
                            .position(|&c| c == ')')
                            .map(|p| (j, p + j + 2))
                    });
                match link_end {
                    Some((text_end, end)) => {
                        out.push_str(&markdown_to_plain(
                            &chars[i + 1..text_end].iter().collect::<String>(),
                        ));
                        i = end;
                    }
                    None => out.push('['),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_name(
    name: &str,
    path: &AttributePath,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) {
    if !is_snake_case(name) {
        problems.push(format!("\"{path}\" is not a lower_snake_case name"));
    }
    if !seen.insert(name.to_string()) {
        problems.push(format!("\"{path}\" is declared more than once"));
    }
}

/// `in_set`: the block's objects are elements of a set (at any depth above).
fn check_block(block: &Block, path: &AttributePath, in_set: bool, problems: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for a in &block.attributes {
        let p = path.clone().then_attr(&a.name);
        check_attribute(a, &p, in_set, &mut seen, problems);
    }
    for b in &block.blocks {
        let p = path.clone().then_attr(&b.type_name);
        check_name(&b.type_name, &p, &mut seen, problems);
        if b.min_items < 0 || b.max_items < 0 || (b.max_items > 0 && b.min_items > b.max_items) {
            problems.push(format!(
                "block \"{p}\" has invalid item limits {}..{}",
                b.min_items, b.max_items
            ));
        }
        let in_set = in_set || b.nesting == BlockNesting::Set;
        check_block(&b.block, &p, in_set, problems);
    }
}

fn check_attribute(
    a: &Attribute,
    path: &AttributePath,
    in_set: bool,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) {
    check_name(&a.name, path, seen, problems);
    match (a.required, a.optional, a.computed) {
        (true, false, false) | (false, true, _) | (false, false, true) => {}
        (false, false, false) => problems.push(format!(
            "attribute \"{path}\" must be required, optional or computed"
        )),
        (true, _, _) => problems.push(format!(
            "attribute \"{path}\" is required and also optional or computed"
        )),
    }
    let set_nested = matches!(
        a.kind,
        AttributeKind::Nested {
            nesting: Nesting::Set,
            ..
        }
    );
    if a.write_only {
        if a.computed {
            problems.push(format!(
                "attribute \"{path}\" is write-only and computed: a write-only value comes from \
                 the configuration alone and is never in state; drop one of the two"
            ));
        }
        if in_set {
            problems.push(format!(
                "attribute \"{path}\" is write-only inside a set: Terraform tells set elements \
                 apart by their values, which a write-only value never has in state; use a list \
                 or a map, or move the attribute out of the set"
            ));
        } else if set_nested {
            problems.push(format!(
                "attribute \"{path}\" is a write-only set of nested attributes: Terraform tells \
                 set elements apart by their values; nest it as a list or a map instead"
            ));
        }
    }
    if let AttributeKind::Nested { attributes, .. } = &a.kind {
        if attributes.is_empty() {
            problems.push(format!("attribute \"{path}\" has no nested attributes"));
        }
        let mut nested_seen = HashSet::new();
        for n in attributes {
            check_attribute(
                n,
                &path.clone().then_attr(&n.name),
                in_set || set_nested,
                &mut nested_seen,
                problems,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                Attribute::nested_list("hsms", vec![Attribute::string("hsm_id").computed()])
                    .computed(),
                Attribute::nested_set("certs", vec![Attribute::string("pem").required()])
                    .optional(),
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
            .description(
                "The `secret_key`, see [the docs](https://example.com) and **bold** _em_.",
            );
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
}
