//! The EC2 instance metadata service (IMDSv2) over HTTP as the SDK's IMDS client sends it:
//! 404 everywhere until an instance role is attached, a session token only for a `PUT` with
//! a lifetime (given back in the answer's header), every read refused (401) without a token
//! it issued, and credentials the STS emulation traces back to the instance's role.

mod common;

use common::{instant_emulator, raw_http};
use serde_json::Value;

const ROLE: &str = "arn:aws:iam::111122223333:role/ci-runner";
const TTL: &str = "x-aws-ec2-metadata-token-ttl-seconds";

#[tokio::test]
async fn tokens_first_then_the_instance_roles_credentials_and_region() {
    let emulator = instant_emulator().await;
    let api = emulator.local_addr();
    let control = emulator.control();

    let (status, _, _) = raw_http(api, "PUT", "/latest/api/token", &[(TTL, "21600")], "").await;
    assert_eq!(status, 404, "no role attached yet");

    control.attach_instance_role(ROLE, "ap-southeast-2");
    let (status, _, _) = raw_http(api, "PUT", "/latest/api/token", &[], "").await;
    assert_eq!(status, 400, "a token needs a lifetime");
    let (status, _, _) = raw_http(api, "PUT", "/latest/api/token", &[(TTL, "21601")], "").await;
    assert_eq!(status, 400, "at most six hours");
    let (status, _, _) = raw_http(api, "GET", "/latest/api/token", &[(TTL, "60")], "").await;
    assert_eq!(status, 405);
    let (status, head, token) = raw_http(api, "PUT", "/latest/api/token", &[(TTL, "60")], "").await;
    assert_eq!(status, 200);
    assert!(head.contains(&format!("{TTL}: 60")), "{head}");

    let region = "/latest/meta-data/placement/region";
    let (status, _, _) = raw_http(api, "GET", region, &[], "").await;
    assert_eq!(status, 401, "no token");
    let forged = [("x-aws-ec2-metadata-token", "not-issued-here")];
    let (status, _, _) = raw_http(api, "GET", region, &forged, "").await;
    assert_eq!(status, 401, "a token it did not issue");

    let with_token = [("x-aws-ec2-metadata-token", token.as_str())];
    let (status, _, body) = raw_http(api, "GET", region, &with_token, "").await;
    assert_eq!((status, body.as_str()), (200, "ap-southeast-2"));
    let roles = "/latest/meta-data/iam/security-credentials/";
    let (status, _, name) = raw_http(api, "GET", roles, &with_token, "").await;
    assert_eq!((status, name.as_str()), (200, "ci-runner"));
    let (status, _, _) = raw_http(api, "GET", &format!("{roles}other"), &with_token, "").await;
    assert_eq!(status, 404, "another role");

    let (status, _, body) = raw_http(api, "GET", &format!("{roles}{name}"), &with_token, "").await;
    assert_eq!(status, 200, "{body}");
    let creds: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(creds["Code"], "Success");
    let key = creds["AccessKeyId"].as_str().expect("AccessKeyId");
    assert!(key.starts_with("ASIA"), "{key}");
    assert!(creds["Token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(creds["Expiration"]
        .as_str()
        .is_some_and(|e| e.ends_with('Z')));
    assert_eq!(control.assumed_role_of(key).as_deref(), Some(ROLE));
    assert_eq!(control.account_of(key), "111122223333");

    // Recorded by method and path, never with the token or the key.
    let calls = control.calls("InstanceMetadata");
    assert_eq!(calls.len(), 11, "{calls:?}");
    let recorded = serde_json::to_string(&calls).expect("JSON");
    assert!(!recorded.contains(&token) && !recorded.contains(key));
}
