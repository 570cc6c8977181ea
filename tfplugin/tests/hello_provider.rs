//! The example provider (examples/hello.rs) driven through the raw resource interface, as the
//! gRPC server drives it: the typed layer applies Terraform's plan rules for it.

#[path = "../examples/hello.rs"]
mod hello;

use tfplugin::diagnostics::AttributePath;
use tfplugin::interface::{ApplyRequest, ClientCapabilities, PlanRequest, ReadRequest, Resource};
use tfplugin::plan_rules::proposed_new_state;
use tfplugin::value::Value;
use tfplugin::{adapt_resource, Model};

fn config(name: &str, word: Option<&str>, create_timeout: Option<&str>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("word", word.map_or(Value::Null, Value::string)),
        ("text", Value::Null),
        ("greeting_secret_wo", Value::Null),
        (
            "timeouts",
            create_timeout.map_or(Value::Null, |t| {
                Value::object([("create", Value::string(t))])
            }),
        ),
    ])
}

async fn plan(
    r: &dyn Resource,
    prior: &Value,
    config: &Value,
) -> tfplugin::interface::PlanResponse {
    r.plan(PlanRequest {
        prior_state: prior.clone(),
        proposed_new_state: proposed_new_state(&hello::Greeting::rules(), prior, config),
        config: config.clone(),
        prior_private: Vec::new(),
        client_capabilities: ClientCapabilities::with_write_only(),
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

#[tokio::test]
async fn the_typed_layer_plans_by_terraform_rules() {
    let r = adapt_resource(hello::GreetingResource);
    let r = r.as_ref();
    assert!(r.schema().check().is_ok());

    // Create: the id is known early (`copy_of = name`), the rest computed is unknown.
    let cfg = config("world", None, None);
    let p = plan(r, &Value::Null, &cfg).await;
    assert_eq!(p.planned_state.get("id"), Some(&Value::string("world")));
    assert!(p.planned_state.get("text").is_some_and(Value::is_unknown));
    assert!(p.planned_state.get("word").is_some_and(Value::is_unknown));
    let state = apply(r, &Value::Null, &p.planned_state, &cfg).await;
    assert_eq!(state.get("text"), Some(&Value::string("Hello, world!")));

    // No change: the prior state. A read keeps it.
    assert_eq!(plan(r, &state, &cfg).await.planned_state, state);
    let read = r
        .read(ReadRequest {
            current_state: state.clone(),
            private: Vec::new(),
        })
        .await;
    assert_eq!(read.new_state, state);

    // An update: the id is kept, the text it cannot promise is unknown.
    let cfg2 = config("world", Some("Hi"), None);
    let p = plan(r, &state, &cfg2).await;
    assert_eq!(p.planned_state.get("id"), Some(&Value::string("world")));
    assert!(p.planned_state.get("text").is_some_and(Value::is_unknown));
    let updated = apply(r, &state, &p.planned_state, &cfg2).await;
    assert_eq!(updated.get("text"), Some(&Value::string("Hi, world!")));

    // Another name: a replacement.
    let p = plan(r, &updated, &config("moon", Some("Hi"), None)).await;
    assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);

    // Destroy plans null; import fills the model.
    assert!(plan(r, &updated, &Value::Null)
        .await
        .planned_state
        .is_null());
    let imported = r.import("moon").await;
    assert_eq!(
        imported.states[0].get("text"),
        Some(&Value::string("Hello, moon!"))
    );
}

#[tokio::test]
async fn validation_points_at_the_attribute_and_checks_timeouts() {
    let r = adapt_resource(hello::GreetingResource);
    let d = r
        .validate(
            &config(" ", None, Some("soon")),
            ClientCapabilities::with_write_only(),
        )
        .await;
    let paths: Vec<String> = d
        .errors()
        .filter_map(|e| e.attribute.as_ref().map(ToString::to_string))
        .collect();
    assert!(paths.contains(&"name".to_string()), "{paths:?}");
    assert!(paths.contains(&"timeouts.create".to_string()), "{paths:?}");
    assert!(r
        .validate(
            &config("world", None, Some("90s")),
            ClientCapabilities::default()
        )
        .await
        .is_empty());
}

/// The greeting at schema version 1, whose upgrade from version 0 fills in the word.
struct VersionedGreeting;

#[tfplugin::async_trait]
impl tfplugin::TypedResource for VersionedGreeting {
    type Model = hello::Greeting;
    const TYPE_NAME: &'static str = "hello_versioned";

    fn description(&self) -> String {
        "A greeting whose stored states of version 0 lack a word.".into()
    }

    fn schema_version(&self) -> i64 {
        1
    }

    fn upgraders(&self) -> Vec<tfplugin::Upgrader<hello::Greeting>> {
        // Version 0 had the same attributes: read it with the current model.
        vec![tfplugin::Upgrader::new(0, |mut state: hello::Greeting| {
            if state.word.is_null() {
                state.word = tfplugin::Field::Known("Hello".into());
            }
            Ok(state)
        })]
    }

    fn deletion(&self, _: &hello::Greeting) -> tfplugin::Deletion {
        tfplugin::Deletion::Delete
    }

    async fn create(
        &self,
        planned: hello::Greeting,
        _: tfplugin::ChangeRequest<hello::Greeting>,
    ) -> Result<tfplugin::Success<hello::Greeting>, tfplugin::Failure<hello::Greeting>> {
        Ok(planned.into())
    }

    async fn read(
        &self,
        current: hello::Greeting,
    ) -> Result<tfplugin::Success<Option<hello::Greeting>>, tfplugin::diagnostics::Diagnostics>
    {
        Ok(Some(current).into())
    }

    async fn update(
        &self,
        _: hello::Greeting,
        planned: hello::Greeting,
        _: tfplugin::ChangeRequest<hello::Greeting>,
    ) -> Result<tfplugin::Success<hello::Greeting>, tfplugin::Failure<hello::Greeting>> {
        Ok(planned.into())
    }
}

#[test]
fn an_older_stored_state_goes_through_the_upgrade_hook() {
    let r = adapt_resource(VersionedGreeting);
    assert_eq!(r.schema().version, 1);
    let old = config("world", None, None);
    let upgraded = r.upgrade_state(0, old).expect("upgraded");
    assert_eq!(upgraded.get("word"), Some(&Value::string("Hello")));
    // The default import refuses, saying why.
    let imported = futures_executor_block(r.import("x"));
    assert!(imported.diagnostics.has_errors());
}

fn futures_executor_block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[tokio::test]
async fn the_provider_block_reads_greeting_style_as_a_block() {
    use tfplugin::interface::Provider;
    use tfplugin::schema::BlockNesting;
    let provider: &dyn Provider = &hello::HelloProvider;
    let schema = provider.schema();
    assert_eq!(schema.check(), Ok(()));
    let style = &schema.block.blocks[0];
    assert_eq!(
        (style.type_name.as_str(), style.nesting),
        ("greeting_style", BlockNesting::Single)
    );
    assert!(schema.block.attribute("greeting_style").is_none());
    let config =
        |style: Value| Value::object([("operator", Value::Null), ("greeting_style", style)]);
    let punctuation = |p: &str| Value::object([("punctuation", Value::string(p))]);
    // Left out, or a known good value: fine; an unknown one is not judged yet.
    for ok in [
        Value::Null,
        punctuation("!"),
        Value::object([("punctuation", Value::unknown())]),
    ] {
        let d = provider.validate_config(&config(ok.clone())).await;
        assert!(d.is_empty(), "{ok:?}: {d:?}");
    }
    let d = provider.validate_config(&config(punctuation("~"))).await;
    let error = d.iter().next().expect("an error");
    assert_eq!(error.summary, "Unknown punctuation");
    assert_eq!(
        error.attribute,
        Some(AttributePath::attr("greeting_style").then_attr("punctuation")),
        "on the attribute inside the block"
    );
}
