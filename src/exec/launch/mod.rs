//! Everything before a run's first step, below the command line: the plan,
//! its graph, how the run was started and its run store in; the provider,
//! the plan's lock, the journal, the run's options and seed out, or a typed
//! [`LaunchError`] that the command line prints once.
//!
//! Order matters and nothing is written before the checks pass: secrets
//! first (a hook would fail half-way without one), then the vault, the
//! plan's lock (waiting for a dead runner's lease to lapse on a resume),
//! hooks of earlier attempts that still run, readiness, and only then the
//! journal.

mod claim;
pub mod earlier_hooks;
mod open;

pub use claim::{open_journal, take_lock};
pub use earlier_hooks::{Leases, StillRunning, still_running};
pub use open::open_provider;

use crate::graph::{Operation, StepGraph};
use crate::journal::store::describe_holder;
use crate::journal::{JournalError, LockHolder, Origin, RunId, RunSettings, RunStore};
use crate::plan::{Plan, Vault};
use crate::provider::{OperationOptions, ProviderError, RecoveryPoint};
use crate::readiness::Readiness;

/// Why a run did not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// Hooks read secrets the environment lacks.
    #[error(
        "hooks of this {operation} read {} from the environment, which {} not set; set {} and run again (nothing was done)",
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
        if names.len() == 1 { "is" } else { "are" },
        if names.len() == 1 { "it" } else { "them" }
    )]
    MissingSecrets {
        /// The operation.
        operation: Operation,
        /// The variables.
        names: Vec<String>,
    },
    /// The vault could not be opened.
    #[error(transparent)]
    Provider(ProviderError),
    /// Another runner holds the plan's lock.
    #[error(
        "{plan} is being run by {}; wait for it to finish or stop it ({lock_file})",
        describe_holder(holder.as_ref())
    )]
    Locked {
        /// The plan, as messages name it.
        plan: String,
        /// Who holds the lock.
        holder: Option<LockHolder>,
        /// Where the lock is.
        lock_file: String,
    },
    /// A live process runs a run of the plan (found by its journal).
    #[error(
        "{plan} is being run by run {run}, whose journal a live process holds; wait for it to finish or stop it"
    )]
    LiveRun {
        /// The plan, as messages name it.
        plan: String,
        /// The live run.
        run: RunId,
    },
    /// Hooks of an earlier attempt still run.
    #[error(
        "{operation} refused: hooks started by an earlier attempt still run, and starting them again could run them twice at once; nothing was done"
    )]
    HooksStillRunning {
        /// The operation.
        operation: Operation,
        /// Which.
        hooks: Vec<StillRunning>,
    },
    /// Readiness found blockers (or, with `--strict`, warnings).
    #[error(
        "{operation} refused: {}, so nothing was done",
        if readiness.blockers > 0 {
            "readiness found what would make it fail"
        } else {
            "readiness found warnings and `--strict` refuses on them"
        }
    )]
    NotReady {
        /// The operation.
        operation: Operation,
        /// Every finding.
        readiness: Box<Readiness>,
    },
    /// The machines could not be read for the preflight.
    #[error("cannot read the machines' state: {0}")]
    Unreadable(ProviderError),
    /// The run store failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The variables the hooks of `graph` read that `lookup` does not have.
pub fn missing_secrets(
    plan: &Plan,
    graph: &StepGraph,
    lookup: &dyn Fn(&str) -> bool,
) -> Result<(), LaunchError> {
    let names: Vec<String> = crate::hooks::secrets_needed(plan, graph)
        .into_iter()
        .filter(|name| !lookup(name))
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(LaunchError::MissingSecrets {
            operation: graph.operation,
            names,
        })
    }
}

/// The options of the operation, from the plan and how the run was started.
pub fn operation_options(plan: &Plan, settings: &RunSettings) -> OperationOptions {
    // A planned failover shuts the source down and takes the latest point
    // (least data lost); the choice of point is the disaster case's
    // (`--unplanned`), from the flag or the plan.
    let recovery_point = match (settings.unplanned, settings.recovery_point) {
        (false, _) => RecoveryPoint::Latest,
        (true, chosen) => chosen.unwrap_or(plan.failover.recovery_point),
    };
    OperationOptions {
        recovery_point,
        shutdown_source: plan.failover.shutdown_source && !settings.unplanned,
        test_network: plan.test_network.clone(),
        points: settings
            .points
            .iter()
            .map(|(vm, point)| (vm.clone(), point.id.clone()))
            .collect(),
    }
}

/// How many times faster than Azure the run's vault works: a simulated
/// vault's speed (`DRPLAN_SIM_SPEED`), 1 for a real one.
pub fn vault_speed(plan: &Plan, settings: &RunSettings) -> f64 {
    if settings.simulate || plan.vault == Vault::Simulator {
        crate::provider::simulator::speed_from_env().unwrap_or(1.0)
    } else {
        1.0
    }
}

/// Who starts the run, where, which content of the plan (the hash of the
/// canonical form of `plan_text`, the text the run executes, and the git
/// commit of `plan_file`) and how fast its vault runs, for `run_started`:
/// the store's signed-in identity when it has one (a shared store signed in
/// with a credential), else the local account.
pub async fn origin(
    store: &dyn RunStore,
    plan: &Plan,
    settings: &RunSettings,
    plan_file: &std::path::Path,
    plan_text: &str,
) -> Origin {
    let by = match store.identity().await {
        Ok(Some(name)) => name,
        Ok(None) => crate::journal::store::local_operator(),
        Err(e) => {
            tracing::warn!("who is signed in to the run store is unknown: {e}");
            crate::journal::store::local_operator()
        }
    };
    let commit = file_commit(plan_file);
    Origin {
        by,
        host: crate::journal::store::host_name(),
        content_hash: crate::fmt::content_hash(plan_text),
        dirty: commit.as_ref().is_some_and(|c| c.dirty),
        commit: commit.map(|c| c.commit),
        vault_speed: vault_speed(plan, settings),
    }
}

/// The commit holding the plan file, if git can tell: a plan outside any
/// repository, or a machine without git, runs all the same, with no commit
/// recorded.
fn file_commit(plan_file: &std::path::Path) -> Option<crate::git::FileCommit> {
    match crate::git::commit_of(plan_file) {
        Ok(found) => {
            if found.is_none() {
                tracing::debug!("{} is in no git repository", plan_file.display());
            }
            found
        }
        Err(e @ crate::git::GitError::NotInstalled) => {
            tracing::debug!("no commit recorded: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("no commit recorded for {}: {e}", plan_file.display());
            None
        }
    }
}

/// The seed of a run's retry jitter: stable for a run, different between runs.
pub fn seed(run: &RunId) -> u64 {
    run.0
        .bytes()
        .fold(0x100_0000_01b3_u64, |h, b| h.rotate_left(5) ^ u64::from(b))
}

/// The plan as messages name it: its name, and its file when the file's
/// stem (which names its lock) differs.
pub fn plan_label(plan: &Plan, stem: &str) -> String {
    if stem == plan.name {
        format!("plan `{}`", plan.name)
    } else {
        format!("plan `{}` (file {stem}.drplan)", plan.name)
    }
}
