//! The provider block's `default_tags` and `ignore_tags` as a resource with `tags` uses
//! them, the way the AWS provider does: the defaults go under the resource's own tags,
//! `tags_all` is the merge, and the ignored keys are neither read nor changed.
//!
//! Plain maps; knows neither Terraform values nor AWS calls.

use std::collections::BTreeMap;

use crate::cloudhsm::IgnoredTags;

type Tags = BTreeMap<String, String>;

/// The provider's tag rules.
#[derive(Clone, Debug, PartialEq)]
pub struct TagPolicy {
    /// `default_tags.tags`; `None` while not known (a plan whose provider block takes them
    /// from a resource not made yet).
    pub defaults: Option<Tags>,
    pub ignored: IgnoredTags,
    /// Whether every ignored key is known (`ignore_tags` may come from a resource not made
    /// yet, too): until then no plan can say which keys a read will hide.
    pub ignored_known: bool,
}

impl Default for TagPolicy {
    fn default() -> Self {
        TagPolicy {
            defaults: Some(Tags::new()),
            ignored: IgnoredTags::default(),
            ignored_known: true,
        }
    }
}

/// What a read shows of a resource's live tags.
#[derive(Clone, Debug, PartialEq)]
pub struct SeenTags {
    /// The resource's `tags`: what it names itself, and what nobody named (drift).
    pub tags: Tags,
    /// `tags_all`: every tag but the ignored.
    pub all: Tags,
}

impl TagPolicy {
    /// The tags a resource naming `own` is made with: the defaults, under its own.
    pub fn sent(&self, own: &Tags) -> Tags {
        let mut all = self.defaults.clone().unwrap_or_default();
        all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// `tags_all` as planned for a resource naming `own`: [`TagPolicy::sent`] without the
    /// ignored keys (a read never shows them); `None` while the defaults or the ignored keys
    /// are not known.
    pub fn planned_all(&self, own: &Tags) -> Option<Tags> {
        if self.defaults.is_none() || !self.ignored_known {
            return None;
        }
        Some(self.ignored.visible(&self.sent(own)))
    }

    /// The resource's tags and `tags_all` as `live` shows them, for a resource naming
    /// `own`. A default tag with its default value is in `tags` only when the resource
    /// names it too; an ignored key is in `tags` as the resource names it (it is never
    /// read), and in `tags_all` never.
    pub fn seen(&self, live: &Tags, own: &Tags) -> SeenTags {
        let all = self.ignored.visible(live);
        let defaults = self.defaults.clone().unwrap_or_default();
        let mut tags: Tags = all
            .iter()
            .filter(|(k, v)| own.contains_key(*k) || defaults.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tags.extend(
            own.iter()
                .filter(|(k, _)| self.ignored.ignores(k))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        SeenTags { tags, all }
    }
}

/// Whether `c` is in CloudHSM's documented tag pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]`: a
/// letter, a separator (a space of any width, not a tab or a newline), a number, or one of
/// `_.:/=+-@`. By general category, as a regular expression reads `\p{..}`: a combining mark
/// (the vowel sign of `हि`, U+093F) is no letter although `char::is_alphabetic` says it is.
fn is_tag_char(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as Category};
    matches!(
        get_general_category(c),
        Category::UppercaseLetter
            | Category::LowercaseLetter
            | Category::TitlecaseLetter
            | Category::ModifierLetter
            | Category::OtherLetter
            | Category::SpaceSeparator
            | Category::LineSeparator
            | Category::ParagraphSeparator
            | Category::DecimalNumber
            | Category::LetterNumber
            | Category::OtherNumber
    ) || "_.:/=+-@".contains(c)
}

/// The most tags a CloudHSM cluster or backup holds.
pub const MAX_TAGS: usize = 50;

/// What is wrong with `tags` by CloudHSM's rules for a tag (a key of 1 to 128 and a value of
/// at most 256 letters, numbers, spaces and `_.:/=+-@`; no key of AWS's own `aws:` prefix),
/// each in words that say what to write instead; empty when nothing is.
pub fn tag_problems(tags: &Tags) -> Vec<String> {
    let text = |t: &str| t.chars().all(is_tag_char);
    let mut problems = Vec::new();
    for (key, value) in tags {
        let length = key.chars().count();
        if length == 0 || length > 128 {
            problems.push(format!(
                "The tag key {key:?} has {length} characters; CloudHSM takes keys of 1 to 128."
            ));
        } else if key.to_ascii_lowercase().starts_with("aws:") {
            problems.push(format!(
                "The tag key {key:?} starts with `aws:`, which AWS keeps for its own tags; \
                 choose another key."
            ));
        } else if !text(key) {
            problems.push(format!(
                "The tag key {key:?} holds a character CloudHSM refuses: use letters, \
                 numbers, spaces and `_.:/=+-@` only."
            ));
        }
        if value.chars().count() > 256 {
            problems.push(format!(
                "The value of tag {key:?} has {} characters; CloudHSM takes at most 256.",
                value.chars().count()
            ));
        } else if !text(value) {
            problems.push(format!(
                "The value of tag {key:?} holds a character CloudHSM refuses: use letters, \
                 numbers, spaces and `_.:/=+-@` only."
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn policy() -> TagPolicy {
        TagPolicy {
            defaults: Some(tags(&[("Team", "pki"), ("Env", "prod")])),
            ignored: IgnoredTags {
                keys: Default::default(),
                key_prefixes: ["ops:".to_string()].into(),
            },
            ignored_known: true,
        }
    }

    #[test]
    fn tags_that_cloudhsm_refuses_are_named() {
        assert!(tag_problems(&tags(&[("Team: Data/Ops @ é", "1+1=2_x-y.")])).is_empty());
        assert!(
            tag_problems(&tags(&[("Team", "")])).is_empty(),
            "an empty value is one"
        );
        for (key, value, said) in [
            ("", "v", "1 to 128"),
            ("AWS:owner", "v", "aws:"),
            ("semi;colon", "v", "a character"),
            ("k", "tab\there", "The value of tag"),
        ] {
            let problems = tag_problems(&tags(&[(key, value)]));
            assert!(
                problems.len() == 1 && problems[0].contains(said),
                "{key:?} = {value:?}: {problems:?}"
            );
        }
        let long = "x".repeat(129);
        assert!(tag_problems(&tags(&[(long.as_str(), "v")]))[0].contains("129"));
    }

    #[test]
    fn a_tag_character_is_what_the_documented_pattern_matches() {
        // The pattern as CloudHSM's API reference writes it, read by a regular expression
        // engine: every code point, so that no category is left out or let in.
        let pattern = regex::Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]$").expect("pattern");
        let mut differ = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if is_tag_char(c) != pattern.is_match(c.encode_utf8(&mut [0; 4])) {
                differ.push(format!("U+{:04X}", c as u32));
            }
        }
        assert!(
            differ.is_empty(),
            "{} differ: {:?}",
            differ.len(),
            &differ[..differ.len().min(20)]
        );
        for (text, taken) in [
            ("名前 Ωmega ǅ", true),
            ("no\u{a0}break\u{3000}wide", true),
            ("٣ Ⅻ ½", true),
            ("हिन्दी", false), // a vowel sign and a virama are marks, not letters
            ("Ⓐ", false),     // a symbol, although char::is_alphabetic says yes
            ("line\nbreak", false),
        ] {
            assert_eq!(
                tag_problems(&tags(&[("k", text)])).is_empty(),
                taken,
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_resources_own_tags_win_over_the_defaults() {
        let own = tags(&[("Env", "dr"), ("Name", "copy")]);
        assert_eq!(
            policy().sent(&own),
            tags(&[("Team", "pki"), ("Env", "dr"), ("Name", "copy")])
        );
        assert_eq!(policy().planned_all(&own), Some(policy().sent(&own)));
    }

    #[test]
    fn tags_all_is_unknown_while_the_defaults_are_and_never_holds_an_ignored_key() {
        let unknown = TagPolicy {
            defaults: None,
            ..policy()
        };
        assert_eq!(unknown.planned_all(&tags(&[("Name", "copy")])), None);
        let unknown = TagPolicy {
            ignored_known: false,
            ..policy()
        };
        assert_eq!(
            unknown.planned_all(&tags(&[("Name", "copy")])),
            None,
            "a key the read may hide"
        );
        let own = tags(&[("ops:owner", "me"), ("Name", "copy")]);
        assert_eq!(
            policy().sent(&own).get("ops:owner").map(String::as_str),
            Some("me"),
            "made with it"
        );
        assert_eq!(
            policy().planned_all(&own),
            Some(tags(&[("Team", "pki"), ("Env", "prod"), ("Name", "copy")]))
        );
    }

    #[test]
    fn a_read_keeps_defaults_out_of_tags_unless_named_and_shows_drift() {
        let own = tags(&[("Name", "copy"), ("Env", "prod"), ("ops:owner", "me")]);
        let live = tags(&[
            ("Team", "pki"),
            ("Env", "prod"),
            ("Name", "copy"),
            ("ops:owner", "someone else"),
            ("ops:oncall", "x"),
            ("Added", "outside"),
        ]);
        let seen = policy().seen(&live, &own);
        assert_eq!(
            seen.tags,
            tags(&[
                ("Env", "prod"),
                ("Name", "copy"),
                ("ops:owner", "me"),
                ("Added", "outside")
            ]),
            "Team is a default with its value; Env is named; ops:owner is as named, unread"
        );
        assert_eq!(
            seen.all,
            tags(&[
                ("Team", "pki"),
                ("Env", "prod"),
                ("Name", "copy"),
                ("Added", "outside")
            ])
        );
        // A default changed outside is drift: in tags, so that the plan sets it back.
        let drifted = tags(&[("Team", "other"), ("Env", "prod")]);
        assert_eq!(
            policy().seen(&drifted, &Tags::new()).tags,
            tags(&[("Team", "other")])
        );
    }
}
