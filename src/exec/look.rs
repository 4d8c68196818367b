//! A VM step's look at its machine before it starts the operation: the
//! step and the machine as the vault reports it now in; whether to follow a
//! job of the operation already running, to count the step done (the
//! operation has taken effect, or for `configure` nothing differs), to fail
//! it (the machine cannot take the operation), or what to start, out.

use super::step::provider_failure;
use super::walker::Walker;
use super::{StepFailure, done, ready};
use crate::graph::{Step, StepAction};
use crate::journal::JournalError;
use crate::provider::{JobId, Progress};
use crate::target::drift;

/// What a step's machine says before the step starts its operation.
pub(super) enum Look {
    /// Follow this job of the operation, already running.
    Follow(JobId),
    /// The step is over: done already, or it cannot start.
    Finished(Result<(), StepFailure>),
    /// Start it (for `configure`, with these changes).
    Start(Vec<crate::target::Change>),
}

impl Walker<'_, '_> {
    /// Reads the step's machine before starting: whether to follow the job
    /// already running on it, whether the operation has already taken effect
    /// (or, for `configure`, nothing differs) or cannot start, or what to send.
    pub(super) async fn look(
        &self,
        step: &Step,
        target: &crate::provider::Target,
    ) -> Result<Look, JournalError> {
        let op = self.run.graph.operation;
        let provider = self.run.provider;
        let machine = match provider.machines(std::slice::from_ref(target)).await {
            Ok(mut m) if !m.is_empty() => m.swap_remove(0),
            Ok(_) => {
                return Ok(Look::Finished(Err(StepFailure::new(format!(
                    "the vault did not report {}",
                    target.vm
                )))));
            }
            Err(e) => return Ok(Look::Finished(Err(provider_failure(&e)))),
        };
        if let Some(current) = machine.current_job.clone() {
            // Only a job of this very operation is followed; another
            // (a drill, someone's manual action) is not ours to claim.
            if !super::running_job_of(provider, &machine, op).await {
                return Ok(Look::Finished(Err(StepFailure::new(format!(
                    "{}: job {current} of another operation is in progress on it; wait for it (`drplan jobs`) and resume",
                    target.vm
                )))));
            }
            return Ok(Look::Follow(current));
        }
        let changes = if op == crate::graph::Operation::Configure {
            match step.action {
                StepAction::Vm(at) => self
                    .run
                    .plan
                    .vm(at)
                    .map_or_else(Vec::new, |vm| drift(&machine.target, &vm.target)),
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let already = if op == crate::graph::Operation::Configure {
            changes.is_empty().then(|| {
                format!(
                    "{}: the vault's target settings already match the plan",
                    target.vm
                )
            })
        } else {
            done(op, &machine).then(|| format!("{op} has already taken effect on {}", target.vm))
        };
        if let Some(message) = already {
            let finished = Progress {
                percent: Some(100),
                message,
            };
            self.progress(&step.id, finished, None).await?;
            return Ok(Look::Finished(Ok(())));
        }
        if let Err(reason) = ready(op, &machine) {
            return Ok(Look::Finished(Err(StepFailure::new(format!(
                "{}: {reason}",
                target.vm
            )))));
        }
        Ok(Look::Start(changes))
    }
}
