//! The IAM Identity Center portal's `GetRoleCredentials`, over HTTP as the SDK's SSO
//! credentials provider sends it: refused (401 `UnauthorizedException`) for a token nobody
//! allowed, then, once allowed through the control API, fresh credentials whose calls the
//! STS emulation traces back to the account and the permission set's role.

mod common;

use common::{instant_emulator, raw_http_for_host};
use serde_json::Value;

const PORTAL: &str = "portal.sso.eu-west-1.amazonaws.com";
const PATH: &str = "/federation/credentials?account_id=111122223333&role_name=CloudHsmAdmin";

#[tokio::test]
async fn a_token_is_refused_until_allowed_then_its_credentials_are_the_roles() {
    let emulator = instant_emulator().await;
    let api = emulator.local_addr();
    let token = [("x-amz-sso_bearer_token", "token-from-aws-sso-login")];

    let (status, head, body) = raw_http_for_host(api, PORTAL, "GET", PATH, &token, "").await;
    assert_eq!(status, 401, "{body}");
    assert!(
        head.contains("x-amzn-errortype: unauthorizedexception"),
        "{head}"
    );
    assert!(
        body.contains("Session token not found or invalid"),
        "{body}"
    );
    let (status, _, _) = raw_http_for_host(api, PORTAL, "GET", PATH, &[], "").await;
    assert_eq!(status, 401, "no token at all");

    let (status, _, body) = common::raw_http(
        api,
        "POST",
        "/_emulator/sso-tokens",
        &[("content-type", "application/json")],
        r#"{"Token":"token-from-aws-sso-login"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = raw_http_for_host(
        api,
        PORTAL,
        "GET",
        "/federation/credentials?account_id=12345&role_name=CloudHsmAdmin",
        &token,
        "",
    )
    .await;
    assert_eq!(status, 400, "an account id that is not 12 digits: {body}");

    let (status, _, body) = raw_http_for_host(api, PORTAL, "GET", PATH, &token, "").await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    let creds = &answer["roleCredentials"];
    let key = creds["accessKeyId"].as_str().expect("accessKeyId");
    assert!(key.starts_with("ASIA"), "{key}");
    assert!(creds["secretAccessKey"]
        .as_str()
        .is_some_and(|s| s.len() == 40));
    assert!(creds["sessionToken"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(creds["expiration"]
        .as_u64()
        .is_some_and(|ms| ms > 1_700_000_000_000));

    let control = emulator.control();
    assert_eq!(control.account_of(key), "111122223333");
    let role = control.assumed_role_of(key).expect("a role behind the key");
    assert!(
        role.starts_with(
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_CloudHsmAdmin_"
        ),
        "{role}"
    );
    let records = control.call_records("GetRoleCredentials");
    assert_eq!(records.len(), 4);
    assert_eq!(records[3].host.as_deref(), Some(PORTAL));
    assert_eq!(records[3].region.as_deref(), Some("eu-west-1"));
    assert!(records
        .iter()
        .all(|r| !r.body.to_string().contains("token-from-aws-sso-login")));
}
