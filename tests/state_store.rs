//! State URLs that cannot be used, through the binary against Azurite: a
//! container that does not exist, a SAS that may not write, a wrong
//! account, corrupt or foreign blobs. Each gets an error naming what is
//! wrong, and nothing is written. Then the team's path over https with a
//! token: a run started in one folder, approved or rejected from another,
//! the approver's name taken from the sign-in.

// Helpers outside `#[test]` functions fail with a message, as tests do.
#![allow(clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::azurite::{self, Azurite, ca_file, token_for};
use crate::support::sandbox::{Sandbox, event, gate_plan, show, stderr, step};
use crate::support::state::{
    RUN_DEADLINE, Runner, block, container_exists, contents, drplan_in, elsewhere, gate_run,
    journal,
};

/// A one-VM plan on the simulated vault.
const PLAN: &str = r#"plan bad {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group g { vm a }
}
"#;

/// A run id for blobs put behind drplan's back.
const RUN: &str = "20260101-000000-abcd";

fn run_failover(sandbox: &Sandbox, url: &str) -> Output {
    drplan_in(sandbox.path())
        .args(["run", "failover", "bad.drplan", "--state", url])
        .output()
        .unwrap()
}

fn in_folder(dir: &Path, args: &[&str]) -> Output {
    drplan_in(dir).args(args).output().unwrap()
}

/// Failed (not 0), and said `needles` on stderr.
fn assert_refused(out: &Output, needles: &[&str], what: &str) {
    assert!(
        !matches!(out.status.code(), Some(0) | None),
        "{what}: should fail\n{}",
        show(out)
    );
    let said = stderr(out);
    for needle in needles {
        assert!(
            said.contains(needle),
            "{what}: stderr should name `{needle}`\n{}",
            show(out)
        );
    }
    assert!(
        !said.contains("sig="),
        "{what}: the SAS is shown\n{}",
        show(out)
    );
}

#[test]
fn a_container_that_does_not_exist_is_named_and_not_created() {
    let azurite = Azurite::start();
    let sandbox = Sandbox::with_plan("bad", PLAN);
    let url = azurite.sas_url("nosuch", "racwdl");
    let out = run_failover(&sandbox, &url);
    assert_refused(&out, &["`nosuch`", "does not exist"], "run");
    let folder = elsewhere();
    let out = in_folder(folder.path(), &["runs", "--state", &url]);
    assert_refused(&out, &["`nosuch`", "does not exist"], "runs");
    assert!(
        !container_exists(&azurite, "nosuch"),
        "drplan created the container"
    );
    assert!(sandbox.run_ids().is_empty(), "the run went to .drplan/");
}

#[test]
fn a_sas_that_may_not_write_is_named_and_nothing_is_written() {
    let azurite = Azurite::start();
    block(async {
        azurite.create_container("readonly").await;
        azurite
            .put_blob("readonly", "keep.txt", "someone's file")
            .await;
    });
    let before = contents(&azurite, "readonly");
    let sandbox = Sandbox::with_plan("bad", PLAN);
    let out = run_failover(&sandbox, &azurite.sas_url("readonly", "rl"));
    assert_refused(&out, &["SAS", "write"], "run with sp=rl");
    assert_eq!(
        contents(&azurite, "readonly"),
        before,
        "something was written"
    );
    assert!(sandbox.run_ids().is_empty(), "the run went to .drplan/");
}

#[test]
fn a_wrong_account_is_named_and_nothing_is_written() {
    let azurite = Azurite::start();
    block(azurite.create_container("real"));
    let before = contents(&azurite, "real");
    let sandbox = Sandbox::with_plan("bad", PLAN);
    let url = format!(
        "http://127.0.0.1:{}/nosuchaccount/real?{}",
        azurite.port(),
        azurite::sas("racwdl")
    );
    let out = run_failover(&sandbox, &url);
    assert_refused(&out, &["nosuchaccount"], "run with a wrong account");
    assert_eq!(contents(&azurite, "real"), before, "something was written");
}

#[test]
fn a_corrupt_journal_is_named_and_nothing_is_written() {
    let azurite = Azurite::start();
    let journal = format!("runs/{RUN}/journal.000000");
    block(async {
        azurite.create_container("corrupt").await;
        azurite
            .put_blob("corrupt", &journal, "{\"ts\": oops\nnot json at all\n")
            .await;
        azurite
            .put_blob("corrupt", &format!("runs/{RUN}/plan.drplan"), PLAN)
            .await;
    });
    let before = contents(&azurite, "corrupt");
    let url = azurite.sas_url("corrupt", "racwdl");
    let folder = elsewhere();
    let out = in_folder(folder.path(), &["resume", RUN, "--state", &url]);
    assert_refused(
        &out,
        &[&format!("runs/{RUN}/journal"), "not a journal event"],
        "resume of a corrupt run",
    );
    let out = in_folder(folder.path(), &["runs", "--state", &url]);
    assert!(
        out.status.code() == Some(0) || stderr(&out).contains(&format!("runs/{RUN}/journal")),
        "runs either lists or names the corrupt journal\n{}",
        show(&out)
    );
    assert_eq!(
        contents(&azurite, "corrupt"),
        before,
        "something was written"
    );
}

#[test]
fn a_lock_blob_with_garbage_is_named_and_left_alone() {
    let azurite = Azurite::start();
    block(async {
        azurite.create_container("lock").await;
        azurite
            .put_blob("lock", "locks/bad.lock", b"\x00\xffnot a lock".to_vec())
            .await;
    });
    let before = contents(&azurite, "lock");
    let sandbox = Sandbox::with_plan("bad", PLAN);
    let out = run_failover(&sandbox, &azurite.sas_url("lock", "racwdl"));
    assert_refused(&out, &["locks/bad.lock"], "run with a garbage lock");
    assert_eq!(contents(&azurite, "lock"), before, "something was written");
}

#[test]
fn foreign_blobs_are_left_alone_and_a_foreign_plan_copy_is_named() {
    let azurite = Azurite::start();
    let foreign = format!("runs/{RUN}/plan.drplan");
    let started = format!(
        "{{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"run_started\",\"run_id\":\"{RUN}\",\"plan\":\"bad\",\"operation\":\"failover\",\"settings\":{{\"plan_file\":\"/elsewhere/bad.drplan\",\"simulate\":true}}}}\n"
    );
    block(async {
        azurite.create_container("mixed").await;
        azurite
            .put_blob("mixed", "photos/cat.jpg", b"\xff\xd8\xff".to_vec())
            .await;
        azurite.put_blob("mixed", "runs/README", "not a run").await;
        azurite
            .put_blob("mixed", "locks/notes.txt", "not a lock")
            .await;
        azurite
            .put_blob("mixed", &format!("runs/{RUN}/journal.000000"), started)
            .await;
        azurite
            .put_blob("mixed", &foreign, b"\xff\xfe\x00binary".to_vec())
            .await;
    });
    let before = contents(&azurite, "mixed");
    let url = azurite.sas_url("mixed", "racwdl");
    let folder = elsewhere();
    let out = in_folder(folder.path(), &["resume", RUN, "--state", &url]);
    assert_refused(&out, &[&foreign], "resume with a foreign plan copy");
    assert_eq!(contents(&azurite, "mixed"), before, "something was written");

    // Blobs outside drplan's layout are none of its business: a run works
    // beside them and leaves them as they were.
    let sandbox = Sandbox::with_plan("bad", PLAN);
    let out = run_failover(&sandbox, &url);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let after = contents(&azurite, "mixed");
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} was changed");
    }
}

/// The binary in `dir`, signed in to the https Azurite as `upn`, trusting
/// the test CA.
fn as_user(dir: &Path, upn: &str) -> Command {
    let mut command = drplan_in(dir);
    command
        .env("DRPLAN_ACCESS_TOKEN", token_for(upn))
        .env("SSL_CERT_FILE", ca_file())
        .args(["--credential", "token"]);
    command
}

/// A run of the gate plan started as `dba@contoso.com` in the sandbox,
/// waiting at its manual step; its id.
fn start_waiting(sandbox: &Sandbox, url: &str, what: &str) -> (Runner, String) {
    let mut runner = gate_run(as_user(sandbox.path(), "dba@contoso.com"), url, what);
    let run = runner.wait_for_step("hook:g/before/1", RUN_DEADLINE);
    (runner, run)
}

fn decided(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| event(e) == "decided").collect()
}

#[test]
fn over_https_with_a_token_a_run_is_approved_and_rejected_from_another_folder() {
    let azurite = Azurite::start_https();
    block(azurite.create_container("team"));
    let url = azurite.https_state_url("team");
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));

    // Approved from another folder, as the DBA.
    let (mut runner, run) = start_waiting(&sandbox, &url, "the run to approve");
    let other = elsewhere();
    let out = as_user(other.path(), "dba@contoso.com")
        .args(["approve", &run, "hook:g/before/1", "--state", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "approve\n{}", show(&out));
    let status = runner.wait(RUN_DEADLINE);
    assert_eq!(status.code(), Some(0), "{}", runner.show());
    let events = journal(&azurite, "team", &run);
    let answers = decided(&events);
    assert_eq!(answers.len(), 1, "{events:#?}");
    assert_eq!(answers[0]["step"], "hook:g/before/1");
    assert_eq!(answers[0]["verdict"], "approved");
    assert_eq!(answers[0]["by"], "dba@contoso.com");
    assert_eq!(events.last().unwrap()["status"], "succeeded");

    // Rejected from a third folder by someone else, with a comment: the
    // step fails, and the run with it. The first run failed the VM over, so
    // the simulated vault starts afresh.
    std::fs::remove_file(sandbox.path().join(".drplan/gate.vault.json")).unwrap();
    let (mut runner, run) = start_waiting(&sandbox, &url, "the run to reject");
    let third = elsewhere();
    let comment = "AG not synchronized on sql-02";
    let out = as_user(third.path(), "ops@contoso.com")
        .args([
            "reject",
            &run,
            "hook:g/before/1",
            "--state",
            &url,
            "--comment",
            comment,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "reject\n{}", show(&out));
    let status = runner.wait(RUN_DEADLINE);
    assert_eq!(status.code(), Some(1), "{}", runner.show());
    let events = journal(&azurite, "team", &run);
    let answers = decided(&events);
    assert_eq!(answers.len(), 1, "{events:#?}");
    assert_eq!(answers[0]["verdict"], "rejected");
    assert_eq!(answers[0]["by"], "ops@contoso.com");
    assert_eq!(answers[0]["comment"], comment);
    let gate = events
        .iter()
        .find(|e| event(e) == "step_finished" && step(e) == "hook:g/before/1")
        .unwrap_or_else(|| panic!("the gate never finished: {events:#?}"));
    assert_eq!(gate["status"], "failed", "{gate}");
    assert!(
        !events
            .iter()
            .any(|e| event(e) == "step_started" && step(e) == "vm:g/a"),
        "the VM failed over after the gate was rejected"
    );
    // Nothing of the runs was kept where they were started or answered.
    for dir in [sandbox.path(), other.path(), third.path()] {
        assert!(
            !dir.join(".drplan").join("runs").exists(),
            "run state in {}",
            dir.display()
        );
    }
}
