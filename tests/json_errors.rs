//! Under `--format json` errors and refusals are one `drplan.error/1`
//! document on stdout (code, message, exit code, details), nothing on
//! stderr's `error:` line; and every document printed leads with `schema`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn drplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drplan"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DRPLAN_STATE")
        .output()
        .unwrap()
}

/// The one error document `out` printed, checked against `code` and `exit`.
fn error_doc(out: &Output, code: &str, exit: i32) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit), "{text}{stderr}");
    assert_eq!(text.lines().count(), 1, "one document: {text}");
    assert!(text.starts_with(r#"{"schema":"drplan.error/1","#), "{text}");
    assert!(!stderr.contains("error:"), "nothing said twice: {stderr}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["error"]["code"], code, "{doc}");
    assert_eq!(doc["error"]["exit"], exit, "{doc}");
    assert!(!doc["error"]["message"].as_str().unwrap().is_empty());
    doc
}

const BROKEN: &str = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g needs nope { vm a }\n}\n";
const GOOD: &str = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a }\n}\n";

#[test]
fn a_plan_with_errors_is_one_error_document_with_its_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.drplan"), BROKEN).unwrap();
    for args in [
        &["run", "failover", "p.drplan", "--format", "json"][..],
        &[
            "run",
            "failover",
            "p.drplan",
            "--dry-run",
            "--format",
            "json",
        ],
        &["graph", "p.drplan", "--format", "json"],
    ] {
        let doc = error_doc(&drplan(dir.path(), args), "plan_invalid", 1);
        assert_eq!(
            doc["error"]["diagnostics"][0]["code"], "drplan::unknown_group",
            "{args:?}: {doc}"
        );
    }
    let doc = error_doc(
        &drplan(dir.path(), &["graph", "missing.drplan", "--format", "json"]),
        "unreadable",
        2,
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing.drplan")
    );
}

#[test]
fn an_unknown_run_is_run_not_found_for_every_command_that_names_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.drplan"), GOOD).unwrap();
    let id = "20260101-000000-abcd";
    for args in [
        &["resume", id, "--format", "json"][..],
        &["output", id, "--format", "json"],
        &["approve", id, "hook:g/before/1", "--format", "json"],
        &["reject", id, "hook:g/before/1", "--format", "json"],
    ] {
        error_doc(&drplan(dir.path(), args), "run_not_found", 2);
    }
}

#[test]
fn usage_errors_of_drplans_own_are_documents_and_claps_stay_claps() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.drplan"), GOOD).unwrap();
    let doc = error_doc(
        &drplan(
            dir.path(),
            &["graph", "p.drplan", "--group", "nope", "--format", "json"],
        ),
        "usage",
        2,
    );
    assert!(doc["error"]["message"].as_str().unwrap().contains("nope"));
    error_doc(
        &drplan(dir.path(), &["check", "-", "-", "--format", "json"]),
        "usage",
        2,
    );
    // clap's own parse errors are clap's: text on stderr.
    let out = drplan(dir.path(), &["graph", "p.drplan", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"));
}

#[test]
fn every_json_document_leads_with_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.drplan"), GOOD).unwrap();
    let first_key = |args: &[&str], schema: &str| {
        let out = drplan(dir.path(), args);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.is_empty(), "{args:?}");
        for line in text.lines() {
            assert!(
                line.starts_with(&format!(r#"{{"schema":"{schema}","#)),
                "{args:?}: {line}"
            );
        }
    };
    first_key(&["check", "p.drplan", "--format", "json"], "drplan.check/1");
    first_key(&["graph", "p.drplan", "--format", "json"], "drplan.graph/1");
    first_key(
        &[
            "run",
            "failover",
            "p.drplan",
            "--dry-run",
            "--format",
            "json",
        ],
        "drplan.dry_run/1",
    );
    first_key(&["runs", "--format", "json"], "drplan.runs/1");
    first_key(
        &["run", "failover", "p.drplan", "--format", "json"],
        "drplan.event/1",
    );
    first_key(
        &["status", "p.drplan", "--format", "json"],
        "drplan.status/1",
    );
    first_key(&["jobs", "p.drplan", "--format", "json"], "drplan.jobs/1");
}
