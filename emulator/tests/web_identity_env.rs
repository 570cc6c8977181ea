//! The SDK's standard web identity chain against the emulator, configured as CI sets it up:
//! `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_SESSION_NAME`, and the STS
//! endpoint overridden with `AWS_ENDPOINT_URL_STS`. The default credentials chain finds the
//! web identity provider, which sends the file's token to the emulator's STS; CloudHSM calls
//! are signed with the session it issued.
//!
//! One test alone in its own binary: it sets the process environment, which every thread of
//! the process shares.

mod common;

use aws_config::BehaviorVersion;
use cloudhsm_emulator::ClusterSpec;
use common::{jwt, unix_now, TempFile};
use serde_json::json;

const ROLE: &str = "arn:aws:iam::777788889999:role/HcpTerraform";

#[tokio::test]
async fn the_default_chain_assumes_the_role_from_the_environment() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec {
        region: Some("us-west-2".into()),
        ..ClusterSpec::default()
    });
    let token = jwt(&json!({
        "iss": "https://app.terraform.io",
        "sub": "organization:acme:project:infra:workspace:hsm:run_phase:apply",
        "aud": "aws.workload.identity",
        "exp": unix_now() + 600,
    }));
    let file = TempFile::new("workload-identity.jwt", &token);
    let missing = std::env::temp_dir().join("cloudhsm-emulator-no-such-aws-config");
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        std::env::remove_var(var);
    }
    std::env::set_var("AWS_CONFIG_FILE", &missing);
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &missing);
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_REGION", "us-west-2");
    std::env::set_var("AWS_ROLE_ARN", ROLE);
    std::env::set_var("AWS_WEB_IDENTITY_TOKEN_FILE", &file.0);
    std::env::set_var("AWS_ROLE_SESSION_NAME", "hcp-terraform-run");
    std::env::set_var("AWS_ENDPOINT_URL_STS", emulator.sts_endpoint_url());

    let sdk_config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let config = aws_sdk_cloudhsmv2::config::Builder::from(&sdk_config)
        .endpoint_url(emulator.endpoint_url())
        .build();
    let client = aws_sdk_cloudhsmv2::Client::from_conf(config);
    let c = common::describe_one(&client, &id).await;
    assert_eq!(c.cluster_id(), Some(id.as_str()));

    let assumed = control.call_records("AssumeRoleWithWebIdentity");
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].body["RoleArn"], ROLE);
    assert_eq!(assumed[0].body["RoleSessionName"], "hcp-terraform-run");
    assert_eq!(assumed[0].body["WebIdentityToken"], token.as_str());
    assert_eq!(assumed[0].access_key_id, None);
    let described = control.call_records("DescribeClusters");
    let key = described[0].access_key_id.clone().expect("signed");
    assert_eq!(control.assumed_role_of(&key).as_deref(), Some(ROLE));
    assert_eq!(described[0].region.as_deref(), Some("us-west-2"));
    assert_eq!(control.account_of(&key), "777788889999");
}
