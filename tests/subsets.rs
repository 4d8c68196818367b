//! Estates through the binary on a simulated vault: multi-VM consistency
//! groups declared in the rehearsal world (shown by `status`, and a
//! `--group`/`--vm` selection that would split one refused before acting),
//! `run --vm` acting only on the VMs named, in the plan's order, and
//! `--recovery-point before:` picking every VM's point or refusing up front.

#![allow(clippy::panic)]

use std::time::Duration;

use serde_json::Value;

use crate::support::sandbox::{Sandbox, event, ndjson, of_kind, show, stderr, stdout, step};

/// db before app before web; app-03 after app-02 after app-01.
const ESTATE: &str = r#"plan estate {
  vault simulator
  primary "westeurope"
  recovery "northeurope"

  group db {
    vm db-01, db-02
  }

  group app needs db {
    vm app-01
    vm app-02 { needs app-01 }
    vm app-03 { needs app-02 }
  }

  group web needs app {
    vm web-01
  }
}
"#;

/// `mvg-db` holds both db VMs; `mvg-front` spans app-03 and web-01.
const WORLD: &str = r#"{"items": {
  "db-01": {"consistency_group": "mvg-db"},
  "db-02": {"consistency_group": "mvg-db"},
  "app-03": {"consistency_group": "mvg-front"},
  "web-01": {"consistency_group": "mvg-front"}}}"#;

fn estate() -> Sandbox {
    let sandbox = Sandbox::with_plan("estate", ESTATE);
    std::fs::write(sandbox.path().join("estate.world.json"), WORLD).unwrap();
    sandbox
}

/// The readiness findings of one kind in JSON output: a refused run's
/// (`error.readiness`) or an online dry run's (`readiness`).
fn findings(out: &std::process::Output, kind: &str) -> Vec<Value> {
    let report: Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("no JSON ({e})\n{}", show(out)));
    let readiness = match &report["error"]["readiness"] {
        Value::Null => &report["readiness"],
        refused => refused,
    };
    readiness["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings: {report}"))
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect()
}

#[test]
fn status_shows_each_vms_consistency_group() {
    let sandbox = estate();
    let status = sandbox.status();
    let group_of = |vm: &str| {
        status["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["vm"] == vm)
            .unwrap()["consistency_group"]
            .clone()
    };
    assert_eq!(group_of("db-02"), "mvg-db", "{status}");
    assert_eq!(group_of("web-01"), "mvg-front", "{status}");
    assert_eq!(group_of("app-01"), Value::Null, "{status}");

    let human = sandbox.output(&["status", &sandbox.plan]);
    let text = stdout(&human);
    assert!(text.contains("CONSISTENCY"), "{text}");
    let db = text.lines().find(|l| l.starts_with("db-01")).unwrap();
    assert!(db.contains("mvg-db"), "{text}");
}

#[test]
fn a_vm_selection_that_splits_a_consistency_group_is_refused_before_acting() {
    let sandbox = estate();
    let out = sandbox.run("failover", &["--vm", "db-01", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let split = findings(&out, "consistency_group");
    assert_eq!(split.len(), 1, "{}", show(&out));
    assert_eq!(split[0]["severity"], "blocker");
    assert_eq!(split[0]["details"]["consistency_group"], "mvg-db");
    assert_eq!(
        split[0]["details"]["selected"],
        serde_json::json!(["db-01"])
    );
    assert_eq!(
        split[0]["details"]["left_out"],
        serde_json::json!(["db-02"])
    );
    assert!(
        split[0]["remedy"]
            .as_str()
            .unwrap()
            .contains("select them all (add `--vm db-02`)"),
        "{}",
        split[0]
    );
    assert!(sandbox.jobs().is_empty(), "nothing may have started");

    let human = sandbox.run("failover", &["--vm", "db-01"]);
    assert_eq!(human.status.code(), Some(3), "{}", show(&human));
    let text = stderr(&human);
    assert!(
        text.contains(
            "the selection splits consistency group `mvg-db`: it selects db-01 and leaves out db-02"
        ),
        "{text}"
    );
}

#[test]
fn a_group_selection_that_splits_a_consistency_group_is_refused_too() {
    let sandbox = estate();
    let out = sandbox.run("failover", &["--group", "web", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let split = findings(&out, "consistency_group");
    assert_eq!(split.len(), 1, "{}", show(&out));
    assert_eq!(split[0]["details"]["consistency_group"], "mvg-front");
    assert_eq!(
        split[0]["details"]["selected"],
        serde_json::json!(["web-01"])
    );
    assert_eq!(
        split[0]["details"]["left_out"],
        serde_json::json!(["app-03"])
    );

    // The online dry run finds the same.
    let dry = sandbox.run(
        "failover",
        &[
            "--group",
            "web",
            "--dry-run",
            "--online",
            "--format",
            "json",
        ],
    );
    assert_eq!(dry.status.code(), Some(3), "{}", show(&dry));
    assert_eq!(
        findings(&dry, "consistency_group").len(),
        1,
        "{}",
        show(&dry)
    );
    assert!(sandbox.jobs().is_empty(), "nothing may have started");
}

#[test]
fn run_vm_acts_only_on_the_vms_named_in_the_plans_order() {
    let sandbox = estate();
    // app-02 is left out: app-03 still comes after app-01, web-01 after both.
    let out = sandbox.run(
        "failover",
        &[
            "--vm", "web-01", "--vm", "app-03", "--vm", "app-01", "--format", "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let events = ndjson(&stdout(&out));
    let vm_steps: Vec<&str> = of_kind(&events, "step_started")
        .into_iter()
        .map(step)
        .filter(|s| s.starts_with("vm:"))
        .collect();
    let mut sorted = vm_steps.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["vm:app/app-01", "vm:app/app-03", "vm:web/web-01"]);
    let at = |kind: &str, id: &str| {
        events
            .iter()
            .position(|e| event(e) == kind && step(e) == id)
            .unwrap_or_else(|| panic!("no {kind} of {id}"))
    };
    assert!(at("step_finished", "vm:app/app-01") < at("step_started", "vm:app/app-03"));
    assert!(at("step_finished", "vm:app/app-03") < at("step_started", "vm:web/web-01"));

    let status = sandbox.status();
    for item in status["items"].as_array().unwrap() {
        let moved = ["app-01", "app-03", "web-01"].contains(&item["vm"].as_str().unwrap());
        let expected = if moved { "recovery" } else { "primary" };
        assert_eq!(item["active_location"], expected, "{item}");
    }
    let run_id = sandbox.only_run();
    let started = sandbox.run_started(&run_id);
    assert_eq!(
        started["settings"]["vms"],
        serde_json::json!(["web-01", "app-03", "app-01"]),
        "a resume selects the same VMs"
    );
}

#[test]
fn an_unknown_vm_is_refused_with_did_you_mean() {
    let sandbox = estate();
    let out = sandbox.run("failover", &["--vm", "app-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let text = stderr(&out);
    assert!(text.contains("plan `estate` has no VM `app-1`"), "{text}");
    assert!(text.contains("did you mean `app-01`"), "{text}");
}

/// Now, as the simulated vault's clock reads it, moved by `secs` (negative: earlier).
fn instant(secs: i64) -> drplan::clock::Timestamp {
    let now = drplan::clock::Clock::system().now();
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs < 0 {
        drplan::clock::Timestamp(now.0 - by)
    } else {
        now.plus(by)
    }
}

#[test]
fn before_refuses_up_front_naming_every_vm_without_a_point() {
    let sandbox = estate();
    // web-01 replicates ten days behind: only its points are that old.
    std::fs::write(
        sandbox.path().join("estate.faults.json"),
        r#"{"rpo_s": {"web-01": 864000}}"#,
    )
    .unwrap();
    let before = format!("before:{}", instant(-86_400));
    let out = sandbox.run(
        "failover",
        &["--recovery-point", &before, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let missing: Vec<String> = findings(&out, "recovery_point")
        .iter()
        .map(|f| f["vm"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        missing,
        ["db-01", "db-02", "app-01", "app-02", "app-03"],
        "{}",
        show(&out)
    );
    assert!(sandbox.jobs().is_empty(), "no VM may have been touched");
}

#[test]
fn before_picks_each_vms_latest_point_at_or_before_the_instant() {
    let sandbox = estate();
    let when = instant(-120);
    let before = format!("before:{when}");
    let out = sandbox.run(
        "failover",
        &[
            "--recovery-point",
            &before,
            "--vm",
            "app-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let started = sandbox.run_started(&sandbox.only_run());
    let points = started["settings"]["points"].as_object().unwrap();
    assert_eq!(points.keys().collect::<Vec<_>>(), ["app-01"], "{started}");
    let picked: drplan::clock::Timestamp =
        points["app-01"]["time"].as_str().unwrap().parse().unwrap();
    assert!(picked <= when, "{picked} is after {when}");
    // Crash-consistent points come every 5 minutes: the latest one at or
    // before the instant is no older than that.
    assert!(
        when.since(picked) <= Duration::from_secs(300),
        "{picked} vs {when}"
    );

    // With `latest-app-consistent`: the hourly application-consistent point.
    let sandbox = estate();
    let out = sandbox.run(
        "test-failover",
        &[
            "--recovery-point",
            &before,
            "--recovery-point",
            "latest-app-consistent",
            "--vm",
            "app-02",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let started = sandbox.run_started(&sandbox.only_run());
    assert_eq!(
        started["settings"]["points"]["app-02"]["app_consistent"], true,
        "{started}"
    );
}

#[test]
fn recovery_point_flags_are_checked_before_the_plan_is_read() {
    let sandbox = estate();
    let out = sandbox.run("commit", &["--recovery-point", "before:2026-12-01T10:00Z"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("applies to failover, failback and test-failover"));
    let out = sandbox.run("failover", &["--recovery-point", "before:yesterday"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("RFC 3339"), "{}", show(&out));
    let out = sandbox.run("failover", &["--recovery-point", "latest"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("--unplanned"), "{}", show(&out));
}
