//! The binary end to end on a simulated vault: a whole disaster-recovery
//! cycle, the run events as reviewed snapshots, status and jobs, a failed
//! run and its resume, preflight refusal, the plan's lock, Ctrl-C, manual
//! approval from another process, and secrets that must never leak.
//!
//! Every test copies what it runs into a fresh temporary folder, so the
//! simulated vault, journals and locks never land in the repository's
//! `plans/`. `DRPLAN_SIM_SPEED` shrinks the simulated durations (the
//! quickstart's `wait` hooks too) so that a whole cycle takes seconds.

// The helpers fail the test with a message saying what went wrong, as the
// tests themselves may (clippy's allow-panic-in-tests covers `#[test]`
// functions only).
#![allow(clippy::panic)]

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::events::{normalized, redact, snapshot_filters};
use crate::support::sandbox::{
    Sandbox, assert_stream, event, finished, lock_is_free, ndjson, of_kind, show, stderr, stdout,
    step,
};

/// The quickstart's VMs with their groups, in plan order.
pub(crate) const QUICKSTART_VMS: [(&str, &str); 10] = [
    ("db", "db-01"),
    ("db", "db-02"),
    ("cache", "cache-01"),
    ("cache", "cache-02"),
    ("app", "app-01"),
    ("app", "app-02"),
    ("app", "app-03"),
    ("web", "web-01"),
    ("web", "web-02"),
    ("web", "web-03"),
];

/// The steps that have a `step_started` event.
fn started_steps(events: &[Value]) -> BTreeSet<String> {
    of_kind(events, "step_started")
        .into_iter()
        .map(|e| step(e).to_string())
        .collect()
}

/// Every edge `from -> to` of the operation's graph (`drplan graph`) was
/// respected: `to` started only after `from` finished.
fn assert_graph_order(sandbox: &Sandbox, op: &str, events: &[Value]) {
    let graph = sandbox.json(&[
        "graph",
        &sandbox.plan,
        "--operation",
        op,
        "--format",
        "json",
    ]);
    for edge in graph["edges"].as_array().unwrap() {
        let (from, to) = (edge["from"].as_str().unwrap(), edge["to"].as_str().unwrap());
        let done = events
            .iter()
            .position(|e| event(e) == "step_finished" && step(e) == from);
        let start = events
            .iter()
            .position(|e| event(e) == "step_started" && step(e) == to);
        if let (Some(done), Some(start)) = (done, start) {
            assert!(
                done < start,
                "{op}: {to} started (event {start}) before {from} finished (event {done})"
            );
        }
    }
}

/// What `status` shows for every VM after an operation of the cycle.
struct Expected {
    /// The headline of `status`.
    headline: &'static str,
    protection_state: &'static str,
    active_location: &'static str,
    replicating: Option<&'static str>,
    allowed: &'static [&'static str],
    test_failover: &'static str,
}

fn assert_status(sandbox: &Sandbox, after: &str, want: &Expected) {
    let status = sandbox.status();
    assert_eq!(
        status["headline"]["text"], want.headline,
        "after {after}: headline"
    );
    assert_eq!(
        status["headline"]["detail"],
        Value::Null,
        "after {after}: every VM stands in the same place"
    );
    assert_eq!(
        status["test_failover"]["status"], want.test_failover,
        "after {after}: plan-level test_failover in {}",
        status["test_failover"]
    );
    let items = status["items"].as_array().unwrap();
    let vms: Vec<&str> = items.iter().map(|i| i["vm"].as_str().unwrap()).collect();
    assert_eq!(
        vms,
        QUICKSTART_VMS.map(|(_, vm)| vm),
        "after {after}: items of status"
    );
    for item in items {
        let vm = &item["vm"];
        assert_eq!(
            item["protection_state"], want.protection_state,
            "after {after}: {vm} protection_state"
        );
        assert_eq!(
            item["active_location"], want.active_location,
            "after {after}: {vm} active_location"
        );
        assert_eq!(
            item["replicating"],
            want.replicating.map_or(Value::Null, Value::from),
            "after {after}: {vm} replicating"
        );
        assert_eq!(
            item["allowed_operations"],
            serde_json::json!(want.allowed),
            "after {after}: {vm} allowed_operations"
        );
        assert_eq!(item["health"], "healthy", "after {after}: {vm} health");
        assert_eq!(
            item["current_job"],
            Value::Null,
            "after {after}: {vm} is busy"
        );
    }
}

/// The cycle: each operation with what every VM shows afterwards.
const CYCLE: [(&str, Expected); 8] = [
    (
        "failover",
        Expected {
            headline: "quickstart: running in North Europe, failed over, waiting for commit",
            protection_state: "unplanned_failover_commit_pending_states_begin",
            active_location: "recovery",
            replicating: None,
            allowed: &["commit"],
            test_failover: "not_applicable",
        },
    ),
    (
        "commit",
        Expected {
            headline: "quickstart: running in North Europe, failover committed, not protected",
            protection_state: "unplanned_failover_committed",
            active_location: "recovery",
            replicating: None,
            allowed: &["reprotect"],
            test_failover: "not_applicable",
        },
    ),
    (
        "reprotect",
        Expected {
            headline: "quickstart: running in North Europe, replicating back",
            protection_state: "protected",
            active_location: "recovery",
            replicating: Some("recovery_to_primary"),
            allowed: &["failback", "test-failover"],
            test_failover: "recommended",
        },
    ),
    (
        "failback",
        Expected {
            headline: "quickstart: running in West Europe, failed back, waiting for commit",
            protection_state: "unplanned_failover_commit_pending_states_begin",
            active_location: "primary",
            replicating: None,
            allowed: &["commit"],
            test_failover: "not_applicable",
        },
    ),
    (
        "commit",
        Expected {
            headline: "quickstart: running in West Europe, failback committed, not protected",
            protection_state: "unplanned_failover_committed",
            active_location: "primary",
            replicating: None,
            allowed: &["reprotect"],
            test_failover: "not_applicable",
        },
    ),
    (
        "reprotect",
        Expected {
            headline: "quickstart: running in West Europe, protected",
            protection_state: "protected",
            active_location: "primary",
            replicating: Some("primary_to_recovery"),
            allowed: &["failover", "test-failover"],
            test_failover: "recommended",
        },
    ),
    (
        "test-failover",
        Expected {
            headline: "quickstart: running in West Europe, test failover waiting for cleanup",
            protection_state: "protected",
            active_location: "primary",
            replicating: Some("primary_to_recovery"),
            allowed: &["test-cleanup"],
            test_failover: "recommended",
        },
    ),
    (
        "test-cleanup",
        Expected {
            headline: "quickstart: running in West Europe, protected",
            protection_state: "protected",
            active_location: "primary",
            replicating: Some("primary_to_recovery"),
            allowed: &["failover", "test-failover"],
            test_failover: "performed",
        },
    ),
];

#[test]
fn the_whole_cycle_moves_every_vm_and_back() {
    let sandbox = Sandbox::quickstart();
    let fresh = Expected {
        headline: "quickstart: running in West Europe, protected",
        protection_state: "protected",
        active_location: "primary",
        replicating: Some("primary_to_recovery"),
        allowed: &["failover", "test-failover"],
        test_failover: "recommended",
    };
    assert_status(&sandbox, "nothing", &fresh);
    assert_eq!(
        sandbox.status()["test_failover"]["last_success"],
        Value::Null
    );

    for (op, want) in &CYCLE {
        let out = sandbox.run(op, &["--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "run {op}\n{}", show(&out));
        let events = ndjson(&stdout(&out));
        assert_stream(&events, "succeeded", op);
        assert_eq!(events[0]["operation"], *op, "run_started of {op}");
        let done = finished(&events);
        for (group, vm) in QUICKSTART_VMS {
            let id = format!("vm:{group}/{vm}");
            assert_eq!(
                done.get(&id).map(String::as_str),
                Some("succeeded"),
                "{op}: {id}"
            );
        }
        assert!(
            done.values().all(|s| s == "succeeded"),
            "{op}: every step should succeed: {done:?}"
        );
        assert_graph_order(&sandbox, op, &events);
        assert_status(&sandbox, op, want);
    }

    let status = sandbox.status();
    assert!(
        status["test_failover"]["last_success"].is_string(),
        "test-cleanup should record the last successful test failover: {}",
        status["test_failover"]
    );
    for item in status["items"].as_array().unwrap() {
        assert_eq!(item["test_failover"], "performed", "{}", item["vm"]);
        assert!(item["last_test_failover"].is_string(), "{}", item["vm"]);
    }
    let runs = sandbox.runs();
    let ops: Vec<&str> = runs
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    let mut cycle: Vec<&str> = CYCLE.iter().map(|(op, _)| *op).collect();
    cycle.reverse();
    assert_eq!(ops, cycle, "`drplan runs` lists the cycle newest first");
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");

    // Eight operations of ten VMs: more jobs than `jobs` lists by default,
    // and it says so.
    let listed = sandbox.json(&["jobs", &sandbox.plan, "--format", "json"]);
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 50);
    assert_eq!(listed["total"], 80);
    assert_eq!(listed["truncated"], true);
    let out = sandbox.output(&["jobs", &sandbox.plan]);
    assert!(
        stdout(&out).ends_with(
            "\nshowing the newest 50 of 80 jobs; `--limit N` shows more, `--all` every one\n"
        ),
        "{}",
        show(&out)
    );
    let every = sandbox.json(&["jobs", &sandbox.plan, "--format", "json", "--all"]);
    assert_eq!(every["jobs"].as_array().unwrap().len(), 80);
    assert_eq!(every["truncated"], false);
}

#[test]
fn quickstart_failover_event_stream() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let events = ndjson(&stdout(&out));
    assert_stream(&events, "succeeded", "failover");
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("quickstart_failover_events", normalized(&events, sandbox.path()));
    });
}

#[test]
fn status_after_failover() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let mut status = sandbox.status();
    // Jobs that started in the same millisecond have no order of their
    // own; `jobs_are_newest_first_in_drplan_terms` checks the order.
    status["jobs"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|j| j["vm"].as_str().unwrap().to_string());
    redact(&mut status, sandbox.path());
    insta::assert_json_snapshot!("status_after_failover", status);
}

#[test]
fn jobs_are_newest_first_in_drplan_terms() {
    let sandbox = Sandbox::quickstart();
    for op in ["failover", "commit"] {
        let out = sandbox.run(op, &["--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{op}\n{}", show(&out));
    }
    let jobs = sandbox.jobs();
    assert_eq!(
        jobs.len(),
        20,
        "a failover and a commit job per VM: {jobs:#?}"
    );
    for job in &jobs {
        for key in ["name", "operation", "vm", "state", "started", "duration_s"] {
            assert!(job.get(key).is_some(), "job without `{key}`: {job}");
        }
        assert_eq!(job["state"], "succeeded", "{job}");
        assert!(job["duration_s"].is_number(), "{job}");
    }
    let started: Vec<&str> = jobs
        .iter()
        .map(|j| j["started"].as_str().unwrap())
        .collect();
    assert!(
        started.windows(2).all(|w| w[0] >= w[1]),
        "jobs should be newest first: {started:?}"
    );
    // The commits came last, so they come first; named as drplan names
    // operations, not as ASR does (`UnplannedFailover`, `Commit`).
    let ops: Vec<&str> = jobs
        .iter()
        .map(|j| j["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops[..10], ["commit"; 10], "{ops:?}");
    assert_eq!(ops[10..], ["failover"; 10], "{ops:?}");
    let one_vm = sandbox.json(&["jobs", &sandbox.plan, "--vm", "db-01", "--format", "json"]);
    let one_vm: Vec<(&str, &str)> = one_vm["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["vm"].as_str().unwrap(), j["operation"].as_str().unwrap()))
        .collect();
    assert_eq!(one_vm, [("db-01", "commit"), ("db-01", "failover")]);
}

/// Makes app-02's failover fail on both attempts the quickstart allows
/// (`retries 1`), so the run fails; a third attempt succeeds.
fn break_app_02(sandbox: &Sandbox) {
    std::fs::write(
        sandbox.path().join("quickstart.faults.json"),
        r#"{"operations":[{"vm":"app-02","operation":"failover","effect":"fail","times":2}]}"#,
    )
    .unwrap();
}

#[test]
fn failed_failover_event_stream() {
    let sandbox = Sandbox::quickstart();
    break_app_02(&sandbox);
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let events = ndjson(&stdout(&out));
    assert_stream(&events, "failed", "failing failover");
    insta::with_settings!({ filters => snapshot_filters() }, {
        insta::assert_snapshot!("failed_failover_events", normalized(&events, sandbox.path()));
    });
}

#[test]
fn a_failed_run_is_summarised_listed_and_resumed_without_repeating_work() {
    let sandbox = Sandbox::quickstart();
    break_app_02(&sandbox);
    let out = sandbox.run("failover", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    let run_id = sandbox.only_run();
    for expected in [
        "failed vm:app/app-02: job ".to_string(),
        "recommended action: Retry the failover.".to_string(),
        "skip vm:web/web-01 (a step it needs failed)".to_string(),
        "skip vm:web/web-02 (a step it needs failed)".to_string(),
        "skip vm:web/web-03 (a step it needs failed)".to_string(),
        format!("resume with: drplan resume {run_id}"),
    ] {
        assert!(
            text.contains(&expected),
            "summary lacks {expected:?}\n{}",
            show(&out)
        );
    }

    let runs = sandbox.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["run_id"], run_id.as_str());
    assert_eq!(runs[0]["status"], "failed", "{runs:?}");

    let before = sandbox.journal(&run_id);
    let out = sandbox.output(&["resume", &run_id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "resume\n{}", show(&out));
    let events = ndjson(&stdout(&out));
    assert_stream(&events, "succeeded", "resume");
    assert_eq!(events[0]["run_id"], run_id.as_str());
    assert_eq!(events[0]["resumed"], true, "{}", events[0]);
    let expected: BTreeSet<String> = [
        "vm:app/app-02",
        "vm:web/web-01",
        "vm:web/web-02",
        "vm:web/web-03",
        "hook:web/after/1",
        "hook:web/after/2",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        started_steps(&events),
        expected,
        "resume should start only the failed step and what it skipped"
    );
    assert!(
        finished(&events).values().all(|s| s == "succeeded"),
        "{events:#?}"
    );
    // The journal is the one run: the resumed part appended to it.
    assert_eq!(
        sandbox.journal(&run_id).len(),
        before.len() + events.len(),
        "the resumed events should be appended to the run's journal"
    );

    for (_, vm) in QUICKSTART_VMS {
        let jobs: Vec<Value> = sandbox
            .jobs()
            .into_iter()
            .filter(|j| j["vm"] == vm && j["operation"] == "failover")
            .collect();
        let count = |state: &str| jobs.iter().filter(|j| j["state"] == state).count();
        assert_eq!(count("succeeded"), 1, "{vm}: {jobs:#?}");
        let failed = if vm == "app-02" { 2 } else { 0 };
        assert_eq!(count("failed"), failed, "{vm}: {jobs:#?}");
        assert_eq!(jobs.len(), 1 + failed, "{vm}: {jobs:#?}");
    }
    assert_eq!(sandbox.runs()[0]["status"], "succeeded");
}

#[test]
fn a_failover_of_machines_already_failed_over_is_refused() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let runs_before = sandbox.run_ids();
    let jobs_before = sandbox.jobs().len();

    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    // Under `--format json` the refusal is one error document on stdout,
    // with the readiness, and nothing else.
    let refusal: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}\n{}", show(&out)));
    assert_eq!(refusal["schema"], "drplan.error/1", "{refusal}");
    assert_eq!(refusal["error"]["code"], "not_ready", "{refusal}");
    assert_eq!(refusal["error"]["exit"], 3, "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(message.contains("failover refused"), "{refusal}");
    let readiness = &refusal["error"]["readiness"];
    assert_eq!(readiness["ready"], false, "{refusal}");
    assert_eq!(readiness["blockers"], QUICKSTART_VMS.len(), "{refusal}");
    for (group, vm) in QUICKSTART_VMS {
        let finding = readiness["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["vm"] == *vm)
            .unwrap_or_else(|| panic!("no finding names {vm}\n{refusal}"));
        assert_eq!(finding["group"], *group, "{finding}");
        assert_eq!(finding["kind"], "state", "{finding}");
        assert_eq!(finding["severity"], "blocker", "{finding}");
        let message = finding["message"].as_str().unwrap();
        // Failed over and not committed: the one way on is a commit.
        assert!(
            message.contains(
                "it is failed over to the recovery region and waits for commit: run `commit` (state"
            ),
            "{vm}: {message}"
        );
    }
    let human = sandbox.run("failover", &[]);
    assert_eq!(human.status.code(), Some(3), "{}", show(&human));
    assert!(
        stderr(&human).contains("not ready for failover: 10 blockers, 0 warnings"),
        "{}",
        show(&human)
    );
    assert_eq!(
        sandbox.run_ids(),
        runs_before,
        "a refused run leaves no journal"
    );
    assert_eq!(
        sandbox.jobs().len(),
        jobs_before,
        "a refused run starts no job"
    );
    assert!(lock_is_free(&sandbox), "a refused run releases the lock");
}

#[test]
fn an_online_dry_run_reports_every_blocker_and_changes_nothing() {
    let sandbox = Sandbox::quickstart();
    let ready = sandbox.run("failover", &["--dry-run", "--online", "--format", "json"]);
    assert_eq!(ready.status.code(), Some(0), "{}", show(&ready));
    let report: serde_json::Value = serde_json::from_str(&stdout(&ready)).unwrap();
    assert_eq!(report["online"]["ready"], true, "{report}");
    assert_eq!(report["online"]["machines"], 10, "{report}");
    assert!(sandbox.jobs().is_empty(), "a dry run starts no job");

    let blocked = sandbox.run("failback", &["--dry-run", "--online"]);
    assert_eq!(blocked.status.code(), Some(3), "{}", show(&blocked));
    let text = stdout(&blocked);
    assert!(
        text.contains("not ready for failback: 10 blockers, 0 warnings"),
        "{text}"
    );
    assert!(text.contains("blocker [state] 10 VMs (db-01, "), "{text}");
    assert!(text.contains("it runs in the primary region"), "{text}");
    assert!(sandbox.run_ids().is_empty(), "a dry run keeps no journal");
}
