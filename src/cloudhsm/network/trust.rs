//! Which certificate authorities TLS connections to AWS trust: the machine's own store (the
//! operating system's, which on Linux honours `SSL_CERT_FILE` and `SSL_CERT_DIR`), plus the
//! certificates of a CA bundle: the `custom_ca_bundle` argument, else `AWS_CA_BUNDLE`, else
//! `ca_bundle` in the selected profile of the shared config file. A bundle adds to the
//! store; it never replaces it.
//!
//! Every certificate of a bundle is checked here, the way the TLS library will take it, so
//! that a bad file is an error naming the file, never a failure deep in the HTTP client.
//! Knows files and certificates; nothing of proxies or AWS.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::{NetworkError, Origin};

/// A CA bundle file, read and checked.
#[derive(Clone, Debug)]
pub struct CaBundle {
    pub path: PathBuf,
    pub origin: Origin,
    /// Each certificate as PEM text, re-encoded from what was checked.
    pub certificates: Vec<String>,
}

impl CaBundle {
    /// Reads `path` (`~/` is the home directory) and checks each certificate in it.
    pub fn load(path: &str, origin: Origin, home: Option<&str>) -> Result<CaBundle, NetworkError> {
        let path = expand_home(path.trim(), home);
        let problem = |problem: String| NetworkError::CaBundle {
            path: path.clone(),
            origin: origin.clone(),
            problem,
        };
        if path.is_dir() {
            return Err(problem(
                "is a directory; give the path of a PEM file (all certificates in one file)"
                    .to_string(),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => problem("does not exist".to_string()),
            _ => problem(format!("cannot be read ({e})")),
        })?;
        let mut certificates = Vec::new();
        for (n, item) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
            let der = item.map_err(|e| {
                problem(format!(
                    "holds a PEM block that cannot be read (block {}: {e})",
                    n + 1
                ))
            })?;
            let mut store = rustls::RootCertStore::empty();
            store.add(der.clone()).map_err(|e| {
                problem(format!(
                    "holds a certificate that cannot be trusted as an authority (certificate \
                     {}: {e})",
                    n + 1
                ))
            })?;
            certificates.push(pem(&der));
        }
        if certificates.is_empty() {
            let hint = if bytes.starts_with(&[0x30]) {
                " (it looks like DER: convert it with `openssl x509 -inform der -in FILE \
                 -out FILE.pem`)"
            } else {
                ""
            };
            return Err(problem(format!(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----){hint}"
            )));
        }
        Ok(CaBundle {
            path,
            origin,
            certificates,
        })
    }
}

/// `~/x` as `<home>/x`; other paths as they are (relative ones from Terraform's working
/// directory, where the provider runs).
fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// One certificate as PEM text.
fn pem(der: &CertificateDer<'_>) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).expect("ca").pem()
    }

    fn load(contents: &[u8]) -> Result<CaBundle, NetworkError> {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("bundle.pem");
        std::fs::write(&file, contents).expect("write");
        CaBundle::load(
            &file.to_string_lossy(),
            Origin::Argument("custom_ca_bundle"),
            None,
        )
    }

    #[test]
    fn every_certificate_of_a_bundle_is_taken_and_other_blocks_ignored() {
        let text = format!(
            "# corporate roots\n{}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{}",
            ca_pem(),
            ca_pem()
        );
        let bundle = load(text.as_bytes()).expect("loads");
        assert_eq!(bundle.certificates.len(), 2);
        assert!(bundle.certificates[0].starts_with("-----BEGIN CERTIFICATE-----\n"));
    }

    #[test]
    fn a_missing_file_an_empty_one_and_a_der_file_say_so_with_the_path() {
        let missing = CaBundle::load(
            "/nonexistent/corp-ca.pem",
            Origin::Environment("AWS_CA_BUNDLE"),
            None,
        )
        .expect_err("missing")
        .to_string();
        assert!(missing.contains("/nonexistent/corp-ca.pem"), "{missing}");
        assert!(missing.contains("does not exist"), "{missing}");
        assert!(missing.contains("AWS_CA_BUNDLE"), "{missing}");
        let empty = load(b"just some text\n").expect_err("empty").to_string();
        assert!(empty.contains("holds no PEM certificate"), "{empty}");
        let der = load(&[0x30, 0x82, 0x01, 0x0a])
            .expect_err("der")
            .to_string();
        assert!(der.contains("openssl x509 -inform der"), "{der}");
        let broken = load(b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
            .expect_err("broken")
            .to_string();
        assert!(broken.contains("certificate"), "{broken}");
        let dir = tempfile::tempdir().expect("dir");
        let is_dir = CaBundle::load(
            &dir.path().to_string_lossy(),
            Origin::Argument("custom_ca_bundle"),
            None,
        )
        .expect_err("dir")
        .to_string();
        assert!(is_dir.contains("is a directory"), "{is_dir}");
    }

    #[test]
    fn a_home_relative_path_is_expanded() {
        assert_eq!(
            expand_home("~/certs/ca.pem", Some("/home/u")),
            PathBuf::from("/home/u/certs/ca.pem")
        );
        assert_eq!(
            expand_home("certs/ca.pem", Some("/home/u")),
            PathBuf::from("certs/ca.pem")
        );
    }
}
