//! Hooks of earlier attempts that still run: the run store, the run about
//! to start or resume, and its plan in; the steps whose hook processes are
//! still alive out (see `hooks::lease`), after a short wait for hooks that
//! were just stopped.
//!
//! A run stopped by a signal stops its hooks' process groups itself, but a
//! drplan killed outright leaves them running; starting such a hook again
//! (a migration script, a DNS switch) could run it twice at once. So a
//! resume looks at the steps its run had in flight, and a new run at those
//! of every unfinished run of the same plan, before anything is done.

use std::time::Duration;

use crate::hooks::lease;
use crate::journal::{RunId, RunState, RunStore};

/// How long hooks that were just killed get to be gone: the kernel drops
/// their leases as their processes exit, which takes a moment.
const GRACE: Duration = Duration::from_secs(5);
const EVERY: Duration = Duration::from_millis(100);

/// A hook of an earlier attempt that still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StillRunning {
    /// The run that started it.
    pub(super) run: RunId,
    /// Its step.
    pub(super) step: String,
    /// Its process group, when it was named.
    pub(super) group: Option<u32>,
}

impl std::fmt::Display for StillRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.group {
            Some(g) => write!(
                f,
                "{} of run {} still runs as process group {g}; wait for it to end or stop it with `kill -- -{g}`",
                self.step, self.run
            ),
            None => write!(
                f,
                "{} of run {} still runs (a process holds its lease below the run's `hooks/` folder); wait for it to end or stop it",
                self.step, self.run
            ),
        }
    }
}

/// The hooks of earlier attempts that still run, for a resume of `prior` or,
/// without one, a new run of the plan whose file stem is `plan_stem`.
///
/// `leases` says where a run's hook leases are on this machine: the run
/// store's folder for the local store, `.drplan/` beside the plan for a
/// shared one (hook processes are this machine's either way).
pub(super) async fn still_running(
    store: &dyn RunStore,
    leases: &Leases<'_>,
    prior: Option<&RunState>,
    plan_stem: &str,
) -> Vec<StillRunning> {
    let runs = match prior {
        Some(state) => vec![state.clone()],
        None => unfinished_runs(store, leases, plan_stem).await,
    };
    let mut waited = Duration::ZERO;
    loop {
        let found = check(leases, &runs);
        if found.is_empty() || waited >= GRACE {
            return found;
        }
        if waited.is_zero() {
            eprintln!(
                "waiting up to {}s for hooks of an earlier attempt to end",
                GRACE.as_secs()
            );
        }
        tokio::time::sleep(EVERY).await;
        waited += EVERY;
    }
}

/// Where the hook leases of a run are on this machine.
pub(super) type Leases<'a> = dyn Fn(&RunId) -> Option<std::path::PathBuf> + Sync + 'a;

fn check(leases: &Leases<'_>, runs: &[RunState]) -> Vec<StillRunning> {
    let mut found = Vec::new();
    for state in runs {
        let Some(dir) = leases(&state.run_id) else {
            continue;
        };
        for (step, record) in &state.steps {
            if !record.in_flight {
                continue;
            }
            match lease::still_running(&dir, step) {
                Ok(groups) => found.extend(groups.into_iter().map(|group| StillRunning {
                    run: state.run_id.clone(),
                    step: step.clone(),
                    group,
                })),
                // Unreadable leases cannot prove a hook gone: count it running.
                Err(e) => {
                    tracing::warn!("{}: {e}", dir.display());
                    found.push(StillRunning {
                        run: state.run_id.clone(),
                        step: step.clone(),
                        group: None,
                    });
                }
            }
        }
    }
    found
}

/// The runs of the plan that did not finish and that no live process runs.
async fn unfinished_runs(
    store: &dyn RunStore,
    leases: &Leases<'_>,
    plan_stem: &str,
) -> Vec<RunState> {
    let Ok(runs) = store.list().await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for run in runs {
        // Only runs that ever started a script have leases; the others'
        // journals need not be read.
        let has_leases = leases(&run)
            .and_then(|d| std::fs::read_dir(d).ok())
            .is_some_and(|mut entries| entries.next().is_some());
        if !has_leases || store.is_live(&run).await.unwrap_or(true) {
            continue;
        }
        let Ok(records) = store.read(&run).await else {
            continue;
        };
        if let Some(state) = RunState::replay(&records)
            && state.finished.is_none()
            && state.plan_stem() == plan_stem
        {
            out.push(state);
        }
    }
    out
}
