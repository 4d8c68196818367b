//! `drplan resume RUN --plan FILE` with a corrected plan, through the binary
//! on a simulated vault: a failover whose probe points where nothing
//! listens fails; fixing the URL in the plan and resuming with it prints the
//! change, journals `plan_amended` and finishes the run; a correction that
//! also changes a step that succeeded is refused (exit 2) naming it, with
//! nothing written; a file that differs only in comments changes nothing.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;

use serde_json::Value;

use crate::support::sandbox::{
    Sandbox, assert_stream, event, finished, ndjson, of_kind, show, stderr, stdout, step,
};

/// db: a wait, its VM, then the probe; web after db.
fn plan(probe_url: &str, wait: &str) -> String {
    format!(
        r#"plan amend {{
  vault simulator
  primary "westeurope"
  recovery "northeurope"

  group db {{
    vm db-01
    before failover {{ wait {wait} }}
    after failover {{
      probe "{probe_url}" {{ expect 200  every 1s  within 1s }}
    }}
  }}

  group web needs db {{
    vm web-01
  }}
}}
"#
    )
}

/// A loopback URL nothing listens on: the port was free a moment ago.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/health")
}

/// A loopback server answering every request `200 OK`, for the test's life.
fn live_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    format!("http://127.0.0.1:{port}/health")
}

/// A failover of [`plan`] that fails at its probe; the sandbox and run id.
fn failed_at_probe(dead: &str) -> (Sandbox, String) {
    let sandbox = Sandbox::with_plan("amend", &plan(dead, "1s"));
    let out = sandbox.run("failover", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run_id = sandbox.only_run();
    let events = sandbox.journal(&run_id);
    let status = finished(&events);
    assert_eq!(status["hook:db/before/1"], "succeeded", "{events:#?}");
    assert_eq!(status["vm:db/db-01"], "succeeded", "{events:#?}");
    assert_eq!(status["hook:db/after/1"], "failed", "{events:#?}");
    (sandbox, run_id)
}

fn resume_with_plan(sandbox: &Sandbox, run_id: &str) -> std::process::Output {
    sandbox.output(&[
        "resume",
        run_id,
        "--plan",
        &sandbox.plan,
        "--format",
        "json",
    ])
}

fn kept_revision(sandbox: &Sandbox, run_id: &str, n: u32) -> std::path::PathBuf {
    sandbox
        .drplan_dir()
        .join("runs")
        .join(run_id)
        .join(format!("plan.{n}.drplan"))
}

#[test]
fn a_probe_url_fixed_in_the_plan_resumes_the_failed_run_to_its_end() {
    let dead = dead_url();
    let (sandbox, run_id) = failed_at_probe(&dead);
    let live = live_url();
    let corrected = format!("# the health endpoint moved\n{}", plan(&live, "1s"));
    std::fs::write(sandbox.path().join(&sandbox.plan), &corrected).unwrap();
    let before = sandbox.journal(&run_id).len();

    let out = resume_with_plan(&sandbox, &run_id);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let change = format!(r#"hook:db/after/1 (probe): url "{dead}" → "{live}""#);
    let err = stderr(&out);
    assert!(err.contains(&format!("  {change}\n")), "{}", show(&out));
    assert!(
        err.contains("1 change; none touches a step that already ran"),
        "{}",
        show(&out)
    );

    // `plan_amended` first, then the resumed part, which runs only what did not succeed.
    let events = ndjson(&stdout(&out));
    assert_eq!(event(&events[0]), "plan_amended", "{events:#?}");
    assert_eq!(events[0]["revision"], 1);
    assert_eq!(events[0]["changes"], serde_json::json!([change]));
    assert_stream(&events[1..], "succeeded", "resume with a corrected plan");
    assert_eq!(events[1]["resumed"], true);
    let started: BTreeSet<&str> = of_kind(&events, "step_started")
        .into_iter()
        .map(step)
        .collect();
    assert_eq!(
        started,
        BTreeSet::from(["hook:db/after/1", "vm:web/web-01"])
    );

    // The journal holds the same events; the corrected text is kept as revision 1.
    let journal = sandbox.journal(&run_id);
    assert_eq!(journal.len(), before + events.len());
    assert_eq!(of_kind(&journal, "plan_amended").len(), 1);
    assert_eq!(
        std::fs::read_to_string(kept_revision(&sandbox, &run_id, 1)).unwrap(),
        corrected
    );
    assert_eq!(sandbox.runs()[0]["status"], "succeeded");
}

#[test]
fn a_correction_that_changes_a_step_that_succeeded_is_refused_and_writes_nothing() {
    let dead = dead_url();
    let (sandbox, run_id) = failed_at_probe(&dead);
    let journal = std::fs::read(sandbox.journal_path(&run_id)).unwrap();
    // The URL fix alone would do; the longer wait changes a hook that succeeded.
    std::fs::write(sandbox.path().join(&sandbox.plan), plan(&live_url(), "2s")).unwrap();

    let out = resume_with_plan(&sandbox, &run_id);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stdout(&out).is_empty(), "{}", show(&out));
    let err = stderr(&out);
    for expected in [
        "  hook:db/before/1 (wait): duration 1s → 2s\n",
        "error: resume refused:",
        "  hook:db/before/1 already succeeded, and the corrected plan changes it (duration 1s → 2s); revert the change to this step",
        "drplan run failover amend.drplan",
    ] {
        assert!(err.contains(expected), "lacks {expected:?}\n{}", show(&out));
    }
    assert_eq!(
        std::fs::read(sandbox.journal_path(&run_id)).unwrap(),
        journal
    );
    assert!(!kept_revision(&sandbox, &run_id, 1).exists());
    assert_eq!(sandbox.runs()[0]["status"], "failed");
}

#[test]
fn a_plan_file_changed_only_in_comments_resumes_with_the_runs_plan() {
    let dead = dead_url();
    let (sandbox, run_id) = failed_at_probe(&dead);
    let text = format!("# reviewed\n{}", plan(&dead, "1s"));
    std::fs::write(sandbox.path().join(&sandbox.plan), text).unwrap();

    // The probe still points nowhere: the run fails again, unamended.
    let out = resume_with_plan(&sandbox, &run_id);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("differs from run")
            && stderr(&out).contains("only in comments or layout"),
        "{}",
        show(&out)
    );
    let events: Vec<Value> = ndjson(&stdout(&out));
    assert_stream(&events, "failed", "resume with comments only");
    assert!(of_kind(&sandbox.journal(&run_id), "plan_amended").is_empty());
    assert!(!kept_revision(&sandbox, &run_id, 1).exists());
}
