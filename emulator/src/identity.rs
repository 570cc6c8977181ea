//! Who signed what: the temporary credentials the STS emulation issued (and the role each
//! stands for), the identity behind any access key, and the shapes of AWS identifiers and
//! timestamps that STS answers with.
//!
//! Bookkeeping and shapes only: it knows nothing of HTTP or of the STS protocol that
//! answers with them.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The account of callers whose access key the STS emulation did not issue.
pub(crate) const DEFAULT_ACCOUNT: &str = "123456789012";

/// The unique id of that IAM user.
const DEFAULT_USER_ID: &str = "AIDAEMULATORUSER23456";

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Credentials issued by `AssumeRole`.
#[derive(Clone, Debug)]
pub(crate) struct Issued {
    /// The role assumed (`arn:aws:iam::ACCOUNT:role/NAME`).
    pub role_arn: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`.
    pub assumed_role_arn: String,
    /// `AROA…:SESSION`.
    pub assumed_role_id: String,
    /// The role's account.
    pub account: String,
}

/// The identity `GetCallerIdentity` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    pub arn: String,
    pub user_id: String,
    pub account: String,
}

/// Every credential the STS emulation issued, by access key id, and the unique id of each
/// role assumed.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    issued: HashMap<String, Issued>,
    role_ids: HashMap<String, String>,
}

impl Identities {
    /// The unique id (`AROA…`) of the role `role_arn`, the same every time.
    pub(crate) fn role_id(&mut self, role_arn: &str) -> String {
        self.role_ids
            .entry(role_arn.to_string())
            .or_insert_with(new_role_id)
            .clone()
    }

    /// Records credentials issued under `access_key_id`.
    pub(crate) fn insert(&mut self, access_key_id: String, issued: Issued) {
        self.issued.insert(access_key_id, issued);
    }

    /// What `access_key_id` was issued for, if the STS emulation issued it.
    pub(crate) fn get(&self, access_key_id: &str) -> Option<&Issued> {
        self.issued.get(access_key_id)
    }

    /// The caller behind `access_key_id`: the assumed role for keys issued here, otherwise
    /// an IAM user of [`DEFAULT_ACCOUNT`].
    pub(crate) fn caller(&self, access_key_id: &str) -> Caller {
        match self.get(access_key_id) {
            Some(i) => Caller {
                arn: i.assumed_role_arn.clone(),
                user_id: i.assumed_role_id.clone(),
                account: i.account.clone(),
            },
            None => Caller {
                arn: format!("arn:aws:iam::{DEFAULT_ACCOUNT}:user/emulator-user"),
                user_id: DEFAULT_USER_ID.to_string(),
                account: DEFAULT_ACCOUNT.to_string(),
            },
        }
    }
}

fn random_from(alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())]))
        .collect()
}

/// `ASIA` + 16 uppercase alphanumerics, like a temporary access key id.
pub(crate) fn new_temporary_access_key_id() -> String {
    format!("ASIA{}", random_from(UPPER_ALNUM, 16))
}

/// 40 characters, like a secret access key.
pub(crate) fn new_secret_access_key() -> String {
    random_from(SECRET_ALPHABET, 40)
}

/// A long opaque token, like a session token.
pub(crate) fn new_session_token() -> String {
    format!("FwoGZXIvYXdzE{}", random_from(SECRET_ALPHABET, 300))
}

/// `AROA` + 17 uppercase alphanumerics, like a role's unique id.
fn new_role_id() -> String {
    format!("AROA{}", random_from(UPPER_ALNUM, 17))
}

/// A request id in the UUID shape AWS uses.
pub(crate) fn new_request_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `YYYY-MM-DDThh:mm:ssZ` (UTC), the ISO 8601 form STS answers with.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let rest = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian (H. Hinnant's method).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso8601_matches_known_instants() {
        let at = |s: u64| iso8601(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(at(1_735_693_200), "2025-01-01T01:00:00Z");
    }

    #[test]
    fn identifiers_have_aws_shapes() {
        let akid = new_temporary_access_key_id();
        assert_eq!(akid.len(), 20);
        assert!(akid.starts_with("ASIA"));
        assert!(akid[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(new_secret_access_key().len(), 40);
        assert_eq!(new_request_id().len(), 36);
        let ids = Identities::default();
        assert_eq!(ids.caller("AKIDTEST").account, DEFAULT_ACCOUNT);
    }
}
