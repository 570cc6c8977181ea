//! Disaster recovery as code, through the real Terraform CLI against the emulator (its
//! regions, backups and copies): a backup copied to another region exactly once and waited
//! until READY, `never_expires` and tags changed in place, import, drift (a copy deleted
//! outside Terraform is restored), destroy, the newest backup found by `cloudhsm_backups`,
//! the retention exemption, bad input refused at plan time before any call, and an apply
//! killed at each step of a copy that the next apply finishes with no second
//! CopyBackupToRegion.

mod support;

use std::time::Duration;

use cloudhsm_emulator::{
    BackupSpec, Behaviour, ClusterSpec, Control, Emulator, EmulatorConfig, Fault, FaultKind,
    Timings, Trigger,
};
use serde_json::Value;
use support::{flat, Workspace};

/// The provider's region (the source) and the region copies go to.
const SOURCE: &str = "us-east-1";
const DEST: &str = "eu-west-1";

/// An emulator, a workspace, an ACTIVE cluster and one READY backup of it.
struct Dr {
    _emulator: Emulator,
    control: Control,
    ws: Workspace,
    cluster: String,
    backup: String,
}

impl Dr {
    async fn start(timings: Timings, behaviour: Behaviour) -> Option<Dr> {
        let tf = support::terraform()?;
        let emulator = Emulator::start_with(EmulatorConfig {
            timings,
            behaviour,
            ..Default::default()
        })
        .await
        .expect("emulator starts");
        let control = emulator.control();
        let ws = Workspace::new(tf, &emulator.endpoint_url());
        let cluster = control.seed_cluster(ClusterSpec {
            state: Some("ACTIVE".into()),
            ..Default::default()
        });
        let backup = control.seed_backup(BackupSpec {
            cluster_id: Some(cluster.clone()),
            ..Default::default()
        });
        Some(Dr {
            _emulator: emulator,
            control,
            ws,
            cluster,
            backup,
        })
    }

    /// `main.tf`: a copy of the backup to DEST with `arguments`.
    fn write_copy(&self, arguments: &str) {
        self.ws.write(&format!(
            "resource \"cloudhsm_backup_copy\" \"dr\" {{\n  source_backup_id   = \"{}\"\n  destination_region = \"{DEST}\"\n{arguments}\n}}\n",
            self.backup
        ));
    }

    /// The copies of the backup the emulator holds (any state), as it stores them.
    fn copies(&self) -> Vec<Value> {
        self.control
            .backup_ids()
            .iter()
            .filter_map(|id| self.control.backup_json(id))
            .filter(|b| b["SourceBackup"] == self.backup.as_str())
            .collect()
    }

    /// The one copy; fails the test when there is not exactly one.
    fn the_copy(&self) -> Value {
        let copies = self.copies();
        assert_eq!(copies.len(), 1, "exactly one copy: {copies:?}");
        copies.into_iter().next().expect("a copy")
    }

    /// The source backup's tag keys.
    fn source_tag_keys(&self) -> Vec<String> {
        tag_keys(&self.control.backup_json(&self.backup).expect("the source"))
    }

    fn copied(&self) -> usize {
        self.control.call_count("CopyBackupToRegion")
    }
}

fn tag_keys(backup: &Value) -> Vec<String> {
    backup["TagList"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t["Key"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn quick() -> Timings {
    Timings::instant()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_is_made_once_changed_in_place_imported_restored_and_destroyed() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    dr.write_copy("  never_expires = true\n  tags = { purpose = \"dr\" }");
    dr.ws.apply().ok();
    assert_eq!(dr.copied(), 1);
    let copy = dr.the_copy();
    let copy_id = copy["BackupId"].as_str().expect("id").to_string();
    assert_eq!(dr.control.backup_region(&copy_id).as_deref(), Some(DEST));
    assert_eq!(copy["BackupState"], "READY");
    assert_eq!(copy["NeverExpires"], true);
    assert_eq!(
        tag_keys(&copy),
        vec!["purpose".to_string()],
        "the marker did not travel"
    );
    assert!(
        dr.source_tag_keys().is_empty(),
        "the marker is gone from the source"
    );
    let state = dr.ws.resource("cloudhsm_backup_copy.dr").expect("in state");
    assert_eq!(state["backup_id"], copy_id.as_str());
    assert_eq!(state["source_region"], SOURCE);
    assert_eq!(state["state"], "READY");
    assert!(dr.ws.plan_is_empty(), "a second plan is empty");

    // In place: never_expires and tags; no second copy.
    dr.write_copy("  never_expires = false\n  tags = { owner = \"pki\" }");
    dr.ws.apply().ok();
    let copy = dr.the_copy();
    assert_eq!(copy["NeverExpires"], false);
    assert_eq!(tag_keys(&copy), vec!["owner".to_string()]);
    assert_eq!(dr.copied(), 1);
    assert!(dr.ws.plan_is_empty());

    // Import: from the state's point of view, the same copy, and nothing to change.
    dr.ws.run(&["state", "rm", "cloudhsm_backup_copy.dr"]).ok();
    dr.ws
        .run(&[
            "import",
            "-no-color",
            "cloudhsm_backup_copy.dr",
            &format!("{DEST}/{copy_id}"),
        ])
        .ok();
    assert!(
        dr.ws.plan_is_empty(),
        "the imported copy matches the configuration"
    );

    // Deleted outside Terraform: the plan makes a new copy; the apply restores this one.
    dr.control.set_backup_state(&copy_id, "PENDING_DELETION");
    let plan = dr.ws.plan().ok();
    assert!(flat(&plan.stdout).contains("1 to add"), "{}", plan.stdout);
    dr.ws.apply().ok();
    assert_eq!(dr.copied(), 1, "restored, not copied again");
    assert!(dr.control.call_count("RestoreBackup") >= 1);
    assert_eq!(dr.the_copy()["BackupState"], "READY");

    // Destroy: DeleteBackup, the copy restorable for 7 days.
    dr.ws.run(&["destroy", "-auto-approve", "-no-color"]).ok();
    assert_eq!(dr.the_copy()["BackupState"], "PENDING_DELETION");
    assert!(!dr.the_copy()["DeleteTimestamp"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_backup_is_found_copied_never_expiring_and_its_source_kept() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    let older = dr.control.seed_backup(BackupSpec {
        cluster_id: Some(dr.cluster.clone()),
        create_timestamp: Some(std::time::SystemTime::now() - Duration::from_secs(86_400)),
        ..Default::default()
    });
    dr.ws.write(&format!(
        "data \"cloudhsm_backups\" \"latest\" {{\n  cluster_id  = \"{}\"\n  state       = \"READY\"\n  most_recent = true\n}}\n\n\
         data \"cloudhsm_backups\" \"all\" {{\n  cluster_id = \"{}\"\n}}\n\n\
         resource \"cloudhsm_backup_copy\" \"dr\" {{\n  source_backup_id   = data.cloudhsm_backups.latest.backups[0].backup_id\n  destination_region = \"{DEST}\"\n  never_expires      = true\n}}\n\n\
         resource \"cloudhsm_backup_retention_exemption\" \"oldest\" {{\n  backup_id = data.cloudhsm_backups.all.ids[length(data.cloudhsm_backups.all.ids) - 1]\n}}\n\n\
         output \"all\" {{\n  value = data.cloudhsm_backups.all.ids\n}}\n",
        dr.cluster, dr.cluster
    ));
    dr.ws.apply().ok();
    assert_eq!(
        dr.the_copy()["SourceBackup"],
        dr.backup.as_str(),
        "the newest was copied"
    );
    let exempt = dr.control.backup_json(&older).expect("the older backup");
    assert_eq!(exempt["NeverExpires"], true, "the oldest is kept");
    let all = dr.ws.run(&["output", "-json", "all"]).ok();
    let ids: Vec<String> = serde_json::from_str(&all.stdout).expect("ids");
    assert_eq!(ids, vec![dr.backup.clone(), older.clone()], "newest first");
    assert!(dr.ws.plan_is_empty());
    // Losing its exemption outside Terraform plans the exemption again.
    dr.control.set_behaviour(Behaviour::default());
    dr.ws
        .run(&[
            "destroy",
            "-auto-approve",
            "-no-color",
            "-target=cloudhsm_backup_retention_exemption.oldest",
        ])
        .ok();
    assert_eq!(
        dr.control.backup_json(&older).expect("older")["NeverExpires"],
        false
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_plan_time_before_any_call() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    let cases = [
        (
            "resource \"cloudhsm_backup_copy\" \"a\" {\n  source_backup_id   = \"backup-1\"\n  destination_region = \"eu-west-1\"\n}\n",
            "Invalid backup id",
        ),
        (
            "resource \"cloudhsm_backup_copy\" \"b\" {\n  source_backup_id   = \"backup-abcdefghijk\"\n  destination_region = \"Frankfurt\"\n}\n",
            "\"Frankfurt\" does not look like an AWS region",
        ),
        (
            "resource \"cloudhsm_backup_copy\" \"c\" {\n  source_backup_id   = \"backup-abcdefghijk\"\n  destination_region = \"us-east-1\"\n}\n",
            "A copy must go to another region",
        ),
        (
            "resource \"cloudhsm_backup_copy\" \"d\" {\n  source_backup_id   = \"backup-abcdefghijk\"\n  source_region      = \"eu-west-1\"\n  destination_region = \"eu-west-1\"\n}\n",
            "A copy must go to another region",
        ),
        (
            "data \"cloudhsm_backups\" \"x\" {\n  state = \"READYY\"\n}\n",
            "\"READYY\" is not a backup state",
        ),
        (
            "resource \"cloudhsm_backup_copy\" \"e\" {\n  source_backup_id   = \"backup-abcdefghijk\"\n  destination_region = \"eu-west-1\"\n  tags = { \"aws:owner\" = \"me\" }\n}\n",
            "starts with `aws:`, which AWS keeps for its own tags",
        ),
    ];
    for (body, expected) in cases {
        dr.ws.write(body);
        let text = flat(&dr.ws.plan().fails().all());
        assert!(text.contains(expected), "{expected}: {text}");
    }
    // A default tag from the environment that CloudHSM would refuse.
    dr.write_copy("");
    let run = dr.ws.run_with_env(
        &["plan", "-no-color", "-input=false"],
        &[("TF_AWS_DEFAULT_TAGS_Team", "semi;colon")],
    );
    let text = flat(&run.fails().all());
    assert!(
        text.contains("Invalid default tag in the environment")
            && text.contains("TF_AWS_DEFAULT_TAGS_"),
        "{text}"
    );
    for op in [
        "CopyBackupToRegion",
        "TagResource",
        "ModifyBackupAttributes",
        "DeleteBackup",
    ] {
        assert_eq!(dr.control.call_count(op), 0, "{op} was called");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_region_that_is_not_enabled_is_said_and_leaves_no_marker() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    dr.control.disable_region(DEST);
    dr.write_copy("");
    let text = flat(&dr.ws.apply().fails().all());
    assert!(text.contains("not enabled for the account"), "{text}");
    assert!(text.contains("UnrecognizedClientException"), "{text}");
    assert!(dr.copies().is_empty());
    assert_eq!(dr.copied(), 0);
    assert!(
        dr.source_tag_keys().is_empty(),
        "the marker was removed: {:?}",
        dr.source_tag_keys()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_being_taken_is_waited_for_and_one_pending_deletion_refused() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    // Being taken: copied once READY.
    let taking = dr.control.seed_backup(BackupSpec {
        cluster_id: Some(dr.cluster.clone()),
        state: Some("CREATE_IN_PROGRESS".into()),
        ready_after: Some(Duration::from_secs(3)),
        ..Default::default()
    });
    dr.ws.write(&format!(
        "resource \"cloudhsm_backup_copy\" \"dr\" {{\n  source_backup_id   = \"{taking}\"\n  destination_region = \"{DEST}\"\n}}\n"
    ));
    dr.ws.apply().ok();
    assert_eq!(dr.copied(), 1);
    // Pending deletion: refused with what to do, and nothing asked of CloudHSM.
    let doomed = dr.control.seed_backup(BackupSpec {
        cluster_id: Some(dr.cluster.clone()),
        state: Some("PENDING_DELETION".into()),
        ..Default::default()
    });
    dr.ws.write(&format!(
        "resource \"cloudhsm_backup_copy\" \"dr\" {{\n  source_backup_id   = \"{doomed}\"\n  destination_region = \"{DEST}\"\n}}\n"
    ));
    let text = flat(&dr.ws.apply().fails().all());
    assert!(text.contains("only a READY backup can be copied"), "{text}");
    assert!(text.contains("RestoreBackup"), "{text}");
    assert_eq!(dr.copied(), 1, "no second CopyBackupToRegion");
}

/// One way to interrupt an apply of a copy: what to set up before it, and when to kill it.
struct Kill {
    name: &'static str,
    timings: Timings,
    behaviour: Behaviour,
    faults: Vec<Fault>,
    /// Kill once this holds.
    when: fn(&Dr) -> bool,
}

/// `operation` hangs (never handled, never answered) after `after` calls went through.
fn hang(operation: &str, after: u32) -> Vec<Fault> {
    vec![Fault {
        operation: Some(operation.to_string()),
        kind: FaultKind::Hang,
        trigger: Trigger::AfterCalls {
            skip: after,
            then: 1,
        },
    }]
}

async fn killed_then_finished(kill: Kill) {
    let Some(dr) = Dr::start(kill.timings, kill.behaviour).await else {
        return;
    };
    for f in &kill.faults {
        dr.control.inject(f.clone());
    }
    dr.write_copy("  never_expires = true\n  tags = { purpose = \"dr\" }");
    // Terraform and its plugin killed at one instant (unix: SIGKILL to its process group;
    // Windows: its job object terminated), as when a CI job is cancelled.
    let mut apply = support::Tree::spawn(&mut dr.ws.command(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[],
    ));
    let reached = tokio::task::block_in_place(|| support::wait_until(|| (kill.when)(&dr)));
    assert!(
        reached,
        "{}: the apply never reached the point to kill it",
        kill.name
    );
    apply.kill_all_at_once();
    let _ = apply.wait();
    dr.control.clear_faults();
    let run = dr.ws.apply();
    assert!(
        run.success,
        "{}: the next apply failed:\n{}",
        kill.name,
        run.all()
    );
    assert_eq!(
        dr.copied(),
        1,
        "{}: CopyBackupToRegion more than once",
        kill.name
    );
    let copy = dr.the_copy();
    assert_eq!(copy["BackupState"], "READY", "{}", kill.name);
    assert_eq!(copy["NeverExpires"], true, "{}", kill.name);
    assert_eq!(
        tag_keys(&copy),
        vec!["purpose".to_string()],
        "{}",
        kill.name
    );
    assert!(
        dr.source_tag_keys().is_empty(),
        "{}: marker left",
        kill.name
    );
    assert!(
        dr.ws.plan_is_empty(),
        "{}: a plan after it is empty",
        kill.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_before_the_copy_was_asked_for() {
    killed_then_finished(Kill {
        name: "while marking the source",
        timings: quick(),
        behaviour: Behaviour::default(),
        faults: hang("TagResource", 0),
        when: |dr| dr.control.attempts("TagResource") >= 1,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_copy_was_accepted_before_that_was_noted() {
    // The copy shows 5 s after the call, later than the kill: the next apply finds the
    // marker still `requested`, waits for the copy, and adopts it.
    killed_then_finished(Kill {
        name: "after CopyBackupToRegion, before the accepted marker",
        timings: Timings {
            copy_visible_after: Duration::from_secs(5),
            ..quick()
        },
        behaviour: Behaviour::default(),
        faults: hang("TagResource", 1),
        when: |dr| dr.copied() == 1 && dr.control.attempts("TagResource") >= 2,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_the_copy_is_not_visible_yet() {
    // The copy shows 40 s after the call, longer than the wait for a `requested` marker:
    // only the `accepted` marker keeps the next apply from copying again.
    killed_then_finished(Kill {
        name: "accepted, the copy not visible",
        timings: quick(),
        behaviour: Behaviour {
            copy_visibility_lag: Some(Duration::from_secs(40)),
            ..Behaviour::default()
        },
        faults: vec![],
        when: |dr| dr.copied() == 1 && dr.control.call_count("TagResource") >= 2,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_waiting_for_the_copy_to_be_ready() {
    killed_then_finished(Kill {
        name: "the copy CREATE_IN_PROGRESS",
        timings: Timings {
            copy_ready_after: Duration::from_secs(6),
            ..quick()
        },
        behaviour: Behaviour::default(),
        faults: vec![],
        when: |dr| !dr.copies().is_empty(),
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_setting_never_expires_or_removing_the_marker() {
    killed_then_finished(Kill {
        name: "during ModifyBackupAttributes",
        timings: quick(),
        behaviour: Behaviour::default(),
        faults: hang("ModifyBackupAttributes", 0),
        when: |dr| dr.control.attempts("ModifyBackupAttributes") >= 1,
    })
    .await;
    killed_then_finished(Kill {
        name: "while removing the marker",
        timings: quick(),
        behaviour: Behaviour::default(),
        faults: hang("UntagResource", 0),
        when: |dr| dr.control.attempts("UntagResource") >= 1,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_never_shows_up_ends_in_an_error_and_is_never_asked_for_twice() {
    let Some(dr) = Dr::start(
        quick(),
        Behaviour {
            copy_never_appears: true,
            ..Behaviour::default()
        },
    )
    .await
    else {
        return;
    };
    dr.write_copy("  timeouts = { create = \"3s\" }");
    let text = flat(&dr.ws.apply().fails().all());
    assert!(text.contains("The copy did not show up"), "{text}");
    assert!(text.contains("never asks for a second one"), "{text}");
    // The next run waits for the same copy rather than asking again.
    let _ = dr.ws.apply().fails();
    assert_eq!(dr.copied(), 1);
}

/// The tags the emulator holds on `backup`.
fn tags_of(backup: &Value) -> std::collections::BTreeMap<String, String> {
    backup["TagList"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t["Key"].as_str()?.into(), t["Value"].as_str()?.into())))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The provider block's `default_tags` go under the copy's own tags (`tags_all` shows the
/// merge; a new default is an in-place update), and a key of its `ignore_tags` that another
/// tool sets is neither drift nor removed, while any other key set outside is drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_tags_go_under_the_copys_own_and_ignored_keys_are_left_alone() {
    let Some(dr) = Dr::start(quick(), Behaviour::default()).await else {
        return;
    };
    // The provider block with `rules` before its endpoints, `extra` resources, and the copy.
    let write_with = |rules: &str, extra: &str| {
        let provider =
            dr.ws
                .provider_block()
                .replacen("  endpoints", &format!("{rules}  endpoints"), 1);
        dr.ws.write_raw(&format!(
            "{provider}\n{extra}resource \"cloudhsm_backup_copy\" \"dr\" {{\n  source_backup_id   = \"{}\"\n  destination_region = \"{DEST}\"\n  tags = {{ Env = \"dr\", Name = \"copy\" }}\n}}\n",
            dr.backup
        ));
    };
    let write = |team: &str| {
        write_with(
            &format!(
                "  default_tags {{\n    tags = {{ Team = \"{team}\", Env = \"prod\" }}\n  }}\n  \
                 ignore_tags {{\n    key_prefixes = [\"ops:\"]\n  }}\n"
            ),
            "",
        )
    };
    write("pki");
    let plan = dr.ws.plan().ok();
    assert!(
        flat(&plan.stdout).contains("Team") && flat(&plan.stdout).contains("tags_all"),
        "the plan shows the merged tags:\n{}",
        plan.stdout
    );
    dr.ws.apply().ok();
    let copy = dr.the_copy();
    let copy_id = copy["BackupId"].as_str().expect("id").to_string();
    assert_eq!(
        tags_of(&copy),
        map(&[("Team", "pki"), ("Env", "dr"), ("Name", "copy")]),
        "the copy's own Env wins over the default"
    );
    let state = dr.ws.resource("cloudhsm_backup_copy.dr").expect("in state");
    assert_eq!(
        state["tags"],
        serde_json::json!({"Env": "dr", "Name": "copy"})
    );
    assert_eq!(
        state["tags_all"],
        serde_json::json!({"Team": "pki", "Env": "dr", "Name": "copy"})
    );
    assert!(dr.ws.plan_is_empty(), "a second plan is empty");

    // Another tool's key under an ignored prefix: no drift.
    assert!(dr.control.tag_backup(&copy_id, "ops:scanned", "yes"));
    assert!(dr.ws.plan_is_empty(), "an ignored key is no drift");
    // Any other key set outside is drift, which the plan removes in place.
    assert!(dr.control.tag_backup(&copy_id, "Added", "outside"));
    let plan = dr.ws.plan().ok();
    let said = flat(&plan.stdout);
    assert!(
        said.contains("0 to add, 1 to change") && said.contains("Added"),
        "{}",
        plan.stdout
    );

    // A new default: an in-place update, no second copy, the ignored key kept.
    write("security");
    dr.ws.apply().ok();
    assert_eq!(dr.copied(), 1);
    assert_eq!(
        tags_of(&dr.the_copy()),
        map(&[
            ("Team", "security"),
            ("Env", "dr"),
            ("Name", "copy"),
            ("ops:scanned", "yes")
        ]),
        "the default changed, the key set outside removed, the ignored key kept"
    );
    let state = dr.ws.resource("cloudhsm_backup_copy.dr").expect("in state");
    assert_eq!(state["tags_all"]["Team"], "security");
    assert!(state["tags_all"].get("ops:scanned").is_none());
    assert!(dr.ws.plan_is_empty(), "nothing left to change");

    // The AWS provider's variables: a default tag from the environment (the block's value
    // wins on Team), and a key to ignore.
    let env = [
        ("TF_AWS_DEFAULT_TAGS_Source", "ci"),
        ("TF_AWS_DEFAULT_TAGS_Team", "from-env"),
        ("TF_AWS_IGNORE_TAGS_KEYS", "Scanner"),
    ];
    assert!(dr.control.tag_backup(&copy_id, "Scanner", "seen"));
    dr.ws
        .run_with_env(
            &["apply", "-auto-approve", "-no-color", "-input=false"],
            &env,
        )
        .ok();
    assert_eq!(
        tags_of(&dr.the_copy()),
        map(&[
            ("Team", "security"),
            ("Env", "dr"),
            ("Name", "copy"),
            ("Source", "ci"),
            ("ops:scanned", "yes"),
            ("Scanner", "seen")
        ])
    );
    let plan = dr
        .ws
        .run_with_env(&["plan", "-no-color", "-input=false"], &env)
        .ok();
    assert!(
        flat(&plan.stdout).contains("No changes."),
        "the same environment: nothing to change (an ignored key is no drift):\n{}",
        plan.stdout
    );

    // Default tags that come from a resource not made yet: the copy that exists is still
    // refreshed, its tags_all planned unknown, and the apply sets the value it learns.
    let tf = support::terraform().expect("terraform");
    if support::terraform_version(&tf) < (1, 4, 0) {
        eprintln!("not applicable below: terraform_data needs Terraform 1.4");
        return;
    }
    write_with(
        "  default_tags {\n    tags = { Team = terraform_data.team.output }\n  }\n",
        "resource \"terraform_data\" \"team\" {\n  input = \"late\"\n}\n\n",
    );
    let plan = dr.ws.plan().ok();
    assert!(
        flat(&plan.stdout).contains("tags_all") && flat(&plan.stdout).contains("known after apply"),
        "{}",
        plan.stdout
    );
    dr.ws.apply().ok();
    assert_eq!(
        tags_of(&dr.the_copy()).get("Team").map(String::as_str),
        Some("late")
    );
    assert_eq!(dr.copied(), 1);
    assert!(dr.ws.plan_is_empty(), "nothing left to change");
}
