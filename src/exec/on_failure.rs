//! The plan's `on_failure { … }` hooks: a run that failed or was
//! interrupted in, each hook run once, in order, after the last step
//! stopped, out. They are journaled as steps (`plan:on_failure/N`) with the
//! run's context plus the failed steps (`DRPLAN_FAILED_STEPS`), but they
//! never change the run's status or counts, and a journal that can no
//! longer be written (a lost lease) does not keep them from running.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::walker::Walker;
use super::{EventSink, Outcome, Run};
use crate::graph::{Step, StepAction};
use crate::journal::{JournalError, Record, RunStatus};
use crate::plan::{PLAN_LEVEL, When};

/// Runs the `on_failure` hooks when `outcome` failed or was cancelled.
pub(super) async fn run(run: &Run<'_>, outcome: &Outcome) {
    if outcome.status == RunStatus::Succeeded || run.plan.on_failure.is_empty() {
        return;
    }
    let sink = Lenient(run.sink);
    // Their own token: Ctrl-C already stopped the run; these still run.
    let run = Run {
        plan: run.plan,
        graph: run.graph,
        provider: run.provider,
        hooks: run.hooks,
        sink: &sink,
        clock: run.clock,
        cancel: CancellationToken::new(),
        run_id: run.run_id.clone(),
        settings: run.settings.clone(),
        options: run.options.clone(),
        parallelism: run.parallelism,
        prior: run.prior,
        origin: None,
        machines_before: None,
        seed: run.seed,
        vault_speed: run.vault_speed,
    };
    let mut walker = Walker::new(&run);
    walker.failed_steps = outcome
        .failures
        .iter()
        .filter(|f| !f.tolerated)
        .map(|f| f.step.clone())
        .chain(outcome.in_flight.iter().cloned())
        .collect();
    for (h, hook) in run.plan.on_failure.iter().enumerate() {
        let step = Step {
            id: crate::graph::plan_hook_id(When::OnFailure, h + 1),
            kind: hook.action.kind(),
            group: PLAN_LEVEL,
            estimate: hook.step.estimate,
            estimate_source: crate::graph::EstimateSource::declared_if(hook.estimate_declared),
            action: StepAction::Hook {
                group: PLAN_LEVEL,
                when: When::OnFailure,
                block: 0,
                hook: h,
            },
        };
        // Each runs whatever the one before did: they are the run's last
        // word (a page, a ticket, a rollback), not steps that depend on
        // each other. The lenient sink never errs.
        if let Err(e) = walker.run_step(&step).await {
            tracing::warn!("on_failure hook {} could not be run: {e}", step.id);
        }
    }
}

/// A sink that logs what the journal refuses instead of stopping: the run
/// has already failed, and its `on_failure` hooks must still run.
struct Lenient<'a>(&'a dyn EventSink);

#[async_trait]
impl EventSink for Lenient<'_> {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        if let Err(e) = self.0.emit(record).await {
            tracing::warn!("an on_failure hook's event was not journaled: {e}");
        }
        Ok(())
    }

    async fn record(&self, record: Record) -> Result<(), JournalError> {
        if let Err(e) = self.0.record(record).await {
            tracing::warn!("an on_failure hook's event was not journaled: {e}");
        }
        Ok(())
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        if let Err(e) = self.0.keep_output(step, attempt, text).await {
            tracing::warn!("the output of {step} was not kept: {e}");
        }
        Ok(())
    }
}
