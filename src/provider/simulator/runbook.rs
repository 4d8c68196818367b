//! Simulated Azure Automation jobs for runbook hooks (spec: asr-model.md
//! "Runbook hooks"): a runbook's name, its job's name and its fault in; the
//! job's statuses as progress while it runs, and how it ended, out. Runbook
//! jobs are not Site Recovery jobs: only their names' counter and their
//! faults' hit counts are kept in the vault.

use std::time::Duration;

use super::jobs::scaled_ms;
use super::{Effect, Simulator};
use crate::plan::estimates;
use crate::provider::{Progress, RunbookOutcome};

/// Azure Automation stops a cloud job after 3 hours (fair share).
const CLOUD_JOB_LIMIT: Duration = Duration::from_secs(3 * 3600);

impl Simulator {
    /// Waits, on the clock, for a runbook job's statuses to pass, reporting
    /// each: `New`, `Activating`, `Running`.
    pub(super) async fn run_automation_job(
        &self,
        runbook: &str,
        job: &str,
        effect: Option<&Effect>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) {
        let nominal = estimates::RUNBOOK.to_std();
        let total = match effect {
            Some(Effect::Slow(factor)) => scaled_ms(nominal, *factor, self.speed),
            Some(Effect::Hang) => scaled_ms(CLOUD_JOB_LIMIT, 1.0, self.speed),
            Some(Effect::Fail(_)) | None => scaled_ms(nominal, 1.0, self.speed),
        };
        let start = self.clock.now();
        // The shares of the job spent queued and activating, in percent.
        for (status, until) in [("New", 2), ("Activating", 5), ("Running", 100)] {
            progress(Progress {
                percent: None,
                message: format!("runbook {runbook}: Automation job {job} is {status}"),
            });
            let at = start.plus(Duration::from_millis(total * until / 100));
            tokio::time::sleep_until(self.clock.instant_at(at)).await;
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
