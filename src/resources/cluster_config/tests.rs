use super::*;
use crate::cloudhsm::{ClusterState, RetentionPolicy};
use crate::test_support::{emulated_aws, plan};
use cloudhsm_emulator::{ClusterSpec, Timings};
use tfplugin::adapt_resource;
use tfplugin::interface::{ApplyRequest, PlanRequest, Resource};
use tfplugin::value::{TfType, Value};

const ID: &str = "cluster-abcdefghijk";

fn cluster(hsm_type: &str, days: i64) -> Cluster {
    Cluster {
        id: ID.into(),
        state: ClusterState::Active,
        hsm_type: Some(hsm_type.into()),
        backup_retention: Some(RetentionPolicy {
            kind: "DAYS".into(),
            value: days.to_string(),
        }),
        backup_policy: Some("DEFAULT".into()),
        ..Default::default()
    }
}

fn policy(kind: Field<String>, days: &str) -> Field<BackupRetention> {
    Field::Known(BackupRetention {
        r#type: kind,
        value: Number::parse(days).into(),
    })
}

/// A configuration with these settings (`Field::Null`: left out).
fn config(hsm_type: Field<String>, retention: Field<BackupRetention>) -> ClusterConfig {
    ClusterConfig {
        cluster_id: Field::Known(ID.into()),
        hsm_type,
        backup_retention_policy: retention,
        ..Default::default()
    }
}

fn known(s: &str) -> Field<String> {
    Field::Known(s.into())
}

fn only(d: &Diagnostics) -> &Diagnostic {
    assert_eq!(d.len(), 1, "{d:?}");
    d.iter().next().expect("one diagnostic")
}

/// The resource with a provider whose configuration is not known yet: no API calls.
fn offline() -> Arc<dyn Resource> {
    adapt_resource(ClusterConfigResource::new(ProviderContext::deferred()))
}

fn prior_state() -> Value {
    state_from_cluster(ID, &cluster("hsm1.medium", 90), Field::Null).into_value()
}

#[test]
fn hsm_type_errors_and_warnings_point_at_the_attribute() {
    let d = validate_hsm_type(&known("hsm1-medium"));
    let e = only(&d);
    assert!(e.is_error());
    assert_eq!(e.attribute, Some(attr("hsm_type")));
    assert!(e.detail.contains("hsm1-medium") && e.detail.contains("hsm2m.medium"));
    let d = validate_hsm_type(&known("hsm3.large"));
    let w = only(&d);
    assert!(!w.is_error(), "a well-formed new type is only a warning");
    assert_eq!(w.attribute, Some(attr("hsm_type")));
    assert!(validate_hsm_type(&known("hsm2m.medium")).is_empty());
    assert!(validate_hsm_type(&Field::Unknown).is_empty());
    assert!(validate_hsm_type(&Field::Null).is_empty());
}

#[test]
fn retention_is_whole_days_in_range_of_type_days() {
    let value_path = retention_path("value");
    for days in ["6", "380", "0", "-7", "7.5", "30.25", "1e100"] {
        let d = validate_retention(&policy(Field::Null, days));
        let e = only(&d);
        assert!(e.is_error(), "{days}");
        assert_eq!(e.attribute.as_ref(), Some(&value_path), "{days}");
        assert!(e.detail.contains("7 to 379"), "{}", e.detail);
    }
    assert!(only(&validate_retention(&policy(Field::Null, "7.5")))
        .detail
        .contains("whole"));
    for days in ["7", "90", "379"] {
        assert!(validate_retention(&policy(known("DAYS"), days)).is_empty());
    }
    let d = validate_retention(&policy(known("WEEKS"), "10"));
    let e = only(&d);
    assert_eq!(e.attribute, Some(retention_path("type")));
    assert!(e.detail.contains("WEEKS") && e.detail.contains("DAYS"));
    // Not known yet: nothing to say.
    assert!(validate_retention(&Field::Null).is_empty());
    assert!(validate_retention(&Field::Unknown).is_empty());
    let unknown = Field::Known(BackupRetention {
        r#type: Field::Unknown,
        value: Field::Unknown,
    });
    assert!(validate_retention(&unknown).is_empty());
}

#[tokio::test]
async fn validate_collects_every_problem_on_its_attribute() {
    let mut bad = config(known("nope"), policy(known("DAYS"), "400")).into_value();
    if let Value::Object(m) = &mut bad {
        m.insert("cluster_id".into(), Value::string("cluster-x"));
        m.insert(
            "timeouts".into(),
            Value::object([("update", Value::string("soon"))]),
        );
    }
    let d = offline()
        .validate(
            &bad,
            tfplugin::interface::ClientCapabilities::with_write_only(),
        )
        .await;
    let paths: Vec<String> = d
        .errors()
        .filter_map(|e| e.attribute.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(d.errors().count(), 4, "{d:?}");
    for want in [
        "cluster_id",
        "hsm_type",
        "backup_retention_policy.value",
        "timeouts.update",
    ] {
        assert!(paths.contains(&want.to_string()), "{want} in {paths:?}");
    }
}

#[test]
fn desired_comes_from_known_config_only() {
    let d = desired_from_config(&config(known("hsm2m.medium"), policy(Field::Null, "30"))).unwrap();
    assert_eq!(d.hsm_type.as_deref(), Some("hsm2m.medium"));
    assert_eq!(d.retention_days, Some(30));
    let d = desired_from_config(&config(Field::Null, Field::Null)).unwrap();
    assert_eq!(d, Desired::default());
    let err = desired_from_config(&config(Field::Null, policy(Field::Null, "30.5"))).unwrap_err();
    assert_eq!(err.attribute, Some(retention_path("value")));
}

#[test]
fn state_mirrors_the_cluster() {
    let mut c = cluster("hsm2m.medium", 30);
    c.hsm_type_rollback_expiration = Some(1_700_000_000);
    let s = state_from_cluster(ID, &c, Field::Null);
    assert_eq!(s.id, known(ID));
    assert_eq!(s.hsm_type, known("hsm2m.medium"));
    assert_eq!(s.backup_retention_policy, policy(known("DAYS"), "30"));
    assert_eq!(
        s.hsm_type_rollback_expiration,
        known("2023-11-14T22:13:20Z")
    );
    assert_eq!(s.state, known("ACTIVE"));
    assert_eq!(s.state_message, Field::Null);
}

#[tokio::test]
async fn timeouts_are_planned_as_configured_never_kept_from_prior() {
    let r = offline();
    let mut prior = prior_state();
    let old = Value::object([("update", Value::string("5m"))]);
    if let Value::Object(m) = &mut prior {
        m.insert("timeouts".into(), old);
    }
    let p = plan::<ClusterConfig>(
        r.as_ref(),
        &prior,
        &config(Field::Null, Field::Null).into_value(),
    )
    .await;
    assert_eq!(p.planned_state.get("timeouts"), Some(&Value::Null));
    let new = Value::object([("update", Value::string("1h"))]);
    let mut cfg = config(Field::Null, Field::Null).into_value();
    if let Value::Object(m) = &mut cfg {
        m.insert("timeouts".into(), new.clone());
    }
    let p = plan::<ClusterConfig>(r.as_ref(), &prior, &cfg).await;
    assert_eq!(p.planned_state.get("timeouts"), Some(&new));
}

#[tokio::test]
async fn create_plans_omitted_settings_unknown_never_from_a_plan_time_read() {
    let aws = emulated_aws(Timings::instant()).await;
    let id = aws.control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        backup_retention_days: Some(90),
        ..Default::default()
    });
    let r = adapt_resource(ClusterConfigResource::new(aws.context.clone()));
    let cfg = |hsm_type, retention| {
        let mut c = config(hsm_type, retention);
        c.cluster_id = known(&id);
        c.into_value()
    };
    let p = plan::<ClusterConfig>(r.as_ref(), &Value::Null, &cfg(Field::Null, Field::Null)).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_state.get("id"), Some(&Value::string(&id)));
    // Terraform plans again during apply; a value read now could differ then (or not be
    // readable), and a known planned value that changes aborts the apply.
    for name in [
        "hsm_type",
        "backup_retention_policy",
        "state",
        "state_message",
        "backup_policy",
        "hsm_type_rollback_expiration",
    ] {
        assert!(
            p.planned_state.get(name).is_some_and(Value::is_unknown),
            "{name}"
        );
    }
    // Provider configuration unknown at plan: the settings are unknown too.
    let p = plan::<ClusterConfig>(
        offline().as_ref(),
        &Value::Null,
        &cfg(Field::Null, Field::Null),
    )
    .await;
    assert!(p
        .planned_state
        .get("hsm_type")
        .is_some_and(Value::is_unknown));
    assert!(p
        .planned_state
        .get("backup_retention_policy")
        .is_some_and(Value::is_unknown));
    // Set ones are kept, the type defaults to DAYS, and a migration warns.
    let p = plan::<ClusterConfig>(
        r.as_ref(),
        &Value::Null,
        &cfg(known("hsm2m.medium"), policy(Field::Null, "30")),
    )
    .await;
    assert_eq!(
        p.planned_state.get("backup_retention_policy"),
        Some(&policy(known("DAYS"), "30").into_value())
    );
    let w = only(&p.diagnostics);
    assert!(!w.is_error());
    assert_eq!(w.attribute, Some(attr("hsm_type")));
    assert!(w.detail.contains("hsm1.medium") && w.detail.contains("rollback"));
    // An unknown cluster is an error at plan, on cluster_id.
    let p = plan::<ClusterConfig>(
        r.as_ref(),
        &Value::Null,
        &config(Field::Null, Field::Null).into_value(),
    )
    .await;
    assert_eq!(only(&p.diagnostics).attribute, Some(attr("cluster_id")));
    assert_eq!(aws.control.call_count("ModifyCluster"), 0);
}

#[tokio::test]
async fn update_plans_unknown_what_apply_may_report_differently() {
    let r = offline();
    let prior = prior_state();
    let plan_of = |hsm_type, retention| {
        let r = r.clone();
        let prior = prior.clone();
        async move {
            plan::<ClusterConfig>(
                r.as_ref(),
                &prior,
                &config(hsm_type, retention).into_value(),
            )
            .await
        }
    };
    // Nothing changes: the plan is the prior state.
    let p = plan_of(Field::Null, Field::Null).await;
    assert_eq!(p.planned_state, prior);
    assert!(p.requires_replace.is_empty() && p.diagnostics.is_empty());
    let p = plan_of(known("hsm1.medium"), Field::Null).await;
    assert_eq!(
        p.planned_state, prior,
        "a setting equal to the state is no change"
    );
    // Retention only: the status and the omitted hsm_type are unknown (a saved plan
    // must survive INITIALIZED -> ACTIVE or a new state message before apply).
    let p = plan_of(Field::Null, policy(known("DAYS"), "30")).await;
    assert!(p.diagnostics.is_empty());
    for name in [
        "state",
        "state_message",
        "backup_policy",
        "hsm_type_rollback_expiration",
        "hsm_type",
    ] {
        assert!(
            p.planned_state.get(name).is_some_and(Value::is_unknown),
            "{name}"
        );
    }
    assert_eq!(p.planned_state.get("id"), Some(&Value::string(ID)), "kept");
    // HSM type: the set value is kept, the status unknown.
    let p = plan_of(known("hsm2m.medium"), Field::Null).await;
    assert_eq!(
        p.planned_state.get("hsm_type"),
        Some(&Value::string("hsm2m.medium"))
    );
    assert!(p
        .planned_state
        .get("backup_retention_policy")
        .is_some_and(Value::is_unknown));
}

#[tokio::test]
async fn a_rollback_needs_an_open_window() {
    let aws = emulated_aws(Timings::instant()).await;
    let id = aws.control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        hsm_type: Some("hsm2m.medium".into()),
        ..Default::default()
    });
    let r = adapt_resource(ClusterConfigResource::new(aws.context.clone()));
    let mut migrated = cluster("hsm2m.medium", 90);
    migrated.id = id.clone();
    let prior = state_from_cluster(&id, &migrated, Field::Null).into_value();
    let mut back = config(known("hsm1.medium"), Field::Null);
    back.cluster_id = known(&id);
    let back = back.into_value();
    // Open: a warning that names the deadline.
    aws.control
        .set_rollback_window(&id, Some("hsm1.medium"), Some(3600));
    let p = plan::<ClusterConfig>(r.as_ref(), &prior, &back).await;
    let w = only(&p.diagnostics);
    assert!(!w.is_error(), "{w:?}");
    assert!(w.detail.contains("open until"), "{}", w.detail);
    // Closed, or no window at all: an error on hsm_type that says what to do.
    for expiration in [Some(-60), None] {
        aws.control
            .set_rollback_window(&id, expiration.map(|_| "hsm1.medium"), expiration);
        let p = plan::<ClusterConfig>(r.as_ref(), &prior, &back).await;
        let e = only(&p.diagnostics);
        assert!(e.is_error(), "{expiration:?}");
        assert_eq!(e.attribute, Some(attr("hsm_type")));
        assert!(
            e.detail.contains("keep hsm_type = \"hsm2m.medium\""),
            "{}",
            e.detail
        );
    }
    // Not read (provider configuration unknown): CloudHSM decides at apply.
    let p = plan::<ClusterConfig>(offline().as_ref(), &prior, &back).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
}

#[tokio::test]
async fn another_cluster_id_is_a_replacement() {
    let prior = prior_state();
    let mut next = config(Field::Null, Field::Null);
    next.cluster_id = known("cluster-bbbbbbbbbbb");
    let p = plan::<ClusterConfig>(offline().as_ref(), &prior, &next.into_value()).await;
    assert_eq!(p.requires_replace, vec![attr("cluster_id")]);
    assert_eq!(
        p.planned_state.get("id"),
        Some(&Value::string("cluster-bbbbbbbbbbb"))
    );
    assert!(p.planned_state.get("state").is_some_and(Value::is_unknown));
}

#[tokio::test]
async fn destroy_and_import_call_nothing() {
    // An unconfigured provider: any API use would fail.
    let r = adapt_resource(ClusterConfigResource::new(ProviderContext::new()));
    let plan = r
        .plan(PlanRequest {
            prior_state: prior_state(),
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: Vec::new(),
            client_capabilities: tfplugin::interface::ClientCapabilities::with_write_only(),
        })
        .await;
    assert!(plan.planned_state.is_null());
    let w = only(&plan.diagnostics);
    assert!(!w.is_error() && w.detail.contains(ID));
    let destroy = |private: Vec<u8>| ApplyRequest {
        prior_state: prior_state(),
        planned_state: Value::Null,
        config: Value::Null,
        planned_private: private,
    };
    // Planned by an older Terraform (no destroy plan): apply gives the warning.
    let applied = r.apply(destroy(Vec::new())).await;
    assert!(applied.new_state.is_null());
    assert!(!only(&applied.diagnostics).is_error());
    // After a destroy plan that warned, apply does not say it twice.
    let applied = r.apply(destroy(plan.planned_private.clone())).await;
    assert!(applied.new_state.is_null());
    assert!(applied.diagnostics.is_empty());

    let imported = r.import(ID).await;
    assert!(imported.diagnostics.is_empty());
    assert_eq!(
        imported.states[0].get("cluster_id"),
        Some(&Value::string(ID))
    );
    let bad = r.import("my-cluster").await;
    assert!(bad.states.is_empty());
    assert!(only(&bad.diagnostics).detail.contains("\"my-cluster\""));
}
