//! The team commands on a shared store, through the binary: `--break-lock`
//! ends a runner's lease only when told to (and the runner that lost it
//! stops, resumable), `status` shows the run under way and the step waiting
//! for approval, `runs --state` lists the store's runs, `--as` is refused
//! where the journal records the signed-in identity, and a lock message
//! names the plan and its file when they differ.

use crate::support::azurite::Azurite;
use crate::support::sandbox::{Sandbox, gate_plan, show, stderr, stdout};
use crate::support::state::{RUN_DEADLINE, Runner, block, drplan_in, elsewhere, gate_run};

fn waiting_run(sandbox: &Sandbox, url: &str, what: &str) -> (Runner, String) {
    let mut runner = gate_run(drplan_in(sandbox.path()), url, what);
    let run = runner.wait_for_step("hook:g/before/1", RUN_DEADLINE);
    (runner, run)
}

#[test]
fn a_lock_is_broken_only_when_asked_and_its_runner_then_stops_resumable() {
    let azurite = Azurite::start();
    block(azurite.create_container("breaks"));
    let url = azurite.sas_url("breaks", "racwdl");
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let (mut first, run) = waiting_run(&sandbox, &url, "the first runner");

    // Nobody can be asked (stdin is not a terminal) and no `--yes`: refused.
    let other = elsewhere();
    std::fs::write(other.path().join("gate.drplan"), gate_plan("gate")).unwrap();
    let refused = drplan_in(other.path())
        .args([
            "run",
            "failover",
            "gate.drplan",
            "--state",
            &url,
            "--break-lock",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    assert!(
        stderr(&refused).contains(&format!("held by run {run}"))
            && stderr(&refused).contains("no one could be asked"),
        "{}",
        show(&refused)
    );
    assert!(first.try_wait().is_none(), "{}", first.show());

    // Told to: the second runner takes the lock and waits at its own gate;
    // the first cannot renew its lease any more and stops, resumable.
    let mut command = drplan_in(other.path());
    command.args([
        "run",
        "failover",
        "gate.drplan",
        "--state",
        &url,
        "--break-lock",
        "--yes",
        "--format",
        "json",
    ]);
    let mut second = Runner::spawn(command, "the second runner");
    let status = first.wait(RUN_DEADLINE);
    assert_eq!(status.code(), Some(130), "{}", first.show());
    assert!(first.said().contains("resumable"), "{}", first.show());
    let status = second.wait(RUN_DEADLINE);
    assert_eq!(status.code(), Some(0), "{}", second.show());
    assert!(
        second
            .stderr()
            .contains(&format!("broke the lock held by run {run}")),
        "{}",
        second.show()
    );
}

#[test]
fn status_shows_the_run_under_way_and_the_step_that_waits_and_runs_lists_it() {
    let azurite = Azurite::start();
    block(azurite.create_container("watch"));
    let url = azurite.sas_url("watch", "racwdl");
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let (mut runner, run) = waiting_run(&sandbox, &url, "the waiting run");

    let here = elsewhere();
    let plan = sandbox.path().join("gate.drplan");
    let status = drplan_in(here.path())
        .args([
            "status",
            plan.to_str().unwrap(),
            "--state",
            &url,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));
    let board: serde_json::Value = serde_json::from_str(stdout(&status).trim()).unwrap();
    assert_eq!(board["run"]["run_id"], run.as_str(), "{board:#}");
    assert_eq!(board["run"]["running"], true);
    assert_eq!(
        board["run"]["waiting_for_approval"][0]["step"],
        "hook:g/before/1"
    );
    let human = drplan_in(here.path())
        .args(["status", plan.to_str().unwrap(), "--state", &url])
        .output()
        .unwrap();
    assert!(
        stdout(&human).contains(&format!(
            "waiting for approval: hook:g/before/1 (confirm the application is frozen): `drplan approve {run} hook:g/before/1 --state URL`"
        )),
        "{}",
        show(&human)
    );

    // `--as` is the local store's; a shared one records who signed in.
    let named = drplan_in(here.path())
        .args([
            "approve",
            &run,
            "hook:g/before/1",
            "--state",
            &url,
            "--as",
            "someone",
        ])
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(2), "{}", show(&named));
    assert!(stderr(&named).contains("`--as`"), "{}", show(&named));

    let approved = drplan_in(here.path())
        .args([
            "approve",
            &run,
            "hook:g/before/1",
            "--state",
            &url,
            "-m",
            "frozen at 10:02",
        ])
        .output()
        .unwrap();
    assert_eq!(approved.status.code(), Some(0), "{}", show(&approved));
    let again = drplan_in(here.path())
        .args(["reject", &run, "hook:g/before/1", "--state", &url])
        .output()
        .unwrap();
    assert_ne!(again.status.code(), Some(0), "{}", show(&again));
    assert!(
        stderr(&again).contains("already approved"),
        "{}",
        show(&again)
    );
    assert_eq!(
        runner.wait(RUN_DEADLINE).code(),
        Some(0),
        "{}",
        runner.show()
    );

    let runs = drplan_in(here.path())
        .args(["runs", "--state", &url, "--format", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_str(stdout(&runs).trim()).unwrap();
    assert_eq!(listed["runs"][0]["run_id"], run.as_str(), "{listed:#}");
    assert_eq!(listed["runs"][0]["status"], "succeeded");
}

#[test]
fn a_second_run_is_refused_naming_the_plan_and_its_file() {
    // The plan is called `gate`, its file `shop.drplan`: the lock is the
    // file's, the message names both.
    let sandbox = Sandbox::with_plan("shop", &gate_plan("gate"));
    let mut command = drplan_in(sandbox.path());
    command.args(["run", "failover", "shop.drplan", "--format", "json"]);
    let mut first = Runner::spawn(command, "the first run");
    first.wait_for_step("hook:g/before/1", RUN_DEADLINE);
    let second = drplan_in(sandbox.path())
        .args(["run", "failover", "shop.drplan"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", show(&second));
    assert!(
        stderr(&second).contains("plan `gate` (file shop.drplan) is being run by run"),
        "{}",
        show(&second)
    );
    // The first run is stopped as the runner is dropped.
    drop(first);
}

#[test]
fn the_output_of_a_hook_that_succeeded_is_read_back_from_another_folder() {
    use std::os::unix::fs::PermissionsExt as _;
    let azurite = Azurite::start();
    block(azurite.create_container("evidence"));
    let url = azurite.sas_url("evidence", "racwdl");
    let hooks = "script \"hooks/check.sh\" { env { TOKEN = env(\"HOOK_SECRET\") } }";
    let sandbox = Sandbox::with_plan("ag", &crate::support::sandbox::one_vm_plan("ag", hooks));
    let script = sandbox.path().join("hooks/check.sh");
    std::fs::create_dir(script.parent().unwrap()).unwrap();
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"connecting with $TOKEN\"\necho AG SYNCHRONIZED\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = drplan_in(sandbox.path())
        .args([
            "run",
            "failover",
            "ag.drplan",
            "--state",
            &url,
            "--format",
            "json",
        ])
        .env("HOOK_SECRET", "s3cret-value-42")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap_or_default()).unwrap();
    let run = first["run_id"].as_str().unwrap().to_string();

    let here = elsewhere();
    let read = drplan_in(here.path())
        .args(["output", &run, "--state", &url])
        .output()
        .unwrap();
    assert_eq!(read.status.code(), Some(0), "{}", show(&read));
    assert_eq!(
        stdout(&read),
        "== hook:g/before/1 (attempt 1) ==\nconnecting with ***\nAG SYNCHRONIZED\n"
    );
    let unknown = drplan_in(here.path())
        .args(["output", &run, "hook:g/after/9", "--state", &url])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2), "{}", show(&unknown));
    assert!(
        stderr(&unknown).contains("its hook steps: hook:g/before/1"),
        "{}",
        show(&unknown)
    );
}

#[test]
fn a_run_refused_before_it_starts_gives_its_lease_back_at_once() {
    let azurite = Azurite::start();
    block(azurite.create_container("refusals"));
    let url = azurite.sas_url("refusals", "racwdl");
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let run = |extra: &[&str]| {
        let mut command = drplan_in(sandbox.path());
        command.args(["run", "failover", "gate.drplan", "--state", &url]);
        command.args(extra);
        command.output().unwrap()
    };
    let first = run(&["--yes"]);
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    // The VM runs in the recovery region now: readiness refuses (exit 3)
    // after the lock was taken, and the lock must not wait out its lease.
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(3), "{}", show(&refused));
    assert_ne!(
        crate::support::state::lease_state(&azurite, "refusals", "locks/gate.lock").as_deref(),
        Some("leased"),
        "{}",
        show(&refused)
    );
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(3), "{}", show(&again));
    assert!(
        !stderr(&again).contains("is being run by"),
        "{}",
        show(&again)
    );
}
