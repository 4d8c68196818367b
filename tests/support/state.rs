//! Run state on Azurite as the fault tests see it: drplan processes started
//! in folders of their own (no plan file needed: only `--state`), their
//! NDJSON events read while they run, the blobs and journal a run left in a
//! container, and the checks every journal must pass (no line lost, none
//! twice, one ending per step, attempts counted right).
//!
//! The fault tests drive processes and wait in real time, so Azurite's
//! async helpers are wrapped into blocking calls here.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use super::azurite::{self, Azurite};
use super::sandbox::{SPEED, event, step};

/// The shortest lease a blob takes: a crashed runner's run can be taken
/// over after this long, so the tests wait for it and no longer.
pub(crate) const LEASE_SECS: &str = "15";

/// How long a whole run (or resume) may take on a busy 2-core machine,
/// including one lease's wait for a killed runner's lease to lapse.
pub(crate) const RUN_DEADLINE: Duration = Duration::from_secs(240);

/// How often a process or a blob is looked at.
const POLL: Duration = Duration::from_millis(25);

/// Runs `future` to its end on a runtime of its own.
pub(crate) fn block<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The binary in `dir` with a plain, fast, reproducible environment and
/// the shortest lease; no state location of its own.
pub(crate) fn drplan_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_drplan"));
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DRPLAN_SIM_SPEED", SPEED)
        .env("DRPLAN_STATE_LEASE", LEASE_SECS)
        .env_remove("DRPLAN_STATE")
        .env_remove("RUST_LOG")
        .env_remove("DRPLAN_TEST_SECRET")
        .stdin(Stdio::null());
    command
}

/// A drplan process started in the background, its stdout (NDJSON events
/// with `--format json`) and stderr in files.
pub(crate) struct Runner {
    child: Child,
    what: String,
    out: PathBuf,
    err: PathBuf,
    /// Where the output files are (and, for most runners, the process's
    /// working directory).
    _logs: tempfile::TempDir,
}

impl Runner {
    /// Starts `command`; `what` names it in failure messages.
    pub(crate) fn spawn(mut command: Command, what: &str) -> Runner {
        let logs = tempfile::tempdir().unwrap();
        let out = logs.path().join("stdout.ndjson");
        let err = logs.path().join("stderr.txt");
        let child = command
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        Runner {
            child,
            what: what.to_string(),
            out,
            err,
            _logs: logs,
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn nix_pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).unwrap())
    }

    /// The events printed so far, as the journal holds them (without the
    /// `schema` that printed documents carry); a line still being written,
    /// and an error document, are left out.
    pub(crate) fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["schema"] == "drplan.event/1")
            .map(|mut v| {
                if let Some(fields) = v.as_object_mut() {
                    fields.remove("schema");
                }
                v
            })
            .collect()
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// What the runner said went wrong: stderr, and under `--format json`
    /// the message of its `drplan.error/1` document on stdout.
    pub(crate) fn said(&self) -> String {
        let out = std::fs::read_to_string(&self.out).unwrap_or_default();
        super::sandbox::error_messages(&out) + &self.stderr()
    }

    /// Stdout and stderr, for failure messages.
    pub(crate) fn show(&self) -> String {
        let out = std::fs::read_to_string(&self.out).unwrap_or_default();
        let tail: Vec<&str> = out.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "{}: --- stdout (last lines)\n{}\n--- stderr\n{}",
            self.what,
            tail.join("\n"),
            self.stderr()
        )
    }

    /// The exit status, if it has exited.
    pub(crate) fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits for the exit, killing the process and failing the test after
    /// `deadline`.
    pub(crate) fn wait(&mut self, deadline: Duration) -> ExitStatus {
        let until = Instant::now() + deadline;
        loop {
            if let Some(status) = self.try_wait() {
                return status;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "{} did not exit within {deadline:?}\n{}",
                    self.what,
                    self.show()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls `probe` until it gives a value; fails the test when the
    /// process exits first or after `deadline`.
    pub(crate) fn until<T>(
        &mut self,
        what: &str,
        deadline: Duration,
        mut probe: impl FnMut(&Runner) -> Option<T>,
    ) -> T {
        let until = Instant::now() + deadline;
        loop {
            if let Some(found) = probe(self) {
                return found;
            }
            if let Some(status) = self.try_wait() {
                // It may have printed what we wait for just before exiting.
                if let Some(found) = probe(self) {
                    return found;
                }
                panic!(
                    "{} exited ({status}) before {what}\n{}",
                    self.what,
                    self.show()
                );
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("no {what} within {deadline:?}\n{}", self.show());
            }
            std::thread::sleep(POLL);
        }
    }

    /// The run id of the first `run_started` printed, once there is one.
    pub(crate) fn wait_for_run_id(&mut self, deadline: Duration) -> String {
        self.until("run_started", deadline, |r| {
            r.events()
                .iter()
                .find(|e| event(e) == "run_started")
                .map(|e| e["run_id"].as_str().unwrap().to_string())
        })
    }

    /// The run id, once the run has started `step_id` (a manual step
    /// waiting for an answer, say).
    pub(crate) fn wait_for_step(&mut self, step_id: &str, deadline: Duration) -> String {
        self.until(step_id, deadline, |r| {
            let events = r.events();
            let started = events
                .iter()
                .any(|e| event(e) == "step_started" && step(e) == step_id);
            let id = events
                .iter()
                .find(|e| event(e) == "run_started")
                .map(|e| e["run_id"].as_str().unwrap().to_string());
            id.filter(|_| started)
        })
    }

    /// kill -9: the process ends at once, with no chance to clean up.
    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGSTOP: the process is frozen, its clocks keep going.
    pub(crate) fn freeze(&self) {
        kill(self.nix_pid(), Signal::SIGSTOP).unwrap();
    }

    /// SIGCONT.
    pub(crate) fn thaw(&self) {
        kill(self.nix_pid(), Signal::SIGCONT).unwrap();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // A frozen process ignores SIGKILL until it is continued.
            let _ = kill(self.nix_pid(), Signal::SIGCONT);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh folder with nothing in it: "another machine".
pub(crate) fn elsewhere() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every blob of `container`, name and content: what "nothing written"
/// compares.
pub(crate) fn contents(azurite: &Azurite, container: &str) -> BTreeMap<String, Vec<u8>> {
    block(async {
        let mut all = BTreeMap::new();
        for name in azurite.list_blobs(container).await {
            let bytes = azurite.get_blob(container, &name).await.unwrap_or_default();
            all.insert(name, bytes);
        }
        all
    })
}

/// Whether `container` exists.
pub(crate) fn container_exists(azurite: &Azurite, container: &str) -> bool {
    let url = format!(
        "{}?restype=container&{}",
        azurite.state_url(container),
        azurite::sas("racwdl")
    );
    let status = block(async {
        azurite
            .client()
            .get(url)
            .header("x-ms-version", "2021-08-06")
            .send()
            .await
            .unwrap()
            .status()
    });
    match status.as_u16() {
        200 => true,
        404 => false,
        other => panic!("reading container {container}: HTTP {other}"),
    }
}

/// A blob's lease state as the service reports it (`available`, `leased`,
/// `expired`, `breaking`, `broken`); `None` when there is no such blob.
pub(crate) fn lease_state(azurite: &Azurite, container: &str, name: &str) -> Option<String> {
    let url = format!(
        "{}/{name}?{}",
        azurite.state_url(container),
        azurite::sas("racwdl")
    );
    block(async {
        let response = azurite
            .client()
            .head(url)
            .header("x-ms-version", "2021-08-06")
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 404 {
            return None;
        }
        assert!(
            response.status().is_success(),
            "HEAD {container}/{name}: {}",
            response.status()
        );
        Some(
            response
                .headers()
                .get("x-ms-lease-state")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default(),
        )
    })
}

/// A run's journal as stored: its segments' text, in order.
pub(crate) fn journal_text(azurite: &Azurite, container: &str, run: &str) -> String {
    block(async {
        let start = format!("runs/{run}/journal.");
        let mut text = String::new();
        for name in azurite.list_blobs(container).await {
            if name.starts_with(&start) {
                let bytes = azurite.get_blob(container, &name).await.unwrap();
                text.push_str(&String::from_utf8(bytes).unwrap());
            }
        }
        text
    })
}

/// A run's journal events; every line must be a whole JSON object.
pub(crate) fn journal(azurite: &Azurite, container: &str, run: &str) -> Vec<Value> {
    parse_lines(&journal_text(azurite, container, run), run)
}

fn parse_lines(text: &str, run: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!(
                    "run {run}: journal line {} is not JSON ({e}): {line:?}",
                    i + 1
                )
            })
        })
        .collect()
}

/// The checks every journal must pass after faults, whatever happened:
///
/// - every line a whole event, and no line twice;
/// - every event a runner printed is in it (a runner prints an event only
///   once the store has it, so a printed event missing is a lost one);
/// - in each part of the run (from one `run_started` to the next), each
///   step's attempts counted up by one from where the journal left it (a
///   VM step in flight carries on its attempt, anything else starts the
///   next one);
/// - no step started again after it finished, and at most one
///   `step_finished` per step.
pub(crate) fn assert_journal_sound(
    azurite: &Azurite,
    container: &str,
    run: &str,
    printed: &[Value],
) -> Vec<Value> {
    let text = journal_text(azurite, container, run);
    let events = parse_lines(&text, run);
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        assert!(seen.insert(line), "run {run}: a journal line twice: {line}");
    }
    for e in printed {
        assert!(
            events.contains(e),
            "run {run}: printed by a runner but not in the journal (lost): {e}"
        );
    }
    // Per step: attempts of the last part, whether in flight, finished.
    let mut attempts: BTreeMap<String, u32> = BTreeMap::new();
    let mut in_flight: BTreeSet<String> = BTreeSet::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut started_in_part: BTreeSet<String> = BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        let id = step(e).to_string();
        match event(e) {
            "run_started" => started_in_part.clear(),
            "step_started" => {
                assert!(
                    !finished.contains(&id),
                    "run {run}: {id} started again after it finished (line {})",
                    i + 1
                );
                let attempt = u32::try_from(e["attempt"].as_u64().unwrap()).unwrap();
                let before = attempts.get(&id).copied().unwrap_or(0);
                let carried_on = !started_in_part.contains(&id)
                    && in_flight.contains(&id)
                    && e["kind"] == "vm"
                    && attempt == before;
                assert!(
                    attempt == before + 1 || carried_on,
                    "run {run}: {id} attempt {attempt} after attempt {before} (line {}): {e}",
                    i + 1
                );
                attempts.insert(id.clone(), attempt);
                in_flight.insert(id.clone());
                started_in_part.insert(id);
            }
            "step_finished" => {
                assert!(
                    finished.insert(id.clone()),
                    "run {run}: {id} finished twice (line {}): {e}",
                    i + 1
                );
                in_flight.remove(&id);
            }
            _ => {}
        }
    }
    events
}

/// The steps that finished, with their status.
pub(crate) fn step_statuses(events: &[Value]) -> BTreeMap<String, String> {
    events
        .iter()
        .filter(|e| event(e) == "step_finished")
        .map(|e| {
            (
                step(e).to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The status of the run's last part, from its last event.
pub(crate) fn final_status(events: &[Value]) -> Option<String> {
    let last = events.last()?;
    (event(last) == "run_finished").then(|| last["status"].as_str().unwrap().to_string())
}

/// A plan named `shop` on the emulator's ARM vault with `n_db` + 2×`n_app`
/// VMs in three groups, one after another (db, then app, then web), no
/// step retries: a failover the emulator counts one POST per VM of.
pub(crate) fn arm_plan(n_db: usize, n_app: usize) -> (String, Vec<String>) {
    let names = |prefix: &str, n: usize| -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}-{i:02}")).collect()
    };
    let db = names("db", n_db);
    let app = names("app", n_app);
    let web = names("web", n_app);
    let text = format!(
        r#"plan shop {{
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  defaults {{ retries 0 }}
  group db {{ vm {} }}
  group app needs db {{ vm {} }}
  group web needs app {{ vm {} }}
}}
"#,
        db.join(", "),
        app.join(", "),
        web.join(", ")
    );
    let all = db.into_iter().chain(app).chain(web).collect();
    (text, all)
}

/// A deterministic generator (splitmix64) for the tests' random moments:
/// seeded from `DRPLAN_FAULT_SEED` when set, else from the clock, and the
/// seed printed so a failure can be replayed.
pub(crate) struct Moments(u64);

impl Moments {
    pub(crate) fn seeded(what: &str) -> Moments {
        let seed = std::env::var("DRPLAN_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap();
                u64::try_from(now.as_nanos() % u128::from(u64::MAX)).unwrap()
            });
        eprintln!("{what}: DRPLAN_FAULT_SEED={seed}");
        Moments(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration from zero to `max`, in milliseconds.
    pub(crate) fn up_to(&mut self, max: Duration) -> Duration {
        let ms = u64::try_from(max.as_millis()).unwrap().max(1);
        Duration::from_millis(self.next() % ms)
    }

    /// Another generator, for a thread of its own.
    pub(crate) fn fork(&mut self) -> Moments {
        Moments(self.next())
    }
}

/// `drplan run failover gate.drplan --format json --state URL` as `command`
/// sets it up (its folder, its sign-in), started in the background.
pub(crate) fn gate_run(mut command: Command, url: &str, what: &str) -> Runner {
    command.args([
        "run",
        "failover",
        "gate.drplan",
        "--format",
        "json",
        "--state",
        url,
    ]);
    Runner::spawn(command, what)
}
