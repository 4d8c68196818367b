//! `failback { order }`: the graph of both orders, the dry run's account of
//! the trade-off (reviewed snapshots), and a `shutdown_reversed` failback
//! through the binary on a simulated vault: every VM shut down, dependents
//! first, before any fails back, and the failbacks in the failover's order;
//! a resumed run does not shut a VM down again; and the same failback on an
//! ARM vault, through `drplan emulator`, powering VMs off through Compute.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use serde_json::Value;

use drplan::graph::{self, Operation, StepKind};

use crate::support::sandbox::{Sandbox, event, ndjson, show, stdout, step};

fn plan_text(order: &str) -> String {
    format!(
        r#"plan shop {{
  vault simulator
  primary "westeurope"
  recovery "northeurope"
{order}
  group db {{
    vm db-01, db-02
  }}
  group app needs db {{
    vm app-01
  }}
  group web needs app {{
    vm web-01
    after failback {{ wait 1m }}
  }}
}}
"#
    )
}

const SHUTDOWN_REVERSED: &str = "  failback { order shutdown_reversed }\n";

fn compile(text: &str) -> drplan::plan::Plan {
    let (plan, d) = drplan::compile(&drplan::SourceFile::new("shop.drplan", text));
    assert!(d.is_empty(), "{d:?}");
    plan.unwrap()
}

/// Every `(from, to)` of the failback graph, by step id.
fn edges(plan: &drplan::plan::Plan) -> Vec<(String, String)> {
    let g = graph::build(plan, Operation::Failback, None);
    g.edges()
        .into_iter()
        .map(|(a, b)| (g.step(a).id.clone(), g.step(b).id.clone()))
        .collect()
}

/// Whether `to` comes after `from` through the edges.
fn reaches(edges: &[(String, String)], from: &str, to: &str) -> bool {
    let mut seen = vec![from.to_string()];
    let mut i = 0;
    while i < seen.len() {
        let at = seen[i].clone();
        for (a, b) in edges {
            if *a == at && !seen.contains(b) {
                seen.push(b.clone());
            }
        }
        i += 1;
    }
    seen.iter().skip(1).any(|s| s == to)
}

#[test]
fn the_default_failback_walks_the_graph_reversed_without_shutdowns() {
    let plan = compile(&plan_text(""));
    let g = graph::build(&plan, Operation::Failback, None);
    assert!(g.steps().all(|(_, s)| s.kind != StepKind::Shutdown));
    let e = edges(&plan);
    assert!(reaches(&e, "vm:web/web-01", "vm:app/app-01"));
    assert!(reaches(&e, "vm:app/app-01", "vm:db/db-01"));
    assert!(!reaches(&e, "vm:db/db-01", "vm:web/web-01"));
}

#[test]
fn shutdown_reversed_shuts_down_dependents_first_then_fails_back_forward() {
    let plan = compile(&plan_text(SHUTDOWN_REVERSED));
    let g = graph::build(&plan, Operation::Failback, None);
    let ids: Vec<&str> = g.steps().map(|(_, s)| s.id.as_str()).collect();
    for id in [
        "shutdown:db/db-01",
        "shutdown:db/db-02",
        "shutdown:app/app-01",
        "shutdown:web/web-01",
    ] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let e = edges(&plan);
    // Shutdowns reversed: web, then app, then db.
    assert!(reaches(&e, "shutdown:web/web-01", "shutdown:app/app-01"));
    assert!(reaches(&e, "shutdown:app/app-01", "shutdown:db/db-02"));
    // Every failback after every shutdown.
    for s in ["shutdown:db/db-01", "shutdown:web/web-01"] {
        for v in ["vm:db/db-01", "vm:db/db-02"] {
            assert!(reaches(&e, s, v), "{s} -> {v}");
        }
    }
    // Failbacks forward: db, then app, then web and its hook.
    assert!(reaches(&e, "vm:db/db-01", "vm:app/app-01"));
    assert!(reaches(&e, "vm:app/app-01", "vm:web/web-01"));
    assert!(reaches(&e, "vm:web/web-01", "hook:web/after/1"));
    assert!(!reaches(&e, "vm:web/web-01", "vm:db/db-01"));
    // Other operations are not affected.
    let failover = graph::build(&plan, Operation::Failover, None);
    assert!(failover.steps().all(|(_, s)| s.kind != StepKind::Shutdown));
}

fn sandbox(order: &str) -> Sandbox {
    Sandbox::with_plan("shop", &plan_text(order))
}

/// The dry run's text, with what varies from one machine to another removed.
fn dry_run_text(sandbox: &Sandbox) -> String {
    let out = sandbox.run("failback", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    stdout(&out)
}

#[test]
fn the_dry_run_explains_the_failback_order_and_its_cost() {
    let default = dry_run_text(&sandbox(""));
    assert!(
        default.contains("`app` starts in the primary region before `db`, which it needs"),
        "{default}"
    );
    insta::assert_snapshot!("failback_dry_run_reversed", default);
    let shutdown = dry_run_text(&sandbox(SHUTDOWN_REVERSED));
    assert!(
        shutdown.contains("failback order: shutdown_reversed"),
        "{shutdown}"
    );
    insta::assert_snapshot!("failback_dry_run_shutdown_reversed", shutdown);
    // A plan without `needs` has nothing to say about its order.
    let flat = Sandbox::with_plan(
        "flat",
        "plan flat {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a }\n}\n",
    );
    let out = flat.run("failback", &["--dry-run"]);
    assert!(!stdout(&out).contains("failback order"), "{}", show(&out));
}

/// Runs `op` (or resumes) expecting `code`; its events.
fn run(sandbox: &Sandbox, args: &[&str], code: i32) -> Vec<Value> {
    let out = sandbox.output(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}\n{}", show(&out));
    ndjson(&stdout(&out))
}

/// Brings every VM to the recovery region, protected back to the primary.
fn to_recovery(sandbox: &Sandbox) {
    for op in ["failover", "commit", "reprotect"] {
        run(sandbox, &["run", op, &sandbox.plan, "--format", "json"], 0);
    }
}

/// The steps in the order they started, by kind of id.
fn started(events: &[Value], prefix: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| event(e) == "step_started" && step(e).starts_with(prefix))
        .map(|e| step(e).to_string())
        .collect()
}

fn position(events: &[Value], kind: &str, id: &str) -> usize {
    events
        .iter()
        .position(|e| event(e) == kind && step(e) == id)
        .unwrap_or_else(|| panic!("no {kind} of {id}"))
}

#[test]
fn a_shutdown_reversed_failback_stops_every_vm_before_bringing_the_database_up_first() {
    let sandbox = sandbox(SHUTDOWN_REVERSED);
    to_recovery(&sandbox);
    let events = run(
        &sandbox,
        &["run", "failback", &sandbox.plan, "--format", "json"],
        0,
    );
    let shutdowns = started(&events, "shutdown:");
    assert_eq!(shutdowns.len(), 4, "{shutdowns:?}");
    // Dependents first: web before app before the database.
    let at = |id: &str| position(&events, "step_started", id);
    assert!(at("shutdown:web/web-01") < at("shutdown:app/app-01"));
    assert!(at("shutdown:app/app-01") < at("shutdown:db/db-01"));
    // Every VM off before the first failback starts.
    let first_failback = started(&events, "vm:")[0].clone();
    for s in &shutdowns {
        assert!(
            position(&events, "step_finished", s) < at(&first_failback),
            "{s}"
        );
    }
    // Then the failover's order: the database first.
    assert!(position(&events, "step_finished", "vm:db/db-01") < at("vm:app/app-01"));
    assert!(position(&events, "step_finished", "vm:app/app-01") < at("vm:web/web-01"));
    let said: Vec<&str> = events
        .iter()
        .filter(|e| event(e) == "step_progress" && step(e) == "shutdown:db/db-01")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(said.contains(&"db-01 powered off"), "{said:?}");
    let status = sandbox.status();
    for item in status["items"].as_array().unwrap() {
        assert_eq!(item["active_location"], "primary", "{item}");
    }
}

#[test]
fn a_resumed_failback_does_not_shut_a_vm_down_again() {
    let sandbox = sandbox(SHUTDOWN_REVERSED);
    to_recovery(&sandbox);
    std::fs::write(
        sandbox.path().join("shop.faults.json"),
        r#"{"operations":[{"vm":"app-01","operation":"failback","effect":"fail","times":1}]}"#,
    )
    .unwrap();
    let failed = run(
        &sandbox,
        &["run", "failback", &sandbox.plan, "--format", "json"],
        1,
    );
    assert_eq!(started(&failed, "shutdown:").len(), 4);
    // The vault's log records the VMs that are still in the recovery
    // region as off (one compact JSON document per line).
    let text = std::fs::read_to_string(sandbox.drplan_dir().join("shop.vault.json")).unwrap();
    assert!(
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|l| l.to_string().contains("\"powered_off\":true")),
        "{text}"
    );

    let run_id = sandbox
        .runs()
        .into_iter()
        .find(|r| r["operation"] == "failback")
        .unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resumed = run(&sandbox, &["resume", &run_id, "--format", "json"], 0);
    assert!(
        started(&resumed, "shutdown:").is_empty(),
        "a resume must not shut a VM down again: {resumed:#?}"
    );
    assert_eq!(started(&resumed, "vm:"), ["vm:app/app-01", "vm:web/web-01"]);
}

#[test]
fn a_shutdown_reversed_failback_powers_the_vms_off_through_compute_on_an_azure_vault() {
    let text = crate::azure_e2e::PLAN.replacen(
        "  defaults { retries 0 }\n",
        "  defaults { retries 0 }\n  failback { order shutdown_reversed }\n",
        1,
    );
    assert_ne!(text, crate::azure_e2e::PLAN);
    let sandbox = Sandbox::with_plan("shop", &text);
    let emulator = crate::azure_e2e::Emulator::start(&sandbox, None);
    let run = |op: &str| {
        let out = emulator.drplan(&sandbox, &["run", op, "shop.drplan", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{op}: {}", show(&out));
        ndjson(&stdout(&out))
    };
    for op in ["failover", "commit", "reprotect"] {
        run(op);
    }
    let events = run("failback");
    let shutdowns = started(&events, "shutdown:");
    assert_eq!(shutdowns.len(), 5, "{shutdowns:?}");
    let at = |id: &str| position(&events, "step_started", id);
    let first_failback = started(&events, "vm:")[0].clone();
    for s in &shutdowns {
        assert!(
            position(&events, "step_finished", s) < at(&first_failback),
            "{s}"
        );
    }
    assert!(first_failback.starts_with("vm:db/"), "{first_failback}");
    let said: Vec<&str> = events
        .iter()
        .filter(|e| event(e) == "step_progress" && step(e) == "shutdown:app/app-01")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(said.contains(&"app-01 powered off"), "{said:?}");
    let out = emulator.drplan(&sandbox, &["status", "shop.drplan", "--format", "json"]);
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for item in status["items"].as_array().unwrap() {
        assert_eq!(item["active_location"], "primary", "{item}");
    }
}
