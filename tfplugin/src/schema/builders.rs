//! Building schemas: the [`Attribute`] constructors and flags resource code (and the
//! derive) use, and descriptions in plain text.
//!
//! Knows the schema data and types; must not know the wire, Terraform's rules checks, or
//! any provider's domain.

use super::{Attribute, AttributeKind, Nesting};
use crate::value::Type;

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
