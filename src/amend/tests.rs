//! One test per rule of the module docs, on a small plan whose failover
//! stopped at the probe after db's VMs: `before` wait and VMs succeeded,
//! the probe failed, web never started.

use std::collections::BTreeMap;

use super::{AmendError, Amendment, Conflict, Reached, RunPlan, amend};
use crate::clock::Timestamp;
use crate::graph::{Operation, StepGraph};
use crate::journal::replay::StepRecord;
use crate::journal::{RunId, RunState, StepStatus};
use crate::plan::Plan;
use crate::source::SourceFile;

const PLAN: &str = r#"
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  defaults { retries 1 }

  group db {
    vm db-01, db-02
    before failover { wait 10s }
    after failover {
      probe "http://old/health" { expect 200  within 1m }
    }
    before failback { wait 5s }
  }

  group web needs db {
    vm web-01
  }
}
"#;

fn compiled(text: &str) -> (Plan, StepGraph) {
    let (plan, diagnostics) = crate::compile(&SourceFile::new("shop.drplan", text));
    let plan = plan.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let graph = crate::graph::build(&plan, Operation::Failover, None);
    (plan, graph)
}

fn record(status: Option<StepStatus>, attempts: u32, in_flight: bool) -> StepRecord {
    StepRecord {
        status,
        attempts,
        in_flight,
        job: None,
    }
}

/// The run as it stopped: everything of db but its probe succeeded, the
/// probe failed twice (`retries 1`), web did not start.
fn stopped_at_probe() -> Vec<(&'static str, StepRecord)> {
    let ok = || record(Some(StepStatus::Succeeded), 1, false);
    vec![
        ("hook:db/before/1", ok()),
        ("vm:db/db-01", ok()),
        ("vm:db/db-02", ok()),
        (
            "hook:db/after/1",
            record(Some(StepStatus::Failed), 2, false),
        ),
        ("vm:web/web-01", record(Some(StepStatus::Skipped), 0, false)),
    ]
}

fn state(steps: Vec<(&'static str, StepRecord)>) -> RunState {
    let at = Timestamp(std::time::SystemTime::UNIX_EPOCH);
    RunState {
        run_id: RunId("20260101-000000-0000".into()),
        plan: "shop".into(),
        operation: Operation::Failover,
        settings: None,
        started: at,
        last: at,
        finished: None,
        steps: steps
            .into_iter()
            .map(|(id, r)| (id.to_string(), r))
            .collect::<BTreeMap<_, _>>(),
        plan_revision: 0,
    }
}

fn check(new: &str, state: &RunState) -> Result<Amendment, AmendError> {
    let (old_plan, old_graph) = compiled(PLAN);
    let (new_plan, new_graph) = compiled(new);
    amend(
        RunPlan {
            plan: &old_plan,
            graph: &old_graph,
        },
        RunPlan {
            plan: &new_plan,
            graph: &new_graph,
        },
        state,
    )
}

fn lines(new: &str, state: &RunState) -> Vec<String> {
    match check(new, state) {
        Ok(amendment) => amendment.lines(),
        Err(e) => panic!("refused: {e:?}"),
    }
}

fn conflicts(new: &str, state: &RunState) -> Vec<Conflict> {
    match check(new, state) {
        Ok(amendment) => panic!("accepted: {:?}", amendment.lines()),
        Err(AmendError::Refused { conflicts, .. }) => conflicts,
    }
}

fn edited(from: &str, to: &str) -> String {
    assert!(PLAN.contains(from), "{from}");
    PLAN.replacen(from, to, 1)
}

#[test]
fn the_same_plan_is_no_change() {
    assert!(lines(PLAN, &state(stopped_at_probe())).is_empty());
}

#[test]
fn comments_and_layout_are_no_change() {
    let text = PLAN
        .replace(
            "  vm db-01, db-02",
            "  # the database\n    vm db-01,   db-02",
        )
        .replace(
            "expect 200  within 1m",
            "\n        expect 200\n        within 60s\n      ",
        );
    assert!(lines(&text, &state(stopped_at_probe())).is_empty());
}

#[test]
fn fixing_the_url_of_the_probe_that_failed_is_allowed() {
    let text = edited("http://old/health", "http://new/health");
    assert_eq!(
        lines(&text, &state(stopped_at_probe())),
        [r#"hook:db/after/1 (probe): url "http://old/health" → "http://new/health""#]
    );
}

#[test]
fn more_retries_for_the_step_that_failed_are_allowed() {
    let text = edited("within 1m }", "within 1m  retries 3 }");
    assert_eq!(
        lines(&text, &state(stopped_at_probe())),
        ["hook:db/after/1 (probe): retries 1 → 3"]
    );
}

#[test]
fn more_retries_plan_wide_are_allowed_while_nothing_succeeded() {
    let text = edited("defaults { retries 1 }", "defaults { retries 3 }");
    let failed_first = state(vec![(
        "hook:db/before/1",
        record(Some(StepStatus::Failed), 2, false),
    )]);
    // One line for `defaults`, not one per step inheriting it.
    assert_eq!(lines(&text, &failed_first), ["defaults: retries 1 → 3"]);
}

#[test]
fn more_retries_plan_wide_are_refused_for_the_steps_that_succeeded() {
    let text = edited("defaults { retries 1 }", "defaults { retries 3 }");
    let found = conflicts(&text, &state(stopped_at_probe()));
    let named: Vec<&str> = found
        .iter()
        .map(|c| match c {
            Conflict::StepChanged {
                step,
                reached: Reached::Succeeded,
                changes,
                inherited: true,
            } => {
                assert_eq!(changes, &["retries 1 → 3 (from defaults)"]);
                step.as_str()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(named, ["hook:db/before/1", "vm:db/db-01", "vm:db/db-02"]);
    assert!(
        found[0].to_string().contains("instead of plan-wide"),
        "{}",
        found[0]
    );
}

#[test]
fn a_new_hook_before_a_group_not_started_is_allowed() {
    let text = edited(
        "    vm web-01\n",
        "    vm web-01\n    before failover { webhook \"https://hooks.example/dr\" }\n",
    );
    assert_eq!(
        lines(&text, &state(stopped_at_probe())),
        [
            "hook:web/before/1: added (webhook)",
            "vm:web/web-01: now waits for hook:web/before/1",
            "vm:web/web-01: no longer waits for hook:db/after/1",
        ]
    );
}

#[test]
fn changing_a_hook_that_succeeded_is_refused_naming_it() {
    let text = edited("wait 10s", "wait 20s");
    let found = conflicts(&text, &state(stopped_at_probe()));
    assert_eq!(
        found,
        [Conflict::StepChanged {
            step: "hook:db/before/1".into(),
            reached: Reached::Succeeded,
            changes: vec!["duration 10s → 20s".into()],
            inherited: false,
        }]
    );
    let shown = found[0].to_string();
    assert!(
        shown.starts_with("hook:db/before/1 already succeeded"),
        "{shown}"
    );
    assert!(shown.contains("revert the change to this step"), "{shown}");
}

#[test]
fn a_hook_inserted_before_one_that_succeeded_is_refused() {
    // Ids are positions: the new hook takes `hook:db/before/1`, which succeeded as a wait.
    let text = edited(
        "before failover { wait 10s }",
        "before failover { manual \"freeze\"  wait 10s }",
    );
    let found = conflicts(&text, &state(stopped_at_probe()));
    assert!(
        matches!(&found[0], Conflict::StepChanged { step, changes, .. }
            if step == "hook:db/before/1" && changes == &["wait → manual"]),
        "{found:?}"
    );
}

#[test]
fn changing_a_step_in_flight_is_refused() {
    let mut steps = stopped_at_probe();
    steps[3].1 = record(None, 1, true);
    let text = edited("http://old/health", "http://new/health");
    assert!(matches!(
        conflicts(&text, &state(steps)).as_slice(),
        [Conflict::StepChanged { step, reached: Reached::InFlight, .. }] if step == "hook:db/after/1"
    ));
}

#[test]
fn removing_a_vm_from_a_group_that_started_moving_is_refused() {
    // db-01 succeeded, db-02 never started: the group's VMs are fixed all the same.
    let steps = vec![
        (
            "hook:db/before/1",
            record(Some(StepStatus::Succeeded), 1, false),
        ),
        ("vm:db/db-01", record(Some(StepStatus::Succeeded), 1, false)),
    ];
    let found = conflicts(&edited("vm db-01, db-02", "vm db-01"), &state(steps));
    assert_eq!(
        found,
        [Conflict::GroupMoved {
            group: "db".into(),
            changes: vec!["vm:db/db-02 removed".into()],
        }]
    );
}

#[test]
fn removing_a_vm_that_succeeded_is_refused_naming_it() {
    let found = conflicts(
        &edited("vm db-01, db-02", "vm db-02"),
        &state(stopped_at_probe()),
    );
    assert_eq!(
        found,
        [Conflict::StepRemoved {
            step: "vm:db/db-01".into(),
            reached: Reached::Succeeded,
        }]
    );
}

#[test]
fn the_vms_of_a_group_not_started_may_change() {
    let text = edited("vm web-01\n", "vm web-01, web-02\n");
    assert_eq!(
        lines(&text, &state(stopped_at_probe())),
        ["vm:web/web-02: added (vm)"]
    );
}

#[test]
fn another_vault_is_refused() {
    let text = edited(
        "vault simulator",
        "vault \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v\"",
    );
    let found = conflicts(&text, &state(vec![]));
    assert!(
        matches!(&found[..], [Conflict::PlanSetting { setting: super::PlanSetting::Vault, old, .. }] if old == "simulator"),
        "{found:?}"
    );
    assert!(
        found[0].to_string().contains("start a new run"),
        "{}",
        found[0]
    );
}

#[test]
fn another_recovery_region_or_name_is_refused() {
    let text = edited("recovery \"northeurope\"", "recovery \"swedencentral\"").replacen(
        "plan shop",
        "plan shop2",
        1,
    );
    let found = conflicts(&text, &state(vec![]));
    let settings: Vec<&str> = found
        .iter()
        .map(|c| match c {
            Conflict::PlanSetting { setting, .. } => setting.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(settings, ["name", "recovery"]);
}

#[test]
fn changes_outside_the_runs_steps_are_listed_not_refused() {
    // The failback hook of db, whose failover steps ran: not part of this run.
    let text = edited("before failback { wait 5s }", "before failback { wait 9s }");
    assert_eq!(
        lines(&text, &state(stopped_at_probe())),
        [
            "group db: changed where this run has no step (hooks of other phases, estimates, or a group left out with --group)"
        ]
    );
}
