//! End-to-end tests of the provider against the ways real AWS (and a real network) can behave
//! that a first emulator never showed: a busy cluster without a certificate, text around a
//! PEM block, STS behind its own endpoint, credentials from a profile with other keys in the
//! environment, requests that are never answered, throttling longer than the SDK's retries,
//! saved plans after harmless drift, and a closed rollback window. The real Terraform CLI
//! drives the freshly built provider against the emulator over HTTP with SigV4.

mod support;

use std::time::Duration;

use cloudhsm_emulator::{
    Behaviour, ClusterSpec, Control, ExpiredRollback, Fault, FaultKind, Timings, Trigger,
};
use support::{flat, init_with_timeout, resource_hcl, seed_and_sign, sign_for, Workspace};
use terraform_provider_cloudhsm::certs;

const INIT: &str = "cloudhsm_cluster_initialization.this";
const CONFIG: &str = "cloudhsm_cluster_config.this";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/deploy";

fn attr(ws: &Workspace, address: &str, name: &str) -> Option<String> {
    ws.resource(address)
        .and_then(|r| r[name].as_str().map(str::to_string))
}

/// A `cloudhsm_cluster_config` with the given settings (`None`: left out).
fn config_hcl(cluster_id: &str, hsm_type: Option<&str>, days: Option<u32>) -> String {
    let mut body = format!("  cluster_id = \"{cluster_id}\"\n");
    if let Some(t) = hsm_type {
        body.push_str(&format!("  hsm_type   = \"{t}\"\n"));
    }
    if let Some(d) = days {
        body.push_str(&format!(
            "  backup_retention_policy = {{ type = \"DAYS\", value = {d} }}\n"
        ));
    }
    format!("resource \"cloudhsm_cluster_config\" \"this\" {{\n{body}}}\n")
}

fn initialized_cluster(control: &Control, hsm_type: &str) -> String {
    control.seed_cluster(ClusterSpec {
        state: Some("INITIALIZED".into()),
        hsm_type: Some(hsm_type.into()),
        ..Default::default()
    })
}

fn has_certificate(control: &Control, id: &str) -> bool {
    control
        .cluster_json(id)
        .is_some_and(|c| c["Certificates"]["ClusterCertificate"].is_string())
}

// ---- 1. a busy cluster without a certificate is not initialized --------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_or_degraded_uninitialized_cluster_is_waited_on_then_initialized() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    for (busy, then) in [
        ("UPDATE_IN_PROGRESS", None),
        ("DEGRADED", Some("UNINITIALIZED")),
    ] {
        let (id, cert, _anchor) = seed_and_sign(&control, &ws);
        // Busy (or degraded) for a while, with no cluster certificate: not initialized.
        assert!(control.busy_for(&id, busy, Duration::from_secs(4), then));
        ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
        let before = control.call_count("InitializeCluster");
        ws.apply().ok();
        assert_eq!(
            control.call_count("InitializeCluster"),
            before + 1,
            "{busy}: the cluster was initialized, not adopted"
        );
        assert!(has_certificate(&control, &id), "{busy}");
        assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
        assert!(certs::same_certificate(
            &attr(&ws, INIT, "cluster_certificate").expect("certificate in state"),
            &cert
        ));
        // The next refresh keeps it.
        assert!(ws.plan_is_empty(), "{busy}");
        ws.run(&["state", "rm", "-no-color", INIT]).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_stays_busy_without_a_certificate_ends_with_an_honest_error() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    assert!(control.force_state(&id, "MODIFY_IN_PROGRESS"));
    ws.write(&init_with_timeout(&id, "3s"));
    let run = ws.apply().fails();
    let text = flat(&run.all());
    assert!(
        text.contains("MODIFY_IN_PROGRESS"),
        "names the state: {text}"
    );
    assert!(
        text.contains("without a cluster certificate"),
        "says why it did not initialize: {text}"
    );
    assert_eq!(control.call_count("InitializeCluster"), 0);
    assert!(ws.resource(INIT).is_none(), "no success recorded");
    assert!(!has_certificate(&control, &id));

    // Once it settles, the same configuration initializes it.
    assert!(control.force_state(&id, "UNINITIALIZED"));
    ws.apply().ok();
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_and_initialization_of_one_cluster_without_a_dependency_both_happen() {
    // A backup retention change keeps the (uninitialized) cluster UPDATE_IN_PROGRESS a while.
    let Some((_emulator, control, ws)) = support::setup(Some(Timings {
        update: Duration::from_secs(3),
        ..Timings::instant()
    }))
    .await
    else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&format!(
        "{}\n{}",
        resource_hcl("this", &id, "cluster.crt", "customerCA.crt"),
        config_hcl(&id, None, Some(30))
    ));
    let run = ws.apply().ok();
    // Which resource goes first is Terraform's choice: an InitializeCluster refused while the
    // retention change runs, then repeated once the cluster is UNINITIALIZED again, is fine.
    let calls = control.call_count("InitializeCluster");
    assert!((1..=2).contains(&calls), "{calls} calls: {}", run.all());
    assert!(has_certificate(&control, &id));
    let cluster = control.cluster_json(&id).expect("cluster");
    assert_eq!(cluster["BackupRetentionPolicy"]["Value"], "30");
    assert!(ws.resource(INIT).is_some() && ws.resource(CONFIG).is_some());
    assert!(ws.plan_is_empty(), "both resources stay in state");
}

// ---- 2. CloudHSM receives the PEM block alone -------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_around_the_pem_block_is_not_sent_and_causes_no_diff() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let (id, cert, anchor) = seed_and_sign(&control, &ws);
    // What `openssl pkcs12 -nokeys` prints: attribute lines with ':' (outside the API's
    // pattern) before the PEM block.
    let bagged = |pem: &str| {
        format!("Bag Attributes\n    localKeyID: 01 02 03 04\nsubject=/CN=HSM:cluster\nissuer=/CN=Example Root CA\n{pem}")
    };
    ws.write_file("cluster.crt", &bagged(&cert));
    ws.write_file("customerCA.crt", &bagged(&anchor));
    ws.write(&resource_hcl("this", &id, "cluster.crt", "customerCA.crt"));
    ws.apply().ok();
    let body = &control.calls("InitializeCluster")[0];
    for field in ["SignedCert", "TrustAnchor"] {
        let sent = body[field].as_str().expect(field);
        assert!(
            sent.starts_with("-----BEGIN CERTIFICATE-----"),
            "{field}: {sent}"
        );
        assert!(!sent.contains("Bag Attributes"), "{field}: {sent}");
    }
    assert!(certs::same_certificate(
        body["SignedCert"].as_str().unwrap(),
        &cert
    ));
    // The state keeps what the user wrote: no perpetual diff.
    assert_eq!(
        attr(&ws, INIT, "signed_cert").as_deref(),
        Some(bagged(&cert).as_str())
    );
    assert!(ws.plan_is_empty());
}

// ---- 3 and 4. which credentials sign, and where STS calls go -----------------------------

fn data_source_config(provider: &str, cluster_id: &str) -> String {
    format!(
        "{}\nprovider \"cloudhsm\" {{\n{provider}}}\n\ndata \"cloudhsm_cluster\" \"this\" {{\n  cluster_id = \"{cluster_id}\"\n}}\n\noutput \"state\" {{\n  value = data.cloudhsm_cluster.this.state\n}}\n",
        Workspace::required_providers()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_calls_sts_at_its_own_endpoint_and_cloudhsm_with_the_role() {
    let Some((emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec::default());
    let sts = emulator.sts_endpoint_url();
    let base = "  region     = \"us-east-1\"\n  access_key = \"AKIDBASECREDENTIAL\"\n  secret_key = \"base-secret\"\n";
    let role = format!("  assume_role {{ role_arn = \"{ROLE_ARN}\" }}\n");
    let hsm = format!("cloudhsmv2 = \"{}\"", emulator.endpoint_url());

    // STS from the standard chain (AWS_ENDPOINT_URL_STS), CloudHSM from the provider block;
    // then STS from endpoints.sts.
    let variants = [
        (
            format!("{base}{role}  endpoints {{ {hsm} }}\n"),
            vec![("AWS_ENDPOINT_URL_STS", sts.as_str())],
        ),
        (
            format!("{base}{role}  endpoints {{\n    {hsm}\n    sts = \"{sts}\"\n  }}\n"),
            vec![],
        ),
    ];
    for (provider, env) in variants {
        control.clear_calls();
        ws.write_raw(&data_source_config(&provider, &id));
        let run = ws.run_with_env(&["plan", "-input=false", "-no-color"], &env);
        assert!(run.success, "{}", run.all());
        assert_eq!(
            control.access_keys("AssumeRole"),
            vec!["AKIDBASECREDENTIAL".to_string()],
            "AssumeRole reached STS, signed with the base credentials"
        );
        let keys = control.access_keys("DescribeClusters");
        assert!(!keys.is_empty());
        for key in keys {
            assert_eq!(
                control.assumed_role_of(&key).as_deref(),
                Some(ROLE_ARN),
                "CloudHSM calls are signed by the role's credentials, not {key}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_in_the_provider_block_wins_over_keys_in_the_environment() {
    let Some((emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = control.seed_cluster(ClusterSpec::default());
    ws.write_file(
        "credentials",
        "[default]\naws_access_key_id = AKIDDEFAULTPROFILE\naws_secret_access_key = d\n\n\
         [deploy]\naws_access_key_id = AKIDDEPLOYPROFILE\naws_secret_access_key = p\n",
    );
    let credentials = ws.dir.path().join("credentials");
    let credentials = credentials.to_string_lossy();
    let env = [
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_ref()),
        ("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT"),
        ("AWS_SECRET_ACCESS_KEY", "e"),
    ];
    let endpoint = format!(
        "  region    = \"us-east-1\"\n  endpoints {{ cloudhsmv2 = \"{}\" }}\n",
        emulator.endpoint_url()
    );
    for (profile, expected) in [
        (Some("deploy"), "AKIDDEPLOYPROFILE"),
        // Without `profile` the environment comes first, as in the AWS provider.
        (None, "AKIDFROMENVIRONMENT"),
    ] {
        control.clear_calls();
        let provider = match profile {
            Some(p) => format!("{endpoint}  profile   = \"{p}\"\n"),
            None => endpoint.clone(),
        };
        ws.write_raw(&data_source_config(&provider, &id));
        let run = ws.run_with_env(&["plan", "-input=false", "-no-color"], &env);
        assert!(run.success, "{}", run.all());
        let keys = control.access_keys("DescribeClusters");
        assert!(!keys.is_empty());
        assert!(
            keys.iter().all(|k| k == expected),
            "{profile:?}: expected {expected}, got {keys:?}"
        );
    }
}

// ---- 5 and 6. deadlines hold; transient errors do not end a wait -------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_is_never_answered_ends_at_the_deadline() {
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(600)).await
    else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&init_with_timeout(&id, "5s"));

    // InitializeCluster is accepted on the wire and never answered: the apply ends at its
    // deadline with nothing recorded (the call never reached CloudHSM's handler).
    ws.plan_saved("first.tfplan").ok();
    control.inject(Fault::next_calls(
        Some("InitializeCluster"),
        FaultKind::Hang,
        10,
    ));
    let run = ws.apply_saved("first.tfplan").fails();
    let text = flat(&run.all());
    assert!(
        text.contains("got no answer before the operation's deadline"),
        "{text}"
    );
    assert!(control.attempts("InitializeCluster") >= 1);
    assert_eq!(control.call_count("InitializeCluster"), 0);
    assert!(ws.resource(INIT).is_none());
    control.clear_faults();

    // Accepted, then every poll hangs: the wait ends at its deadline, and the state records
    // the initialization running, so the next apply adopts it.
    ws.write(&init_with_timeout(&id, "8s"));
    let apply = ws.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let accepted = tokio::task::block_in_place(|| {
        support::wait_until(|| control.call_count("InitializeCluster") == 1)
    });
    assert!(accepted, "apply reached InitializeCluster");
    control.inject(Fault {
        operation: Some("DescribeClusters".into()),
        kind: FaultKind::Hang,
        trigger: Trigger::For(Duration::from_secs(600)),
    });
    let output = tokio::task::block_in_place(|| apply.wait_with_output()).expect("terraform ends");
    let text = flat(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ));
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("Timed out waiting for the cluster"), "{text}");
    assert!(
        text.contains("DescribeClusters got no answer before the operation's deadline"),
        "names the last error: {text}"
    );
    control.clear_faults();
    assert_eq!(
        attr(&ws, INIT, "state").as_deref(),
        Some("INITIALIZE_IN_PROGRESS")
    );
    control.complete_transitions(&id);
    ws.write(&init_with_timeout(&id, "1m"));
    ws.apply().ok();
    assert_eq!(
        control.call_count("InitializeCluster"),
        1,
        "adopted, not repeated"
    );
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_faults_and_resets_during_a_wait_do_not_end_it() {
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(4)).await
    else {
        return;
    };
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&init_with_timeout(&id, "2m"));
    ws.plan_saved("tfplan").ok();
    // Far more throttles than the SDK's own three attempts per call, plus server faults and
    // connections reset in the middle of an answer.
    for (kind, n) in [
        (FaultKind::Throttle, 12),
        (FaultKind::InternalError, 3),
        (FaultKind::ResetMidResponse, 3),
    ] {
        control.inject(Fault::next_calls(Some("DescribeClusters"), kind, n));
    }
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert_eq!(control.call_count("InitializeCluster"), 1);
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("INITIALIZED"));
    control.clear_faults();

    // Throttled for longer than the deadline: the apply gives up then, and says why.
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.run(&["state", "rm", "-no-color", INIT]).ok();
    ws.write(&init_with_timeout(&id, "5s"));
    ws.plan_saved("tfplan").ok();
    control.inject(Fault {
        operation: Some("DescribeClusters".into()),
        kind: FaultKind::Throttle,
        trigger: Trigger::For(Duration::from_secs(600)),
    });
    let run = ws.apply_saved("tfplan").fails();
    let text = flat(&run.all());
    assert!(text.contains("ThrottlingException"), "{text}");
    assert!(text.contains("gave up after"), "{text}");
    control.clear_faults();
}

// ---- 7. saved plans apply after harmless changes out of band -----------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plans_apply_after_harmless_changes_out_of_band() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };

    // cloudhsm_cluster_config: INITIALIZED -> ACTIVE between plan and apply.
    let id = initialized_cluster(&control, "hsm1.medium");
    ws.write(&config_hcl(&id, None, Some(30)));
    ws.apply().ok();
    ws.write(&config_hcl(&id, None, Some(60)));
    ws.plan_saved("tfplan").ok();
    assert!(control.set_state(&id, "ACTIVE"));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert_eq!(attr(&ws, CONFIG, "state").as_deref(), Some("ACTIVE"));

    // A rollback window appearing (hsm_type left out) between plan and apply.
    ws.write(&config_hcl(&id, None, Some(90)));
    ws.plan_saved("tfplan").ok();
    assert!(control.set_rollback_window(&id, Some("hsm1.medium"), Some(3600)));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert!(attr(&ws, CONFIG, "hsm_type_rollback_expiration").is_some());
    // … and disappearing.
    ws.write(&config_hcl(&id, None, Some(120)));
    ws.plan_saved("tfplan").ok();
    assert!(control.set_rollback_window(&id, None, None));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert_eq!(attr(&ws, CONFIG, "hsm_type_rollback_expiration"), None);
    ws.run(&["state", "rm", "-no-color", CONFIG]).ok();

    // cloudhsm_cluster_initialization: a timeouts change planned while INITIALIZED,
    // applied after activation.
    let (id, _cert, _anchor) = seed_and_sign(&control, &ws);
    ws.write(&init_with_timeout(&id, "10m"));
    ws.apply().ok();
    ws.write(&init_with_timeout(&id, "20m"));
    ws.plan_saved("tfplan").ok();
    assert!(control.set_state(&id, "ACTIVE"));
    let run = ws.apply_saved("tfplan");
    assert!(run.success, "{}", run.all());
    assert_eq!(attr(&ws, INIT, "state").as_deref(), Some("ACTIVE"));
    assert_eq!(control.call_count("InitializeCluster"), 1);
}

// ---- 8. busy is decided by looking at the cluster, not by the words of a refusal ---------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_refusals_in_any_words_are_waited_out_and_real_refusals_reported() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    control.set_behaviour(Behaviour {
        refuse_while_hsm_busy: true,
        busy_message: Some("Request rejected.".into()),
        modify_uninitialized: false,
        ..Behaviour::default()
    });
    // The cluster looks ACTIVE, but an HSM being added makes CloudHSM refuse changes, in
    // words that name no state.
    let id = initialized_cluster(&control, "hsm1.medium");
    control
        .add_hsm(&id, Duration::from_secs(3))
        .expect("cluster");
    ws.write(&config_hcl(&id, None, Some(30)));
    let run = ws.apply();
    assert!(run.success, "{}", run.all());
    assert_eq!(
        control.call_count("ModifyCluster"),
        2,
        "refused once, then accepted"
    );
    assert_eq!(
        control.cluster_json(&id).unwrap()["BackupRetentionPolicy"]["Value"],
        "30"
    );

    // A refusal while nothing is busy is reported as it is, at once, with advice.
    let uninitialized = control.seed_cluster(ClusterSpec::default());
    ws.run(&["state", "rm", "-no-color", CONFIG]).ok();
    ws.write(&config_hcl(&uninitialized, None, Some(30)));
    let run = ws.apply().fails();
    let text = flat(&run.all());
    assert!(text.contains("CloudHsmInvalidRequestException"), "{text}");
    assert!(text.contains("not initialized yet"), "{text}");
    assert!(text.contains("depends_on"), "{text}");
    assert_eq!(control.call_count("ModifyCluster"), 3, "no blind retries");
    assert!(ws.resource(CONFIG).is_none());
}

// ---- 9. a rollback after the window closed is refused at plan ----------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_after_its_window_closed_is_a_plan_error_on_hsm_type() {
    let Some((_emulator, control, ws)) = support::setup(None).await else {
        return;
    };
    let id = initialized_cluster(&control, "hsm2m.medium");
    ws.write(&config_hcl(&id, Some("hsm2m.medium"), None));
    ws.apply().ok();

    // The window closed: shown in the past, or no longer shown at all.
    for behaviour in [ExpiredRollback::ShowPast, ExpiredRollback::Hide] {
        control.set_behaviour(Behaviour {
            expired_rollback: behaviour,
            ..control.behaviour()
        });
        assert!(control.set_rollback_window(&id, Some("hsm1.medium"), Some(-60)));
        ws.write(&config_hcl(&id, Some("hsm1.medium"), None));
        let run = ws.plan().fails();
        let text = flat(&run.all());
        assert!(
            text.contains("HSM type rollback is no longer possible"),
            "{behaviour:?}: {text}"
        );
        assert!(
            text.contains("hsm_type = \"hsm1.medium\""),
            "on the attribute: {text}"
        );
        assert!(
            text.contains("keep hsm_type = \"hsm2m.medium\""),
            "what to do: {text}"
        );
        assert_eq!(control.call_count("ModifyCluster"), 0);
    }

    // Open: a warning, and the rollback runs.
    assert!(control.set_rollback_window(&id, Some("hsm1.medium"), Some(3600)));
    let run = ws.apply().ok();
    assert!(
        flat(&run.all()).contains("HSM type rollback"),
        "{}",
        run.all()
    );
    assert_eq!(control.call_count("ModifyCluster"), 1);
    assert_eq!(control.cluster_json(&id).unwrap()["HsmType"], "hsm1.medium");

    // A migration made here whose window then passes (and disappears): going back is refused.
    control.set_behaviour(Behaviour {
        expired_rollback: ExpiredRollback::Hide,
        ..control.behaviour()
    });
    // The window outlasts any read lag the suite runs with: the apply must see it open.
    let window = Duration::from_secs(2) + support::read_lag().unwrap_or_default();
    control.set_timings(Timings {
        rollback_window: window,
        ..Timings::instant()
    });
    ws.write(&config_hcl(&id, Some("hsm2m.medium"), None));
    ws.apply().ok();
    assert!(attr(&ws, CONFIG, "hsm_type_rollback_expiration").is_some());
    tokio::time::sleep(window + Duration::from_secs(1)).await;
    ws.write(&config_hcl(&id, Some("hsm1.medium"), None));
    let run = ws.plan().fails();
    assert!(
        flat(&run.all()).contains("reports no rollback window"),
        "{}",
        run.all()
    );
    assert_eq!(control.call_count("ModifyCluster"), 2);
}

// ---- 10. Ctrl-C: Terraform stops the plugin, the plugin does not stop itself --------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_with_several_resources_in_flight_is_handled_through_terraform() {
    let Some((_emulator, control, ws)) =
        support::setup_initializing_for(Duration::from_secs(600)).await
    else {
        return;
    };
    let mut body = String::new();
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = control.seed_cluster(ClusterSpec::default());
        let (cert, anchor) = sign_for(&control, &id);
        ws.write_file(&format!("c{n}.crt"), &cert);
        ws.write_file(&format!("ca{n}.crt"), &anchor);
        body.push_str(&resource_hcl(
            &format!("r{n}"),
            &id,
            &format!("c{n}.crt"),
            &format!("ca{n}.crt"),
        ));
        ids.push(id);
    }
    ws.write(&body);
    let apply = ws.spawn_with_env(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[("TF_LOG_PROVIDER", "debug")],
    );
    let in_flight = tokio::task::block_in_place(|| {
        support::wait_until(|| control.call_count("InitializeCluster") == 3)
    });
    assert!(in_flight, "three initializations in flight");
    std::thread::sleep(Duration::from_millis(500));
    let (status, stdout, log) =
        tokio::task::block_in_place(|| support::interrupt_like_a_terminal(apply));
    let text = flat(&format!("{stdout}\n{log}"));
    assert!(!status.success());
    assert!(
        text.matches("Interrupted while waiting for the cluster")
            .count()
            == 3,
        "each resource says what happened: {text}"
    );
    // The plugin ignored the signal and was stopped by Terraform's StopProvider.
    assert!(
        text.contains("ignored: Terraform stops the plugin with StopProvider"),
        "{text}"
    );
    assert!(
        text.contains("rpc=StopProvider"),
        "StopProvider reached a live plugin: {text}"
    );
    // What the user sees (log lines aside: the end of the stdio stream after Shutdown is
    // logged as "transport is closing" by go-plugin, and that is fine).
    let seen: String = log
        .lines()
        .chain(stdout.lines())
        .filter(|l| !l.starts_with("20") && !l.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n");
    for bad in [
        "plugin did not respond",
        "connection refused",
        "transport is closing",
    ] {
        assert!(!seen.contains(bad), "{bad}: {seen}");
    }
    for n in 0..3 {
        let state = ws
            .resource(&format!("cloudhsm_cluster_initialization.r{n}"))
            .and_then(|r| r["state"].as_str().map(str::to_string));
        assert_eq!(state.as_deref(), Some("INITIALIZE_IN_PROGRESS"), "r{n}");
    }
    for id in &ids {
        control.complete_transitions(id);
    }
    ws.apply().ok();
    assert_eq!(
        control.call_count("InitializeCluster"),
        3,
        "adopted, not repeated"
    );
}
