//! The binary under the ways a real day ends a run: SIGTERM and SIGHUP stop
//! it as Ctrl-C does (hooks stopped, resumable); a drplan killed outright
//! leaves its hook running, and neither a resume nor a new run starts that
//! hook again until it has ended; a removed lock file lets no second run in
//! and `approve` still reaches the live run; a journal torn inside a
//! multibyte character is listed and resumed.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::sandbox::{
    DEADLINE, Sandbox, event, finished, gate_plan, one_vm_plan, poll, said, show, stderr,
    wait_for_exit, wait_for_step,
};

/// A script that, on its first attempt, records its pid and then sleeps for
/// a long time; later attempts end at once.
const SLOW_HOOK: &str = r#"#!/bin/sh
n=$(cat attempts 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > attempts
if [ "$n" -eq 1 ]; then
  echo $$ > hook.pid
  exec sleep 57
fi
echo "attempt $n done"
"#;

/// Writes an executable script below the sandbox.
pub(crate) fn script(sandbox: &Sandbox, path: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let file = sandbox.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, body).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Sends `signal` (`TERM`, `HUP`, `KILL`) to `pid`, or to the process group
/// `-pid`.
pub(crate) fn send(signal: &str, pid: i64) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, "--", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// Whether `pid` is a live process (not gone, not a zombie).
pub(crate) fn alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name's closing parenthesis.
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
    })
}

/// Waits until `pid` is no longer alive, failing the test after `DEADLINE`.
fn wait_gone(pid: i64) {
    let deadline = Instant::now() + DEADLINE;
    while alive(pid) {
        assert!(Instant::now() < deadline, "process {pid} still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn hooked() -> Sandbox {
    let sandbox = Sandbox::with_plan("hooked", &one_vm_plan("hooked", "script \"hooks/slow.sh\""));
    script(&sandbox, "hooks/slow.sh", SLOW_HOOK);
    sandbox
}

/// `run failover` in the background, events and messages to files.
fn spawn_run(sandbox: &Sandbox, more: &[&str]) -> Child {
    let events = std::fs::File::create(sandbox.path().join("events.ndjson")).unwrap();
    let errors = std::fs::File::create(sandbox.path().join("stderr.txt")).unwrap();
    sandbox
        .drplan()
        .args(["run", "failover", &sandbox.plan, "--format", "json"])
        .args(more)
        .stdout(events)
        .stderr(errors)
        .spawn()
        .unwrap()
}

/// The pid the slow hook wrote, once it has.
fn hook_pid(sandbox: &Sandbox, child: &mut Child) -> i64 {
    let file = sandbox.path().join("hook.pid");
    poll(child, "the hook's pid", || {
        std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
    })
}

fn attempts(sandbox: &Sandbox) -> u32 {
    std::fs::read_to_string(sandbox.path().join("attempts"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn child_pid(child: &Child) -> i64 {
    i64::from(child.id())
}

#[test]
fn sigterm_and_sighup_stop_the_hooks_and_leave_the_run_resumable() {
    for signal in ["TERM", "HUP"] {
        let sandbox = hooked();
        let mut child = spawn_run(&sandbox, &[]);
        let hook = hook_pid(&sandbox, &mut child);
        send(signal, child_pid(&child));
        let status = wait_for_exit(&mut child, "the signalled run");
        let errors = std::fs::read_to_string(sandbox.path().join("stderr.txt")).unwrap();
        assert_eq!(
            status.code(),
            Some(130),
            "SIG{signal} exits as interrupted ({status}): {errors}"
        );
        wait_gone(hook);

        let run_id = sandbox.run_ids().pop().unwrap();
        let events = sandbox.journal(&run_id);
        let last = events.last().unwrap();
        assert_eq!(event(last), "run_finished", "SIG{signal}: {last}");
        assert_eq!(last["status"], "cancelled", "SIG{signal}");
        assert!(
            !finished(&events).contains_key("hook:g/before/1"),
            "the stopped hook is recorded in flight"
        );

        let resumed = sandbox.output(&["resume", &run_id]);
        assert_eq!(resumed.status.code(), Some(0), "{}", show(&resumed));
        assert_eq!(attempts(&sandbox), 2, "the stopped hook ran once more");
        let events = sandbox.journal(&run_id);
        assert_eq!(finished(&events)["hook:g/before/1"], "succeeded");
        assert_eq!(finished(&events)["vm:g/a"], "succeeded");
    }
}

#[test]
fn a_hook_left_running_by_a_killed_drplan_is_never_started_twice() {
    let sandbox = hooked();
    let mut child = spawn_run(&sandbox, &[]);
    let hook = hook_pid(&sandbox, &mut child);
    send("KILL", child_pid(&child));
    wait_for_exit(&mut child, "the killed run");
    assert!(alive(hook), "SIGKILL leaves the hook running");
    let run_id = sandbox.run_ids().pop().unwrap();

    // Neither a resume nor a new run of the plan starts it again.
    let resumed = sandbox.output(&["resume", &run_id]);
    assert_eq!(resumed.status.code(), Some(1), "{}", show(&resumed));
    let why = stderr(&resumed);
    assert!(
        why.contains(&format!(
            "hook:g/before/1 of run {run_id} still runs as process group {hook}"
        )) && why.contains(&format!("kill -- -{hook}"))
            && why.contains("nothing was done"),
        "{}",
        show(&resumed)
    );
    let again = sandbox.run("failover", &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(stderr(&again).contains("still runs"), "{}", show(&again));
    assert_eq!(attempts(&sandbox), 1, "the hook was not started again");
    assert!(alive(hook));

    // Once it has ended, the resume goes on.
    send("KILL", -hook);
    wait_gone(hook);
    let resumed = sandbox.output(&["resume", &run_id]);
    assert_eq!(resumed.status.code(), Some(0), "{}", show(&resumed));
    assert_eq!(attempts(&sandbox), 2);
}

#[test]
fn a_removed_lock_file_lets_no_second_run_in_and_approvals_still_arrive() {
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let mut first = spawn_run(&sandbox, &[]);
    let run_id = wait_for_step(&sandbox, &mut first, "hook:g/before/1");
    std::fs::remove_file(sandbox.path().join(".drplan/gate.lock")).unwrap();

    let mut second = sandbox
        .drplan()
        .args(["run", "failover", "gate.drplan", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_for_exit(&mut second, "the second run");
    let out = second.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "{}", show(&out));
    assert!(
        said(&out).contains(&format!("is being run by run {run_id}")),
        "{}",
        show(&out)
    );
    assert_eq!(
        sandbox.run_ids(),
        std::slice::from_ref(&run_id),
        "no second run began"
    );

    let runs = sandbox.json(&["runs", "--format", "json"]);
    assert_eq!(runs["runs"][0]["status"], "running", "{runs}");
    let approved = sandbox.output(&["approve", &run_id, "hook:g/before/1"]);
    assert_eq!(approved.status.code(), Some(0), "{}", show(&approved));
    let status = wait_for_exit(&mut first, "the approved run");
    assert_eq!(status.code(), Some(0));
}

/// A run that fails at its only VM, to be resumed.
fn failed_run(sandbox: &Sandbox) -> String {
    std::fs::write(
        sandbox.path().join("gate.faults.json"),
        r#"{"operations":[{"vm":"a","operation":"failover","effect":"fail","times":1}]}"#,
    )
    .unwrap();
    let out = sandbox.run("failover", &["--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    std::fs::remove_file(sandbox.path().join("gate.faults.json")).unwrap();
    sandbox.run_ids().pop().unwrap()
}

#[test]
fn a_journal_torn_inside_a_multibyte_character_is_listed_and_resumed() {
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let run_id = failed_run(&sandbox);
    let journal = sandbox
        .path()
        .join(".drplan/runs")
        .join(&run_id)
        .join("journal.jsonl");
    let mut torn = std::fs::read(&journal).unwrap();
    // A crash in the middle of `Käse`: the first byte of `ä` only.
    torn.extend_from_slice(
        br#"{"ts":"2026-01-01T00:00:00.000Z","event":"step_progress","step":"vm:g/a","message":"K"#,
    );
    torn.push(0xc3);
    std::fs::write(&journal, &torn).unwrap();

    let runs = sandbox.json(&["runs", "--format", "json"]);
    let listed: Vec<&Value> = runs["runs"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 1, "{runs}");
    assert_eq!(listed[0]["run_id"], run_id.as_str());
    assert_eq!(listed[0]["status"], "failed");

    let resumed = sandbox.output(&["resume", &run_id]);
    assert_eq!(resumed.status.code(), Some(0), "{}", show(&resumed));
    let text = std::fs::read(&journal).unwrap();
    assert!(
        std::str::from_utf8(&text).is_ok(),
        "the torn bytes were cut before appending"
    );
    assert_eq!(finished(&sandbox.journal(&run_id))["vm:g/a"], "succeeded");
}
