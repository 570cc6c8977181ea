//! `cloudhsm-emulator`: runs the CloudHSM v2 API emulator for the offline demo and for
//! scripts, or (`sign-csr`) plays the customer's certificate authority, or (`fixtures`)
//! prints `terraform test` mock defaults.
//!
//! ```text
//! cloudhsm-emulator [--port N] [--sts-port N] [--region R] [--seed-cluster] [--seed-secret NAME=FILE]... [--url-file PATH] [--instant | --timings-ms N] [--default-account ID]
//! cloudhsm-emulator sign-csr --csr FILE --out-dir DIR
//! cloudhsm-emulator fixtures [--region R] [--dr-region R] [--out-dir DIR]
//! ```
//!
//! It uses the library through its public API only, like any other user of the crate.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cloudhsm_emulator::{
    ClusterSpec, Emulator, EmulatorConfig, Fixtures, Timings, DEFAULT_ACCOUNT,
};

const USAGE: &str = "\
usage: cloudhsm-emulator [--port N] [--sts-port N] [--region R] [--seed-cluster] [--seed-secret NAME=FILE]... [--url-file PATH] [--instant | --timings-ms N] [--default-account ID]
       cloudhsm-emulator sign-csr --csr FILE --out-dir DIR
       cloudhsm-emulator fixtures [--region R] [--dr-region R] [--out-dir DIR]

Serves the CloudHSM v2 API (AWS JSON 1.1, SigV4 required) on 127.0.0.1 with a control API
under /_emulator/, and an STS emulation (AssumeRole, AssumeRoleWithWebIdentity,
GetCallerIdentity) on another port.
Serves Secrets Manager's GetSecretValue on the CloudHSM port too.
Prints ENDPOINT=http://127.0.0.1:PORT (then CLUSTER_ID=... with --seed-cluster), then
STS_ENDPOINT=http://127.0.0.1:PORT, one per line on stdout. Stops on SIGINT or SIGTERM
(Ctrl-C on Windows) or POST /_emulator/shutdown.

  --port N         port of the CloudHSM API (default 0: a free port)
  --sts-port N     port of the STS emulation (default 0: a free port)
  --region R       the region of seeded clusters and secrets (default us-east-1; calls
                   signed for any region are served, each region its own clusters)
  --seed-cluster   seed one UNINITIALIZED cluster with an HSM (and so a CSR)
  --seed-secret NAME=FILE
                   store FILE's text as the Secrets Manager secret NAME (GetSecretValue
                   answers it by name or ARN; prints SECRET_ARN=... last); repeatable
  --url-file PATH  write the endpoint URL to PATH once listening
  --instant        transitions complete at the next request
  --timings-ms N   every transition takes N milliseconds (default: a few seconds)
  --default-account ID
                   the 12-digit account GetCallerIdentity answers for access keys the
                   emulator did not issue (default 123456789012; POST /_emulator/accounts
                   changes it later)

sign-csr: signs the CSR in FILE with a fresh throwaway root CA and writes
DIR/customerCA.crt (the TrustAnchor) and DIR/cluster.crt (the SignedCert).

fixtures: prints a consistent set of mock defaults for `terraform test`: a
mock_provider \"cloudhsm\" block (an UNINITIALIZED cluster with one HSM and its CSR, a
throwaway root CA and the cluster certificate it issued for the CSR, a READY backup and a
copy) and a mock_provider \"aws\" block for aws_cloudhsm_v2_cluster / aws_cloudhsm_v2_hsm, as
HCL to paste into a .tftest.hcl file. Region default eu-west-1, DR region eu-central-1.
With --out-dir also writes DIR/customerCA.crt, DIR/customerCA.key (the root's private key:
test use only), DIR/cluster.csr, DIR/cluster.crt and DIR/mock_providers.hcl.";

struct Options {
    port: u16,
    sts_port: u16,
    region: Option<String>,
    seed_cluster: bool,
    seed_secrets: Vec<(String, PathBuf)>,
    url_file: Option<PathBuf>,
    timings: Timings,
    default_account: String,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLOUDHSM_EMULATOR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("sign-csr") {
        sign_csr_command(&args[1..])
    } else if args.first().map(String::as_str) == Some("fixtures") {
        fixtures_command(&args[1..])
    } else {
        match parse_options(&args) {
            Ok(Some(options)) => run_server(options),
            Ok(None) => {
                println!("{USAGE}");
                Ok(())
            }
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cloudhsm-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
}

/// `Ok(None)` = help asked for.
fn parse_options(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        sts_port: 0,
        region: None,
        seed_cluster: false,
        seed_secrets: Vec::new(),
        url_file: None,
        timings: Timings::default(),
        default_account: DEFAULT_ACCOUNT.to_string(),
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value(args, &mut i, "--port")?;
                options.port = v
                    .parse()
                    .map_err(|_| format!("--port {v:?} is not a port"))?;
            }
            "--sts-port" => {
                let v = value(args, &mut i, "--sts-port")?;
                options.sts_port = v
                    .parse()
                    .map_err(|_| format!("--sts-port {v:?} is not a port"))?;
            }
            "--region" => options.region = Some(value(args, &mut i, "--region")?.to_string()),
            "--seed-cluster" => options.seed_cluster = true,
            "--seed-secret" => {
                let v = value(args, &mut i, "--seed-secret")?;
                let Some((name, file)) = v
                    .split_once('=')
                    .filter(|(n, f)| !n.is_empty() && !f.is_empty())
                else {
                    return Err(format!("--seed-secret {v:?} is not NAME=FILE"));
                };
                options
                    .seed_secrets
                    .push((name.to_string(), PathBuf::from(file)));
            }
            "--url-file" => {
                options.url_file = Some(PathBuf::from(value(args, &mut i, "--url-file")?))
            }
            "--instant" => options.timings = Timings::instant(),
            "--timings-ms" => {
                let v = value(args, &mut i, "--timings-ms")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--timings-ms {v:?} is not a number of milliseconds"))?;
                options.timings = Timings::uniform(Duration::from_millis(ms));
            }
            "--default-account" => {
                let v = value(args, &mut i, "--default-account")?;
                if v.len() != 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "--default-account {v:?} is not an AWS account id (12 digits)"
                    ));
                }
                options.default_account = v.to_string();
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
        i += 1;
    }
    Ok(Some(options))
}

fn run_server(options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let config = EmulatorConfig {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], options.port)),
            sts_bind: std::net::SocketAddr::from(([127, 0, 0, 1], options.sts_port)),
            timings: options.timings,
            default_account: options.default_account,
            ..EmulatorConfig::default()
        };
        let config = match options.region {
            Some(region) => EmulatorConfig { region, ..config },
            None => config,
        };
        let emulator = Emulator::start_with(config).await.map_err(|e| {
            format!(
                "cannot listen on 127.0.0.1:{} and 127.0.0.1:{}: {e}",
                options.port, options.sts_port
            )
        })?;
        let signals = stop_signals()?;
        let url = emulator.endpoint_url();
        let mut lines = format!("ENDPOINT={url}\n");
        if options.seed_cluster {
            let id = emulator
                .control()
                .try_seed_cluster(ClusterSpec::default())
                .map_err(|e| format!("seeding a cluster: {e}"))?;
            lines.push_str(&format!("CLUSTER_ID={id}\n"));
        }
        lines.push_str(&format!("STS_ENDPOINT={}\n", emulator.sts_endpoint_url()));
        for (name, file) in &options.seed_secrets {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--seed-secret {name}: reading {}: {e}", file.display()))?;
            let arn = emulator.control().seed_secret(name, &text);
            lines.push_str(&format!("SECRET_ARN={arn}\n"));
        }
        // One write: a reader that stops after the first line finds every line already
        // written, so closing the pipe early cannot fail a later write.
        let mut out = std::io::stdout().lock();
        out.write_all(lines.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        drop(out);
        if let Some(path) = &options.url_file {
            // Write then rename, so a script polling for the file never reads half a URL.
            let tmp = path.with_extension("tmp-cloudhsm-emulator");
            std::fs::write(&tmp, format!("{url}\n"))
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        wait_for_stop(&emulator, signals).await;
        tracing::info!("cloudhsm-emulator stopping");
        emulator.shutdown().await;
        Ok(())
    })
}

/// The signals that stop the emulator (SIGINT and SIGTERM on unix, Ctrl-C and Ctrl-Break on
/// Windows, where Ctrl-Break is what can be sent to one process group),
/// watched from before the ENDPOINT line is printed so that a script which signals right
/// after reading it is not lost.
#[cfg(unix)]
struct StopSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(windows)]
struct StopSignals {
    ctrl_c: tokio::signal::windows::CtrlC,
    ctrl_break: tokio::signal::windows::CtrlBreak,
}

#[cfg(unix)]
fn stop_signals() -> Result<StopSignals, String> {
    use tokio::signal::unix::{signal, SignalKind};
    Ok(StopSignals {
        term: signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?,
        int: signal(SignalKind::interrupt()).map_err(|e| format!("cannot watch SIGINT: {e}"))?,
    })
}

#[cfg(windows)]
fn stop_signals() -> Result<StopSignals, String> {
    Ok(StopSignals {
        ctrl_c: tokio::signal::windows::ctrl_c()
            .map_err(|e| format!("cannot watch Ctrl-C: {e}"))?,
        ctrl_break: tokio::signal::windows::ctrl_break()
            .map_err(|e| format!("cannot watch Ctrl-Break: {e}"))?,
    })
}

#[cfg(unix)]
async fn wait_for_stop(emulator: &Emulator, mut signals: StopSignals) {
    tokio::select! {
        _ = signals.int.recv() => {}
        _ = signals.term.recv() => {}
        _ = emulator.shutdown_requested() => {}
    }
}

#[cfg(windows)]
async fn wait_for_stop(emulator: &Emulator, mut signals: StopSignals) {
    tokio::select! {
        _ = signals.ctrl_c.recv() => {}
        _ = signals.ctrl_break.recv() => {}
        _ = emulator.shutdown_requested() => {}
    }
}

fn sign_csr_command(args: &[String]) -> Result<(), String> {
    let mut csr = None;
    let mut out_dir = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--csr" => csr = Some(PathBuf::from(value(args, &mut i, "--csr")?)),
            "--out-dir" => out_dir = Some(PathBuf::from(value(args, &mut i, "--out-dir")?)),
            other => return Err(format!("sign-csr: unknown argument {other:?}\n\n{USAGE}")),
        }
        i += 1;
    }
    let (Some(csr), Some(out_dir)) = (csr, out_dir) else {
        return Err(format!(
            "sign-csr needs --csr FILE and --out-dir DIR\n\n{USAGE}"
        ));
    };
    let csr_pem =
        std::fs::read_to_string(&csr).map_err(|e| format!("reading {}: {e}", csr.display()))?;
    let signed =
        cloudhsm_emulator::sign_csr(&csr_pem).map_err(|e| format!("{}: {e}", csr.display()))?;
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("creating {}: {e}", out_dir.display()))?;
    let anchor = out_dir.join("customerCA.crt");
    let cert = out_dir.join("cluster.crt");
    std::fs::write(&anchor, &signed.trust_anchor_pem)
        .map_err(|e| format!("writing {}: {e}", anchor.display()))?;
    std::fs::write(&cert, &signed.signed_cert_pem)
        .map_err(|e| format!("writing {}: {e}", cert.display()))?;
    println!("TRUST_ANCHOR={}", anchor.display());
    println!("SIGNED_CERT={}", cert.display());
    Ok(())
}

fn fixtures_command(args: &[String]) -> Result<(), String> {
    let mut region = "eu-west-1".to_string();
    let mut dr_region = "eu-central-1".to_string();
    let mut out_dir = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--region" => region = value(args, &mut i, "--region")?.to_string(),
            "--dr-region" => dr_region = value(args, &mut i, "--dr-region")?.to_string(),
            "--out-dir" => out_dir = Some(PathBuf::from(value(args, &mut i, "--out-dir")?)),
            other => return Err(format!("fixtures: unknown argument {other:?}\n\n{USAGE}")),
        }
        i += 1;
    }
    let fixtures = Fixtures::generate(&region, &dr_region).map_err(|e| e.to_string())?;
    let text = fixtures.render();
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        for (name, body) in [
            ("customerCA.crt", &fixtures.root_certificate),
            ("customerCA.key", &fixtures.ca_private_key),
            ("cluster.csr", &fixtures.cluster_csr),
            ("cluster.crt", &fixtures.signed_cert),
            ("mock_providers.hcl", &text),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, body).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
    }
    print!("{text}");
    Ok(())
}
