//! `application/x-www-form-urlencoded` decoding, for query strings (the control API) and
//! form bodies (the STS query protocol).
//!
//! Text in, pairs out: it knows nothing of requests or protocols.

/// The (decoded) value of `name` in a query string or form body.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    pairs(query)
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Every `key=value` pair, decoded, in order (a key without `=` has an empty value).
pub(crate) fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (a space); a malformed escape is kept as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_decoded() {
        assert_eq!(
            param("a=1&operation=Describe%43lusters", "operation").as_deref(),
            Some("DescribeClusters")
        );
        assert_eq!(param("a=1", "operation"), None);
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%2Fb+c%3A"), "a/b c:");
        assert_eq!(
            pairs("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&Empty"),
            vec![
                ("Action".to_string(), "AssumeRole".to_string()),
                ("RoleArn".to_string(), "arn:aws:iam::1:role/x".to_string()),
                ("Empty".to_string(), String::new()),
            ]
        );
    }
}
