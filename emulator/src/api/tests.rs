use super::describe::{decode_token, encode_token};
use super::initialize::validate_certificate_fields;
use super::input::retention_days;
use super::*;
use crate::pki;

#[test]
fn tokens_round_trip_and_garbage_is_refused() {
    assert_eq!(decode_token(&encode_token(42)), Some(42));
    assert_eq!(decode_token("garbage"), None);
}

#[test]
fn certificate_fields_follow_the_api_pattern_and_length() {
    let auth = pki::Authorities::new().expect("authorities");
    let material = pki::cluster_material("hsm-abcdefghijk", &auth).expect("material");
    let signed = pki::sign_csr(&material.csr_pem).expect("sign");
    validate_certificate_fields(&[
        ("signedCert", &signed.signed_cert_pem),
        ("trustAnchor", &signed.trust_anchor_pem),
    ])
    .expect("sign_csr output matches the pattern");
    assert!(validate_certificate_fields(&[("signedCert", "a+,-./=\t\r\n\u{0b}\u{0c} Z9")]).is_ok());

    let openssl_export = format!(
        "Bag Attributes\n    localKeyID: 01 02\nsubject=/CN=x\n{}",
        signed.signed_cert_pem
    );
    let err = validate_certificate_fields(&[("signedCert", &openssl_export)])
        .expect_err("the ':' is outside the pattern");
    assert_eq!(
        err.message,
        r"1 validation error detected: Value at 'signedCert' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9+-/=\s]*"
    );
    assert_eq!(err.code, "CloudHsmInvalidRequestException");

    let long = "A".repeat(5001);
    let err = validate_certificate_fields(&[("signedCert", "x_y"), ("trustAnchor", &long)])
        .expect_err("two errors");
    assert!(
        err.message.starts_with("2 validation errors detected: "),
        "{}",
        err.message
    );
    assert!(err.message.contains("Value at 'trustAnchor' failed to satisfy constraint: Member must have length less than or equal to 5000"), "{}", err.message);
    assert!(validate_certificate_fields(&[("trustAnchor", &"A".repeat(5000))]).is_ok());
}

#[test]
fn retention_bounds() {
    let p = |v: &str| json!({"Type": "DAYS", "Value": v});
    assert_eq!(retention_days(&p("7")).ok(), Some(7));
    assert_eq!(retention_days(&p("379")).ok(), Some(379));
    assert!(retention_days(&p("6")).is_err());
    assert!(retention_days(&p("380")).is_err());
    assert!(retention_days(&p("+9")).is_err());
    assert!(retention_days(&json!({"Type": "WEEKS", "Value": "9"})).is_err());
}
