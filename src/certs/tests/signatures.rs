//! Signatures the verifier cannot check are told apart from wrong ones.

use super::*;

/// An RSA public key of `bits` bits that nobody holds the private half of: enough for a
/// certificate to carry it, and for the checks to look at its size.
struct FakeRsaKey(Vec<u8>);

impl FakeRsaKey {
    fn new(bits: usize) -> Self {
        fn der(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            let len = content.len();
            if len < 0x80 {
                out.push(len as u8);
            } else {
                let bytes: Vec<u8> = len
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|b| *b == 0)
                    .collect();
                out.push(0x80 | bytes.len() as u8);
                out.extend(bytes);
            }
            out.extend_from_slice(content);
            out
        }
        let mut modulus = vec![0x00, 0xc5];
        modulus.extend((1..bits / 8).map(|i| (i * 7 + 1) as u8));
        let body = [der(0x02, &modulus), der(0x02, &[0x01, 0x00, 0x01])].concat();
        FakeRsaKey(der(0x30, &body))
    }
}

impl rcgen::PublicKeyData for FakeRsaKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// A root that names itself as issuer and carries `key`, signed (under its own name) by a
/// 2048-bit RSA key: what a root CA with such a key looks like to the checks.
fn root_with_key(cn: &str, key: &impl rcgen::PublicKeyData) -> Certificate {
    let signer =
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let params = ca_params(cn);
    let issuer = Issuer::from_params(&params, &signer);
    cert(&params.signed_by(key, &issuer).unwrap().pem())
}

fn pem_of(der: &[u8]) -> String {
    Certificate {
        der: der.to_vec(),
        subject: String::new(),
        issuer: String::new(),
        not_before_unix: 0,
        not_after_unix: 0,
        public_key_der: Vec::new(),
    }
    .to_pem()
}

/// The certificate with every `from` OID (both signature algorithm fields) turned into `to`.
fn with_signature_oid(pem: &str, from: &[u8], to: &[u8]) -> Certificate {
    let der = cert(pem).der;
    let mut patched = Vec::with_capacity(der.len());
    let mut i = 0;
    let mut count = 0;
    while i < der.len() {
        if der[i..].starts_with(from) {
            patched.extend_from_slice(to);
            i += from.len();
            count += 1;
        } else {
            patched.push(der[i]);
            i += 1;
        }
    }
    assert_eq!(
        count, 2,
        "the OID is in the TBS and in the outer signature field"
    );
    cert(&pem_of(&patched))
}

const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

fn unsupported_why(err: &CertError) -> &Unverifiable {
    match err {
        CertError::UnsupportedSignature { why, .. } => why,
        other => panic!("expected UnsupportedSignature, got {other:?}"),
    }
}

#[test]
fn rsa_keys_outside_the_verifiers_sizes_cannot_be_checked() {
    for (bits, shown) in [(1024, "1024-bit RSA key"), (16384, "16384-bit RSA key")] {
        let anchor = root_with_key("Example Old Root", &FakeRsaKey::new(bits));
        assert!(anchor.is_self_issued());
        let err = check_trust_anchor(&anchor, NOW).unwrap_err();
        assert_eq!(
            unsupported_why(&err),
            &Unverifiable::RsaKeySize {
                bits,
                min: 2048,
                max: 8192
            }
        );
        assert_eq!(err.short(), "Cannot verify the trust anchor's signature");
        assert_eq!(err.role(), Some(CertRole::TrustAnchor));
        let text = err.to_string();
        for needle in [
            shown,
            "2048 to 8192 bits",
            "cannot check the signature of the trust anchor",
            "does not mean the signature is wrong",
            "Apply goes on",
            "the cluster is left as it was",
            "To have it checked at plan time, create the root CA certificate",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from: {text}");
        }
        assert!(!text.contains("not self-signed"), "{text}");
    }
}

#[test]
fn curves_and_algorithms_the_verifier_lacks_cannot_be_checked() {
    let p521 = root_ca_with("Example P-521 Root", &rcgen::PKCS_ECDSA_P521_SHA512);
    let err = check_trust_anchor(&cert(&p521.pem), NOW).unwrap_err();
    assert_eq!(
        unsupported_why(&err),
        &Unverifiable::Curve {
            name: "P-521".into()
        }
    );
    assert!(
        err.to_string().contains("ECDSA key on the curve P-521"),
        "{err}"
    );

    let ed448 = cert(ED448_ROOT);
    let err = check_trust_anchor(&ed448, ed448.not_before_unix).unwrap_err();
    assert_eq!(
        unsupported_why(&err),
        &Unverifiable::SignatureAlgorithm {
            name: "Ed448".into()
        }
    );
    assert!(err.to_string().contains("signed with Ed448"), "{err}");

    // The cluster certificate signed with ECDSA and SHA-224 by a P-256 trust anchor.
    let ca = root_ca("Example Root CA");
    let (_key, csr_pem) = cluster_csr();
    let signed_pem = sign_csr(&csr_pem, &ca, (2024, 1, 1), (2030, 1, 1));
    let sha224 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01];
    let signed = with_signature_oid(&signed_pem, ECDSA_SHA256, &sha224);
    let err = check_issued_by(&signed, &cert(&ca.pem), NOW).unwrap_err();
    assert_eq!(
        unsupported_why(&err),
        &Unverifiable::SignatureAlgorithm {
            name: "ECDSA with SHA-224".into()
        }
    );
    assert_eq!(err.role(), Some(CertRole::SignedCertificate));
    assert_eq!(err.short(), "Cannot verify the certificate's signature");
    let text = err.to_string();
    assert!(
        text.contains("sign the cluster's CSR with a signature"),
        "{text}"
    );
    assert!(err.cannot_check());
    assert!(!text.contains("different key"), "{text}");

    // An algorithm nobody named: its OID.
    let unknown = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x7f];
    let anchor = with_signature_oid(&ca.pem, ECDSA_SHA256, &unknown);
    let err = check_trust_anchor(&anchor, NOW).unwrap_err();
    assert!(
        err.to_string().contains("OID 1.2.840.10045.4.3.127"),
        "{err}"
    );
}

#[test]
fn a_signature_that_cannot_be_checked_comes_after_every_other_check() {
    let p521 = cert(&root_ca_with("Example P-521 Root", &rcgen::PKCS_ECDSA_P521_SHA512).pem);
    let err = check_trust_anchor(&p521, NOW).unwrap_err();
    assert!(err.cannot_check(), "{err:?}");
    // Expired and unverifiable: the expiry is what is wrong, and it is what is reported.
    let err = check_trust_anchor(&p521, p521.not_after_unix + 1).unwrap_err();
    assert!(matches!(err, CertError::Expired { .. }), "{err:?}");
    assert!(!err.cannot_check());
    // Not self-issued comes first too.
    let signed = cert(&sign_csr(
        &cluster_csr().1,
        &root_ca("Example Root CA"),
        (2024, 1, 1),
        (2030, 1, 1),
    ));
    assert!(!check_trust_anchor(&signed, NOW).unwrap_err().cannot_check());
}

#[test]
fn rsa_pss_is_checked_with_the_usual_parameters_only() {
    // SHA-256, MGF1-SHA-256, 32-byte salt: verified.
    let usual = cert(PSS_SALT_32_ROOT);
    check_trust_anchor(&usual, usual.not_before_unix).unwrap();
    // The same with a 20-byte salt is valid too (OpenSSL verifies it), but the verifier
    // here cannot check it: that must not be called "not self-signed".
    let other = cert(PSS_SALT_20_ROOT);
    let err = check_trust_anchor(&other, other.not_before_unix).unwrap_err();
    assert_eq!(
        unsupported_why(&err),
        &Unverifiable::PssParameters {
            hash: "SHA-256".into(),
            mgf1_hash: "SHA-256".into(),
            salt_length: 20
        }
    );
    assert!(err.to_string().contains("20-byte salt"), "{err}");
}

#[test]
fn supported_algorithms_still_verify_and_a_key_of_the_wrong_kind_is_a_wrong_signature() {
    good_path(&root_ca_with("Example Ed25519 Root", &rcgen::PKCS_ED25519));

    // An RSA trust anchor, and a cluster certificate signed (ECDSA) by another CA of the
    // same name: that RSA key cannot have made an ECDSA signature.
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let params = ca_params("Example Root CA");
    let anchor = cert(&params.self_signed(&key).unwrap().pem());
    let impostor = root_ca("Example Root CA");
    let (_key, csr_pem) = cluster_csr();
    let signed = cert(&sign_csr(&csr_pem, &impostor, (2024, 1, 1), (2030, 1, 1)));
    let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
    assert!(
        matches!(err, CertError::SignatureMismatch { .. }),
        "{err:?}"
    );

    // A root carrying an EC key but signed with RSA under its name is not self-signed.
    let ec_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let anchor = root_with_key("Example Root CA", &ec_key);
    let err = check_trust_anchor(&anchor, NOW).unwrap_err();
    assert!(
        matches!(err, CertError::TrustAnchorBadSignature { .. }),
        "{err:?}"
    );
}

/// Self-signed RSA-PSS roots made with OpenSSL 3 (`openssl req -x509 -sha256 -sigopt
/// rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32`, and `:20`), and an Ed448 root
/// (`openssl genpkey -algorithm ED448`): certificates only, no keys.
const PSS_SALT_32_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDvTCCAnGgAwIBAgIUU5riD3JczCrq1B8SwY8YjZCVnVIwQQYJKoZIhvcNAQEK\n\
MDSgDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEF\n\
AKIDAgEgMDoxFTATBgNVBAoMDEV4YW1wbGUgQ29ycDEhMB8GA1UEAwwYUFNTIFJv\n\
b3QgU0hBLTI1NiBzYWx0IDMyMB4XDTI2MTEzMDEyMTk0NVoXDTQ2MTEyNTEyMTk0\n\
NVowOjEVMBMGA1UECgwMRXhhbXBsZSBDb3JwMSEwHwYDVQQDDBhQU1MgUm9vdCBT\n\
SEEtMjU2IHNhbHQgMzIwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCH\n\
xef0NCKdMWgpHoRCRLOeqrGqlSB4CmgxthbtQi5bvr4tbSVzEEBY1gyv21wglOD2\n\
Z7ahWw+egBwj0aV6Vme4dGYnd/74mrwT88hBoN8es/QZ37FmWJkpgqNc7HLV6wQY\n\
R7MgBuT3nc03bhzeoM9ead3ZkI8mImu1gsl/IRfWNvg/4hHC3IflnfG26ibjxlD/\n\
PLXhaaZEOk54KxGsxFYWn6pK9JpKAgh1tvgOz7utsb0eNrcAaNGXs0GbjRGuepF/\n\
v/h0fxhTCt/7J+u6m5GqJY234bAq4chqEzf8Kq6GEEPIiRDV2ojW1mGQDVYMzM4e\n\
yeqdU5qdFI0JcJZMjOBlAgMBAAGjUzBRMB0GA1UdDgQWBBRysGVBnylpxLEgcUuI\n\
Jnm/fiwGSjAfBgNVHSMEGDAWgBRysGVBnylpxLEgcUuIJnm/fiwGSjAPBgNVHRMB\n\
Af8EBTADAQH/MEEGCSqGSIb3DQEBCjA0oA8wDQYJYIZIAWUDBAIBBQChHDAaBgkq\n\
hkiG9w0BAQgwDQYJYIZIAWUDBAIBBQCiAwIBIAOCAQEAcTAsiRiHBIm9iu8OCyc3\n\
mZ0PZZDoL+17so6vzZ7Cjfc9yg5jMXB5sLb9l4h77VQABkDAXdANt8c0zNBjUyRy\n\
zT24Hr3Hvw9SfjI2nydkBXi6/BJsVCOU9O6RVZD8LLd08f+DvtVNnAMZUGLgYQJQ\n\
ELgkrVrWGMXJjk57ue0Z8cZw11e7ZzgajnwJRHdjbesQiUMTotLSfF2DU3iZLv4B\n\
MhYllsoyHQdfRzPIL2joqh+t5FwKlHxFYU3izxdl0hOS3sFXq3FBWldulzKyp0hJ\n\
TISHGrD7jYKXld1VmJMjEAj7wmYVUGyPIOWxZ6A4kDn3wiyde0fhwZ6pdKZuv/4m\n\
sA==\n\
-----END CERTIFICATE-----\n";
const PSS_SALT_20_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDszCCAmygAwIBAgIUcJsEy3a1HQY7TYIwGOke9rwclKQwPAYJKoZIhvcNAQEK\n\
MC+gDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEF\n\
ADA6MRUwEwYDVQQKDAxFeGFtcGxlIENvcnAxITAfBgNVBAMMGFBTUyBSb290IFNI\n\
QS0yNTYgc2FsdCAyMDAeFw0yNjExMzAxMjE5NDVaFw00NjExMjUxMjE5NDVaMDox\n\
FTATBgNVBAoMDEV4YW1wbGUgQ29ycDEhMB8GA1UEAwwYUFNTIFJvb3QgU0hBLTI1\n\
NiBzYWx0IDIwMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAh8Xn9DQi\n\
nTFoKR6EQkSznqqxqpUgeApoMbYW7UIuW76+LW0lcxBAWNYMr9tcIJTg9me2oVsP\n\
noAcI9GlelZnuHRmJ3f++Jq8E/PIQaDfHrP0Gd+xZliZKYKjXOxy1esEGEezIAbk\n\
953NN24c3qDPXmnd2ZCPJiJrtYLJfyEX1jb4P+IRwtyH5Z3xtuom48ZQ/zy14Wmm\n\
RDpOeCsRrMRWFp+qSvSaSgIIdbb4Ds+7rbG9Hja3AGjRl7NBm40RrnqRf7/4dH8Y\n\
Uwrf+yfrupuRqiWNt+GwKuHIahM3/CquhhBDyIkQ1dqI1tZhkA1WDMzOHsnqnVOa\n\
nRSNCXCWTIzgZQIDAQABo1MwUTAdBgNVHQ4EFgQUcrBlQZ8pacSxIHFLiCZ5v34s\n\
BkowHwYDVR0jBBgwFoAUcrBlQZ8pacSxIHFLiCZ5v34sBkowDwYDVR0TAQH/BAUw\n\
AwEB/zA8BgkqhkiG9w0BAQowL6APMA0GCWCGSAFlAwQCAQUAoRwwGgYJKoZIhvcN\n\
AQEIMA0GCWCGSAFlAwQCAQUAA4IBAQBPCOnG7FPcI2DVjSYUkBeXWH95YWP2Un7b\n\
7bF0mszP6JwC1LOGd7DLBSmJV+fiWYt0iTR0kZCbkaIn8PSjV3p/ZtDhDN7LM970\n\
U8EElHTXN/AiEEkZ8H+mtNOwZZX/G4EHK0g0httzdg6MuGLVyT23w0V7HCiuHwc2\n\
h+RlR7mXG5/Qe6DGpk1cxrSWN8SdiVYqms2RKb0se2eD6LR46SWHTx9qbRPXQN0i\n\
2v8+kWfgR6k3BdkEV0HFPwG4E2KsuEye+o0Wq1JCRo8b7qxSw9zFoHZUSrru8dN7\n\
CF3D1I7CchP0I3O5VIrojKmF8bXEPmyMecFG9WjEV1zsskq7/tHL\n\
-----END CERTIFICATE-----\n";
const ED448_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBuDCCATigAwIBAgIUGCwX27ivnNJdTi7YS/pfJs2XwkkwBQYDK2VxMCwxFTAT\n\
BgNVBAoMDEV4YW1wbGUgQ29ycDETMBEGA1UEAwwKRWQ0NDggUm9vdDAeFw0yNjEx\n\
MzAxMjE5NDVaFw00NjExMjUxMjE5NDVaMCwxFTATBgNVBAoMDEV4YW1wbGUgQ29y\n\
cDETMBEGA1UEAwwKRWQ0NDggUm9vdDBDMAUGAytlcQM6AJOu/tjFBV//XHNG/mUi\n\
spw3I69qolfWymQn3ArbT26dTspxz6OI+kRSUcLalyZUzW0vSUBIiV8+gKNTMFEw\n\
HQYDVR0OBBYEFFzSpluXSAXjFBj6MLSWmfSk7QqjMB8GA1UdIwQYMBaAFFzSpluX\n\
SAXjFBj6MLSWmfSk7QqjMA8GA1UdEwEB/wQFMAMBAf8wBQYDK2VxA3MAI4S2QPS4\n\
blPgwNAo+BZePjl9ZWH9T20yrztHxIpZoDaARRqh51+QW2rzwmlM+FCI9IH3O8kY\n\
IkoAlhBrEwoc0G7bbY+qHbXiTEXOMoIvvlt85Kvf+RY3pkhTYN11annF3CQA+Zgt\n\
3UHNXeY/V0aEvg4A\n\
-----END CERTIFICATE-----\n";
