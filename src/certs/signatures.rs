//! Which signatures the verifier (x509-parser on aws-lc-rs) can check: the algorithm, key kind,
//! curve, RSA size and RSA-PSS parameters are looked at before verifying, so that what cannot
//! be checked ([`Unverifiable`]) is told apart from a signature that does not verify.

use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

/// Why this provider cannot check a signature. The verifier (x509-parser on aws-lc-rs)
/// implements RSA PKCS #1 v1.5 with SHA-1 (keys of 1024 to 8192 bits) and SHA-256/384/512
/// (2048 to 8192 bits), RSA-PSS with SHA-256/384/512 (MGF1 on the same hash, salt as long as
/// the hash, 2048 to 8192 bits), ECDSA on P-256 and P-384 with SHA-256 or SHA-384, and Ed25519.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverifiable {
    /// A signature algorithm the verifier does not implement (its name, or its OID).
    SignatureAlgorithm { name: String },
    /// RSA-PSS with parameters the verifier does not implement.
    PssParameters {
        hash: String,
        mgf1_hash: String,
        salt_length: u32,
    },
    /// RSA-PSS whose parameters are missing or cannot be read.
    PssParametersUnreadable,
    /// An RSA key outside the sizes the verifier accepts for the signature algorithm.
    RsaKeySize { bits: usize, min: usize, max: usize },
    /// An elliptic curve the verifier does not implement (its name, or its OID).
    Curve { name: String },
    /// An EC key given with explicit curve parameters instead of a named curve.
    ExplicitCurve,
}

impl std::fmt::Display for Unverifiable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unverifiable::SignatureAlgorithm { name } => {
                write!(f, "it is signed with {name}, which the provider cannot verify")
            }
            Unverifiable::PssParameters {
                hash,
                mgf1_hash,
                salt_length,
            } => write!(
                f,
                "it is signed with RSA-PSS using {hash}, MGF1 with {mgf1_hash} and a {salt_length}-byte salt; the provider verifies RSA-PSS only with SHA-256, SHA-384 or SHA-512, MGF1 on the same hash, and a salt as long as the hash (32, 48 or 64 bytes)"
            ),
            Unverifiable::PssParametersUnreadable => {
                f.write_str("it is signed with RSA-PSS, but the provider cannot read the RSA-PSS parameters")
            }
            Unverifiable::RsaKeySize { bits, min, max } => write!(
                f,
                "the signing key is a {bits}-bit RSA key; for this signature algorithm the provider verifies RSA keys of {min} to {max} bits only"
            ),
            Unverifiable::Curve { name } => write!(
                f,
                "the signing key is an ECDSA key on the curve {name}; the provider verifies ECDSA on P-256 and P-384 only"
            ),
            Unverifiable::ExplicitCurve => f.write_str(
                "the signing key is an ECDSA key given with explicit curve parameters instead of a named curve; the provider verifies ECDSA on the named curves P-256 and P-384 only",
            ),
        }
    }
}

/// What to do with a signature before handing it to the verifier.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Precheck {
    /// The verifier implements it: its answer is the answer.
    Verify,
    /// The signature algorithm does not fit the signer's kind of key (an ECDSA signature and
    /// an RSA key, say): that key cannot have made this signature.
    WrongKind,
    /// The verifier cannot check it.
    Cannot(Unverifiable),
}

/// The signer's key, as far as the checks need it.
#[derive(Debug)]
enum KeyKind {
    /// RSA, with the modulus size in bits when the key can be read.
    Rsa(Option<usize>),
    /// ECDSA, with the named curve's OID (`None`: explicit parameters or unreadable).
    Ec(Option<String>),
    Ed25519,
    Ed448,
    Dsa,
    /// Any other kind of key: it cannot have made an RSA, ECDSA, EdDSA or DSA signature.
    Other,
}

fn key_kind(spki: &SubjectPublicKeyInfo<'_>) -> KeyKind {
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => KeyKind::Rsa(
            RSAPublicKey::from_der(&spki.subject_public_key.data)
                .ok()
                .map(|(_, key)| modulus_bits(key.modulus)),
        ),
        "1.2.840.10045.2.1" => KeyKind::Ec(
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string()),
        ),
        "1.3.101.112" => KeyKind::Ed25519,
        "1.3.101.113" => KeyKind::Ed448,
        "1.2.840.10040.4.1" => KeyKind::Dsa,
        _ => KeyKind::Other,
    }
}

/// The size of an RSA modulus in bits (its big-endian bytes may start with zeros).
fn modulus_bits(modulus: &[u8]) -> usize {
    let significant = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    significant.len() * 8 - significant[0].leading_zeros() as usize
}

/// The hash algorithms the verifier pairs with RSA and ECDSA, by OID.
fn hash_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        _ => return None,
    })
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256".into(),
        "1.3.132.0.34" => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        "1.3.132.0.33" => "P-224".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".into(),
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".into(),
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1".into(),
        "1.2.156.10197.1.301" => "SM2".into(),
        other => format!("with OID {other}"),
    }
}

/// A signature algorithm's name for the user (its OID when it has no name here).
pub(super) fn signature_algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.2" => "RSA with MD2",
        "1.2.840.113549.1.1.3" => "RSA with MD4",
        "1.2.840.113549.1.1.4" => "RSA with MD5",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "RSA with SHA-1",
        "1.2.840.113549.1.1.14" => "RSA with SHA-224",
        "1.2.840.113549.1.1.11" => "RSA with SHA-256",
        "1.2.840.113549.1.1.12" => "RSA with SHA-384",
        "1.2.840.113549.1.1.13" => "RSA with SHA-512",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "2.16.840.1.101.3.4.3.13" => "RSA with SHA3-224",
        "2.16.840.1.101.3.4.3.14" => "RSA with SHA3-256",
        "2.16.840.1.101.3.4.3.15" => "RSA with SHA3-384",
        "2.16.840.1.101.3.4.3.16" => "RSA with SHA3-512",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.2.840.10045.4.3.1" => "ECDSA with SHA-224",
        "1.2.840.10045.4.3.2" => "ECDSA with SHA-256",
        "1.2.840.10045.4.3.3" => "ECDSA with SHA-384",
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
        "2.16.840.1.101.3.4.3.9" => "ECDSA with SHA3-224",
        "2.16.840.1.101.3.4.3.10" => "ECDSA with SHA3-256",
        "2.16.840.1.101.3.4.3.11" => "ECDSA with SHA3-384",
        "2.16.840.1.101.3.4.3.12" => "ECDSA with SHA3-512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.3" => "DSA with SHA-1",
        "2.16.840.1.101.3.4.3.1" => "DSA with SHA-224",
        "2.16.840.1.101.3.4.3.2" => "DSA with SHA-256",
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44",
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65",
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87",
        "1.2.156.10197.1.501" => "SM2 with SM3",
        other => return format!("the signature algorithm with OID {other}"),
    };
    name.to_string()
}

/// The family of a signature algorithm, as far as it decides which key can have made it.
enum Family {
    /// RSA PKCS #1 v1.5, with the hash's name when the verifier implements the pair.
    RsaPkcs1(Option<&'static str>),
    RsaPss,
    /// ECDSA, with the hash's name when the verifier implements the pair.
    Ecdsa(Option<&'static str>),
    Ed25519,
    Ed448,
    Dsa,
    Other,
}

fn family(oid: &str) -> Family {
    match oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Family::RsaPkcs1(Some("SHA-1")),
        "1.2.840.113549.1.1.11" => Family::RsaPkcs1(Some("SHA-256")),
        "1.2.840.113549.1.1.12" => Family::RsaPkcs1(Some("SHA-384")),
        "1.2.840.113549.1.1.13" => Family::RsaPkcs1(Some("SHA-512")),
        "1.2.840.113549.1.1.2"
        | "1.2.840.113549.1.1.3"
        | "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.14"
        | "2.16.840.1.101.3.4.3.13"
        | "2.16.840.1.101.3.4.3.14"
        | "2.16.840.1.101.3.4.3.15"
        | "2.16.840.1.101.3.4.3.16" => Family::RsaPkcs1(None),
        "1.2.840.113549.1.1.10" => Family::RsaPss,
        "1.2.840.10045.4.3.2" => Family::Ecdsa(Some("SHA-256")),
        "1.2.840.10045.4.3.3" => Family::Ecdsa(Some("SHA-384")),
        "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.4"
        | "2.16.840.1.101.3.4.3.9"
        | "2.16.840.1.101.3.4.3.10"
        | "2.16.840.1.101.3.4.3.11"
        | "2.16.840.1.101.3.4.3.12" => Family::Ecdsa(None),
        "1.3.101.112" => Family::Ed25519,
        "1.3.101.113" => Family::Ed448,
        "1.2.840.10040.4.3" | "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2" => Family::Dsa,
        _ => Family::Other,
    }
}

/// RSA key sizes the verifier accepts with a hash (x509-parser's choice of aws-lc-rs
/// algorithms: `RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY`, `RSA_*_2048_8192_SHA*`).
fn rsa_bits_range(hash: &str) -> (usize, usize) {
    if hash == "SHA-1" {
        (1024, 8192)
    } else {
        (2048, 8192)
    }
}

fn rsa_size(bits: Option<usize>, hash: &str) -> Precheck {
    let (min, max) = rsa_bits_range(hash);
    match bits {
        Some(bits) if bits < min || bits > max => {
            Precheck::Cannot(Unverifiable::RsaKeySize { bits, min, max })
        }
        // Unreadable keys are left to the verifier, which refuses them as not verifying.
        _ => Precheck::Verify,
    }
}

/// Whether the verifier can check a signature made with `algorithm` by the key `signer`.
pub(super) fn precheck(
    algorithm: &AlgorithmIdentifier<'_>,
    signer: &SubjectPublicKeyInfo<'_>,
) -> Precheck {
    let oid = algorithm.algorithm.to_id_string();
    let cannot_algorithm = || {
        Precheck::Cannot(Unverifiable::SignatureAlgorithm {
            name: signature_algorithm_name(&oid),
        })
    };
    let key = key_kind(signer);
    match (family(&oid), key) {
        (Family::Other, _) => cannot_algorithm(),
        (Family::RsaPkcs1(hash), KeyKind::Rsa(bits)) => match hash {
            Some(hash) => rsa_size(bits, hash),
            None => cannot_algorithm(),
        },
        (Family::RsaPss, KeyKind::Rsa(bits)) => match pss_hash(algorithm) {
            Ok(hash) => rsa_size(bits, hash),
            Err(why) => Precheck::Cannot(why),
        },
        (Family::Ecdsa(hash), KeyKind::Ec(curve)) => match curve.as_deref() {
            None => Precheck::Cannot(Unverifiable::ExplicitCurve),
            Some("1.2.840.10045.3.1.7" | "1.3.132.0.34") if hash.is_some() => Precheck::Verify,
            Some("1.2.840.10045.3.1.7" | "1.3.132.0.34") => cannot_algorithm(),
            Some(other) => Precheck::Cannot(Unverifiable::Curve {
                name: curve_name(other),
            }),
        },
        (Family::Ed25519, KeyKind::Ed25519) => Precheck::Verify,
        (Family::Ed448, KeyKind::Ed448) | (Family::Dsa, KeyKind::Dsa) => cannot_algorithm(),
        // The signature's algorithm needs another kind of key than the signer's.
        _ => Precheck::WrongKind,
    }
}

/// The hash of RSA-PSS parameters the verifier implements (SHA-256/384/512 with MGF1 on the
/// same hash, a salt as long as the hash and the standard trailer), or why not.
fn pss_hash(algorithm: &AlgorithmIdentifier<'_>) -> Result<&'static str, Unverifiable> {
    let params = algorithm
        .parameters
        .as_ref()
        .and_then(|p| RsaSsaPssParams::try_from(p).ok())
        .ok_or(Unverifiable::PssParametersUnreadable)?;
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| Unverifiable::PssParametersUnreadable)?;
    let name = |oid: String| {
        hash_name(&oid).map_or_else(|| format!("the hash with OID {oid}"), str::to_string)
    };
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let mgf1_oid = mgf.hash.to_id_string();
    let salt_length = params.salt_length();
    let supported = match hash_oid.as_str() {
        "2.16.840.1.101.3.4.2.1" => Some(("SHA-256", 32)),
        "2.16.840.1.101.3.4.2.2" => Some(("SHA-384", 48)),
        "2.16.840.1.101.3.4.2.3" => Some(("SHA-512", 64)),
        _ => None,
    };
    match supported {
        Some((hash, len))
            if mgf.mgf.to_id_string() == "1.2.840.113549.1.1.8"
                && mgf1_oid == hash_oid
                && salt_length == len
                && params.trailer_field() == 1 =>
        {
            Ok(hash)
        }
        _ => Err(Unverifiable::PssParameters {
            hash: name(hash_oid.clone()),
            mgf1_hash: name(mgf1_oid),
            salt_length,
        }),
    }
}
