//! The provider block through the raw provider interface: its schema, its checks on the
//! attribute at fault, deferral while values are unknown.

use super::*;
use tfplugin::interface::Provider as _;
use tfplugin::value::{ObjectBuilder, Value};

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
