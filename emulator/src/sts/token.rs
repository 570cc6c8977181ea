//! What a web identity token says, as far as the STS emulation reads it: a JWT (three
//! base64url parts, a JSON object in the middle) gives its `sub`, `aud` (a string, or the
//! first of a list), `iss` and `exp` claims; any other token, or a claim missing, is taken
//! as an opaque token with the defaults below. Signatures are not checked (the emulator
//! trusts every issuer); a test makes a token refused through the control API instead.
//!
//! Text in, claims out: it knows nothing of STS's protocol or state.

use serde_json::Value;

/// The subject of a token that names none.
pub(super) const DEFAULT_SUBJECT: &str = "emulator-web-identity-subject";
/// The audience of a token that names none (what GitHub Actions asks for AWS).
pub(super) const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The issuer of a token that names none.
pub(super) const DEFAULT_ISSUER: &str = "https://oidc.emulator.invalid";

/// The claims of a web identity token.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Claims {
    pub subject: String,
    pub audience: String,
    pub issuer: String,
    /// `exp`: when the token expires, in Unix seconds; `None` = never (an opaque token).
    pub expires_at: Option<i64>,
}

/// The claims of `token` (see the module's doc).
pub(super) fn claims(token: &str) -> Claims {
    let payload = jwt_payload(token);
    let text = |name: &str| {
        payload
            .as_ref()
            .and_then(|p| p.get(name))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
    };
    Claims {
        subject: text("sub").unwrap_or_else(|| DEFAULT_SUBJECT.to_string()),
        audience: text("aud").unwrap_or_else(|| DEFAULT_AUDIENCE.to_string()),
        issuer: text("iss").unwrap_or_else(|| DEFAULT_ISSUER.to_string()),
        expires_at: payload.as_ref().and_then(|p| p.get("exp")).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        }),
    }
}

/// The JSON object in the middle of a JWT.
fn jwt_payload(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    match serde_json::from_slice(&base64url_decode(payload)?).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Decodes unpadded (or padded) base64url; `None` for any other character.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for b in text.trim_end_matches('=').bytes() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// base64url without padding, for the tests' tokens.
    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    #[test]
    fn base64url_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "{\"sub\":\"x?>\"}"] {
            assert_eq!(
                base64url_decode(&encode(text.as_bytes())).as_deref(),
                Some(text.as_bytes())
            );
        }
        assert_eq!(base64url_decode("a+b/"), None);
    }

    #[test]
    fn a_jwt_gives_its_claims_and_anything_else_the_defaults() {
        let payload = r#"{"sub":"repo:octo/app:ref:refs/heads/main","aud":["sts.amazonaws.com","x"],"iss":"https://token.actions.githubusercontent.com","exp":1700000000}"#;
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", encode(payload.as_bytes()));
        assert_eq!(
            claims(&token),
            Claims {
                subject: "repo:octo/app:ref:refs/heads/main".into(),
                audience: "sts.amazonaws.com".into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
                expires_at: Some(1_700_000_000),
            }
        );
        for opaque in ["opaque-token", "a.b.c", "a.b.c.d", "..", "x.e30.y"] {
            let c = claims(opaque);
            assert_eq!(c.subject, DEFAULT_SUBJECT, "{opaque}");
            assert_eq!(c.issuer, DEFAULT_ISSUER, "{opaque}");
            assert_eq!(c.expires_at, None, "{opaque}");
        }
    }
}
