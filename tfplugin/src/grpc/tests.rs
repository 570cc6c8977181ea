use std::sync::Arc;

use tonic::Request;

use super::schemas::check_no_write_only;
use super::ProviderService;
use crate::convert;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::interface::{ApplyRequest, PlanRequest, Provider, ReadRequest, Resource};
use crate::interface::{
    ApplyResponse, ClientCapabilities, ImportResponse, PlanResponse, ReadResponse,
};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as _;
use crate::schema::{Attribute, Block, Schema};
use crate::value::Value;
use async_trait::async_trait;

fn schema() -> Schema {
    Schema::new(Block {
        attributes: vec![
            Attribute::string("id").computed(),
            Attribute::string("name").optional(),
        ],
        ..Default::default()
    })
}

/// A resource that only has a name and a schema; its plan panics when `.2` says so.
struct Thing(&'static str, Schema, bool);

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        self.0
    }
    fn schema(&self) -> Schema {
        self.1.clone()
    }
    /// Answers what Terraform announced, as a warning.
    async fn validate(&self, _config: &Value, client: ClientCapabilities) -> Diagnostics {
        Diagnostic::warning(format!("{client:?}"), "").into()
    }
    /// Answers what Terraform announced, as a warning.
    async fn plan(&self, r: PlanRequest) -> PlanResponse {
        if self.2 {
            panic!("kaboom in plan")
        }
        PlanResponse {
            diagnostics: Diagnostic::warning(format!("{:?}", r.client_capabilities), "").into(),
            ..Default::default()
        }
    }
    async fn apply(&self, _r: ApplyRequest) -> ApplyResponse {
        ApplyResponse::default()
    }
    async fn read(&self, _r: ReadRequest) -> ReadResponse {
        ReadResponse::default()
    }
    async fn import(&self, _id: &str) -> ImportResponse {
        ImportResponse::default()
    }
}

/// A provider serving these resources; its `validate_config` panics.
struct Listing(Vec<Arc<dyn Resource>>);

/// The provider of the panic tests: `boom_thing` (whose plan panics) and a nested schema.
fn boom() -> Arc<Listing> {
    Arc::new(Listing(vec![
        Arc::new(Thing("boom_thing", schema(), true)),
        Arc::new(Thing("boom_nested", nested_schema(), false)),
    ]))
}

#[async_trait]
impl Provider for Listing {
    fn type_name(&self) -> &'static str {
        "boom"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::default())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        self.0.clone()
    }
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        panic!("kaboom in validate")
    }
    async fn configure(&self, _config: &Value, _v: &str) -> Diagnostics {
        Diagnostics::new()
    }
    fn stop(&self) {}
}

#[tokio::test]
async fn schema_mistakes_and_names_given_twice_are_errors_of_get_provider_schema() {
    let flagless = Schema::new(Block {
        attributes: vec![Attribute::string("name")],
        ..Default::default()
    });
    let service = ProviderService::new(Arc::new(Listing(vec![
        Arc::new(Thing("boom_a", schema(), false)),
        Arc::new(Thing("boom_a", Schema::new(Block::default()), false)),
        Arc::new(Thing("boom_bad", flagless, false)),
    ])));
    let answer = service
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let summaries: Vec<&str> = answer
        .diagnostics
        .iter()
        .map(|d| d.summary.as_str())
        .collect();
    assert_eq!(
        summaries,
        vec![
            "The resource type \"boom_a\" is defined twice",
            "Invalid schema for the resource boom_bad",
        ]
    );
    assert!(answer
        .diagnostics
        .iter()
        .all(|d| d.severity == pb::diagnostic::Severity::Error as i32));
    assert!(
        answer.diagnostics[1].detail.contains("name"),
        "{}",
        answer.diagnostics[1].detail
    );
    // The first of the two is the one served.
    assert_eq!(
        answer.resource_schemas["boom_a"]
            .block
            .as_ref()
            .unwrap()
            .attributes
            .len(),
        2
    );
    let metadata = service
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.diagnostics, answer.diagnostics);

    // A sound provider answers none.
    let sound = ProviderService::new(Arc::new(Listing(vec![Arc::new(Thing(
        "boom_a",
        schema(),
        false,
    ))])));
    let answer = sound
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
}

#[tokio::test]
async fn a_panic_becomes_an_error_diagnostic() {
    let service = ProviderService::new(boom());
    let answer = service
        .validate_provider_config(Request::new(pb::validate_provider_config::Request {
            config: None,
        }))
        .await
        .expect("an answer, not a gRPC error")
        .into_inner();
    assert_eq!(answer.diagnostics.len(), 1);
    assert!(answer.diagnostics[0].detail.contains("kaboom in validate"));
    assert_eq!(
        answer.diagnostics[0].severity,
        pb::diagnostic::Severity::Error as i32
    );

    let plan = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "boom_thing".into(),
            ..Default::default()
        }))
        .await
        .expect("an answer")
        .into_inner();
    assert!(plan.diagnostics[0].detail.contains("kaboom in plan"));
}

#[tokio::test]
async fn client_capabilities_reach_validate_and_plan() {
    let service = ProviderService::new(boom());
    let announced = Some(pb::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: true,
    });
    let with = format!("{:?}", ClientCapabilities::with_write_only());
    let none = format!("{:?}", ClientCapabilities::default());
    for (client_capabilities, expected) in [(announced, &with), (None, &none)] {
        let validate = service
            .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                type_name: "boom_nested".into(),
                config: None,
                client_capabilities,
            }))
            .await
            .expect("an answer")
            .into_inner();
        assert_eq!(&validate.diagnostics[0].summary, expected);
        let plan = service
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "boom_nested".into(),
                client_capabilities,
                ..Default::default()
            }))
            .await
            .expect("an answer")
            .into_inner();
        assert_eq!(&plan.diagnostics[0].summary, expected);
    }
}

#[test]
fn write_only_attributes_are_for_managed_resources_only() {
    let wo = Schema::new(Block::new(vec![Attribute::string("pw_wo")
        .optional()
        .write_only()]));
    assert_eq!(wo.check(), Ok(()));
    let err = check_no_write_only(&wo).unwrap_err();
    assert!(err.mentions("only managed resources"), "{err}");
    assert_eq!(check_no_write_only(&schema()), Ok(()));
}

/// A schema with nested attributes and blocks of every nesting.
fn nested_schema() -> Schema {
    use crate::schema::{BlockNesting, NestedBlock};
    let inner = || vec![Attribute::number("n").optional()];
    Schema::new(
        Block::new(vec![
            Attribute::string("id").computed(),
            Attribute::number("big").optional(),
            Attribute::nested_single("single", inner()).optional(),
            Attribute::nested_list("list", inner()).optional(),
            Attribute::nested_set("set", inner()).optional(),
            Attribute::nested_map("map", inner()).optional(),
        ])
        .block(NestedBlock::new(
            "rule",
            BlockNesting::List,
            Block::new(inner()),
        ))
        .block(NestedBlock::new(
            "one",
            BlockNesting::Single,
            Block::new(inner()),
        )),
    )
}

async fn upgrade(service: &ProviderService, json: &[u8]) -> pb::upgrade_resource_state::Response {
    service
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "boom_nested".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .expect("answer")
        .into_inner()
}

#[tokio::test]
async fn upgrade_hands_back_state_that_fits_untouched() {
    let service = ProviderService::new(boom());
    let json = br#"{"id": "x", "big": 12345678901234567890123,
        "single": {"n": 0.1000000000000000055511151231257827},
        "list": [{"n": 1}], "set": [], "map": {"a": {"n": 2}},
        "rule": [{"n": 3}], "one": {"n": 4}}"#;
    let answer = upgrade(&service, json).await;
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    let state = answer.upgraded_state.expect("state");
    assert_eq!(state.json, json.to_vec(), "the stored bytes, untouched");
    assert!(state.msgpack.is_empty());
    // What Terraform will read from it is the value in the current schema.
    let value =
        convert::decode(Some(&state), &nested_schema().value_type(), "state").expect("decodes");
    assert_eq!(
        value
            .get("big")
            .and_then(Value::as_number)
            .map(|n| n.to_string()),
        Some("12345678901234567890123".into())
    );
}

#[tokio::test]
async fn upgrade_drops_removed_nested_attributes_and_keeps_every_digit() {
    let service = ProviderService::new(boom());
    let json = br#"{"id": "x", "big": 12345678901234567890123,
        "single": {"n": 0.1000000000000000055511151231257827, "old": 1},
        "list": [{"n": 1, "old": "a"}], "set": [{"n": 5, "old": true}],
        "map": {"a": {"n": 2, "old": null}},
        "rule": [{"n": 3, "old": [1]}], "one": {"n": 4, "old": {}}}"#;
    let answer = upgrade(&service, json).await;
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    let state = answer.upgraded_state.expect("state");
    assert!(state.json.is_empty() && !state.msgpack.is_empty());
    let ty = nested_schema().value_type();
    let value = crate::value::decode_msgpack(&state.msgpack, &ty).expect("msgpack");
    let n = |v: &Value| v.get("n").and_then(Value::as_number).map(|n| n.to_string());
    assert_eq!(
        value
            .get("big")
            .and_then(Value::as_number)
            .map(|n| n.to_string()),
        Some("12345678901234567890123".into())
    );
    let single = value.get("single").expect("single");
    assert_eq!(
        n(single),
        Some("0.1000000000000000055511151231257827".into())
    );
    assert_eq!(single.get("old"), None);
    for (name, expected) in [("list", 1), ("set", 5), ("rule", 3)] {
        let (Value::List(items) | Value::Set(items)) = value.get(name).expect(name) else {
            panic!("{name} is a collection");
        };
        assert_eq!(
            items,
            &vec![Value::object([("n", Value::from_i64(expected))])]
        );
    }
    assert_eq!(
        value.get("map"),
        Some(&Value::Map(
            [("a".to_string(), Value::object([("n", Value::from_i64(2))]))].into()
        ))
    );
    assert_eq!(
        value.get("one"),
        Some(&Value::object([("n", Value::from_i64(4))]))
    );
}

#[tokio::test]
async fn upgrade_reads_json_state_and_drops_removed_attributes() {
    let service = ProviderService::new(boom());
    let answer = service
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "boom_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"id":"x","name":"n","removed_long_ago":true}"#.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .expect("answer")
        .into_inner();
    assert!(answer.diagnostics.is_empty(), "{:?}", answer.diagnostics);
    let state = answer.upgraded_state.expect("state");
    let value =
        crate::value::decode_msgpack(&state.msgpack, &schema().value_type()).expect("msgpack");
    assert_eq!(value.get("name"), Some(&Value::string("n")));

    let newer = service
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "boom_thing".into(),
            version: 7,
            raw_state: None,
        }))
        .await
        .expect("answer")
        .into_inner();
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
}
