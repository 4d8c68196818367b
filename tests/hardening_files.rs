//! The binary and the files it keeps: everything in `.drplan/` is private
//! whatever the umask, the approver is the operating system's account, not
//! `$USER`; folder walks (`check`, `fmt`, `runs`, `resume`) neither follow
//! links into loops nor read a whole disk.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::sandbox::{
    DEADLINE, Sandbox, event, gate_plan, one_vm_plan, show, stderr, stdout, step, wait_for_exit,
    wait_for_step,
};

/// `drplan ARGS` in the sandbox under umask `mask`.
fn with_umask(sandbox: &Sandbox, mask: &str, args: &[&str]) -> Command {
    let cmd = sandbox.drplan();
    // `Command` has no umask of its own: a shell sets it and execs drplan.
    let program = cmd.get_program().to_owned();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("umask {mask}; exec \"$0\" \"$@\""))
        .arg(program)
        .args(args)
        .current_dir(sandbox.path())
        .stdin(Stdio::null());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => sh.env(key, v),
            None => sh.env_remove(key),
        };
    }
    sh
}

/// Every folder and file below `dir` with its mode, in path order.
fn modes_below(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        out.push((path.clone(), meta.is_dir(), mode));
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// The account this process runs as, by the operating system's database.
fn account() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn run_state_is_private_whatever_the_umask_and_approvers_are_accounts() {
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let events = std::fs::File::create(sandbox.path().join("events.ndjson")).unwrap();
    let mut run = with_umask(
        &sandbox,
        "000",
        &["run", "failover", "gate.drplan", "--format", "json"],
    )
    .stdout(events)
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let run_id = wait_for_step(&sandbox, &mut run, "hook:g/before/1");
    // Whatever the environment claims, the approver is the account.
    let approve = with_umask(&sandbox, "000", &["approve", &run_id, "hook:g/before/1"])
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .output()
        .unwrap();
    assert_eq!(approve.status.code(), Some(0), "{}", show(&approve));
    let status = wait_for_exit(&mut run, "the approved run");
    assert_eq!(status.code(), Some(0));

    // Who answered the manual step is journaled as its decision.
    let journal = sandbox.journal(&run_id);
    let approval = journal
        .iter()
        .find(|e| event(e) == "decided" && step(e) == "hook:g/before/1")
        .unwrap()
        .to_string();
    assert!(
        approval.contains(&format!("\"by\":\"{} on ", account())),
        "{approval}"
    );
    assert!(!approval.contains("mallory"), "{approval}");

    let below = modes_below(&sandbox.path().join(".drplan"));
    assert!(below.len() >= 8, "{below:?}");
    for (path, is_dir, mode) in below {
        let want = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o} under umask 000", path.display());
    }
}

#[test]
fn folders_made_by_earlier_versions_are_tightened() {
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let store = sandbox.path().join(".drplan");
    std::fs::create_dir_all(store.join("runs")).unwrap();
    for dir in [&store, &store.join("runs")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = sandbox.run("failover", &["--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    for (path, is_dir, mode) in modes_below(&store) {
        assert_eq!(
            mode,
            if is_dir { 0o700 } else { 0o600 },
            "{}",
            path.display()
        );
    }
    // The user's own folder keeps the mode it had.
    let plan_dir = std::fs::metadata(sandbox.path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_ne!(plan_dir, 0o700, "the plan's folder is the user's");
}

/// Runs `drplan ARGS` in `dir`, failing the test if it does not end within
/// `DEADLINE` (a walk that loops never would).
fn finishes(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut child = sandbox
        .drplan()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes in the background so a chatty walk cannot block on them.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut buf).ok();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut buf).ok();
        buf
    });
    let status = wait_for_exit(
        &mut child,
        &format!("drplan {args:?} (within {DEADLINE:?})"),
    );
    std::process::Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

#[test]
fn symlink_loops_do_not_trap_check_fmt_runs_or_resume() {
    let sandbox = Sandbox::with_plan("gate", &gate_plan("gate"));
    let out = sandbox.run("failover", &["--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run_id = sandbox.run_ids().pop().unwrap();
    let dir = sandbox.path();
    std::os::unix::fs::symlink(".", dir.join("a")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("b")).unwrap();
    // A folder elsewhere, reached only through a link: not entered by default.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("far.drplan"), "plan broken {").unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.join("linked")).unwrap();

    let check = finishes(&sandbox, dir, &["check", "."]);
    assert_eq!(check.status.code(), Some(0), "{}", show(&check));
    // With `--follow`, the linked folder is read, and the loops still end.
    let followed = finishes(&sandbox, dir, &["check", "--follow", "."]);
    assert_eq!(followed.status.code(), Some(1), "{}", show(&followed));
    assert_eq!(
        stderr(&followed).matches("far.drplan").count()
            + stdout(&followed).matches("far.drplan").count(),
        1,
        "the linked plan is checked once: {}",
        show(&followed)
    );
    let fmt = finishes(&sandbox, dir, &["fmt", "--check", "."]);
    assert_eq!(fmt.status.code(), Some(0), "{}", show(&fmt));
    let runs = finishes(&sandbox, dir, &["runs", "--format", "json"]);
    assert_eq!(runs.status.code(), Some(0), "{}", show(&runs));
    assert_eq!(
        stdout(&runs).matches(&run_id).count(),
        1,
        "the run is listed once: {}",
        show(&runs)
    );
    let resume = finishes(&sandbox, dir, &["resume", &run_id]);
    assert_eq!(resume.status.code(), Some(0), "{}", show(&resume));
    assert!(
        stdout(&resume).contains("already succeeded"),
        "{}",
        show(&resume)
    );
}

#[test]
fn runs_looks_only_a_few_folders_deep_and_says_so() {
    let sandbox = Sandbox::with_plan("top", &gate_plan("top"));
    // A plan six folders down, with a run of its own.
    let deep = sandbox.path().join("a/b/c/d/e/f");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("deep.drplan"), gate_plan("deep")).unwrap();
    let out = sandbox
        .drplan()
        .args(["run", "failover", "deep.drplan", "--yes"])
        .current_dir(&deep)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let top = finishes(&sandbox, sandbox.path(), &["runs", "--format", "json"]);
    assert_eq!(top.status.code(), Some(0), "{}", show(&top));
    assert!(!stdout(&top).contains("\"deep\""), "{}", show(&top));
    assert!(
        stderr(&top).contains("did not look more than 4 folders deep"),
        "{}",
        show(&top)
    );
    // Named, its folder is read.
    let named = finishes(&sandbox, sandbox.path(), &["runs", "a/b/c/d/e/f"]);
    assert!(stdout(&named).contains("deep"), "{}", show(&named));

    // From the root of the file system, it answers (within the deadline).
    let root = finishes(&sandbox, Path::new("/"), &["runs", "--format", "json"]);
    assert_eq!(root.status.code(), Some(0), "{}", show(&root));
}

#[test]
fn a_whole_cycle_writes_only_private_files_and_keeps_hook_output_redacted() {
    let hooks = "script \"hooks/sync.sh\" { env { TOKEN = env(\"HOOK_SECRET\") } }\n      manual \"confirm\"";
    let sandbox = Sandbox::with_plan("cycle", &one_vm_plan("cycle", hooks));
    let script = sandbox.path().join("hooks/sync.sh");
    std::fs::create_dir(script.parent().unwrap()).unwrap();
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"signing in with $TOKEN\"\necho AG SYNCHRONIZED >&2\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = "s3cret-value-42";
    for op in ["failover", "commit", "reprotect", "failback"] {
        let out = with_umask(&sandbox, "022", &["run", op, "cycle.drplan", "--yes"])
            .env("HOOK_SECRET", secret)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{op}: {}", show(&out));
    }
    let status = with_umask(&sandbox, "022", &["status", "cycle.drplan"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));

    let below = modes_below(&sandbox.path().join(".drplan"));
    for (path, is_dir, mode) in &below {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(
            *mode,
            want,
            "{} is {mode:o} under umask 022",
            path.display()
        );
    }
    // The failover's script hook left its whole output, secret redacted.
    let logs: Vec<_> = below
        .iter()
        .filter(|(path, is_dir, _)| !is_dir && path.parent().is_some_and(|p| p.ends_with("output")))
        .collect();
    assert_eq!(logs.len(), 1, "{below:?}");
    let log = &logs[0].0;
    assert!(
        log.file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(".1.log")),
        "{}",
        log.display()
    );
    assert_eq!(
        std::fs::read_to_string(log).unwrap(),
        "signing in with ***\nAG SYNCHRONIZED\n"
    );
}
