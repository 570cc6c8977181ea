//! The schema data: [`Schema`], [`Block`], [`NestedBlock`], [`Attribute`] and how they
//! nest, the cty type of the values they describe, and finding an attribute by path.
//!
//! Plain data: must not know the wire (protobuf, gRPC), Terraform's rules checks
//! ([`super::check`]), values beyond their types, or any provider's domain.

use std::collections::BTreeMap;

use crate::path::{AttributePath, PathStep};
use crate::value::Type;

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

    /// Marked deprecated (as a nested block): in the schema Terraform gets and in the docs.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
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
