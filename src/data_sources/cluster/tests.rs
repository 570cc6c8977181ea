use super::*;
use crate::cloudhsm::{ClusterCertificates, ClusterState, RetentionPolicy};
use tfplugin::adapt_data_source;
use tfplugin::diagnostics::AttributePath;
use tfplugin::schema::{Attribute, AttributeKind};
use tfplugin::value::{decode_msgpack, encode_msgpack, TfType, Value};

fn sample() -> Cluster {
    Cluster {
        id: "cluster-jxhlf7644ne".into(),
        state: ClusterState::Uninitialized,
        hsm_type: Some("hsm1.medium".into()),
        backup_retention: Some(RetentionPolicy {
            kind: "DAYS".into(),
            value: "90".into(),
        }),
        certificates: ClusterCertificates {
            cluster_csr: Some("-----BEGIN CERTIFICATE REQUEST-----".into()),
            ..Default::default()
        },
        hsms: vec![Hsm {
            id: "hsm-abcdefghijk".into(),
            eni_ip: Some("10.0.0.12".into()),
            ..Default::default()
        }],
        subnet_mapping: [("us-east-1a".to_string(), "subnet-1".to_string())].into(),
        tags: [("team".to_string(), "pki".to_string())].into(),
        hsm_type_rollback_expiration: Some(0),
        ..Default::default()
    }
}

#[test]
fn every_attribute_has_a_description_and_the_schema_is_sound() {
    let s = adapt_data_source(ClusterDataSource::new(ProviderContext::new())).schema();
    s.check().expect("schema is well formed");
    fn walk(attrs: &[Attribute], prefix: &str) {
        for a in attrs {
            assert!(
                !a.description.trim().is_empty(),
                "{prefix}{} has no description",
                a.name
            );
            if a.name != "cluster_id" {
                assert!(
                    a.computed && !a.optional,
                    "{prefix}{} must be read-only",
                    a.name
                );
            }
            if let AttributeKind::Nested { attributes, .. } = &a.kind {
                walk(attributes, &format!("{prefix}{}.", a.name));
            }
        }
    }
    walk(&s.block.attributes, "");
    assert!(!s.block.description.is_empty());
}

#[test]
fn state_fits_the_schema_and_carries_the_csr() {
    let (data, diags) = cluster_data("cluster-jxhlf7644ne", &sample());
    assert!(diags.is_empty(), "{diags:?}");
    let state = data.into_value();
    let ty = adapt_data_source(ClusterDataSource::new(ProviderContext::new()))
        .schema()
        .value_type();
    let bytes = encode_msgpack(&state, &ty).expect("state encodes with the schema type");
    let back = decode_msgpack(&bytes, &ty).expect("decodes");
    assert_eq!(back, state);
    let csr = Some("-----BEGIN CERTIFICATE REQUEST-----");
    assert_eq!(
        state
            .get("certificates")
            .and_then(|c| c.get("cluster_csr"))
            .and_then(Value::as_str),
        csr
    );
    assert_eq!(
        state.get("cluster_csr").and_then(Value::as_str),
        csr,
        "top-level copy for Terraform before 1.2.7"
    );
    assert_eq!(
        state
            .get("backup_retention_policy")
            .and_then(|p| p.get("value"))
            .and_then(Value::as_number)
            .and_then(|n| n.as_i64()),
        Some(90)
    );
    assert_eq!(
        state
            .get("hsm_type_rollback_expiration")
            .and_then(Value::as_str),
        Some("1970-01-01T00:00:00Z")
    );
    match state.get("hsms") {
        Some(Value::List(hsms)) => {
            assert_eq!(hsms.len(), 1);
            assert_eq!(
                hsms[0].get("eni_ip").and_then(Value::as_str),
                Some("10.0.0.12")
            );
            assert!(hsms[0].get("eni_ipv6").is_some_and(Value::is_null));
        }
        other => panic!("hsms is not a list: {other:?}"),
    }
}

#[test]
fn odd_retention_value_is_a_warning_not_a_failure() {
    let mut c = sample();
    c.backup_retention = Some(RetentionPolicy {
        kind: "DAYS".into(),
        value: "ninety".into(),
    });
    let (data, diags) = cluster_data("cluster-jxhlf7644ne", &c);
    assert!(!diags.has_errors());
    assert_eq!(diags.len(), 1);
    assert_eq!(
        data.backup_retention_policy.known().map(|p| &p.value),
        Some(&Field::Null)
    );
}

#[tokio::test]
async fn validate_rejects_a_malformed_id_on_the_attribute() {
    let ds = adapt_data_source(ClusterDataSource::new(ProviderContext::new()));
    let config = |id: Value| {
        let mut c = ClusterData::default().into_value();
        if let Value::Object(m) = &mut c {
            m.insert("cluster_id".into(), id);
        }
        c
    };
    let d = ds.validate(&config(Value::string("my-cluster"))).await;
    assert!(d.has_errors());
    let diag = d.iter().next().expect("one diagnostic");
    assert_eq!(diag.attribute, Some(AttributePath::attr("cluster_id")));
    assert!(diag.detail.contains("my-cluster"), "{}", diag.detail);
    let ok = ds.validate(&config(Value::unknown())).await;
    assert!(ok.is_empty(), "unknown ids are checked later: {ok:?}");
}
