//! Controlling a run from outside, through the binary on a simulated vault:
//! the plan's lock (live and stale), Ctrl-C and resume, and `manual` steps
//! approved from another process or with `--yes`.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::run_cli::QUICKSTART_VMS;
use crate::support::sandbox::{
    SPEED, Sandbox, assert_stream, event, finished, lock_is_free, ndjson, poll, said, show, stderr,
    stdout, step, wait_for_exit,
};

fn write_lock(sandbox: &Sandbox, pid: u32) {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let holder = serde_json::json!({
        "run_id": "20260101-000000-abcd",
        "pid": pid,
        "host": host.trim(),
        "since": "2026-01-01T00:00:00.000Z",
    });
    std::fs::create_dir_all(sandbox.drplan_dir()).unwrap();
    std::fs::write(sandbox.lock_file(), holder.to_string()).unwrap();
}

#[test]
fn a_live_lock_stops_the_run_and_a_stale_one_is_taken_over() {
    let sandbox = Sandbox::quickstart();
    // This test process holds the lock, as a running drplan would.
    write_lock(&sandbox, std::process::id());
    let file = std::fs::File::open(sandbox.lock_file()).unwrap();
    let held = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        said(&out).contains("run 20260101-000000-abcd"),
        "the refusal should name the run holding the lock\n{}",
        show(&out)
    );
    assert!(
        sandbox.run_ids().is_empty(),
        "a locked-out run leaves no journal"
    );
    assert!(!lock_is_free(&sandbox), "someone else's lock is left alone");
    assert!(sandbox.jobs().is_empty(), "a locked-out run starts no job");
    drop(held);

    // A lock file left by a process that has exited (a crash): nobody holds
    // the lock any more.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    write_lock(&sandbox, pid);
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_stream(
        &ndjson(&stdout(&out)),
        "succeeded",
        "failover after a stale lock",
    );
    assert!(lock_is_free(&sandbox), "the run releases the lock it took");
}

#[test]
fn ctrl_c_cancels_and_resume_follows_the_jobs_in_flight() {
    let sandbox = Sandbox::quickstart();
    // Slow enough that the run is still in its first wave when interrupted.
    let mut child = sandbox.spawn_failover("60", &[]);
    let run_id = poll(&mut child, "run journal", || sandbox.run_ids().pop());
    // A VM step whose job has reported progress twice: the second report
    // comes after the run first waited, by which time its Ctrl-C handler
    // is installed (before that, SIGINT would kill it outright).
    poll(&mut child, "progress of a VM step", || {
        let events = sandbox.journal(&run_id);
        let first = events
            .iter()
            .find(|e| event(e) == "step_started" && e["kind"] == "vm")?;
        let reports = events
            .iter()
            .filter(|e| {
                event(e) == "step_progress" && step(e) == step(first) && e["percent"].is_number()
            })
            .count();
        (reports >= 2).then_some(())
    });
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = wait_for_exit(&mut child, "the interrupted run");
    assert_eq!(
        status.code(),
        Some(130),
        "exit status of an interrupted run"
    );

    let journal = sandbox.journal(&run_id);
    let last = journal.last().unwrap();
    assert_eq!(event(last), "run_finished", "{last}");
    assert_eq!(last["status"], "cancelled", "{last}");
    assert!(
        lock_is_free(&sandbox),
        "an interrupted run releases the lock"
    );
    let runs = sandbox.runs();
    assert_eq!(runs[0]["run_id"], run_id.as_str());
    assert_eq!(runs[0]["status"], "cancelled", "{runs:?}");
    // The VM steps cut short, with the job each had started.
    let in_flight: BTreeMap<String, String> = journal
        .iter()
        .filter(|e| event(e) == "step_progress" && e["job"].is_string())
        .filter(|e| {
            !journal
                .iter()
                .any(|f| event(f) == "step_finished" && step(f) == step(e))
        })
        .map(|e| (step(e).to_string(), e["job"].as_str().unwrap().to_string()))
        .collect();

    // From another folder, pointing at the plan's.
    let out = sandbox
        .drplan()
        .current_dir("/")
        .args(["resume", &run_id, "--format", "json", "--plan"])
        .arg(sandbox.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "resume\n{}", show(&out));
    let resumed = ndjson(&stdout(&out));
    assert_stream(&resumed, "succeeded", "resume");
    assert!(
        !in_flight.is_empty(),
        "the interrupt came while VM jobs ran"
    );
    for (id, job) in &in_flight {
        assert!(
            resumed.iter().any(|e| {
                event(e) == "step_progress"
                    && step(e) == id
                    && e["job"] == job.as_str()
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("following the job an earlier run started"))
            }),
            "resume should follow {id}'s job {job}, not start another"
        );
    }
    let jobs = sandbox.jobs();
    for (_, vm) in QUICKSTART_VMS {
        let mine: Vec<&Value> = jobs.iter().filter(|j| j["vm"] == vm).collect();
        assert_eq!(
            mine.len(),
            1,
            "{vm}: one failover job, never a second: {mine:#?}"
        );
        assert_eq!(mine[0]["operation"], "failover");
        assert_eq!(mine[0]["state"], "succeeded", "{:#}", mine[0]);
    }
    assert_eq!(sandbox.runs()[0]["status"], "succeeded");
}

#[test]
fn a_manual_step_is_approved_from_another_process() {
    let sandbox = Sandbox::with_plan("approval", APPROVAL_PLAN);
    let dir = sandbox.path().display().to_string();
    // No terminal and no `--yes`: only `drplan approve` can answer.
    let mut child = sandbox.spawn_failover(SPEED, &[]);
    let run_id = poll(&mut child, "run journal", || sandbox.run_ids().pop());
    poll(&mut child, "the manual step", || {
        sandbox
            .journal(&run_id)
            .iter()
            .any(|e| {
                event(e) == "step_started" && step(e) == "hook:g/after/1" && e["kind"] == "manual"
            })
            .then_some(())
    });

    let wrong = sandbox.output(&["approve", &run_id, "vm:g/a", "--plan", &dir]);
    assert_eq!(wrong.status.code(), Some(2), "{}", show(&wrong));
    assert!(
        stderr(&wrong).contains("vm:g/a of run") && stderr(&wrong).contains("not a manual one"),
        "{}",
        show(&wrong)
    );

    let ok = sandbox.output(&["approve", &run_id, "hook:g/after/1", "--plan", &dir]);
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));
    assert!(
        stdout(&ok).contains(&format!("hook:g/after/1 of run {run_id}: approved by ")),
        "{}",
        show(&ok)
    );
    let status = wait_for_exit(&mut child, "the approved run");
    assert_eq!(status.code(), Some(0), "the approved run");
    let events = sandbox.journal(&run_id);
    assert_stream(&events, "succeeded", "approved run");
    assert_eq!(
        finished(&events).get("hook:g/after/1").map(String::as_str),
        Some("succeeded")
    );

    // Who approved is in the journal, before the step ended: the
    // sign-off's audit trail.
    let decided = events
        .iter()
        .position(|e| event(e) == "decided" && step(e) == "hook:g/after/1")
        .unwrap_or_else(|| panic!("no decided event: {events:?}"));
    assert_eq!(events[decided]["verdict"], "approved");
    assert!(
        events[decided]["by"]
            .as_str()
            .is_some_and(|by| by.contains(" on ")),
        "{}",
        events[decided]
    );
    let finished = events
        .iter()
        .position(|e| event(e) == "step_finished" && step(e) == "hook:g/after/1")
        .unwrap();
    assert!(decided < finished);

    // A run that has ended waits for nothing: approving it is refused.
    let again = sandbox.output(&["approve", &run_id, "hook:g/after/1", "--plan", &dir]);
    assert_eq!(again.status.code(), Some(2), "{}", show(&again));
    assert!(
        stderr(&again).contains(&format!("run {run_id} is not running (it is succeeded)")),
        "{}",
        show(&again)
    );
}

#[test]
fn yes_approves_manual_steps_without_waiting() {
    let sandbox = Sandbox::with_plan("approval", APPROVAL_PLAN);
    // Spawned with a deadline: were `--yes` ignored, the run would wait for ever.
    let mut child = sandbox.spawn_failover(SPEED, &["--yes"]);
    let status = wait_for_exit(&mut child, "run failover --yes");
    assert_eq!(status.code(), Some(0));
    let events = ndjson(&std::fs::read_to_string(sandbox.path().join("events.ndjson")).unwrap());
    assert_stream(&events, "succeeded", "run failover --yes");
    assert_eq!(
        finished(&events).get("hook:g/after/1").map(String::as_str),
        Some("succeeded")
    );
}

/// A plan whose only hook is a `manual` step after the failover.
const APPROVAL_PLAN: &str = r#"plan approval {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group g {
    vm a
    after failover {
      manual "check the listener"
    }
  }
}
"#;
