//! Journal records to the state of a run: what each step reached (succeeded,
//! failed, skipped, in flight with its provider job, or never started), how
//! the run ended, and the summary `drplan runs` lists. `resume` starts from it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::event::{Event, Record, RunId, RunSettings, RunStatus, StepStatus};
use crate::clock::Timestamp;
use crate::graph::Operation;

/// What a journal says about one step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepRecord {
    /// How it ended, if it did.
    pub status: Option<StepStatus>,
    /// Attempts started, over every part of the run.
    pub attempts: u32,
    /// Whether an attempt started and did not finish: the run stopped while
    /// the step ran, and its outcome must be asked of the provider.
    pub in_flight: bool,
    /// The provider job of the last attempt, when one was started.
    pub job: Option<String>,
}

/// A run as its journal tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    /// The run.
    pub run_id: RunId,
    /// The plan's name.
    pub plan: String,
    /// The operation.
    pub operation: Operation,
    /// How it was started.
    pub settings: Option<RunSettings>,
    /// When it first started.
    pub started: Timestamp,
    /// Its last event.
    pub last: Timestamp,
    /// How its last part ended; `None` while running or after a crash.
    pub finished: Option<RunStatus>,
    /// Steps by id.
    pub steps: BTreeMap<String, StepRecord>,
    /// The plan revision the run uses now (0: as it started; see
    /// [`Event::PlanAmended`]).
    pub plan_revision: u32,
}

/// A run's status as `drplan runs` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunListStatus {
    /// A process is running it now.
    Running,
    /// It succeeded.
    Succeeded,
    /// It failed; resumable.
    Failed,
    /// It was stopped with Ctrl-C; resumable.
    Cancelled,
    /// Its process ended without finishing it (a crash); resumable.
    Interrupted,
}

/// One line of `drplan runs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// The run.
    pub run_id: RunId,
    /// The plan's name.
    pub plan: String,
    /// The operation.
    pub operation: Operation,
    /// Its status.
    pub status: RunListStatus,
    /// When it started.
    pub started: Timestamp,
    /// From its start to its last event.
    pub duration_s: f64,
}

impl RunState {
    /// Replays records. `None` when the journal has no `run_started`.
    pub fn replay(records: &[Record]) -> Option<RunState> {
        let mut iter = records.iter();
        let (first, run_id, plan, operation, settings) = iter.find_map(|r| match &r.event {
            Event::RunStarted {
                run_id,
                plan,
                operation,
                settings,
                ..
            } => Some((
                r.ts,
                run_id.clone(),
                plan.clone(),
                *operation,
                settings.clone(),
            )),
            _ => None,
        })?;
        let mut state = RunState {
            run_id,
            plan,
            operation,
            settings,
            started: first,
            last: first,
            finished: None,
            steps: BTreeMap::new(),
            plan_revision: 0,
        };
        for record in records {
            state.last = state.last.max(record.ts);
            match &record.event {
                Event::RunStarted { .. } => state.finished = None,
                Event::StepStarted { step, attempt, .. } => {
                    let s = state.steps.entry(step.clone()).or_default();
                    s.attempts = s.attempts.max(*attempt);
                    s.in_flight = true;
                    s.status = None;
                    s.job = None;
                }
                Event::StepProgress {
                    step,
                    job: Some(job),
                    ..
                } => {
                    state.steps.entry(step.clone()).or_default().job = Some(job.clone());
                }
                Event::StepProgress { .. } | Event::Decided { .. } | Event::Machines { .. } => {}
                Event::StepFinished { step, status, .. } => {
                    let s = state.steps.entry(step.clone()).or_default();
                    s.status = Some(*status);
                    s.in_flight = false;
                }
                Event::RunFinished { status, .. } => state.finished = Some(*status),
                Event::PlanAmended { revision, .. } => state.plan_revision = *revision,
            }
        }
        Some(state)
    }

    /// The stem of the plan file the run ran, which names the plan's lock;
    /// the plan's name for runs that do not say.
    pub fn plan_stem(&self) -> String {
        self.settings
            .as_ref()
            .and_then(|s| {
                std::path::Path::new(&s.plan_file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| self.plan.clone())
    }

    /// The summary line, given whether a live process holds the run's lock.
    pub fn summary(&self, running: bool) -> RunSummary {
        let status = match (self.finished, running) {
            (_, true) => RunListStatus::Running,
            (Some(RunStatus::Succeeded), _) => RunListStatus::Succeeded,
            (Some(RunStatus::Failed), _) => RunListStatus::Failed,
            (Some(RunStatus::Cancelled), _) => RunListStatus::Cancelled,
            (None, false) => RunListStatus::Interrupted,
        };
        RunSummary {
            run_id: self.run_id.clone(),
            plan: self.plan.clone(),
            operation: self.operation,
            status,
            started: self.started,
            duration_s: self.last.since(self.started).as_secs_f64(),
        }
    }
}
