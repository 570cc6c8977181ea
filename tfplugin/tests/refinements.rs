//! Refined unknown values (what Terraform knows about a value before apply: "not null", a
//! string prefix, number bounds) go through the plan rules and the typed layer unchanged:
//! a value the configuration leaves unknown is planned with every refinement it came with,
//! from the msgpack Terraform sends to the msgpack the provider answers.

use tfplugin::async_trait;
use tfplugin::diagnostics::Diagnostics;
use tfplugin::interface::{ClientCapabilities, PlanRequest};
use tfplugin::plan_rules::{plan_by_rules, proposed_new_state};
use tfplugin::value::{decode_msgpack, encode_msgpack, Number, Refinements, Value};
use tfplugin::{adapt_resource, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success};

/// A member of a cluster whose id and size are known only at apply.
#[derive(Clone, Debug, Default, Model)]
pub struct Member {
    /// The cluster.
    #[tf(required, requires_replace)]
    pub cluster_id: Field<String>,
    /// How many days.
    #[tf(optional, computed)]
    pub days: Field<i64>,
    /// Set at create.
    #[tf(computed, keep)]
    pub id: Field<String>,
}

struct MemberResource;

#[async_trait]
impl tfplugin::TypedResource for MemberResource {
    type Model = Member;
    const TYPE_NAME: &'static str = "test_member";

    fn description(&self) -> String {
        "A member.".into()
    }

    async fn modify_plan(&self, plan: &mut Plan<Member>) {
        // A hook that works on the typed model (and so cannot see refinements) and leaves
        // the unknowns as they are.
        if plan.is_create() {
            plan.planned.id = Field::Unknown;
        }
    }

    fn deletion(&self, _: &Member) -> Deletion {
        Deletion::Delete
    }

    async fn delete(&self, _: Member, _timeout: std::time::Duration) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(
        &self,
        p: Member,
        _: ChangeRequest<Member>,
    ) -> Result<Success<Member>, Failure<Member>> {
        Ok(p.into())
    }

    async fn read(&self, current: Member) -> Result<Success<Option<Member>>, Diagnostics> {
        Ok(Some(current).into())
    }

    async fn update(
        &self,
        _: Member,
        p: Member,
        _: ChangeRequest<Member>,
    ) -> Result<Success<Member>, Failure<Member>> {
        Ok(p.into())
    }
}

/// Unknown, not null, starting with `cluster-`.
fn cluster_id() -> Value {
    Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some("cluster-".into()),
        ..Default::default()
    })
}

/// Unknown, in 7..=379.
fn days() -> Value {
    Value::Unknown(Refinements {
        number_lower: Some((Number::from_i64(7), true)),
        number_upper: Some((Number::from_i64(379), true)),
        ..Default::default()
    })
}

/// The configuration as Terraform 1.6+ sends it, by hand from the wire format
/// (docs/plugin-protocol/object-wire-format.md): attributes in name order.
fn config_bytes() -> Vec<u8> {
    let mut b = vec![0x83];
    b.extend_from_slice(b"\xaacluster_id");
    // ext8, 13 bytes, type 12: {1: false, 2: "cluster-"}
    b.extend_from_slice(&[0xc7, 0x0d, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa8]);
    b.extend_from_slice(b"cluster-");
    b.extend_from_slice(b"\xa4days");
    // ext8, 11 bytes, type 12: {3: [7, true], 4: [379, true]}
    b.extend_from_slice(&[
        0xc7, 0x0b, 0x0c, 0x82, 0x03, 0x92, 0x07, 0xc3, 0x04, 0x92, 0xcd, 0x01, 0x7b, 0xc3,
    ]);
    b.extend_from_slice(b"\xa2id\xc0");
    b
}

#[test]
fn the_plan_rules_keep_refinements_from_the_configuration() {
    let rules = Member::rules();
    let config = Value::object([
        ("cluster_id", cluster_id()),
        ("days", days()),
        ("id", Value::Null),
    ]);
    let proposed = proposed_new_state(&rules, &Value::Null, &config);
    let ruled = plan_by_rules(&rules, &Value::Null, &proposed, &config);
    assert!(ruled.creating);
    assert_eq!(ruled.planned.get("cluster_id"), Some(&cluster_id()));
    assert_eq!(ruled.planned.get("days"), Some(&days()));
    // Nothing was known about the id: a plain unknown, not even "not null".
    assert_eq!(ruled.planned.get("id"), Some(&Value::unknown()));
}

#[tokio::test]
async fn a_refined_unknown_in_the_configuration_is_planned_with_its_refinements() {
    let r = adapt_resource(MemberResource);
    let ty = r.schema().value_type();
    let bytes = config_bytes();
    let config = decode_msgpack(&bytes, &ty).expect("config decodes");
    assert_eq!(config.get("cluster_id"), Some(&cluster_id()));
    assert_eq!(config.get("days"), Some(&days()));

    let resp = r
        .plan(PlanRequest {
            prior_state: Value::Null,
            proposed_new_state: proposed_new_state(&Member::rules(), &Value::Null, &config),
            config: config.clone(),
            prior_private: Vec::new(),
            client_capabilities: ClientCapabilities::with_write_only(),
        })
        .await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    let planned = &resp.planned_state;
    assert_eq!(planned.get("cluster_id"), Some(&cluster_id()));
    assert_eq!(planned.get("days"), Some(&days()));
    assert_eq!(planned.get("id"), Some(&Value::unknown()));
    // On the wire: the configuration's bytes, with the id a plain unknown (extension 0).
    let mut expected = bytes[..bytes.len() - 1].to_vec();
    expected.extend_from_slice(&[0xd4, 0x00, 0x00]);
    assert_eq!(encode_msgpack(planned, &ty).expect("encodes"), expected);
}

#[tokio::test]
async fn terraform_without_refinements_plans_plain_unknowns() {
    // Terraform before 1.6 (1.0.3 among them) sends extension 0 only: nothing to keep.
    let r = adapt_resource(MemberResource);
    let config = Value::object([
        ("cluster_id", Value::unknown()),
        ("days", Value::from_i64(7)),
        ("id", Value::Null),
    ]);
    let resp = r
        .plan(PlanRequest {
            prior_state: Value::Null,
            proposed_new_state: proposed_new_state(&Member::rules(), &Value::Null, &config),
            config: config.clone(),
            prior_private: Vec::new(),
            client_capabilities: ClientCapabilities::default(),
        })
        .await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    assert_eq!(
        resp.planned_state.get("cluster_id"),
        Some(&Value::unknown())
    );
    assert_eq!(resp.planned_state.get("days"), Some(&Value::from_i64(7)));
    assert_eq!(resp.planned_state.get("id"), Some(&Value::unknown()));
}
