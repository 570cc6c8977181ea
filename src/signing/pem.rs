//! Finding the one private key in the PEM text given as the CA key, and decoding it into a
//! buffer that is wiped when dropped. Nothing of the text reaches an error: problems are
//! said in fixed words, and PEM labels only when [`shown_label`] lets them through.

use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::error::{EncryptedKeyFormat, KeyNotPemHint, SigningError};

/// Values longer than this are refused without being scanned (an RSA 4096 key is about
/// 3,300 characters of PEM).
const MAX_KEY_CHARS: usize = 64 * 1024;

/// One PEM block as scanned: its label, whether a `Proc-Type: 4,ENCRYPTED` header preceded
/// its body, and the body's base64 (whitespace removed), wiped on drop.
struct Block<'a> {
    label: &'a str,
    encrypted_header: bool,
    in_headers: bool,
    body: Zeroizing<String>,
}

/// What a PEM label announces.
enum Kind {
    /// An unencrypted private key (PKCS #8, PKCS #1 or SEC1).
    Key,
    /// PKCS #8 `ENCRYPTED PRIVATE KEY`.
    EncryptedKey,
    /// A private key in a container the provider does not read: what it is, how to convert.
    Container(&'static str, &'static str),
    /// A key the provider does not sign with, known from its label alone.
    UnsupportedKey(&'static str),
    /// `EC PARAMETERS`, which `openssl ecparam -genkey` writes before the key: ignored.
    Ignored,
    /// Anything else: a certificate, a CSR, a public key...
    Other,
}

fn kind(label: &str) -> Kind {
    match label {
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => Kind::Key,
        "ENCRYPTED PRIVATE KEY" => Kind::EncryptedKey,
        "EC PARAMETERS" => Kind::Ignored,
        "OPENSSH PRIVATE KEY" => Kind::Container(
            "an OpenSSH private key",
            "`ssh-keygen -p -N \"\" -m PKCS8 -f <copy of the key file>` rewrites the copy in place",
        ),
        "DSA PRIVATE KEY" => Kind::UnsupportedKey("a DSA key"),
        l if l.to_ascii_uppercase().contains("PRIVATE KEY") => Kind::Container(
            "a private key in a PEM format the provider does not know",
            "for a key OpenSSL reads, `openssl pkey -in ca.key -out ca-plain.key`",
        ),
        _ => Kind::Other,
    }
}

/// The DER of the one private key in `input`, in a buffer wiped on drop.
///
/// Explanatory text outside PEM blocks (such as `Bag Attributes` lines from
/// `openssl pkcs12`) and an `EC PARAMETERS` block are tolerated; anything else beside the key
/// is refused, as are encrypted keys.
pub(super) fn key_der(input: &str) -> Result<Zeroizing<Vec<u8>>, SigningError> {
    if input.trim().is_empty() {
        return Err(SigningError::EmptyKey);
    }
    if input.len() > MAX_KEY_CHARS {
        return Err(SigningError::MalformedPem {
            problem: "the value is far longer than any supported private key (more than 64 KiB)",
        });
    }
    let blocks = scan(input)?;
    if blocks.is_empty() {
        return Err(SigningError::NotPem {
            hint: not_pem_hint(input),
        });
    }
    let (keys, others): (Vec<&Block<'_>>, Vec<&Block<'_>>) = blocks
        .iter()
        .filter(|b| !matches!(kind(b.label), Kind::Ignored))
        .partition(|b| !matches!(kind(b.label), Kind::Other));
    let labels = |bs: &[&Block<'_>]| bs.iter().map(|b| shown_label(b.label)).collect();
    let key = match keys.as_slice() {
        [] if others.is_empty() => {
            // Only EC PARAMETERS.
            return Err(SigningError::NotAKey {
                found: vec![Some("EC PARAMETERS".to_string())],
            });
        }
        [] => {
            return Err(SigningError::NotAKey {
                found: labels(&others),
            })
        }
        [one] => *one,
        many => return Err(SigningError::MultipleKeys { count: many.len() }),
    };
    if !others.is_empty() {
        return Err(SigningError::NotOnlyTheKey {
            others: labels(&others),
        });
    }
    match kind(key.label) {
        Kind::EncryptedKey => {
            return Err(SigningError::Encrypted {
                format: EncryptedKeyFormat::Pkcs8,
            })
        }
        Kind::Container(what, advice) => {
            return Err(SigningError::UnsupportedFormat { what, advice })
        }
        Kind::UnsupportedKey(what) => {
            return Err(SigningError::UnsupportedKey {
                what: what.to_string(),
            })
        }
        Kind::Key | Kind::Ignored | Kind::Other => {}
    }
    if key.encrypted_header {
        return Err(SigningError::Encrypted {
            format: EncryptedKeyFormat::LegacyPem,
        });
    }
    if key.body.is_empty() {
        return Err(SigningError::MalformedPem {
            problem: "the private key's PEM block is empty",
        });
    }
    decode(&key.body)
}

/// Decodes base64 into a buffer allocated once at its final capacity, so that no copy of the
/// key is left behind by a reallocation.
fn decode(body: &str) -> Result<Zeroizing<Vec<u8>>, SigningError> {
    let mut der = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(body.len())]);
    let n = STANDARD_PAD_INDIFFERENT
        .decode_slice(body.as_bytes(), &mut der[..])
        .map_err(|_| SigningError::InvalidBase64)?;
    der.truncate(n);
    Ok(der)
}

/// A boundary line: `Some(Ok((is_begin, label)))` for a well-formed one, `Some(Err)` for a
/// broken one, `None` for any other line.
fn boundary(line: &str, escaped_newlines: bool) -> Option<Result<(bool, &str), SigningError>> {
    let (begin, rest) = if let Some(rest) = line.strip_prefix("-----BEGIN") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix("-----END") {
        (false, rest)
    } else {
        return None;
    };
    let Some(close) = rest.find("-----") else {
        return Some(Err(SigningError::MalformedPem {
            problem: if begin {
                "a BEGIN line does not end with `-----`"
            } else {
                "an END line does not end with `-----`"
            },
        }));
    };
    let (label, after) = (rest[..close].trim(), rest[close..].trim_start_matches('-'));
    if !after.trim().is_empty() {
        return Some(Err(SigningError::MalformedPem {
            problem: if escaped_newlines {
                "the text holds `\\n` escape sequences where line breaks belong; each BEGIN and END line and the base64 body must be on lines of their own"
            } else if begin {
                "a BEGIN line has text after its closing `-----` (were the line breaks lost?); each BEGIN and END line must be on a line of its own"
            } else {
                "an END line has text after its closing `-----`; each BEGIN and END line must be on a line of its own"
            },
        }));
    }
    Some(Ok((begin, label)))
}

/// Splits the text into PEM blocks (RFC 7468, with RFC 1421 headers such as `Proc-Type`);
/// text outside blocks is ignored.
fn scan(input: &str) -> Result<Vec<Block<'_>>, SigningError> {
    let escaped_newlines = !input.trim().contains('\n') && input.contains("\\n");
    let mut blocks = Vec::new();
    let mut current: Option<Block<'_>> = None;
    for line in input.lines().map(str::trim) {
        let found = match boundary(line, escaped_newlines) {
            None => None,
            Some(Ok(found)) => Some(found),
            Some(Err(e)) => return Err(e),
        };
        match (current.as_mut(), found) {
            (None, Some((true, label))) => {
                current = Some(Block {
                    label,
                    encrypted_header: false,
                    in_headers: true,
                    // Once, at a capacity no body can exceed: no reallocation leaves copies.
                    body: Zeroizing::new(String::with_capacity(input.len())),
                });
            }
            (None, _) => {}
            (Some(block), Some((false, end))) => {
                if end != block.label {
                    return Err(SigningError::MalformedPem {
                        problem: "a block's END line names another label than its BEGIN line",
                    });
                }
                if let Some(done) = current.take() {
                    blocks.push(done);
                }
            }
            (Some(_), Some((true, _))) => {
                return Err(SigningError::MalformedPem {
                    problem: "a block has no END line before the next BEGIN line",
                });
            }
            (Some(block), None) => {
                // Headers (`Name: value`) come first; base64 never holds a colon.
                if block.in_headers && line.contains(':') {
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    if name.trim().eq_ignore_ascii_case("Proc-Type")
                        && value.to_ascii_uppercase().contains("ENCRYPTED")
                    {
                        block.encrypted_header = true;
                    }
                    continue;
                }
                if !line.is_empty() {
                    block.in_headers = false;
                }
                block
                    .body
                    .extend(line.chars().filter(|c| !c.is_whitespace()));
            }
        }
    }
    if current.is_some() {
        return Err(SigningError::MalformedPem {
            problem: "a BEGIN line has no matching END line",
        });
    }
    Ok(blocks)
}

fn not_pem_hint(input: &str) -> KeyNotPemHint {
    let s = input.trim();
    let base64ish = s.len() >= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b) || b.is_ascii_whitespace());
    if base64ish {
        return KeyNotPemHint::BareBase64;
    }
    let lower = s.to_ascii_lowercase();
    let single_line = !s.contains('\n') && s.len() <= 512;
    let rooted = s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.as_bytes().get(1..3) == Some(b":\\");
    let extension = [".pem", ".key", ".der", ".p8", ".pk8"]
        .iter()
        .any(|e| lower.ends_with(e));
    if single_line && (rooted || extension) {
        KeyNotPemHint::LooksLikePath
    } else {
        KeyNotPemHint::None
    }
}

/// A PEM label fit to show (the certificate checks' rule: uppercase words, at most 40
/// characters, never a private key's); anything else is described, never echoed.
pub(super) use crate::certs::shown_label;
