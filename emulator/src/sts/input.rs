//! Reading and checking the fields of an STS form as STS does: the value of a field, role
//! ARNs taken apart, and the rules the assume-role actions share (role ARN, session name,
//! duration, session policies), each broken rule collected into one `ValidationError`
//! ("N validation errors detected: …") in STS's words.
//!
//! Fields in, values and errors out: it knows no action's answer, and nothing of HTTP.

use crate::error::StsError;

/// A form body: its `key=value` pairs, decoded, in order.
pub(super) type Form = Vec<(String, String)>;

pub(super) const DEFAULT_DURATION_SECS: u64 = 3600;
const MIN_DURATION_SECS: i64 = 900;
const MAX_DURATION_SECS: i64 = 43_200;
/// At most this many `PolicyArns.member.N.arn`.
const MAX_POLICY_ARNS: usize = 10;

/// The last value of `name` in the form (as the service reads repeated fields).
pub(super) fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A role ARN taken apart: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RoleArn<'a> {
    pub arn: &'a str,
    pub partition: &'a str,
    pub account: &'a str,
    pub name: &'a str,
}

/// `[\w+=,.@-]`: a character of a role or session name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

pub(super) fn parse_role_arn(arn: &str) -> Option<RoleArn<'_>> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let ok = partition_ok
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=64).contains(&name.len())
        && path_and_name.chars().all(|c| c == '/' || is_name_char(c));
    ok.then_some(RoleArn {
        arn,
        partition,
        account,
        name,
    })
}

/// Collects AWS-style validation errors ("Value 'x' at 'member' failed to satisfy
/// constraint: …") and renders them as one `ValidationError`.
#[derive(Default)]
pub(super) struct Violations(Vec<String>);

impl Violations {
    /// A broken rule of `member`, whose value (`None` = absent) is shown.
    pub(super) fn add(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A broken rule of `member` whose value is a secret (a token): not shown.
    pub(super) fn add_hidden(&mut self, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    pub(super) fn into_result(self) -> Result<(), StsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(StsError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(StsError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// The constraints `value` breaks of a length in `min..=max` (characters).
fn length_constraints(value: &str, min: usize, max: usize) -> Vec<String> {
    let len = value.chars().count();
    let mut broken = Vec::new();
    if len < min {
        broken.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if len > max {
        broken.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    broken
}

pub(super) fn check_length(v: &mut Violations, value: &str, member: &str, min: usize, max: usize) {
    for constraint in length_constraints(value, min, max) {
        v.add(Some(value), member, &constraint);
    }
}

/// [`check_length`] for a secret: the value is not shown.
pub(super) fn check_length_hidden(
    v: &mut Violations,
    value: &str,
    member: &str,
    min: usize,
    max: usize,
) {
    for constraint in length_constraints(value, min, max) {
        v.add_hidden(member, &constraint);
    }
}

/// `RoleArn`: required, 20 to 2048 characters, a role ARN. The ARN taken apart when it
/// is one.
pub(super) fn role_arn<'a>(
    v: &mut Violations,
    form: &'a [(String, String)],
) -> Option<RoleArn<'a>> {
    let Some(arn) = form_value(form, "RoleArn") else {
        v.add(None, "roleArn", "Member must not be null");
        return None;
    };
    check_length(v, arn, "roleArn", 20, 2048);
    let parsed = parse_role_arn(arn);
    if parsed.is_none() {
        v.add(
            Some(arn),
            "roleArn",
            "Member must be a role ARN: arn:aws:iam::<12-digit account>:role/<name>",
        );
    }
    parsed
}

/// `RoleSessionName`: required, 2 to 64 characters of `[\w+=,.@-]`.
pub(super) fn session_name<'a>(
    v: &mut Violations,
    form: &'a [(String, String)],
) -> Option<&'a str> {
    let Some(name) = form_value(form, "RoleSessionName") else {
        v.add(None, "roleSessionName", "Member must not be null");
        return None;
    };
    check_name(v, name, "roleSessionName");
    Some(name)
}

/// `SourceIdentity`: optional, shaped like a session name.
pub(super) fn source_identity(v: &mut Violations, form: &[(String, String)]) {
    if let Some(id) = form_value(form, "SourceIdentity") {
        check_name(v, id, "sourceIdentity");
    }
}

/// STS's rule for session names and source identities: 2 to 64 characters of `[\w+=,.@-]`.
fn check_name(v: &mut Violations, value: &str, member: &str) {
    check_length(v, value, member, 2, 64);
    if !value.chars().all(is_name_char) {
        v.add(
            Some(value),
            member,
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        );
    }
}

/// `ExternalId`: optional, 2 to 1224 characters of `[\w+=,.@:\/-]`.
pub(super) fn external_id(v: &mut Violations, form: &[(String, String)]) {
    if let Some(id) = form_value(form, "ExternalId") {
        check_length(v, id, "externalId", 2, 1224);
        if !id.chars().all(|c| is_name_char(c) || c == ':' || c == '/') {
            v.add(
                Some(id),
                "externalId",
                r"Member must satisfy regular expression pattern: [\w+=,.@:\/-]*",
            );
        }
    }
}

/// `DurationSeconds`: optional, 900 to 43200; the default one hour.
pub(super) fn duration_secs(v: &mut Violations, form: &[(String, String)]) -> u64 {
    let Some(text) = form_value(form, "DurationSeconds") else {
        return DEFAULT_DURATION_SECS;
    };
    match text.parse::<i64>() {
        Ok(n) if n < MIN_DURATION_SECS => v.add(
            Some(text),
            "durationSeconds",
            &format!("Member must have value greater than or equal to {MIN_DURATION_SECS}"),
        ),
        Ok(n) if n > MAX_DURATION_SECS => v.add(
            Some(text),
            "durationSeconds",
            &format!("Member must have value less than or equal to {MAX_DURATION_SECS}"),
        ),
        Ok(n) => return n.unsigned_abs(),
        Err(_) => v.add(Some(text), "durationSeconds", "Member must be an integer"),
    }
    DEFAULT_DURATION_SECS
}

/// The session policies: `Policy` (1 to 2048 characters of tab, line feed, carriage return
/// and U+0020 to U+00FF) and at most ten `PolicyArns.member.N.arn` of 20 to 2048
/// characters.
pub(super) fn session_policies(v: &mut Violations, form: &[(String, String)]) {
    if let Some(policy) = form_value(form, "Policy") {
        check_length(v, policy, "policy", 1, 2048);
        let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}');
        if !policy.chars().all(allowed) {
            v.add(
                Some(policy),
                "policy",
                r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+",
            );
        }
    }
    let arns: Vec<(&str, &str)> = form
        .iter()
        .filter_map(|(k, value)| {
            let n = k.strip_prefix("PolicyArns.member.")?.strip_suffix(".arn")?;
            Some((n, value.as_str()))
        })
        .collect();
    if arns.len() > MAX_POLICY_ARNS {
        v.add_hidden(
            "policyArns",
            &format!("Member must have length less than or equal to {MAX_POLICY_ARNS}"),
        );
    }
    for (n, arn) in arns {
        check_length(v, arn, &format!("policyArns.{n}.member.arn"), 20, 2048);
    }
}

/// A `Policy` that passed [`session_policies`] must be a JSON policy document:
/// `MalformedPolicyDocument` otherwise.
pub(super) fn policy_document(form: &[(String, String)]) -> Result<(), StsError> {
    match form_value(form, "Policy") {
        Some(policy)
            if !serde_json::from_str::<serde_json::Value>(policy).is_ok_and(|p| p.is_object()) =>
        {
            Err(StsError::malformed_policy(
                "The policy is not in the valid JSON format.",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn role_arns_are_taken_apart() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/path/to/Deployer"),
            Some(RoleArn {
                arn: "arn:aws:iam::123456789012:role/path/to/Deployer",
                partition: "aws",
                account: "123456789012",
                name: "Deployer"
            })
        );
        assert!(parse_role_arn("arn:aws-cn:iam::123456789012:role/x").is_some());
        assert!(parse_role_arn("arn:aws-us-gov:iam::123456789012:role/x").is_some());
        for bad in [
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "role/x",
        ] {
            assert!(parse_role_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn violations_read_like_aws_validation_errors() {
        let mut v = Violations::default();
        v.add(None, "roleSessionName", "Member must not be null");
        let err = v.into_result().expect_err("one violation");
        assert_eq!(
            err.message,
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(err.code, "ValidationError");

        let mut v = Violations::default();
        check_length_hidden(&mut v, "abc", "webIdentityToken", 4, 20_000);
        check_length(&mut v, "x", "roleSessionName", 2, 64);
        let err = v.into_result().expect_err("two violations");
        assert_eq!(
            err.message,
            "2 validation errors detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4; Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        );
    }

    #[test]
    fn session_policies_are_checked_like_sts() {
        let mut v = Violations::default();
        let arns: Vec<(String, String)> = (1..=11)
            .map(|n| {
                (
                    format!("PolicyArns.member.{n}.arn"),
                    "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string(),
                )
            })
            .collect();
        session_policies(&mut v, &arns);
        let message = v.into_result().expect_err("too many").message;
        assert!(message.contains("'policyArns'"), "{message}");

        let mut v = Violations::default();
        session_policies(
            &mut v,
            &form(&[("Policy", ""), ("PolicyArns.member.1.arn", "short")]),
        );
        let message = v.into_result().expect_err("two").message;
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(message.contains("'policyArns.1.member.arn'"), "{message}");

        assert!(policy_document(&form(&[("Policy", "{\"Version\":\"2012-10-17\"}")])).is_ok());
        assert!(policy_document(&form(&[])).is_ok());
        let err = policy_document(&form(&[("Policy", "not json")])).expect_err("malformed");
        assert_eq!(err.code, "MalformedPolicyDocument");
    }

    #[test]
    fn durations_default_to_an_hour_and_stay_in_bounds() {
        let mut v = Violations::default();
        assert_eq!(duration_secs(&mut v, &form(&[])), 3600);
        assert_eq!(
            duration_secs(&mut v, &form(&[("DurationSeconds", "900")])),
            900
        );
        assert!(v.into_result().is_ok());
        let mut v = Violations::default();
        duration_secs(&mut v, &form(&[("DurationSeconds", "soon")]));
        assert!(v.into_result().is_err());
    }
}
