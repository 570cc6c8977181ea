//! The SigV4 presence check both listeners apply: the `Authorization` header must have the
//! AWS4-HMAC-SHA256 shape, a credential scope naming the expected service, and a date. The
//! signature itself is not verified (the emulator accepts any credentials), nor is the
//! region: a request signed for any region of any partition (`cn-north-1`,
//! `us-gov-west-1`, `eu-isoe-west-1`, …) is accepted, as a proxy relaying real endpoint
//! names to the emulator needs. The access key id and the region are handed back so that
//! calls can be recorded with who signed them and for where.
//!
//! It reads headers only, and knows neither protocol's error shape: each listener renders a
//! [`SigV4Error`] its own way.

use axum::http::{header, HeaderMap};

/// Why a request's signature is refused. Each protocol renders it its own way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SigV4Error {
    /// No `Authorization` header.
    #[error("missing authentication token")]
    Missing,
    /// An `Authorization` header that is not a complete SigV4 header.
    #[error("{0}")]
    Incomplete(String),
    /// A well-formed header whose credential scope names another service.
    #[error("credential scoped to {found:?}, expected {expected:?}")]
    WrongService {
        expected: &'static str,
        found: String,
    },
}

/// What a signature's credential scope says of who signed a request and for where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    /// The access key id (`AKID` of the scope).
    pub access_key_id: String,
    /// The signing region (`REGION` of the scope), whatever it names.
    pub region: String,
}

/// Checks `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=…, Signature=…` with `SERVICE == service`, and an `X-Amz-Date` (or `Date`).
/// Returns the access key id and the signing region.
pub(crate) fn check(headers: &HeaderMap, service: &'static str) -> Result<Signature, SigV4Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(SigV4Error::Missing);
    };
    let value = value
        .to_str()
        .map_err(|_| SigV4Error::Incomplete("Authorization header is not ASCII".into()))?;
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(SigV4Error::Incomplete(
            "Authorization header requires the AWS4-HMAC-SHA256 algorithm".into(),
        ));
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        if let Some((key, val)) = part.trim().split_once('=') {
            match key {
                "Credential" => credential = Some(val),
                "SignedHeaders" => signed_headers = Some(val),
                "Signature" => signature = Some(val),
                _ => {}
            }
        }
    }
    let (Some(credential), Some(_), Some(signature)) = (credential, signed_headers, signature)
    else {
        return Err(SigV4Error::Incomplete(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'".into(),
        ));
    };
    if signature.is_empty() || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigV4Error::Incomplete("malformed Signature".into()));
    }
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" || scope[0].is_empty() {
        return Err(SigV4Error::Incomplete(format!(
            "malformed Credential {credential:?}: expected AKID/DATE/REGION/SERVICE/aws4_request"
        )));
    }
    if scope[3] != service {
        return Err(SigV4Error::WrongService {
            expected: service,
            found: scope[3].to_string(),
        });
    }
    if headers.get("x-amz-date").is_none() && headers.get(header::DATE).is_none() {
        return Err(SigV4Error::Incomplete(
            "Authorization header requires an X-Amz-Date or Date header".into(),
        ));
    }
    Ok(Signature {
        access_key_id: scope[0].to_string(),
        region: scope[2].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(auth).expect("ascii"),
        );
        h.insert("x-amz-date", HeaderValue::from_static("20250101T000000Z"));
        h
    }

    #[test]
    fn the_access_key_comes_from_the_scope_and_the_service_must_match() {
        let auth = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00ff";
        assert_eq!(
            check(&headers(auth), "sts"),
            Ok(Signature {
                access_key_id: "ASIAEXAMPLE".into(),
                region: "us-east-1".into()
            })
        );
        assert_eq!(
            check(&headers(auth), "cloudhsm"),
            Err(SigV4Error::WrongService {
                expected: "cloudhsm",
                found: "sts".into()
            })
        );
        assert_eq!(check(&HeaderMap::new(), "sts"), Err(SigV4Error::Missing));
        assert!(matches!(
            check(&headers("Basic abc"), "sts"),
            Err(SigV4Error::Incomplete(_))
        ));
    }

    #[test]
    fn any_region_of_any_partition_is_accepted_and_handed_back() {
        for region in [
            "cn-north-1",
            "us-gov-west-1",
            "eu-isoe-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eusc-de-east-1",
            "ap-southeast-7",
        ] {
            let auth = format!("AWS4-HMAC-SHA256 Credential=AKID/20250101/{region}/cloudhsm/aws4_request, SignedHeaders=host, Signature=00ff");
            let signature = check(&headers(&auth), "cloudhsm").expect("accepted");
            assert_eq!(signature.region, region);
        }
    }
}
