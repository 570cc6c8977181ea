//! Requests signed for any region of any partition and sent with any real endpoint name as
//! their `Host` (what a proxy relaying to the emulator delivers) are served on both
//! listeners, and the call record shows the signing region and the `Host` of each, in
//! process and over HTTP.

mod common;

use aws_sdk_cloudhsmv2::config::{Credentials, Region};
use cloudhsm_emulator::ClusterSpec;
use common::relay::Relay;
use common::{raw_http, raw_http_for_host};
use serde_json::{json, Value};

fn static_credentials() -> Credentials {
    Credentials::new("AKIDPARTITIONS", "secret", None, None, "test")
}

/// A CloudHSM client for `region` whose requests go to the SDK's own endpoint name for
/// it, relayed to the emulator.
fn relayed_cloudhsm(relay: &Relay, region: &str, fips: bool) -> aws_sdk_cloudhsmv2::Client {
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(aws_sdk_cloudhsmv2::config::BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .use_fips(fips)
        .credentials_provider(static_credentials())
        .http_client(relay.clone())
        .retry_config(
            aws_sdk_cloudhsmv2::config::retry::RetryConfig::standard().with_max_attempts(1),
        )
        .build();
    aws_sdk_cloudhsmv2::Client::from_conf(config)
}

fn relayed_sts(relay: &Relay, region: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(region.to_string()))
        .credentials_provider(static_credentials())
        .http_client(relay.clone())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

#[tokio::test]
async fn a_govcloud_fips_call_is_recorded_with_its_region_and_host() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    // A cluster is seen by calls signed for its own region only.
    let id = control.seed_cluster(ClusterSpec {
        region: Some("us-gov-west-1".into()),
        ..ClusterSpec::default()
    });
    let relay = Relay::to(&emulator);
    let client = relayed_cloudhsm(&relay, "us-gov-west-1", true);
    let c = common::describe_one(&client, &id).await;
    assert_eq!(c.cluster_id(), Some(id.as_str()));
    assert_eq!(
        relay.urls(),
        vec!["https://cloudhsmv2-fips.us-gov-west-1.amazonaws.com/".to_string()]
    );

    let records = control.call_records("DescribeClusters");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].access_key_id.as_deref(), Some("AKIDPARTITIONS"));
    assert_eq!(records[0].region.as_deref(), Some("us-gov-west-1"));
    assert_eq!(
        records[0].host.as_deref(),
        Some("cloudhsmv2-fips.us-gov-west-1.amazonaws.com")
    );
    assert_eq!(
        control.signing_regions("DescribeClusters"),
        vec![Some("us-gov-west-1".to_string())]
    );
    assert_eq!(
        control.hosts("DescribeClusters"),
        vec![Some(
            "cloudhsmv2-fips.us-gov-west-1.amazonaws.com".to_string()
        )]
    );

    // Over HTTP: per operation, and in the listing of every call.
    let (status, _, body) = raw_http(
        emulator.local_addr(),
        "GET",
        "/_emulator/calls?operation=DescribeClusters",
        &[],
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["SigningRegions"], json!(["us-gov-west-1"]));
    assert_eq!(
        v["Hosts"],
        json!(["cloudhsmv2-fips.us-gov-west-1.amazonaws.com"])
    );
    assert_eq!(v["AccessKeys"], json!(["AKIDPARTITIONS"]));
    let (_, _, body) = raw_http(emulator.local_addr(), "GET", "/_emulator/calls", &[], "").await;
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        v["Calls"][0],
        json!({
            "Operation": "DescribeClusters",
            "Body": {"Filters": {"clusterIds": [id]}},
            "AccessKeyId": "AKIDPARTITIONS",
            "SigningRegion": "us-gov-west-1",
            "Host": "cloudhsmv2-fips.us-gov-west-1.amazonaws.com",
        })
    );
}

#[tokio::test]
async fn every_partition_s_endpoint_names_are_served_on_both_listeners() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    let relay = Relay::to(&emulator);
    let regions: [(&str, bool, &str); 6] = [
        ("eu-west-1", false, "aws"),
        ("us-gov-west-1", false, "aws-us-gov"),
        ("us-gov-east-1", true, "aws-us-gov"),
        ("cn-north-1", false, "aws-cn"),
        ("eu-isoe-west-1", false, "aws-iso-e"),
        ("us-iso-east-1", false, "aws-iso"),
    ];
    for (region, fips, partition) in regions {
        relayed_cloudhsm(&relay, region, fips)
            .describe_clusters()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{region}: {e:?}"));
        let me = relayed_sts(&relay, region)
            .get_caller_identity()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{region}: {e:?}"));
        // The caller is an IAM user of the partition it signed for.
        assert_eq!(
            me.arn(),
            Some(format!("arn:{partition}:iam::123456789012:user/emulator-user").as_str()),
            "{region}"
        );
    }
    // What the SDK resolved is what the emulator recorded, call by call.
    let hosts = relay.hosts();
    let recorded: Vec<String> = control
        .all_call_records()
        .into_iter()
        .map(|c| c.host.unwrap_or_default())
        .collect();
    assert_eq!(recorded, hosts);
    let expected_regions: Vec<Option<String>> =
        regions.iter().map(|(r, ..)| Some(r.to_string())).collect();
    assert_eq!(
        control.signing_regions("DescribeClusters"),
        expected_regions
    );
    assert_eq!(
        control.signing_regions("GetCallerIdentity"),
        expected_regions
    );
    for name in [
        "cloudhsmv2.eu-west-1.amazonaws.com",
        "cloudhsmv2-fips.us-gov-east-1.amazonaws.com",
        "sts.cn-north-1.amazonaws.com.cn",
        "sts.us-gov-west-1.amazonaws.com",
    ] {
        assert!(hosts.iter().any(|h| h == name), "{name} not in {hosts:?}");
    }
}

#[tokio::test]
async fn raw_requests_with_any_host_and_scope_are_served() {
    let emulator = common::instant_emulator().await;
    let control = emulator.control();
    for (region, host) in [
        (
            "cn-northwest-1",
            "cloudhsmv2.cn-northwest-1.amazonaws.com.cn",
        ),
        ("eu-isoe-west-1", "cloudhsmv2.eu-isoe-west-1.cloud.adc-e.uk"),
        ("us-isob-east-1", "cloudhsmv2.us-isob-east-1.sc2s.sgov.gov"),
        ("eusc-de-east-1", "cloudhsmv2.eusc-de-east-1.amazonaws.eu"),
    ] {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/{region}/cloudhsm/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00ff"
        );
        let (status, _, body) = raw_http_for_host(
            emulator.local_addr(),
            host,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "BaldrApiService.DescribeClusters"),
                ("X-Amz-Date", "20250101T000000Z"),
                ("Authorization", &auth),
            ],
            "{}",
        )
        .await;
        assert_eq!(status, 200, "{region}: {body}");
        let last = control.all_call_records().pop().expect("recorded");
        assert_eq!(last.region.as_deref(), Some(region));
        assert_eq!(last.host.as_deref(), Some(host));
    }
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/cn-north-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00ff";
    let (status, _, body) = raw_http_for_host(
        emulator.sts_local_addr(),
        "sts.cn-north-1.amazonaws.com.cn",
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Amz-Date", "20250101T000000Z"),
            ("Authorization", auth),
        ],
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<Arn>arn:aws-cn:iam::123456789012:user/emulator-user</Arn>"),
        "{body}"
    );
    assert_eq!(
        control.hosts("GetCallerIdentity"),
        vec![Some("sts.cn-north-1.amazonaws.com.cn".to_string())]
    );
}
