//! Parsing PEM into our types: what is tolerated, the canonical form, and every refusal with its
//! hint.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::*;
use crate::certs::pem::MAX_SCAN_CHARS;

#[test]
fn crlf_and_whitespace_are_tolerated() {
    let ca = root_ca("Example Root CA");
    let canonical = cert(&ca.pem).to_pem();
    let messy = format!(
        "\r\n\r\n   {}\r\n\r\n\t \n",
        canonical
            .lines()
            .map(|l| format!("  {l}  "))
            .collect::<Vec<_>>()
            .join("\r\n\r\n")
    );
    let parsed = cert(&messy);
    assert_eq!(parsed.to_pem(), canonical);
    assert!(same_certificate(&messy, &canonical));
    assert!(same_certificate(&ca.pem, &canonical));
    // Explanatory text around the block (as `openssl` writes it) is ignored.
    let with_text = format!("subject=CN = Example Root CA\n{canonical}");
    assert!(same_certificate(&with_text, &canonical));
    assert!(!same_certificate(
        &canonical,
        &root_ca("Example Root CA").pem
    ));
    assert!(!same_certificate("not pem", "not pem"));
}

#[test]
fn canonical_pem_form() {
    let ca = root_ca("Example Root CA");
    let pem = cert(&ca.pem).to_pem();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"));
    let body: Vec<&str> = pem.lines().skip(1).collect();
    let body = &body[..body.len() - 1];
    assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
    assert!(!body[body.len() - 1].is_empty() && body[body.len() - 1].len() <= 64);
}

#[test]
fn private_key_is_refused_without_echo() {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let key_pem = key.serialize_pem();
    let secret_line = key_pem.lines().nth(1).unwrap().to_string();
    let ca = root_ca("Example Root CA");
    for input in [key_pem.clone(), format!("{}{}", ca.pem, key_pem)] {
        let err = parse_certificate_pem(&input).unwrap_err();
        assert_eq!(
            err,
            CertError::PrivateKey {
                expected: PemKind::Certificate,
            }
        );
        let shown = format!("{err} {err:?} {}", err.short());
        assert!(!shown.contains(&secret_line), "key material echoed");
        assert!(!shown.contains(&secret_line[..16]), "key material echoed");
        assert!(shown.contains("private key"));
    }
    let err = parse_csr_pem(&key_pem).unwrap_err();
    assert!(matches!(err, CertError::PrivateKey { .. }));
    assert!(!err.to_string().contains(&secret_line[..16]));
}

#[test]
fn wrong_labels() {
    let (_key, csr_pem) = cluster_csr();
    let err = parse_certificate_pem(&csr_pem).unwrap_err();
    assert_eq!(
        err,
        CertError::WrongPemLabel {
            expected: PemKind::Certificate,
            found: Some("CERTIFICATE REQUEST".into())
        }
    );
    assert_eq!(err.short(), "Expected a certificate, found a CSR");
    assert!(err.to_string().contains("signing request"));

    let ca = root_ca("Example Root CA");
    let err = parse_csr_pem(&ca.pem).unwrap_err();
    assert_eq!(err.short(), "Expected a CSR, found a certificate");

    let legacy = csr_pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
    assert_eq!(
        parse_csr_pem(&legacy).unwrap(),
        parse_csr_pem(&csr_pem).unwrap()
    );
    let crlf = csr_pem.replace('\n', "\r\n");
    assert_eq!(
        parse_csr_pem(&crlf).unwrap(),
        parse_csr_pem(&csr_pem).unwrap()
    );
}

#[test]
fn two_certificates_are_refused() {
    let root = root_ca("Example Root CA");
    let (_key, csr_pem) = cluster_csr();
    let signed = sign_csr(&csr_pem, &root, (2024, 1, 1), (2030, 1, 1));
    let chain = format!("{signed}\n{}", root.pem);
    let err = parse_certificate_pem(&chain).unwrap_err();
    assert_eq!(
        err,
        CertError::MultipleBlocks {
            expected: PemKind::Certificate,
            count: 2
        }
    );
    assert_eq!(err.short(), "More than one certificate");
    let text = err.to_string();
    assert!(
        text.contains("only the signed cluster certificate"),
        "{text}"
    );
    assert!(text.contains("only the root CA certificate"), "{text}");
}

#[test]
fn over_long_input_is_refused() {
    let ca = root_ca("Example Root CA");
    let padded = format!("{}\n{}", "#".repeat(MAX_PEM_CHARS), ca.pem);
    let chars = padded.chars().count();
    let err = parse_certificate_pem(&padded).unwrap_err();
    assert_eq!(
        err,
        CertError::TooLong {
            expected: PemKind::Certificate,
            chars,
            max: MAX_PEM_CHARS
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(&chars.to_string()) && text.contains("5000"),
        "{text}"
    );
    let huge = "x".repeat(MAX_SCAN_CHARS + 1);
    assert!(matches!(
        parse_certificate_pem(&huge),
        Err(CertError::TooLong { .. })
    ));
}

#[test]
fn path_like_strings_get_the_file_hint() {
    for path in [
        "certs/customerCA.crt",
        "./ca.pem",
        "/etc/ssl/cluster cert",
        "C:\\pki\\ca.cer",
    ] {
        let err = parse_certificate_pem(path).unwrap_err();
        assert_eq!(
            err,
            CertError::NotPem {
                expected: PemKind::Certificate,
                hint: NotPemHint::LooksLikePath(path.into())
            },
            "{path}"
        );
        assert_eq!(err.short(), "Not a PEM certificate");
        assert!(err.to_string().contains(&format!("file(\"{path}\")")));
    }
    let err = parse_certificate_pem("hello world").unwrap_err();
    assert!(matches!(
        err,
        CertError::NotPem {
            hint: NotPemHint::None,
            ..
        }
    ));
    assert!(err.to_string().contains("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn bare_base64_gets_its_own_hint() {
    let ca = root_ca("Example Root CA");
    let c = cert(&ca.pem);
    let b64 = STANDARD.encode(&c.der);
    let err = parse_certificate_pem(&b64).unwrap_err();
    assert!(
        matches!(
            err,
            CertError::NotPem {
                hint: NotPemHint::BareBase64,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&b64[..20]));
}

#[test]
fn empty_broken_and_garbage_inputs() {
    assert_eq!(
        parse_certificate_pem(" \r\n\t").unwrap_err(),
        CertError::Empty {
            expected: PemKind::Certificate
        }
    );
    let ca = root_ca("Example Root CA");
    let truncated: String = ca.pem.lines().take(3).collect::<Vec<_>>().join("\n");
    let err = parse_certificate_pem(&truncated).unwrap_err();
    assert!(matches!(err, CertError::MalformedPem { .. }), "{err:?}");

    let bad_b64 = "-----BEGIN CERTIFICATE-----\nMII!!!notbase64\n-----END CERTIFICATE-----\n";
    let err = parse_certificate_pem(bad_b64).unwrap_err();
    assert!(matches!(err, CertError::InvalidBase64 { .. }), "{err:?}");

    let bad_der = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    let err = parse_certificate_pem(bad_der).unwrap_err();
    assert!(matches!(err, CertError::InvalidDer { .. }), "{err:?}");
    assert_eq!(err.short(), "Invalid X.509 certificate");

    let mismatched = ca.pem.replace("END CERTIFICATE", "END X509 CRL");
    assert!(matches!(
        parse_certificate_pem(&mismatched),
        Err(CertError::MalformedPem { .. })
    ));
    let empty_block = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        parse_certificate_pem(empty_block),
        Err(CertError::InvalidBase64 { .. })
    ));
}
