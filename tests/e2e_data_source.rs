//! End-to-end tests of the `cloudhsm_cluster` data source: the real Terraform CLI drives the
//! freshly built provider, which reads clusters from the CloudHSM emulator over HTTP.

mod support;

use cloudhsm_emulator::ClusterSpec;
use serde_json::Value;

use support::Workspace;

const ADDRESS: &str = "data.cloudhsm_cluster.this";

fn data_source(cluster_id: &str) -> String {
    format!(
        r#"
data "cloudhsm_cluster" "this" {{
  cluster_id = "{cluster_id}"
}}

output "certificates" {{
  value = data.cloudhsm_cluster.this.certificates
}}

output "hsm_count" {{
  value = length(data.cloudhsm_cluster.this.hsms)
}}
"#
    )
}

/// `text` with every run of whitespace as one space (Terraform wraps long messages).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_everything_a_module_needs_including_the_csr() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec {
        tags: vec![("team".into(), "pki".into())],
        backup_retention_days: Some(45),
        ..Default::default()
    });
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    ws.write(&data_source(&id));
    let tf_handle = tokio::task::spawn_blocking(move || {
        let run = ws.apply().ok();
        (ws, run)
    });
    let (ws, run) = tf_handle.await.expect("terraform thread");
    assert!(run.stdout.contains("hsm_count = 1"), "{}", run.all());

    let ws = tokio::task::spawn_blocking(move || {
        let state = ws.resource(ADDRESS);
        (ws, state)
    });
    let (ws, state) = ws.await.expect("terraform thread");
    let state = state.expect("the data source is in the state");
    let api = control.cluster_json(&id).expect("cluster");

    assert_eq!(state["id"], Value::from(id.clone()));
    assert_eq!(state["cluster_id"], Value::from(id.clone()));
    assert_eq!(state["state"], "UNINITIALIZED");
    assert_eq!(state["hsm_type"], "hsm1.medium");
    assert_eq!(state["vpc_id"], api["VpcId"]);
    assert_eq!(state["security_group_id"], api["SecurityGroup"]);
    assert_eq!(state["backup_policy"], api["BackupPolicy"]);
    assert_eq!(state["backup_retention_policy"]["type"], "DAYS");
    assert_eq!(state["backup_retention_policy"]["value"], 45);
    assert_eq!(state["tags"]["team"], "pki");
    assert_eq!(
        state["subnet_mapping"].as_object().map(|m| m.len()),
        api["SubnetMapping"].as_object().map(|m| m.len()),
        "subnet_mapping: {}",
        state["subnet_mapping"]
    );
    let csr = control
        .cluster_csr_pem(&id)
        .expect("the seeded cluster has a CSR");
    assert_eq!(
        state["certificates"]["cluster_csr"],
        Value::from(csr.clone())
    );
    assert!(csr.contains("BEGIN CERTIFICATE REQUEST"), "{csr}");
    assert!(state["certificates"]["cluster_certificate"].is_null());

    let hsms = state["hsms"].as_array().expect("hsms is a list");
    let api_hsm = &api["Hsms"][0];
    assert_eq!(hsms.len(), 1);
    assert_eq!(hsms[0]["hsm_id"], api_hsm["HsmId"]);
    assert_eq!(hsms[0]["eni_ip"], api_hsm["EniIp"]);
    assert_eq!(hsms[0]["availability_zone"], api_hsm["AvailabilityZone"]);
    assert_eq!(hsms[0]["state"], "ACTIVE");

    // Reading again changes nothing.
    let empty = tokio::task::spawn_blocking(move || ws.plan_is_empty())
        .await
        .expect("terraform thread");
    assert!(
        empty,
        "a second plan over an unchanged cluster must be empty"
    );
    assert!(control.call_count("DescribeClusters") >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_ids_are_errors_that_name_the_id() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let endpoint = emulator.endpoint_url();

    let run = tokio::task::spawn_blocking(move || {
        let ws = Workspace::new(tf.clone(), &endpoint);
        ws.write(&data_source("cluster-doesnotexist"));
        let missing = ws.apply().fails();
        ws.write(&data_source("my-cluster"));
        let malformed = ws.run(&["validate", "-no-color"]).fails();
        (missing, malformed)
    });
    let (missing, malformed) = run.await.expect("terraform thread");

    let text = words(&missing.all());
    assert!(text.contains("Cluster not found"), "{text}");
    assert!(text.contains("cluster-doesnotexist"), "{text}");
    assert!(
        text.contains("Check the id"),
        "the error says what to do: {text}"
    );

    let text = words(&malformed.all());
    assert!(text.contains("Invalid cluster id"), "{text}");
    assert!(text.contains("\"my-cluster\""), "{text}");
    assert!(
        text.contains("cluster_id"),
        "the error points at the attribute: {text}"
    );
    let calls = control.calls("DescribeClusters");
    assert!(
        calls.iter().all(|c| !c.to_string().contains("my-cluster")),
        "a malformed id must never reach the API: {calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initialized_cluster_shows_its_certificate_and_no_csr() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        ..Default::default()
    });
    let endpoint = emulator.endpoint_url();
    let state = tokio::task::spawn_blocking(move || {
        let ws = Workspace::new(tf, &endpoint);
        ws.write(&data_source(&id));
        ws.apply().ok();
        ws.resource(ADDRESS)
    })
    .await
    .expect("terraform thread")
    .expect("the data source is in the state");
    assert_eq!(state["state"], "ACTIVE");
    assert!(state["certificates"]["cluster_csr"].is_null(), "{state}");
    let cert = state["certificates"]["cluster_certificate"]
        .as_str()
        .unwrap_or_default();
    assert!(cert.contains("BEGIN CERTIFICATE"), "{state}");
}

/// The provider's `ignore_tags` reach the data sources too: a key it names is in neither
/// `data.cloudhsm_cluster`'s tags nor `data.cloudhsm_backups`'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_tag_keys_are_not_read_by_the_data_sources() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let tags = vec![
        ("team".to_string(), "pki".to_string()),
        ("ops:scanned".to_string(), "yes".to_string()),
        ("Owner".to_string(), "cost-tool".to_string()),
    ];
    let id = control.seed_cluster(ClusterSpec {
        state: Some("ACTIVE".into()),
        tags: tags.clone(),
        ..Default::default()
    });
    control.seed_backup(cloudhsm_emulator::BackupSpec {
        cluster_id: Some(id.clone()),
        tags,
        ..Default::default()
    });
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    let provider = ws.provider_block().replacen(
        "  endpoints",
        "  ignore_tags {\n    keys         = [\"Owner\"]\n    key_prefixes = [\"ops:\"]\n  }\n  endpoints",
        1,
    );
    ws.write_raw(&format!(
        "{provider}\n{}\ndata \"cloudhsm_backups\" \"all\" {{\n  cluster_id = \"{id}\"\n}}\n",
        data_source(&id)
    ));
    let ws = tokio::task::spawn_blocking(move || {
        ws.apply().ok();
        ws
    })
    .await
    .expect("terraform thread");
    let only_team = serde_json::json!({"team": "pki"});
    let cluster = ws.resource(ADDRESS).expect("the cluster in the state");
    assert_eq!(cluster["tags"], only_team);
    let backups = ws
        .resource("data.cloudhsm_backups.all")
        .expect("the backups in the state");
    assert_eq!(backups["backups"][0]["tags"], only_team, "{backups}");
}
