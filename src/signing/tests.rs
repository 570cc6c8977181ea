//! Tests of the signing module, all offline: keys are generated here with aws-lc-rs (PKCS #1
//! and SEC1 forms derived from them, unsupported sizes built as DER), CA certificates with
//! rcgen (an independent implementation), CSRs here or by the emulator.

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _,
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cloudhsm_emulator::{ClusterSpec, Timings};
use x509_parser::asn1_rs::Any;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use yasna::models::ObjectIdentifier;
use yasna::Tag;

use super::*;
use crate::certs::{check_issued_by, check_matches_csr, check_trust_anchor, parse_csr_pem};
use crate::test_support::emulated_aws;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn rsa_pkcs8(size: KeySize) -> Vec<u8> {
    let pair = RsaKeyPair::generate(size).expect("rsa keygen");
    AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
        .expect("pkcs8")
        .as_ref()
        .to_vec()
}

fn ec_pkcs8(alg: &'static EcdsaSigningAlgorithm) -> Vec<u8> {
    EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new())
        .expect("ec keygen")
        .as_ref()
        .to_vec()
}

/// The PKCS #1 RSAPrivateKey inside a PKCS #8 RSA key (its privateKey OCTET STRING).
fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
    let (_, outer) = Any::from_der(pkcs8).expect("pkcs8");
    let mut rest = outer.data;
    let mut items = Vec::new();
    while !rest.is_empty() {
        let (r, item) = Any::from_der(rest).expect("item");
        items.push(item);
        rest = r;
    }
    items[2].data.to_vec()
}

/// The SEC1 ECPrivateKey (with its curve) of a PKCS #8 EC key, as aws-lc writes it.
fn sec1_of(alg: &'static EcdsaSigningAlgorithm, pkcs8: &[u8]) -> Vec<u8> {
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8).expect("ec key");
    AsDer::<aws_lc_rs::encoding::EcPrivateKeyRfc5915Der>::as_der(&pair.private_key())
        .expect("sec1")
        .as_ref()
        .to_vec()
}

/// A structurally valid PKCS #1 RSAPrivateKey with a modulus of `bits` bits and filler
/// numbers: enough for the size check, which runs before any crypto library sees the key.
fn fake_pkcs1(bits: usize) -> Vec<u8> {
    let mut modulus = vec![0xc5u8; bits / 8];
    modulus[bits / 8 - 1] |= 1;
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_bigint_bytes(&modulus, true);
            w.next().write_u32(65537);
            for _ in 0..6 {
                w.next().write_bigint_bytes(&[0x5a; 16], true);
            }
        })
    })
}

fn pkcs8_wrap(pkcs1: &[u8]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(&[1, 2, 840, 113549, 1, 1, 1]));
                w.next().write_null();
            });
            w.next().write_bytes(pkcs1);
        })
    })
}

fn rcgen_alg(key_type: KeyType) -> &'static rcgen::SignatureAlgorithm {
    match key_type {
        KeyType::Rsa { .. } => &rcgen::PKCS_RSA_SHA256,
        KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
    }
}

/// A customer CA: its key (PKCS #8 PEM) and self-signed root certificate made by rcgen.
#[derive(Clone)]
struct Ca {
    key_pem: String,
    anchor: Certificate,
}

fn ca_with(
    pkcs8: &[u8],
    key_type: KeyType,
    configure: impl FnOnce(&mut rcgen::CertificateParams),
) -> Ca {
    let signer =
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.to_vec().into(), rcgen_alg(key_type))
            .expect("rcgen key");
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("Customer Root CA ({key_type})"),
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Example Corp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    configure(&mut params);
    let cert = params.self_signed(&signer).expect("self-signed");
    Ca {
        key_pem: pem("PRIVATE KEY", pkcs8),
        anchor: certs::parse_certificate_pem(&cert.pem()).expect("anchor parses"),
    }
}

fn ca_of(pkcs8: &[u8], key_type: KeyType) -> Ca {
    ca_with(pkcs8, key_type, |_| {})
}

static RSA_2048: OnceLock<Vec<u8>> = OnceLock::new();
static RSA_4096: OnceLock<Vec<u8>> = OnceLock::new();
static P256: OnceLock<Vec<u8>> = OnceLock::new();
static P384: OnceLock<Vec<u8>> = OnceLock::new();

fn rsa_2048() -> &'static [u8] {
    RSA_2048.get_or_init(|| rsa_pkcs8(KeySize::Rsa2048))
}
/// Generated once: RSA 4096 key generation is the slowest thing here.
fn rsa_4096() -> &'static [u8] {
    RSA_4096.get_or_init(|| rsa_pkcs8(KeySize::Rsa4096))
}
fn p256() -> &'static [u8] {
    P256.get_or_init(|| ec_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING))
}
fn p384() -> &'static [u8] {
    P384.get_or_init(|| ec_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING))
}

fn all_cas() -> Vec<Ca> {
    vec![
        ca_of(rsa_2048(), KeyType::Rsa { bits: 2048 }),
        ca_of(rsa_4096(), KeyType::Rsa { bits: 4096 }),
        ca_of(p256(), KeyType::EcdsaP256),
        ca_of(p384(), KeyType::EcdsaP384),
    ]
}

/// A subject no re-encoding would keep: PrintableString and UTF8String side by side, two
/// OUs, and a multi-valued RDN.
fn unusual_subject() -> Vec<u8> {
    let attr = |w: yasna::DERWriter<'_>, oid: &[u64], value: &str, printable: bool| {
        w.write_sequence(|w| {
            w.next().write_oid(&ObjectIdentifier::from_slice(oid));
            if printable {
                w.next().write_printable_string(value);
            } else {
                w.next().write_utf8_string(value);
            }
        })
    };
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next()
                .write_set_of(|w| attr(w.next(), &[2, 5, 4, 6], "US", true));
            w.next().write_set_of(|w| {
                attr(w.next(), &[2, 5, 4, 8], "CA", true);
                attr(w.next(), &[2, 5, 4, 7], "SanJose", false);
            });
            w.next()
                .write_set_of(|w| attr(w.next(), &[2, 5, 4, 10], "Cavium", true));
            w.next()
                .write_set_of(|w| attr(w.next(), &[2, 5, 4, 11], "N3FIPS", true));
            w.next()
                .write_set_of(|w| attr(w.next(), &[2, 5, 4, 11], "second unit", false));
            w.next().write_set_of(|w| {
                attr(
                    w.next(),
                    &[2, 5, 4, 3],
                    "HSM:123456ABCDEF:PARTN:1, for FIPS mode",
                    false,
                )
            });
        })
    })
}

const ALG_RSA_SHA256: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];

/// A CSR for a fresh RSA 2048 key (like the cluster's) with the given subject DER, signed by
/// that key; `tamper` flips a bit of the signature.
fn csr_with(subject_der: &[u8], tamper: bool) -> String {
    let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("csr key");
    let spki = key.public_key().as_der().expect("spki");
    let info = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_der(subject_der);
            w.next().write_der(spki.as_ref());
            w.next()
                .write_tagged_implicit(Tag::context(0), |w| w.write_set(|_| {}));
        })
    });
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        &info,
        &mut signature,
    )
    .expect("sign csr");
    if tamper {
        signature[10] ^= 0x01;
    }
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(&info);
            w.next().write_der(ALG_RSA_SHA256);
            w.next().write_bitvec_bytes(&signature, signature.len() * 8);
        })
    });
    pem("CERTIFICATE REQUEST", &der)
}

fn csr() -> String {
    csr_with(&unusual_subject(), false)
}

fn x509(cert: &Certificate) -> X509Certificate<'_> {
    X509Certificate::from_der(&cert.der).expect("x509").1
}

/// The base64 body of a PEM text, joined.
fn body(pem_text: &str) -> String {
    pem_text
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect::<Vec<_>>()
        .join("")
}

/// Fails if `text` holds any 16 consecutive characters of `pem_text`'s base64 body.
fn assert_no_material(text: &str, pem_text: &str) {
    let b = body(pem_text);
    assert!(b.len() >= 16, "fixture has a body");
    for start in (0..=b.len() - 16).step_by(4) {
        let window = &b[start..start + 16];
        assert!(
            !text.contains(window),
            "key material ({window}) in output: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

#[test]
fn pkcs8_rsa_and_ec_keys_parse() {
    for (der, expected) in [
        (rsa_2048(), KeyType::Rsa { bits: 2048 }),
        (rsa_4096(), KeyType::Rsa { bits: 4096 }),
        (p256(), KeyType::EcdsaP256),
        (p384(), KeyType::EcdsaP384),
    ] {
        let key = parse_ca_key(&pem("PRIVATE KEY", der)).expect("parses");
        assert_eq!(key.key_type(), expected);
    }
    assert_eq!(KeyType::Rsa { bits: 3072 }.to_string(), "RSA 3072-bit");
    assert_eq!(
        KeyType::EcdsaP384.signature_algorithm(),
        "ecdsa-with-SHA384"
    );
}

#[test]
fn pkcs1_rsa_and_sec1_ec_keys_parse_and_are_the_same_keys() {
    let rsa = parse_ca_key(&pem("RSA PRIVATE KEY", &pkcs1_of(rsa_2048()))).expect("pkcs1");
    assert_eq!(rsa.key_type(), KeyType::Rsa { bits: 2048 });
    let rsa8 = parse_ca_key(&pem("PRIVATE KEY", rsa_2048())).expect("pkcs8");
    assert_eq!(rsa.public_key_der(), rsa8.public_key_der());

    for (alg, der, expected) in [
        (&ECDSA_P256_SHA256_ASN1_SIGNING, p256(), KeyType::EcdsaP256),
        (&ECDSA_P384_SHA384_ASN1_SIGNING, p384(), KeyType::EcdsaP384),
    ] {
        let sec1 = parse_ca_key(&pem("EC PRIVATE KEY", &sec1_of(alg, der))).expect("sec1");
        assert_eq!(sec1.key_type(), expected);
        let pkcs8 = parse_ca_key(&pem("PRIVATE KEY", der)).expect("pkcs8");
        assert_eq!(sec1.public_key_der(), pkcs8.public_key_der());
    }
}

#[test]
fn openssl_style_extras_around_the_key_are_tolerated() {
    // `openssl ecparam -genkey` writes EC PARAMETERS first; `openssl pkcs12` writes Bag
    // Attributes; files from Windows have CRLF line ends.
    let params = pem(
        "EC PARAMETERS",
        &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
    );
    let key = pem(
        "EC PRIVATE KEY",
        &sec1_of(&ECDSA_P256_SHA256_ASN1_SIGNING, p256()),
    );
    let text = format!("{params}{key}");
    assert_eq!(
        parse_ca_key(&text).expect("ecparam").key_type(),
        KeyType::EcdsaP256
    );
    let bagged = format!(
        "Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n{}",
        pem("PRIVATE KEY", p384())
    )
    .replace('\n', "\r\n");
    assert_eq!(
        parse_ca_key(&bagged).expect("bagged").key_type(),
        KeyType::EcdsaP384
    );
}

/// An EncryptedPrivateKeyInfo's shape: SEQUENCE { AlgorithmIdentifier (PBES2), OCTET STRING }.
fn fake_encrypted_pkcs8() -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_sequence(|w| {
                w.next().write_oid(&ObjectIdentifier::from_slice(&[
                    1, 2, 840, 113549, 1, 5, 13,
                ]));
            });
            w.next().write_bytes(&[0x42; 96]);
        })
    })
}

#[test]
fn encrypted_keys_are_refused_with_the_way_to_decrypt_them() {
    let legacy = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\n{}\n-----END RSA PRIVATE KEY-----\n",
        STANDARD.encode([0x17u8; 120])
    );
    let cases = [
        (
            pem("ENCRYPTED PRIVATE KEY", &fake_encrypted_pkcs8()),
            EncryptedKeyFormat::Pkcs8,
        ),
        // Encrypted DER under the plain label.
        (
            pem("PRIVATE KEY", &fake_encrypted_pkcs8()),
            EncryptedKeyFormat::Pkcs8,
        ),
        (legacy.clone(), EncryptedKeyFormat::LegacyPem),
        (
            legacy.replace("RSA PRIVATE KEY", "EC PRIVATE KEY"),
            EncryptedKeyFormat::LegacyPem,
        ),
    ];
    for (text, format) in cases {
        let err = parse_ca_key(&text).expect_err("encrypted");
        assert_eq!(err, SigningError::Encrypted { format });
        let msg = err.to_string();
        assert!(
            msg.contains("openssl pkey -in ca.key -out ca-plain.key"),
            "{msg}"
        );
        assert!(msg.contains("ephemeral resource"), "{msg}");
        assert!(msg.contains("Secrets Manager"), "{msg}");
        assert_eq!(err.short(), "CA private key is encrypted");
        assert_eq!(err.role(), SigningRole::CaKey);
        assert_no_material(&msg, &text);
        assert_no_material(&format!("{err:?}"), &text);
    }
}

fn unsupported(text: &str) -> String {
    match parse_ca_key(text) {
        Err(e @ SigningError::UnsupportedKey { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("RSA keys of 2048 to 4096 bits"), "{msg}");
            assert!(msg.contains("P-256 or P-384"), "{msg}");
            assert_eq!(e.short(), "Unsupported CA key type");
            assert_no_material(&msg, text);
            msg
        }
        other => panic!("expected UnsupportedKey, got {other:?}"),
    }
}

#[test]
fn unsupported_key_types_are_refused_by_name() {
    let rsa1024 = fake_pkcs1(1024);
    assert!(unsupported(&pem("RSA PRIVATE KEY", &rsa1024)).contains("RSA 1024-bit key"));
    assert!(unsupported(&pem("PRIVATE KEY", &pkcs8_wrap(&rsa1024))).contains("RSA 1024-bit key"));
    assert!(unsupported(&pem("RSA PRIVATE KEY", &fake_pkcs1(8192))).contains("RSA 8192-bit key"));
    let p521 = ec_pkcs8(&ECDSA_P521_SHA512_ASN1_SIGNING);
    assert!(unsupported(&pem("PRIVATE KEY", &p521)).contains("curve P-521"));
    assert!(unsupported(&pem(
        "EC PRIVATE KEY",
        &sec1_of(&ECDSA_P521_SHA512_ASN1_SIGNING, &p521)
    ))
    .contains("curve P-521"));
    let ed = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("ed25519");
    assert!(unsupported(&pem("PRIVATE KEY", ed.as_ref())).contains("Ed25519"));
    let dsa = "-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQ==\n-----END DSA PRIVATE KEY-----\n";
    assert!(unsupported(dsa).contains("DSA"));
}

#[test]
fn what_is_not_one_usable_key_is_refused_clearly() {
    let ca = ca_of(p256(), KeyType::EcdsaP256);
    let cert_pem = ca.anchor.to_pem();
    let key = pem("PRIVATE KEY", p256());

    let err = parse_ca_key(&cert_pem).expect_err("certificate");
    assert!(
        matches!(&err, SigningError::NotAKey { found } if found == &[Some("CERTIFICATE".to_string())])
    );
    assert_eq!(err.short(), "Expected a private key, found a certificate");
    assert!(err.to_string().contains("only the public key"), "{err}");

    let err = parse_ca_key(&csr()).expect_err("csr");
    assert_eq!(err.short(), "No private key found");
    assert!(err.to_string().contains("`CERTIFICATE REQUEST`"), "{err}");

    let err = parse_ca_key(&format!("{key}{}", pem("PRIVATE KEY", p384()))).expect_err("two");
    assert_eq!(err, SigningError::MultipleKeys { count: 2 });

    let err = parse_ca_key(&format!("{cert_pem}{key}")).expect_err("bundle");
    assert!(matches!(err, SigningError::NotOnlyTheKey { .. }), "{err:?}");
    assert!(err.to_string().contains("`CERTIFICATE`"), "{err}");
    assert_no_material(&err.to_string(), &key);

    assert_eq!(
        parse_ca_key("  \n").expect_err("empty"),
        SigningError::EmptyKey
    );
    assert_eq!(
        parse_ca_key("this is not a key").expect_err("garbage"),
        SigningError::NotPem {
            hint: KeyNotPemHint::None
        }
    );
    assert_eq!(
        parse_ca_key("./secrets/ca.key").expect_err("path"),
        SigningError::NotPem {
            hint: KeyNotPemHint::LooksLikePath
        }
    );
    let bare = body(&key);
    let err = parse_ca_key(&bare).expect_err("bare base64");
    assert_eq!(
        err,
        SigningError::NotPem {
            hint: KeyNotPemHint::BareBase64
        }
    );
    assert_no_material(&err.to_string(), &key);

    // Line breaks lost: the body glued to the BEGIN line.
    let glued = key.replacen("-----\n", "-----", 1);
    let err = parse_ca_key(&glued).expect_err("glued");
    assert!(matches!(err, SigningError::MalformedPem { .. }), "{err:?}");
    assert!(err.to_string().contains("line breaks lost"), "{err}");
    assert_no_material(&format!("{err} {err:?}"), &key);
    // Line breaks written as `\n`.
    let escaped = key.trim_end().replace('\n', "\\n");
    let err = parse_ca_key(&escaped).expect_err("escaped");
    assert!(err.to_string().contains("`\\n` escape sequences"), "{err}");
    assert_no_material(&format!("{err} {err:?}"), &key);
    // Truncated.
    let truncated: String = key.lines().take(3).collect::<Vec<_>>().join("\n");
    let err = parse_ca_key(&truncated).expect_err("truncated");
    assert!(err.to_string().contains("no matching END line"), "{err}");
    // Mismatched END.
    let err =
        parse_ca_key(&key.replace("END PRIVATE KEY", "END RSA PRIVATE KEY")).expect_err("end");
    assert!(err.to_string().contains("another label"), "{err}");
    // Bad base64.
    let first_body_line = key.lines().nth(1).expect("body");
    let err = parse_ca_key(&key.replacen(&first_body_line[..4], "!!!!", 1)).expect_err("base64");
    assert_eq!(err, SigningError::InvalidBase64);
    assert_no_material(&format!("{err} {err:?}"), &key);
    let err = parse_ca_key("-----BEGIN PRIVATE KEY-----\nAB!D\n-----END PRIVATE KEY-----\n")
        .expect_err("base64");
    assert_eq!(err, SigningError::InvalidBase64);
    // Valid base64, damaged DER.
    let mut damaged = p256().to_vec();
    damaged.truncate(damaged.len() - 7);
    let damaged_pem = pem("PRIVATE KEY", &damaged);
    let err = parse_ca_key(&damaged_pem).expect_err("damaged");
    assert!(matches!(err, SigningError::InvalidKey { .. }), "{err:?}");
    assert_no_material(&format!("{err} {err:?}"), &damaged_pem);
    // A consistent structure whose numbers are not a key: aws-lc refuses it.
    let err = parse_ca_key(&pem("RSA PRIVATE KEY", &fake_pkcs1(2048))).expect_err("not a key");
    assert!(matches!(err, SigningError::InvalidKey { .. }), "{err:?}");
    // OpenSSH.
    let err = parse_ca_key(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .expect_err("openssh");
    assert!(err.to_string().contains("ssh-keygen"), "{err}");
    assert_eq!(err.short(), "Unsupported private key format");
}

#[test]
fn keys_and_errors_never_show_key_material() {
    let texts = [
        pem("PRIVATE KEY", rsa_2048()),
        pem("RSA PRIVATE KEY", &pkcs1_of(rsa_2048())),
        pem("PRIVATE KEY", p256()),
        pem(
            "EC PRIVATE KEY",
            &sec1_of(&ECDSA_P384_SHA384_ASN1_SIGNING, p384()),
        ),
    ];
    for text in &texts {
        let key = parse_ca_key(text).expect("parses");
        let shown = format!("{key:?} {key} {key:#?}");
        assert_no_material(&shown, text);
        assert!(shown.starts_with("CaKey { key_type: "), "{shown}");
        assert!(!shown.contains("public_key"), "{shown}");
    }
    // Every way of breaking a real key's PEM gives an error free of it.
    for text in &texts {
        let lines: Vec<&str> = text.lines().collect();
        let variants = [
            text.replacen("-----\n", "-----", 1),
            text.trim_end().replace('\n', "\\n"),
            lines[..lines.len() - 1].join("\n"),
            lines[1..lines.len() - 1].join("\n"),
            lines[1..lines.len() - 1].join(""),
            format!("{text}{text}"),
            text.replace("PRIVATE KEY", "PRIVATE  KEY"),
            text.replace("PRIVATE KEY", "CERTIFICATE"),
            text.replacen(&lines[1][..8], "!!!!!!!!", 1),
            format!(
                "{}\n{}",
                lines[..lines.len() - 2].join("\n"),
                lines[lines.len() - 1]
            ),
        ];
        for v in variants {
            if let Err(e) = parse_ca_key(&v) {
                assert_no_material(&format!("{e} {e:?} {}", e.short()), text);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// check_key_matches
// ---------------------------------------------------------------------------------------------

#[test]
fn the_key_must_be_the_trust_anchors() {
    let rsa = ca_of(rsa_2048(), KeyType::Rsa { bits: 2048 });
    let ec = ca_of(p256(), KeyType::EcdsaP256);
    let rsa_key = parse_ca_key(&rsa.key_pem).expect("rsa");
    let ec_key = parse_ca_key(&ec.key_pem).expect("ec");
    check_key_matches(&rsa_key, &rsa.anchor).expect("rsa matches");
    check_key_matches(&ec_key, &ec.anchor).expect("ec matches");

    let err = check_key_matches(&rsa_key, &ec.anchor).expect_err("other type");
    assert_eq!(
        err.short(),
        "CA private key does not match the trust anchor"
    );
    assert_eq!(err.role(), SigningRole::CaKey);
    let msg = err.to_string();
    assert!(msg.contains("Customer Root CA (ECDSA P-256)"), "{msg}");
    assert!(
        msg.contains("an ECDSA key on P-256") && msg.contains("an RSA 2048-bit key"),
        "{msg}"
    );
    assert_no_material(&format!("{msg} {err:?}"), &rsa.key_pem);

    let other_rsa = parse_ca_key(&pem("PRIVATE KEY", &rsa_pkcs8(KeySize::Rsa2048))).expect("rsa");
    assert!(matches!(
        check_key_matches(&other_rsa, &rsa.anchor),
        Err(SigningError::KeyMismatch { .. })
    ));
    let other_ec = parse_ca_key(&pem(
        "PRIVATE KEY",
        &ec_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING),
    ))
    .expect("ec");
    assert!(matches!(
        check_key_matches(&other_ec, &ec.anchor),
        Err(SigningError::KeyMismatch { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// sign_csr
// ---------------------------------------------------------------------------------------------

fn extension<'a>(
    x: &'a X509Certificate<'a>,
    f: impl Fn(&ParsedExtension<'_>) -> bool,
) -> Option<&'a x509_parser::extensions::X509Extension<'a>> {
    x.extensions().iter().find(|e| f(e.parsed_extension()))
}

#[test]
fn signed_certificates_pass_the_checks_and_keep_the_csr_exactly() {
    let csr_pem = csr();
    let request = parse_csr_pem(&csr_pem).expect("csr");
    let subject_der = unusual_subject();
    let now = certs::now_unix();
    let validity = Validity::days_from(now, 30);
    for ca in all_cas() {
        let key = parse_ca_key(&ca.key_pem).expect("key");
        let signed_pem = sign_csr(&csr_pem, &key, &ca.anchor, validity).expect("signed");
        let signed = certs::parse_certificate_pem(&signed_pem).expect("parses");
        check_issued_by(&signed, &ca.anchor, now).expect("issued by the anchor");
        check_matches_csr(&signed, &request).expect("the CSR's key");
        check_trust_anchor(&ca.anchor, now).expect("anchor");

        let x = x509(&signed);
        assert_eq!(
            x.subject().as_raw(),
            subject_der.as_slice(),
            "{}",
            key.key_type()
        );
        assert_eq!(x.issuer().as_raw(), x509(&ca.anchor).subject().as_raw());
        assert_eq!(signed.not_before_unix, now - CLOCK_SKEW_SECONDS);
        assert_eq!(signed.not_after_unix, now + 30 * 86_400);
        assert_eq!(x.version().0, 2, "v3");
        assert!(
            !x.raw_serial().is_empty() && x.raw_serial()[0] & 0x80 == 0,
            "positive serial"
        );
        let expected_alg = match key.key_type() {
            KeyType::Rsa { .. } => "1.2.840.113549.1.1.11",
            KeyType::EcdsaP256 => "1.2.840.10045.4.3.2",
            KeyType::EcdsaP384 => "1.2.840.10045.4.3.3",
        };
        assert_eq!(x.signature_algorithm.algorithm.to_id_string(), expected_alg);
        let bc = extension(&x, |e| matches!(e, ParsedExtension::BasicConstraints(_))).expect("bc");
        assert!(bc.critical);
        assert!(matches!(bc.parsed_extension(), ParsedExtension::BasicConstraints(b) if !b.ca));
        let anchor_x = x509(&ca.anchor);
        let Some(ParsedExtension::SubjectKeyIdentifier(ski)) = extension(&anchor_x, |e| {
            matches!(e, ParsedExtension::SubjectKeyIdentifier(_))
        })
        .map(|e| e.parsed_extension()) else {
            panic!("rcgen's anchor has a subjectKeyIdentifier")
        };
        let Some(ParsedExtension::AuthorityKeyIdentifier(aki)) = extension(&x, |e| {
            matches!(e, ParsedExtension::AuthorityKeyIdentifier(_))
        })
        .map(|e| e.parsed_extension()) else {
            panic!("authorityKeyIdentifier")
        };
        assert_eq!(aki.key_identifier.as_ref().map(|k| k.0), Some(ski.0));
        assert_eq!(
            x.extensions().len(),
            2,
            "only basicConstraints and authorityKeyIdentifier"
        );
        assert!(signed_pem.len() <= certs::MAX_PEM_CHARS);
    }
}

#[test]
fn an_issuer_without_a_key_identifier_gets_no_authority_key_identifier() {
    let ca = ca_with(p256(), KeyType::EcdsaP256, |p| {
        p.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(Vec::new());
    });
    let key = parse_ca_key(&ca.key_pem).expect("key");
    let anchor_has_ski = x509(&ca.anchor).extensions().iter().any(|e| {
        matches!(
            e.parsed_extension(),
            ParsedExtension::SubjectKeyIdentifier(_)
        )
    });
    let signed_pem =
        sign_csr(&csr(), &key, &ca.anchor, Validity::days_from_now(10)).expect("signed");
    let signed = certs::parse_certificate_pem(&signed_pem).expect("parses");
    let has_aki = x509(&signed).extensions().iter().any(|e| {
        matches!(
            e.parsed_extension(),
            ParsedExtension::AuthorityKeyIdentifier(_)
        )
    });
    assert_eq!(has_aki, anchor_has_ski);
    check_issued_by(&signed, &ca.anchor, certs::now_unix()).expect("issued");
}

#[test]
fn the_validity_is_clamped_to_the_issuers_and_an_expired_issuer_is_refused() {
    let now = certs::now_unix();
    let in_30_days = time::OffsetDateTime::from_unix_timestamp(now + 30 * 86_400).unwrap();
    let short = ca_with(p256(), KeyType::EcdsaP256, |p| p.not_after = in_30_days);
    let key = parse_ca_key(&short.key_pem).expect("key");
    let signed_pem =
        sign_csr(&csr(), &key, &short.anchor, Validity::default_from_now()).expect("signed");
    let signed = certs::parse_certificate_pem(&signed_pem).expect("parses");
    assert_eq!(signed.not_after_unix, short.anchor.not_after_unix);

    let yesterday = time::OffsetDateTime::from_unix_timestamp(now - 86_400).unwrap();
    let expired = ca_with(p256(), KeyType::EcdsaP256, |p| p.not_after = yesterday);
    let err =
        sign_csr(&csr(), &key, &expired.anchor, Validity::default_from_now()).expect_err("expired");
    assert!(matches!(err, SigningError::IssuerExpired { .. }), "{err:?}");
    assert_eq!(err.role(), SigningRole::TrustAnchor);

    let backwards = Validity {
        not_before_unix: now,
        not_after_unix: now - 1,
    };
    let err = sign_csr(&csr(), &key, &short.anchor, backwards).expect_err("backwards");
    assert!(
        matches!(err, SigningError::InvalidValidity { .. }),
        "{err:?}"
    );
    let err = Validity::days_from(now, u32::MAX)
        .check()
        .expect_err("too far");
    assert!(err.to_string().contains("9999"), "{err}");

    let v = Validity::days_from(1_700_000_000, DEFAULT_VALIDITY_DAYS);
    assert_eq!(v.not_before_unix, 1_700_000_000 - 300);
    assert_eq!(v.not_after_unix, 1_700_000_000 + 3653 * 86_400);
}

#[test]
fn dates_from_2050_are_generalized_time() {
    let ca = ca_of(p256(), KeyType::EcdsaP256);
    let key = parse_ca_key(&ca.key_pem).expect("key");
    let now = certs::now_unix();
    // 2100-01-01: past UTCTime's range.
    let validity = Validity {
        not_before_unix: now - 60,
        not_after_unix: 4_102_444_800,
    };
    let signed = certs::parse_certificate_pem(
        &sign_csr(&csr(), &key, &ca.anchor, validity).expect("signed"),
    )
    .expect("parses");
    assert_eq!(signed.not_after_unix, 4_102_444_800);
    check_issued_by(&signed, &ca.anchor, now).expect("issued");
}

#[test]
fn the_csr_must_verify_and_the_key_must_match() {
    let ca = ca_of(p256(), KeyType::EcdsaP256);
    let key = parse_ca_key(&ca.key_pem).expect("key");
    let validity = Validity::default_from_now();

    let err = sign_csr(
        &csr_with(&unusual_subject(), true),
        &key,
        &ca.anchor,
        validity,
    )
    .expect_err("tampered");
    assert!(matches!(err, SigningError::CsrSignature { .. }), "{err:?}");
    assert!(err.to_string().contains("HSM:123456ABCDEF"), "{err}");
    assert_eq!(err.role(), SigningRole::Csr);

    let err = sign_csr(&ca.anchor.to_pem(), &key, &ca.anchor, validity).expect_err("not a csr");
    assert!(matches!(err, SigningError::Csr(_)), "{err:?}");
    assert_eq!(err.short(), "Expected a CSR, found a certificate");

    let other = ca_of(p384(), KeyType::EcdsaP384);
    let err = sign_csr(&csr(), &key, &other.anchor, validity).expect_err("other anchor");
    assert!(matches!(err, SigningError::KeyMismatch { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// One-time root
// ---------------------------------------------------------------------------------------------

#[test]
fn a_one_time_root_is_a_fit_anchor_and_each_is_new() {
    let csr_pem = csr();
    let request = parse_csr_pem(&csr_pem).expect("csr");
    let now = certs::now_unix();
    let root = RootParams {
        organization: Some("Example Corp".to_string()),
        organizational_unit: Some("Platform".to_string()),
        ..RootParams::for_cluster("cluster-abcdefghijk")
    };
    let first =
        sign_with_one_time_root(&csr_pem, &root, Validity::days_from(now, 365)).expect("first");
    let second =
        sign_with_one_time_root(&csr_pem, &root, Validity::default_from_now()).expect("second");

    for signing in [&first, &second] {
        let anchor = certs::parse_certificate_pem(&signing.root_certificate_pem).expect("root");
        let signed = certs::parse_certificate_pem(&signing.signed_certificate_pem).expect("signed");
        check_trust_anchor(&anchor, now).expect("a fit trust anchor");
        check_issued_by(&signed, &anchor, now).expect("issued by it");
        check_matches_csr(&signed, &request).expect("the CSR's key");
        assert_eq!(
            x509(&signed).subject().as_raw(),
            unusual_subject().as_slice()
        );
        assert_eq!(
            anchor.subject,
            "O=Example Corp, OU=Platform, CN=CloudHSM one-time root for cluster-abcdefghijk"
        );
        let x = x509(&anchor);
        assert_eq!(
            x.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.11"
        );
        assert_eq!(x.public_key().parsed().expect("key").key_size(), 2048);
        let bc = extension(&x, |e| matches!(e, ParsedExtension::BasicConstraints(_))).expect("bc");
        assert!(bc.critical);
        assert!(matches!(bc.parsed_extension(), ParsedExtension::BasicConstraints(b) if b.ca));
        let ku = extension(&x, |e| matches!(e, ParsedExtension::KeyUsage(_))).expect("ku");
        assert!(ku.critical);
        let ParsedExtension::KeyUsage(ku) = ku.parsed_extension() else {
            unreachable!()
        };
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        let Some(ParsedExtension::SubjectKeyIdentifier(ski)) = extension(&x, |e| {
            matches!(e, ParsedExtension::SubjectKeyIdentifier(_))
        })
        .map(|e| e.parsed_extension()) else {
            panic!("ski")
        };
        let sha1 = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &x.public_key().subject_public_key.data,
        );
        assert_eq!(ski.0, sha1.as_ref());
        // Only certificates come out.
        let everything = format!(
            "{signing:?} {} {}",
            signing.root_certificate_pem, signing.signed_certificate_pem
        );
        assert!(!everything.contains("PRIVATE"), "{everything}");
        for text in [
            &signing.root_certificate_pem,
            &signing.signed_certificate_pem,
        ] {
            assert_eq!(text.matches("-----BEGIN ").count(), 1);
            assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
        }
    }
    let first_root = certs::parse_certificate_pem(&first.root_certificate_pem).unwrap();
    let second_root = certs::parse_certificate_pem(&second.root_certificate_pem).unwrap();
    assert_ne!(
        first_root.public_key_der, second_root.public_key_der,
        "a new key each time"
    );
    assert_ne!(
        x509(&first_root).raw_serial(),
        x509(&second_root).raw_serial()
    );
    let signed = certs::parse_certificate_pem(&first.signed_certificate_pem).unwrap();
    assert_eq!(signed.not_after_unix, now + 365 * 86_400);
}

#[test]
fn one_time_root_settings_are_checked_before_anything_is_generated() {
    let cert_validity = Validity::default_from_now();
    let mut root = RootParams::for_cluster("cluster-abcdefghijk");
    assert_eq!(
        root.common_name,
        "CloudHSM one-time root for cluster-abcdefghijk"
    );
    root.check(&cert_validity).expect("defaults are fine");

    // Both "from now", a moment apart: the certificate is shortened to the root's end.
    let now = certs::now_unix();
    let cert_validity = Validity::days_from(now, 30);
    root.validity = Validity::days_from(now - 10, 30);
    let signing = sign_with_one_time_root(&csr(), &root, cert_validity).expect("a moment apart");
    let signed = certs::parse_certificate_pem(&signing.signed_certificate_pem).expect("signed");
    assert_eq!(signed.not_after_unix, root.validity.not_after_unix);
    // A day or more: a configuration error.
    root.validity = Validity::days_from(now, 29);
    let err =
        sign_with_one_time_root("not even a CSR", &root, cert_validity).expect_err("outlived");
    assert!(
        matches!(err, SigningError::RootOutlivedByCertificate { .. }),
        "{err:?}"
    );
    assert_eq!(err.role(), SigningRole::Settings);

    for (cn, reason) in [
        ("", "empty"),
        (&"x".repeat(65)[..], "longer than 64"),
        ("two\nlines", "control characters"),
        (" padded", "spaces"),
    ] {
        let root = RootParams {
            common_name: cn.to_string(),
            ..RootParams::for_cluster("cluster-abcdefghijk")
        };
        let err = root.check(&cert_validity).expect_err(reason);
        assert!(err.to_string().contains(reason), "{err}");
        assert!(err.to_string().contains("common name"), "{err}");
    }
    let root = RootParams {
        organization: Some(String::new()),
        ..RootParams::for_cluster("cluster-abcdefghijk")
    };
    assert!(root
        .check(&cert_validity)
        .expect_err("empty O")
        .to_string()
        .contains("organization"));

    let err = sign_with_one_time_root(
        "not a CSR",
        &RootParams::for_cluster("cluster-abcdefghijk"),
        cert_validity,
    )
    .expect_err("csr");
    assert_eq!(err.role(), SigningRole::Csr);
}

// ---------------------------------------------------------------------------------------------
// The emulator's InitializeCluster accepts what is signed here
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_emulators_initialize_cluster_accepts_both_ways_of_signing() {
    let aws = emulated_aws(Timings::instant()).await;
    let client = aws.context.client().await.expect("client");

    for ca in all_cas() {
        let id = aws.control.seed_cluster(ClusterSpec::default());
        let csr_pem = aws.control.cluster_csr_pem(&id).expect("csr");
        let key = parse_ca_key(&ca.key_pem).expect("key");
        let signed =
            sign_csr(&csr_pem, &key, &ca.anchor, Validity::default_from_now()).expect("signed");
        drop(key);
        client
            .initialize(&id, &signed, &ca.anchor.to_pem())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "InitializeCluster refused a {} CA: {e:?}",
                    ca.anchor.subject
                )
            });
    }

    let id = aws.control.seed_cluster(ClusterSpec::default());
    let csr_pem = aws.control.cluster_csr_pem(&id).expect("csr");
    let signing = sign_with_one_time_root(
        &csr_pem,
        &RootParams::for_cluster(&id),
        Validity::default_from_now(),
    )
    .expect("signed");
    client
        .initialize(
            &id,
            &signing.signed_certificate_pem,
            &signing.root_certificate_pem,
        )
        .await
        .expect("InitializeCluster accepts the one-time root");
}

#[test]
fn every_error_has_a_summary_and_a_role() {
    let errors = [
        SigningError::EmptyKey,
        SigningError::NotPem {
            hint: KeyNotPemHint::None,
        },
        SigningError::MalformedPem { problem: "x" },
        SigningError::InvalidBase64,
        SigningError::NotAKey { found: vec![None] },
        SigningError::MultipleKeys { count: 2 },
        SigningError::NotOnlyTheKey { others: vec![None] },
        SigningError::Encrypted {
            format: EncryptedKeyFormat::Pkcs8,
        },
        SigningError::UnsupportedFormat {
            what: "x",
            advice: "y",
        },
        SigningError::InvalidKey { reason: "x" },
        SigningError::UnsupportedKey { what: "x".into() },
        SigningError::KeyMismatch {
            anchor_subject: "CN=a".into(),
            anchor_key: "k".into(),
            key: "k".into(),
        },
        SigningError::CsrSignature {
            subject: "CN=a".into(),
        },
        SigningError::CsrUnverifiable {
            subject: "CN=a".into(),
            algorithm: "x".into(),
        },
        SigningError::IssuerExpired {
            subject: "CN=a".into(),
            not_after_unix: 0,
            now_unix: 1,
        },
        SigningError::InvalidValidity { reason: "x" },
        SigningError::RootOutlivedByCertificate {
            root_not_after_unix: 0,
            cert_not_after_unix: 1,
        },
        SigningError::InvalidRootSubject {
            field: "common name",
            reason: "x",
        },
        SigningError::Crypto { operation: "x" },
        SigningError::SelfCheck {
            problem: "x".into(),
        },
    ];
    for e in errors {
        assert!(!e.short().is_empty());
        assert!(e.to_string().len() > 40, "{e}");
        let _ = e.role();
    }
}
