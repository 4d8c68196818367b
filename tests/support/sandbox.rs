//! A plan in a temporary folder and the binary run in it, plus what tests
//! need to read what it did: exit status and output for messages, NDJSON
//! events, journals, waiting for a child with a deadline.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Fast enough for a whole cycle in a few seconds, slow enough that the
/// simulated jobs still report progress.
pub(crate) const SPEED: &str = "20000";

/// How long a child may take before the test gives up on it: generous on a
/// shared 2-core machine, short enough that a hang fails rather than stalls.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// A temporary folder holding one plan (and what it needs), where the
/// binary runs.
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
    /// The plan's file name inside `dir`.
    pub(crate) plan: String,
}

impl Sandbox {
    /// `plans/quickstart.drplan` and `plans/hooks/`.
    pub(crate) fn quickstart() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let plans = super::root().join("plans");
        std::fs::copy(
            plans.join("quickstart.drplan"),
            dir.path().join("quickstart.drplan"),
        )
        .unwrap();
        let hooks = dir.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        for entry in std::fs::read_dir(plans.join("hooks")).unwrap() {
            let from = entry.unwrap().path();
            // `fs::copy` copies the permission bits too, so the scripts
            // stay executable (the checker rejects scripts that are not).
            std::fs::copy(&from, hooks.join(from.file_name().unwrap())).unwrap();
        }
        Self {
            dir,
            plan: "quickstart.drplan".to_string(),
        }
    }

    /// The example plan `plans/NAME.drplan` written as `<stem>.drplan`, with
    /// the hook scripts of `plans/hooks/` beside it (`drplan emulator` in
    /// the tests serves `shop.drplan`).
    pub(crate) fn example(name: &str, stem: &str) -> Self {
        let plans = super::root().join("plans");
        let text = std::fs::read_to_string(plans.join(format!("{name}.drplan"))).unwrap();
        let sandbox = Sandbox::with_plan(stem, &text);
        let hooks = sandbox.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        for entry in std::fs::read_dir(plans.join("hooks")).unwrap() {
            let from = entry.unwrap().path();
            std::fs::copy(&from, hooks.join(from.file_name().unwrap())).unwrap();
        }
        sandbox
    }

    /// A plan written from `text` as `<name>.drplan`.
    pub(crate) fn with_plan(name: &str, text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let plan = format!("{name}.drplan");
        std::fs::write(dir.path().join(&plan), text).unwrap();
        Self { dir, plan }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn stem(&self) -> &str {
        self.plan.trim_end_matches(".drplan")
    }

    /// The binary in the sandbox, with a plain, fast, reproducible environment.
    pub(crate) fn drplan(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_drplan"));
        cmd.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("DRPLAN_SIM_SPEED", SPEED)
            .env_remove("RUST_LOG")
            .env_remove("DRPLAN_TEST_SECRET")
            .stdin(Stdio::null());
        cmd
    }

    pub(crate) fn output(&self, args: &[&str]) -> Output {
        self.drplan().args(args).output().unwrap()
    }

    /// `run OP PLAN` with more arguments after it.
    pub(crate) fn run(&self, op: &str, more: &[&str]) -> Output {
        let mut args = vec!["run", op, self.plan.as_str()];
        args.extend_from_slice(more);
        self.output(&args)
    }

    /// `run failover PLAN --format json` in the background at `speed`, its
    /// events in `events.ndjson` of the sandbox.
    pub(crate) fn spawn_failover(&self, speed: &str, more: &[&str]) -> Child {
        let events = std::fs::File::create(self.path().join("events.ndjson")).unwrap();
        self.drplan()
            .args(["run", "failover", &self.plan, "--format", "json"])
            .args(more)
            .env("DRPLAN_SIM_SPEED", speed)
            .stdout(events)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// A command that must succeed and print one JSON document.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let out = self.output(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "drplan {args:?}\n{}",
            show(&out)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("drplan {args:?} printed no JSON ({e})\n{}", show(&out)))
    }

    pub(crate) fn status(&self) -> Value {
        self.json(&["status", &self.plan, "--format", "json"])
    }

    pub(crate) fn jobs(&self) -> Vec<Value> {
        let v = self.json(&["jobs", &self.plan, "--format", "json"]);
        v["jobs"].as_array().unwrap().clone()
    }

    pub(crate) fn runs(&self) -> Vec<Value> {
        let v = self.json(&["runs", "--format", "json"]);
        v["runs"].as_array().unwrap().clone()
    }

    pub(crate) fn drplan_dir(&self) -> PathBuf {
        self.path().join(".drplan")
    }

    pub(crate) fn lock_file(&self) -> PathBuf {
        self.drplan_dir().join(format!("{}.lock", self.stem()))
    }

    /// The run ids that have a folder in the run store.
    pub(crate) fn run_ids(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.drplan_dir().join("runs")) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        ids
    }

    pub(crate) fn journal_path(&self, run_id: &str) -> PathBuf {
        self.drplan_dir()
            .join("runs")
            .join(run_id)
            .join("journal.jsonl")
    }

    /// The journal's events so far; a line still being written is left out.
    pub(crate) fn journal(&self, run_id: &str) -> Vec<Value> {
        let text = std::fs::read_to_string(self.journal_path(run_id)).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The `run_started` event of a run (its settings, origin, picks).
    pub(crate) fn run_started(&self, run_id: &str) -> Value {
        self.journal(run_id)
            .into_iter()
            .find(|e| e["event"] == "run_started")
            .unwrap_or_else(|| panic!("run {run_id} has no run_started event"))
    }

    /// The only run of the sandbox, once its journal exists.
    pub(crate) fn only_run(&self) -> String {
        let ids = self.run_ids();
        assert_eq!(ids.len(), 1, "expected exactly one run, found {ids:?}");
        ids[0].clone()
    }
}

/// Exit status, stdout and stderr, for failure messages.
pub(crate) fn show(out: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What a command said went wrong: stderr, and under `--format json` the
/// message of its `drplan.error/1` document on stdout.
pub(crate) fn said(out: &Output) -> String {
    error_messages(&stdout(out)) + &stderr(out)
}

/// The messages of the `drplan.error/1` documents among `stdout`'s lines.
pub(crate) fn error_messages(stdout: &str) -> String {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["schema"] == "drplan.error/1")
        .fold(String::new(), |mut said, v| {
            said.push_str(v["error"]["message"].as_str().unwrap_or_default());
            said.push('\n');
            said
        })
}

/// Parses NDJSON: every line must be one JSON object with `event` and `ts`.
pub(crate) fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("line {} is not JSON ({e}): {line}", i + 1));
            assert!(
                v["event"].is_string() && v["ts"].is_string(),
                "line {} lacks `event` or `ts`: {line}",
                i + 1
            );
            v
        })
        .collect()
}

pub(crate) fn event(e: &Value) -> &str {
    e["event"].as_str().unwrap_or_default()
}

pub(crate) fn step(e: &Value) -> &str {
    e["step"].as_str().unwrap_or_default()
}

/// The events of one kind, in order.
pub(crate) fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| event(e) == kind).collect()
}

/// Each step's `step_finished` status.
pub(crate) fn finished(events: &[Value]) -> BTreeMap<String, String> {
    of_kind(events, "step_finished")
        .into_iter()
        .map(|e| {
            (
                step(e).to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The shape every run's stream has: `run_started` first, `run_finished`
/// with `status` last, and every `step_started` followed by the step's
/// `step_finished`.
pub(crate) fn assert_stream(events: &[Value], status: &str, what: &str) {
    assert!(!events.is_empty(), "{what}: no events");
    assert_eq!(event(&events[0]), "run_started", "{what}: first event");
    let last = events.last().unwrap();
    assert_eq!(event(last), "run_finished", "{what}: last event");
    assert_eq!(last["status"], status, "{what}: run status in {last}");
    assert_eq!(
        events[0]["run_id"], last["run_id"],
        "{what}: run_started and run_finished name different runs"
    );
    for (i, e) in events.iter().enumerate() {
        if event(e) == "step_started" {
            assert!(
                events[i + 1..]
                    .iter()
                    .any(|f| event(f) == "step_finished" && step(f) == step(e)),
                "{what}: {} started (event {i}) but never finished",
                step(e)
            );
        }
    }
}

/// Waits for `child` to exit, killing it and failing the test after `DEADLINE`.
pub(crate) fn wait_for_exit(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not exit within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `probe` until it gives a value; fails the test after `DEADLINE`.
pub(crate) fn poll<T>(child: &mut Child, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run exited ({status}) before {what}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no {what} within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A plan `name` on a simulated vault with one group `g` of one VM `a`,
/// with `hooks` (hook lines) before its failover.
pub(crate) fn one_vm_plan(name: &str, hooks: &str) -> String {
    format!(
        "plan {name} {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g {{\n    vm a\n    before failover {{\n      {hooks}\n    }}\n  }}\n}}\n"
    )
}

/// [`one_vm_plan`] whose hook is a manual gate: a run waits until someone
/// approves `hook:g/before/1`.
pub(crate) fn gate_plan(name: &str) -> String {
    one_vm_plan(name, "manual \"confirm the application is frozen\"")
}

/// Waits until the sandbox's newest run has started `step`; its run id.
pub(crate) fn wait_for_step(sandbox: &Sandbox, child: &mut Child, step_id: &str) -> String {
    let run_id = poll(child, "run journal", || sandbox.run_ids().pop());
    poll(child, step_id, || {
        sandbox
            .journal(&run_id)
            .iter()
            .any(|e| event(e) == "step_started" && step(e) == step_id)
            .then_some(())
    });
    run_id
}

/// Whether nobody holds the plan's lock (an `flock`, released by the kernel
/// when its process ends); the file itself may stay.
pub(crate) fn lock_is_free(sandbox: &Sandbox) -> bool {
    let Ok(file) = std::fs::File::open(sandbox.lock_file()) else {
        return true;
    };
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock).is_ok()
}
