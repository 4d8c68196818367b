//! Hooks of commit, reprotect and test-cleanup through the binary on a
//! simulated vault: a group's `before` hooks run before its VMs and its
//! `after` hooks after them, the plan's own around the whole operation, and
//! `drplan graph` and the dry run show them where they run.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use serde_json::Value;

use crate::support::sandbox::{Sandbox, event, ndjson, show, stdout, step};

const PLAN: &str = r#"plan hooked {
  vault simulator
  primary "westeurope"
  recovery "northeurope"

  before reprotect { script "mark.sh" }
  after test_cleanup { script "mark.sh" }

  group db {
    vm db-01, db-02
    before commit { script "mark.sh" }
    after reprotect { script "mark.sh" }
    after test_cleanup { script "mark.sh" }
  }
  group web needs db {
    vm web-01
  }
}
"#;

/// Appends what ran to `hooks.log` beside the plan.
const MARK: &str =
    "#!/bin/sh\necho \"$DRPLAN_OPERATION $DRPLAN_STEP\" >> \"$(dirname \"$0\")/hooks.log\"\n";

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::with_plan("hooked", PLAN);
    let script = sandbox.path().join("mark.sh");
    std::fs::write(&script, MARK).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sandbox
}

/// Runs `op` to success; its events.
fn run(sandbox: &Sandbox, op: &str) -> Vec<Value> {
    let out = sandbox.run(op, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "run {op}\n{}", show(&out));
    ndjson(&stdout(&out))
}

/// Where in the events a step started or finished.
fn at(events: &[Value], kind: &str, id: &str) -> usize {
    events
        .iter()
        .position(|e| event(e) == kind && step(e) == id)
        .unwrap_or_else(|| panic!("no {kind} of {id} in {events:#?}"))
}

fn log(sandbox: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sandbox.path().join("hooks.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn after_test_cleanup_hooks_run_after_the_cleanup() {
    let sandbox = sandbox();
    run(&sandbox, "test-failover");
    assert!(log(&sandbox).is_empty(), "{:?}", log(&sandbox));
    let events = run(&sandbox, "test-cleanup");
    let hook = at(&events, "step_started", "hook:db/after/1");
    for vm in ["vm:db/db-01", "vm:db/db-02"] {
        assert!(
            at(&events, "step_finished", vm) < hook,
            "{vm} after the hook"
        );
    }
    // The plan's own `after` waits for every step, web's cleanup too
    // (test-cleanup walks the groups reversed: web first, db last).
    let plan_hook = at(&events, "step_started", "plan:after/1");
    assert!(at(&events, "step_finished", "hook:db/after/1") < plan_hook);
    assert!(
        at(&events, "step_finished", "vm:web/web-01") < at(&events, "step_started", "vm:db/db-01")
    );
    assert_eq!(
        log(&sandbox),
        ["test-cleanup hook:db/after/1", "test-cleanup plan:after/1"]
    );
}

#[test]
fn before_commit_and_after_reprotect_hooks_bracket_their_group() {
    let sandbox = sandbox();
    run(&sandbox, "failover");
    let commit = run(&sandbox, "commit");
    let hook = at(&commit, "step_finished", "hook:db/before/1");
    for vm in ["vm:db/db-01", "vm:db/db-02"] {
        assert!(
            hook < at(&commit, "step_started", vm),
            "{vm} before the hook"
        );
    }
    let reprotect = run(&sandbox, "reprotect");
    let plan_hook = at(&reprotect, "step_finished", "plan:before/1");
    let hook = at(&reprotect, "step_started", "hook:db/after/1");
    for vm in ["vm:db/db-01", "vm:db/db-02", "vm:web/web-01"] {
        assert!(plan_hook < at(&reprotect, "step_started", vm), "{vm}");
    }
    for vm in ["vm:db/db-01", "vm:db/db-02"] {
        assert!(at(&reprotect, "step_finished", vm) < hook, "{vm}");
    }
    assert_eq!(
        log(&sandbox),
        [
            "commit hook:db/before/1",
            "reprotect plan:before/1",
            "reprotect hook:db/after/1"
        ]
    );
}

#[test]
fn graph_and_dry_run_show_the_hooks_of_every_operation() {
    let sandbox = sandbox();
    let graph = sandbox.json(&[
        "graph",
        &sandbox.plan,
        "--operation",
        "test-cleanup",
        "--format",
        "json",
    ]);
    let edges: Vec<(String, String)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for vm in ["vm:db/db-01", "vm:db/db-02"] {
        assert!(
            edges.contains(&(vm.to_string(), "hook:db/after/1".to_string())),
            "{edges:?}"
        );
    }
    assert!(
        edges.contains(&("hook:db/after/1".to_string(), "plan:after/1".to_string())),
        "{edges:?}"
    );
    let out = sandbox.run("commit", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(stdout(&out).contains("hook:db/before/1"), "{}", show(&out));
    let out = sandbox.run("reprotect", &["--dry-run"]);
    let text = stdout(&out);
    assert!(
        text.contains("plan:before/1") && text.contains("hook:db/after/1"),
        "{}",
        show(&out)
    );
}
