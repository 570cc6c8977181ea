//! Certificates: the key material the emulated HSMs hold (the cluster CSR and the hardware
//! certificates), the checks `InitializeCluster` applies to a customer's certificates, and
//! [`sign_csr`], which plays the customer's certificate authority for tests and the demo.
//!
//! Certificates only: it knows nothing of clusters, requests or protocols.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, DnValue, IsCa,
    KeyPair, KeyUsagePurpose, RsaKeySize, SerialNumber, SubjectPublicKeyInfo,
    PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo as PublicKeyInfo;

use crate::error::PkiError;

/// Documented maximum length of `SignedCert` and `TrustAnchor`, in characters.
pub const MAX_CERTIFICATE_CHARS: usize = 5000;

/// What the customer hands to `InitializeCluster`: a throwaway root and the cluster
/// certificate it issued for the cluster's CSR.
#[derive(Clone, Debug)]
pub struct SignedMaterial {
    /// The self-signed root certificate (PEM): `TrustAnchor`.
    pub trust_anchor_pem: String,
    /// The cluster certificate issued by that root for the CSR's key (PEM): `SignedCert`.
    pub signed_cert_pem: String,
}

/// The key of a customer CA made by [`sign_csr_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaKey {
    /// ECDSA on P-256 with SHA-256: what [`sign_csr`] uses.
    #[default]
    EcdsaP256,
    /// ECDSA on P-521 with SHA-512: valid X.509 that neither the emulator's nor the
    /// provider's verifier can check.
    EcdsaP521,
}

/// Signs `csr_pem` with a fresh self-signed CA (ECDSA P-256), as a customer would with
/// their own CA. The certificate keeps the CSR's subject and public key.
pub fn sign_csr(csr_pem: &str) -> Result<SignedMaterial, PkiError> {
    sign_csr_with(csr_pem, CaKey::EcdsaP256)
}

/// [`sign_csr`] with a CA of the given kind of key.
pub fn sign_csr_with(csr_pem: &str, key: CaKey) -> Result<SignedMaterial, PkiError> {
    sign_with_new_ca(csr_pem, key).map(|(material, _)| material)
}

/// [`sign_csr`], and the throwaway CA's private key (PKCS #8 PEM) with it: test fixtures for
/// a CA key handed to the provider (`ca_private_key_wo`). Never use this key for anything
/// real: it is printed, written to files and checked into test folders.
pub fn sign_csr_keeping_key(csr_pem: &str) -> Result<(SignedMaterial, String), PkiError> {
    sign_with_new_ca(csr_pem, CaKey::EcdsaP256)
}

fn sign_with_new_ca(csr_pem: &str, key: CaKey) -> Result<(SignedMaterial, String), PkiError> {
    let pem = single_pem(csr_pem, "CERTIFICATE REQUEST").map_err(PkiError::NotACsr)?;
    let (_, csr) = X509CertificationRequest::from_der(&pem.contents)
        .map_err(|e| PkiError::NotACsr(e.to_string()))?;
    csr.verify_signature()
        .map_err(|e| PkiError::BadCsrSignature(e.to_string()))?;
    let info = &csr.certification_request_info;
    let subject = distinguished_name(&info.subject);
    let public_key = SubjectPublicKeyInfo::from_der(info.subject_pki.raw)?;

    let algorithm = match key {
        CaKey::EcdsaP256 => &PKCS_ECDSA_P256_SHA256,
        CaKey::EcdsaP521 => &rcgen::PKCS_ECDSA_P521_SHA512,
    };
    let ca = new_root_with("Customer Root CA", "cloudhsm-emulator customer", algorithm)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = subject;
    params.serial_number = Some(random_serial());
    let cert = params.signed_by(&public_key, &ca)?;
    let material = SignedMaterial {
        trust_anchor_pem: ca.pem(),
        signed_cert_pem: cert.pem(),
    };
    Ok((material, ca.key().serialize_pem()))
}

/// The emulator-wide roots that issue the HSM hardware certificates.
#[derive(Debug)]
pub(crate) struct Authorities {
    aws_root: CertifiedIssuer<'static, KeyPair>,
    manufacturer_root: CertifiedIssuer<'static, KeyPair>,
}

impl Authorities {
    pub(crate) fn new() -> Result<Self, PkiError> {
        Ok(Authorities {
            aws_root: new_root("AWS CloudHSM Root (emulated)", "Amazon Web Services")?,
            manufacturer_root: new_root("HSM Manufacturer Root (emulated)", "Cavium")?,
        })
    }
}

/// Key material of a cluster, created with its first HSM.
#[derive(Clone, Debug)]
pub(crate) struct ClusterMaterial {
    /// The cluster CSR (PEM), signed by the cluster key (RSA-2048, as the real HSMs use).
    pub csr_pem: String,
    /// DER SubjectPublicKeyInfo of the cluster key.
    pub spki_der: Vec<u8>,
    /// The cluster key's certificate, issued by the HSM hardware key.
    pub hsm_certificate: String,
    /// The HSM hardware certificate issued by the (emulated) AWS root.
    pub aws_hardware_certificate: String,
    /// The HSM hardware certificate issued by the (emulated) manufacturer root.
    pub manufacturer_hardware_certificate: String,
}

pub(crate) fn cluster_material(
    hsm_id: &str,
    authorities: &Authorities,
) -> Result<ClusterMaterial, PkiError> {
    let cluster_key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)?;
    let serial = hsm_id.trim_start_matches("hsm-");
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CountryName, "US");
    subject.push(DnType::StateOrProvinceName, "CA");
    subject.push(DnType::LocalityName, "SanJose");
    subject.push(DnType::OrganizationName, "Cavium");
    subject.push(DnType::OrganizationalUnitName, "N3FIPS");
    subject.push(
        DnType::CommonName,
        format!("HSM:{serial}:PARTN:1, for FIPS mode"),
    );
    let mut csr_params = CertificateParams::default();
    csr_params.distinguished_name = subject.clone();
    let csr_pem = csr_params.serialize_request(&cluster_key)?.pem()?;

    // The hardware key certifies the cluster key; the two roots certify the hardware key.
    let hardware_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut hardware_params = CertificateParams::default();
    hardware_params
        .distinguished_name
        .push(DnType::CommonName, format!("HSM hardware {serial}"));
    hardware_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    hardware_params.serial_number = Some(random_serial());
    let aws_hardware = hardware_params.signed_by(&hardware_key, &authorities.aws_root)?;
    let manufacturer_hardware =
        hardware_params.signed_by(&hardware_key, &authorities.manufacturer_root)?;
    let hardware_issuer = CertifiedIssuer::self_signed(hardware_params, hardware_key)?;

    let mut hsm_params = CertificateParams::default();
    hsm_params.distinguished_name = subject;
    hsm_params.serial_number = Some(random_serial());
    let hsm_cert = hsm_params.signed_by(&cluster_key, &hardware_issuer)?;

    let spki_der = public_key_der(&csr_pem).map_err(PkiError::NotACsr)?;
    Ok(ClusterMaterial {
        csr_pem,
        spki_der,
        hsm_certificate: hsm_cert.pem(),
        aws_hardware_certificate: aws_hardware.pem(),
        manufacturer_hardware_certificate: manufacturer_hardware.pem(),
    })
}

/// The DER SubjectPublicKeyInfo of a PEM CSR.
pub(crate) fn public_key_der(csr_pem: &str) -> Result<Vec<u8>, String> {
    let pem = single_pem(csr_pem, "CERTIFICATE REQUEST")?;
    let (_, csr) = X509CertificationRequest::from_der(&pem.contents).map_err(|e| e.to_string())?;
    Ok(csr.certification_request_info.subject_pki.raw.to_vec())
}

/// What `InitializeCluster` does with a signature the emulator cannot check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unverifiable {
    Accept,
    Refuse,
}

/// Whether `cert`'s signature verifies with `key` (its own when `None`): `Ok(false)` when it
/// does not, `Err` with the message when the verifier cannot check it and `unverifiable`
/// refuses that.
fn signature_holds(
    field: &str,
    cert: &X509Certificate<'_>,
    key: Option<&PublicKeyInfo<'_>>,
    unverifiable: Unverifiable,
) -> Result<bool, String> {
    match cert.verify_signature(key) {
        Ok(()) => Ok(true),
        Err(X509Error::SignatureUnsupportedAlgorithm) => match unverifiable {
            Unverifiable::Accept => Ok(true),
            Unverifiable::Refuse => Err(format!(
                "{field}'s signature algorithm ({}) is not supported",
                cert.signature_algorithm.algorithm.to_id_string()
            )),
        },
        Err(_) => Ok(false),
    }
}

/// Applies the `InitializeCluster` certificate rules. `Err` carries the message for a
/// `CloudHsmInvalidRequestException`.
pub(crate) fn check_initialization(
    csr_spki_der: &[u8],
    signed_cert: &str,
    trust_anchor: &str,
    unverifiable: Unverifiable,
) -> Result<(), String> {
    let anchor_pem = certificate_pem("TrustAnchor", trust_anchor)?;
    let signed_pem = certificate_pem("SignedCert", signed_cert)?;
    let anchor = parse_certificate("TrustAnchor", &anchor_pem)?;
    let signed = parse_certificate("SignedCert", &signed_pem)?;

    if anchor.issuer().as_raw() != anchor.subject().as_raw() {
        return Err(format!(
            "TrustAnchor must be a self-signed root certificate, but its issuer ({}) differs from its subject ({})",
            anchor.issuer(),
            anchor.subject()
        ));
    }
    if !signature_holds("TrustAnchor", &anchor, None, unverifiable)? {
        return Err(
            "TrustAnchor must be a self-signed root certificate, but its signature does not verify with its own public key"
                .to_string(),
        );
    }
    if !anchor.validity().is_valid() {
        return Err("TrustAnchor is not valid at the current time".to_string());
    }
    if !signed.validity().is_valid() {
        return Err("SignedCert is not valid at the current time".to_string());
    }
    if signed.issuer().as_raw() != anchor.subject().as_raw() {
        return Err(format!(
            "SignedCert was not issued by the TrustAnchor: its issuer is ({}), the TrustAnchor is ({})",
            signed.issuer(),
            anchor.subject()
        ));
    }
    if !signature_holds(
        "SignedCert",
        &signed,
        Some(anchor.public_key()),
        unverifiable,
    )? {
        return Err(
            "SignedCert's signature does not verify with the TrustAnchor's public key".to_string(),
        );
    }
    if signed.public_key().raw != csr_spki_der {
        return Err(
            "SignedCert's public key does not match the public key of the cluster's CSR"
                .to_string(),
        );
    }
    Ok(())
}

/// Checks length and PEM framing of one certificate field.
fn certificate_pem(field: &str, text: &str) -> Result<Pem, String> {
    let chars = text.chars().count();
    if chars == 0 {
        return Err(format!("{field} must not be empty"));
    }
    if chars > MAX_CERTIFICATE_CHARS {
        return Err(format!(
            "{field} is {chars} characters long; the maximum is {MAX_CERTIFICATE_CHARS}"
        ));
    }
    single_pem(text, "CERTIFICATE").map_err(|e| format!("{field}: {e}"))
}

fn parse_certificate<'a>(field: &str, pem: &'a Pem) -> Result<X509Certificate<'a>, String> {
    match X509Certificate::from_der(&pem.contents) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(format!("{field}: trailing bytes after the certificate")),
        Err(e) => Err(format!("{field} is not a valid X.509 certificate: {e}")),
    }
}

/// Exactly one PEM block with the given label, and nothing else but whitespace.
fn single_pem(text: &str, label: &str) -> Result<Pem, String> {
    let trimmed = text.trim();
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    if !trimmed.starts_with(&begin) || !trimmed.ends_with(&end) {
        return Err(format!("must be a single PEM block of type {label}"));
    }
    let mut blocks = Pem::iter_from_buffer(trimmed.as_bytes());
    let first = match blocks.next() {
        Some(Ok(pem)) => pem,
        Some(Err(e)) => return Err(format!("invalid PEM: {e}")),
        None => return Err(format!("no PEM block of type {label}")),
    };
    if blocks.next().is_some() {
        return Err(format!(
            "must contain exactly one PEM block of type {label}"
        ));
    }
    if first.label != label {
        return Err(format!("PEM block is {:?}, expected {label}", first.label));
    }
    Ok(first)
}

fn new_root(
    common_name: &str,
    organization: &str,
) -> Result<CertifiedIssuer<'static, KeyPair>, PkiError> {
    new_root_with(common_name, organization, &PKCS_ECDSA_P256_SHA256)
}

fn new_root_with(
    common_name: &str,
    organization: &str,
    algorithm: &'static rcgen::SignatureAlgorithm,
) -> Result<CertifiedIssuer<'static, KeyPair>, PkiError> {
    let key = KeyPair::generate_for(algorithm)?;
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, organization);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.serial_number = Some(random_serial());
    Ok(CertifiedIssuer::self_signed(params, key)?)
}

fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f; // keep it positive
    SerialNumber::from_slice(&bytes)
}

/// Copies a parsed X.509 name into rcgen's form (string-valued attributes only).
fn distinguished_name(name: &x509_parser::x509::X509Name<'_>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for attr in name.iter_attributes() {
        let Some(oid) = attr.attr_type().iter() else {
            continue;
        };
        let oid: Vec<u64> = oid.collect();
        if let Ok(value) = attr.as_str() {
            dn.push(
                DnType::from_oid(&oid),
                DnValue::Utf8String(value.to_string()),
            );
        }
    }
    dn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_csr_signed_by_sign_csr_passes_the_checks() {
        let auth = Authorities::new().expect("authorities");
        let material = cluster_material("hsm-abcdefghijk", &auth).expect("material");
        let signed = sign_csr(&material.csr_pem).expect("sign");
        check_initialization(
            &material.spki_der,
            &signed.signed_cert_pem,
            &signed.trust_anchor_pem,
            Unverifiable::Refuse,
        )
        .expect("accepted");
    }

    #[test]
    fn a_signature_the_emulator_cannot_check_is_refused_or_accepted_as_configured() {
        let auth = Authorities::new().expect("authorities");
        let material = cluster_material("hsm-abcdefghijk", &auth).expect("material");
        let signed = sign_csr_with(&material.csr_pem, CaKey::EcdsaP521).expect("sign");
        let check = |unverifiable| {
            check_initialization(
                &material.spki_der,
                &signed.signed_cert_pem,
                &signed.trust_anchor_pem,
                unverifiable,
            )
        };
        let err = check(Unverifiable::Refuse).expect_err("refused");
        assert!(
            err.contains("TrustAnchor's signature algorithm") && err.contains("not supported"),
            "{err}"
        );
        check(Unverifiable::Accept).expect("accepted");
    }

    #[test]
    fn two_pem_blocks_are_refused() {
        let auth = Authorities::new().expect("authorities");
        let material = cluster_material("hsm-abcdefghijk", &auth).expect("material");
        let signed = sign_csr(&material.csr_pem).expect("sign");
        let chain = format!("{}\n{}", signed.signed_cert_pem, signed.trust_anchor_pem);
        let err = check_initialization(
            &material.spki_der,
            &chain,
            &signed.trust_anchor_pem,
            Unverifiable::Refuse,
        )
        .expect_err("refused");
        assert!(err.contains("exactly one"), "{err}");
    }
}
