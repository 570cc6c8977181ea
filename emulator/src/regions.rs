//! Region names: the partition a region belongs to, and the shape the CloudHSM API
//! documents for a region name.
//!
//! Plain functions on strings: it knows no request, cluster or backup.

/// The partition a region belongs to, by the region's name: `cn-*` is `aws-cn`, `us-gov-*`
/// `aws-us-gov`, `us-iso-*` `aws-iso`, `us-isob-*` `aws-iso-b`, `eu-isoe-*` `aws-iso-e`,
/// `us-isof-*` `aws-iso-f`, `eusc-*` `aws-eusc`; any other name (or none) `aws`.
pub(crate) fn partition_of_region(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// The pattern the API documents for a region name (`DestinationRegion`).
pub(crate) const REGION_PATTERN: &str =
    r"[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\d";

/// `[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\d`, matched whole.
pub(crate) fn is_region_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.len() < 2 || !bytes[..2].iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    let rest = &name[2..];
    let rest = rest.strip_prefix("-gov").unwrap_or(rest);
    let Some(mut rest) = rest.strip_prefix('-') else {
        return false;
    };
    let mut directions = 0;
    while let Some(after) = ["east", "west", "north", "south", "central"]
        .iter()
        .find_map(|d| rest.strip_prefix(d))
    {
        rest = after;
        directions += 1;
    }
    if !(1..=2).contains(&directions) {
        return false;
    }
    rest.strip_prefix('-')
        .is_some_and(|d| d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_follow_the_documented_pattern() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "cn-north-1",
            "ca-central-1",
            "ap-northeast-3",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "us-east-12",
            "US-east-1",
            "eu-isoe-west-1",
            "us-east-1a",
            "u-east-1",
            "us-eastwestnorth-1",
            "Frankfurt",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn partitions_follow_the_region_prefix() {
        assert_eq!(partition_of_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_of_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of_region("eu-west-1"), "aws");
    }
}
