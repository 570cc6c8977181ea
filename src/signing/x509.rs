//! Writing X.509 v3 certificates (RFC 5280) in DER with yasna. Names and public keys are
//! written as the raw DER they were read from, so that a CSR's subject and an issuer's
//! subject are carried over byte for byte.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::OffsetDateTime;
use yasna::models::{GeneralizedTime, ObjectIdentifier, UTCTime};
use yasna::Tag;

use super::error::SigningError;

const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
const OID_SUBJECT_KEY_IDENTIFIER: &[u64] = &[2, 5, 29, 14];
const OID_KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const OID_BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const OID_AUTHORITY_KEY_IDENTIFIER: &[u64] = &[2, 5, 29, 35];

/// One certificate extension.
pub(super) struct Extension {
    oid: &'static [u64],
    critical: bool,
    /// The DER of the extension's value (what goes inside the OCTET STRING).
    value: Vec<u8>,
}

/// basicConstraints, critical: `CA:TRUE` (no path length) or `CA:FALSE`.
pub(super) fn basic_constraints(ca: bool) -> Extension {
    Extension {
        oid: OID_BASIC_CONSTRAINTS,
        critical: true,
        value: yasna::construct_der(|w| {
            w.write_sequence(|w| {
                // cA is DEFAULT FALSE: DER leaves it out when false.
                if ca {
                    w.next().write_bool(true);
                }
            })
        }),
    }
}

/// keyUsage, critical: keyCertSign and cRLSign (bits 5 and 6).
pub(super) fn key_usage_ca() -> Extension {
    Extension {
        oid: OID_KEY_USAGE,
        critical: true,
        // Bits 0..=6, of which 5 and 6 are set: 0b0000_0110, 7 bits used.
        value: yasna::construct_der(|w| w.write_bitvec_bytes(&[0b0000_0110], 7)),
    }
}

/// subjectKeyIdentifier: the given key identifier.
pub(super) fn subject_key_identifier(id: &[u8]) -> Extension {
    Extension {
        oid: OID_SUBJECT_KEY_IDENTIFIER,
        critical: false,
        value: yasna::construct_der(|w| w.write_bytes(id)),
    }
}

/// authorityKeyIdentifier with only the keyIdentifier (`[0] IMPLICIT OCTET STRING`).
pub(super) fn authority_key_identifier(id: &[u8]) -> Extension {
    Extension {
        oid: OID_AUTHORITY_KEY_IDENTIFIER,
        critical: false,
        value: yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next()
                    .write_tagged_implicit(Tag::context(0), |w| w.write_bytes(id))
            })
        }),
    }
}

/// What goes into a TBSCertificate.
pub(super) struct Tbs<'a> {
    /// The serial number's bytes: positive, minimal (first byte in `0x01..=0x7f`).
    pub serial: &'a [u8],
    /// DER AlgorithmIdentifier of the signature.
    pub signature_algorithm: &'a [u8],
    /// DER Name of the issuer.
    pub issuer: &'a [u8],
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// DER Name of the subject.
    pub subject: &'a [u8],
    /// DER SubjectPublicKeyInfo.
    pub spki: &'a [u8],
    pub extensions: Vec<Extension>,
}

/// A time as RFC 5280 wants it: UTCTime through 2049, GeneralizedTime from 2050.
enum Time {
    Utc(UTCTime),
    General(GeneralizedTime),
}

fn time(unix: i64) -> Result<Time, SigningError> {
    let out_of_range = SigningError::InvalidValidity {
        reason: "a date is outside the years 1950 to 9999",
    };
    let t = OffsetDateTime::from_unix_timestamp(unix).map_err(|_| out_of_range.clone())?;
    if t.year() < 1950 {
        return Err(out_of_range);
    }
    match UTCTime::from_datetime_opt(t) {
        Some(u) => Ok(Time::Utc(u)),
        None => GeneralizedTime::from_datetime_opt(t)
            .map(Time::General)
            .ok_or(out_of_range),
    }
}

fn write_time(w: yasna::DERWriter<'_>, t: &Time) {
    match t {
        Time::Utc(u) => w.write_utctime(u),
        Time::General(g) => w.write_generalized_time(g),
    }
}

/// The DER TBSCertificate (version 3).
pub(super) fn tbs_der(tbs: &Tbs<'_>) -> Result<Vec<u8>, SigningError> {
    let not_before = time(tbs.not_before_unix)?;
    let not_after = time(tbs.not_after_unix)?;
    Ok(yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_tagged(Tag::context(0), |w| w.write_u8(2));
            w.next().write_bigint_bytes(tbs.serial, true);
            w.next().write_der(tbs.signature_algorithm);
            w.next().write_der(tbs.issuer);
            w.next().write_sequence(|w| {
                write_time(w.next(), &not_before);
                write_time(w.next(), &not_after);
            });
            w.next().write_der(tbs.subject);
            w.next().write_der(tbs.spki);
            if !tbs.extensions.is_empty() {
                w.next().write_tagged(Tag::context(3), |w| {
                    w.write_sequence(|w| {
                        for e in &tbs.extensions {
                            w.next().write_sequence(|w| {
                                w.next().write_oid(&ObjectIdentifier::from_slice(e.oid));
                                if e.critical {
                                    w.next().write_bool(true);
                                }
                                w.next().write_bytes(&e.value);
                            });
                        }
                    })
                });
            }
        })
    }))
}

/// The DER Certificate: TBSCertificate, signature algorithm, signature.
pub(super) fn certificate_der(tbs: &[u8], signature_algorithm: &[u8], signature: &[u8]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(tbs);
            w.next().write_der(signature_algorithm);
            w.next().write_bitvec_bytes(signature, signature.len() * 8);
        })
    })
}

/// A DER Name of one attribute per RDN, in this order: O, OU, CN (each a UTF8String).
pub(super) fn name_der(
    common_name: &str,
    organization: Option<&str>,
    organizational_unit: Option<&str>,
) -> Vec<u8> {
    let attributes = [
        (OID_ORGANIZATION, organization),
        (OID_ORGANIZATIONAL_UNIT, organizational_unit),
        (OID_COMMON_NAME, Some(common_name)),
    ];
    yasna::construct_der(|w| {
        w.write_sequence_of(|w| {
            for (oid, value) in attributes {
                let Some(value) = value else { continue };
                w.next().write_set_of(|w| {
                    w.next().write_sequence(|w| {
                        w.next().write_oid(&ObjectIdentifier::from_slice(oid));
                        w.next().write_utf8_string(value);
                    })
                });
            }
        })
    })
}

/// PEM of a DER certificate: base64 in 64-character lines, with a final newline.
pub(super) fn certificate_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        // base64 is ASCII.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
