//! `drplan diff` with `REV:PATH` sides read from a git repository made by
//! the test, and the bad input that ends it with exit 2 and the reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::diff::{assert_only, drplan, exits, folder, names};
use crate::support;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository holding `plans/quickstart.drplan` (and its hooks) in two
/// commits: as shipped, then with web-04 added.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = folder();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    std::fs::rename(dir.path().join("hooks"), plans.join("hooks")).unwrap();
    let plan = plans.join("quickstart.drplan");
    let text = std::fs::read_to_string(support::root().join("plans/quickstart.drplan")).unwrap();
    std::fs::write(&plan, &text).unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Drplan Test"]);
    git(dir.path(), &["config", "user.email", "test@drplan.invalid"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "plan"]);
    std::fs::write(
        &plan,
        text.replace("web-02, web-03", "web-02, web-03, web-04"),
    )
    .unwrap();
    git(dir.path(), &["commit", "-q", "-am", "web-04"]);
    (dir, plan)
}

#[test]
fn revisions_are_read_from_git() {
    let (dir, _) = repository();
    let out = drplan(dir.path())
        .args([
            "diff",
            "--format",
            "json",
            "HEAD~1:plans/quickstart.drplan",
            "main:plans/quickstart.drplan",
        ])
        .output()
        .unwrap();
    exits(&out, 1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["old"], "HEAD~1:plans/quickstart.drplan");
    assert_eq!(
        names(&json["vms"]["added"]),
        BTreeSet::from(["web/web-04".to_string()])
    );
    assert_only(&json, &["vms"]);
    // A revision against the working file: the file wins, and it is the same.
    let out = drplan(dir.path())
        .args([
            "diff",
            "HEAD:plans/quickstart.drplan",
            "plans/quickstart.drplan",
        ])
        .output()
        .unwrap();
    exits(&out, 0);
}

fn fails_with(dir: &Path, args: &[&str], message: &str) -> Output {
    let out = drplan(dir).arg("diff").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    out
}

#[test]
fn bad_input_is_exit_2_with_the_reason() {
    let (repo, _) = repository();
    let r = repo.path();
    let old = "plans/quickstart.drplan";
    fails_with(
        r,
        &["nope:plans/quickstart.drplan", old],
        "git knows no revision `nope`",
    );
    fails_with(
        r,
        &["HEAD:plans/missing.drplan", old],
        "revision `HEAD` has no file `plans/missing.drplan`",
    );
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(r.join(old), outside.path().join("q.drplan")).unwrap();
    fails_with(
        outside.path(),
        &["HEAD:q.drplan", "q.drplan"],
        "is not in a git repository",
    );
    fails_with(r, &["no-such.drplan", old], "no-such.drplan");
    // A side with errors: its diagnostics as `check` shows them, named as typed.
    std::fs::write(
        r.join("broken.drplan"),
        "plan broken {\n  vault simulator\n  group db { vm a }\n}\n",
    )
    .unwrap();
    let out = fails_with(r, &[old, "broken.drplan"], "broken.drplan has errors");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[broken.drplan:"), "{stderr}");
    assert!(stderr.contains("missing_setting"), "{stderr}");
    std::fs::write(r.join("plans/quickstart.drplan"), "plan {").unwrap();
    git(r, &["commit", "-q", "-am", "broken"]);
    let out = fails_with(
        r,
        &[
            "HEAD:plans/quickstart.drplan",
            "HEAD~1:plans/quickstart.drplan",
        ],
        "HEAD:plans/quickstart.drplan has errors",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[HEAD:plans/quickstart.drplan:1:"),
        "{stderr}"
    );
}
