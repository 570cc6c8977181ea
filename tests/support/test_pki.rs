//! Certificates for test servers on loopback: a CA made for one test run, and server
//! certificates it issues for `localhost` and 127.0.0.1, valid from yesterday for a month
//! (macOS refuses server certificates valid for longer than 825 days).

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

fn validity(params: &mut rcgen::CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
}

/// A new self-signed CA named `common_name`: its certificate and key, in PEM.
pub fn make_ca(common_name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("CA key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    validity(&mut params);
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert.pem(), key.serialize_pem())
}

/// The issuer of a CA from [`make_ca`]'s PEMs.
pub fn issuer(cert_pem: &str, key_pem: &str) -> rcgen::Issuer<'static, rcgen::KeyPair> {
    let key = rcgen::KeyPair::from_pem(key_pem).expect("CA key");
    rcgen::Issuer::from_ca_cert_pem(cert_pem, key).expect("CA certificate")
}

/// A server certificate from `issuer` for 127.0.0.1 and `localhost`, and its key.
pub fn server_identity(
    issuer: &rcgen::Issuer<'static, rcgen::KeyPair>,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = rcgen::KeyPair::generate().expect("server key");
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("server params");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut params);
    let cert = params.signed_by(&key, issuer).expect("server certificate");
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}
