//! Readiness through the binary on the simulated vault and its rehearsal
//! world: a world whose quota lets 6 of 10 VMs fit refuses the failover up
//! front (dry run `--online` and the run's preflight alike), and when the
//! quota shrinks only after the preflight, the run fails at VM 7 as ASR
//! fails it, with ASR's error in the summary.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use serde_json::Value;

use crate::support::sandbox::{
    SPEED, Sandbox, event, ndjson, poll, show, stderr, stdout, step, wait_for_exit,
};

/// Ten VMs of the default size (`Standard_D2s_v5`, 2 vCPUs): six, then a
/// manual gate, then four, one at a time so the seventh fails first.
const TEN: &str = r#"plan ten {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group first {
    vm vm-01, vm-02, vm-03, vm-04, vm-05, vm-06
  }
  group second needs first {
    parallelism 1
    vm vm-07, vm-08, vm-09, vm-10
    before failover {
      manual "the quota may change now"
    }
  }
}
"#;

/// Room for `vms` VMs of 2 vCPUs in the `DSv5` family of North Europe.
fn quota_for(vms: u32) -> String {
    format!(
        r#"{{"regions": {{"northeurope": {{"quota": {{"standardDSv5Family": {{"limit": {}, "usage": 0}}}}}}}}}}"#,
        vms * 2
    )
}

fn write_world(sandbox: &Sandbox, text: &str) {
    std::fs::write(sandbox.path().join("ten.world.json"), text).unwrap();
}

fn quota_finding(report: &Value) -> &Value {
    report["readiness"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "quota")
        .unwrap_or_else(|| panic!("no quota finding: {report}"))
}

#[test]
fn a_failover_that_would_run_out_of_quota_at_vm_7_is_refused_up_front() {
    let sandbox = Sandbox::with_plan("ten", TEN);
    write_world(&sandbox, &quota_for(6));

    let dry = sandbox.run("failover", &["--dry-run", "--online", "--format", "json"]);
    assert_eq!(dry.status.code(), Some(3), "{}", show(&dry));
    let report: Value = serde_json::from_str(&stdout(&dry)).unwrap();
    let quota = quota_finding(&report);
    assert_eq!(quota["severity"], "blocker", "{quota}");
    assert_eq!(quota["details"]["needed"], 20, "{quota}");
    assert_eq!(quota["details"]["free"], 12, "{quota}");
    assert_eq!(quota["details"]["region"], "northeurope", "{quota}");
    assert_eq!(quota["details"]["vms_over"][0], "vm-07", "{quota}");
    assert_eq!(report["readiness"]["ready"], false);

    let human = sandbox.run("failover", &["--dry-run", "--online"]);
    assert_eq!(human.status.code(), Some(3), "{}", show(&human));
    let text = stdout(&human);
    assert!(text.contains("not ready for failover: 1 blocker"), "{text}");
    assert!(text.contains("blocker [quota]"), "{text}");
    assert!(
        text.contains("remedy: request a quota increase of at least 8 vCPUs"),
        "{text}"
    );

    let run = sandbox.run("failover", &["--yes"]);
    assert_eq!(run.status.code(), Some(3), "{}", show(&run));
    assert!(stderr(&run).contains("failover refused"), "{}", show(&run));
    assert!(stderr(&run).contains("vm-07"), "{}", show(&run));
    assert!(
        sandbox.run_ids().is_empty(),
        "a refused run keeps no journal"
    );
    assert!(sandbox.jobs().is_empty(), "nothing was started");

    // With room for all ten, the same checks pass and nothing is reported.
    write_world(&sandbox, &quota_for(10));
    let dry = sandbox.json(&[
        "run",
        "failover",
        &sandbox.plan,
        "--dry-run",
        "--online",
        "--format",
        "json",
    ]);
    assert_eq!(dry["readiness"]["findings"], serde_json::json!([]), "{dry}");
}

#[test]
fn quota_taken_after_the_preflight_fails_the_run_at_vm_7_with_asrs_error() {
    let sandbox = Sandbox::with_plan("ten", TEN);
    write_world(&sandbox, &quota_for(10));
    let dir = sandbox.path().display().to_string();
    let mut child = sandbox.spawn_failover(SPEED, &[]);
    let run_id = poll(&mut child, "run journal", || sandbox.run_ids().pop());
    poll(&mut child, "the gate", || {
        sandbox
            .journal(&run_id)
            .iter()
            .any(|e| event(e) == "step_started" && step(e) == "hook:second/before/1")
            .then_some(())
    });
    // The preflight passed; now someone else takes the quota of four VMs.
    write_world(&sandbox, &quota_for(6));
    let approve = sandbox.output(&["approve", &run_id, "hook:second/before/1", "--plan", &dir]);
    assert_eq!(approve.status.code(), Some(0), "{}", show(&approve));
    let status = wait_for_exit(&mut child, "the run");
    let events_text = std::fs::read_to_string(sandbox.path().join("events.ndjson")).unwrap();
    assert_eq!(status.code(), Some(1), "the run fails\n{events_text}");

    let events = ndjson(&std::fs::read_to_string(sandbox.path().join("events.ndjson")).unwrap());
    let failed: Vec<&Value> = events
        .iter()
        .filter(|e| event(e) == "step_finished" && e["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "only VM 7 failed: {failed:?}");
    assert_eq!(step(failed[0]), "vm:second/vm-07");
    let error = failed[0]["error"].as_str().unwrap();
    assert!(error.contains("28031"), "{error}");
    assert!(
        error.contains("exceeding approved standardDSv5Family Cores quota"),
        "{error}"
    );
    for vm in ["vm-01", "vm-02", "vm-03", "vm-04", "vm-05", "vm-06"] {
        assert!(
            events.iter().any(|e| event(e) == "step_finished"
                && step(e) == format!("vm:first/{vm}")
                && e["status"] == "succeeded"),
            "{vm} failed over"
        );
    }
}

/// Two VMs that want another size.
const RESIZE: &str = r#"plan resize {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group app {
    target { size "Standard_D4s_v5" }
    vm app-01, app-02
  }
}
"#;

#[test]
fn a_failed_configure_is_resumed_without_updating_an_item_twice() {
    let sandbox = Sandbox::with_plan("resize", RESIZE);
    std::fs::write(
        sandbox.path().join("resize.faults.json"),
        r#"{"operations": [{"vm": "app-02", "operation": "configure", "effect": "fail", "times": 1}]}"#,
    )
    .unwrap();
    let out = sandbox.run("configure", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run_id = sandbox.only_run();
    let drift = |sandbox: &Sandbox| {
        sandbox.json(&[
            "run",
            "configure",
            &sandbox.plan,
            "--dry-run",
            "--format",
            "json",
        ])["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["vm"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        drift(&sandbox),
        ["app-02"],
        "app-01 was updated, app-02's update failed"
    );

    let out = sandbox.output(&["resume", &run_id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let events = ndjson(&stdout(&out));
    let started: Vec<&str> = events
        .iter()
        .filter(|e| event(e) == "step_started")
        .map(step)
        .collect();
    assert_eq!(
        started,
        ["vm:app/app-02"],
        "only the failed step runs again"
    );
    assert!(drift(&sandbox).is_empty(), "the vault matches the plan");
    let updates = sandbox
        .jobs()
        .iter()
        .filter(|j| j["operation"] == "configure" && j["state"] == "succeeded")
        .count();
    assert_eq!(updates, 2, "one successful update per VM");
}
