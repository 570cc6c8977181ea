//! The hello example (examples/hello.rs) under the real Terraform CLI, for its write-only
//! attribute `greeting_secret_wo`:
//! - Terraform 1.11 and later: applied from an ephemeral variable, the value reaches the
//!   provider (its length shows in `text`) and its bytes are in no file Terraform writes
//!   (state, saved plan, unzipped or as `terraform show -json` renders it), and the next
//!   plan is empty;
//! - an older Terraform: plan and apply fail with the error on the attribute, and no state
//!   holds the value or the resource;
//!
//! and for the provider block's `greeting_style`, a `#[tf(block)]` (every version): written
//! as a block it is applied and reaches the provider (a bad value is the provider's error, on
//! the line inside the block); Terraform knows it as a single nested block, and refuses it
//! written as an attribute (`= { ... }`), twice, or without its required argument.
//!
//! The Terraform CLIs are `TERRAFORM` when set, else `terraform` on PATH and the project's
//! `.tools/terraform` (each run for the scenario of its version). When `CI=true` and none is
//! found the tests fail; elsewhere they print SKIPPED and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The value under test: a text no file should ever hold.
const SECRET: &str = "wo-canary-8c1f7e2a9d";
const SOURCE: &str = "registry.terraform.io/example/hello";

const EXE: &str = std::env::consts::EXE_SUFFIX;

/// `path`, or `path` with `.exe` on Windows (where scripts name programs without it).
fn executable_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let with = PathBuf::from(format!("{}{EXE}", path.display()));
    (!EXE.is_empty() && with.is_file()).then_some(with)
}

/// A program by path, or by name on PATH.
fn which(name: &str) -> Option<PathBuf> {
    if Path::new(name).is_absolute() {
        return executable_file(Path::new(name));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find_map(|d| executable_file(&d.join(name)))
    })
}

/// `(major, minor)` of a Terraform CLI, from `terraform version -json`.
fn version(tf: &Path) -> Option<(u32, u32)> {
    let out = Command::new(tf)
        .args(["version", "-json"])
        .env(
            "TF_CLI_CONFIG_FILE",
            if cfg!(windows) { "NUL" } else { "/dev/null" },
        )
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let mut parts = json["terraform_version"]
        .as_str()?
        .split('.')
        .map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// The Terraform CLIs to run whose version `wanted` accepts; `None` (SKIPPED) when there is
/// none. No Terraform at all is a failure when `CI=true`.
fn terraforms(what: &str, wanted: impl Fn((u32, u32)) -> bool) -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates: Vec<PathBuf> = match std::env::var_os("TERRAFORM") {
        Some(tf) => vec![which(&tf.to_string_lossy()).unwrap_or_else(|| PathBuf::from(tf))],
        None => [
            which("terraform"),
            executable_file(&root.join(".tools/terraform")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let mut found: Vec<(PathBuf, (u32, u32))> = Vec::new();
    for c in candidates.into_iter().filter_map(|c| executable_file(&c)) {
        // Not canonicalize: on Windows it answers \\?\ paths.
        let c = std::path::absolute(&c).unwrap_or(c);
        if let Some(v) = version(&c).filter(|_| found.iter().all(|(f, _)| *f != c)) {
            found.push((c, v));
        }
    }
    if found.is_empty() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but no Terraform CLI was found (TERRAFORM, PATH, .tools/terraform). \
                 Run ./scripts/ensure-terraform.sh or ./scripts/test.sh, which installs one."
            );
        }
        eprintln!("SKIPPED: no Terraform CLI found; set TERRAFORM or run ./scripts/test.sh");
        return None;
    }
    let matching: Vec<PathBuf> = found
        .iter()
        .filter(|(_, v)| wanted(*v))
        .map(|(p, _)| p.clone())
        .collect();
    if matching.is_empty() {
        eprintln!("SKIPPED: no Terraform {what} among {found:?}");
        return None;
    }
    Some(matching)
}

/// The hello example's binary, built (or found up to date) by Cargo in this test's target
/// directory.
fn hello_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in <target>/<profile>/deps");
    let binary = profile_dir.join(format!("examples/hello{EXE}"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--offline", "-p", "tfplugin", "--example", "hello"]);
    // What Cargo sets for this test only: left in, build scripts that watch such variables
    // would rerun, and the next `cargo test` would rebuild them again.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let ours = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_BIN_",
            "CARGO_CRATE_",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            || ["OUT_DIR", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"].contains(&&*name);
        if ours {
            build.env_remove(&*name);
        }
    }
    if let Some(target) = profile_dir.parent() {
        build.arg("--target-dir").arg(target);
    }
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let built = build.output();
    assert!(
        binary.is_file(),
        "the hello example is not built at {} ({built:?}); run \
         `cargo build -p tfplugin --example hello` first",
        binary.display()
    );
    binary
}

/// A scratch directory for one Terraform run: `main.tf`, a CLI configuration whose
/// `dev_overrides` point at the hello binary (as `terraform-provider-hello`), nothing else.
struct Workspace {
    dir: tempfile::TempDir,
    terraform: PathBuf,
}

impl Workspace {
    fn new(terraform: &Path, main_tf: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let plugins = dir.path().join("plugins");
        std::fs::create_dir(&plugins).expect("plugin dir");
        let plugin = plugins.join(format!("terraform-provider-hello{EXE}"));
        // A link on unix; a copy on Windows, where links need a privilege.
        #[cfg(unix)]
        std::os::unix::fs::symlink(hello_binary(), &plugin).expect("provider symlink");
        #[cfg(not(unix))]
        std::fs::copy(hello_binary(), &plugin).expect("provider copy");
        std::fs::write(
            dir.path().join("terraformrc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE}\" = \"{}\"\n  }}\n  \
                 direct {{}}\n}}\n",
                // Forward slashes: a Windows path's backslashes would be HCL escapes.
                plugins.display().to_string().replace('\\', "/")
            ),
        )
        .expect("cli config");
        let work = dir.path().join("work");
        std::fs::create_dir(&work).expect("work dir");
        std::fs::write(work.join("main.tf"), main_tf).expect("main.tf");
        Workspace {
            dir,
            terraform: terraform.to_path_buf(),
        }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// `terraform <args>` in the work directory, the secret in `TF_VAR_secret`.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.terraform)
            .args(args)
            .current_dir(self.work())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("terraformrc"))
            .env("TF_VAR_secret", SECRET)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("terraform runs")
    }

    /// Every file under the work directory (`.terraform/` included) whose bytes hold the
    /// secret.
    fn files_holding_secret(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if std::fs::read(&path).is_ok_and(|bytes| holds_secret(&bytes)) {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.work(), &mut found);
        found
    }
}

fn holds_secret(bytes: &[u8]) -> bool {
    bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes())
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const REQUIRED_PROVIDERS: &str =
    "terraform {\n  required_providers {\n    hello = { source = \"example/hello\" }\n  }\n}\n";

#[test]
fn write_only_value_never_reaches_plan_or_state_on_terraform_1_11() {
    let Some(terraforms) = terraforms("1.11 or later", |v| v >= (1, 11)) else {
        return;
    };
    for tf in terraforms {
        let ws = Workspace::new(
            &tf,
            &format!(
                "{REQUIRED_PROVIDERS}\nvariable \"secret\" {{\n  type      = string\n  \
                 ephemeral = true\n}}\n\nresource \"hello_greeting\" \"g\" {{\n  name = \
                 \"world\"\n  greeting_secret_wo = var.secret\n}}\n"
            ),
        );
        let plan = ws.run(&["plan", "-no-color", "-input=false", "-out=p"]);
        assert!(plan.status.success(), "{tf:?} plan: {}", text(&plan));
        let saved = std::fs::read(ws.work().join("p")).expect("the saved plan");
        assert!(!holds_secret(&saved), "the saved plan's raw bytes");
        match Command::new("unzip")
            .arg("-p")
            .arg("p")
            .current_dir(ws.work())
            .output()
        {
            Ok(unzipped) if unzipped.status.success() => {
                assert!(!unzipped.stdout.is_empty(), "the saved plan unzips");
                assert!(!holds_secret(&unzipped.stdout), "the saved plan, unzipped");
            }
            other if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true but unzip does not run ({other:?}): the saved plan is not checked")
            }
            other => eprintln!("NOTE: unzip not available ({other:?}); checked show -json only"),
        }
        let shown = ws.run(&["show", "-json", "p"]);
        assert!(shown.status.success(), "show -json: {}", text(&shown));
        assert!(!holds_secret(&shown.stdout), "terraform show -json p");
        let json: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("JSON plan");
        let planned = &json["planned_values"]["root_module"]["resources"][0]["values"];
        assert_eq!(planned["name"], "world", "{json}");
        assert!(planned["greeting_secret_wo"].is_null(), "{planned}");

        // The ephemeral variable is given again to the apply of the saved plan.
        let apply = ws.run(&["apply", "-no-color", "-input=false", "p"]);
        assert!(apply.status.success(), "{tf:?} apply: {}", text(&apply));
        let state = std::fs::read(ws.work().join("terraform.tfstate")).expect("state written");
        assert!(!holds_secret(&state), "terraform.tfstate");
        let state: serde_json::Value = serde_json::from_slice(&state).expect("JSON state");
        let attributes = &state["resources"][0]["instances"][0]["attributes"];
        assert!(attributes["greeting_secret_wo"].is_null(), "{attributes}");
        let told = format!("Hello, world! ({}-byte secret)", SECRET.len());
        assert_eq!(
            attributes["text"],
            told.as_str(),
            "the provider saw the value"
        );

        // Configured value, null state: no change to plan.
        let again = ws.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
        assert_eq!(again.status.code(), Some(0), "no diff: {}", text(&again));
        assert_eq!(ws.files_holding_secret(), Vec::<PathBuf>::new());
    }
}

#[test]
fn terraform_before_1_11_is_refused_and_stores_nothing() {
    let Some(terraforms) = terraforms("older than 1.11", |v| v < (1, 11)) else {
        return;
    };
    for tf in terraforms {
        // No ephemeral variables before 1.10: a sensitive one.
        let ws = Workspace::new(
            &tf,
            &format!(
                "{REQUIRED_PROVIDERS}\nvariable \"secret\" {{\n  type      = string\n  \
                 sensitive = true\n}}\n\nresource \"hello_greeting\" \"g\" {{\n  name = \
                 \"world\"\n  greeting_secret_wo = var.secret\n}}\n"
            ),
        );
        for args in [
            &["plan", "-no-color", "-input=false"][..],
            &["apply", "-no-color", "-input=false", "-auto-approve"][..],
        ] {
            let out = ws.run(args);
            let said = text(&out);
            assert!(!out.status.success(), "{tf:?} {args:?} must fail: {said}");
            assert!(
                said.contains("Write-only argument needs Terraform 1.11 or later"),
                "{said}"
            );
            assert!(
                said.contains("greeting_secret_wo is a write-only argument"),
                "{said}"
            );
            // Terraform shows the configuration line of the attribute the error is on.
            assert!(said.contains("greeting_secret_wo = var.secret"), "{said}");
        }
        let state = ws.work().join("terraform.tfstate");
        if let Ok(bytes) = std::fs::read(&state) {
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON state");
            assert_eq!(json["resources"], serde_json::json!([]), "{json}");
        }
        assert_eq!(ws.files_holding_secret(), Vec::<PathBuf>::new());
    }
}

/// Terraform's words, without the line breaks and frames it wraps them in.
fn words(out: &Output) -> String {
    text(out)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A configuration whose `provider "hello"` block holds `provider_body`.
fn with_provider_block(provider_body: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}\nprovider \"hello\" {{\n{provider_body}}}\n\nresource \
         \"hello_greeting\" \"g\" {{\n  name = \"world\"\n}}\n"
    )
}

#[test]
fn the_provider_block_takes_greeting_style_as_a_block() {
    let Some(terraforms) = terraforms("of any version", |_| true) else {
        return;
    };
    let plan = ["plan", "-no-color", "-input=false"];
    for tf in terraforms {
        let style = |punctuation: &str| {
            format!("  greeting_style {{\n    punctuation = \"{punctuation}\"\n  }}\n")
        };
        // Block syntax: applied.
        let ws = Workspace::new(&tf, &with_provider_block(&style("?")));
        let apply = ws.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
        assert!(apply.status.success(), "{tf:?} apply: {}", text(&apply));
        // What Terraform knows of it: a single nested block, not an attribute.
        let schema = ws.run(&["providers", "schema", "-json"]);
        assert!(schema.status.success(), "{tf:?} schema: {}", text(&schema));
        let json: serde_json::Value = serde_json::from_slice(&schema.stdout).expect("JSON");
        let block = &json["provider_schemas"][SOURCE]["provider"]["block"];
        let style_block = &block["block_types"]["greeting_style"];
        assert_eq!(style_block["nesting_mode"], "single", "{block}");
        assert_eq!(
            style_block["block"]["attributes"]["punctuation"]["required"],
            true
        );
        assert!(block["attributes"]["greeting_style"].is_null(), "{block}");

        // The value reaches the provider, which refuses it at its line in the block.
        let ws = Workspace::new(&tf, &with_provider_block(&style("~")));
        let out = ws.run(&plan);
        let said = words(&out);
        assert!(!out.status.success(), "{tf:?}: {said}");
        assert!(said.contains("Error: Unknown punctuation"), "{said}");
        assert!(
            said.contains("punctuation = \"~\" \"~\": not !, . or ?"),
            "{said}"
        );

        // What Terraform refuses before asking the provider.
        for (body, expected) in [
            (
                "  greeting_style = {\n    punctuation = \"!\"\n  }\n".to_string(),
                "An argument named \"greeting_style\" is not expected here. Did you mean to \
                 define a block of type \"greeting_style\"?",
            ),
            (
                format!("{}{}", style("!"), style(".")),
                "Only one block of type \"greeting_style\" is allowed.",
            ),
            (
                "  greeting_style {\n  }\n".to_string(),
                "The argument \"punctuation\" is required, but no definition was found.",
            ),
        ] {
            let ws = Workspace::new(&tf, &with_provider_block(&body));
            let out = ws.run(&plan);
            let said = words(&out);
            assert!(!out.status.success(), "{tf:?} {body}: {said}");
            assert!(said.contains(expected), "{tf:?} {body}: {said}");
        }
    }
}
