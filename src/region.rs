//! The AWS region name rule (`eu-west-1`, `us-gov-west-1`, `cn-north-1`, `eu-isoe-west-1`:
//! lower-case parts joined by `-`, the last a number) and the diagnostic for a name that
//! breaks it, shared by the provider block and the resources that name a region.

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Field;

/// Whether `s` has the shape of an AWS region name.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// The error for a name that is not a region, at `path`.
pub fn region_diagnostic(region: &str, path: AttributePath) -> Diagnostic {
    Diagnostic::error(
        "Invalid AWS region",
        format!(
            "{region:?} does not look like an AWS region. Use a region code such as \
             \"us-east-1\", \"us-gov-west-1\" or \"cn-north-1\"."
        ),
    )
    .at(path)
}

/// Checks a region attribute when it is known.
pub fn validate_region(region: &Field<String>, attribute: &str) -> Diagnostics {
    match region.known() {
        Some(r) if !is_region(r) => region_diagnostic(r, AttributePath::attr(attribute)).into(),
        _ => Diagnostics::new(),
    }
}

/// The error on `attribute` when a copy's destination region is its source's (both known).
pub fn must_differ(
    source: &Field<String>,
    destination: &Field<String>,
    attribute: &str,
) -> Diagnostics {
    match (source.known(), destination.known()) {
        (Some(from), Some(to)) if from == to => Diagnostic::error(
            "A copy must go to another region",
            format!(
                "The backup is in {from} already: set {attribute} to the region to recover in."
            ),
        )
        .at(AttributePath::attr(attribute))
        .into(),
        _ => Diagnostics::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_of_every_partition() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "eu-isoe-west-1",
            "us-isob-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["useast1", "Frankfurt", "eu-west", "eu-west-1a", "EU-WEST-1"] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
