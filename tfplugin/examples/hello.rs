//! A whole provider written with `tfplugin` alone: resource `hello_greeting` keeps a greeting
//! for a name, in memory. Build it and point Terraform's `dev_overrides` at the binary
//! (`cargo build -p tfplugin --example hello`, named `terraform-provider-hello` there).
//! Walk-through in ARCHITECTURE.md ("Adding a resource").

use std::sync::Arc;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::interface::Resource;
use tfplugin::serve::{serve, ServeOptions};
use tfplugin::{adapt_resource, async_trait, ChangeRequest, ConfigureRequest, Deletion, Failure};
use tfplugin::{Field, Model, PluginIdentity, Success, Timeouts};

/// One greeting: the schema and the values, each attribute named once.
#[derive(Clone, Debug, Default, Model)]
pub struct Greeting {
    /// Set to the name.
    #[tf(computed, keep, copy_of = name)]
    pub id: Field<String>,
    /// Whom to greet. Changing it makes a new greeting.
    #[tf(required, requires_replace)]
    pub name: Field<String>,
    /// The word of greeting; `Hello` when left out.
    #[tf(optional, computed)]
    pub word: Field<String>,
    /// The whole greeting, e.g. `Hello, world!`.
    #[tf(computed)]
    pub text: Field<String>,
    /// A secret told at create or update, never kept: only its length shows in `text`.
    #[tf(optional, sensitive, write_only)]
    pub greeting_secret_wo: Field<String>,
    #[tf(timeouts(create = "1m"))]
    pub timeouts: Field<Timeouts>,
}

/// The resource's lifecycle on typed values (plan rules, timeouts, nulls: the adapter's).
pub struct GreetingResource;

/// A write-only value is in the configuration only (`ChangeRequest::config`).
fn greet(mut g: Greeting, secret: Option<&String>) -> Greeting {
    let word = g.word.known().cloned().unwrap_or_else(|| "Hello".into());
    let name = g.name.known().cloned().unwrap_or_default();
    let told = secret.map_or(String::new(), |s| format!(" ({}-byte secret)", s.len()));
    g.text = Field::Known(format!("{word}, {name}!{told}"));
    g.word = Field::Known(word);
    g.id = Field::Known(name);
    g
}

#[async_trait]
impl tfplugin::TypedResource for GreetingResource {
    type Model = Greeting;
    const TYPE_NAME: &'static str = "hello_greeting";
    fn description(&self) -> String {
        "A greeting for a name.".into()
    }
    async fn validate(&self, config: &Greeting) -> Diagnostics {
        match config.name.known() {
            Some(n) if n.trim().is_empty() => Diagnostic::error(
                "Empty name",
                "Whom should the greeting greet? Set name to a non-empty text.",
            )
            .at(AttributePath::attr(Greeting::NAME))
            .into(),
            _ => Diagnostics::new(),
        }
    }
    fn deletion(&self, _: &Greeting) -> Deletion {
        Deletion::Delete // nothing to delete but the state
    }
    async fn delete(&self, _: Greeting, _timeout: std::time::Duration) -> Diagnostics {
        Diagnostics::new()
    }
    async fn create(&self, planned: Greeting, r: ChangeRequest<Greeting>) -> Applied {
        Ok(greet(planned, r.config.greeting_secret_wo.known()).into())
    }
    async fn read(&self, current: Greeting) -> Result<Success<Option<Greeting>>, Diagnostics> {
        Ok(Some(current).into())
    }
    async fn update(&self, _: Greeting, planned: Greeting, r: ChangeRequest<Greeting>) -> Applied {
        Ok(greet(planned, r.config.greeting_secret_wo.known()).into())
    }
    async fn import(&self, id: &str) -> Result<Greeting, Diagnostics> {
        let named = Greeting {
            name: Field::Known(id.into()),
            ..Default::default()
        };
        Ok(greet(named, None))
    }
}

type Applied = Result<Success<Greeting>, Failure<Greeting>>;
/// The `provider "hello"` block, declared like a resource's model.
#[derive(Clone, Debug, Default, Model)]
pub struct HelloConfig {
    /// Who runs the greetings, named in the provider's log.
    #[tf(optional)]
    pub operator: Field<String>,
    /// How greetings end, written as a block: `greeting_style { punctuation = "!" }`.
    #[tf(optional, block)]
    pub greeting_style: Field<GreetingStyle>,
}

/// What the `greeting_style` block holds.
#[derive(Clone, Debug, Default, Model)]
pub struct GreetingStyle {
    /// `!`, `.` or `?`.
    #[tf(required)]
    pub punctuation: Field<String>,
}

/// The provider: its block, one resource.
pub struct HelloProvider;

#[async_trait]
impl tfplugin::TypedProvider for HelloProvider {
    type Config = HelloConfig;
    const TYPE_NAME: &'static str = "hello";
    fn description(&self) -> String {
        "Greetings, kept in state.".into()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![adapt_resource(GreetingResource)]
    }
    async fn validate_config(&self, c: &HelloConfig) -> Diagnostics {
        let at = AttributePath::attr(HelloConfig::GREETING_STYLE);
        let p = c.greeting_style.known().and_then(|s| s.punctuation.known());
        match p.filter(|p| !["!", ".", "?"].contains(&p.as_str())) {
            Some(p) => Diagnostic::error("Unknown punctuation", format!("{p:?}: not !, . or ?"))
                .at(at.then_attr(GreetingStyle::PUNCTUATION))
                .into(),
            None => Diagnostics::new(),
        }
    }
    async fn configure(&self, r: ConfigureRequest<HelloConfig>) -> Diagnostics {
        // At plan, values may be unknown yet (`r.unknown` says where): nothing to defer here.
        tracing::info!(operator = ?r.config.operator.known(), unknown = r.unknown.len());
        Diagnostics::new()
    }
}

pub const IDENTITY: PluginIdentity = PluginIdentity {
    name: "terraform-provider-hello",
    source_address: "registry.terraform.io/example/hello",
    log_module: "provider.hello",
    log_targets: &["hello"],
    transport_var: "HELLO_PLUGIN_TRANSPORT",
};

#[allow(dead_code)] // the tests include this file for its provider, not its main
#[tokio::main]
async fn main() -> std::process::ExitCode {
    tfplugin::logging::init(IDENTITY);
    let options = ServeOptions {
        debug: std::env::args().any(|a| a == "--debug"),
        identity: IDENTITY,
    };
    if let Err(e) = serve(Arc::new(HelloProvider), options).await {
        eprintln!("{e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
