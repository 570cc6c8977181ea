//! Write-only attributes through the typed layer: resource code sees the configured value in
//! validate, plan and apply; every state the adapter answers holds null, whatever resource
//! code put there; and a Terraform that does not announce write-only support is refused
//! before any resource code runs.

#[path = "../examples/hello.rs"]
mod hello;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tfplugin::diagnostics::{AttributePath, Diagnostics};
use tfplugin::interface::{
    ApplyRequest, ClientCapabilities, PlanRequest, PlanResponse, ReadRequest, Resource,
};
use tfplugin::plan_rules::proposed_new_state;
use tfplugin::value::Value;
use tfplugin::{
    adapt_resource, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success, TypedResource,
};

use hello::Greeting;

const SECRET: &str = "s3cret-value";
const WO: &str = Greeting::GREETING_SECRET_WO;

fn config(secret: Value) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string("world")),
        ("word", Value::Null),
        ("text", Value::Null),
        (WO, secret),
        ("timeouts", Value::Null),
    ])
}

async fn plan(
    r: &dyn Resource,
    prior: &Value,
    config: &Value,
    client: ClientCapabilities,
) -> PlanResponse {
    r.plan(PlanRequest {
        prior_state: prior.clone(),
        proposed_new_state: proposed_new_state(&Greeting::rules(), prior, config),
        config: config.clone(),
        prior_private: Vec::new(),
        client_capabilities: client,
    })
    .await
}

async fn apply(r: &dyn Resource, prior: &Value, planned: &Value, config: &Value) -> Value {
    let resp = r
        .apply(ApplyRequest {
            prior_state: prior.clone(),
            planned_state: planned.clone(),
            config: config.clone(),
            planned_private: Vec::new(),
        })
        .await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    resp.new_state
}

fn wo(state: &Value) -> &Value {
    state.get(WO).expect("the attribute is in the state")
}

#[tokio::test]
async fn the_flag_reaches_the_schema() {
    let schema = adapt_resource(hello::GreetingResource).schema();
    assert_eq!(schema.check(), Ok(()));
    let a = schema.block.attribute(WO).expect("declared");
    assert!(a.write_only && a.optional && a.sensitive && !a.computed);
    assert!(schema.block.has_write_only());
}

#[tokio::test]
async fn hello_uses_the_value_at_create_and_keeps_it_out_of_every_state() {
    let r = adapt_resource(hello::GreetingResource);
    let r = r.as_ref();
    let cfg = config(Value::string(SECRET));
    let allowed = ClientCapabilities::with_write_only();
    assert!(r.validate(&cfg, allowed).await.is_empty());
    let p = plan(r, &Value::Null, &cfg, allowed).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(wo(&p.planned_state), &Value::Null);
    let state = apply(r, &Value::Null, &p.planned_state, &cfg).await;
    assert_eq!(wo(&state), &Value::Null);
    assert_eq!(
        state.get("text"),
        Some(&Value::string("Hello, world! (12-byte secret)"))
    );
    // The value stays configured; the state holds null: no change, no replacement.
    let again = plan(r, &state, &cfg, allowed).await;
    assert_eq!(again.planned_state, state);
    assert!(again.requires_replace.is_empty());
}

/// A greeting whose code puts the write-only value everywhere it can, and counts the calls
/// into it.
#[derive(Clone, Default)]
struct Leaky {
    calls: Arc<AtomicUsize>,
}

impl Leaky {
    fn leak(&self, mut g: Greeting) -> Greeting {
        self.calls.fetch_add(1, Ordering::SeqCst);
        g.greeting_secret_wo = Field::Known(SECRET.into());
        g.id = g.name.clone();
        g.text = Field::Known("leaked".into());
        g.word = Field::Known("Hi".into());
        g
    }
}

#[tfplugin::async_trait]
impl TypedResource for Leaky {
    type Model = Greeting;
    const TYPE_NAME: &'static str = "hello_leaky";

    fn description(&self) -> String {
        "A greeting that tries to keep its secret.".into()
    }

    fn deletion(&self, _: &Greeting) -> Deletion {
        Deletion::Delete
    }

    async fn delete(&self, _: Greeting, _timeout: std::time::Duration) -> Diagnostics {
        Diagnostics::new()
    }

    async fn validate(&self, config: &Greeting) -> Diagnostics {
        self.leak(config.clone());
        assert_eq!(
            config.greeting_secret_wo.known().map(String::as_str),
            Some(SECRET)
        );
        Diagnostics::new()
    }

    async fn modify_plan(&self, plan: &mut Plan<Greeting>) {
        assert_eq!(
            plan.config.greeting_secret_wo.known().map(String::as_str),
            Some(SECRET)
        );
        assert!(plan.planned.greeting_secret_wo.is_null());
        plan.planned = self.leak(plan.planned.clone());
    }

    async fn create(
        &self,
        planned: Greeting,
        a: ChangeRequest<Greeting>,
    ) -> Result<Success<Greeting>, Failure<Greeting>> {
        assert!(planned.greeting_secret_wo.is_null());
        assert_eq!(
            a.config.greeting_secret_wo.known().map(String::as_str),
            Some(SECRET)
        );
        Ok(self.leak(planned).into())
    }

    async fn read(&self, current: Greeting) -> Result<Success<Option<Greeting>>, Diagnostics> {
        Ok(Some(self.leak(current)).into())
    }

    async fn update(
        &self,
        _: Greeting,
        planned: Greeting,
        _: ChangeRequest<Greeting>,
    ) -> Result<Success<Greeting>, Failure<Greeting>> {
        Err(Failure::with_state(
            self.leak(planned),
            tfplugin::diagnostics::Diagnostic::error("Update failed", "On purpose."),
        ))
    }

    async fn import(&self, id: &str) -> Result<Greeting, Diagnostics> {
        Ok(self.leak(Greeting {
            name: Field::Known(id.into()),
            ..Default::default()
        }))
    }
}

#[tokio::test]
async fn the_adapter_answers_null_whatever_resource_code_sets() {
    let leaky = Leaky::default();
    let r = adapt_resource(leaky.clone());
    let r = r.as_ref();
    let cfg = config(Value::string(SECRET));
    let allowed = ClientCapabilities::with_write_only();
    assert!(r.validate(&cfg, allowed).await.is_empty());

    let p = plan(r, &Value::Null, &cfg, allowed).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(wo(&p.planned_state), &Value::Null);
    assert_eq!(p.planned_state.get("text"), Some(&Value::string("leaked")));

    let state = apply(r, &Value::Null, &p.planned_state, &cfg).await;
    assert_eq!(wo(&state), &Value::Null);

    let read = r
        .read(ReadRequest {
            current_state: state.clone(),
            private: Vec::new(),
        })
        .await;
    assert_eq!(wo(&read.new_state), &Value::Null);

    // A failed update answers the state it reached: null there too.
    let failed = r
        .apply(ApplyRequest {
            prior_state: state.clone(),
            planned_state: state.clone(),
            config: cfg.clone(),
            planned_private: Vec::new(),
        })
        .await;
    assert!(failed.diagnostics.has_errors());
    assert_eq!(wo(&failed.new_state), &Value::Null);

    let imported = r.import("moon").await;
    assert_eq!(wo(&imported.states[0]), &Value::Null);
    assert!(leaky.calls.load(Ordering::SeqCst) >= 6);
}

#[tokio::test]
async fn a_terraform_without_write_only_support_is_refused_before_resource_code_runs() {
    let leaky = Leaky::default();
    let r = adapt_resource(leaky.clone());
    let r = r.as_ref();
    let none = ClientCapabilities::default();
    // Terraform 1.0 to 1.10: no capability. A value known or not yet known is refused.
    for secret in [Value::string(SECRET), Value::unknown()] {
        let cfg = config(secret);
        for d in [
            r.validate(&cfg, none).await,
            plan(r, &Value::Null, &cfg, none).await.diagnostics,
        ] {
            let errors: Vec<_> = d.errors().collect();
            assert_eq!(errors.len(), 1, "{d:?}");
            assert_eq!(errors[0].attribute, Some(AttributePath::attr(WO)));
            assert!(
                errors[0].detail.starts_with(
                    "greeting_secret_wo is a write-only argument, which needs Terraform 1.11 \
                     or later (this Terraform does not support write-only arguments); nothing \
                     was stored. Upgrade Terraform"
                ),
                "{}",
                errors[0].detail
            );
        }
        let refused = plan(r, &Value::Null, &cfg, none).await;
        assert_eq!(wo(&refused.planned_state), &Value::Null);
    }
    assert_eq!(
        leaky.calls.load(Ordering::SeqCst),
        0,
        "no resource code ran"
    );

    // Left out, the resource works on any Terraform.
    let cfg = config(Value::Null);
    let r = adapt_resource(hello::GreetingResource);
    assert!(r.validate(&cfg, none).await.is_empty());
    let p = plan(r.as_ref(), &Value::Null, &cfg, none).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
}
