//! The provider block through the raw provider interface: its schema, its checks on the
//! attribute at fault, deferral while values are unknown.

use super::*;
use tfplugin::interface::Provider as _;
use tfplugin::value::{Field, ObjectBuilder, Value};

fn config(pairs: Vec<(&str, Value)>) -> Value {
    let mut b = ObjectBuilder::new();
    for (k, v) in pairs {
        b = b.set(k, v);
    }
    b.build()
}

#[test]
fn schema_is_consistent_and_hides_secrets() {
    let s = provider_schema();
    s.check().expect("schema");
    for name in ["access_key", "secret_key", "token"] {
        let a = s.attribute(&AttributePath::attr(name)).expect(name);
        assert!(a.sensitive, "{name} must be sensitive");
    }
}

#[tokio::test]
async fn validation_points_at_the_wrong_attribute() {
    let p = CloudHsmProvider::new();
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("Frankfurt")),
            ("access_key", Value::string("AKIA")),
            ("max_retries", Value::from_i64(-1)),
        ]))
        .await;
    let paths: Vec<String> = d
        .iter()
        .map(|d| d.attribute.clone().unwrap_or_default().to_string())
        .collect();
    assert!(paths.contains(&"region".to_string()), "{paths:?}");
    assert!(paths.contains(&"secret_key".to_string()), "{paths:?}");
    assert!(paths.contains(&"max_retries".to_string()), "{paths:?}");
    for diag in d.iter() {
        assert!(
            !diag.detail.contains("AKIA"),
            "secret echoed: {}",
            diag.detail
        );
    }
}

#[tokio::test]
async fn unknown_values_defer_the_client_without_errors() {
    let p = CloudHsmProvider::new();
    let d = p
        .configure(&config(vec![("region", Value::unknown())]), "1.10.0")
        .await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(matches!(p.context.plan_client().await, Ok(None)));
    assert!(p.context.client().await.is_err());
}

/// The attribute paths of `d`'s errors.
fn error_paths(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| d.attribute.clone().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn insecure_true_is_an_error_that_names_the_ca_bundle_instead() {
    let p = CloudHsmProvider::new();
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            ("insecure", Value::Bool(true)),
        ]))
        .await;
    assert_eq!(error_paths(&d), ["insecure"], "{d:?}");
    assert!(
        d.iter().all(|d| d.detail.contains("custom_ca_bundle")),
        "{d:?}"
    );
    let unknown = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            ("insecure", Value::unknown()),
        ]))
        .await;
    assert!(
        error_paths(&unknown).is_empty(),
        "checked once known: {unknown:?}"
    );
}

#[tokio::test]
async fn the_aws_providers_skip_arguments_are_accepted_and_never_skip_the_account_check() {
    let p = CloudHsmProvider::new();
    // As copied from an AWS provider block: accepted.
    let copied = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
            ("skip_metadata_api_check", Value::Bool(true)),
            ("skip_region_validation", Value::Bool(false)),
            ("retry_mode", Value::string("adaptive")),
            ("sts_region", Value::string("us-east-1")),
            ("insecure", Value::Bool(false)),
        ]))
        .await;
    assert!(error_paths(&copied).is_empty(), "{copied:?}");
    // ...but not with an account guard, which needs exactly the call they would skip.
    let guarded = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            (
                "allowed_account_ids",
                Value::Set(vec![Value::string("123456789012")]),
            ),
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
        ]))
        .await;
    let paths = error_paths(&guarded);
    assert_eq!(
        paths,
        ["skip_credentials_validation", "skip_requesting_account_id"],
        "{guarded:?}"
    );
    assert!(guarded
        .iter()
        .all(|d| d.detail.contains("allowed_account_ids")));
}

#[tokio::test]
async fn region_names_retry_mode_and_skip_region_validation() {
    let p = CloudHsmProvider::new();
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            ("sts_region", Value::string("US East")),
            ("retry_mode", Value::string("legacy")),
        ]))
        .await;
    assert_eq!(error_paths(&d), ["sts_region", "retry_mode"], "{d:?}");
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("local")),
            ("sts_region", Value::string("local")),
            ("skip_region_validation", Value::Bool(true)),
        ]))
        .await;
    assert!(error_paths(&d).is_empty(), "{d:?}");
    // Unknown skip: nothing is said yet about the names.
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("local")),
            ("skip_region_validation", Value::unknown()),
        ]))
        .await;
    assert!(error_paths(&d).is_empty(), "{d:?}");
}

/// The attribute paths of `d`'s warnings.
fn warning_paths(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| !d.is_error())
        .map(|d| d.attribute.clone().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_metadata_service_endpoint_and_mode_are_checked_and_ignored_ones_said() {
    let p = CloudHsmProvider::new();
    for (endpoint, mode) in [
        ("http://[fd00:ec2::254]", "IPv6"),
        ("http://169.254.169.254:80", "IPv4"),
    ] {
        let d = p
            .validate_config(&config(vec![
                ("region", Value::string("eu-west-1")),
                ("ec2_metadata_service_endpoint", Value::string(endpoint)),
            ]))
            .await;
        assert!(d.is_empty(), "{endpoint}: {d:?}");
        let d = p
            .validate_config(&config(vec![
                ("region", Value::string("eu-west-1")),
                ("ec2_metadata_service_endpoint_mode", Value::string(mode)),
            ]))
            .await;
        assert!(d.is_empty(), "{mode}: {d:?}");
    }
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            (
                "ec2_metadata_service_endpoint",
                Value::string("169.254.169.254"),
            ),
            ("ec2_metadata_service_endpoint_mode", Value::string("ipv6")),
        ]))
        .await;
    assert_eq!(
        error_paths(&d),
        [
            "ec2_metadata_service_endpoint",
            "ec2_metadata_service_endpoint_mode"
        ],
        "{d:?}"
    );
    assert!(
        d.iter().all(|d| d.detail.contains("fd00:ec2::254")),
        "{d:?}"
    );
    // Both given: the endpoint wins; skipped: neither is used. Each is said, on its argument.
    let d = p
        .validate_config(&config(vec![
            ("region", Value::string("eu-west-1")),
            (
                "ec2_metadata_service_endpoint",
                Value::string("http://169.254.169.254"),
            ),
            ("ec2_metadata_service_endpoint_mode", Value::string("IPv6")),
            ("skip_metadata_api_check", Value::Bool(true)),
        ]))
        .await;
    assert!(error_paths(&d).is_empty(), "{d:?}");
    assert_eq!(
        warning_paths(&d),
        [
            "ec2_metadata_service_endpoint_mode",
            "ec2_metadata_service_endpoint",
            "ec2_metadata_service_endpoint_mode"
        ],
        "{d:?}"
    );
    // Configure does not say the warnings a second time.
    let d = p
        .configure(
            &config(vec![
                ("region", Value::string("eu-west-1")),
                ("ec2_metadata_service_endpoint_mode", Value::string("IPv6")),
                (
                    "ec2_metadata_service_endpoint",
                    Value::string("http://127.0.0.1:9"),
                ),
                ("access_key", Value::string("AKIDEXAMPLE")),
                ("secret_key", Value::string("secret")),
            ]),
            "1.11.4",
        )
        .await;
    assert!(d.is_empty(), "{d:?}");
}

#[tokio::test]
async fn assume_roles_source_identity_and_transitive_tag_keys() {
    let p = CloudHsmProvider::new();
    let role = |fields: Vec<(&str, Value)>| {
        let mut all = vec![(
            "role_arn",
            Value::string("arn:aws:iam::123456789012:role/deploy"),
        )];
        all.extend(fields);
        config(vec![
            ("region", Value::string("eu-west-1")),
            ("assume_role", Value::List(vec![config(all)])),
        ])
    };
    let tags = || {
        Value::Map(
            [("team".to_string(), Value::string("pki"))]
                .into_iter()
                .collect(),
        )
    };
    let d = p
        .validate_config(&role(vec![
            ("source_identity", Value::string("alice@corp.example")),
            ("tags", tags()),
            (
                "transitive_tag_keys",
                Value::Set(vec![Value::string("team")]),
            ),
        ]))
        .await;
    assert!(d.is_empty(), "{d:?}");
    let d = p
        .validate_config(&role(vec![
            ("source_identity", Value::string("a")),
            ("tags", tags()),
            (
                "transitive_tag_keys",
                Value::Set(vec![Value::string("team"), Value::string("cost-centre")]),
            ),
        ]))
        .await;
    assert_eq!(error_paths(&d), ["assume_role[0].source_identity"], "{d:?}");
    assert_eq!(
        warning_paths(&d),
        ["assume_role[0].transitive_tag_keys"],
        "{d:?}"
    );
    assert!(d.iter().any(|d| d.detail.contains("cost-centre")), "{d:?}");
    // Tags not known yet: nothing to say about the keys.
    let d = p
        .validate_config(&role(vec![
            ("tags", Value::unknown()),
            (
                "transitive_tag_keys",
                Value::Set(vec![Value::string("team")]),
            ),
        ]))
        .await;
    assert!(d.is_empty(), "{d:?}");
}

#[tokio::test]
async fn default_tags_are_checked_and_the_tag_rules_reach_the_resources() {
    let p = CloudHsmProvider::new();
    let block = |tags: &[(&str, &str)]| {
        config(vec![
            ("region", Value::string("eu-west-1")),
            (
                "default_tags",
                config(vec![(
                    "tags",
                    Value::Map(
                        tags.iter()
                            .map(|(k, v)| (k.to_string(), Value::string(*v)))
                            .collect(),
                    ),
                )]),
            ),
            (
                "ignore_tags",
                config(vec![(
                    "key_prefixes",
                    Value::Set(vec![Value::string("ops:")]),
                )]),
            ),
        ])
    };
    let d = p.validate_config(&block(&[("aws:team", "pki")])).await;
    assert_eq!(error_paths(&d), vec!["default_tags.tags".to_string()]);
    let d = p.configure(&block(&[("Team", "pki")]), "1.10.0").await;
    assert!(!d.has_errors(), "{d:?}");
    let policy = p.context.tags().await;
    // (TF_AWS_* variables of the machine running the tests may add to these.)
    assert_eq!(
        policy
            .defaults
            .as_ref()
            .and_then(|d| d.get("Team"))
            .map(String::as_str),
        Some("pki")
    );
    assert!(policy.ignored.ignores("ops:x"));
    // Defaults not known yet (from a resource): tags_all is planned unknown.
    let unknown = config(vec![
        ("region", Value::string("eu-west-1")),
        ("default_tags", config(vec![("tags", Value::unknown())])),
    ]);
    let d = p.configure(&unknown, "1.10.0").await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(p.context.tags().await.defaults, None);
    // The tag rules do not make the client: it is ready for the refresh of what exists.
    assert!(
        matches!(p.context.plan_client().await, Ok(Some(_))),
        "a client despite unknown default_tags"
    );
    let unknown_keys = config(vec![
        ("region", Value::string("eu-west-1")),
        ("ignore_tags", config(vec![("keys", Value::unknown())])),
    ]);
    p.configure(&unknown_keys, "1.10.0").await;
    let policy = p.context.tags().await;
    assert!(!policy.ignored_known);
    assert_eq!(policy.planned_all(&Default::default()), None);
    assert!(matches!(p.context.plan_client().await, Ok(Some(_))));
}

#[tokio::test]
async fn a_chain_of_assume_role_blocks_is_checked_block_by_block() {
    let p = CloudHsmProvider::new();
    let role = |fields: Vec<(&str, Value)>| config(fields);
    let arn = |name: &str| Value::string(format!("arn:aws:iam::123456789012:role/{name}"));
    let chain = |blocks: Vec<Value>, web: bool| {
        let mut fields = vec![
            ("region", Value::string("eu-west-1")),
            ("assume_role", Value::List(blocks)),
        ];
        if web {
            fields.push((
                "assume_role_with_web_identity",
                config(vec![
                    ("role_arn", arn("ci")),
                    ("web_identity_token", Value::string("token")),
                ]),
            ));
        }
        config(fields)
    };
    // Two roles, the second for its own hour: fine.
    let two = chain(
        vec![
            role(vec![
                ("role_arn", arn("hop")),
                ("duration", Value::string("2h")),
            ]),
            role(vec![
                ("role_arn", arn("admin")),
                ("duration", Value::string("1h")),
            ]),
        ],
        false,
    );
    let d = p.validate_config(&two).await;
    assert!(d.is_empty(), "{d:?}");
    // A second role for more than an hour: STS refuses chained sessions that long.
    let long = chain(
        vec![
            role(vec![("role_arn", arn("hop"))]),
            role(vec![("role_arn", Value::string("not-an-arn"))]),
            role(vec![
                ("role_arn", arn("admin")),
                ("duration", Value::string("2h")),
            ]),
        ],
        false,
    );
    let d = p.validate_config(&long).await;
    assert_eq!(
        error_paths(&d),
        ["assume_role[1].role_arn", "assume_role[2].duration"],
        "{d:?}"
    );
    assert!(
        d.iter().any(|d| d.detail.contains("at most 1 hour")),
        "{d:?}"
    );
    // After a web identity, the first block is chained too.
    let web = chain(
        vec![role(vec![
            ("role_arn", arn("admin")),
            ("duration", Value::string("3h")),
        ])],
        true,
    );
    assert_eq!(
        error_paths(&p.validate_config(&web).await),
        ["assume_role[0].duration"]
    );
    // A block without a role assumes nothing; one that sets more says so.
    let empty = chain(
        vec![
            role(vec![("role_arn", Value::Null)]),
            role(vec![
                ("role_arn", Value::string("")),
                ("session_name", Value::string("x")),
            ]),
        ],
        false,
    );
    let d = p.validate_config(&empty).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(warning_paths(&d), ["assume_role[1]"], "{d:?}");
    assert!(d.iter().any(|d| d.detail.contains("session_name")), "{d:?}");
}

#[test]
fn the_aws_providers_tag_variables_add_to_the_blocks() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let env = env(&[
        ("TF_AWS_DEFAULT_TAGS_Team", "from-env"),
        ("TF_AWS_DEFAULT_TAGS_CostCenter", "1234"),
        ("TF_AWS_DEFAULT_TAGS_", "no key"),
        ("TF_AWS_IGNORE_TAGS_KEYS", " Owner , ,Scanner"),
        ("TF_AWS_IGNORE_TAGS_KEY_PREFIXES", "ops:"),
    ]);
    let block = ProviderConfig {
        default_tags: Field::Known(config::DefaultTagsConfig {
            tags: Field::Known([("Team".to_string(), "pki".to_string())].into()),
        }),
        ignore_tags: Field::Known(config::IgnoreTagsConfig {
            keys: Field::Known(["Audit".to_string()].into()),
            key_prefixes: Field::Null,
        }),
        ..Default::default()
    };
    let policy = block.tag_policy_in(&env);
    assert_eq!(
        policy.defaults,
        Some(
            [("CostCenter", "1234"), ("Team", "pki")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into()
        ),
        "the block's value wins; an empty key is none"
    );
    for key in ["Audit", "Owner", "Scanner", "ops:x"] {
        assert!(policy.ignored.ignores(key), "{key}");
    }
    assert!(!policy.ignored.ignores(""), "empty entries are dropped");
    // No block: the environment alone; a block not known yet: defaults unknown.
    let policy = ProviderConfig::default().tag_policy_in(&env);
    assert_eq!(policy.defaults.map(|d| d.len()), Some(2));
    let unknown = ProviderConfig {
        default_tags: Field::Unknown,
        ..Default::default()
    };
    assert_eq!(unknown.tag_policy_in(&env).defaults, None);
}
