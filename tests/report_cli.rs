//! `drplan report` end to end on a simulated vault: a succeeded and a
//! failed failover of the quickstart, and every run of its whole cycle,
//! rendered in real Chromium (headless,
//! driven by `tests/browser/check-report.mjs`): nothing fetched, no console
//! error, one timeline bar per started step, a screenshot with content;
//! and the bad inputs: an unknown run id, a journal cut short by a crash,
//! a run whose plan copy is gone.

#![allow(clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::sandbox::{Sandbox, show, stderr, stdout};

/// The quickstart's steps that start in a run, from its journal.
fn started(sandbox: &Sandbox, run: &str) -> Vec<String> {
    let mut steps: Vec<String> = sandbox
        .journal(run)
        .iter()
        .filter(|e| e["event"] == "step_started")
        .map(|e| e["step"].as_str().unwrap().to_string())
        .collect();
    steps.sort();
    steps.dedup();
    steps
}

fn report(sandbox: &Sandbox, run: &str, format: &str) -> String {
    let out = sandbox.output(&["report", run, "--format", format]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    stdout(&out)
}

/// `node check-report.mjs FILE` once playwright-core is installed.
fn in_chromium(file: &Path) -> Value {
    let folder = crate::support::npm::installed("browser", "playwright-core");
    let out = Command::new("node")
        .arg(folder.join("check-report.mjs"))
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("node did not start: {e}"));
    assert!(
        out.status.success(),
        "check-report.mjs failed (is Debian's chromium installed?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_renders(sandbox: &Sandbox, run: &str, status: &str) {
    let file: PathBuf = sandbox.path().join(format!("{run}.html"));
    std::fs::write(&file, report(sandbox, run, "html")).unwrap();
    let seen = in_chromium(&file);
    let url = seen["url"].as_str().unwrap();
    let requests: Vec<&str> = seen["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(requests, [url], "the page fetched something besides itself");
    assert_eq!(seen["consoleErrors"], serde_json::json!([]));
    let mut bars: Vec<String> = seen["bars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    bars.sort();
    assert_eq!(
        bars,
        started(sandbox, run),
        "one timeline bar per started step"
    );
    assert_eq!(seen["status"], status);
    assert!(
        seen["colours"].as_u64().unwrap() > 2,
        "the screenshot is blank"
    );
    eprintln!("{status} report rendered in {} ms", seen["loadMs"]);
}

#[test]
fn reports_of_a_succeeded_and_a_failed_failover_render_in_chromium() {
    let ok = Sandbox::quickstart();
    assert_eq!(ok.run("failover", &[]).status.code(), Some(0));
    assert_renders(&ok, &ok.only_run(), "succeeded");

    let bad = Sandbox::quickstart();
    std::fs::write(
        bad.path().join("quickstart.faults.json"),
        r#"{"operations":[{"vm":"app-02","operation":"failover","effect":"fail","times":2}]}"#,
    )
    .unwrap();
    assert_eq!(bad.run("failover", &[]).status.code(), Some(1));
    let run = bad.only_run();
    assert_renders(&bad, &run, "failed");
    let md = report(&bad, &run, "md");
    assert!(md.contains("**failover failed"), "{md}");
    assert!(md.contains("### vm:app/app-02"), "{md}");
    assert!(md.contains("Recommended action:"), "{md}");
}

/// The README's whole cycle, rehearsal first: every run's report renders.
#[test]
fn reports_of_the_whole_cycle_render_in_chromium() {
    let sandbox = Sandbox::quickstart();
    let cycle = [
        "test-failover",
        "test-cleanup",
        "failover",
        "commit",
        "reprotect",
        "failback",
        "commit",
        "reprotect",
    ];
    for op in cycle {
        let out = sandbox.run(op, &[]);
        assert_eq!(out.status.code(), Some(0), "run {op}\n{}", show(&out));
    }
    let runs = sandbox.run_ids();
    assert_eq!(runs.len(), cycle.len(), "{runs:?}");
    for run in &runs {
        assert_renders(&sandbox, run, "succeeded");
    }
}

#[test]
fn json_report_carries_the_schema_first_and_the_run_facts() {
    let sandbox = Sandbox::quickstart();
    assert_eq!(sandbox.run("failover", &[]).status.code(), Some(0));
    let run = sandbox.only_run();
    let text = report(&sandbox, &run, "json");
    assert!(
        text.trim_start()
            .starts_with("{\n  \"schema\": \"drplan.report/1\"")
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["status"], "succeeded");
    assert_eq!(doc["direction"]["from"], "westeurope");
    assert_eq!(doc["recovery"]["rto"]["verdict"], "met");
    assert_eq!(doc["steps"].as_array().unwrap().len(), 15);
    assert_eq!(doc["machines"]["before"].as_array().unwrap().len(), 10);
    assert_eq!(doc["machines"]["after"][0]["active"], "recovery");
}

#[test]
fn an_unknown_run_exits_2_naming_the_closest() {
    let sandbox = Sandbox::quickstart();
    assert_eq!(sandbox.run("failover", &[]).status.code(), Some(0));
    let run = sandbox.only_run();
    // The last character changed, never to itself (run ids end in hex).
    let last = if run.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &run[..run.len() - 1]);
    let out = sandbox.output(&["report", &wrong]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains(&format!("did you mean `{run}`?")),
        "{}",
        show(&out)
    );
    assert!(stderr(&out).contains("drplan runs"), "{}", show(&out));
}

#[test]
fn a_journal_cut_short_is_incomplete_and_a_missing_plan_copy_is_said() {
    let sandbox = Sandbox::quickstart();
    assert_eq!(sandbox.run("failover", &[]).status.code(), Some(0));
    let run = sandbox.only_run();
    // A crash: the journal lost its last events.
    let journal = sandbox.journal_path(&run);
    let text = std::fs::read_to_string(&journal).unwrap();
    let cut: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("run_finished"))
        .collect();
    std::fs::write(&journal, cut.join("\n") + "\n").unwrap();
    let md = report(&sandbox, &run, "md");
    assert!(md.contains("**failover incomplete"), "{md}");
    assert!(!md.contains("succeeded;"), "{md}");
    // The plan copy kept with the run is gone.
    for entry in std::fs::read_dir(journal.parent().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "drplan") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let md = report(&sandbox, &run, "md");
    assert!(md.contains("could not be read"), "{md}");
    assert!(!md.contains("## Plan\n"), "{md}");
}
