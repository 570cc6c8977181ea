//! PEM scanning: finds exactly one block of the expected kind and decodes it, refusing private
//! keys (in any shape) before anything else, and recognising what a value that is not PEM looks
//! like (a file path, bare base64).

use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
use base64::Engine as _;

use super::error::CertError;
use super::kind::PemKind;
use super::pem_problem::{Boundary, NotPemHint, PemProblem};

/// The CloudHSM API's limit on each PEM string (`SignedCert`, `TrustAnchor`), in characters.
pub const MAX_PEM_CHARS: usize = 5000;

/// Inputs larger than this are refused as too long without being scanned at all.
pub(super) const MAX_SCAN_CHARS: usize = 1 << 20;

struct PemBlock<'a> {
    label: &'a str,
    body: String,
}

/// A line that starts like a PEM boundary: `Ok((kind, label))` for a well-formed
/// `-----BEGIN LABEL-----` / `-----END LABEL-----` line, `Err` when it is broken, `None` for
/// any other line.
fn boundary(line: &str) -> Option<Result<(Boundary, &str), PemProblem>> {
    let (kind, rest) = if let Some(rest) = line.strip_prefix("-----BEGIN") {
        (Boundary::Begin, rest)
    } else if let Some(rest) = line.strip_prefix("-----END") {
        (Boundary::End, rest)
    } else {
        return None;
    };
    let Some(close) = rest.find("-----") else {
        return Some(Err(PemProblem::UnterminatedBoundary { line: kind }));
    };
    let (label, after) = (rest[..close].trim(), rest[close..].trim_start_matches('-'));
    if !after.trim().is_empty() {
        return Some(Err(PemProblem::TextAfterBoundary {
            line: kind,
            label: shown_label(label),
        }));
    }
    Some(Ok((kind, label)))
}

/// Whether a line announces a private key (`-----BEGIN RSA PRIVATE KEY-----`, `-----END
/// OPENSSH PRIVATE KEY-----`, also mangled: glued to its body, in any case).
fn is_private_key_line(line: &str) -> bool {
    line.contains("-----") && line.to_ascii_uppercase().contains("PRIVATE KEY")
}

/// Splits the value into PEM blocks; text outside blocks is ignored (RFC 7468 allows
/// explanatory text). Errors name well-formed labels only, never content.
fn scan_blocks(input: &str, expected: PemKind) -> Result<Vec<PemBlock<'_>>, CertError> {
    // A private key anywhere wins over every other finding, and is named in fixed words.
    if input.lines().any(is_private_key_line) {
        return Err(CertError::PrivateKey { expected });
    }
    let malformed = |problem| CertError::MalformedPem { expected, problem };
    let mut blocks = Vec::new();
    let mut current: Option<PemBlock<'_>> = None;
    for line in input.lines().map(str::trim) {
        let found = match boundary(line) {
            None => None,
            Some(Ok(found)) => Some(found),
            Some(Err(problem)) => return Err(malformed(problem)),
        };
        match (current.as_mut(), found) {
            (None, Some((Boundary::Begin, label))) => {
                current = Some(PemBlock {
                    label,
                    body: String::new(),
                });
            }
            // Explanatory text, or a stray END line, outside any block.
            (None, _) => {}
            (Some(block), Some((Boundary::End, end))) => {
                if end != block.label {
                    return Err(malformed(PemProblem::MismatchedEnd {
                        begin: shown_label(block.label),
                        end: shown_label(end),
                    }));
                }
                if let Some(done) = current.take() {
                    blocks.push(done);
                }
            }
            (Some(block), Some((Boundary::Begin, next))) => {
                return Err(malformed(PemProblem::BeginInsideBlock {
                    open: shown_label(block.label),
                    next: shown_label(next),
                }));
            }
            (Some(block), None) => block
                .body
                .extend(line.chars().filter(|c| !c.is_whitespace())),
        }
    }
    if let Some(block) = current {
        return Err(malformed(PemProblem::Unclosed {
            label: shown_label(block.label),
        }));
    }
    Ok(blocks)
}

/// Finds exactly one block of the expected kind and decodes its base64 body.
pub(super) fn extract_der(
    input: &str,
    expected: PemKind,
    chars: usize,
) -> Result<Vec<u8>, CertError> {
    if input.trim().is_empty() {
        return Err(CertError::Empty { expected });
    }
    if chars > MAX_SCAN_CHARS {
        return Err(CertError::TooLong {
            expected,
            chars,
            max: MAX_PEM_CHARS,
        });
    }
    let blocks = scan_blocks(input, expected)?;
    // A key's body under another label (CERTIFICATE, say) is still a key.
    let holds_key = |b: &PemBlock<'_>| {
        STANDARD_PAD_INDIFFERENT
            .decode(b.body.as_bytes())
            .is_ok_and(|der| is_private_key_der(&der))
    };
    if blocks.iter().any(holds_key) {
        return Err(CertError::PrivateKey { expected });
    }
    if let Some(other) = blocks.iter().find(|b| !expected.accepts(b.label)) {
        return Err(CertError::WrongPemLabel {
            expected,
            found: shown_label(other.label),
        });
    }
    let block = match blocks.as_slice() {
        [] => {
            let hint = not_pem_hint(input);
            if hint == NotPemHint::BareBase64
                && bare_der(input).is_some_and(|d| is_private_key_der(&d))
            {
                return Err(CertError::PrivateKey { expected });
            }
            return Err(CertError::NotPem { expected, hint });
        }
        [one] => one,
        many => {
            return Err(CertError::MultipleBlocks {
                expected,
                count: many.len(),
            })
        }
    };
    if expected == PemKind::Certificate && chars > MAX_PEM_CHARS {
        return Err(CertError::TooLong {
            expected,
            chars,
            max: MAX_PEM_CHARS,
        });
    }
    if block.body.is_empty() {
        return Err(CertError::InvalidBase64 {
            expected,
            reason: "the block is empty".to_string(),
        });
    }
    STANDARD_PAD_INDIFFERENT
        .decode(block.body.as_bytes())
        .map_err(|e| CertError::InvalidBase64 {
            expected,
            reason: e.to_string().trim_end_matches('.').to_string(),
        })
}

/// The DER of a value that is bare base64 (no PEM lines), if it is.
fn bare_der(input: &str) -> Option<Vec<u8>> {
    let joined: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD_PAD_INDIFFERENT.decode(joined.as_bytes()).ok()
}

/// Whether DER looks like a private key rather than a certificate or CSR: PKCS #8
/// (`PrivateKeyInfo`), PKCS #1 `RSAPrivateKey` and SEC1 `ECPrivateKey` all are a SEQUENCE that
/// opens with a small INTEGER version, where certificates and CSRs open with a SEQUENCE.
fn is_private_key_der(der: &[u8]) -> bool {
    let Some((&0x30, rest)) = der.split_first() else {
        return false;
    };
    // Skip the outer length (short form, or long form with up to 4 length bytes).
    let inner = match rest.split_first() {
        Some((&n, tail)) if n < 0x80 => tail,
        Some((&n, tail)) if (0x81..=0x84).contains(&n) => {
            tail.get(usize::from(n - 0x80)..).unwrap_or(&[])
        }
        _ => return false,
    };
    matches!(inner, [0x02, 0x01, 0x00 | 0x01, ..])
}

/// The longest PEM label that is ever echoed.
const MAX_SHOWN_LABEL: usize = 40;

/// A PEM label fit to show the user: uppercase words of letters, digits and dots, single
/// spaces, at most [`MAX_SHOWN_LABEL`] characters (`CERTIFICATE`, `X509 CRL`, `PKCS7`).
/// Anything else may carry what it should not (a mangled BEGIN line can hold key material
/// where the label should be), so it is described, never echoed.
pub(crate) fn shown_label(label: &str) -> Option<String> {
    let well_formed = !label.is_empty()
        && label.len() <= MAX_SHOWN_LABEL
        && label.split(' ').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.')
        })
        && !label.contains("PRIVATE");
    well_formed.then(|| label.to_string())
}

fn not_pem_hint(input: &str) -> NotPemHint {
    let s = input.trim();
    if s.lines().count() > 1 || s.len() > 1024 {
        // Several lines or long: possibly base64 split over lines.
        let joined: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        return if looks_like_bare_base64(&joined) {
            NotPemHint::BareBase64
        } else {
            NotPemHint::None
        };
    }
    if looks_like_bare_base64(s) {
        NotPemHint::BareBase64
    } else if looks_like_path(s) && !s.contains("-----") {
        NotPemHint::LooksLikePath(s.to_string())
    } else {
        NotPemHint::None
    }
}

fn looks_like_bare_base64(s: &str) -> bool {
    s.len() >= 64
        && STANDARD_PAD_INDIFFERENT
            .decode(s.as_bytes())
            .is_ok_and(|der| der.first() == Some(&0x30))
}

fn looks_like_path(s: &str) -> bool {
    if s.is_empty() || s.len() > 512 || s.chars().any(|c| c.is_control() || "\"<>|*?".contains(c)) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let has_extension = [
        ".pem",
        ".crt",
        ".cer",
        ".cert",
        ".csr",
        ".der",
        ".key",
        ".txt",
        ".p7b",
        ".ca-bundle",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext));
    let bytes = s.as_bytes();
    let windows_drive = bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes[2] == b'\\' || bytes[2] == b'/');
    let rooted = s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.starts_with(".\\")
        || s.starts_with("\\\\")
        || windows_drive;
    has_extension || (rooted && (s.contains('.') || s.contains(' ') || s.contains('\\')))
}
