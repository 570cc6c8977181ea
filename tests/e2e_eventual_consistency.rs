//! End-to-end tests of what `terraform apply` reports when CloudHSM's reads lag behind its
//! writes or show one field changed before another: no false "done", no false "failed", no
//! inconsistent plans, no write sent twice. The real Terraform CLI drives the freshly built
//! provider against the emulator, which shows each behaviour (`Behaviour::read_lag`,
//! `hsm_type_change`, `certificate_after`, `blank_absent`, lost answers).

mod support;

use std::time::{Duration, Instant};

use cloudhsm_emulator::{
    Behaviour, ClusterSpec, Control, Fault, FaultKind, HsmTypeChangeOrder, Timings,
};
use support::{flat, init_with_timeout, resource_hcl, seed_and_sign, Workspace};
use terraform_provider_cloudhsm::certs;

const INIT: &str = "cloudhsm_cluster_initialization.this";
const CONFIG: &str = "cloudhsm_cluster_config.this";

fn attr(ws: &Workspace, address: &str, name: &str) -> Option<String> {
    ws.resource(address)
        .and_then(|r| r[name].as_str().map(str::to_string))
}

/// Whether the state file records the resource at `address` as tainted.
fn tainted(ws: &Workspace, address: &str) -> bool {
    let raw = std::fs::read_to_string(ws.dir.path().join("terraform.tfstate")).unwrap_or_default();
    let state: serde_json::Value = serde_json::from_str(&raw).unwrap_or_default();
    let (kind, name) = address.split_once('.').unwrap_or_default();
    state["resources"].as_array().is_some_and(|resources| {
        resources.iter().any(|r| {
            r["type"] == kind
                && r["name"] == name
                && r["instances"][0]["status"].as_str() == Some("tainted")
        })
    })
}

fn with_behaviour(control: &Control, change: impl FnOnce(&mut Behaviour)) {
    let mut b = control.behaviour();
    change(&mut b);
    control.set_behaviour(b);
}

// ---- an HSM type change is done when the migration has finished ---------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hsm_type_change_is_done_only_once_the_migration_has_finished() {
    let Some((_emulator, control, ws)) = support::setup(Some(Timings {
        modify: Duration::from_secs(6),
        ..Timings::instant()
    }))
    .await
    else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..Default::default()
    });
    // The cluster shows the new HsmType at once, turns MODIFY_IN_PROGRESS three seconds
    // later, and its HSMs change last: "not busy, type as requested" at the first poll is
    // not done.
    with_behaviour(&control, |b| {
        b.hsm_type_change = HsmTypeChangeOrder {
            cluster_type_after: Some(Duration::ZERO),
            busy_after: Some(Duration::from_secs(3)),
            ..Default::default()
        }
    });
    ws.write(&format!(
        "resource \"cloudhsm_cluster_config\" \"this\" {{\n  cluster_id = \"{id}\"\n  hsm_type   = \"hsm2m.medium\"\n}}\n"
    ));
    let started = Instant::now();
    let run = ws.apply().ok();
    let truth = control.cluster_json(&id).expect("cluster");
    assert_eq!(truth["State"], "ACTIVE", "{}", run.all());
    for hsm in truth["Hsms"].as_array().expect("hsms") {
        assert_eq!(
            hsm["HsmType"], "hsm2m.medium",
            "apply ended before the migration did"
        );
    }
    assert!(truth["HsmTypeRollbackExpiration"].is_number(), "{truth}");
    assert!(started.elapsed() >= Duration::from_secs(6));
    assert_eq!(control.call_count("ModifyCluster"), 1);
    assert_eq!(attr(&ws, CONFIG, "state").as_deref(), Some("ACTIVE"));
    assert!(attr(&ws, CONFIG, "hsm_type_rollback_expiration").is_some());
    assert!(ws.plan_is_empty());
}

// ---- an accepted InitializeCluster is never reported as failed because reads lag ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_initialization_that_reads_do_not_show_yet_is_waited_for() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    // For 20 s after InitializeCluster, reads show the cluster as it was: UNINITIALIZED with
    // its CSR. (The provider used to give up after five such polls and advise re-signing.)
    control.set_read_lag(Some(Duration::from_secs(20)));
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    let run = ws.apply().ok();
    assert!(
        !flat(&run.all()).contains("Check the certificates"),
        "{}",
        run.all()
    );
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));
    assert!(ws.plan_is_empty());
    assert_eq!(control.call_count("InitializeCluster"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_after_an_accepted_initialization_keeps_the_resource_and_the_next_apply_adopts()
{
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    let lag = Duration::from_secs(15);
    control.set_read_lag(Some(lag));
    ws.write(&init_with_timeout(&id, "5s"));
    let sent = Instant::now();
    let run = ws.apply().fails();
    let text = flat(&run.all());
    assert!(text.contains("Timed out waiting for the cluster"), "{text}");
    assert!(text.contains("stays in the state"), "{text}");
    assert!(!text.contains("Check the certificates"), "{text}");
    assert_eq!(control.call_count("InitializeCluster"), 1);
    // Nothing lost: the resource is in the state, tainted, as an initialization under way.
    assert!(tainted(&ws, INIT), "{}", run.all());
    assert_eq!(
        attr(&ws, INIT, "state").as_deref(),
        Some("INITIALIZE_IN_PROGRESS")
    );

    // Once reads catch up, the next apply adopts it without a second InitializeCluster.
    if let Some(rest) = lag.checked_sub(sent.elapsed()) {
        tokio::time::sleep(rest + Duration::from_secs(1)).await;
    }
    let run = ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    assert!(!tainted(&ws, INIT));
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));
    assert!(ws.plan_is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialized_shown_before_its_certificate_waits_for_the_certificate() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    with_behaviour(&control, |b| {
        b.certificate_after = Some(Duration::from_secs(4))
    });
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    ws.apply().ok();
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert!(ws.plan_is_empty());
}

// ---- no known planned value depends on a read that can fail or change ---------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_config_create_plan_applies_after_the_cluster_changed_or_reads_were_throttled() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let config = |id: &str| {
        format!("resource \"cloudhsm_cluster_config\" \"this\" {{\n  cluster_id = \"{id}\"\n}}\n")
    };
    let seed = || {
        control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            backup_retention_days: Some(90),
            ..Default::default()
        })
    };

    // The retention changes in the console between plan and apply.
    let id = seed();
    ws.write(&config(&id));
    let run = ws.plan_saved("tfplan").ok();
    assert!(
        flat(&run.stdout).contains("(known after apply)"),
        "{}",
        run.stdout
    );
    assert!(control.set_backup_retention_days(&id, 30));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert!(!run.all().contains("inconsistent"), "{}", run.all());
    let policy = ws.resource(CONFIG).expect("in state")["backup_retention_policy"].clone();
    assert_eq!(policy["value"], 30, "the state says what the cluster has");
    assert!(ws.plan_is_empty());
    ws.run(&["state", "rm", "-no-color", CONFIG]).ok();

    // Reads are throttled beyond the SDK's retries while Terraform plans again at apply.
    let id = seed();
    ws.write(&config(&id));
    ws.plan_saved("tfplan").ok();
    control.inject(Fault::next_calls(
        Some("DescribeClusters"),
        FaultKind::Throttle,
        4,
    ));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert!(!run.all().contains("inconsistent"), "{}", run.all());
    assert_eq!(
        attr(&ws, CONFIG, "hsm_type").as_deref(),
        Some("hsm1.medium")
    );
    assert_eq!(control.call_count("ModifyCluster"), 0);
}

// ---- writes are not sent twice ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_to_writes_are_looked_into_not_resent() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    // InitializeCluster takes effect but its answer never arrives; reads lag a little too.
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    control.set_read_lag(Some(Duration::from_secs(3)));
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::LoseResponse,
        1,
    ));
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    let run = ws.apply().ok();
    assert_eq!(control.attempts("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));

    // The same for ModifyCluster.
    control.set_read_lag(None);
    ws.run(&["state", "rm", "-no-color", INIT]).ok();
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..Default::default()
    });
    control.inject(Fault::next_calls(
        Some("ModifyCluster"),
        FaultKind::LoseResponse,
        1,
    ));
    ws.write(&format!(
        "resource \"cloudhsm_cluster_config\" \"this\" {{\n  cluster_id = \"{id}\"\n  backup_retention_policy = {{ value = 30 }}\n}}\n"
    ));
    let run = ws.apply().ok();
    assert_eq!(control.attempts("ModifyCluster"), 1, "{}", run.all());
    let policy = ws.resource(CONFIG).expect("in state")["backup_retention_policy"].clone();
    assert_eq!(policy["value"], 30);
    assert!(ws.plan_is_empty());
}

// ---- blank means absent ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_certificate_field_is_no_certificate() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    // `"ClusterCertificate": ""` on an UNINITIALIZED cluster once made apply adopt a
    // certificate that does not exist, without calling InitializeCluster.
    with_behaviour(&control, |b| b.blank_absent = true);
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    assert_eq!(
        control.cluster_json(&id).expect("cluster")["State"],
        "UNINITIALIZED"
    );
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    let run = ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1, "{}", run.all());
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));
    assert!(ws.plan_is_empty());
}

// ---- an answer that cannot be read --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_cannot_be_read_are_said_so_and_an_accepted_one_is_adopted() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    // InitializeCluster is taken (HTTP 200) but its answer does not parse: the provider
    // looks at the cluster and adopts the initialization, without a second call.
    let (id, cert, _anchor) = seed_and_sign(&control, &ws);
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::UnreadableAnswer,
        1,
    ));
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    let run = ws.apply().ok();
    assert_eq!(control.attempts("InitializeCluster"), 1, "{}", run.all());
    assert!(certs::same_certificate(
        &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
        &cert
    ));

    // Reads that never parse: the error says what happened, not "check the network", and
    // carries no internal dump of the SDK.
    control.inject(Fault::for_duration(
        Some("DescribeClusters"),
        FaultKind::UnreadableAnswer,
        Duration::from_secs(120),
    ));
    let run = ws.plan().fails();
    let text = flat(&run.all());
    assert!(text.contains("Unreadable answer from CloudHSM"), "{text}");
    assert!(text.contains("HTTP 200"), "{text}");
    assert!(!text.contains("Could not reach"), "{text}");
    for internal in ["ResponseError", "extensions", "HttpInfo", "SdkBody"] {
        assert!(!text.contains(internal), "{internal} in {text}");
    }
}
