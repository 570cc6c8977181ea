//! The STS emulation through the real SDK: an assume-role credentials provider pointed at
//! it, CloudHSM calls signed with the credentials it issued, the record of which access key
//! signed each call, STS's input rules and error shapes, faults on `AssumeRole`, and the
//! binary's `STS_ENDPOINT=` line.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::sts::AssumeRoleProvider;
use aws_config::BehaviorVersion;
use aws_sdk_cloudhsmv2::config::{Credentials, Region};
use aws_sdk_sts::error::ProvideErrorMetadata;
use cloudhsm_emulator::{Behaviour, ClusterSpec, Emulator, Fault, FaultKind};
use common::{authorization_for, raw_http};
use serde_json::Value;

const ROLE: &str = "arn:aws:iam::210987654321:role/ops/Deployer";
const BASE_KEY: &str = "AKIDBASEKEY";

fn base_credentials() -> Credentials {
    Credentials::new(BASE_KEY, "base-secret", None, None, "base")
}

/// An STS client with the base credentials, pointed at the emulator's STS listener.
fn sts_client(emulator: &Emulator, attempts: u32) -> aws_sdk_sts::Client {
    sts_client_with(emulator, attempts, base_credentials())
}

fn sts_client_with(
    emulator: &Emulator,
    attempts: u32,
    credentials: Credentials,
) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .endpoint_url(emulator.sts_endpoint_url())
        .retry_config(
            aws_sdk_sts::config::retry::RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// A CloudHSM client whose credentials come from an assume-role provider that calls the
/// emulator's STS with the base credentials.
async fn assumed_role_client(emulator: &Emulator, role: &str) -> aws_sdk_cloudhsmv2::Client {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(base_credentials())
        .endpoint_url(emulator.sts_endpoint_url())
        .load()
        .await;
    let provider = AssumeRoleProvider::builder(role)
        .session_name("terraform-e2e")
        .external_id("ext-1234")
        .configure(&base)
        .build()
        .await;
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(aws_sdk_cloudhsmv2::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(provider)
        .endpoint_url(emulator.endpoint_url())
        .retry_config(
            aws_sdk_cloudhsmv2::config::retry::RetryConfig::standard().with_max_attempts(1),
        )
        .build();
    aws_sdk_cloudhsmv2::Client::from_conf(config)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[tokio::test]
async fn cloudhsm_calls_are_signed_by_the_assumed_role_and_assume_role_by_the_base_key() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    let client = assumed_role_client(&emulator, ROLE).await;
    let c = common::describe_one(&client, &id).await;
    assert_eq!(c.cluster_id(), Some(id.as_str()));
    client
        .describe_clusters()
        .send()
        .await
        .expect("a second call");

    let keys = control.access_keys("DescribeClusters");
    assert_eq!(keys.len(), 2);
    assert!(
        keys[0].starts_with("ASIA") && keys[0].len() == 20,
        "{keys:?}"
    );
    assert_eq!(keys[0], keys[1], "the SDK caches the assumed credentials");
    assert_eq!(control.assumed_role_of(&keys[0]).as_deref(), Some(ROLE));

    assert_eq!(control.call_count("AssumeRole"), 1);
    assert_eq!(control.attempts("AssumeRole"), 1);
    assert_eq!(
        control.access_keys("AssumeRole"),
        vec![BASE_KEY.to_string()]
    );
    assert_eq!(control.assumed_role_of(BASE_KEY), None);
    let call = &control.calls("AssumeRole")[0];
    assert_eq!(call["Action"], "AssumeRole");
    assert_eq!(call["Version"], "2011-06-15");
    assert_eq!(call["RoleArn"], ROLE);
    assert_eq!(call["RoleSessionName"], "terraform-e2e");
    assert_eq!(call["ExternalId"], "ext-1234");

    // The all-calls listing over HTTP names each call's signer.
    let (status, _, body) =
        raw_http(emulator.local_addr(), "GET", "/_emulator/calls", &[], "").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    let signers: Vec<(&str, &str)> = v["Calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| {
            (
                c["Operation"].as_str().unwrap_or(""),
                c["AccessKeyId"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        signers,
        vec![
            ("AssumeRole", BASE_KEY),
            ("DescribeClusters", keys[0].as_str()),
            ("DescribeClusters", keys[0].as_str()),
        ]
    );
    let (_, _, body) = raw_http(
        emulator.local_addr(),
        "GET",
        "/_emulator/calls?operation=AssumeRole",
        &[],
        "",
    )
    .await;
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["AccessKeys"], serde_json::json!([BASE_KEY]));
    assert_eq!(v["Attempts"], 1);
    assert_eq!(v["Calls"][0]["RoleArn"], ROLE);
}

#[tokio::test]
async fn assume_role_answers_credentials_and_the_assumed_role_user() {
    let emulator = common::instant_emulator().await;
    let sts = sts_client(&emulator, 1);
    let out = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("sess@example.com")
        .duration_seconds(900)
        .send()
        .await
        .expect("assumed");
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(creds.access_key_id().len(), 20);
    assert!(creds.access_key_id()[4..]
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(creds.secret_access_key().len(), 40);
    assert!(!creds.session_token().is_empty());
    let expires = creds.expiration().secs();
    assert!((expires - (unix_now() + 900)).abs() <= 5, "{expires}");
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::210987654321:assumed-role/Deployer/sess@example.com"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":sess@example.com"));

    // Default duration: one hour.
    let out = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s2")
        .send()
        .await
        .expect("assumed");
    let expires = out.credentials().expect("credentials").expiration().secs();
    assert!((expires - (unix_now() + 3600)).abs() <= 5, "{expires}");
    let second_role_id = out.assumed_role_user().expect("user").assumed_role_id();
    assert_eq!(
        second_role_id.split(':').next(),
        user.assumed_role_id().split(':').next(),
        "one role, one unique id"
    );

    // GetCallerIdentity: the base key is a plain user; an issued key is the assumed role.
    let me = sts.get_caller_identity().send().await.expect("who am I");
    assert_eq!(me.account(), Some("123456789012"));
    assert!(me
        .arn()
        .is_some_and(|a| a.starts_with("arn:aws:iam::123456789012:user/")));
    let c = out.credentials().expect("credentials");
    let assumed = sts_client_with(
        &emulator,
        1,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ),
    );
    let me = assumed
        .get_caller_identity()
        .send()
        .await
        .expect("who am I");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::210987654321:assumed-role/Deployer/s2")
    );
    assert_eq!(me.account(), Some("210987654321"));
    assert_eq!(me.user_id(), Some(second_role_id));
    assert_eq!(
        emulator.control().access_keys("GetCallerIdentity"),
        vec![BASE_KEY.to_string(), c.access_key_id().to_string()]
    );
}

#[tokio::test]
async fn assume_role_validates_its_input_like_sts() {
    let emulator = common::instant_emulator().await;
    let sts = sts_client(&emulator, 1);
    let cases: [(&str, &str, Option<i32>, &str); 6] = [
        ("not-an-arn-at-all-really", "s1", None, "'roleArn'"),
        (
            "arn:aws:iam::123456789012:user/someone",
            "s1",
            None,
            "'roleArn'",
        ),
        (
            ROLE,
            "x",
            None,
            "Member must have length greater than or equal to 2",
        ),
        (ROLE, "has space", None, r"[\w+=,.@-]*"),
        (ROLE, "s1", Some(899), "greater than or equal to 900"),
        (ROLE, "s1", Some(43_201), "less than or equal to 43200"),
    ];
    for (role, session, duration, expected) in cases {
        let err = sts
            .assume_role()
            .role_arn(role)
            .role_session_name(session)
            .set_duration_seconds(duration)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(
            err.code(),
            Some("ValidationError"),
            "{role} {session}: {err:?}"
        );
        let message = err.message().unwrap_or("");
        assert!(
            message.starts_with("1 validation error detected: "),
            "{message}"
        );
        assert!(message.contains(expected), "{expected}: {message}");
        let raw = err.raw_response().expect("a response");
        assert_eq!(raw.status().as_u16(), 400);
    }
    let out = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .duration_seconds(43_200)
        .send()
        .await
        .expect("12 hours is the maximum");
    assert!(out.credentials().is_some());
    // A source identity has a session name's shape.
    for (source, expected) in [
        ("a", "'sourceIdentity' failed to satisfy constraint: Member must have length greater than or equal to 2"),
        ("alice smith", r"'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"),
    ] {
        let err = sts
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .source_identity(source)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
        let message = err.message().unwrap_or("");
        assert!(message.contains(expected), "{expected}: {message}");
    }
    sts.assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .source_identity("alice@corp.example")
        .send()
        .await
        .expect("a source identity of the right shape");
    // Refused calls reached the service: they are recorded.
    assert_eq!(emulator.control().call_count("AssumeRole"), 10);
}

#[tokio::test]
async fn denied_roles_are_access_denied_and_the_provider_reports_it() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let denied = "arn:aws:iam::210987654321:role/Forbidden";
    control.set_behaviour(Behaviour {
        deny_assume_role: vec![denied.to_string()],
        ..Behaviour::default()
    });
    let err = sts_client(&emulator, 1)
        .assume_role()
        .role_arn(denied)
        .role_session_name("s1")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let message = err.message().unwrap_or("");
    assert!(
        message.contains("is not authorized to perform: sts:AssumeRole")
            && message.contains(denied),
        "{message}"
    );

    // Through the credentials provider the CloudHSM call fails before it is sent.
    let client = assumed_role_client(&emulator, denied).await;
    let err = client
        .describe_clusters()
        .send()
        .await
        .expect_err("no credentials");
    let text = format!("{:?}", aws_sdk_cloudhsmv2::error::DisplayErrorContext(&err));
    assert!(text.contains("AccessDenied"), "{text}");
    assert_eq!(control.attempts("DescribeClusters"), 0);
    // Other roles are fine.
    sts_client(&emulator, 1)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .expect("another role");
}

#[tokio::test]
async fn faults_apply_to_assume_role() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    control.inject(Fault::next_calls(
        Some("AssumeRole"),
        FaultKind::Throttle,
        2,
    ));
    let err = sts_client(&emulator, 1)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(err.code(), Some("Throttling"));
    sts_client(&emulator, 3)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .expect("the SDK retries through the throttle");
    assert_eq!(control.attempts("AssumeRole"), 3);
    assert_eq!(control.call_count("AssumeRole"), 1);

    control.inject(Fault::next_calls(
        Some("AssumeRole"),
        FaultKind::InternalError,
        1,
    ));
    let err = sts_client(&emulator, 1)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .expect_err("internal failure");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));

    control.inject(Fault::next_calls(Some("AssumeRole"), FaultKind::Hang, 1));
    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        sts_client(&emulator, 1)
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send(),
    )
    .await;
    assert!(waited.is_err(), "never answered");
    assert_eq!(control.attempts("AssumeRole"), 5);
    // A fault on AssumeRole leaves the CloudHSM API alone.
    control.inject(Fault::for_duration(
        Some("AssumeRole"),
        FaultKind::Throttle,
        Duration::from_secs(10),
    ));
    common::client(&emulator)
        .describe_clusters()
        .send()
        .await
        .expect("not throttled");
}

#[tokio::test]
async fn unreadable_and_html_answers_apply_to_sts() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let assume = || {
        sts_client(&emulator, 1)
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send()
    };
    control.inject(Fault::next_calls(None, FaultKind::HtmlAnswer(502), 1));
    let err = assume().await.expect_err("an HTML page");
    let raw = err.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 502);
    assert_eq!(raw.headers().get("content-type"), Some("text/html"));
    assert_eq!(control.call_count("AssumeRole"), 0, "not handled");

    // An Expiration that is no ISO 8601 date: handled, the credentials issued, unreadable.
    control.inject(Fault::next_calls(
        Some("AssumeRole"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    // (The STS SDK reports an XML it cannot decode as an unhandled service error, with the
    // 200 answer as its raw response.)
    let err = assume().await.expect_err("unreadable");
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(200),
        "{err:?}"
    );
    assert_eq!(err.code(), None, "{err:?}");
    assert_eq!(control.call_count("AssumeRole"), 1);
    // No timestamp: the root element is renamed.
    control.inject(Fault::next_calls(
        Some("GetCallerIdentity"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    let err = sts_client(&emulator, 1)
        .get_caller_identity()
        .send()
        .await
        .expect_err("unreadable");
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(200),
        "{err:?}"
    );
    sts_client(&emulator, 1)
        .get_caller_identity()
        .send()
        .await
        .expect("spent");
}

fn form_headers(auth: &str) -> Vec<(&str, &str)> {
    vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-Amz-Date", "20250101T000000Z"),
        ("Authorization", auth),
    ]
}

#[tokio::test]
async fn the_query_protocol_edges_are_answered_as_sts_does() {
    let emulator = common::instant_emulator().await;
    let sts = emulator.sts_local_addr();
    let form = "Action=GetCallerIdentity&Version=2011-06-15";

    let sts_auth = authorization_for("sts");
    let (status, head, body) = raw_http(sts, "POST", "/", &form_headers(&sts_auth), form).await;
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("text/xml"), "{head}");
    assert!(body.starts_with(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert!(body.contains("<RequestId>"), "{body}");

    // Signed for another service, or not signed: refused.
    let hsm_auth = authorization_for("cloudhsm");
    let (status, _, body) = raw_http(sts, "POST", "/", &form_headers(&hsm_auth), form).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    assert!(body.contains("<Type>Sender</Type>"), "{body}");
    let (status, _, body) = raw_http(
        sts,
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );

    // The CloudHSM listener keeps refusing requests signed for sts.
    let (status, _, body) = raw_http(
        emulator.local_addr(),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "BaldrApiService.DescribeClusters"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &sts_auth),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("InvalidSignatureException"), "{body}");

    // Unknown action, wrong version, no action, not a form.
    for (body_text, code) in [
        (
            "Action=DecodeAuthorizationMessage&Version=2011-06-15",
            "InvalidAction",
        ),
        ("Action=AssumeRole&Version=2010-01-01", "InvalidAction"),
        ("Version=2011-06-15", "MissingAction"),
        (
            "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1",
            "ValidationError",
        ),
    ] {
        let (status, _, body) =
            raw_http(sts, "POST", "/", &form_headers(&sts_auth), body_text).await;
        assert_eq!(status, 400, "{body_text}: {body}");
        assert!(
            body.contains(&format!("<Code>{code}</Code>")),
            "{body_text}: {body}"
        );
        assert!(body.starts_with("<ErrorResponse"), "{body}");
    }
    let (status, _, body) = raw_http(
        sts,
        "POST",
        "/",
        &[
            ("Content-Type", "application/json"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &sts_auth),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // The control API is not served on the STS port.
    let (status, _, _) = raw_http(sts, "GET", "/_emulator/health", &[], "").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_binary_prints_the_sts_endpoint_after_its_other_lines() {
    for seed in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"));
        command.arg("--instant");
        if seed {
            command.arg("--seed-cluster");
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the binary");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut next = || lines.next().expect("a line").expect("read");
        let endpoint = next();
        assert!(
            endpoint.starts_with("ENDPOINT=http://127.0.0.1:"),
            "{endpoint}"
        );
        if seed {
            let cluster = next();
            assert!(cluster.starts_with("CLUSTER_ID=cluster-"), "{cluster}");
        }
        let sts_line = next();
        let sts_url = sts_line
            .strip_prefix("STS_ENDPOINT=")
            .unwrap_or_else(|| panic!("STS_ENDPOINT= expected, got {sts_line:?}"));
        assert!(sts_url.starts_with("http://127.0.0.1:"), "{sts_url}");
        assert_ne!(sts_url, endpoint.trim_start_matches("ENDPOINT="));
        let sts_addr: std::net::SocketAddr = sts_url
            .trim_start_matches("http://")
            .parse()
            .expect("host:port");
        let auth = authorization_for("sts");
        let (status, _, body) = raw_http(
            sts_addr,
            "POST",
            "/",
            &form_headers(&auth),
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
        assert_eq!(status, 200, "{body}");

        let api: std::net::SocketAddr = endpoint
            .trim_start_matches("ENDPOINT=http://")
            .parse()
            .expect("host:port");
        let (status, _, _) = raw_http(api, "POST", "/_emulator/shutdown", &[], "").await;
        assert_eq!(status, 200);
        let mut exited = false;
        for _ in 0..100 {
            if let Ok(Some(s)) = child.try_wait() {
                assert!(s.success(), "{s:?}");
                exited = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if !exited {
            let _ = child.kill();
            panic!("the binary did not exit");
        }
    }
}

#[tokio::test]
async fn a_role_sessions_credentials_assume_another_role_for_an_hour_at_most() {
    let emulator = common::instant_emulator().await;
    let out = sts_client(&emulator, 1)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("hop")
        .duration_seconds(7200)
        .send()
        .await
        .expect("a user's key may ask for two hours");
    let creds = out.credentials().expect("credentials");
    let session = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "hop",
    );
    let chained = sts_client_with(&emulator, 1, session);
    let admin = "arn:aws:iam::210987654321:role/Admin";
    let refused = chained
        .assume_role()
        .role_arn(admin)
        .role_session_name("admin")
        .duration_seconds(3601)
        .send()
        .await
        .expect_err("a chained session of more than an hour");
    let service = refused.into_service_error();
    let meta = aws_sdk_sts::error::ProvideErrorMetadata::meta(&service);
    assert_eq!(meta.code(), Some("ValidationError"));
    assert!(
        meta.message()
            .is_some_and(|m| m.contains("1 hour session limit for roles assumed by role chaining")),
        "{meta:?}"
    );
    let out = chained
        .assume_role()
        .role_arn(admin)
        .role_session_name("admin")
        .send()
        .await
        .expect("an hour, the default, is fine");
    assert_eq!(
        out.assumed_role_user().expect("user").arn(),
        "arn:aws:sts::210987654321:assumed-role/Admin/admin"
    );
}
