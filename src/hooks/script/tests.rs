//! The script hook against real scripts in a temporary folder: exit codes,
//! output tails and redaction, signals, timeouts that kill the whole group,
//! background children, and why a script did not start.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Mutex;

use super::*;
use crate::hooks::context::tests::{context, secrets};
use crate::plan::Secret;

/// Writes an executable `#!/bin/sh` script into `dir`.
fn write_script(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn run_script(
    dir: &Path,
    name: &str,
    args: &[&str],
    env: &BTreeMap<String, MapValue>,
    secrets: &dyn Secrets,
) -> Result<HookOutput, HookError> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    run_kept(dir, name, &args, env, secrets).await.0
}

/// Runs a script; its result and the output it left to keep.
async fn run_kept(
    dir: &Path,
    name: &str,
    args: &[String],
    env: &BTreeMap<String, MapValue>,
    secrets: &dyn Secrets,
) -> (Result<HookOutput, HookError>, Option<String>) {
    let ctx = context(dir.to_path_buf());
    let kept = Capture::new();
    let result = run(name, args, env, &ctx, secrets, &|_| {}, &kept).await;
    (result, kept.text())
}

#[tokio::test]
async fn argv_arrives_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        dir.path(),
        "args.sh",
        "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > args.txt\n",
    );
    let tricky = [
        "two words",
        "\"quoted\" 'single'",
        "$(rm -rf /)",
        "`id`; echo x",
        "",
    ];
    let out = run_script(
        dir.path(),
        "args.sh",
        &tricky,
        &BTreeMap::new(),
        &secrets(&[]),
    )
    .await
    .unwrap();
    assert_eq!(out.summary, "exit 0");
    // The script ran in the plan's directory: args.txt is there.
    let written = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    let expected: String = tricky.iter().map(|a| ["[", a, "]\n"].concat()).collect();
    assert_eq!(written, expected);
}

#[tokio::test]
async fn gets_the_run_context_and_the_env_map() {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        dir.path(),
        "env.sh",
        "env | grep -E '^(DRPLAN_|GREETING=|TOKEN=)' | sort > env.txt\n",
    );
    let env = BTreeMap::from([
        (
            "GREETING".to_owned(),
            MapValue::Literal("hello world".into()),
        ),
        (
            "TOKEN".to_owned(),
            MapValue::Secret(Secret {
                name: "HOOK_TOKEN".into(),
            }),
        ),
        // The run's facts win over the plan's map.
        (
            "DRPLAN_GROUP".to_owned(),
            MapValue::Literal("spoofed".into()),
        ),
    ]);
    run_script(
        dir.path(),
        "env.sh",
        &[],
        &env,
        &secrets(&[("HOOK_TOKEN", "t0k3n-0000")]),
    )
    .await
    .unwrap();
    let written = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    let expected = "DRPLAN_DIRECTION=primary_to_recovery\n\
        DRPLAN_GROUP=db\n\
        DRPLAN_OPERATION=failover\n\
        DRPLAN_PLAN=contoso-web\n\
        DRPLAN_PRIMARY=westeurope\n\
        DRPLAN_RECOVERY=northeurope\n\
        DRPLAN_RUN_ID=20260101-000000-abcd\n\
        DRPLAN_STEP=hook:db/after/1\n\
        DRPLAN_VMS=sql-01,sql-02\n\
        GREETING=hello world\n\
        TOKEN=t0k3n-0000\n";
    assert_eq!(written, expected);
}

#[tokio::test]
async fn a_missing_secret_fails_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "touch.sh", "touch ran\n");
    let env = BTreeMap::from([(
        "TOKEN".to_owned(),
        MapValue::Secret(Secret {
            name: "HOOK_TOKEN".into(),
        }),
    )]);
    let err = run_script(dir.path(), "touch.sh", &[], &env, &secrets(&[]))
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        "script env `TOKEN` reads the environment variable `HOOK_TOKEN`, which is not set"
    );
    assert!(!dir.path().join("ran").exists());
}

/// `env { PASS = env("DB_PASS") }`.
fn pass_from_db_pass() -> BTreeMap<String, MapValue> {
    BTreeMap::from([(
        "PASS".to_owned(),
        MapValue::Secret(Secret {
            name: "DB_PASS".into(),
        }),
    )])
}

/// A script body printing `out 0` … `out 29`, then running `then`.
fn count_to_29_then(then: &str) -> String {
    format!("i=0\nwhile [ $i -lt 30 ]; do echo \"out $i\"; i=$((i+1)); done\n{then}")
}

#[tokio::test]
async fn nonzero_exit_gives_status_and_redacted_tail() {
    let dir = tempfile::tempdir().unwrap();
    let body = count_to_29_then("echo \"password is $PASS\" >&2\nexit 3\n");
    write_script(dir.path(), "fail.sh", &body);
    let env = pass_from_db_pass();
    let err = run_script(
        dir.path(),
        "fail.sh",
        &[],
        &env,
        &secrets(&[("DB_PASS", "hunter2-x9")]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.message, "script `fail.sh` exited with status 3");
    let tail = err.output_tail.unwrap();
    assert!(!tail.contains("hunter2-x9"), "{tail}");
    assert!(tail.ends_with("out 29\npassword is ***"), "{tail}");
    assert_eq!(tail.lines().count(), 20);
}

#[tokio::test]
async fn a_script_that_cannot_start_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_script(
        dir.path(),
        "missing.sh",
        &[],
        &BTreeMap::new(),
        &secrets(&[]),
    )
    .await
    .unwrap_err();
    assert!(
        err.message
            .starts_with("could not start script `missing.sh`: "),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_signal_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "kill.sh", "echo bye\nkill -9 $$\n");
    let err = run_script(dir.path(), "kill.sh", &[], &BTreeMap::new(), &secrets(&[]))
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        "script `kill.sh` was killed by signal 9 (SIGKILL)"
    );
    assert_eq!(err.output_tail.as_deref(), Some("bye"));
}

#[tokio::test]
async fn progress_reports_output_lines() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "talk.sh", "echo starting\n");
    let seen = Mutex::new(Vec::new());
    let ctx = context(dir.path().to_path_buf());
    let report = |p: Progress| seen.lock().unwrap().push(p.message);
    run(
        "talk.sh",
        &[],
        &BTreeMap::new(),
        &ctx,
        &secrets(&[]),
        &report,
        &Capture::new(),
    )
    .await
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["starting".to_owned()]);
}

#[tokio::test]
async fn a_background_child_does_not_hold_the_step() {
    let dir = tempfile::tempdir().unwrap();
    // The child keeps the output pipe open after the script exits.
    write_script(
        dir.path(),
        "bg.sh",
        "sleep 60 &\necho $! > child.pid\necho done\n",
    );
    let started = std::time::Instant::now();
    let out = run_script(dir.path(), "bg.sh", &[], &BTreeMap::new(), &secrets(&[]))
        .await
        .unwrap();
    assert_eq!(out.summary, "exit 0");
    assert!(started.elapsed() < Duration::from_secs(30));
    // Left running on success (see the module docs); tidy up after the test.
    let child: i32 = std::fs::read_to_string(dir.path().join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _ = nix::sys::signal::kill(Pid::from_raw(child), Signal::SIGKILL);
}

/// Whether a process exists and is not a zombie waiting for a reaper
/// (the test's init may not reap orphans promptly).
fn alive(pid: i32) -> bool {
    if nix::sys::signal::kill(Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        dir.path(),
        "hang.sh",
        "echo started\nsleep 1000 &\necho $! > child.pid\necho $$ > self.pid\nwait\n",
    );
    let ctx = context(dir.path().to_path_buf());
    let (env, secrets) = (BTreeMap::new(), secrets(&[]));
    let kept = Capture::new();
    let mut attempt = Box::pin(run("hang.sh", &[], &env, &ctx, &secrets, &|_| {}, &kept));
    let read_pid = |name: &str| -> Option<i32> {
        let text = std::fs::read_to_string(dir.path().join(name)).ok()?;
        text.trim().parse().ok()
    };
    // Child processes run on real time, so the timeouts are real too: short
    // ones, until the script has told its pids (however loaded the machine).
    let (child, shell) = loop {
        let result = tokio::time::timeout(Duration::from_millis(200), &mut attempt).await;
        assert!(result.is_err(), "the script should still be running");
        if let (Some(child), Some(shell)) = (read_pid("child.pid"), read_pid("self.pid")) {
            break (child, shell);
        }
    };
    // What the executor's timeout does: drop the attempt.
    drop(attempt);
    // SIGKILL is delivered asynchronously; give the kernel a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while (alive(child) || alive(shell)) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(child), "the background child survived");
    assert!(!alive(shell), "the script survived");
    // What it printed before it was stopped is still there to keep.
    assert_eq!(kept.text().as_deref(), Some("started\n"));
}

#[tokio::test]
async fn the_whole_output_of_a_success_is_kept_redacted_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let body = count_to_29_then("echo \"login with $PASS\" >&2\necho AG SYNCHRONIZED\n");
    write_script(dir.path(), "sync.sh", &body);
    let env = pass_from_db_pass();
    let (result, kept) = run_kept(
        dir.path(),
        "sync.sh",
        &[],
        &env,
        &secrets(&[("DB_PASS", "hunter2-x9")]),
    )
    .await;
    assert_eq!(result.unwrap().summary, "exit 0");
    let expected: String = (0..30)
        .map(|i| format!("out {i}\n"))
        .chain([
            "login with ***\n".to_owned(),
            "AG SYNCHRONIZED\n".to_owned(),
        ])
        .collect();
    assert_eq!(kept.unwrap(), expected);
}
