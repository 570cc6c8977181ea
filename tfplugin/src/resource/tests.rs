//! The adapter with a resource of its own: warnings on success, upgrades with a prior
//! model, explicit deletion, timeouts always filled.

use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::diagnostics::Severity;
use crate::interface::{ApplyRequest, PlanRequest, ReadRequest};
use crate::value::{Field, TfType, Value};
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

    async fn delete(&self, _: Note) -> Diagnostics {
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

    async fn delete(&self, prior: Note) -> Diagnostics {
        self.0.delete(prior).await
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
