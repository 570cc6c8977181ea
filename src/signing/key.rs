//! The CA private key: what kind it is (read from its DER structure, before any crypto
//! library sees it), loading it into aws-lc, comparing it with a certificate's public key,
//! and signing with it.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::error::KeyRejected;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING, RSA_PKCS1_SHA256,
};
use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::error::SigningError;
use super::pem;
use crate::certs::{CertError, Certificate, PemKind};

// OID contents (the bytes after tag and length).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];
const OID_X25519: &[u8] = &[0x2b, 0x65, 0x6e];
const OID_X448: &[u8] = &[0x2b, 0x65, 0x6f];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

/// DER AlgorithmIdentifier of sha256WithRSAEncryption (1.2.840.113549.1.1.11, NULL parameters).
const ALG_RSA_SHA256: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];
/// DER AlgorithmIdentifier of ecdsa-with-SHA256 (1.2.840.10045.4.3.2, no parameters).
const ALG_ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// DER AlgorithmIdentifier of ecdsa-with-SHA384 (1.2.840.10045.4.3.3, no parameters).
const ALG_ECDSA_SHA384: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
];

/// The smallest and largest RSA keys the provider signs with, in bits.
const RSA_BITS: std::ops::RangeInclusive<u32> = 2048..=4096;

/// The kind of a CA key the provider signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA, signing with PKCS #1 v1.5 and SHA-256 (`sha256WithRSAEncryption`).
    Rsa {
        /// Modulus size in bits (2048 to 4096).
        bits: u32,
    },
    /// ECDSA on P-256, signing with SHA-256 (`ecdsa-with-SHA256`).
    EcdsaP256,
    /// ECDSA on P-384, signing with SHA-384 (`ecdsa-with-SHA384`).
    EcdsaP384,
}

impl KeyType {
    /// The name of the signature algorithm certificates signed with this key carry.
    pub fn signature_algorithm(self) -> &'static str {
        match self {
            KeyType::Rsa { .. } => "sha256WithRSAEncryption",
            KeyType::EcdsaP256 => "ecdsa-with-SHA256",
            KeyType::EcdsaP384 => "ecdsa-with-SHA384",
        }
    }

    /// The DER AlgorithmIdentifier of [`KeyType::signature_algorithm`].
    pub(super) fn algorithm_der(self) -> &'static [u8] {
        match self {
            KeyType::Rsa { .. } => ALG_RSA_SHA256,
            KeyType::EcdsaP256 => ALG_ECDSA_SHA256,
            KeyType::EcdsaP384 => ALG_ECDSA_SHA384,
        }
    }
}

impl fmt::Display for KeyType {
    /// `RSA 2048-bit`, `ECDSA P-256`, `ECDSA P-384`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa { bits } => write!(f, "RSA {bits}-bit"),
            KeyType::EcdsaP256 => f.write_str("ECDSA P-256"),
            KeyType::EcdsaP384 => f.write_str("ECDSA P-384"),
        }
    }
}

/// The key inside aws-lc.
enum Signer {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A parsed CA private key, ready to sign.
///
/// It holds no key bytes on the Rust side: the DER it was parsed from is wiped as soon as
/// aws-lc has read it, and the key itself lives in aws-lc's memory (`EVP_PKEY`), which aws-lc
/// overwrites with zeros when it frees it (its `OPENSSL_free` cleanses every allocation), that
/// is when this value is dropped. `Debug` and `Display` show the key type only. There is no
/// way to get the private key back out.
pub struct CaKey {
    key_type: KeyType,
    signer: Signer,
    /// The public key as a DER SubjectPublicKeyInfo (not secret).
    spki_der: Vec<u8>,
}

impl fmt::Debug for CaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaKey")
            .field("key_type", &format_args!("{}", self.key_type))
            .finish_non_exhaustive()
    }
}

impl fmt::Display for CaKey {
    /// For example `RSA 2048-bit private key`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} private key", self.key_type)
    }
}

impl CaKey {
    /// What kind of key this is.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public key, as a DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// A fresh RSA 2048 key (for the one-time root).
    pub(super) fn generate_rsa_2048() -> Result<CaKey, SigningError> {
        let crypto = || SigningError::Crypto {
            operation: "generate the one-time root's RSA key",
        };
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| crypto())?;
        CaKey::from_rsa(pair, 2048).map_err(|_| crypto())
    }

    fn from_rsa(pair: RsaKeyPair, bits: u32) -> Result<CaKey, SigningError> {
        let spki_der = spki(pair.public_key().as_der().map(|d| d.as_ref().to_vec()))?;
        Ok(CaKey {
            key_type: KeyType::Rsa { bits },
            signer: Signer::Rsa(pair),
            spki_der,
        })
    }

    fn from_ecdsa(pair: EcdsaKeyPair, key_type: KeyType) -> Result<CaKey, SigningError> {
        let spki_der = spki(pair.public_key().as_der().map(|d| d.as_ref().to_vec()))?;
        Ok(CaKey {
            key_type,
            signer: Signer::Ecdsa(pair),
            spki_der,
        })
    }

    /// Signs `message` (a DER TBSCertificate) with the key's algorithm.
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        let failed = |_| SigningError::Crypto {
            operation: "sign the certificate",
        };
        let rng = SystemRandom::new();
        match &self.signer {
            Signer::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// Parses the PEM text of a CA private key: PKCS #8 (`PRIVATE KEY`), PKCS #1
/// (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`), unencrypted, exactly one key (an
/// `EC PARAMETERS` block and text outside the PEM blocks are tolerated). Supported: RSA
/// 2048 to 4096 bits, ECDSA P-256 and P-384.
///
/// The DER decoded from `pem` is wiped before this returns. `pem` itself is the caller's:
/// hold it in a `Zeroizing<String>` and drop it once the key is parsed.
pub fn parse_ca_key(pem: &str) -> Result<CaKey, SigningError> {
    let der = pem::key_der(pem)?;
    let (format, key_type) = classify(&der)?;
    let rejected = |e: KeyRejected| SigningError::InvalidKey {
        reason: rejected_reason(e),
    };
    let ecdsa = |alg: &'static EcdsaSigningAlgorithm| {
        // Reads PKCS #8 and SEC1 alike.
        EcdsaKeyPair::from_private_key_der(alg, &der).map_err(rejected)
    };
    match (key_type, format) {
        (KeyType::Rsa { bits }, format) => {
            let pair = match format {
                Format::Pkcs8 => RsaKeyPair::from_pkcs8(&der),
                Format::Pkcs1 | Format::Sec1 => RsaKeyPair::from_der(&der),
            }
            .map_err(rejected)?;
            // aws-lc read the same DER; its modulus must be the one classified.
            if u32::try_from(pair.public_modulus_len()).ok() != Some(bits.div_ceil(8)) {
                return Err(NOT_A_KEY);
            }
            CaKey::from_rsa(pair, bits)
        }
        (KeyType::EcdsaP256, _) => {
            CaKey::from_ecdsa(ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING)?, key_type)
        }
        (KeyType::EcdsaP384, _) => {
            CaKey::from_ecdsa(ecdsa(&ECDSA_P384_SHA384_ASN1_SIGNING)?, key_type)
        }
    }
}

fn rejected_reason(e: KeyRejected) -> &'static str {
    match e.description_() {
        "InvalidEncoding" => "it is not validly encoded for its kind of key",
        "InconsistentComponents" | "PublicKeyIsMissing" => {
            "its parts do not belong together; the key is damaged"
        }
        "TooSmall" | "TooLarge" => "the crypto library refused its size",
        "WrongAlgorithm" => "it is not the kind of key its structure announces",
        _ => "the crypto library refused it",
    }
}

/// How the key's DER is structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// PKCS #8 PrivateKeyInfo / OneAsymmetricKey.
    Pkcs8,
    /// PKCS #1 RSAPrivateKey.
    Pkcs1,
    /// SEC1 ECPrivateKey.
    Sec1,
}

const NOT_A_KEY: SigningError = SigningError::InvalidKey {
    reason: "its DER is not a PKCS #8, PKCS #1 or SEC1 private key",
};

/// The elements of a DER SEQUENCE that spans all of `der`.
fn sequence(der: &[u8]) -> Option<Vec<Any<'_>>> {
    let (rest, seq) = Any::from_der(der).ok()?;
    if !rest.is_empty() || seq.class() != Class::Universal || seq.tag() != Tag::Sequence {
        return None;
    }
    elements(seq.data)
}

fn elements(mut content: &[u8]) -> Option<Vec<Any<'_>>> {
    let mut items = Vec::new();
    while !content.is_empty() {
        let (rest, item) = Any::from_der(content).ok()?;
        items.push(item);
        content = rest;
    }
    Some(items)
}

fn is(any: &Any<'_>, tag: Tag) -> bool {
    any.class() == Class::Universal && any.tag() == tag
}

fn small_integer(any: &Any<'_>) -> Option<u8> {
    match (is(any, Tag::Integer), any.data) {
        (true, [v]) => Some(*v),
        _ => None,
    }
}

/// What kind of key the DER holds, from its structure alone (the key is not loaded).
fn classify(der: &[u8]) -> Result<(Format, KeyType), SigningError> {
    let items = sequence(der).ok_or(NOT_A_KEY)?;
    match items.as_slice() {
        // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
        [first, second] if is(first, Tag::Sequence) && is(second, Tag::OctetString) => {
            Err(SigningError::Encrypted {
                format: super::error::EncryptedKeyFormat::Pkcs8,
            })
        }
        [version, second, ..] => match (small_integer(version), second) {
            (Some(0 | 1), alg) if is(alg, Tag::Sequence) => {
                classify_pkcs8(&items).map(|t| (Format::Pkcs8, t))
            }
            (Some(0), n) if is(n, Tag::Integer) && items.len() == 9 => {
                Ok((Format::Pkcs1, rsa_type(n.data)?))
            }
            (Some(1), n) if is(n, Tag::Integer) => Err(SigningError::UnsupportedKey {
                what: "a multi-prime RSA key".to_string(),
            }),
            (Some(1), d) if is(d, Tag::OctetString) => {
                let curve = sec1_curve(&items[2..]).ok_or(SigningError::InvalidKey {
                    reason: "it is an EC private key that does not name its curve; `openssl pkey -in ca.key -out ca-plain.key` rewrites it as PKCS #8, which does",
                })?;
                Ok((Format::Sec1, ec_type(curve)?))
            }
            _ => Err(NOT_A_KEY),
        },
        _ => Err(NOT_A_KEY),
    }
}

fn classify_pkcs8(items: &[Any<'_>]) -> Result<KeyType, SigningError> {
    let alg = elements(items[1].data).ok_or(NOT_A_KEY)?;
    let private_key = items
        .get(2)
        .filter(|k| is(k, Tag::OctetString))
        .ok_or(NOT_A_KEY)?;
    let oid = alg.first().filter(|o| is(o, Tag::Oid)).ok_or(NOT_A_KEY)?;
    let unsupported = |what: &str| {
        Err(SigningError::UnsupportedKey {
            what: what.to_string(),
        })
    };
    match oid.data {
        OID_RSA => {
            let inner = sequence(private_key.data).ok_or(NOT_A_KEY)?;
            match inner.as_slice() {
                [v, n, ..] if small_integer(v) == Some(0) && is(n, Tag::Integer) => {
                    rsa_type(n.data)
                }
                [v, ..] if small_integer(v) == Some(1) => unsupported("a multi-prime RSA key"),
                _ => Err(NOT_A_KEY),
            }
        }
        OID_EC => match alg.get(1) {
            Some(curve) if is(curve, Tag::Oid) => ec_type(curve.data),
            Some(params) if is(params, Tag::Sequence) => {
                unsupported("an ECDSA key with explicit curve parameters (not a named curve)")
            }
            // No curve beside the algorithm: the inner SEC1 key may name it.
            _ => {
                let inner = sequence(private_key.data).ok_or(NOT_A_KEY)?;
                let curve =
                    inner
                        .get(2..)
                        .and_then(sec1_curve)
                        .ok_or(SigningError::InvalidKey {
                            reason: "it is an EC private key that does not name its curve",
                        })?;
                ec_type(curve)
            }
        },
        OID_RSA_PSS => unsupported("an RSA-PSS key (restricted to RSA-PSS signatures)"),
        OID_ED25519 => unsupported("an Ed25519 key"),
        OID_ED448 => unsupported("an Ed448 key"),
        OID_X25519 => unsupported("an X25519 key (for key agreement, not signing)"),
        OID_X448 => unsupported("an X448 key (for key agreement, not signing)"),
        OID_DSA => unsupported("a DSA key"),
        other => unsupported(&format!(
            "a key of the algorithm with OID {}",
            oid_text(other)
        )),
    }
}

/// The curve OID of a SEC1 key's `[0]` parameters, given the elements after the private key.
fn sec1_curve<'a>(rest: &[Any<'a>]) -> Option<&'a [u8]> {
    let params = rest
        .iter()
        .find(|a| a.class() == Class::ContextSpecific && a.tag() == Tag(0))?;
    let (_, oid) = Any::from_der(params.data).ok()?;
    is(&oid, Tag::Oid).then_some(oid.data)
}

fn rsa_type(modulus: &[u8]) -> Result<KeyType, SigningError> {
    let bits = integer_bits(modulus);
    if RSA_BITS.contains(&bits) {
        Ok(KeyType::Rsa { bits })
    } else {
        Err(SigningError::UnsupportedKey {
            what: format!("an RSA {bits}-bit key"),
        })
    }
}

fn ec_type(curve: &[u8]) -> Result<KeyType, SigningError> {
    match curve {
        OID_P256 => Ok(KeyType::EcdsaP256),
        OID_P384 => Ok(KeyType::EcdsaP384),
        other => Err(SigningError::UnsupportedKey {
            what: format!("an ECDSA key on the curve {}", curve_name(other)),
        }),
    }
}

fn curve_name(oid: &[u8]) -> String {
    match oid {
        OID_P256 => "P-256".to_string(),
        OID_P384 => "P-384".to_string(),
        OID_P521 => "P-521".to_string(),
        OID_SECP256K1 => "secp256k1".to_string(),
        other => format!("with OID {}", oid_text(other)),
    }
}

/// Dotted form of OID content bytes (not secret), or `(unreadable)`.
fn oid_text(content: &[u8]) -> String {
    let text = Oid::new(content.into()).to_id_string();
    if text.len() <= 64 && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        text
    } else {
        "(unreadable)".to_string()
    }
}

/// Bit length of a DER INTEGER's content (big-endian, possibly with a leading zero).
fn integer_bits(content: &[u8]) -> u32 {
    let trimmed = match content.iter().position(|&b| b != 0) {
        Some(i) => &content[i..],
        None => return 0,
    };
    let len = u32::try_from(trimmed.len()).unwrap_or(u32::MAX / 8);
    (len - 1) * 8 + (8 - trimmed[0].leading_zeros())
}

/// The public key of an SPKI, reduced to what identifies it.
#[derive(PartialEq, Eq)]
enum PublicMaterial<'a> {
    Rsa {
        modulus: &'a [u8],
        exponent: &'a [u8],
    },
    Ec {
        curve: &'a [u8],
        point: &'a [u8],
    },
    Other,
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

fn material<'a>(spki: &'a SubjectPublicKeyInfo<'a>) -> PublicMaterial<'a> {
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => PublicMaterial::Rsa {
            modulus: strip_zeros(rsa.modulus),
            exponent: strip_zeros(rsa.exponent),
        },
        Ok(PublicKey::EC(_)) => match &spki.algorithm.parameters {
            Some(p) if p.class() == Class::Universal && p.tag() == Tag::Oid => PublicMaterial::Ec {
                curve: p.data,
                point: &spki.subject_public_key.data,
            },
            _ => PublicMaterial::Other,
        },
        _ => PublicMaterial::Other,
    }
}

/// Whether two EC points are the same, one possibly compressed (`02`/`03` ‖ x) and the other
/// uncompressed (`04` ‖ x ‖ y).
fn same_point(a: &[u8], b: &[u8]) -> bool {
    let compressed_matches = |c: &[u8], u: &[u8]| match (c.split_first(), u.split_first()) {
        (Some((&tag @ (2 | 3), x)), Some((4, xy))) if xy.len() == 2 * x.len() => {
            let (ux, uy) = xy.split_at(x.len());
            ux == x && uy.last().map(|y| 2 + (y & 1)) == Some(tag)
        }
        _ => false,
    };
    a == b || compressed_matches(a, b) || compressed_matches(b, a)
}

fn same_key(a: &PublicMaterial<'_>, b: &PublicMaterial<'_>) -> bool {
    match (a, b) {
        (
            PublicMaterial::Ec { curve, point },
            PublicMaterial::Ec {
                curve: c2,
                point: p2,
            },
        ) => curve == c2 && same_point(point, p2),
        (PublicMaterial::Other, _) | (_, PublicMaterial::Other) => false,
        _ => a == b,
    }
}

/// An SPKI's key type in words, for messages: `an RSA 2048-bit key`, `an ECDSA key on P-256`.
fn describe(spki: &SubjectPublicKeyInfo<'_>) -> String {
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("an RSA {}-bit key", integer_bits(rsa.modulus)),
        Ok(PublicKey::EC(_)) => match &spki.algorithm.parameters {
            Some(p) if p.class() == Class::Universal && p.tag() == Tag::Oid => {
                format!("an ECDSA key on {}", curve_name(p.data))
            }
            _ => "an ECDSA key with explicit curve parameters".to_string(),
        },
        _ => match spki.algorithm.algorithm.as_bytes() {
            OID_ED25519 => "an Ed25519 key".to_string(),
            OID_RSA_PSS => "an RSA-PSS key".to_string(),
            other => format!("a key of the algorithm with OID {}", oid_text(other)),
        },
    }
}

fn key_words(t: KeyType) -> String {
    match t {
        KeyType::Rsa { bits } => format!("an RSA {bits}-bit key"),
        KeyType::EcdsaP256 => "an ECDSA key on P-256".to_string(),
        KeyType::EcdsaP384 => "an ECDSA key on P-384".to_string(),
    }
}

/// Checks that `key` is the private key of `anchor` (the same public key: RSA modulus and
/// exponent, or EC curve and point). The error names the anchor's subject and both key
/// types, never the key.
pub fn check_key_matches(key: &CaKey, anchor: &Certificate) -> Result<(), SigningError> {
    let (_, cert) = x509_parser::parse_x509_certificate(&anchor.der).map_err(|e| {
        SigningError::Issuer(CertError::InvalidDer {
            expected: PemKind::Certificate,
            reason: e.to_string(),
        })
    })?;
    let anchor_spki = cert.public_key();
    let (_, ours) =
        SubjectPublicKeyInfo::from_der(&key.spki_der).map_err(|_| SigningError::Crypto {
            operation: "read the CA key's public key",
        })?;
    if same_key(&material(&ours), &material(anchor_spki)) {
        Ok(())
    } else {
        Err(SigningError::KeyMismatch {
            anchor_subject: anchor.subject.clone(),
            anchor_key: describe(anchor_spki),
            key: key_words(key.key_type),
        })
    }
}

/// The public key info from aws-lc's encoding of it, or the error of a failed encoding.
fn spki<E>(encoded: Result<Vec<u8>, E>) -> Result<Vec<u8>, SigningError> {
    encoded.map_err(|_| SigningError::Crypto {
        operation: "encode the CA key's public key",
    })
}
