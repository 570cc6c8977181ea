//! The accounts `GetCallerIdentity` answers through the real SDK: a default for access keys
//! the emulator did not issue (from `EmulatorConfig`, `Control`, HTTP or the binary's
//! `--default-account`), one per access key, and the role's account for credentials it
//! issued.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_sts::config::Credentials;
use cloudhsm_emulator::{Emulator, EmulatorConfig, Timings, DEFAULT_ACCOUNT};
use common::{authorization_for, raw_http};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::210987654321:role/Deployer";

fn sts(emulator: &Emulator, key: &str) -> aws_sdk_sts::Client {
    sts_with(
        emulator,
        Credentials::new(key, "secret", None, None, "test"),
    )
}

fn sts_with(emulator: &Emulator, credentials: Credentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .endpoint_url(emulator.sts_endpoint_url())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

async fn account_of(emulator: &Emulator, key: &str) -> String {
    sts(emulator, key)
        .get_caller_identity()
        .send()
        .await
        .expect("who am I")
        .account()
        .expect("an account")
        .to_string()
}

#[tokio::test]
async fn the_default_and_per_key_accounts_are_what_get_caller_identity_answers() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    assert_eq!(account_of(&emulator, "AKIDONE").await, DEFAULT_ACCOUNT);
    assert_eq!(control.default_account(), DEFAULT_ACCOUNT);

    control.set_default_account("111122223333");
    control.set_account_for_access_key("AKIDOTHER", "444455556666");
    assert_eq!(account_of(&emulator, "AKIDONE").await, "111122223333");
    let me = sts(&emulator, "AKIDOTHER")
        .get_caller_identity()
        .send()
        .await
        .expect("who am I");
    assert_eq!(me.account(), Some("444455556666"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:iam::444455556666:user/emulator-user")
    );
    assert_eq!(control.account_of("AKIDOTHER"), "444455556666");
    assert_eq!(control.account_of("AKIDANY"), "111122223333");

    // A role assumed answers the role ARN's account, whatever the caller's.
    let out = sts(&emulator, "AKIDOTHER")
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .expect("assumed");
    let c = out.credentials().expect("credentials");
    let me = sts_with(
        &emulator,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ),
    )
    .get_caller_identity()
    .send()
    .await
    .expect("who am I");
    assert_eq!(me.account(), Some("210987654321"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::210987654321:assumed-role/Deployer/s1")
    );
    // A per-key account does not override an issued key's role.
    control.set_account_for_access_key(c.access_key_id(), "999988887777");
    assert_eq!(control.account_of(c.access_key_id()), "210987654321");
}

#[tokio::test]
async fn accounts_are_set_over_http_and_checked() {
    let emulator = common::instant_emulator().await;
    let api = emulator.local_addr();
    let headers = [("Content-Type", "application/json")];
    let (status, _, body) = raw_http(
        api,
        "POST",
        "/_emulator/accounts",
        &headers,
        r#"{"DefaultAccount":"111122223333","AccessKeys":{"AKIDOTHER":"444455556666"}}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        v,
        json!({"DefaultAccount": "111122223333", "AccessKeys": {"AKIDOTHER": "444455556666"}})
    );
    assert_eq!(account_of(&emulator, "AKIDONE").await, "111122223333");
    assert_eq!(account_of(&emulator, "AKIDOTHER").await, "444455556666");

    // Nothing is set when any value is wrong.
    for bad in [
        r#"{"DefaultAccount":"12345"}"#,
        r#"{"DefaultAccount":"999988887777","AccessKeys":{"AKIDX":"not-an-account"}}"#,
        r#"{"AccessKeys":["AKIDX"]}"#,
        r#"{"DefaultAccount":123456789012}"#,
    ] {
        let (status, _, body) = raw_http(api, "POST", "/_emulator/accounts", &headers, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _, body) = raw_http(api, "GET", "/_emulator/accounts", &[], "").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["DefaultAccount"], "111122223333");
    assert_eq!(v["AccessKeys"], json!({"AKIDOTHER": "444455556666"}));

    // What the emulator knows of one key.
    let (status, _, body) = raw_http(api, "GET", "/_emulator/access-keys/AKIDOTHER", &[], "").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        v,
        json!({"AccessKeyId": "AKIDOTHER", "Account": "444455556666", "AssumedRole": null})
    );
}

#[tokio::test]
async fn the_configured_default_account_applies_from_the_start() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings::instant(),
        default_account: "555566667777".to_string(),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    assert_eq!(account_of(&emulator, "AKIDONE").await, "555566667777");
}

#[tokio::test]
async fn the_binary_takes_a_default_account() {
    let bad = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .args(["--default-account", "1234"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run the binary");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("--default-account \"1234\" is not an AWS account id"),
        "{stderr}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .args(["--instant", "--default-account", "111122223333"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut next = || lines.next().expect("a line").expect("read");
    let api: std::net::SocketAddr = next()
        .trim_start_matches("ENDPOINT=http://")
        .parse()
        .expect("host:port");
    let sts: std::net::SocketAddr = next()
        .trim_start_matches("STS_ENDPOINT=http://")
        .parse()
        .expect("host:port");
    let auth = authorization_for("sts");
    let (status, _, body) = raw_http(
        sts,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &auth),
        ],
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Account>111122223333</Account>"), "{body}");
    let (status, _, _) = raw_http(api, "POST", "/_emulator/shutdown", &[], "").await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        if let Ok(Some(s)) = child.try_wait() {
            assert!(s.success(), "{s:?}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    panic!("the binary did not exit");
}
