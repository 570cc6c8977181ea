//! Who is who to the STS emulation: the temporary credentials it issued (and the role each
//! stands for), the account behind any other access key (a default, or one set per key),
//! the web identity tokens it is told to refuse, the SSO access tokens it accepts, and the shapes of AWS identifiers and
//! timestamps that STS answers with (the partition of a region comes from `regions`).
//!
//! Bookkeeping and shapes only: it knows nothing of HTTP or of the STS protocol that
//! answers with them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::DEFAULT_ACCOUNT;
use crate::regions::partition_of_region;

/// The unique id of that IAM user.
const DEFAULT_USER_ID: &str = "AIDAEMULATORUSER23456";

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// How the STS emulation refuses a web identity token it was told to refuse
/// ([`Control::refuse_web_identity_token`](crate::Control::refuse_web_identity_token)):
/// each is the error AWS answers `AssumeRoleWithWebIdentity` with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    /// `InvalidIdentityToken` (400): no identity provider the account trusts issued it.
    Invalid,
    /// `ExpiredTokenException` (400): the token has expired.
    Expired,
    /// `IDPCommunicationError` (400): the identity provider could not be reached to verify
    /// the token (a transient failure).
    IdpUnreachable,
}

impl TokenRefusal {
    /// The AWS error code: `InvalidIdentityToken`, `ExpiredTokenException` or
    /// `IDPCommunicationError` (the names the HTTP control API takes too).
    pub fn code(self) -> &'static str {
        match self {
            TokenRefusal::Invalid => "InvalidIdentityToken",
            TokenRefusal::Expired => "ExpiredTokenException",
            TokenRefusal::IdpUnreachable => "IDPCommunicationError",
        }
    }

    /// The refusal whose [`TokenRefusal::code`] is `code`.
    pub fn from_code(code: &str) -> Option<TokenRefusal> {
        [
            TokenRefusal::Invalid,
            TokenRefusal::Expired,
            TokenRefusal::IdpUnreachable,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// Credentials issued by `AssumeRole` or `AssumeRoleWithWebIdentity`.
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

/// Every credential the STS emulation issued, by access key id, the unique id of each
/// role assumed, the accounts of the keys it did not issue, and the tokens it refuses.
#[derive(Debug)]
pub(crate) struct Identities {
    issued: HashMap<String, Issued>,
    role_ids: HashMap<String, String>,
    default_account: String,
    accounts: BTreeMap<String, String>,
    refused_tokens: HashMap<String, TokenRefusal>,
    sso_tokens: HashSet<String>,
    /// The role the instance metadata service hands out, with the instance's region.
    instance: Option<InstanceRole>,
    /// The session tokens the instance metadata service issued (IMDSv2).
    metadata_tokens: HashSet<String>,
}

/// The IAM role of the EC2 instance the metadata service stands for (its instance profile),
/// and the region it runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InstanceRole {
    /// `arn:aws:iam::ACCOUNT:role/NAME`.
    pub role_arn: String,
    pub region: String,
}

impl Default for Identities {
    /// Nothing issued, every other key in [`DEFAULT_ACCOUNT`], no token refused.
    fn default() -> Identities {
        Identities::new(DEFAULT_ACCOUNT.to_string())
    }
}

impl Identities {
    /// Nothing issued, every other key in `default_account`, no token refused.
    pub(crate) fn new(default_account: String) -> Identities {
        Identities {
            issued: HashMap::new(),
            role_ids: HashMap::new(),
            default_account,
            accounts: BTreeMap::new(),
            refused_tokens: HashMap::new(),
            sso_tokens: HashSet::new(),
            instance: None,
            metadata_tokens: HashSet::new(),
        }
    }

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

    /// The caller behind `access_key_id`, signing for `region`: the assumed role for keys
    /// issued here; otherwise an IAM user of the account set for that key, or of the
    /// default account, in the partition of `region`.
    pub(crate) fn caller(&self, access_key_id: &str, region: &str) -> Caller {
        match self.get(access_key_id) {
            Some(i) => Caller {
                arn: i.assumed_role_arn.clone(),
                user_id: i.assumed_role_id.clone(),
                account: i.account.clone(),
            },
            None => {
                let account = self.account_of(access_key_id);
                Caller {
                    arn: format!(
                        "arn:{}:iam::{account}:user/emulator-user",
                        partition_of_region(region)
                    ),
                    user_id: DEFAULT_USER_ID.to_string(),
                    account,
                }
            }
        }
    }

    /// The account `GetCallerIdentity` answers for `access_key_id`: the role's for a key
    /// issued here, else the one set for the key, else the default.
    pub(crate) fn account_of(&self, access_key_id: &str) -> String {
        match self.get(access_key_id) {
            Some(i) => i.account.clone(),
            None => self
                .accounts
                .get(access_key_id)
                .unwrap_or(&self.default_account)
                .clone(),
        }
    }

    /// The account of the keys not issued here and with no account of their own.
    pub(crate) fn default_account(&self) -> &str {
        &self.default_account
    }

    pub(crate) fn set_default_account(&mut self, account: String) {
        self.default_account = account;
    }

    /// The accounts set per access key, by key.
    pub(crate) fn accounts(&self) -> &BTreeMap<String, String> {
        &self.accounts
    }

    /// Sets the account of `access_key_id` (a key the emulation did not issue).
    pub(crate) fn set_account(&mut self, access_key_id: String, account: String) {
        self.accounts.insert(access_key_id, account);
    }

    /// From now on, refuse `token` this way.
    pub(crate) fn refuse_token(&mut self, token: String, refusal: TokenRefusal) {
        self.refused_tokens.insert(token, refusal);
    }

    /// How `token` is to be refused, if it is.
    pub(crate) fn token_refusal(&self, token: &str) -> Option<TokenRefusal> {
        self.refused_tokens.get(token).copied()
    }

    /// Refuse no token any more.
    pub(crate) fn clear_token_refusals(&mut self) {
        self.refused_tokens.clear();
    }

    /// From now on, the SSO portal accepts the access token `token`.
    pub(crate) fn allow_sso_token(&mut self, token: String) {
        self.sso_tokens.insert(token);
    }

    /// Whether the SSO portal accepts `token`.
    pub(crate) fn sso_token_allowed(&self, token: &str) -> bool {
        self.sso_tokens.contains(token)
    }

    /// From now on, the instance metadata service answers as an instance with `role`
    /// (`None`: an instance without a role, which answers 404).
    pub(crate) fn set_instance_role(&mut self, role: Option<InstanceRole>) {
        self.instance = role;
    }

    /// The instance's role and region, if it has a role.
    pub(crate) fn instance_role(&self) -> Option<&InstanceRole> {
        self.instance.as_ref()
    }

    /// Remembers a session token the metadata service issued.
    pub(crate) fn issue_metadata_token(&mut self, token: String) {
        self.metadata_tokens.insert(token);
    }

    /// Whether the metadata service issued `token`.
    pub(crate) fn metadata_token_issued(&self, token: &str) -> bool {
        self.metadata_tokens.contains(token)
    }
}

/// Whether `account` has the shape of an AWS account id: 12 digits.
pub(crate) fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
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
        assert_eq!(ids.caller("AKIDTEST", "us-east-1").account, DEFAULT_ACCOUNT);
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333"));
        assert!(!is_account_id("11112222333x"));
    }

    #[test]
    fn other_keys_answer_their_account_in_the_region_partition() {
        let mut ids = Identities::new("111122223333".into());
        ids.set_account("AKIDOTHER".into(), "444455556666".into());
        let me = ids.caller("AKIDTEST", "us-gov-west-1");
        assert_eq!(me.account, "111122223333");
        assert_eq!(
            me.arn,
            "arn:aws-us-gov:iam::111122223333:user/emulator-user"
        );
        let other = ids.caller("AKIDOTHER", "cn-north-1");
        assert_eq!(other.arn, "arn:aws-cn:iam::444455556666:user/emulator-user");
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isob-east-1", "aws-iso-b"),
            ("us-iso-east-1", "aws-iso"),
            ("eusc-de-east-1", "aws-eusc"),
            ("", "aws"),
        ] {
            assert_eq!(partition_of_region(region), partition, "{region}");
        }
    }

    #[test]
    fn token_refusals_are_named_by_their_aws_codes() {
        for r in [
            TokenRefusal::Invalid,
            TokenRefusal::Expired,
            TokenRefusal::IdpUnreachable,
        ] {
            assert_eq!(TokenRefusal::from_code(r.code()), Some(r));
        }
        assert_eq!(TokenRefusal::from_code("Invalid"), None);
    }
}
