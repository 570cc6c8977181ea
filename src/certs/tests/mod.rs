//! The certificate checks against certificates and CSRs made with rcgen: the shared fixtures
//! here, the tests by concern in the files below.

use super::*;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertificateSigningRequestParams,
    DistinguishedName, DnType, IsCa, Issuer, KeyPair, SignatureAlgorithm, PKCS_ECDSA_P256_SHA256,
    PKCS_ECDSA_P384_SHA384,
};

mod checks;
mod parsing;
mod private_keys;
mod signatures;

/// 2025-06-01T00:00:00Z
const NOW: i64 = 1_748_736_000;

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Example Corp");
    dn.push(DnType::CommonName, cn);
    dn
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    p
}

fn root_ca_with(cn: &str, alg: &'static SignatureAlgorithm) -> Ca {
    let key = KeyPair::generate_for(alg).unwrap();
    let params = ca_params(cn);
    let pem = params.self_signed(&key).unwrap().pem();
    Ca { params, key, pem }
}

fn root_ca(cn: &str) -> Ca {
    root_ca_with(cn, &PKCS_ECDSA_P256_SHA256)
}

/// The cluster's key and CSR, as CloudHSM would produce them.
fn cluster_csr() -> (KeyPair, String) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
    let csr = p.serialize_request(&key).unwrap().pem().unwrap();
    (key, csr)
}

fn sign_csr(csr_pem: &str, ca: &Ca, from: (i32, u8, u8), to: (i32, u8, u8)) -> String {
    let mut req = CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
    req.params.not_before = date_time_ymd(from.0, from.1, from.2);
    req.params.not_after = date_time_ymd(to.0, to.1, to.2);
    req.signed_by(&ca.issuer()).unwrap().pem()
}

fn cert(pem: &str) -> Certificate {
    parse_certificate_pem(pem).unwrap()
}

fn good_path(ca: &Ca) {
    let (_key, csr_pem) = cluster_csr();
    let signed_pem = sign_csr(&csr_pem, ca, (2024, 1, 1), (2030, 1, 1));
    let anchor = cert(&ca.pem);
    let signed = cert(&signed_pem);
    let csr = parse_csr_pem(&csr_pem).unwrap();
    assert!(anchor.is_self_issued());
    assert!(!signed.is_self_issued());
    assert_eq!(signed.issuer, anchor.subject);
    assert!(signed.subject.contains("HSM:cluster-abcdefghijk:PARTN:0"));
    assert_eq!(csr.subject, signed.subject);
    check_trust_anchor(&anchor, NOW).unwrap();
    check_issued_by(&signed, &anchor, NOW).unwrap();
    check_matches_csr(&signed, &csr).unwrap();
    assert_eq!(signed.not_before_unix, 1_704_067_200);
    assert_eq!(signed.not_after_unix, 1_893_456_000);
}
