use super::*;
use crate::test_support::{emulated_aws, plan, EmulatedAws};
use cloudhsm_emulator::{ClusterSpec, Timings};
use tfplugin::adapt_resource;
use tfplugin::interface::{ApplyRequest, ClientCapabilities, ReadRequest, Resource};
use tfplugin::value::{TfType, Value};

fn config(cluster_id: &str) -> OneTimeRoot {
    OneTimeRoot {
        cluster_id: Field::Known(cluster_id.to_string()),
        ..Default::default()
    }
}

async fn fixture() -> (EmulatedAws, Arc<dyn Resource>) {
    let aws = emulated_aws(Timings::instant()).await;
    let r = adapt_resource(OneTimeRootResource::new(aws.context.clone()));
    (aws, r)
}

/// Plans and applies a create of `cfg`; the new state.
async fn create(r: &Arc<dyn Resource>, cfg: &OneTimeRoot) -> Value {
    let p = plan::<OneTimeRoot>(r.as_ref(), &Value::Null, &cfg.clone().into_value()).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    let applied = r
        .apply(ApplyRequest {
            prior_state: Value::Null,
            planned_state: p.planned_state,
            config: cfg.clone().into_value(),
            planned_private: Vec::new(),
        })
        .await;
    assert!(
        !applied.diagnostics.has_errors(),
        "{:?}",
        applied.diagnostics
    );
    applied.new_state
}

fn text(state: &Value, name: &str) -> String {
    state
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_default()
}

#[tokio::test]
async fn create_signs_the_csr_with_a_root_whose_certificates_pass_every_check() {
    let (aws, r) = fixture().await;
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let state = create(&r, &config(&id)).await;
    let root = certs::parse_certificate_pem(&text(&state, "root_certificate")).expect("root");
    let signed = certs::parse_certificate_pem(&text(&state, "signed_cert")).expect("signed");
    let csr = certs::parse_csr_pem(&text(&state, "cluster_csr")).expect("csr");
    certs::check_trust_anchor(&root, certs::now_unix()).expect("a valid root");
    certs::check_issued_by(&signed, &root, certs::now_unix()).expect("issued by the root");
    certs::check_matches_csr(&signed, &csr).expect("the CSR's key");
    assert!(root.subject.contains(&id), "{}", root.subject);
    // Nothing but certificates: no private key anywhere in the state.
    let all = format!("{state:?}");
    assert!(!all.contains("PRIVATE KEY"), "{all}");
    // The emulator (checking what CloudHSM checks) takes them.
    let client = aws.context.client().await.expect("client");
    client
        .initialize(
            &id,
            &text(&state, "signed_cert"),
            &text(&state, "root_certificate"),
        )
        .await
        .expect("InitializeCluster accepts the pair");
    assert_eq!(aws.control.call_count("ModifyCluster"), 0);
}

#[tokio::test]
async fn plan_refuses_a_cluster_without_a_csr_or_initialized_and_bad_settings() {
    let (aws, r) = fixture().await;
    let no_hsm = aws.control.seed_cluster(ClusterSpec {
        with_hsm: false,
        ..Default::default()
    });
    let initialized = aws.control.seed_cluster(ClusterSpec {
        state: Some("INITIALIZED".into()),
        ..Default::default()
    });
    for (id, summary) in [
        (&no_hsm, "Cluster has no HSM yet"),
        (&initialized, "Cluster is already initialized"),
    ] {
        let p = plan::<OneTimeRoot>(r.as_ref(), &Value::Null, &config(id).into_value()).await;
        let errors: Vec<_> = p.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{:?}", p.diagnostics);
        assert_eq!(errors[0].summary, summary);
        assert_eq!(errors[0].attribute, Some(attr(OneTimeRoot::CLUSTER_ID)));
    }
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let short_root = OneTimeRoot {
        validity_days: Field::Known(30),
        certificate_validity_days: Field::Known(365),
        ..config(&id)
    };
    let d = r
        .validate(
            &short_root.into_value(),
            ClientCapabilities::with_write_only(),
        )
        .await;
    assert!(d.has_errors(), "{d:?}");
    assert_eq!(
        d.iter().next().and_then(|d| d.attribute.clone()),
        Some(attr(OneTimeRoot::VALIDITY_DAYS))
    );
    let bad_name = OneTimeRoot {
        common_name: Field::Known("line\nbreak".into()),
        ..config(&id)
    };
    let d = r
        .validate(
            &bad_name.into_value(),
            ClientCapabilities::with_write_only(),
        )
        .await;
    assert_eq!(
        d.iter().next().and_then(|d| d.attribute.clone()),
        Some(attr(OneTimeRoot::COMMON_NAME))
    );
    assert_eq!(aws.control.call_count("InitializeCluster"), 0);
}

#[tokio::test]
async fn read_keeps_the_root_unless_the_cluster_shows_another_csr_or_is_gone() {
    let (aws, r) = fixture().await;
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let state = create(&r, &config(&id)).await;
    let read = |state: Value| {
        let r = r.clone();
        async move {
            r.read(ReadRequest {
                current_state: state,
                private: Vec::new(),
            })
            .await
        }
    };
    // Still UNINITIALIZED with the CSR that was signed (or a read that lags): kept.
    let kept = read(state.clone()).await;
    assert_eq!(kept.new_state, state);
    // Initialized: kept.
    assert!(aws.control.set_state(&id, "INITIALIZED"));
    assert_eq!(read(state.clone()).await.new_state, state);
    // Reset with a fresh key: the signing is of no use; the state goes.
    assert!(aws.control.reset_to_uninitialized(&id));
    assert!(read(state.clone()).await.new_state.is_null());
}

#[tokio::test]
async fn a_changed_setting_replaces_the_root_before_initialization_and_is_refused_after() {
    let (aws, r) = fixture().await;
    let id = aws.control.seed_cluster(ClusterSpec::default());
    let state = create(&r, &config(&id)).await;
    let renamed = OneTimeRoot {
        common_name: Field::Known("Another name".into()),
        ..config(&id)
    }
    .into_value();
    let p = plan::<OneTimeRoot>(r.as_ref(), &state, &renamed).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(p.requires_replace, vec![attr(OneTimeRoot::COMMON_NAME)]);
    assert!(aws.control.set_state(&id, "INITIALIZED"));
    let p = plan::<OneTimeRoot>(r.as_ref(), &state, &renamed).await;
    let e = p
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error");
    assert_eq!(e.summary, "The one-time root cannot change");
    assert_eq!(e.attribute, Some(attr(OneTimeRoot::COMMON_NAME)));
    // Import has nothing to import.
    assert!(r.import(&id).await.diagnostics.has_errors());
}
