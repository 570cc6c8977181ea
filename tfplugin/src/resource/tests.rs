//! The adapter with a resource of its own: warnings on success, upgrades with a prior
//! model, explicit deletion, timeouts always filled; and a resource with a `block` (a single
//! nested block, with a block and a default inside) through plan, apply, read, import and
//! upgrade.

use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::diagnostics::Severity;
use crate::interface::{ApplyRequest, PlanRequest, PlanResponse, ReadRequest, Resource};
use crate::schema::BlockNesting;
use crate::value::{Field, TfType, Type, Value};
use crate::{Model, Timeouts};

/// Version 0 of the note: its text was called `body`.
#[derive(Clone, Debug, Default, Model)]
struct NoteV0 {
    #[tf(required)]
    body: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Model)]
struct Note {
    #[tf(required)]
    text: Field<String>,
    #[tf(computed)]
    status: Field<String>,
    #[tf(timeouts(create = "7m"))]
    timeouts: Field<Timeouts>,
}

#[derive(Default)]
struct Notes {
    deletion_deletes: bool,
    timeouts_seen: Mutex<Vec<Duration>>,
    deleted: Mutex<usize>,
}

fn slow() -> Diagnostic {
    Diagnostic::warning("Slow", "The note took a while.")
}

#[async_trait]
impl TypedResource for Notes {
    type Model = Note;
    const TYPE_NAME: &'static str = "test_note";

    fn description(&self) -> String {
        "A note.".into()
    }

    fn schema_version(&self) -> i64 {
        1
    }

    fn upgraders(&self) -> Vec<Upgrader<Note>> {
        vec![Upgrader::new(0, |old: NoteV0| {
            Ok(Note {
                text: old.body,
                ..Default::default()
            })
        })]
    }

    fn deletion(&self, prior: &Note) -> Deletion {
        if self.deletion_deletes {
            Deletion::Delete
        } else {
            Deletion::Forget {
                warning: Diagnostic::warning("Kept", format!("{:?} stays.", prior.text.known())),
            }
        }
    }

    async fn delete(&self, _: Note, _timeout: std::time::Duration) -> Diagnostics {
        *self.deleted.lock().expect("lock") += 1;
        Diagnostics::new()
    }

    async fn create(
        &self,
        mut planned: Note,
        request: ChangeRequest<Note>,
    ) -> Result<Success<Note>, Failure<Note>> {
        self.timeouts_seen
            .lock()
            .expect("lock")
            .push(request.timeout);
        planned.status = Field::Known("made".into());
        Ok(Success::new(planned).warn(slow()))
    }

    async fn read(&self, current: Note) -> Result<Success<Option<Note>>, Diagnostics> {
        Ok(Success::new(Some(current)).warn(slow()))
    }

    async fn update(
        &self,
        _: Note,
        mut planned: Note,
        request: ChangeRequest<Note>,
    ) -> Result<Success<Note>, Failure<Note>> {
        self.timeouts_seen
            .lock()
            .expect("lock")
            .push(request.timeout);
        planned.status = Field::Known("changed".into());
        Ok(Success::new(planned).warn(slow()))
    }
}

fn note(text: &str, status: Option<&str>) -> Value {
    Note {
        text: Field::Known(text.into()),
        status: status.map(String::from).into(),
        timeouts: Field::Null,
    }
    .into_value()
}

fn warnings_only(d: &Diagnostics) -> Vec<String> {
    assert!(!d.has_errors(), "{d:?}");
    d.iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.summary.clone())
        .collect()
}

#[tokio::test]
async fn successful_create_update_and_read_carry_their_warnings() {
    let r = adapt_resource(Notes::default());
    let created = r
        .apply(ApplyRequest {
            prior_state: Value::Null,
            planned_state: note("hi", None),
            config: note("hi", None),
            planned_private: Vec::new(),
        })
        .await;
    assert_eq!(warnings_only(&created.diagnostics), ["Slow"]);
    assert_eq!(
        created.new_state.get("status"),
        Some(&Value::string("made"))
    );
    let updated = r
        .apply(ApplyRequest {
            prior_state: created.new_state.clone(),
            planned_state: note("bye", Some("made")),
            config: note("bye", None),
            planned_private: Vec::new(),
        })
        .await;
    assert_eq!(warnings_only(&updated.diagnostics), ["Slow"]);
    assert_eq!(
        updated.new_state.get("status"),
        Some(&Value::string("changed"))
    );
    let read = r
        .read(ReadRequest {
            current_state: updated.new_state.clone(),
            private: Vec::new(),
        })
        .await;
    assert_eq!(warnings_only(&read.diagnostics), ["Slow"]);
    assert_eq!(read.new_state, updated.new_state);
}

#[test]
fn an_upgrade_reads_the_prior_model_so_a_renamed_attribute_keeps_its_value() {
    let r = adapt_resource(Notes::default());
    // The server reads a version-0 state with the type the resource gives for it...
    let prior_type = r.prior_state_type(0).expect("version 0 has a prior model");
    let stored = br#"{"body":"remember me"}"#;
    let state = crate::value::decode_stored_json(stored, &prior_type)
        .expect("fits version 0")
        .value;
    // ...and the upgrader maps it to the current model.
    let upgraded = r.upgrade_state(0, state).expect("upgraded");
    assert_eq!(upgraded.get("text"), Some(&Value::string("remember me")));
    assert_eq!(upgraded.get("body"), None);
    // A version without an upgrader is read with the current schema and kept.
    assert_eq!(r.prior_state_type(1), None);
}

#[tokio::test]
async fn deletion_is_the_resources_choice() {
    let destroy = |prior: Value| ApplyRequest {
        prior_state: prior,
        planned_state: Value::Null,
        config: Value::Null,
        planned_private: Vec::new(),
    };
    // Forget: warned in the destroy plan, no delete call.
    let forget = std::sync::Arc::new(Notes::default());
    let r = adapt_resource(ArcNotes(forget.clone()));
    let plan = r
        .plan(PlanRequest {
            prior_state: note("hi", Some("made")),
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: Vec::new(),
            client_capabilities: Default::default(),
        })
        .await;
    assert_eq!(warnings_only(&plan.diagnostics), ["Kept"]);
    let applied = r.apply(destroy(note("hi", Some("made")))).await;
    assert_eq!(
        warnings_only(&applied.diagnostics),
        ["Kept"],
        "no destroy planned: warned at apply"
    );
    assert_eq!(applied.new_state, Value::Null);
    assert_eq!(*forget.deleted.lock().expect("lock"), 0);
    // Delete: the delete runs.
    let deletes = std::sync::Arc::new(Notes {
        deletion_deletes: true,
        ..Default::default()
    });
    let r = adapt_resource(ArcNotes(deletes.clone()));
    let applied = r.apply(destroy(note("hi", Some("made")))).await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    assert_eq!(*deletes.deleted.lock().expect("lock"), 1);
}

#[tokio::test]
async fn a_declared_timeout_is_always_filled() {
    let notes = std::sync::Arc::new(Notes::default());
    let r = adapt_resource(ArcNotes(notes.clone()));
    let mut configured = note("hi", None);
    if let Value::Object(m) = &mut configured {
        m.insert(
            "timeouts".into(),
            Value::object([("create", Value::string("90s"))]),
        );
    }
    for planned in [note("hi", None), configured] {
        let _ = r
            .apply(ApplyRequest {
                prior_state: Value::Null,
                planned_state: planned.clone(),
                config: planned,
                planned_private: Vec::new(),
            })
            .await;
    }
    // Update declares no timeout: no limit.
    let _ = r
        .apply(ApplyRequest {
            prior_state: note("hi", Some("made")),
            planned_state: note("bye", Some("made")),
            config: note("bye", None),
            planned_private: Vec::new(),
        })
        .await;
    assert_eq!(
        *notes.timeouts_seen.lock().expect("lock"),
        [
            Duration::from_secs(420),
            Duration::from_secs(90),
            NO_TIMEOUT
        ]
    );
}

/// `Notes` shared with the test, to look at what it saw.
struct ArcNotes(std::sync::Arc<Notes>);

#[async_trait]
impl TypedResource for ArcNotes {
    type Model = Note;
    const TYPE_NAME: &'static str = "test_note";

    fn description(&self) -> String {
        self.0.description()
    }

    fn deletion(&self, prior: &Note) -> Deletion {
        self.0.deletion(prior)
    }

    async fn delete(&self, prior: Note, timeout: std::time::Duration) -> Diagnostics {
        self.0.delete(prior, timeout).await
    }

    async fn create(
        &self,
        planned: Note,
        request: ChangeRequest<Note>,
    ) -> Result<Success<Note>, Failure<Note>> {
        self.0.create(planned, request).await
    }

    async fn read(&self, current: Note) -> Result<Success<Option<Note>>, Diagnostics> {
        self.0.read(current).await
    }

    async fn update(
        &self,
        prior: Note,
        planned: Note,
        request: ChangeRequest<Note>,
    ) -> Result<Success<Note>, Failure<Note>> {
        self.0.update(prior, planned, request).await
    }
}

/// The role a session assumes (`assume_role { ... }`): a block with a default and a block
/// of its own.
#[derive(Clone, Debug, Default, PartialEq, Model)]
struct Role {
    #[tf(required)]
    arn: Field<String>,
    /// `1h` when left out.
    #[tf(optional, computed, default = "1h")]
    duration: Field<String>,
    #[tf(optional, block)]
    tags: Field<RoleTags>,
}

#[derive(Clone, Debug, Default, PartialEq, Model)]
struct RoleTags {
    #[tf(optional, computed, default = "ops")]
    team: Field<String>,
}

/// Version 0 of the session: the role's ARN was an attribute, `role_arn`.
#[derive(Clone, Debug, Default, Model)]
struct SessionV0 {
    #[tf(required)]
    role_arn: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Model)]
struct Session {
    #[tf(computed)]
    id: Field<String>,
    /// The role to assume.
    #[tf(optional, block)]
    assume_role: Field<Role>,
}

fn role(arn: &str) -> Role {
    Role {
        arn: Field::Known(arn.into()),
        duration: Field::Known("1h".into()),
        tags: Field::Null,
    }
}

struct Sessions;

#[async_trait]
impl TypedResource for Sessions {
    type Model = Session;
    const TYPE_NAME: &'static str = "test_session";

    fn description(&self) -> String {
        "A session.".into()
    }

    fn schema_version(&self) -> i64 {
        1
    }

    fn upgraders(&self) -> Vec<Upgrader<Session>> {
        vec![Upgrader::new(0, |old: SessionV0| {
            let arn = old.role_arn.known().cloned().unwrap_or_default();
            Ok(Session {
                id: Field::Known(format!("s-{arn}")),
                assume_role: Field::Known(role(&arn)),
            })
        })]
    }

    fn deletion(&self, _: &Session) -> Deletion {
        Deletion::Delete
    }

    async fn delete(&self, _: Session, _timeout: std::time::Duration) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(
        &self,
        mut planned: Session,
        _: ChangeRequest<Session>,
    ) -> Result<Success<Session>, Failure<Session>> {
        let arn = match &planned.assume_role {
            Field::Known(role) => role.arn.known().cloned().unwrap_or_default(),
            _ => "none".into(),
        };
        planned.id = Field::Known(format!("s-{arn}"));
        Ok(planned.into())
    }

    async fn read(&self, current: Session) -> Result<Success<Option<Session>>, Diagnostics> {
        Ok(Some(current).into())
    }

    async fn update(
        &self,
        _: Session,
        planned: Session,
        request: ChangeRequest<Session>,
    ) -> Result<Success<Session>, Failure<Session>> {
        self.create(planned, request).await
    }

    async fn import(&self, id: &str) -> Result<Session, Diagnostics> {
        Ok(Session {
            id: Field::Known(format!("s-{id}")),
            assume_role: Field::Known(role(id)),
        })
    }
}

/// A session's configuration: `assume_role { arn = ... }` with `tags { }` inside when
/// `tags`, or no block at all.
fn session_config(arn: Option<&str>, tags: bool) -> Value {
    let block = arn.map_or(Value::Null, |arn| {
        Value::object([
            ("arn", Value::string(arn)),
            ("duration", Value::Null),
            (
                "tags",
                if tags {
                    Value::object([("team", Value::Null)])
                } else {
                    Value::Null
                },
            ),
        ])
    });
    Value::object([("id", Value::Null), ("assume_role", block)])
}

async fn plan_session(r: &dyn Resource, prior: &Value, config: &Value) -> PlanResponse {
    let plan = r
        .plan(PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: crate::plan_rules::proposed_new_state(
                &Session::rules(),
                prior,
                config,
            ),
            config: config.clone(),
            prior_private: Vec::new(),
            client_capabilities: Default::default(),
        })
        .await;
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    plan
}

async fn apply_session(r: &dyn Resource, prior: &Value, planned: &Value, config: &Value) -> Value {
    let applied = r
        .apply(ApplyRequest {
            prior_state: prior.clone(),
            planned_state: planned.clone(),
            config: config.clone(),
            planned_private: Vec::new(),
        })
        .await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    applied.new_state
}

#[test]
fn a_block_field_is_a_single_nested_block_of_the_schema() {
    let schema = adapt_resource(Sessions).schema();
    assert_eq!(schema.check(), Ok(()));
    assert!(
        schema.block.attribute("assume_role").is_none(),
        "not an attribute"
    );
    let [assume_role] = schema.block.blocks.as_slice() else {
        panic!("one block: {:?}", schema.block.blocks);
    };
    assert_eq!(assume_role.type_name, "assume_role");
    assert_eq!(assume_role.nesting, BlockNesting::Single);
    assert_eq!((assume_role.min_items, assume_role.max_items), (0, 0));
    assert_eq!(assume_role.block.description, "The role to assume.");
    assert!(assume_role
        .block
        .attribute("arn")
        .is_some_and(|a| a.required));
    assert_eq!(assume_role.block.blocks[0].type_name, "tags");
    // The model's type and the schema's agree, the block included.
    let role_type = Type::object([
        ("arn", Type::String),
        ("duration", Type::String),
        ("tags", Type::object([("team", Type::String)])),
    ]);
    let session_type = Type::object([("id", Type::String), ("assume_role", role_type)]);
    assert_eq!(Session::value_type(), session_type);
    assert_eq!(schema.value_type(), session_type);
}

#[tokio::test]
async fn a_block_plans_as_configured_with_its_defaults_and_round_trips() {
    let r = adapt_resource(Sessions);
    let r = r.as_ref();
    // Create: the block as configured, defaults filled at each depth; the id unknown.
    let config = session_config(Some("arn:role/a"), true);
    let plan = plan_session(r, &Value::Null, &config).await;
    let planned_role = plan.planned_state.get("assume_role").expect("the block");
    assert_eq!(planned_role.get("arn"), Some(&Value::string("arn:role/a")));
    assert_eq!(planned_role.get("duration"), Some(&Value::string("1h")));
    assert_eq!(
        planned_role.get("tags"),
        Some(&Value::object([("team", Value::string("ops"))])),
        "a block in the block, its default filled"
    );
    assert!(plan.planned_state.get("id").is_some_and(Value::is_unknown));
    let state = apply_session(r, &Value::Null, &plan.planned_state, &config).await;
    assert_eq!(state.get("id"), Some(&Value::string("s-arn:role/a")));
    assert_eq!(state.get("assume_role"), Some(planned_role));

    // The same configuration: no change. A read keeps the state.
    assert_eq!(plan_session(r, &state, &config).await.planned_state, state);
    let read = r
        .read(ReadRequest {
            current_state: state.clone(),
            private: Vec::new(),
        })
        .await;
    assert_eq!(read.new_state, state);

    // A change inside the block is an update: what is computed outside it is unknown.
    let other = session_config(Some("arn:role/b"), true);
    let plan = plan_session(r, &state, &other).await;
    assert!(plan.requires_replace.is_empty());
    assert!(plan.planned_state.get("id").is_some_and(Value::is_unknown));
    let changed = plan.planned_state.get("assume_role").expect("the block");
    assert_eq!(changed.get("arn"), Some(&Value::string("arn:role/b")));

    // The block left out: planned null (and a change), not kept from the state.
    let plan = plan_session(r, &state, &session_config(None, false)).await;
    assert_eq!(plan.planned_state.get("assume_role"), Some(&Value::Null));
    assert!(plan.planned_state.get("id").is_some_and(Value::is_unknown));
    let gone = session_config(None, false);
    let state = apply_session(r, &state, &plan.planned_state, &gone).await;
    assert_eq!(state.get("id"), Some(&Value::string("s-none")));
    assert_eq!(state.get("assume_role"), Some(&Value::Null));
}

#[tokio::test]
async fn a_block_is_imported_and_upgraded_into() {
    let r = adapt_resource(Sessions);
    let imported = r.import("arn:role/i").await;
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    let [state] = imported.states.as_slice() else {
        panic!("one state");
    };
    let expected = Session {
        id: Field::Known("s-arn:role/i".into()),
        assume_role: Field::Known(role("arn:role/i")),
    };
    assert_eq!(state, &expected.clone().into_value());
    // Read back as the model: the block is the `Field<Role>`.
    let read = crate::model::decode::<Session>(state).expect("fits");
    assert_eq!(read, Some(expected));

    // Version 0 had the ARN at the top; the upgrader moves it into the block.
    let prior_type = r.prior_state_type(0).expect("version 0");
    assert_eq!(prior_type, SessionV0::value_type());
    let stored = crate::value::decode_stored_json(br#"{"role_arn":"arn:role/old"}"#, &prior_type)
        .expect("fits version 0")
        .value;
    let upgraded = r.upgrade_state(0, stored).expect("upgraded");
    assert_eq!(
        upgraded.get("assume_role").and_then(|b| b.get("arn")),
        Some(&Value::string("arn:role/old"))
    );
    // A state of the current version keeps its block.
    let current = Session {
        id: Field::Known("s-x".into()),
        assume_role: Field::Known(role("x")),
    }
    .into_value();
    assert_eq!(r.upgrade_state(1, current.clone()).expect("kept"), current);
}
