//! Drills as evidence: the content hash of a plan's canonical form (layout
//! and comments do not change it, an edit does), the git commit a run
//! records (and none outside a repository), `drplan runs` showing both, and
//! the `check --drill-within` gate: failing for a plan never drilled,
//! passing after a test failover and a test cleanup on the simulated vault,
//! and failing after an edit, naming the change.

use std::path::Path;
use std::process::Command;

use crate::support::sandbox::{Sandbox, show, stdout};

const PLAN: &str = r#"plan drilled {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  objectives { rto 30m }
  group db { vm sql-01, sql-02 }
  group web needs db { vm web-01 }
}
"#;

/// The same plan laid out otherwise, with comments and blank lines.
const RELAID: &str = r#"# The drilled plan, annotated.
plan drilled {
  vault     simulator
  primary "westeurope"    # where it runs

  recovery "northeurope"
  objectives {
    rto 30m  # agreed with the business
  }

  group db {
    vm sql-01, sql-02
  }
  group web needs db { vm web-01 }
}
"#;

fn hash(text: &str) -> String {
    drplan::fmt::content_hash(text).unwrap()
}

#[test]
fn the_content_hash_ignores_layout_and_comments_but_not_edits() {
    let original = hash(PLAN);
    assert!(original.starts_with("sha256:"), "{original}");
    assert_eq!(original.len(), "sha256:".len() + 64);
    assert_eq!(hash(RELAID), original);
    let formatted = drplan::fmt::format_text(RELAID).unwrap();
    assert_eq!(hash(&formatted), original);
    let other_comment = PLAN.replace("plan drilled {", "plan drilled { # edited note");
    assert_eq!(hash(&other_comment), original);
    let edited = PLAN.replace("vm web-01", "vm web-01, web-02");
    assert_ne!(hash(&edited), original);
    let retimed = PLAN.replace("rto 30m", "rto 45m");
    assert_ne!(hash(&retimed), original);
    assert_eq!(drplan::fmt::content_hash("plan {"), None);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", show(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn runs_json(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    sandbox.runs()
}

#[test]
fn runs_record_the_commit_inside_a_repository_and_none_outside() {
    let sandbox = Sandbox::with_plan("drilled", PLAN);
    let out = sandbox.run("test-failover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let runs = runs_json(&sandbox);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["commit"], serde_json::Value::Null);
    assert_eq!(runs[0]["dirty"], false);
    assert_eq!(runs[0]["content_hash"], hash(PLAN).as_str());
    let human = stdout(&sandbox.output(&["runs"]));
    assert!(human.contains("no git"), "{human}");

    let dir = sandbox.path();
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.name", "Drill Test"]);
    git(dir, &["config", "user.email", "drill@example.com"]);
    git(dir, &["add", "drilled.drplan"]);
    git(dir, &["commit", "-q", "-m", "plan"]);
    let head = git(dir, &["rev-parse", "HEAD"]);
    let out = sandbox.run("test-cleanup", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let runs = runs_json(&sandbox);
    let cleanup = runs
        .iter()
        .find(|r| r["operation"] == "test-cleanup")
        .unwrap();
    assert_eq!(cleanup["commit"], head.as_str());
    assert_eq!(cleanup["dirty"], false);

    // A comment edit leaves the content as it was, and the file dirty.
    std::fs::write(dir.join("drilled.drplan"), format!("# note\n{PLAN}")).unwrap();
    let out = sandbox.run("test-failover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let runs = runs_json(&sandbox);
    let newest = &runs[0];
    assert_eq!(newest["dirty"], true);
    assert_eq!(newest["content_hash"], hash(PLAN).as_str());
    let human = stdout(&sandbox.output(&["runs"]));
    let short = format!("{}+dirty", &head[..7]);
    assert!(human.contains(&short), "{human}");

    insta::with_settings!({ filters => vec![
        (r"\d{8}-\d{6}-[0-9a-f]{4}", "[run]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "[time]"),
        (r"\b\d+\.\ds\b", "[dur]"),
        (r"\b[0-9a-f]{7}(\+dirty)?  ", "[commit]  "),
        (r"\b[0-9a-f]{12}\b", "[hash]"),
    ]}, {
        insta::assert_snapshot!("runs_with_commit_and_hash", human);
    });
}

fn check_drill(sandbox: &Sandbox) -> std::process::Output {
    sandbox.output(&["check", "--drill-within", "90d", &sandbox.plan])
}

#[test]
fn the_drill_gate_fails_for_a_plan_never_drilled() {
    let sandbox = Sandbox::with_plan("drilled", PLAN);
    let out = check_drill(&sandbox);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("drplan::drill_overdue"), "{text}");
    assert!(text.contains("has never been drilled"), "{text}");
    // A test failover alone is no drill.
    let out = sandbox.run("test-failover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = check_drill(&sandbox);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // Without the flag, check does not look at drills.
    let out = sandbox.output(&["check", &sandbox.plan]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn the_drill_gate_passes_after_a_drill_and_fails_after_an_edit() {
    let sandbox = Sandbox::with_plan("drilled", PLAN);
    for op in ["test-failover", "test-cleanup"] {
        let out = sandbox.run(op, &[]);
        assert_eq!(out.status.code(), Some(0), "{op}: {}", show(&out));
    }
    let out = check_drill(&sandbox);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // Reformatting and comments are no change.
    std::fs::write(sandbox.path().join(&sandbox.plan), RELAID).unwrap();
    let out = check_drill(&sandbox);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // A VM added is.
    std::fs::write(
        sandbox.path().join(&sandbox.plan),
        PLAN.replace("vm web-01", "vm web-01, web-02"),
    )
    .unwrap();
    let out = sandbox.output(&[
        "check",
        "--drill-within",
        "90d",
        &sandbox.plan,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "drplan::drill_overdue", "{report}");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("changed since its last drill on"),
        "{message}"
    );
    assert!(message.contains("vm:web/web-02: added (vm)"), "{message}");
    assert!(message.contains("no commit"), "{message}");
    // The plan's name carries the label, as every diagnostic has a place.
    assert_eq!(d["line"], 1, "{d}");
}
