//! `script "<path>" { args [...]  env { } }`: a path relative to the plan's
//! directory, its argv and environment in; the exit status and the redacted
//! tail of its output out, and the whole output, as it comes, to a [`Capture`].
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

mod start_error;

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
use super::output::{Capture, Redactor, Tail};
use super::{HookContext, HookError, HookOutput, Secrets};
use crate::plan::MapValue;
use crate::provider::Progress;
use start_error::why_not_started;

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
    kept: &Capture,
) -> Result<HookOutput, HookError> {
    let mut redactor = Redactor::seeded(ctx, secrets);
    let vars = resolve_map(env, secrets, "script env", &mut redactor)?;
    kept.start(&redactor);
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
                Ok(n) if n > 0 => {
                    tail.push(&buf[..n]);
                    kept.push(&buf[..n]);
                }
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
            return Ok(HookOutput::new("exit 0"));
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
mod tests;
