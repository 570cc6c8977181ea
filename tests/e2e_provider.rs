//! End-to-end: the real Terraform CLI loads the freshly built provider through
//! `dev_overrides`, reads its schema, and validates and configures the provider block.

mod support;

use support::{Workspace, SOURCE};

const REQUIRED: &str = r#"terraform {
  required_providers {
    cloudhsm = { source = "cloudhsm-iac/cloudhsm" }
  }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_reads_the_schema_and_validates_the_provider_block() {
    let Some((emulator, _, ws)) = support::setup(None).await else {
        return;
    };

    // The schema as Terraform sees it.
    ws.write("");
    let schema = ws.run(&["providers", "schema", "-json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&schema.stdout).expect("schema JSON");
    let ours = &json["provider_schemas"][SOURCE];
    let provider_attrs = &ours["provider"]["block"]["attributes"];
    assert_eq!(provider_attrs["secret_key"]["sensitive"], true);
    assert_eq!(provider_attrs["token"]["sensitive"], true);
    assert_eq!(provider_attrs["region"]["optional"], true);
    // The AWS provider's words: assume_role_with_web_identity, endpoints, default_tags and
    // ignore_tags are blocks (`endpoints { ... }`), assume_role a list of blocks (a role
    // chain), a proxy URL may carry a password.
    let blocks = &ours["provider"]["block"]["block_types"];
    for b in [
        "assume_role_with_web_identity",
        "endpoints",
        "default_tags",
        "ignore_tags",
    ] {
        assert_eq!(blocks[b]["nesting_mode"], "single", "{b}: {blocks}");
    }
    assert_eq!(blocks["assume_role"]["nesting_mode"], "list", "{blocks}");
    assert_eq!(provider_attrs["https_proxy"]["sensitive"], true);
    assert_eq!(
        provider_attrs["allowed_account_ids"]["type"],
        serde_json::json!(["set", "string"])
    );
    for r in ["cloudhsm_cluster_initialization", "cloudhsm_cluster_config"] {
        assert!(ours["resource_schemas"][r].is_object(), "{r} in schema");
    }
    assert!(ours["data_source_schemas"]["cloudhsm_cluster"].is_object());

    // A good provider block validates.
    let good = format!(
        "{REQUIRED}\nprovider \"cloudhsm\" {{\n  region = \"eu-west-1\"\n  max_retries = 5\n  assume_role {{\n    role_arn = \"arn:aws:iam::123456789012:role/deploy\"\n    duration = \"1h\"\n  }}\n}}\n\ndata \"cloudhsm_cluster\" \"x\" {{\n  cluster_id = \"cluster-abcdefghijk\"\n}}\n"
    );
    ws.write_file("main.tf", &good);
    ws.run(&["validate", "-no-color"]).ok();

    // A bad one is rejected with our words, on the attribute at fault.
    let bad = format!(
        "{REQUIRED}\nprovider \"cloudhsm\" {{\n  region     = \"Frankfurt\"\n  access_key = \"AKIDONLYHALF\"\n  max_retries = 2.5\n}}\n\ndata \"cloudhsm_cluster\" \"x\" {{\n  cluster_id = \"cluster-abcdefghijk\"\n}}\n"
    );
    ws.write_file("main.tf", &bad);
    let run = ws.run(&["validate", "-no-color"]).fails();
    let out = run.all();
    assert!(out.contains("Invalid AWS region"), "{out}");
    assert!(
        out.contains("\"Frankfurt\" does not look like an AWS region"),
        "{out}"
    );
    assert!(out.contains("secret_key is missing"), "{out}");
    assert!(out.contains("whole number from 0 to 100"), "{out}");
    assert!(
        !out.contains("AKIDONLYHALF"),
        "the key must not be echoed:\n{out}"
    );
    assert_eq!(
        emulator.control().all_calls().len(),
        0,
        "validate calls no API"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_region_fails_the_plan_with_how_to_set_one() {
    let Some((emulator, _, ws)) = support::setup(None).await else {
        return;
    };
    let config = format!(
        "{REQUIRED}\nprovider \"cloudhsm\" {{\n  access_key = \"AKIDTEST\"\n  secret_key = \"test-secret\"\n  endpoints  {{ cloudhsmv2 = \"{}\" }}\n}}\n\ndata \"cloudhsm_cluster\" \"x\" {{\n  cluster_id = \"cluster-abcdefghijk\"\n}}\n",
        emulator.endpoint_url()
    );
    ws.write_file("main.tf", &config);
    // The harness clears AWS_REGION and hides the shared config files, so no region is found.
    let out = ws.plan().fails().all();
    assert!(out.contains("no AWS region is configured"), "{out}");
    assert!(out.contains("AWS_REGION"), "says how to set one:\n{out}");
    assert!(!out.contains("test-secret"), "{out}");
    assert_eq!(emulator.control().all_calls().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs_even_at_trace() {
    let Some(tf) = support::terraform() else {
        return;
    };
    let emulator = support::emulator(None).await;
    let control = emulator.control();
    let cluster = control.seed_cluster(cloudhsm_emulator::ClusterSpec::default());
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    let secret = "wJalrXUtnFEMI-TOP-SECRET-KEY";
    let token = "FQoGZXIvYXdzE-SESSION-TOKEN-VALUE";
    let config = format!(
        "{REQUIRED}\nprovider \"cloudhsm\" {{\n  region     = \"us-east-1\"\n  access_key = \"AKIDLOGTEST\"\n  secret_key = \"{secret}\"\n  token      = \"{token}\"\n  endpoints  {{ cloudhsmv2 = \"{}\" }}\n}}\n\ndata \"cloudhsm_cluster\" \"x\" {{\n  cluster_id = \"{cluster}\"\n}}\n\noutput \"state\" {{\n  value = data.cloudhsm_cluster.x.state\n}}\n",
        emulator.endpoint_url()
    );
    ws.write_file("main.tf", &config);
    let run = ws
        .run_with_env(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG", "TRACE"), ("TF_LOG_PROVIDER", "TRACE")],
        )
        .ok();
    let all = run.all();
    assert!(
        all.contains("UNINITIALIZED"),
        "the read worked:\n{}",
        run.stdout
    );
    assert!(
        all.contains("provider.cloudhsm"),
        "the provider's own trace lines are in the log"
    );
    assert!(all.contains("ReadDataSource"), "RPCs are logged");
    assert!(!all.contains(secret), "secret key in the log");
    assert!(!all.contains(token), "session token in the log");
    assert!(control.call_count("DescribeClusters") >= 1);
}
