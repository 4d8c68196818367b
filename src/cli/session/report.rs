//! How a run ends on the command line: the summary and next step of a run
//! that ran, one message for a run that could not start ([`LaunchError`]),
//! or for one whose lease was lost, each with its exit code. Under
//! `--format json` the message is a `drplan.error/1` document on stdout,
//! with the readiness, lock holder or secrets' names as details.

use std::path::Path;

use super::super::console::Console;
use super::super::exit::ExitCode;
use super::super::output::{ErrorCode, ErrorsAs};
use super::Session;
use crate::exec::launch::LaunchError;
use crate::exec::{self, ExecError};
use crate::graph::Operation;
use crate::journal::{RunId, RunStatus, RunStore};

/// What to run next in the disaster-recovery cycle.
fn next_step(op: Operation, plan_path: &Path) -> String {
    let path = plan_path.display();
    let next = match op {
        Operation::Failover | Operation::Failback => "commit",
        Operation::Commit => "reprotect",
        Operation::TestFailover => "test-cleanup",
        Operation::Reprotect | Operation::TestCleanup => {
            return format!("`drplan status {path}` shows replication health");
        }
        Operation::Configure => {
            return format!("`drplan run failover {path} --dry-run --online` shows what remains");
        }
    };
    format!("drplan run {next} {path}")
}

impl Session {
    /// Says why the run did not start, once, with what helps, and the exit
    /// code: 2 for missing secrets (the command line's to fix), 3 for a
    /// readiness refusal or vaults that cannot be used together, 1 otherwise.
    pub(super) async fn fail(&self, error: LaunchError, store: &dyn RunStore) -> ExitCode {
        let errors = self.errors();
        let message = error.to_string();
        let json = errors == ErrorsAs::Json;
        match &error {
            LaunchError::MissingSecrets { names, .. } => errors.fail_with(
                ErrorCode::MissingSecrets,
                &message,
                ExitCode::Usage,
                Some(serde_json::json!({ "names": names })),
            ),
            LaunchError::HooksStillRunning { hooks, .. } => {
                let hooks: Vec<String> = hooks.iter().map(ToString::to_string).collect();
                let code = errors.fail_with(
                    ErrorCode::RunState,
                    &message,
                    ExitCode::Failed,
                    Some(serde_json::json!({ "hooks": hooks })),
                );
                if !json {
                    for hook in &hooks {
                        eprintln!("  {hook}");
                    }
                }
                code
            }
            LaunchError::NotReady {
                operation,
                readiness,
            } => {
                let resumable = self.resumable(store).await;
                let code = errors.fail_with(
                    ErrorCode::NotReady,
                    &message,
                    ExitCode::NotReady,
                    Some(serde_json::json!({
                        "operation": operation,
                        "readiness": readiness,
                        "resumable": resumable,
                    })),
                );
                if !json {
                    eprint!(
                        "{}",
                        crate::printable::printable(&crate::readiness::human(
                            readiness, *operation
                        ))
                    );
                    if let Some(run) = resumable {
                        eprintln!(
                            "run {run} of this plan did not finish; `drplan resume {run}` continues it, following the jobs it started"
                        );
                    }
                }
                code
            }
            LaunchError::Locked { holder, .. } => errors.fail_with(
                ErrorCode::Locked,
                &message,
                ExitCode::Failed,
                Some(serde_json::json!({ "holder": holder })),
            ),
            LaunchError::LiveRun { run, .. } => errors.fail_with(
                ErrorCode::Locked,
                &message,
                ExitCode::Failed,
                Some(serde_json::json!({ "run": run })),
            ),
            LaunchError::Provider(crate::provider::ProviderError::Refused(_)) => {
                errors.fail(ErrorCode::Refused, &message, ExitCode::NotReady)
            }
            _ => errors.fail(ErrorCode::Failed, &message, ExitCode::Failed),
        }
    }

    /// How this session says errors: JSON under `--format json`.
    pub(super) fn errors(&self) -> ErrorsAs {
        ErrorsAs::json_if(self.flags.json)
    }

    /// The newest run of this plan and operation that can be resumed.
    async fn resumable(&self, store: &dyn RunStore) -> Option<RunId> {
        let mut runs = super::super::runs::summaries(store).await;
        runs.retain(|(summary, state)| {
            summary.plan == self.plan.name
                && summary.operation == self.graph.operation
                && state.finished != Some(RunStatus::Succeeded)
                && summary.status != crate::journal::replay::RunListStatus::Running
        });
        runs.into_iter()
            .max_by_key(|(s, _)| s.started)
            .map(|(s, _)| s.run_id)
    }

    /// The run stopped because its lease could not be kept.
    pub(super) fn report_lease_lost(&self, mut console: Console, store: &dyn RunStore) -> ExitCode {
        console.finish();
        self.errors().fail(
            ErrorCode::Locked,
            &format!(
                "run {} stopped: its lease in {} could not be renewed in time, so another runner may take it over; nothing new was started after that. The run is resumable: `drplan resume {} --state URL` from any machine",
                self.run_id,
                store.describe(),
                self.run_id
            ),
            ExitCode::Interrupted,
        )
    }

    /// The summary and the exit code.
    pub(super) fn report(
        &self,
        mut console: Console,
        result: Result<exec::Outcome, ExecError>,
    ) -> ExitCode {
        console.finish();
        match result {
            Ok(outcome) => {
                let what = format!("{} of plan {}", self.graph.operation, self.plan.name);
                let next = next_step(self.graph.operation, &self.shown_path);
                let objective = super::super::console::Objective {
                    rto: self
                        .plan
                        .objectives
                        .rto
                        .filter(|_| self.graph.operation.has_rto()),
                    vault_speed: exec::launch::vault_speed(&self.plan, &self.settings),
                };
                console.summary(&self.run_id, &what, &outcome, Some(&next), objective);
                match outcome.status {
                    RunStatus::Succeeded => ExitCode::Success,
                    RunStatus::Failed => ExitCode::Failed,
                    RunStatus::Cancelled => ExitCode::Interrupted,
                }
            }
            Err(e) => self.errors().fail(
                ErrorCode::Failed,
                &format!(
                    "the run stopped: {e}; the journal holds everything up to here, resume with `drplan resume {}`",
                    self.run_id
                ),
                ExitCode::Failed,
            ),
        }
    }
}
