//! One pass over a run's journal: each step's facts (kind, group, the
//! estimate it started with, start, end, attempts, job, tasks, failure),
//! the first origin, approvals, plan corrections and the machines; then a
//! step's row for the report from those facts and what the plan says.

use std::collections::{BTreeMap, HashMap};

use super::model::{Amendment, Approval, Failure, Machines, Output, StepResult, StepRow};
use crate::clock::Timestamp;
use crate::graph::StepKind;
use crate::journal::{Event, KeptOutput, MachinesPhase, Origin, Record, SkipReason, StepStatus};

/// Whether a simulated vault speeds steps of this kind up: the operations,
/// shutdowns and runbooks it carries out, and waits (which it shortens alike).
pub(super) fn vault_paced(kind: StepKind) -> bool {
    matches!(
        kind,
        StepKind::Vm | StepKind::Shutdown | StepKind::Runbook | StepKind::Wait
    )
}

/// A step's row being folded from the journal.
#[derive(Default)]
pub(super) struct Seen {
    kind: Option<StepKind>,
    group: Option<String>,
    estimate_s: Option<f64>,
    started: Option<Timestamp>,
    finished: Option<(Timestamp, f64)>,
    status: Option<StepStatus>,
    tolerated: bool,
    skip_reason: Option<SkipReason>,
    attempts: u32,
    job: Option<String>,
    tasks: Vec<String>,
    error: Option<String>,
    possible_causes: Option<String>,
    recommended_action: Option<String>,
    output: Option<String>,
}

/// What the plan says of a step.
pub(super) struct Planned {
    pub(super) kind: StepKind,
    pub(super) group: String,
    pub(super) estimate_s: f64,
    pub(super) start_s: Option<f64>,
    pub(super) critical: bool,
}

/// How many distinct progress messages a step keeps as its tasks.
const MAX_TASKS: usize = 20;

pub(super) type Folded = (
    Option<Origin>,
    Vec<Amendment>,
    Vec<Approval>,
    Machines,
    BTreeMap<String, Seen>,
    Vec<String>,
);

/// One pass over the journal: the first origin, amendments, approvals,
/// the machines, and each step's facts in the order steps first appear.
pub(super) fn fold(records: &[Record]) -> Folded {
    let mut origin = None;
    let mut amendments = Vec::new();
    let mut approvals = Vec::new();
    let mut machines = Machines::default();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut order = Vec::new();
    for r in records {
        match &r.event {
            Event::RunStarted { origin: o, .. } => {
                if origin.is_none() {
                    origin.clone_from(o);
                }
            }
            Event::StepStarted {
                step,
                kind,
                group,
                attempt,
                estimate_s,
            } => {
                let s = step_of(&mut seen, &mut order, step);
                s.kind = Some(*kind);
                s.group = Some(group.clone());
                s.estimate_s = estimate_s.or(s.estimate_s);
                s.started = Some(s.started.map_or(r.ts, |t| t.min(r.ts)));
                s.attempts = s.attempts.max(*attempt);
                s.status = None;
                s.finished = None;
            }
            Event::StepProgress {
                step, message, job, ..
            } => {
                let s = step_of(&mut seen, &mut order, step);
                if job.is_some() {
                    s.job.clone_from(job);
                }
                if s.tasks.len() < MAX_TASKS && !s.tasks.contains(message) {
                    s.tasks.push(message.clone());
                }
            }
            Event::StepFinished {
                step,
                status,
                duration_s,
                error,
                reason,
                tolerated,
                possible_causes,
                recommended_action,
                output,
            } => {
                let s = step_of(&mut seen, &mut order, step);
                s.possible_causes.clone_from(possible_causes);
                s.recommended_action.clone_from(recommended_action);
                s.output.clone_from(output);
                s.status = Some(*status);
                s.finished = Some((r.ts, *duration_s));
                s.tolerated = *tolerated;
                s.skip_reason = *reason;
                s.error.clone_from(error);
            }
            Event::Decided {
                step,
                verdict,
                by,
                comment,
            } => approvals.push(Approval {
                step: step.clone(),
                verdict: *verdict,
                by: by.clone(),
                at: r.ts,
                comment: comment.clone(),
            }),
            Event::PlanAmended { revision, changes } => amendments.push(Amendment {
                revision: *revision,
                changes: changes.clone(),
            }),
            Event::Machines { phase, vms } => match phase {
                MachinesPhase::Before => machines.before = Some(vms.clone()),
                MachinesPhase::After => machines.after = Some(vms.clone()),
            },
            Event::RunFinished { .. } => {}
        }
    }
    (origin, amendments, approvals, machines, seen, order)
}

/// The facts of `step`, noting the order steps first appear in.
fn step_of<'m>(
    seen: &'m mut BTreeMap<String, Seen>,
    order: &mut Vec<String>,
    step: &str,
) -> &'m mut Seen {
    if !seen.contains_key(step) {
        order.push(step.to_string());
    }
    seen.entry(step.to_string()).or_default()
}

/// One step's row, from what the journal says of it and what the plan
/// does; a failure is added to `failures`.
pub(super) fn step_row(
    id: String,
    s: Seen,
    planned: Option<Planned>,
    first: Option<Timestamp>,
    outputs: &mut HashMap<String, Vec<KeptOutput>>,
    vault_speed: f64,
    failures: &mut Vec<Failure>,
) -> StepRow {
    let (p_kind, p_group, p_estimate, planned_start_s, critical) = match planned {
        Some(p) => (
            Some(p.kind),
            Some(p.group),
            Some(p.estimate_s),
            p.start_s,
            p.critical,
        ),
        None => (None, None, None, None, false),
    };
    let kind = s.kind.or(p_kind);
    let estimate_s = s.estimate_s.or(p_estimate);
    let result = match (s.status, s.started) {
        (Some(StepStatus::Succeeded), _) => StepResult::Succeeded,
        (Some(StepStatus::Failed), _) if s.tolerated => StepResult::Tolerated,
        (Some(StepStatus::Failed), _) => StepResult::Failed,
        (Some(StepStatus::Skipped), _) => StepResult::Skipped,
        (None, Some(_)) => StepResult::Running,
        (None, None) => StepResult::NotStarted,
    };
    let duration_s = s.finished.map(|(_, d)| d);
    let prediction_error_pct = match (duration_s, estimate_s, kind) {
        (Some(actual), Some(est), Some(kind))
            if est > 0.0
                && matches!(
                    result,
                    StepResult::Succeeded | StepResult::Tolerated | StepResult::Failed
                ) =>
        {
            let paced = if vault_paced(kind) {
                actual * vault_speed
            } else {
                actual
            };
            Some((paced - est) / est * 100.0)
        }
        _ => None,
    };
    if s.status == Some(StepStatus::Failed) {
        failures.push(Failure {
            step: id.clone(),
            error: s.error.clone().unwrap_or_else(|| "failed".to_string()),
            possible_causes: s.possible_causes.clone(),
            recommended_action: s.recommended_action.clone(),
            output: s.output.clone(),
            tolerated: s.tolerated,
        });
    }
    let outputs = outputs
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|k| Output {
            attempt: k.attempt,
            text: k.text,
        })
        .collect();
    StepRow {
        start_s: s.started.zip(first).map(|(t, f)| t.since(f).as_secs_f64()),
        id,
        kind,
        group: s.group.or(p_group),
        estimate_s,
        planned_start_s,
        started: s.started,
        duration_s,
        attempts: s.attempts,
        retries: s.attempts.saturating_sub(1),
        result,
        skip_reason: s.skip_reason,
        prediction_error_pct,
        critical,
        job: s.job,
        tasks: s.tasks,
        error: s.error,
        outputs,
    }
}
