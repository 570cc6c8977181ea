//! The `/_emulator/` control API over HTTP, and the `cloudhsm-emulator` binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_cloudhsmv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudhsmv2::types::{BackupRetentionPolicy, BackupRetentionType, ClusterState};
use cloudhsm_emulator::{Behaviour, HsmTypeChangeOrder};
use common::{client, describe_one, raw_http};
use serde_json::Value;

async fn call(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let (status, _, body) = raw_http(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await;
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, value)
}

#[tokio::test]
async fn control_routes_seed_drift_time_fault_and_record() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let client = client(&emulator);

    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/clusters",
        r#"{"HsmType":"hsm1.medium","BackupRetentionDays":14,"Tags":{"env":"demo"}}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let id = v["ClusterId"].as_str().expect("ClusterId").to_string();
    let c = describe_one(&client, &id).await;
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("14")
    );
    assert_eq!(c.tag_list()[0].value(), "demo");

    // snake_case bodies work too.
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/clusters",
        r#"{"state":"ACTIVE","with_hsm":true,"cluster_id":"cluster-demodemodemo"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ClusterId"], "cluster-demodemodemo");

    let (status, v) = call(addr, "GET", &format!("/_emulator/clusters/{id}"), "").await;
    assert_eq!(status, 200);
    assert_eq!(v["State"], "UNINITIALIZED");
    let (status, csr) = call(addr, "GET", &format!("/_emulator/clusters/{id}/csr"), "").await;
    assert_eq!(status, 200);
    assert!(csr
        .as_str()
        .is_some_and(|p| p.contains("BEGIN CERTIFICATE REQUEST")));
    let (status, _) = call(addr, "GET", "/_emulator/clusters/cluster-zzzzzzzzzzz", "").await;
    assert_eq!(status, 404);

    let (status, _) = call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{id}/state"),
        r#"{"State":"ACTIVE"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{id}/hsm-type"),
        r#"{"HsmType":"hsm2m.medium"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{id}/retention"),
        r#"{"Days":200}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["BackupRetentionPolicy"]["Value"], "200");
    let (status, _) = call(
        addr,
        "POST",
        &format!("/_emulator/clusters/{id}/state"),
        r#"{"State":"BOGUS"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let c = describe_one(&client, &id).await;
    assert_eq!(c.state(), Some(&ClusterState::Active));
    assert_eq!(c.hsm_type(), Some("hsm2m.medium"));

    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/timings",
        r#"{"AllMs":0,"ModifyMs":1234}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["ModifyMs"], 1234);
    assert_eq!(
        emulator.control().timings().modify,
        Duration::from_millis(1234)
    );

    let (status, _) = call(
        addr,
        "POST",
        "/_emulator/faults",
        r#"{"Operation":"DescribeClusters","Kind":"Throttle","NextCalls":1}"#,
    )
    .await;
    assert_eq!(status, 200);
    let err = client
        .describe_clusters()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        aws_sdk_cloudhsmv2::error::ProvideErrorMetadata::code(&err),
        Some("ThrottlingException")
    );
    let (status, _) = call(
        addr,
        "POST",
        "/_emulator/faults",
        r#"{"Kind":"InternalError","Rate":1.0}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(addr, "DELETE", "/_emulator/faults", "").await;
    assert_eq!(status, 200);
    client
        .describe_clusters()
        .send()
        .await
        .expect("faults cleared");

    let (status, v) = call(
        addr,
        "GET",
        "/_emulator/calls?operation=DescribeClusters",
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["Count"],
        emulator.control().call_count("DescribeClusters")
    );
    assert!(v["Count"].as_u64().is_some_and(|n| n >= 1));
    let (status, _) = call(addr, "DELETE", "/_emulator/calls", "").await;
    assert_eq!(status, 200);
    assert_eq!(emulator.control().call_count("DescribeClusters"), 0);

    let (status, _) = call(addr, "GET", "/_emulator/nope", "").await;
    assert_eq!(status, 404);

    let (status, _) = call(addr, "POST", "/_emulator/shutdown", "").await;
    assert_eq!(status, 200);
    tokio::time::timeout(Duration::from_secs(2), emulator.shutdown_requested())
        .await
        .expect("shutdown was requested");
}

#[tokio::test]
async fn read_path_behaviours_over_http() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let control = emulator.control();
    let client = client(&emulator);
    let id = control.seed_cluster(cloudhsm_emulator::ClusterSpec {
        with_hsm: false,
        ..cloudhsm_emulator::ClusterSpec::default()
    });
    let refused = control.seed_cluster(cloudhsm_emulator::ClusterSpec::default());
    let body = format!(
        r#"{{"ReadLagMs":1500,"HsmTypeChange":{{"BusyAfterMs":100,"ClusterTypeAfterMs":0}},"CertificateAfterMs":250,"BlankAbsent":true,"RefuseDescribeOf":["{refused}"]}}"#
    );
    let (status, v) = call(addr, "POST", "/_emulator/behaviour", &body).await;
    assert_eq!(status, 200, "{v}");
    let expected = Behaviour {
        read_lag: Some(Duration::from_millis(1500)),
        hsm_type_change: HsmTypeChangeOrder {
            busy_after: Some(Duration::from_millis(100)),
            cluster_type_after: Some(Duration::ZERO),
            ..HsmTypeChangeOrder::default()
        },
        certificate_after: Some(Duration::from_millis(250)),
        blank_absent: true,
        refuse_describe_of: vec![refused.clone()],
        ..Behaviour::default()
    };
    assert_eq!(control.behaviour(), expected);
    let (status, got) = call(addr, "GET", "/_emulator/behaviour", "").await;
    assert_eq!(status, 200);
    assert_eq!(got, v, "GET answers what POST did");
    assert_eq!(v["ReadLagMs"], 1500);
    assert_eq!(v["CertificateAfterMs"], 250);
    assert_eq!(
        v["HsmTypeChange"],
        serde_json::json!({"BusyAfterMs": 100, "ClusterTypeAfterMs": 0, "HsmTypesAfterMs": null, "RollbackExpirationAfterMs": null})
    );
    assert_eq!(v["BlankAbsent"], true);
    assert_eq!(v["RefuseDescribeOf"], serde_json::json!([refused]));

    // Through the SDK: blanks, the refused id, the read lag; the control route shows the
    // real cluster.
    let c = describe_one(&client, &id).await;
    assert_eq!(
        c.certificates().and_then(|x| x.cluster_certificate()),
        Some("")
    );
    let err = client
        .describe_clusters()
        .filters("clusterIds", vec![id.clone(), refused.clone()])
        .send()
        .await
        .expect_err("refused");
    assert!(
        ProvideErrorMetadata::message(&err).is_some_and(|m| m.contains(&refused)),
        "{err:?}"
    );
    client
        .modify_cluster()
        .cluster_id(&id)
        .backup_retention_policy(
            BackupRetentionPolicy::builder()
                .r#type(BackupRetentionType::Days)
                .value("30")
                .build(),
        )
        .send()
        .await
        .expect("accepted");
    let c = describe_one(&client, &id).await;
    assert_eq!(
        c.backup_retention_policy().and_then(|r| r.value()),
        Some("90")
    );
    let (status, v) = call(addr, "GET", &format!("/_emulator/clusters/{id}"), "").await;
    assert_eq!(status, 200);
    assert_eq!(v["BackupRetentionPolicy"]["Value"], "30");
    assert!(
        v["Certificates"].get("ClusterCertificate").is_none(),
        "no blanks: {v}"
    );

    // HsmTypeChange is replaced whole; snake_case works.
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"hsm_type_change":{"hsm_types_after_ms":5}}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        control.behaviour().hsm_type_change,
        HsmTypeChangeOrder {
            hsm_types_after: Some(Duration::from_millis(5)),
            ..HsmTypeChangeOrder::default()
        }
    );
    // Bad values are refused and change nothing.
    for bad in [
        r#"{"ReadLagMs":"soon"}"#,
        r#"{"CertificateAfterMs":-1}"#,
        r#"{"HsmTypeChange":5}"#,
        r#"{"HsmTypeChange":{"BusyAfterMs":-1}}"#,
        r#"{"BlankAbsent":"yes"}"#,
        r#"{"RefuseDescribeOf":"cluster-x"}"#,
        r#"{"RefuseDescribeOf":[1]}"#,
        r#"{"ReadLagMs":null,"RefuseDescribeOf":[1]}"#,
    ] {
        let (status, v) = call(addr, "POST", "/_emulator/behaviour", bad).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }
    assert_eq!(
        control.behaviour().read_lag,
        Some(Duration::from_millis(1500))
    );
    // null clears.
    let (status, v) = call(
        addr,
        "POST",
        "/_emulator/behaviour",
        r#"{"ReadLagMs":null,"CertificateAfterMs":null,"HsmTypeChange":null,"BlankAbsent":false,"RefuseDescribeOf":[]}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(control.behaviour(), Behaviour::default());
}

#[tokio::test]
async fn unreadable_and_html_answers_over_http() {
    let emulator = common::instant_emulator().await;
    let addr = emulator.local_addr();
    let post =
        |body: &'static str| async move { call(addr, "POST", "/_emulator/faults", body).await };
    for bad in [
        r#"{"Kind":"HtmlAnswer","Status":99}"#,
        r#"{"Kind":"HtmlAnswer","Status":600}"#,
        r#"{"Kind":"HtmlAnswer","Status":"bad"}"#,
    ] {
        let (status, body) = post(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let client = client(&emulator);
    let (status, _) = post(r#"{"Operation":"DescribeClusters","Kind":"HtmlAnswer"}"#).await;
    assert_eq!(status, 200);
    let err = client.describe_clusters().send().await.expect_err("HTML");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(502));
    let (status, _) = post(r#"{"Kind":"HtmlAnswer","Status":504}"#).await;
    assert_eq!(status, 200);
    let err = client.describe_clusters().send().await.expect_err("HTML");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(504));
    let (status, _) = post(r#"{"kind":"UnreadableAnswer","next_calls":1}"#).await;
    assert_eq!(status, 200);
    let err = client
        .describe_clusters()
        .send()
        .await
        .expect_err("unreadable");
    assert!(matches!(err, SdkError::ResponseError(_)), "{err:?}");
    client.describe_clusters().send().await.expect("spent");
}

fn unique_temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cloudhsm-emulator-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

#[tokio::test]
async fn binary_serves_seeds_signs_and_stops() {
    let dir = unique_temp_dir("bin");
    let url_file = dir.join("url");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .args(["--seed-cluster", "--instant", "--url-file"])
        .arg(&url_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let endpoint_line = lines.next().expect("a line").expect("read");
    let cluster_line = lines.next().expect("a line").expect("read");
    let endpoint = endpoint_line
        .strip_prefix("ENDPOINT=")
        .expect("ENDPOINT=")
        .to_string();
    let cluster_id = cluster_line
        .strip_prefix("CLUSTER_ID=")
        .expect("CLUSTER_ID=")
        .to_string();
    assert!(cluster_id.starts_with("cluster-"));
    let mut written = String::new();
    for _ in 0..100 {
        if let Ok(s) = std::fs::read_to_string(&url_file) {
            written = s;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(written.trim(), endpoint);
    let addr: std::net::SocketAddr = endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("host:port");

    // The CSR, signed by the sign-csr subcommand, initializes the cluster.
    let (status, _, csr) = raw_http(
        addr,
        "GET",
        &format!("/_emulator/clusters/{cluster_id}/csr"),
        &[],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let csr_file = dir.join("cluster.csr");
    std::fs::write(&csr_file, &csr).expect("write CSR");
    let out_dir = dir.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .args(["sign-csr", "--csr"])
        .arg(&csr_file)
        .arg("--out-dir")
        .arg(&out_dir)
        .stdout(Stdio::null())
        .status()
        .expect("sign-csr runs");
    assert!(status.success());
    let anchor = std::fs::read_to_string(out_dir.join("customerCA.crt")).expect("customerCA.crt");
    let cert = std::fs::read_to_string(out_dir.join("cluster.crt")).expect("cluster.crt");

    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(aws_sdk_cloudhsmv2::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudhsmv2::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudhsmv2::config::Credentials::new(
            "AKID", "secret", None, None, "test",
        ))
        .endpoint_url(&endpoint)
        .build();
    let sdk = aws_sdk_cloudhsmv2::Client::from_conf(config);
    sdk.initialize_cluster()
        .cluster_id(&cluster_id)
        .signed_cert(cert)
        .trust_anchor(anchor)
        .send()
        .await
        .expect("initialize with sign-csr output");
    assert_eq!(
        describe_one(&sdk, &cluster_id).await.state(),
        Some(&ClusterState::Initialized)
    );

    let (status, _, _) = raw_http(addr, "POST", "/_emulator/shutdown", &[], "").await;
    assert_eq!(status, 200);
    let mut exited = None;
    for _ in 0..100 {
        if let Ok(Some(s)) = child.try_wait() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    match exited {
        Some(s) => assert!(s.success(), "{s:?}"),
        None => {
            let _ = child.kill();
            panic!("the binary did not exit after /_emulator/shutdown");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn binary_rejects_unknown_flags_and_sign_csr_needs_its_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .arg("--bogus")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
        .arg("sign-csr")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--csr"));
}

/// The ENDPOINT line of a started `cloudhsm-emulator --instant`.
fn first_line(child: &mut std::process::Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .lines()
        .next()
        .expect("a line")
        .expect("read")
}

/// `cmd` (the emulator binary) started with `--instant`, once it has printed its endpoint.
fn start_serving(cmd: &mut Command) -> std::process::Child {
    let mut child = cmd
        .arg("--instant")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let line = first_line(&mut child);
    assert!(line.starts_with("ENDPOINT=http://127.0.0.1:"), "{line}");
    child
}

/// Waits up to ten seconds (a loaded Windows runner ends processes slowly) for `child` to
/// exit successfully; panics naming `what` otherwise.
fn exits_cleanly(child: &mut std::process::Child, what: &str) {
    for _ in 0..500 {
        if let Ok(Some(s)) = child.try_wait() {
            assert!(s.success(), "{s:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the binary did not exit on {what}");
}

/// Windows' counterpart of SIGTERM: Ctrl-Break (what can be aimed at one process group; a
/// Ctrl-C reaches every process of the console) stops it cleanly.
#[cfg(windows)]
#[test]
fn binary_exits_on_ctrl_break() {
    use std::os::windows::process::CommandExt as _;
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    const CTRL_BREAK_EVENT: u32 = 1;
    #[link(name = "kernel32")]
    extern "system" {
        fn GenerateConsoleCtrlEvent(ctrl_event: u32, process_group_id: u32) -> i32;
    }
    let mut child = start_serving(
        Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator"))
            .creation_flags(CREATE_NEW_PROCESS_GROUP),
    );
    // SAFETY: a plain kernel32 call with two integers.
    let sent = unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, child.id()) };
    assert!(
        sent != 0,
        "GenerateConsoleCtrlEvent: {} (the test needs a console)",
        std::io::Error::last_os_error()
    );
    exits_cleanly(&mut child, "Ctrl-Break");
}

#[cfg(unix)]
#[test]
fn binary_exits_on_sigterm() {
    let mut child = start_serving(&mut Command::new(env!("CARGO_BIN_EXE_cloudhsm-emulator")));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    exits_cleanly(&mut child, "SIGTERM");
}
