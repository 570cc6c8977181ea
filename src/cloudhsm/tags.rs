//! The tag keys the provider leaves alone (the provider block's `ignore_tags`, as in the
//! AWS provider): others put them on a backup or a cluster, and the provider neither reads
//! them into a state nor changes or removes them.
//!
//! Plain data; nothing here knows Terraform.

use std::collections::{BTreeMap, BTreeSet};

/// Tag keys ignored by name or by prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoredTags {
    pub keys: BTreeSet<String>,
    pub key_prefixes: BTreeSet<String>,
}

impl IgnoredTags {
    /// Whether `key` is left alone.
    pub fn ignores(&self, key: &str) -> bool {
        self.keys.contains(key)
            || self
                .key_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }

    /// `tags` without the keys left alone.
    pub fn visible(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        tags.iter()
            .filter(|(k, _)| !self.ignores(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The tags a change asks for, and the keys it must leave as they are.
#[derive(Clone, Copy, Debug)]
pub struct WantedTags<'a> {
    pub tags: &'a BTreeMap<String, String>,
    pub ignored: &'a IgnoredTags,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ignored_by_name_or_prefix() {
        let ignored = IgnoredTags {
            keys: ["Owner".to_string()].into(),
            key_prefixes: ["ops:".to_string()].into(),
        };
        assert!(ignored.ignores("Owner"));
        assert!(ignored.ignores("ops:oncall"));
        assert!(
            !ignored.ignores("owner"),
            "keys are case-sensitive, as AWS's are"
        );
        assert!(!ignored.ignores("Team"));
        let tags: BTreeMap<String, String> = [("Owner", "a"), ("ops:x", "b"), ("Team", "c")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            ignored.visible(&tags).keys().collect::<Vec<_>>(),
            vec!["Team"]
        );
        assert!(!IgnoredTags::default().ignores("anything"));
    }
}
