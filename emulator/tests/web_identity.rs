//! `AssumeRoleWithWebIdentity` through the real SDK: sent unsigned (the SDK does that by
//! itself), answered with a session and what the token said, the credentials it issued
//! tracing back to the role (`GetCallerIdentity`, CloudHSM calls); STS's input rules; the
//! refusals a test sets (invalid, expired, unverifiable tokens, roles not assumable);
//! `WebIdentityTokenCredentialsProvider` reading a token file and feeding CloudHSM calls.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::{StaticConfiguration, WebIdentityTokenCredentialsProvider};
use aws_sdk_cloudhsmv2::config::{Credentials, Region};
use aws_sdk_sts::error::ProvideErrorMetadata;
use cloudhsm_emulator::{Behaviour, ClusterSpec, Emulator, TokenRefusal};
use common::relay::Relay;
use common::{authorization_for, jwt, raw_http, unix_now, TempFile};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::210987654321:role/ci/GitHubActions";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:octo-org/infra:ref:refs/heads/main";

/// A token as GitHub Actions issues one (claims only; the emulator checks no signature),
/// a different one each time.
fn github_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    jwt(&json!({
        "iss": ISSUER,
        "sub": SUBJECT,
        "aud": "sts.amazonaws.com",
        "exp": unix_now() + 300,
        "iat": unix_now(),
        "jti": NEXT.fetch_add(1, Ordering::Relaxed),
    }))
}

/// An STS client with no credentials at all, pointed at the emulator's STS listener.
fn anonymous_sts(emulator: &Emulator) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(emulator.sts_endpoint_url())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn signed_sts(emulator: &Emulator, credentials: Credentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .endpoint_url(emulator.sts_endpoint_url())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

#[tokio::test]
async fn the_sdk_sends_it_unsigned_and_the_session_traces_back_to_the_role() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let token = github_token();
    let out = anonymous_sts(&emulator)
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("gha-run-42")
        .web_identity_token(&token)
        .duration_seconds(1800)
        .send()
        .await
        .expect("assumed with no AWS credentials");

    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(creds.access_key_id().len(), 20);
    assert_eq!(creds.secret_access_key().len(), 40);
    assert!(!creds.session_token().is_empty());
    let expires = creds.expiration().secs();
    assert!((expires - (unix_now() + 1800)).abs() <= 5, "{expires}");
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::210987654321:assumed-role/GitHubActions/gha-run-42"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":gha-run-42"));
    assert_eq!(out.subject_from_web_identity_token(), Some(SUBJECT));
    assert_eq!(out.audience(), Some("sts.amazonaws.com"));
    assert_eq!(out.provider(), Some(ISSUER));

    // Recorded unsigned, with everything the test needs to check what the caller sent.
    let records = control.call_records("AssumeRoleWithWebIdentity");
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.access_key_id, None);
    assert_eq!(record.region, None);
    assert_eq!(
        record.host.as_deref(),
        Some(emulator.sts_endpoint_url().trim_start_matches("http://"))
    );
    assert_eq!(record.body["RoleArn"], ROLE);
    assert_eq!(record.body["RoleSessionName"], "gha-run-42");
    assert_eq!(record.body["DurationSeconds"], "1800");
    assert_eq!(record.body["WebIdentityToken"], token.as_str());
    assert_eq!(control.attempts("AssumeRoleWithWebIdentity"), 1);
    assert_eq!(
        control.access_keys("AssumeRoleWithWebIdentity"),
        vec![String::new()]
    );
    assert_eq!(
        control.assumed_role_of(creds.access_key_id()).as_deref(),
        Some(ROLE)
    );

    // The issued credentials are the assumed role to GetCallerIdentity.
    let me = signed_sts(
        &emulator,
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            None,
            "web-identity",
        ),
    )
    .get_caller_identity()
    .send()
    .await
    .expect("who am I");
    assert_eq!(me.account(), Some("210987654321"));
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));

    // An opaque token with a ProviderId (OAuth 2.0): the defaults, the provider as given;
    // a role in another partition, the session ARN in that partition; one hour by default.
    let out = anonymous_sts(&emulator)
        .assume_role_with_web_identity()
        .role_arn("arn:aws-us-gov:iam::333344445555:role/Deployer")
        .role_session_name("s2")
        .web_identity_token("opaque-access-token")
        .provider_id("www.amazon.com")
        .send()
        .await
        .expect("assumed");
    assert_eq!(
        out.assumed_role_user().map(|u| u.arn()),
        Some("arn:aws-us-gov:sts::333344445555:assumed-role/Deployer/s2")
    );
    assert_eq!(out.provider(), Some("www.amazon.com"));
    assert!(out.subject_from_web_identity_token().is_some());
    let expires = out.credentials().expect("credentials").expiration().secs();
    assert!((expires - (unix_now() + 3600)).abs() <= 5, "{expires}");

    // Over HTTP the record says null for the unsigned call's key and region.
    let (_, _, body) = raw_http(
        emulator.local_addr(),
        "GET",
        "/_emulator/calls?operation=AssumeRoleWithWebIdentity",
        &[],
        "",
    )
    .await;
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["Count"], 2);
    assert_eq!(v["AccessKeys"], json!([null, null]));
    assert_eq!(v["SigningRegions"], json!([null, null]));
    assert_eq!(v["Calls"][0]["WebIdentityToken"], token.as_str());
}

#[tokio::test]
async fn its_input_is_validated_like_sts_and_only_it_may_come_unsigned() {
    let emulator = common::instant_emulator().await;
    let sts = anonymous_sts(&emulator);
    let token = github_token();
    let cases: [(&str, &str, &str, Option<i32>, &str); 5] = [
        (ROLE, "s1", "abc", None, "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"),
        (ROLE, "has space", &token, None, r"[\w+=,.@-]*"),
        (ROLE, "s1", &token, Some(899), "greater than or equal to 900"),
        (ROLE, "s1", &token, Some(43_201), "less than or equal to 43200"),
        ("arn:aws:iam::123456789012:user/someone", "s1", &token, None, "'roleArn'"),
    ];
    for (role, session, token, duration, expected) in cases {
        let err = sts
            .assume_role_with_web_identity()
            .role_arn(role)
            .role_session_name(session)
            .web_identity_token(token)
            .set_duration_seconds(duration)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("ValidationError"), "{expected}: {err:?}");
        let message = err.message().unwrap_or("");
        assert!(
            message.starts_with("1 validation error detected: "),
            "{message}"
        );
        assert!(message.contains(expected), "{expected}: {message}");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }
    // A session policy that is no JSON document; then a valid one with policy ARNs.
    let err = sts
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("s1")
        .web_identity_token(&token)
        .policy("not a policy")
        .send()
        .await
        .expect_err("malformed policy");
    assert_eq!(err.code(), Some("MalformedPolicyDocument"), "{err:?}");
    sts.assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("s1")
        .web_identity_token(&token)
        .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .build(),
        )
        .send()
        .await
        .expect("session policies");
    let body = &emulator.control().calls("AssumeRoleWithWebIdentity")[6];
    assert_eq!(
        body["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );

    // Raw: every missing member at once; the token never shown.
    let sts_addr = emulator.sts_local_addr();
    let form_only = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, _, body) = raw_http(
        sts_addr,
        "POST",
        "/",
        &form_only,
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=s1",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>ValidationError</Code>"), "{body}");
    assert!(body.contains("2 validation errors detected: "), "{body}");
    assert!(
        body.contains("Value null at &apos;webIdentityToken&apos;"),
        "{body}"
    );

    // Every other action still needs SigV4.
    for action in [
        "AssumeRole",
        "GetCallerIdentity",
        "DecodeAuthorizationMessage",
    ] {
        let (status, _, body) = raw_http(
            sts_addr,
            "POST",
            "/",
            &form_only,
            &format!("Action={action}&Version=2011-06-15&RoleArn={ROLE}&RoleSessionName=s1"),
        )
        .await;
        assert_eq!(status, 403, "{action}: {body}");
        assert!(
            body.contains("<Code>MissingAuthenticationToken</Code>"),
            "{body}"
        );
    }
    // A signed AssumeRoleWithWebIdentity is fine too, and records its signer.
    let auth = authorization_for("sts");
    let (status, _, body) = raw_http(
        sts_addr,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", &auth),
        ],
        &format!(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={ROLE}&RoleSessionName=s1&WebIdentityToken=opaque-token"
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<AssumeRoleWithWebIdentityResult>"), "{body}");
    let records = emulator.control().call_records("AssumeRoleWithWebIdentity");
    let last = records.last().expect("recorded");
    assert_eq!(last.access_key_id.as_deref(), Some("AKIDTEST"));
    assert_eq!(last.region.as_deref(), Some("us-east-1"));
}

#[tokio::test]
async fn refused_tokens_and_roles_answer_stss_errors() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let sts = anonymous_sts(&emulator);
    let assume = |token: String, role: &'static str| {
        let sts = sts.clone();
        async move {
            sts.assume_role_with_web_identity()
                .role_arn(role)
                .role_session_name("s1")
                .web_identity_token(token)
                .send()
                .await
        }
    };

    let invalid = github_token();
    control.refuse_web_identity_token(&invalid, TokenRefusal::Invalid);
    let err = assume(invalid.clone(), ROLE).await.expect_err("invalid");
    assert_eq!(err.code(), Some("InvalidIdentityToken"), "{err:?}");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_invalid_identity_token_exception()));
    assert_eq!(
        err.message(),
        Some("No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com")
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    control.refuse_web_identity_token("expired-token", TokenRefusal::Expired);
    let err = assume("expired-token".into(), ROLE)
        .await
        .expect_err("expired");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_expired_token_exception()),
        "{err:?}"
    );
    assert!(err
        .message()
        .unwrap_or("")
        .starts_with("Token expired: current date/time "));

    control.refuse_web_identity_token("idp-down", TokenRefusal::IdpUnreachable);
    let err = assume("idp-down".into(), ROLE)
        .await
        .expect_err("unreachable");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_idp_communication_error_exception()),
        "{err:?}"
    );

    // A JWT whose exp has passed is expired with no setting.
    let stale = jwt(&json!({"iss": ISSUER, "sub": SUBJECT, "exp": unix_now() - 60}));
    let err = assume(stale, ROLE).await.expect_err("stale");
    assert_eq!(err.code(), Some("ExpiredTokenException"));

    // A role that may not be assumed.
    let denied = "arn:aws:iam::210987654321:role/NotForCi";
    control.set_behaviour(Behaviour {
        deny_assume_role: vec![denied.to_string()],
        ..Behaviour::default()
    });
    let err = assume(github_token(), denied).await.expect_err("denied");
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert_eq!(
        err.message(),
        Some("Not authorized to perform sts:AssumeRoleWithWebIdentity")
    );

    // The same over HTTP; then clearing lets every token through.
    let api = emulator.local_addr();
    let json_headers = [("Content-Type", "application/json")];
    let (status, _, body) = raw_http(
        api,
        "POST",
        "/_emulator/web-identity/refusals",
        &json_headers,
        r#"{"Token":"by-http","Refusal":"ExpiredTokenException"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let err = assume("by-http".into(), ROLE).await.expect_err("expired");
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    let (status, _, body) = raw_http(
        api,
        "POST",
        "/_emulator/web-identity/refusals",
        &json_headers,
        r#"{"Token":"x","Refusal":"Expired"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("InvalidIdentityToken"), "{body}");
    let (status, _, _) = raw_http(api, "DELETE", "/_emulator/web-identity/refusals", &[], "").await;
    assert_eq!(status, 200);
    assume(invalid, ROLE).await.expect("no longer refused");
    assume("by-http".into(), ROLE)
        .await
        .expect("no longer refused");
    // Refused calls reached the service: they are recorded.
    assert_eq!(control.call_count("AssumeRoleWithWebIdentity"), 8);
}

#[tokio::test]
async fn the_web_identity_provider_reads_the_token_file_and_feeds_cloudhsm_calls() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec {
        region: Some("eu-west-1".into()),
        ..ClusterSpec::default()
    });
    let token = github_token();
    let file = TempFile::new("token.jwt", &token);
    // The SDK resolves the real names for eu-west-1; the relay sends them to the emulator.
    let relay = Relay::to(&emulator);
    let provider_config = ProviderConfig::without_region()
        .with_region(Some(Region::new("eu-west-1")))
        .with_http_client(relay.clone());
    let provider = WebIdentityTokenCredentialsProvider::builder()
        .static_configuration(StaticConfiguration {
            web_identity_token_file: file.0.clone(),
            role_arn: ROLE.to_string(),
            session_name: "terraform".to_string(),
        })
        .configure(&provider_config)
        .build();
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(aws_sdk_cloudhsmv2::config::BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(provider)
        .http_client(relay.clone())
        .retry_config(
            aws_sdk_cloudhsmv2::config::retry::RetryConfig::standard().with_max_attempts(1),
        )
        .timeout_config(
            aws_sdk_cloudhsmv2::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    let client = aws_sdk_cloudhsmv2::Client::from_conf(config);
    let c = common::describe_one(&client, &id).await;
    assert_eq!(c.cluster_id(), Some(id.as_str()));

    // The provider sent the file's content, unsigned, to STS's real name.
    let assumed = control.call_records("AssumeRoleWithWebIdentity");
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].body["WebIdentityToken"], token.as_str());
    assert_eq!(assumed[0].body["RoleArn"], ROLE);
    assert_eq!(assumed[0].body["RoleSessionName"], "terraform");
    assert_eq!(assumed[0].access_key_id, None);
    assert_eq!(
        assumed[0].host.as_deref(),
        Some("sts.eu-west-1.amazonaws.com")
    );
    // DescribeClusters was signed with the issued key, for eu-west-1, sent to its real name.
    let described = control.call_records("DescribeClusters");
    assert_eq!(described.len(), 1);
    let key = described[0].access_key_id.clone().expect("signed");
    assert!(key.starts_with("ASIA"), "{key}");
    assert_eq!(control.assumed_role_of(&key).as_deref(), Some(ROLE));
    assert_eq!(described[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        described[0].host.as_deref(),
        Some("cloudhsmv2.eu-west-1.amazonaws.com")
    );
    assert_eq!(
        relay.hosts(),
        vec![
            "sts.eu-west-1.amazonaws.com".to_string(),
            "cloudhsmv2.eu-west-1.amazonaws.com".to_string()
        ]
    );
    assert_eq!(control.account_of(&key), "210987654321");
}
