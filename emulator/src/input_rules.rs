//! The input rules the AWS JSON 1.1 API and the control API share: the shape of a cluster,
//! backup or resource id and of an HSM type, the HSM types on offer, the cluster and backup
//! states there are, and what a tag may hold.
//!
//! Plain checks on strings: it knows no request, error shape or emulated cluster.

/// The pattern every cluster id matches, as the API documents it.
pub(crate) const CLUSTER_ID_PATTERN: &str = "cluster-[2-7a-zA-Z]{11,16}";

/// The pattern every HSM type matches, as the API documents it (at most 32 characters).
pub(crate) const HSM_TYPE_PATTERN: &str = r"((p|)hsm[0-9][a-z.]*\.[a-zA-Z]+)";

/// Every cluster state the API knows.
pub(crate) const CLUSTER_STATES: [&str; 11] = [
    "CREATE_IN_PROGRESS",
    "UNINITIALIZED",
    "INITIALIZE_IN_PROGRESS",
    "INITIALIZED",
    "ACTIVE",
    "UPDATE_IN_PROGRESS",
    "MODIFY_IN_PROGRESS",
    "ROLLBACK_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
    "DELETED",
    "DEGRADED",
];

/// Every backup state the API knows.
pub(crate) const BACKUP_STATES: [&str; 4] =
    ["CREATE_IN_PROGRESS", "READY", "DELETED", "PENDING_DELETION"];

/// The pattern every backup id matches, as the API documents it.
pub(crate) const BACKUP_ID_PATTERN: &str = "backup-[2-7a-zA-Z]{11,16}";

/// The pattern of the `ResourceId` of the tagging operations, as the API documents it.
pub(crate) const RESOURCE_ID_PATTERN: &str = "(?:cluster|backup)-[2-7a-zA-Z]{11,16}";

/// The pattern tag keys and values match, as the API documents it.
pub(crate) const TAG_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

/// The longest tag key.
pub(crate) const MAX_TAG_KEY: usize = 128;

/// The longest tag value.
pub(crate) const MAX_TAG_VALUE: usize = 256;

/// The most tags a list holds, and a resource.
pub(crate) const MAX_TAGS: usize = 50;

/// HSM types the service offers today.
pub(crate) const KNOWN_HSM_TYPES: [&str; 2] = ["hsm1.medium", "hsm2m.medium"];

/// `cluster-[2-7a-zA-Z]{11,16}`.
pub(crate) fn is_cluster_id(id: &str) -> bool {
    has_id_shape(id, "cluster-")
}

/// `backup-[2-7a-zA-Z]{11,16}`.
pub(crate) fn is_backup_id(id: &str) -> bool {
    has_id_shape(id, "backup-")
}

/// `(?:cluster|backup)-[2-7a-zA-Z]{11,16}`.
pub(crate) fn is_resource_id(id: &str) -> bool {
    is_cluster_id(id) || is_backup_id(id)
}

/// `prefix` then 11 to 16 characters of `[2-7a-zA-Z]`.
fn has_id_shape(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|s| {
        (11..=16).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b))
    })
}

/// Whether a tag key or value matches [`TAG_PATTERN`], read by a regular expression engine as
/// the service reads it: letters, separators (spaces, not tabs or newlines), numbers, and
/// `_.:/=+-@`, by Unicode general category (a combining mark is no letter).
pub(crate) fn is_tag_text(text: &str) -> bool {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    PATTERN
        .get_or_init(|| regex::Regex::new(TAG_PATTERN).ok())
        .as_ref()
        .is_some_and(|pattern| pattern.is_match(text))
}

/// `((p|)hsm[0-9][a-z.]*\.[a-zA-Z]+)`, at most 32 characters.
pub(crate) fn is_hsm_type_shaped(t: &str) -> bool {
    if t.len() > 32 {
        return false;
    }
    let rest = t.strip_prefix('p').unwrap_or(t);
    let Some(rest) = rest.strip_prefix("hsm") else {
        return false;
    };
    let mut chars = rest.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    let rest = chars.as_str();
    // `[a-z.]*` then `\.` then `[a-zA-Z]+`: the last '.' splits the two.
    let Some((middle, last)) = rest.rsplit_once('.') else {
        return false;
    };
    middle.chars().all(|c| c.is_ascii_lowercase() || c == '.')
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsm_type_pattern() {
        for ok in ["hsm1.medium", "hsm2m.medium", "phsm1.large", "hsm9.x"] {
            assert!(is_hsm_type_shaped(ok), "{ok}");
        }
        for bad in [
            "hsm.medium",
            "hsm1medium",
            "hsm1.",
            "HSM1.medium",
            "xhsm1.medium",
            "",
        ] {
            assert!(!is_hsm_type_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn backup_and_resource_ids_and_tag_text() {
        assert!(is_backup_id("backup-abcdefghijk"));
        assert!(!is_backup_id("backup-abcdefghij"));
        assert!(!is_backup_id("cluster-abcdefghijk"));
        assert!(is_resource_id("cluster-abcdefghijk"));
        assert!(is_resource_id("backup-ABCDEFGHIJ23456"));
        assert!(!is_resource_id("hsm-abcdefghijk"));
        assert!(is_tag_text("Team: Data/Ops @ é 1+1=2_x-y."));
        assert!(is_tag_text(""));
        assert!(!is_tag_text("tab\there"));
        assert!(!is_tag_text("semi;colon"));
        assert!(!is_tag_text("star*"));
        assert!(is_tag_text("名前\u{a0}Ⅻ"));
        assert!(
            !is_tag_text("हिन्दी"),
            "a vowel sign is a mark, not a letter"
        );
    }

    #[test]
    fn cluster_id_pattern() {
        assert!(is_cluster_id("cluster-abcdefghijk"));
        assert!(is_cluster_id("cluster-ABCDEF234567abcd"));
        assert!(!is_cluster_id("cluster-abc"));
        assert!(!is_cluster_id("cluster-abcdefghij1"));
        assert!(!is_cluster_id("hsm-abcdefghijk"));
    }
}
