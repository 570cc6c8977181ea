//! [`Field`]: an attribute's value as resource code sees it (null, unknown or known).
//!
//! Knows nothing else; the mapping of `Field<T>` to Terraform values is in `tf_type`.

/// An attribute's value as resource code sees it: null, not known yet, or known.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// The attribute is null (not set).
    #[default]
    Null,
    /// The attribute's value is not known yet (it depends on something not yet applied).
    Unknown,
    /// The attribute's known value.
    Known(T),
}

impl<T> Field<T> {
    /// The known value.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(t) => Some(t),
            _ => None,
        }
    }

    /// The known value, or `T`'s default when null or unknown (at apply, where the plan
    /// made every configured value known, for the values a resource reads).
    pub fn value_or_default(&self) -> T
    where
        T: Clone + Default,
    {
        self.known().cloned().unwrap_or_default()
    }

    /// True for [`Field::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    /// True for [`Field::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// True for [`Field::Known`].
    pub fn is_known(&self) -> bool {
        matches!(self, Field::Known(_))
    }

    /// A field of references.
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(t),
        }
    }

    /// Applies `f` to a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(t) => Field::Known(f(t)),
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Field::Null, Field::Known)
    }
}
