//! End-to-end tests of `cloudhsm_cluster_config`: the real Terraform CLI drives the freshly
//! built provider, which talks SigV4-signed HTTP to the CloudHSM emulator running in-process.
//!
//! Scenarios are grouped so that the file stays well under a minute: one lifecycle on one
//! cluster (create, empty plan, in-place retention change, drift, HSM type migration through
//! MODIFY_IN_PROGRESS, a modify refused while another change runs, destroy), one test of the
//! validation errors and of import, one with both resources in one configuration, and one
//! that a refined unknown `cluster_id` (Terraform 1.6+) keeps what is known about it.

mod support;

use std::time::{Duration, Instant};

use cloudhsm_emulator::{ClusterSpec, Control, Fault, FaultKind, Timings};
use serde_json::{json, Value};

use support::Workspace;

const ADDRESS: &str = "cloudhsm_cluster_config.this";

/// Transitions are instant except an HSM type change, which takes `modify`.
fn timings(modify: Duration) -> Timings {
    Timings {
        modify,
        ..Timings::instant()
    }
}

fn seed(control: &Control, hsm_type: &str, days: u32) -> String {
    control.seed_cluster(ClusterSpec {
        state: Some("INITIALIZED".into()),
        hsm_type: Some(hsm_type.into()),
        backup_retention_days: Some(days),
        ..Default::default()
    })
}

fn config(cluster_id: &str, hsm_type: &str, days: u32) -> String {
    format!(
        r#"
resource "cloudhsm_cluster_config" "this" {{
  cluster_id = "{cluster_id}"
  hsm_type   = "{hsm_type}"
  backup_retention_policy = {{
    value = {days}
  }}
  timeouts = {{
    create = "2m"
    update = "2m"
  }}
}}
"#
    )
}

/// `text` with every run of whitespace as one space (Terraform wraps long messages).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cluster(control: &Control, id: &str) -> Value {
    control.cluster_json(id).expect("the cluster exists")
}

/// The number of DescribeClusters calls recorded after the last ModifyCluster.
fn polls_after_last_modify(control: &Control) -> usize {
    let calls = control.all_calls();
    let last_modify = calls
        .iter()
        .rposition(|(op, _)| op == "ModifyCluster")
        .expect("a ModifyCluster call");
    calls[last_modify..]
        .iter()
        .filter(|(op, _)| op == "DescribeClusters")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_lifecycle_create_update_drift_retry_destroy() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(Some(timings(Duration::from_secs(2)))).await;
    let control = emulator.control();
    let id = seed(&control, "hsm1.medium", 90);
    let ws = Workspace::new(tf, &emulator.endpoint_url());

    // Create with both fields: one ModifyCluster with both, waiting through the migration.
    ws.write(&config(&id, "hsm2m.medium", 30));
    let started = Instant::now();
    let run = ws.apply().ok();
    let took = started.elapsed();
    assert!(
        run.all().contains("HSM type migration"),
        "the plan warns about the migration:\n{}",
        run.all()
    );
    let modifies = control.calls("ModifyCluster");
    assert_eq!(modifies.len(), 1, "{modifies:?}");
    assert_eq!(
        modifies[0],
        json!({
            "ClusterId": id,
            "HsmType": "hsm2m.medium",
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "30"}
        })
    );
    assert!(
        took >= Duration::from_secs(2),
        "apply returned after {took:?}, before the 2 s migration could finish"
    );
    assert!(
        polls_after_last_modify(&control) >= 2,
        "the provider polled through MODIFY_IN_PROGRESS"
    );
    let state = ws.resource(ADDRESS).expect("in state");
    assert_eq!(state["hsm_type"], "hsm2m.medium");
    assert_eq!(state["backup_retention_policy"]["value"], 30);
    assert_eq!(state["backup_retention_policy"]["type"], "DAYS");
    assert_eq!(state["state"], "INITIALIZED");
    assert_eq!(state["id"], id.as_str());
    assert!(
        state["hsm_type_rollback_expiration"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
        "rollback expiration in RFC 3339: {state}"
    );
    assert_eq!(cluster(&control, &id)["HsmType"], "hsm2m.medium");
    assert!(ws.plan_is_empty(), "second plan is empty");

    // Retention change: an in-place update that sends only the retention.
    ws.write(&config(&id, "hsm2m.medium", 60));
    let plan = ws.plan().ok();
    let out = plan.all();
    assert!(
        out.contains("update in-place") && out.contains("30 -> 60"),
        "{out}"
    );
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    assert!(!out.contains("replace"), "{out}");
    assert!(!out.contains("HSM type migration"), "{out}");
    control.clear_calls();
    ws.apply().ok();
    let modifies = control.calls("ModifyCluster");
    assert_eq!(
        modifies,
        vec![json!({
            "ClusterId": id,
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "60"}
        })]
    );
    assert_eq!(
        cluster(&control, &id)["BackupRetentionPolicy"]["Value"],
        "60"
    );
    assert!(ws.plan_is_empty());

    // Changes made outside Terraform show up as drift, and apply puts them back, waiting
    // through the HSM type migration again.
    assert!(control.set_hsm_type(&id, "hsm1.medium"));
    assert!(control.set_backup_retention_days(&id, 45));
    let out = ws.plan().ok().all();
    assert!(out.contains("\"hsm1.medium\" -> \"hsm2m.medium\""), "{out}");
    assert!(out.contains("45 -> 60"), "{out}");
    assert!(out.contains("HSM type migration"), "{out}");
    control.clear_calls();
    ws.apply().ok();
    let modifies = control.calls("ModifyCluster");
    assert_eq!(
        modifies,
        vec![json!({
            "ClusterId": id,
            "HsmType": "hsm2m.medium",
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "60"}
        })]
    );
    assert!(polls_after_last_modify(&control) >= 2);
    let c = cluster(&control, &id);
    assert_eq!(c["HsmType"], "hsm2m.medium");
    assert_ne!(c["State"], "MODIFY_IN_PROGRESS");
    assert!(ws.plan_is_empty());

    // A modify refused because another change is running is retried once the cluster is
    // stable again. The ModifyCluster request is held for 1.5 s; meanwhile (right after
    // the provider saw the cluster stable) the cluster turns UPDATE_IN_PROGRESS, and 2.5 s
    // later back to INITIALIZED. -refresh=false: the apply's own read is the first call.
    ws.write(&config(&id, "hsm2m.medium", 90));
    control.clear_calls();
    control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::Latency(Duration::from_millis(1500)),
        1,
    ));
    let busy = {
        let control = control.clone();
        let id = id.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while control.call_count("DescribeClusters") == 0 {
                assert!(
                    Instant::now() < deadline,
                    "the apply never read the cluster"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            control.set_state(&id, "UPDATE_IN_PROGRESS");
            std::thread::sleep(Duration::from_millis(2500));
            control.set_state(&id, "INITIALIZED");
        })
    };
    let run = ws
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-refresh=false",
        ])
        .ok();
    busy.join().expect("the helper thread ran");
    let modifies = control.calls("ModifyCluster");
    assert_eq!(
        modifies.len(),
        2,
        "refused once, then retried:\n{}",
        run.all()
    );
    assert_eq!(modifies[0], modifies[1]);
    assert_eq!(
        modifies[1],
        json!({
            "ClusterId": id,
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "90"}
        })
    );
    let c = cluster(&control, &id);
    assert_eq!(c["BackupRetentionPolicy"]["Value"], "90");
    assert_eq!(c["State"], "INITIALIZED");
    assert_eq!(
        ws.resource(ADDRESS).expect("in state")["backup_retention_policy"]["value"],
        90
    );
    assert!(ws.plan_is_empty());

    // Destroy warns that the settings stay and calls nothing.
    control.clear_calls();
    let run = ws
        .run(&["destroy", "-auto-approve", "-no-color", "-refresh=false"])
        .ok();
    assert_eq!(
        run.all()
            .matches("Cluster settings stay as they are")
            .count(),
        1,
        "the warning, once:\n{}",
        run.all()
    );
    assert_eq!(control.all_calls(), vec![], "destroy made API calls");
    assert!(ws.resource(ADDRESS).is_none());
    let c = cluster(&control, &id);
    assert_eq!(c["HsmType"], "hsm2m.medium");
    assert_eq!(c["BackupRetentionPolicy"]["Value"], "90");

    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_fail_at_validate_and_import_plans_empty() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let id = seed(&control, "hsm2m.medium", 45);
    let ws = Workspace::new(tf, &emulator.endpoint_url());

    // Each error names the attribute. (Terraform's source snippet can show a top-level
    // attribute such as hsm_type, but for one inside backup_retention_policy it shows the
    // resource block, so the detail names the attribute itself.)
    ws.write(&format!(
        r#"
resource "cloudhsm_cluster_config" "too_short" {{
  cluster_id = "{id}"
  backup_retention_policy = {{
    value = 5
  }}
}}
resource "cloudhsm_cluster_config" "fraction" {{
  cluster_id = "{id}"
  backup_retention_policy = {{
    value = 30.5
  }}
}}
resource "cloudhsm_cluster_config" "bad_type" {{
  cluster_id = "{id}"
  hsm_type   = "hsm1-medium"
}}
resource "cloudhsm_cluster_config" "weeks" {{
  cluster_id = "{id}"
  backup_retention_policy = {{
    type  = "WEEKS"
    value = 10
  }}
}}
resource "cloudhsm_cluster_config" "new_type" {{
  cluster_id = "{id}"
  hsm_type   = "hsm3.large"
}}
"#
    ));
    for args in [
        &["validate", "-no-color"][..],
        &["plan", "-input=false", "-no-color"][..],
    ] {
        let out = words(&ws.run(args).fails().all());
        for (summary, text) in [
            (
                "Invalid backup retention",
                "backup_retention_policy.value = 5 is out of range",
            ),
            (
                "Invalid backup retention",
                "backup_retention_policy.value = 30.5 is not a whole number",
            ),
            ("Invalid HSM type", "hsm_type   = \"hsm1-medium\""),
            (
                "Invalid backup retention type",
                "backup_retention_policy.type = \"WEEKS\" is not",
            ),
        ] {
            assert!(out.contains(summary), "{args:?}: {summary}\n{out}");
            assert!(out.contains(&words(text)), "{args:?}: {text}\n{out}");
        }
        assert!(out.contains("7 to 379 days"), "{out}");
        assert!(out.contains("not a whole number"), "{out}");
        assert!(
            out.contains("Unknown HSM type"),
            "a warning for hsm3.large:\n{out}"
        );
    }
    assert_eq!(
        control.all_calls(),
        vec![],
        "validation errors must stop Terraform before any API call"
    );

    // Import: a wrong id is refused with the reason; the cluster id works, and a plan with
    // matching configuration (type left to its default) is empty.
    ws.write(&format!(
        r#"
resource "cloudhsm_cluster_config" "this" {{
  cluster_id = "{id}"
  hsm_type   = "hsm2m.medium"
  backup_retention_policy = {{
    value = 45
  }}
}}
"#
    ));
    let out = ws
        .run(&["import", "-no-color", "-input=false", ADDRESS, "my-cluster"])
        .fails()
        .all();
    assert!(
        out.contains("Invalid import id") && out.contains("\"my-cluster\""),
        "{out}"
    );
    ws.run(&["import", "-no-color", "-input=false", ADDRESS, &id])
        .ok();
    let state = ws.resource(ADDRESS).expect("imported");
    assert_eq!(state["cluster_id"], id.as_str());
    assert_eq!(state["hsm_type"], "hsm2m.medium");
    assert_eq!(state["backup_retention_policy"]["value"], 45);
    assert!(ws.plan_is_empty(), "plan after import is empty");
    assert_eq!(control.call_count("ModifyCluster"), 0);

    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialization_and_config_in_one_configuration_converge() {
    let Some(tf) = support::terraform() else {
        return;
    };
    // Initialization takes 1 s, an HSM type change 2 s: the config resource must wait for
    // neither more nor less than it needs.
    let emulator = support::emulator(Some(Timings {
        initialize: Duration::from_secs(1),
        ..timings(Duration::from_secs(2))
    }))
    .await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default()); // UNINITIALIZED, hsm1.medium, 90 days
    let csr = control.cluster_csr_pem(&id).expect("the cluster has a CSR");
    let signed = cloudhsm_emulator::sign_csr(&csr).expect("sign the CSR");
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    ws.write_file("cluster.crt", &signed.signed_cert_pem);
    ws.write_file("customerCA.crt", &signed.trust_anchor_pem);
    ws.write(&format!(
        r#"
resource "cloudhsm_cluster_initialization" "this" {{
  cluster_id   = "{id}"
  signed_cert  = file("cluster.crt")
  trust_anchor = file("customerCA.crt")
}}

resource "cloudhsm_cluster_config" "this" {{
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = "hsm2m.medium"
  backup_retention_policy = {{
    value = 120
  }}
}}
"#
    ));
    ws.apply().ok();

    let calls = control.all_calls();
    let position = |op: &str| calls.iter().position(|(o, _)| o == op);
    let initialize = position("InitializeCluster").expect("InitializeCluster was called");
    let modify = position("ModifyCluster").expect("ModifyCluster was called");
    assert!(
        initialize < modify,
        "the cluster is configured after it is initialized"
    );
    assert_eq!(
        control.calls("ModifyCluster"),
        vec![json!({
            "ClusterId": id,
            "HsmType": "hsm2m.medium",
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "120"}
        })]
    );
    let c = cluster(&control, &id);
    assert_eq!(c["State"], "INITIALIZED");
    assert_eq!(c["HsmType"], "hsm2m.medium");
    assert_eq!(c["BackupRetentionPolicy"]["Value"], "120");
    let state = ws.resource(ADDRESS).expect("in state");
    assert_eq!(state["state"], "INITIALIZED");
    assert_eq!(state["hsm_type"], "hsm2m.medium");
    assert!(ws.plan_is_empty(), "both resources converged");

    emulator.shutdown().await;
}

/// Terraform 1.6 and later refine unknown values (a string template's unknown result is known
/// to start with its literal prefix). The provider plans `cluster_id` with the refinement it
/// was sent, so an expression downstream of it stays known at plan time: here a `count`,
/// which Terraform refuses to plan when it is unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refinements_of_an_unknown_cluster_id_reach_expressions_downstream() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let version = support::terraform_version(&tf);
    if version < (1, 6, 0) {
        eprintln!("NOTE: Terraform {version:?} has no refinements; the 1.11 run of this suite checks them");
        return;
    }
    let emulator = support::emulator(Some(Timings::instant())).await;
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    ws.write(
        r#"
resource "terraform_data" "suffix" {
  input = "jxhlf7644ne"
}

resource "cloudhsm_cluster_config" "this" {
  cluster_id = "cluster-${terraform_data.suffix.output}"
}

resource "terraform_data" "configured" {
  count = startswith(cloudhsm_cluster_config.this.cluster_id, "cluster-") ? 1 : 0
}
"#,
    );
    let plan = ws.plan().ok();
    let out = plan.all();
    assert!(
        out.contains("terraform_data.configured[0] will be created"),
        "the count was known at plan time:\n{out}"
    );
    assert!(out.contains("3 to add"), "{out}");
    assert!(
        emulator.control().calls("ModifyCluster").is_empty(),
        "a plan calls no ModifyCluster"
    );
    emulator.shutdown().await;
}
