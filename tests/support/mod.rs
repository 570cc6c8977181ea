//! Shared harness for the end-to-end tests: finds the real Terraform CLI, points it at the
//! freshly built provider with `dev_overrides`, starts the CloudHSM emulator in-process, and
//! runs Terraform commands in a scratch directory.
//!
//! When `CI=true` and no Terraform CLI can be found, tests fail instead of skipping.
//! `proxy` adds a real TLS-intercepting proxy (mitmproxy) for the corporate-network tests;
//! `mirrors` the filesystem mirrors of the tests that run HashiCorp's AWS provider beside ours.

#![allow(dead_code)]

mod mirrors;
mod process;
mod proxy;
mod test_pki;
mod tls_front;
// Test binaries without a proxy, process or mirror test leave them unused.
#[allow(unused_imports)]
pub use mirrors::*;
#[allow(unused_imports)]
pub use process::*;
#[allow(unused_imports)]
pub use proxy::*;
#[allow(unused_imports)]
pub use test_pki::*;
#[allow(unused_imports)]
pub use tls_front::TlsFront;

use std::path::{Path, PathBuf};
use std::process::Command;

use cloudhsm_emulator::{CaKey, ClusterSpec, Control, Emulator, EmulatorConfig, Timings};

pub const SOURCE: &str = "registry.terraform.io/cloudhsm-iac/cloudhsm";

/// Terraform's name of the platform the tests run on (and release.sh packs for):
/// `darwin`, not Rust's `macos`, as in Terraform's plugin directories and archive names.
pub const PLATFORM: &str = if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
    "linux_amd64"
} else if cfg!(all(target_os = "linux", target_arch = "aarch64")) {
    "linux_arm64"
} else if cfg!(all(target_os = "macos", target_arch = "x86_64")) {
    "darwin_amd64"
} else if cfg!(all(target_os = "macos", target_arch = "aarch64")) {
    "darwin_arm64"
} else if cfg!(all(target_os = "windows", target_arch = "x86_64")) {
    "windows_amd64"
} else {
    "unsupported_platform"
};

/// The empty CLI configuration: the null device (`/dev/null`, or `NUL` on Windows).
pub const DEV_NULL: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// The Terraform CLI to use, or `None` (with a message) when there is none outside CI.
pub fn terraform() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("TERRAFORM").map(PathBuf::from),
        which("terraform"),
        Some(root.join(".tools/terraform")),
    ];
    for c in candidates.into_iter().flatten() {
        if let Some(file) = executable_file(&c) {
            // Terraform runs in a scratch directory: a relative TERRAFORM must not break.
            return Some(absolute(file));
        }
        if let Some(found) = which(&c.to_string_lossy()) {
            return Some(found);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but no Terraform CLI was found (TERRAFORM, PATH, .tools/terraform). \
             Run ./scripts/ensure-terraform.sh or ./scripts/test.sh, which installs one."
        );
    }
    eprintln!(
        "SKIPPED: no Terraform CLI found; run ./scripts/test.sh (installs one) or set TERRAFORM"
    );
    None
}

/// `path` if it is a file, else `path` with the platform's executable suffix (`.exe` on
/// Windows, where scripts and `command -v` name programs without it) if that is one.
pub fn executable_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let suffix = std::env::consts::EXE_SUFFIX;
    if suffix.is_empty() || path.as_os_str().is_empty() {
        return None;
    }
    let mut with = path.as_os_str().to_owned();
    with.push(suffix);
    let with = PathBuf::from(with);
    with.is_file().then_some(with)
}

/// `path` made absolute against the current directory, without resolving links (on Windows
/// `canonicalize` answers `\\?\` paths, which some programs do not take).
pub fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// A program found as a path, or by name on PATH (with `.exe` on Windows).
pub fn which(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return executable_file(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find_map(|d| executable_file(&d.join(name)))
    })
}

/// The bash that runs the project's scripts: `bash` from PATH. On Windows that is Git Bash's
/// (the workflow's shell); `Command::new("bash")` would look in System32 first and could
/// start WSL's `bash.exe` instead.
pub fn bash() -> PathBuf {
    if cfg!(windows) {
        which("bash").unwrap_or_else(|| panic!("no bash.exe on PATH; run the tests from Git Bash"))
    } else {
        PathBuf::from("bash")
    }
}

/// A Python 3 to run: `PYTHON`, else `python3`, else `python` (Windows has no python3; a
/// `python3` there may be the Microsoft Store's stub, which runs nothing), whichever runs.
pub fn python() -> PathBuf {
    let candidates: Vec<String> = match std::env::var("PYTHON") {
        Ok(p) if !p.is_empty() => vec![p],
        _ => vec!["python3".into(), "python".into()],
    };
    for c in &candidates {
        let runs = Command::new(c)
            .args([
                "-c",
                "import sys; sys.exit(0 if sys.version_info[0] == 3 else 1)",
            ])
            .output()
            .is_ok_and(|out| out.status.success());
        if runs {
            return PathBuf::from(c);
        }
    }
    panic!(
        "no Python 3 runs (tried {}); install one, or set PYTHON",
        candidates.join(", ")
    )
}

/// `path` as a string for a Terraform configuration (HCL) or CLI configuration: forward
/// slashes, which Terraform takes on every platform. A Windows path's backslashes would be
/// escapes in an HCL string (`"C:\Users"` is an error).
pub fn hcl_path(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}

/// `terraform` run in `dir` with `cli_config` and nothing of the machine running the tests:
/// no AWS credentials, profile, region, endpoint, proxy, CA bundle or web identity from the
/// environment or the shared files, no default or ignored tags, no checkpoint call, no
/// prompt, no plugin cache, no `TF_CLI_ARGS*`, no `TF_LOG`. Each test
/// adds what it needs.
pub fn terraform_command(terraform: &Path, dir: &Path, cli_config: &Path) -> Command {
    let mut cmd = Command::new(terraform);
    cmd.current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .env_remove("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_CLOUDHSM_V2")
        .env_remove("AWS_ENDPOINT_URL_STS")
        // Hermetic: no proxy, CA bundle or endpoint flavour of the machine running the
        // tests (each test that needs one sets it).
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("AWS_CA_BUNDLE")
        .env_remove("AWS_USE_FIPS_ENDPOINT")
        .env_remove("AWS_USE_DUALSTACK_ENDPOINT")
        .env_remove("AWS_ROLE_ARN")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_ROLE_SESSION_NAME")
        // Hermetic: no shared config or credentials file from the machine running the tests.
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_CLI_ARGS_init")
        .env_remove("TF_CLI_ARGS_plan")
        .env_remove("TF_CLI_ARGS_apply")
        .env_remove("TF_LOG")
        .env_remove("TF_AWS_IGNORE_TAGS_KEYS")
        .env_remove("TF_AWS_IGNORE_TAGS_KEY_PREFIXES");
    // Hermetic: no default tags of the machine running the tests.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TF_AWS_DEFAULT_TAGS_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// `(major, minor, patch)` of a Terraform CLI.
pub fn terraform_version(tf: &Path) -> (u32, u32, u32) {
    let out = std::process::Command::new(tf)
        .args(["version", "-json"])
        .env("TF_CLI_CONFIG_FILE", DEV_NULL)
        .output()
        .expect("terraform version runs");
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("terraform version -json is JSON");
    let v = json["terraform_version"].as_str().unwrap_or_default();
    let mut parts = v.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap_or(0)
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The provider binary Cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-cloudhsm"))
}

/// A directory holding only the provider binary, for `dev_overrides`: Terraform runs the
/// first file there, in name order, whose name starts with `terraform-provider-cloudhsm`
/// and a `.` or `_`, and Cargo's own directory also holds `terraform-provider-cloudhsm.d`,
/// which on Windows sorts before `….exe`. One per test process (a hard link where the file
/// system allows, else a copy).
pub fn dev_plugin_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let binary = provider_binary();
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dev-plugins");
        // Those of earlier runs (older than an hour: a run going on beside keeps its own).
        for old in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            let stale = old
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(3600));
            if stale {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        let dir = parent.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dev plugin dir");
        let name = binary.file_name().expect("binary name");
        let placed = dir.join(name);
        place_built(&binary, &placed);
        dir
    })
    .clone()
}

/// `binary`, which cargo built, at `placed`: a copy on Windows, where a running hard link
/// pins target/debug's file, which a later cargo build (of other features, by
/// scripts/demo.sh) must replace; a hard link elsewhere. Tried for 10 s while `binary` is
/// missing, as it briefly is while a cargo build beside (scripts/demo.sh's) re-links it; what
/// is placed then is that build's, of the same source with other dependency features.
fn place_built(binary: &Path, placed: &Path) {
    let mut tries = 50;
    loop {
        let _ = std::fs::remove_file(placed);
        if !cfg!(windows) && std::fs::hard_link(binary, placed).is_ok() {
            return;
        }
        let error = match std::fs::copy(binary, placed) {
            Ok(_) => return,
            Err(e) => e,
        };
        tries -= 1;
        if tries == 0 || error.kind() != std::io::ErrorKind::NotFound {
            panic!(
                "could not place {} at {}: {error}",
                binary.display(),
                placed.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// How long every read lags behind every write (`E2E_READ_LAG_MS`), if set. A test whose
/// own timings must outlast the lag (a window that closes, say) adds it.
pub fn read_lag() -> Option<std::time::Duration> {
    std::env::var("E2E_READ_LAG_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
}

/// Starts the emulator with instant transitions (or the given timings). With
/// `E2E_READ_LAG_MS` set, every read lags that long behind every write
/// (`Behaviour::read_lag`): a way to run the whole suite against eventually consistent reads.
pub async fn emulator(timings: Option<Timings>) -> Emulator {
    let mut config = EmulatorConfig {
        timings: timings.unwrap_or_else(Timings::instant),
        ..Default::default()
    };
    if let Some(lag) = read_lag() {
        config.behaviour.read_lag = Some(lag);
    }
    Emulator::start_with(config).await.expect("emulator starts")
}

/// What most end-to-end tests start with: the Terraform CLI, an emulator started as
/// [`emulator`] does, its control handle and a workspace pointed at it; `None` when there is
/// no Terraform CLI outside CI (see [`terraform`]). Bind the emulator to a name (not `_`) for
/// the whole test: dropping it stops the emulator.
pub async fn setup(timings: Option<Timings>) -> Option<(Emulator, Control, Workspace)> {
    let tf = terraform()?;
    let emulator = emulator(timings).await;
    let control = emulator.control();
    let ws = Workspace::new(tf, &emulator.endpoint_url());
    Some((emulator, control, ws))
}

/// [`setup`] with initializations that take `initialize` (every other transition instant):
/// long enough to interrupt, or to outlast a resource's timeout.
pub async fn setup_initializing_for(
    initialize: std::time::Duration,
) -> Option<(Emulator, Control, Workspace)> {
    setup(Some(Timings {
        initialize,
        ..Timings::instant()
    }))
    .await
}

/// Writes `dir/terraformrc`: a Terraform CLI configuration that takes provider `source` from
/// `plugin_dir` (`dev_overrides`) and everything else from the registry. Returns its path.
pub fn write_dev_overrides(dir: &Path, source: &str, plugin_dir: &Path) -> PathBuf {
    let cli_config = dir.join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{source}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            hcl_path(plugin_dir)
        ),
    )
    .expect("cli config");
    cli_config
}

/// `n` ACTIVE clusters seeded in the emulator, and a `cloudhsm_cluster_config` for each
/// (`c0`, `c1`, …), as configuration text.
pub fn cluster_configs(control: &Control, n: usize) -> String {
    let mut body = String::new();
    for i in 0..n {
        let id = control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            ..Default::default()
        });
        body.push_str(&format!(
            "resource \"cloudhsm_cluster_config\" \"c{i}\" {{\n  cluster_id = \"{id}\"\n}}\n"
        ));
    }
    body
}

/// How many cluster ids each recorded DescribeClusters call named, in call order.
pub fn describe_batch_sizes(control: &Control) -> Vec<usize> {
    control
        .calls("DescribeClusters")
        .iter()
        .map(|c| c["Filters"]["clusterIds"].as_array().map_or(0, Vec::len))
        .collect()
}

/// What a Terraform command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(self.success, "terraform failed:\n{}", self.all());
        self
    }

    #[track_caller]
    pub fn fails(self) -> Self {
        assert!(
            !self.success,
            "terraform unexpectedly succeeded:\n{}",
            self.all()
        );
        self
    }
}

/// A scratch Terraform working directory wired to our provider and an emulator.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    terraform: PathBuf,
    cli_config: PathBuf,
    pub endpoint: String,
}

impl Workspace {
    pub fn new(terraform: PathBuf, endpoint: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let cli_config = write_dev_overrides(dir.path(), SOURCE, &dev_plugin_dir());
        Workspace {
            dir,
            terraform,
            cli_config,
            endpoint: endpoint.to_string(),
        }
    }

    /// The provider block pointing at the emulator, with test credentials.
    pub fn provider_block(&self) -> String {
        format!(
            "terraform {{\n  required_providers {{\n    cloudhsm = {{ source = \"cloudhsm-iac/cloudhsm\" }}\n  }}\n}}\n\n\
             provider \"cloudhsm\" {{\n  region     = \"us-east-1\"\n  access_key = \"AKIDEXAMPLETEST\"\n  secret_key = \"test-secret-key\"\n  endpoints {{ cloudhsmv2 = \"{}\" }}\n}}\n",
            self.endpoint
        )
    }

    /// Writes `main.tf` exactly as given (for tests that need their own provider block).
    pub fn write_raw(&self, main_tf: &str) {
        std::fs::write(self.dir.path().join("main.tf"), main_tf).expect("write main.tf");
    }

    /// The `terraform { required_providers { … } }` block alone.
    pub fn required_providers() -> &'static str {
        "terraform {\n  required_providers {\n    cloudhsm = { source = \"cloudhsm-iac/cloudhsm\" }\n  }\n}\n"
    }

    /// Writes `main.tf` as the provider block plus `body`.
    pub fn write(&self, body: &str) {
        std::fs::write(
            self.dir.path().join("main.tf"),
            format!("{}\n{body}\n", self.provider_block()),
        )
        .expect("write main.tf");
    }

    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents).expect("write file");
    }

    /// Runs `terraform <args>` and returns the output. A command that does not finish within
    /// five minutes is killed and the test fails instead of hanging.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// [`Workspace::run`] with extra environment variables (e.g. `TF_LOG_PROVIDER`).
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let (code, stdout, stderr) = self.execute(args, env);
        Run {
            success: code == Some(0),
            stdout,
            stderr,
        }
    }

    /// `terraform <args>` with the workspace's hermetic environment, output piped.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = terraform_command(&self.terraform, self.dir.path(), &self.cli_config);
        cmd.args(args)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// Starts `terraform <args>` without waiting, for tests that interrupt it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.spawn_with_env(args, &[])
    }

    /// [`Workspace::spawn`] with extra environment variables. On Windows Terraform gets a
    /// process group of its own, which [`interrupt_like_a_terminal`] interrupts.
    pub fn spawn_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let mut cmd = self.command(args, env);
        #[cfg(windows)]
        in_own_group(&mut cmd);
        cmd.spawn().expect("terraform starts")
    }

    fn execute(&self, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
        use std::io::Read as _;
        let mut cmd = self.command(args, env);
        let mut child = cmd.spawn().expect("terraform starts");
        let mut out_pipe = child.stdout.take().expect("stdout");
        let mut err_pipe = child.stderr.take().expect("stderr");
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out_pipe.read_to_string(&mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err_pipe.read_to_string(&mut s);
            s
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        if status.is_none() {
            // A provider left behind notices that Terraform is gone and stops by itself
            // (see serve.rs), which closes the pipes the readers below wait on.
            let _ = child.kill();
            let _ = child.wait();
        }
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        match status {
            Some(status) => (status.code(), stdout, stderr),
            None => panic!(
                "terraform {} did not finish within 5 minutes:\n{stdout}\n{stderr}",
                args.join(" ")
            ),
        }
    }

    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn plan(&self) -> Run {
        self.run(&["plan", "-input=false", "-no-color"])
    }

    /// `terraform plan -out=<file>`: a saved plan, applied later with [`Workspace::apply_saved`].
    pub fn plan_saved(&self, file: &str) -> Run {
        self.run(&["plan", "-input=false", "-no-color", &format!("-out={file}")])
    }

    /// `terraform apply <file>`: applies a saved plan as it is (no refresh, no new plan).
    pub fn apply_saved(&self, file: &str) -> Run {
        self.run(&["apply", "-input=false", "-no-color", file])
    }

    /// True when a plan shows no changes (`-detailed-exitcode` 0), false when it has some (2).
    pub fn plan_is_empty(&self) -> bool {
        let (code, stdout, stderr) = self.execute(
            &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
            &[],
        );
        match code {
            Some(0) => true,
            Some(2) => false,
            _ => panic!("terraform plan failed:\n{stdout}\n{stderr}"),
        }
    }

    /// The state as `terraform show -json` reports it.
    pub fn state(&self) -> serde_json::Value {
        let run = self.run(&["show", "-json"]).ok();
        serde_json::from_str(&run.stdout).expect("show -json is JSON")
    }

    /// The attribute values of the resource at `address` in the state, if present.
    pub fn resource(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }
}

// ---- shared by the end-to-end tests of the initialization ----------------------------

/// A `cloudhsm_cluster_initialization` block reading its certificates from files.
pub fn resource_hcl(name: &str, cluster_id: &str, cert_file: &str, anchor_file: &str) -> String {
    format!(
        "resource \"cloudhsm_cluster_initialization\" \"{name}\" {{\n  cluster_id   = \"{cluster_id}\"\n  signed_cert  = file(\"{cert_file}\")\n  trust_anchor = file(\"{anchor_file}\")\n}}\n"
    )
}

/// `cloudhsm_cluster_initialization.this` on the files `seed_and_sign` writes, with
/// `timeouts.create` set to `timeout`.
pub fn init_with_timeout(cluster_id: &str, timeout: &str) -> String {
    format!(
        "resource \"cloudhsm_cluster_initialization\" \"this\" {{\n  cluster_id   = \"{cluster_id}\"\n  signed_cert  = file(\"cluster.crt\")\n  trust_anchor = file(\"customerCA.crt\")\n  timeouts = {{ create = \"{timeout}\" }}\n}}\n"
    )
}

/// A seeded UNINITIALIZED cluster with an HSM, and the files `cluster.crt` / `customerCA.crt`
/// holding a certificate signed for its CSR and the self-signed root that signed it.
pub fn seed_and_sign(control: &Control, ws: &Workspace) -> (String, String, String) {
    seed_and_sign_with(control, ws, CaKey::default())
}

/// [`seed_and_sign`] with a CA of the given kind of key.
pub fn seed_and_sign_with(
    control: &Control,
    ws: &Workspace,
    key: CaKey,
) -> (String, String, String) {
    let id = control.seed_cluster(ClusterSpec::default());
    let (cert, anchor) = sign_for_with(control, &id, key);
    ws.write_file("cluster.crt", &cert);
    ws.write_file("customerCA.crt", &anchor);
    (id, cert, anchor)
}

pub fn sign_for(control: &Control, id: &str) -> (String, String) {
    sign_for_with(control, id, CaKey::default())
}

fn sign_for_with(control: &Control, id: &str, key: CaKey) -> (String, String) {
    let csr = control.cluster_csr_pem(id).expect("cluster has a CSR");
    let m = cloudhsm_emulator::sign_csr_with(&csr, key).expect("sign the CSR");
    (m.signed_cert_pem, m.trust_anchor_pem)
}

/// Terraform's output with line wrapping undone, for matching sentences.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error blocks of a Terraform run, one string each.
pub fn error_blocks(run: &Run) -> Vec<String> {
    run.all()
        .split("Error: ")
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Waits (up to 30 s) until `reached` says so; false if it never does.
pub fn wait_until(mut reached: impl FnMut() -> bool) -> bool {
    for _ in 0..1500 {
        if reached() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}
