//! Private keys never reach an error message.

use super::*;
use crate::certs::pem::shown_label;

/// Every 16-character run of `secret` that shows up in any text of `err`.
fn leaks(err: &CertError, secret: &str) -> Vec<String> {
    let shown = format!("{err} | {} | {err:?}", err.short());
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(16)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| shown.contains(w.as_str()))
        .collect()
}

/// The keys a user might paste: PKCS #8 bodies of RSA, EC and Ed25519 keys, as base64
/// lines of 64 characters.
fn pasted_keys() -> Vec<Vec<String>> {
    let rsa = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let ec = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    [rsa, ec, ed]
        .iter()
        .map(|k| {
            k.serialize_pem()
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The ways a key gets mangled on its way into a configuration.
fn mangled(lines: &[String], cert_pem: &str) -> Vec<String> {
    let body = lines.join("\n");
    let joined = lines.concat();
    let (first, rest) = (&lines[0], lines[1..].join("\n"));
    let last = &lines[lines.len() - 1];
    let but_last = lines[..lines.len() - 1].join("\n");
    let mut out = vec![];
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
        out.extend([
            // whole key on one line
            format!("-----BEGIN {label}-----{joined}-----END {label}-----"),
            // body glued to the BEGIN line, with or without a space
            format!("-----BEGIN {label}-----{first}\n{rest}\n-----END {label}-----\n"),
            format!("-----BEGIN {label}----- {first}\n{rest}\n-----END {label}-----\n"),
            // line breaks turned into spaces
            format!(
                "-----BEGIN {label}----- {} -----END {label}-----",
                lines.join(" ")
            ),
            // mismatched BEGIN / END lines around the key
            format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END {label}-----\n"),
            format!("-----BEGIN {label}-----\n{body}\n-----END CERTIFICATE-----\n"),
            // the BEGIN line without its closing dashes
            format!("-----BEGIN {label}\n{body}\n-----END {label}-----\n"),
            // lower case, CRLF, after a certificate
            format!(
                "-----begin {}-----\n{body}\n-----end {}-----\n",
                label.to_lowercase(),
                label.to_lowercase()
            ),
            format!(
                "-----BEGIN {label}-----\r\n{}\r\n-----END {label}-----\r\n",
                lines.join("\r\n")
            ),
            format!("{cert_pem}-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"),
        ]);
    }
    out.extend([
        // the key's body under certificate labels
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"),
        // key material where the label should be, and no "PRIVATE KEY" anywhere
        format!("-----BEGIN {first}-----\n{rest}\n-----END CERTIFICATE-----\n"),
        format!("-----BEGIN CERTIFICATE-----\n{but_last}\n-----END {last}-----\n"),
        format!(
            "-----BEGIN {}-----\n{rest}\n-----END {}-----\n",
            &first[..20],
            &first[..20]
        ),
        format!("-----BEGIN CERTIFICATE-----\n{but_last}\n-----BEGIN {last}-----\n"),
        format!("-----BEGIN {}-----{rest}", &first[..30]),
        // bare base64, on one line or many
        joined.clone(),
        body.clone(),
    ]);
    out
}

#[test]
fn a_pasted_private_key_never_reaches_an_error_message() {
    let cert_pem = root_ca("Example Root CA").pem;
    for lines in pasted_keys() {
        let secret = lines.concat();
        for input in mangled(&lines, &cert_pem) {
            for err in [
                parse_certificate_pem(&input).unwrap_err(),
                parse_csr_pem(&input).unwrap_err(),
            ] {
                let leaked = leaks(&err, &secret);
                assert!(
                    leaked.is_empty(),
                    "{err:?} echoes key material {leaked:?} for input\n{input}"
                );
                if input.to_ascii_uppercase().contains("PRIVATE KEY")
                    || !input.contains("-----")
                    || (input.starts_with("-----BEGIN CERTIFICATE-----\nMI")
                        && input.ends_with("-----END CERTIFICATE-----\n"))
                {
                    assert!(
                        matches!(err, CertError::PrivateKey { .. }),
                        "a key must be named as a key: {err:?} for input\n{input}"
                    );
                    assert!(err.to_string().contains("a private key"));
                    assert!(err.short().contains("Private key"));
                }
            }
        }
    }
}

#[test]
fn only_short_well_formed_labels_are_echoed() {
    assert_eq!(shown_label("CERTIFICATE"), Some("CERTIFICATE".into()));
    assert_eq!(
        shown_label("X.509 CERTIFICATE"),
        Some("X.509 CERTIFICATE".into())
    );
    assert_eq!(shown_label("X509 CRL"), Some("X509 CRL".into()));
    for bad in [
        "",
        "Certificate",
        "CERTIFICATE  REQUEST",
        "MIIEowIBAAKCAQEA",
        "RSA PRIVATE KEY",
        "A VERY LONG LABEL THAT GOES ON AND ON AND ON",
        "CERT-IFICATE",
        "CERTIFICATE\u{7}",
    ] {
        assert_eq!(shown_label(bad), None, "{bad:?}");
    }
    // A well-formed label of the wrong kind is named; anything else is described.
    let crl = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
    let err = parse_certificate_pem(crl).unwrap_err();
    assert_eq!(
        err,
        CertError::WrongPemLabel {
            expected: PemKind::Certificate,
            found: Some("X509 CRL".into())
        }
    );
    assert!(err.to_string().contains("`X509 CRL` block"), "{err}");
    let odd = "-----BEGIN Some odd label-----\nAAAA\n-----END Some odd label-----\n";
    let err = parse_certificate_pem(odd).unwrap_err();
    assert_eq!(
        err,
        CertError::WrongPemLabel {
            expected: PemKind::Certificate,
            found: None
        }
    );
    assert!(!err.to_string().contains("odd"), "{err}");
    assert!(err.to_string().contains("unusual label"), "{err}");
    // Broken boundary lines say what is wrong with them.
    let ca = root_ca("Example Root CA");
    let glued = ca.pem.replacen("-----\n", "-----", 1);
    let err = parse_certificate_pem(&glued).unwrap_err();
    assert_eq!(
        err,
        CertError::MalformedPem {
            expected: PemKind::Certificate,
            problem: PemProblem::TextAfterBoundary {
                line: Boundary::Begin,
                label: Some("CERTIFICATE".into())
            }
        }
    );
    assert!(err
        .to_string()
        .contains("`BEGIN CERTIFICATE` line has text after"));
    let mismatched = ca.pem.replace("END CERTIFICATE", "END X509 CRL");
    let text = parse_certificate_pem(&mismatched).unwrap_err().to_string();
    assert!(
        text.contains("`BEGIN CERTIFICATE` line is closed by the `END X509 CRL` line"),
        "{text}"
    );
}
