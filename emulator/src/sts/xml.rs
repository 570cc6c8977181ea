//! The XML of STS's answers: the `<{Action}Response>` envelope around a result, with its
//! request id, and escaping text into XML.
//!
//! Text only: it knows neither the actions nor what their results hold.

use super::NAMESPACE;
use crate::identity;

/// `<{action}Response xmlns=…><{action}Result>{result}</{action}Result><ResponseMetadata>…`,
/// `result` being XML already.
pub(super) fn envelope(action: &str, result: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\">\
<{action}Result>{result}</{action}Result>\
<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>\
</{action}Response>",
        identity::new_request_id(),
    )
}

pub(super) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_results_are_enveloped() {
        assert_eq!(xml_escape("a<b&'c'"), "a&lt;b&amp;&apos;c&apos;");
        let xml = envelope("GetCallerIdentity", "<Account>1</Account>");
        assert!(xml.starts_with(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>"
        ));
        assert!(xml.ends_with("</RequestId></ResponseMetadata></GetCallerIdentityResponse>"));
    }
}
