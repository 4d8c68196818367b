//! `script "<path>" { args [...]  env { } }`: a path relative to the plan's
//! directory, its argv and environment in; the exit status and the redacted
//! tail of its output out.
//!
//! The executable is started directly, never through a shell, so no value of
//! the plan is ever interpreted by one. It runs in the plan's directory with
//! stdin closed, the process environment, the plan's `env { }` (secrets read
//! now) and the run's `DRPLAN_*` facts (which win over an `env { }` entry of
//! the same name). stdout and stderr share one pipe, so the tail keeps their
//! order. It leads a process group of its own: cancelling the attempt (the
//! executor's timeout drops the future) kills the whole group, children
//! included. A script that exits on its own is done, even if it left a
//! background child behind: that child is not killed, and its output is read
//! for at most two more seconds.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::Command;
use tokio::time::Instant;

use super::context::resolve_map;
use super::lease::Lease;
use super::output::{Redactor, Tail};
use super::{HookContext, HookError, HookOutput, Secrets};
use crate::plan::MapValue;
use crate::provider::Progress;

/// How often at most a script's last output line is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// How long output is still read after the script exits. A background child
/// that inherited the pipe keeps it open; the step must not wait for it.
const DRAIN: Duration = Duration::from_secs(2);
/// Bytes per read.
const CHUNK: usize = 4096;

/// Runs the script to its end.
pub(super) async fn run(
    path: &str,
    args: &[String],
    env: &BTreeMap<String, MapValue>,
    ctx: &HookContext,
    secrets: &dyn Secrets,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<HookOutput, HookError> {
    let mut redactor = Redactor::seeded(ctx, secrets);
    let vars = resolve_map(env, secrets, "script env", &mut redactor)?;
    let cannot_start =
        |e: std::io::Error| HookError::new(format!("could not start script `{path}`: {e}"));
    // Declared before `child`, so dropped after the group is killed.
    let mut lease = match &ctx.lease_dir {
        Some(dir) => Some(Lease::take(dir, &ctx.step).map_err(|e| {
            HookError::new(format!(
                "could not take the lease of script `{path}` in {}: {e}",
                dir.display()
            ))
        })?),
        None => None,
    };
    let stdin = match &lease {
        Some(lease) => lease.stdin().map_err(cannot_start)?,
        None => Stdio::null(),
    };
    // One pipe for stdout and stderr, as a terminal would show them: two
    // pipes read side by side lose the order between the streams.
    let (writer, mut reader) = pipe::pipe().map_err(cannot_start)?;
    let stdout = writer.into_blocking_fd().map_err(cannot_start)?;
    let stderr = stdout.try_clone().map_err(cannot_start)?;
    let program = ctx.plan_dir.join(path);
    let mut command = Command::new(&program);
    command
        .args(args)
        .envs(vars)
        .envs(ctx.env_vars())
        .current_dir(&ctx.plan_dir)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| HookError::new(why_not_started(path, &program, &e)))?;
    // Our copies of the write end must go, or the output never ends.
    drop(command);
    if let (Some(lease), Some(id)) = (lease.as_mut(), child.id()) {
        lease.started(id);
    }
    // Declared after `child`, so dropped before it: the group dies first, then
    // tokio reaps the child (at once or, if still dying, in the background).
    let mut group = GroupGuard(child.id().map(pid));

    let mut buf = vec![0; CHUNK];
    let mut open = true;
    let mut tail = Tail::default();
    let mut reporter = Reporter::default();
    let mut exited: Option<ExitStatus> = None;
    let mut drain_until: Option<Instant> = None;
    let status = loop {
        if let Some(status) = exited
            && !open
        {
            break status;
        }
        tokio::select! {
            read = reader.read(&mut buf), if open => match read {
                Ok(n) if n > 0 => tail.push(&buf[..n]),
                // End of output, or a read error: nothing more to read either way.
                _ => open = false,
            },
            waited = child.wait(), if exited.is_none() => {
                let status = waited.map_err(|e| {
                    HookError::new(format!("could not wait for script `{path}`: {e}"))
                })?;
                // Reaped: its pid may be reused, so the group is not ours to kill any more.
                group.0 = None;
                exited = Some(status);
                drain_until = Some(Instant::now() + DRAIN);
            }
            () = sleep_until(drain_until) => {
                if let Some(status) = exited {
                    break status;
                }
            }
        }
        reporter.report(&tail, &redactor, progress);
    };

    let output = tail.finish(&redactor);
    if let Some(code) = status.code() {
        if code == 0 {
            return Ok(HookOutput {
                summary: "exit 0".into(),
            });
        }
        return Err(
            HookError::new(format!("script `{path}` exited with status {code}")).with_tail(output),
        );
    }
    let signal = status.signal().unwrap_or_default();
    let name = Signal::try_from(signal).map_or("unknown signal", Signal::as_str);
    Err(HookError::new(format!(
        "script `{path}` was killed by signal {signal} ({name})"
    ))
    .with_tail(output))
}

/// Why `program` (the plan's `path`) did not start, in words that point at
/// the fix. The kernel says ENOENT both for a missing script and for a
/// missing interpreter on its `#!` line, and the latter is the puzzling one
/// (a Windows line ending after the interpreter's name, a Python that is
/// not installed).
fn why_not_started(path: &str, program: &std::path::Path, e: &std::io::Error) -> String {
    let base = format!("could not start script `{path}`");
    if e.kind() == std::io::ErrorKind::NotFound
        && program.is_file()
        && let Some(line) = interpreter_line(program)
    {
        let shown = crate::printable::printable_line(&line);
        let interpreter = line
            .trim_start_matches("#!")
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        if line.ends_with('\r') {
            return format!(
                "{base}: its first line `{shown}` ends with a carriage return (Windows line endings), so the interpreter `{}` is not found; convert the script to Unix line endings",
                crate::printable::printable_line(interpreter.trim_end_matches('\r'))
            );
        }
        return format!(
            "{base}: the interpreter `{}` named on its first line (`{shown}`) does not exist; install it or correct the line",
            crate::printable::printable_line(&interpreter)
        );
    }
    if e.raw_os_error() == Some(nix::libc::ENOEXEC) {
        return format!(
            "{base}: it is not a program the system can run; start it with a `#!` line naming its interpreter (e.g. `#!/bin/sh`)"
        );
    }
    format!("{base}: {e}")
}

/// The script's first line, if it starts with `#!` (at most a few hundred
/// bytes are read).
fn interpreter_line(program: &std::path::Path) -> Option<String> {
    use std::io::Read as _;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(program).ok()?.read(&mut head).ok()?;
    let head = &head[..n];
    if !head.starts_with(b"#!") {
        return None;
    }
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    Some(String::from_utf8_lossy(&head[..end]).into_owned())
}

/// Kills the process group it names when dropped: a cancelled attempt leaves
/// no process behind. `None` once the leader has been reaped.
struct GroupGuard(Option<Pid>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(group) = self.0 {
            // SIGKILL, not SIGTERM: drop cannot wait for a graceful exit, and a
            // timed-out step is already a failure. ESRCH (all gone) is fine.
            let _ = killpg(group, Signal::SIGKILL);
        }
    }
}

fn pid(id: u32) -> Pid {
    // Pids fit in `pid_t`; a wrapped value cannot name our group, and killpg
    // on it fails harmlessly.
    Pid::from_raw(i32::try_from(id).unwrap_or(i32::MAX))
}

/// Sleeps until `at`; never completes without one.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Reports the last output line, at most once per [`PROGRESS_EVERY`] and
/// only when it changed.
#[derive(Default)]
struct Reporter {
    at: Option<Instant>,
    line: Option<String>,
}

impl Reporter {
    fn report(
        &mut self,
        tail: &Tail,
        redactor: &Redactor,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) {
        if self.at.is_some_and(|at| at.elapsed() < PROGRESS_EVERY) {
            return;
        }
        let line = tail.last_line(redactor);
        if line.is_none() || line == self.line {
            return;
        }
        self.at = Some(Instant::now());
        self.line.clone_from(&line);
        if let Some(message) = line {
            progress(Progress {
                percent: None,
                message,
            });
        }
    }
}

#[cfg(test)]
mod tests {
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
        let ctx = context(dir.to_path_buf());
        run(name, &args, env, &ctx, secrets, &|_| {}).await
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

    #[tokio::test]
    async fn nonzero_exit_gives_status_and_redacted_tail() {
        let dir = tempfile::tempdir().unwrap();
        write_script(
            dir.path(),
            "fail.sh",
            "i=0\nwhile [ $i -lt 30 ]; do echo \"out $i\"; i=$((i+1)); done\n\
             echo \"password is $PASS\" >&2\nexit 3\n",
        );
        let env = BTreeMap::from([(
            "PASS".to_owned(),
            MapValue::Secret(Secret {
                name: "DB_PASS".into(),
            }),
        )]);
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
            "sleep 1000 &\necho $! > child.pid\necho $$ > self.pid\nwait\n",
        );
        let ctx = context(dir.path().to_path_buf());
        let (env, secrets) = (BTreeMap::new(), secrets(&[]));
        let mut attempt = Box::pin(run("hang.sh", &[], &env, &ctx, &secrets, &|_| {}));
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
    }
}
