//! The input rules the AWS JSON 1.1 API and the control API share: the shape of a cluster
//! id and of an HSM type, the HSM types on offer, and the cluster states there are.
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

/// HSM types the service offers today.
pub(crate) const KNOWN_HSM_TYPES: [&str; 2] = ["hsm1.medium", "hsm2m.medium"];

/// `cluster-[2-7a-zA-Z]{11,16}`.
pub(crate) fn is_cluster_id(id: &str) -> bool {
    id.strip_prefix("cluster-").is_some_and(|s| {
        (11..=16).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b))
    })
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
    fn cluster_id_pattern() {
        assert!(is_cluster_id("cluster-abcdefghijk"));
        assert!(is_cluster_id("cluster-ABCDEF234567abcd"));
        assert!(!is_cluster_id("cluster-abc"));
        assert!(!is_cluster_id("cluster-abcdefghij1"));
        assert!(!is_cluster_id("hsm-abcdefghijk"));
    }
}
