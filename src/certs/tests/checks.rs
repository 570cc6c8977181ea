//! The trust anchor, issued-by, CSR and validity checks, the comparison of two PEM values, and
//! the times they are worded with.

use super::*;
use crate::certs::error::rfc3339;

#[test]
fn a_certificate_that_cannot_be_read_is_never_the_same() {
    let pem = rcgen::generate_simple_self_signed(vec!["x".to_string()])
        .expect("cert")
        .cert
        .pem();
    let other = rcgen::generate_simple_self_signed(vec!["y".to_string()])
        .expect("cert")
        .cert
        .pem();
    assert_eq!(
        compare_certificates(&pem, &pem.replace('\n', "\r\n")),
        Comparison::Same
    );
    assert_eq!(compare_certificates(&pem, &other), Comparison::Different);
    for unreadable in [
        "",
        "   ",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ] {
        assert_eq!(
            compare_certificates(unreadable, &pem),
            Comparison::Unreadable
        );
        assert_eq!(
            compare_certificates(&pem, unreadable),
            Comparison::Unreadable
        );
    }
}

#[test]
fn good_path_p256() {
    good_path(&root_ca("Example Root CA"));
}

#[test]
fn good_path_p384_ca() {
    good_path(&root_ca_with("Example P-384 Root", &PKCS_ECDSA_P384_SHA384));
}

#[test]
fn good_path_rsa_ca() {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let params = ca_params("Example RSA Root");
    let pem = params.self_signed(&key).unwrap().pem();
    good_path(&Ca { params, key, pem });
}

#[test]
fn anchor_issued_by_another_ca_is_refused() {
    let root = root_ca("Example Root CA");
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let params = ca_params("Example Intermediate CA");
    let pem = params.signed_by(&key, &root.issuer()).unwrap().pem();
    let err = check_trust_anchor(&cert(&pem), NOW).unwrap_err();
    assert!(
        matches!(err, CertError::TrustAnchorNotSelfIssued { .. }),
        "{err:?}"
    );
    assert_eq!(err.short(), "Trust anchor is not self-signed");
    assert_eq!(err.role(), Some(CertRole::TrustAnchor));
    let text = err.to_string();
    assert!(text.contains("Example Intermediate CA"), "{text}");
    assert!(text.contains("Example Root CA"), "{text}");
}

#[test]
fn anchor_self_issued_but_signed_by_another_key_is_refused() {
    // Same name as issuer and subject, but signed by a different key: only the signature
    // check can catch it.
    let real = root_ca("Example Root CA");
    let other_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let params = ca_params("Example Root CA");
    let pem = params.signed_by(&other_key, &real.issuer()).unwrap().pem();
    let c = cert(&pem);
    assert!(c.is_self_issued());
    let err = check_trust_anchor(&c, NOW).unwrap_err();
    assert!(
        matches!(err, CertError::TrustAnchorBadSignature { .. }),
        "{err:?}"
    );
    assert_eq!(err.short(), "Trust anchor is not self-signed");
}

#[test]
fn cert_signed_by_another_ca_with_the_same_name_is_refused() {
    let anchor_ca = root_ca("Example Root CA");
    let impostor = root_ca("Example Root CA");
    let (_key, csr_pem) = cluster_csr();
    let signed = cert(&sign_csr(&csr_pem, &impostor, (2024, 1, 1), (2030, 1, 1)));
    let anchor = cert(&anchor_ca.pem);
    assert_eq!(
        signed.issuer, anchor.subject,
        "names must match: the key must be caught"
    );
    let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
    assert!(
        matches!(err, CertError::SignatureMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(err.short(), "Certificate not issued by the trust anchor");
    assert_eq!(err.role(), Some(CertRole::SignedCertificate));
}

#[test]
fn cert_issued_under_another_name_is_refused() {
    let anchor = cert(&root_ca("Example Root CA").pem);
    let other = root_ca("Other Root CA");
    let (_key, csr_pem) = cluster_csr();
    let signed = cert(&sign_csr(&csr_pem, &other, (2024, 1, 1), (2030, 1, 1)));
    let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
    assert!(matches!(err, CertError::IssuerMismatch { .. }), "{err:?}");
    assert_eq!(err.short(), "Certificate not issued by the trust anchor");
    assert!(err.to_string().contains("Other Root CA"));
}

#[test]
fn cert_for_another_key_does_not_match_csr() {
    let ca = root_ca("Example Root CA");
    let (_key, csr_pem) = cluster_csr();
    let csr = parse_csr_pem(&csr_pem).unwrap();
    let other_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2030, 1, 1);
    let signed = cert(&params.signed_by(&other_key, &ca.issuer()).unwrap().pem());
    check_issued_by(&signed, &cert(&ca.pem), NOW).unwrap();
    let err = check_matches_csr(&signed, &csr).unwrap_err();
    assert!(
        matches!(err, CertError::PublicKeyMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(err.short(), "Certificate does not match the cluster's CSR");
}

#[test]
fn expired_and_not_yet_valid() {
    let ca = root_ca("Example Root CA");
    let anchor = cert(&ca.pem);
    let (_key, csr_pem) = cluster_csr();

    let expired = cert(&sign_csr(&csr_pem, &ca, (2020, 1, 1), (2021, 1, 1)));
    let err = check_issued_by(&expired, &anchor, NOW).unwrap_err();
    assert_eq!(
        err,
        CertError::Expired {
            role: CertRole::SignedCertificate,
            subject: expired.subject.clone(),
            not_after_unix: 1_609_459_200,
            now_unix: NOW,
        }
    );
    assert_eq!(err.short(), "Certificate has expired");
    let text = err.to_string();
    assert!(text.contains("2021-01-01T00:00:00Z"), "{text}");
    assert!(text.contains("2025-06-01T00:00:00Z"), "{text}");

    let future = cert(&sign_csr(&csr_pem, &ca, (2030, 1, 1), (2035, 1, 1)));
    let err = check_issued_by(&future, &anchor, NOW).unwrap_err();
    assert!(matches!(err, CertError::NotYetValid { .. }), "{err:?}");
    assert_eq!(err.short(), "Certificate is not yet valid");
    assert!(err.to_string().contains("2030-01-01T00:00:00Z"));

    // The anchor itself, checked after 2040.
    let err = check_trust_anchor(&anchor, 2_300_000_000).unwrap_err();
    assert!(matches!(
        err,
        CertError::Expired {
            role: CertRole::TrustAnchor,
            ..
        }
    ));
    assert_eq!(err.short(), "Trust anchor has expired");
    let err = check_trust_anchor(&anchor, 0).unwrap_err();
    assert!(matches!(
        err,
        CertError::NotYetValid {
            role: CertRole::TrustAnchor,
            ..
        }
    ));
}

#[test]
fn rfc3339_formatting() {
    assert_eq!(rfc3339(&0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(&951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(&NOW), "2025-06-01T00:00:00Z");
    assert_eq!(rfc3339(&-1), "1969-12-31T23:59:59Z");
    assert_eq!(rfc3339(&253_402_300_799), "9999-12-31T23:59:59Z");
}

#[test]
fn now_is_plausible() {
    assert!(now_unix() > NOW);
}
