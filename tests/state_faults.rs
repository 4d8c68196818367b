//! Runs with their state on Azurite, through the binary, under the faults a
//! team's runner meets: kill -9 at random moments and a resume from another
//! machine each time, two runners started at once, the storage service gone
//! for 20 s, a runner frozen past its lease. After each, the journal has
//! every event once, and the emulator counts one failover per VM.

// Helpers outside `#[test]` functions fail with a message, as tests do.
#![allow(clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::azure_e2e::Emulator;
use crate::support::azurite::Azurite;
use crate::support::sandbox::{Sandbox, event, gate_plan, show, stdout};
use crate::support::state::{
    Moments, RUN_DEADLINE, Runner, assert_journal_sound, block, contents, drplan_in, elsewhere,
    final_status, gate_run, journal, lease_state, step_statuses,
};

/// The emulator's faults for the kill test: Resource Manager's throttling
/// (on by default), a 500 on every 7th read, a 429 on every 5th write, and
/// two failover POSTs that take effect but lose their answer.
const FAULTS: &str = r#"{"http": {
  "status_storm": [{"status": 500, "every": 7, "requests": "reads"},
                   {"status": 429, "every": 5, "requests": "writes", "retry_after_s": 1}],
  "drop_connections": {"times": 2, "requests": "writes", "when": "after_processing"}}}"#;

/// Kills per chain; three chains run side by side (30 kills in all).
const KILLS: usize = 10;
const CHAINS: usize = 3;

/// A 50-VM failover of a plan named `shop`, against its own emulator.
struct Shop {
    sandbox: Sandbox,
    emulator: Emulator,
    vms: Vec<String>,
}

impl Shop {
    fn start(faults: Option<&str>) -> Shop {
        let (text, vms) = crate::support::state::arm_plan(10, 20);
        let sandbox = Sandbox::with_plan("shop", &text);
        let emulator = Emulator::start_in(&sandbox, faults, None);
        Shop {
            sandbox,
            emulator,
            vms,
        }
    }

    /// The binary in `dir`, signed in to the emulator with a token.
    fn drplan(&self, dir: &std::path::Path) -> Command {
        let mut command = drplan_in(dir);
        command
            .env("DRPLAN_ARM_ENDPOINT", &self.emulator.url)
            .env("DRPLAN_ACCESS_TOKEN", "test-token")
            .args(["--credential", "token"]);
        command
    }

    /// `run failover shop.drplan` in the plan's folder, state at `url`.
    fn run(&self, url: &str, what: &str) -> Runner {
        let mut command = self.drplan(self.sandbox.path());
        command.args([
            "run",
            "failover",
            "shop.drplan",
            "--format",
            "json",
            "--state",
            url,
        ]);
        Runner::spawn(command, what)
    }

    /// `resume RUN --state URL` in `dir` (no plan file there).
    fn resume(&self, dir: &std::path::Path, run: &str, url: &str, what: &str) -> Runner {
        let mut command = self.drplan(dir);
        command.args(["resume", run, "--format", "json", "--state", url]);
        Runner::spawn(command, what)
    }

    /// Failover jobs per VM, as the emulator counts them: one job per
    /// accepted failover POST.
    fn failover_jobs(&self) -> Vec<(String, Vec<String>)> {
        let out = self.emulator.drplan(
            &self.sandbox,
            &["jobs", "shop.drplan", "--format", "json", "--limit", "1000"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let jobs: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let jobs = jobs["jobs"].as_array().unwrap();
        self.vms
            .iter()
            .map(|vm| {
                let states = jobs
                    .iter()
                    .filter(|j| j["vm"] == vm.as_str() && j["operation"] == "failover")
                    .map(|j| j["state"].as_str().unwrap().to_string())
                    .collect();
                (vm.clone(), states)
            })
            .collect()
    }

    /// Every VM failed over by exactly one accepted request, which succeeded.
    fn assert_each_failed_over_once(&self, what: &str) {
        for (vm, states) in self.failover_jobs() {
            assert_eq!(
                states,
                ["succeeded"],
                "{what}: {vm} has these failover jobs"
            );
        }
    }

    /// The run finished, every VM step succeeded, exactly once each.
    fn assert_run_complete(&self, events: &[Value], what: &str) {
        assert_eq!(
            final_status(events).as_deref(),
            Some("succeeded"),
            "{what}: the journal's last event: {:?}",
            events.last()
        );
        let statuses = step_statuses(events);
        for vm in &self.vms {
            let group = vm.split('-').next().unwrap();
            let id = format!("vm:{group}/{vm}");
            assert_eq!(
                statuses.get(&id).map(String::as_str),
                Some("succeeded"),
                "{what}: {id}"
            );
        }
    }
}

/// One plan, one emulator, one container: a run killed `KILLS` times at
/// random moments, each time resumed from a fresh folder; the returned
/// count is how many kills hit a live runner.
fn kill_chain(azurite: &Azurite, chain: usize, mut moments: Moments) -> usize {
    let container = format!("kill{chain}");
    block(azurite.create_container(&container));
    let url = azurite.sas_url(&container, "racwdl");
    let shop = Shop::start(Some(FAULTS));
    let mut runner = shop.run(&url, &format!("chain {chain}: the run"));
    let run = runner.wait_for_run_id(RUN_DEADLINE);
    let mut printed = Vec::new();
    let mut landed = 0;
    let mut folders = Vec::new();
    let mut complete = false;
    for kill in 0..KILLS {
        // Most kills come at a random moment after the runner has taken
        // the run over (it printed `run_started`); one in four, for a
        // resume, at a random moment after it started, while it may still
        // wait for the killed runner's lease to lapse.
        let early = kill > 0 && moments.next().is_multiple_of(4);
        let delay = if early {
            moments.up_to(Duration::from_secs(3))
        } else {
            runner.until("run_started", RUN_DEADLINE, |r| {
                r.events()
                    .iter()
                    .any(|e| event(e) == "run_started")
                    .then_some(())
            });
            moments.up_to(Duration::from_millis(2500))
        };
        std::thread::sleep(delay);
        match runner.try_wait() {
            None => {
                runner.kill9();
                landed += 1;
                eprintln!(
                    "chain {chain}: kill {} after {delay:?}{}",
                    kill + 1,
                    if early { " from its start" } else { "" }
                );
            }
            Some(status) => {
                assert_eq!(
                    status.code(),
                    Some(0),
                    "chain {chain}: a runner failed before kill {}\n{}",
                    kill + 1,
                    runner.show()
                );
                complete = true;
            }
        }
        printed.extend(runner.events());
        if complete {
            break;
        }
        let folder = elsewhere();
        runner = shop.resume(
            folder.path(),
            &run,
            &url,
            &format!("chain {chain}: resume {}", kill + 1),
        );
        folders.push(folder);
    }
    if !complete {
        let status = runner.wait(RUN_DEADLINE);
        assert_eq!(
            status.code(),
            Some(0),
            "chain {chain}: the last resume\n{}",
            runner.show()
        );
        printed.extend(runner.events());
    }
    for folder in &folders {
        assert!(
            !folder.path().join(".drplan").join("runs").exists(),
            "chain {chain}: a resume kept run state in its folder instead of the store"
        );
    }
    let events = assert_journal_sound(azurite, &container, &run, &printed);
    shop.assert_run_complete(&events, &format!("chain {chain}"));
    shop.assert_each_failed_over_once(&format!("chain {chain}"));
    let runs = runs_in_store(&url);
    assert_eq!(
        runs.len(),
        1,
        "chain {chain}: one run in the store: {runs:?}"
    );
    assert_eq!(runs[0]["run_id"], run.as_str());
    assert_eq!(runs[0]["status"], "succeeded", "chain {chain}: {runs:?}");
    landed
}

/// `drplan runs --state URL --format json` from a folder with nothing in it.
fn runs_in_store(url: &str) -> Vec<Value> {
    let folder = elsewhere();
    let out = drplan_in(folder.path())
        .args(["runs", "--format", "json", "--state", url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "runs\n{}", show(&out));
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    runs["runs"].as_array().unwrap().clone()
}

#[test]
fn kill_9_at_thirty_random_moments_and_resumes_from_other_folders_fail_each_vm_over_once() {
    let azurite = Azurite::start();
    let mut moments = Moments::seeded("kill -9 at random moments");
    let chains: Vec<Moments> = (0..CHAINS).map(|_| moments.fork()).collect();
    let landed: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = chains
            .into_iter()
            .enumerate()
            .map(|(chain, moments)| {
                let azurite = &azurite;
                scope.spawn(move || kill_chain(azurite, chain, moments))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    // A run can finish between two kills (a kill that comes after its end
    // hits nothing); most must hit a live runner for the test to mean
    // anything.
    assert!(
        landed >= CHAINS * KILLS * 2 / 3,
        "only {landed} of {} kills hit a live runner",
        CHAINS * KILLS
    );
}

#[test]
fn two_runners_started_at_once_one_runs_and_the_other_names_it() {
    const ROUNDS: usize = 3;
    let azurite = Azurite::start();
    block(azurite.create_container("race"));
    let url = azurite.sas_url("race", "racwdl");
    // A manual gate keeps the winner running until it is approved, so the
    // loser cannot come after the winner's end.
    let spawn = |sandbox: &Sandbox, what: &str| gate_run(drplan_in(sandbox.path()), &url, what);
    let mut winners = Vec::new();
    for round in 1..=ROUNDS {
        // The simulated vault keeps its own state in the plan's folder: a
        // fresh one each round (the lock is the store's, whatever the folder).
        let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
        let mut runners = [
            spawn(&sandbox, &format!("round {round}: runner A")),
            spawn(&sandbox, &format!("round {round}: runner B")),
        ];
        let deadline = Instant::now() + RUN_DEADLINE;
        let loser = loop {
            if let Some(i) = (0..2).find(|&i| runners[i].try_wait().is_some()) {
                break i;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: neither runner stopped\n{}\n{}",
                runners[0].show(),
                runners[1].show()
            );
            std::thread::sleep(Duration::from_millis(25));
        };
        let [a, b] = &mut runners;
        let (winner, loser) = if loser == 0 { (b, a) } else { (a, b) };
        let status = loser.wait(RUN_DEADLINE);
        assert_eq!(status.code(), Some(1), "the loser\n{}", loser.show());
        let run = winner.wait_for_step("hook:g/before/1", RUN_DEADLINE);
        let said = loser.said();
        assert!(
            said.contains(&format!("is being run by run {run}"))
                && said.contains(&format!("pid {}", winner.pid())),
            "round {round}: the loser names the holder, run {run} (pid {})\n{}",
            winner.pid(),
            loser.show()
        );
        assert!(
            loser.events().iter().all(|e| event(e) != "run_started"),
            "round {round}: the loser started a run\n{}",
            loser.show()
        );

        let folder = elsewhere();
        let out = drplan_in(folder.path())
            .args(["approve", &run, "hook:g/before/1", "--state", &url])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "approve\n{}", show(&out));
        let status = winner.wait(RUN_DEADLINE);
        assert_eq!(status.code(), Some(0), "the winner\n{}", winner.show());
        winners.push(run);
    }
    // Only the winners' runs exist, and nothing else was written.
    let mut listed: Vec<String> = runs_in_store(&url)
        .iter()
        .map(|r| r["run_id"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    winners.sort();
    assert_eq!(listed, winners);
    for name in contents(&azurite, "race").keys() {
        assert!(
            name == "locks/gate.lock"
                || winners
                    .iter()
                    .any(|w| name.starts_with(&format!("runs/{w}/"))),
            "a blob of neither winner: {name}"
        );
    }
}

/// Waits until the runner has printed `n` `step_finished` events.
fn wait_for_finished(runner: &mut Runner, n: usize) {
    runner.until(&format!("{n} finished steps"), RUN_DEADLINE, |r| {
        let done = r
            .events()
            .iter()
            .filter(|e| event(e) == "step_finished")
            .count();
        (done >= n).then_some(())
    });
}

/// The run id a runner printed.
fn run_id(runner: &Runner) -> String {
    let events = runner.events();
    let Some(started) = events.iter().find(|e| event(e) == "run_started") else {
        panic!("no run_started\n{}", runner.show());
    };
    started["run_id"].as_str().unwrap().to_string()
}

/// What a runner that stopped because of its store must say.
fn assert_stopped_resumable(runner: &Runner, code: Option<i32>, what: &str) {
    assert_ne!(code, Some(0), "{what}\n{}", runner.show());
    let said = runner.said();
    assert!(
        said.contains("resumable") || said.contains("drplan resume"),
        "{what}: says the run is resumable\n{}",
        runner.show()
    );
}

#[test]
fn storage_gone_for_20_seconds_loses_no_event_and_resume_finishes_the_run() {
    let mut azurite = Azurite::start();
    block(azurite.create_container("outage"));
    let url = azurite.sas_url("outage", "racwdl");
    let shop = Shop::start(None);
    let mut runner = shop.run(&url, "the run");
    // The db group (10 VMs) done: the middle of the run.
    wait_for_finished(&mut runner, 10);
    let run = run_id(&runner);
    azurite.stop();
    // A real outage of 20 s (longer than the 15-s lease), not a sleep
    // hiding a race: the runner must live through it on its own.
    std::thread::sleep(Duration::from_secs(20));
    azurite.start_again();
    let status = runner.wait(RUN_DEADLINE);
    let mut printed = runner.events();
    if status.code() != Some(0) {
        // It stopped because its lease could no longer be trusted.
        assert_stopped_resumable(&runner, status.code(), "the run after the outage");
        let folder = elsewhere();
        let mut resume = shop.resume(folder.path(), &run, &url, "resume after the outage");
        let status = resume.wait(RUN_DEADLINE);
        assert_eq!(status.code(), Some(0), "{}", resume.show());
        printed.extend(resume.events());
    }
    let events = assert_journal_sound(&azurite, "outage", &run, &printed);
    shop.assert_run_complete(&events, "after the outage");
    shop.assert_each_failed_over_once("after the outage");
}

#[test]
fn a_runner_frozen_past_its_lease_starts_nothing_once_thawed_and_resume_finishes() {
    let azurite = Azurite::start();
    block(azurite.create_container("freeze"));
    let url = azurite.sas_url("freeze", "racwdl");
    let shop = Shop::start(None);
    let mut runner = shop.run(&url, "the frozen run");
    // Some of the db group done, the app and web groups not started.
    wait_for_finished(&mut runner, 5);
    let run = run_id(&runner);
    runner.freeze();
    let frozen = Instant::now();
    // Another process watches the leases lapse (not a sleep: the service
    // itself says they are no longer held).
    let journal_blob = format!("runs/{run}/journal.000000");
    loop {
        let lock = lease_state(&azurite, "freeze", "locks/shop.lock");
        let log = lease_state(&azurite, "freeze", &journal_blob);
        if lock.as_deref() != Some("leased") && log.as_deref() != Some("leased") {
            break;
        }
        assert!(
            frozen.elapsed() < Duration::from_secs(90),
            "the frozen runner's leases did not lapse: lock {lock:?}, journal {log:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let started = |events: &[Value]| {
        events
            .iter()
            .filter(|e| event(e) == "step_started")
            .cloned()
            .collect::<Vec<Value>>()
    };
    let journaled_at_lapse = started(&journal(&azurite, "freeze", &run));
    let printed_at_lapse = started(&runner.events());
    runner.thaw();
    let status = runner.wait(RUN_DEADLINE);
    assert_stopped_resumable(&runner, status.code(), "the thawed runner");
    assert_eq!(
        started(&journal(&azurite, "freeze", &run)),
        journaled_at_lapse,
        "the thawed runner journaled a step_started after its lease lapsed"
    );
    assert_eq!(
        started(&runner.events()),
        printed_at_lapse,
        "the thawed runner started a step after its lease lapsed"
    );
    assert!(
        journaled_at_lapse.len() < shop.vms.len(),
        "the freeze came before every step had started"
    );

    let mut printed = runner.events();
    let folder = elsewhere();
    let mut resume = shop.resume(folder.path(), &run, &url, "resume after the freeze");
    let status = resume.wait(RUN_DEADLINE);
    assert_eq!(status.code(), Some(0), "{}", resume.show());
    printed.extend(resume.events());
    let events = assert_journal_sound(&azurite, "freeze", &run, &printed);
    shop.assert_run_complete(&events, "after the freeze");
    shop.assert_each_failed_over_once("after the freeze");
}
