//! Simulated Azure Automation jobs for runbook hooks (spec: asr-model.md
//! "Runbook hooks"): a runbook's name, its job's name and its fault in; the
//! job's statuses over time (as progress while it runs, or read at any time
//! through [`RunbookJob::status`]), and how it ended, out. Runbook jobs are
//! not Site Recovery jobs: only their names' counter and their faults' hit
//! counts are kept in the vault.

use std::time::Duration;

use super::jobs::scaled_ms;
use super::{Effect, Simulator};
use crate::clock::Timestamp;
use crate::plan::estimates;
use crate::provider::{Progress, ProviderError, RunbookOutcome};

/// Azure Automation stops a cloud job after 3 hours (fair share).
const CLOUD_JOB_LIMIT: Duration = Duration::from_secs(3 * 3600);

/// An Automation job of the simulated vault, started without waiting for it
/// (`drplan emulator`'s Automation API): its statuses follow from the clock.
#[derive(Debug, Clone, PartialEq)]
pub struct RunbookJob {
    /// The runbook.
    pub runbook: String,
    /// The Automation job's name.
    pub job: String,
    /// When it was created.
    pub created: Timestamp,
    /// How long it takes from creation to its end, in milliseconds.
    total_ms: u64,
    /// The fault that hit it, if any.
    pub(super) effect: Option<Effect>,
}

/// A runbook job as Automation shows it at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookStatus {
    /// `New`, `Activating`, `Running`, then `Completed`, `Failed` or `Stopped`.
    pub status: &'static str,
    /// When it started running.
    pub started: Option<Timestamp>,
    /// When it ended.
    pub ended: Option<Timestamp>,
    /// How it ended, once it has.
    pub outcome: Option<RunbookOutcome>,
}

/// The statuses a runbook job passes through and the share of its duration
/// each ends at, in percent.
const PHASES: [(&str, u64); 3] = [("New", 2), ("Activating", 5), ("Running", 100)];

impl RunbookJob {
    /// When the phase ending at `until` percent ends.
    fn at(&self, until: u64) -> Timestamp {
        self.created
            .plus(Duration::from_millis(self.total_ms * until / 100))
    }

    /// The job at `now`.
    pub fn status(&self, now: Timestamp) -> RunbookStatus {
        let running_since = self.at(PHASES[1].1);
        let started = (now >= running_since).then_some(running_since);
        let end = self.at(100);
        if now >= end {
            let outcome = runbook_outcome(&self.runbook, self.job.clone(), self.effect.as_ref());
            let status = match outcome.status.as_str() {
                "Failed" => "Failed",
                "Stopped" => "Stopped",
                _ => "Completed",
            };
            return RunbookStatus {
                status,
                started,
                ended: Some(end),
                outcome: Some(outcome),
            };
        }
        let status = PHASES
            .iter()
            .find(|(_, until)| now < self.at(*until))
            .map_or("Running", |(status, _)| *status);
        RunbookStatus {
            status,
            started,
            ended: None,
            outcome: None,
        }
    }
}

impl Simulator {
    /// Starts an Automation job of `runbook` without waiting for it, named
    /// `job` (a fresh id when `None`). Counts a hit of the runbook's fault,
    /// as [`Provider::run_runbook`](crate::provider::Provider::run_runbook) does.
    pub fn start_runbook(
        &self,
        runbook: &str,
        job: Option<&str>,
    ) -> Result<RunbookJob, ProviderError> {
        let fault = self.faults.runbook(runbook);
        let (name, hit) = self.with_vault(true, |vault, _| {
            let name = match job {
                Some(job) => job.to_owned(),
                None => self.job_id(vault)?,
            };
            let hit = fault.is_some_and(|f| vault.hit_runbook(runbook, f.times));
            Ok((name, hit))
        })?;
        let effect = fault.filter(|_| hit).map(|f| f.effect.clone());
        let nominal = estimates::RUNBOOK.to_std();
        let total_ms = match &effect {
            Some(Effect::Slow(factor)) => scaled_ms(nominal, *factor, self.speed),
            Some(Effect::Hang) => scaled_ms(CLOUD_JOB_LIMIT, 1.0, self.speed),
            Some(Effect::Fail(_)) | None => scaled_ms(nominal, 1.0, self.speed),
        };
        Ok(RunbookJob {
            runbook: runbook.to_owned(),
            job: name,
            created: self.clock.now(),
            total_ms,
            effect,
        })
    }

    /// Waits, on the clock, for a runbook job's statuses to pass, reporting
    /// each: `New`, `Activating`, `Running`.
    pub(super) async fn run_automation_job(
        &self,
        job: &RunbookJob,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) {
        for (status, until) in PHASES {
            progress(Progress {
                percent: None,
                message: format!(
                    "runbook {}: Automation job {} is {status}",
                    job.runbook, job.job
                ),
            });
            tokio::time::sleep_until(self.clock.instant_at(job.at(until))).await;
        }
    }
}

/// How a runbook job with `effect` ends. Parameters are never echoed: they
/// may hold secrets.
pub(super) fn runbook_outcome(
    runbook: &str,
    job: String,
    effect: Option<&Effect>,
) -> RunbookOutcome {
    let started = format!("Runbook {runbook} started as Automation job {job} (simulated).");
    match effect {
        Some(Effect::Fail(text)) => {
            let exception = text.message.clone().unwrap_or_else(|| {
                format!("The runbook '{runbook}' threw an exception (injected by the fault file).")
            });
            let mut tail = vec![started, format!("Exception: {exception}")];
            tail.extend(text.code.iter().map(|c| format!("Error code: {c}")));
            tail.extend(
                text.possible_causes
                    .iter()
                    .map(|c| format!("Possible causes: {c}")),
            );
            tail.extend(
                text.recommended_action
                    .iter()
                    .map(|a| format!("Recommended action: {a}")),
            );
            RunbookOutcome {
                job,
                succeeded: false,
                status: "Failed".to_owned(),
                exception: Some(exception),
                output_tail: tail.join("\n"),
            }
        }
        Some(Effect::Hang) => RunbookOutcome {
            job,
            succeeded: false,
            status: "Stopped".to_owned(),
            exception: Some(
                "The job was stopped: Azure Automation stops cloud jobs after 3 hours.".to_owned(),
            ),
            output_tail: started,
        },
        Some(Effect::Slow(_)) | None => RunbookOutcome {
            job,
            succeeded: true,
            status: "Completed".to_owned(),
            exception: None,
            output_tail: format!("{started}\nRunbook {runbook} completed."),
        },
    }
}
