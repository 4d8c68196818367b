//! A run's journal records, the plan text kept with it (latest revision),
//! the hooks' kept output and whether a live process still runs it, in; the
//! [`Report`] out: everything `drplan report` shows, in one structure that
//! the JSON, Markdown and HTML forms render. The step graph and the dry
//! run's schedule are rebuilt from the plan text; without it (a copy that is
//! missing or no longer compiles) the report keeps what the journal alone
//! says and notes what is missing.

use std::collections::HashMap;

use super::fold::{Planned, fold, step_row};
pub use super::rows::{Amendment, Approval, Failure, Machines, Output, StepRow};

use serde::Serialize;

use super::achieved::{Achieved, RtoVerdict};
use crate::clock::Timestamp;
use crate::graph::{Operation, StepGraph};
use crate::journal::{KeptOutput, Origin, Record, RunState, RunStatus};
use crate::plan::Plan;
use crate::schedule::Schedule;

/// What a report is built from.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// The run's journal.
    pub records: &'a [Record],
    /// The plan text the run uses now, or why it could not be read.
    pub plan_text: Result<&'a str, String>,
    /// The kept output of each hook step, by step id.
    pub outputs: HashMap<String, Vec<KeptOutput>>,
    /// Whether a live process runs the run now.
    pub live: bool,
    /// Now, for a run still in progress.
    pub now: Timestamp,
}

/// How the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunVerdict {
    /// Every step succeeded (or failed under `on_error continue`).
    Succeeded,
    /// A step failed under `on_error abort`.
    Failed,
    /// Interrupted (Ctrl-C); resumable.
    Cancelled,
    /// A live process runs it now: the report shows it so far.
    InProgress,
    /// Its journal ends without `run_finished` and no process runs it (a
    /// crash): never reported as succeeded.
    Incomplete,
}

impl RunVerdict {
    /// The word shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            RunVerdict::Succeeded => "succeeded",
            RunVerdict::Failed => "failed",
            RunVerdict::Cancelled => "cancelled",
            RunVerdict::InProgress => "in progress",
            RunVerdict::Incomplete => "incomplete",
        }
    }
}

/// From which region to which the operation moves the VMs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Direction {
    /// The region the VMs leave.
    pub from: String,
    /// The region they come up in.
    pub to: String,
}

/// The achieved recovery time and how it compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    /// First step started → last VM step finished, seconds.
    pub to_last_vm_s: Option<f64>,
    /// First step started → last step finished (or now, while the run goes
    /// on), seconds: what the RTO and the estimate are compared with.
    pub to_last_step_s: Option<f64>,
    /// The plan's RTO, seconds, when it applies to the operation.
    pub rto_s: Option<f64>,
    /// The achieved time against it.
    pub rto: Option<RtoVerdict>,
    /// The dry run's estimate (its critical path), seconds.
    pub estimate_s: Option<f64>,
    /// Achieved (at Azure's pace on a simulated vault) minus estimated,
    /// seconds.
    pub vs_estimate_s: Option<f64>,
    /// How many times faster than Azure the vault ran.
    pub vault_speed: f64,
    /// On a simulated vault: the achieved time at Azure's pace, seconds.
    pub asr_equivalent_s: Option<f64>,
}

/// How a step ended, as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    /// It succeeded.
    Succeeded,
    /// It failed.
    Failed,
    /// It failed under `on_error continue`.
    Tolerated,
    /// It did not run.
    Skipped,
    /// It started and has not finished (or never will: a crash).
    Running,
    /// The plan has it; the run has not reached it.
    NotStarted,
}

impl StepResult {
    /// The word shown to people (and the HTML class).
    pub fn as_str(self) -> &'static str {
        match self {
            StepResult::Succeeded => "succeeded",
            StepResult::Failed => "failed",
            StepResult::Tolerated => "tolerated",
            StepResult::Skipped => "skipped",
            StepResult::Running => "running",
            StepResult::NotStarted => "not-started",
        }
    }
}

/// Everything `drplan report` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `drplan.report/1`.
    pub schema: &'static str,
    /// The run.
    pub run_id: String,
    /// The plan's name.
    pub plan: String,
    /// The operation.
    pub operation: Operation,
    /// Which way the VMs move, from the plan's regions.
    pub direction: Option<Direction>,
    /// Who, where, which content (absent in older journals).
    pub origin: Option<Origin>,
    /// When the run started.
    pub started: Timestamp,
    /// When it ended (its last event), unless it is still in progress.
    pub ended: Option<Timestamp>,
    /// How it stands.
    pub status: RunVerdict,
    /// The recovery time.
    pub recovery: Recovery,
    /// The dry run's critical path, step ids.
    pub critical_path: Vec<String>,
    /// Every step: the plan's order, then steps only the journal names.
    pub steps: Vec<StepRow>,
    /// The steps that failed.
    pub failures: Vec<Failure>,
    /// Answers to manual steps.
    pub approvals: Vec<Approval>,
    /// The machines before and after.
    pub machines: Machines,
    /// Corrections of the plan during the run.
    pub amendments: Vec<Amendment>,
    /// The plan text the run used (its latest revision).
    pub plan_text: Option<String>,
    /// What the report could not show, and why.
    pub notes: Vec<String>,
}

/// What the plan text gives the report.
struct FromPlan {
    plan: Plan,
    graph: StepGraph,
    schedule: Option<Schedule>,
}

impl FromPlan {
    /// Each step of the graph, in source order, with what the plan says of it.
    fn planned(&self) -> impl Iterator<Item = (String, Planned)> + '_ {
        let critical: std::collections::HashSet<usize> = self
            .schedule
            .as_ref()
            .map(|s| s.critical_path.iter().map(|n| n.index()).collect())
            .unwrap_or_default();
        self.graph.steps().map(move |(n, step)| {
            (
                step.id.clone(),
                Planned {
                    kind: step.kind,
                    group: self.graph.group_name(step).to_string(),
                    estimate_s: step.estimate.to_std().as_secs_f64(),
                    start_s: self
                        .schedule
                        .as_ref()
                        .map(|s| s.start[n.index()].to_std().as_secs_f64()),
                    critical: critical.contains(&n.index()),
                },
            )
        })
    }

    /// The dry run's critical path, step ids.
    fn critical_path(&self) -> Vec<String> {
        self.schedule.as_ref().map_or_else(Vec::new, |s| {
            s.critical_path
                .iter()
                .map(|n| self.graph.step(*n).id.clone())
                .collect()
        })
    }
}

/// The plan text compiled, and its graph for the run's operation and groups.
fn from_plan(text: &str, state: &RunState, notes: &mut Vec<String>) -> Option<FromPlan> {
    let path = state
        .settings
        .as_ref()
        .map_or_else(|| format!("{}.drplan", state.plan), |s| s.plan_file.clone());
    let (plan, _) = crate::compile(&crate::source::SourceFile::new(path, text));
    let Some(plan) = plan else {
        notes.push(
            "the plan kept with the run no longer compiles: estimates, the RTO and the critical path are not shown".to_string(),
        );
        return None;
    };
    // A name the plan lost since (a corrected run) shows the whole plan
    // rather than failing the report.
    let only = state
        .settings
        .as_ref()
        .and_then(|s| crate::graph::Only::named(&plan, &s.groups, &s.vms).ok())
        .unwrap_or_default();
    let graph = crate::graph::build_only(&plan, state.operation, &only);
    let schedule = Schedule::checked(&graph).ok();
    Some(FromPlan {
        plan,
        graph,
        schedule,
    })
}

impl Report {
    /// The steps that kept hook output, in the report's order.
    pub fn steps_with_output(&self) -> Vec<&StepRow> {
        self.steps
            .iter()
            .filter(|s| !s.outputs.is_empty())
            .collect()
    }

    /// Builds the report; `None` when the journal has no `run_started`.
    pub fn build(inputs: Inputs<'_>) -> Option<Report> {
        let state = RunState::replay(inputs.records)?;
        let mut notes = Vec::new();
        let status = verdict(&state, inputs.live, &mut notes);
        let plan = match inputs.plan_text {
            Ok(text) => from_plan(text, &state, &mut notes).map(|p| (p, text.to_string())),
            Err(why) => {
                notes.push(format!(
                    "the plan kept with the run could not be read ({why}): estimates, the RTO, the critical path and the plan text are not shown"
                ));
                None
            }
        };
        let (origin, amendments, approvals, machines, seen, order) = fold(inputs.records);
        let achieved = Achieved::of(inputs.records);
        let first = achieved.first_start();
        let vault_speed = origin.as_ref().map_or(1.0, |o| o.vault_speed);

        let mut steps = Vec::with_capacity(order.len());
        let mut critical_path = Vec::new();
        let mut failures = Vec::new();
        let mut seen = seen;
        let mut outputs = inputs.outputs;
        let mut row = |id: String, planned: Option<Planned>| {
            let s = seen.remove(&id).unwrap_or_default();
            step_row(
                id,
                s,
                planned,
                first,
                &mut outputs,
                vault_speed,
                &mut failures,
            )
        };
        if let Some((p, _)) = &plan {
            for (id, planned) in p.planned() {
                steps.push(row(id, Some(planned)));
            }
            critical_path = p.critical_path();
        }
        let in_plan: std::collections::HashSet<String> =
            steps.iter().map(|s| s.id.clone()).collect();
        for id in order {
            if !in_plan.contains(&id) {
                steps.push(row(id, None));
            }
        }

        let ended = (status != RunVerdict::InProgress).then_some(state.last);
        let recovery = recovery(
            &achieved,
            status,
            plan.as_ref().map(|(p, _)| p),
            state.operation,
            vault_speed,
            inputs.now,
        );
        let direction = plan
            .as_ref()
            .and_then(|(p, _)| direction(&p.plan, state.operation));
        Some(Report {
            schema: "drplan.report/1",
            run_id: state.run_id.0.clone(),
            plan: state.plan.clone(),
            operation: state.operation,
            direction,
            origin,
            started: state.started,
            ended,
            status,
            recovery,
            critical_path,
            steps,
            failures,
            approvals,
            machines,
            amendments,
            plan_text: plan.map(|(_, text)| text),
            notes,
        })
    }
}

/// How the run stands, with a note for a run not (or never to be) finished.
fn verdict(state: &RunState, live: bool, notes: &mut Vec<String>) -> RunVerdict {
    let status = match (state.finished, live) {
        (_, true) => RunVerdict::InProgress,
        (Some(RunStatus::Succeeded), false) => RunVerdict::Succeeded,
        (Some(RunStatus::Failed), false) => RunVerdict::Failed,
        (Some(RunStatus::Cancelled), false) => RunVerdict::Cancelled,
        (None, false) => RunVerdict::Incomplete,
    };
    match status {
        RunVerdict::InProgress => notes.push(
        "the run is still in progress: this report shows it so far".to_string(),
        ),
        RunVerdict::Incomplete => notes.push(
        "the journal ends without the run's end and no process runs it (it stopped in a crash): the run is incomplete; `drplan resume` continues it".to_string(),
        ),
        _ => {}
    }
    status
}

/// The achieved time against the RTO and the estimate.
fn recovery(
    achieved: &Achieved,
    status: RunVerdict,
    plan: Option<&FromPlan>,
    operation: Operation,
    vault_speed: f64,
    now: Timestamp,
) -> Recovery {
    let completed = status == RunVerdict::Succeeded;
    let mut to_last_step_s = achieved.to_last_step_s();
    if status == RunVerdict::InProgress {
        to_last_step_s = achieved.first_start().map(|f| now.since(f).as_secs_f64());
    }
    let rto_s = plan
        .filter(|_| operation.has_rto())
        .and_then(|p| p.plan.objectives.rto)
        .map(|r| r.to_std().as_secs_f64());
    let estimate_s = plan
        .and_then(|p| p.schedule.as_ref())
        .map(|s| s.total.to_std().as_secs_f64());
    // Estimates are in Azure's time; a simulated vault's run is compared
    // with them at Azure's pace.
    let asr_equivalent_s = to_last_step_s
        .filter(|_| vault_speed > 1.0)
        .map(|s| s * vault_speed);
    Recovery {
        to_last_vm_s: achieved.to_last_vm_s(),
        to_last_step_s,
        rto_s,
        rto: rto_s
            .zip(to_last_step_s)
            .map(|(rto, got)| RtoVerdict::judge(got, rto, completed)),
        estimate_s,
        vs_estimate_s: estimate_s
            .zip(asr_equivalent_s.or(to_last_step_s))
            .map(|(e, got)| got - e),
        vault_speed,
        asr_equivalent_s,
    }
}

/// The operation's direction between the plan's regions: failover (and its
/// test) move the VMs from the primary to the recovery region, failback
/// the reverse; the others move none.
fn direction(plan: &Plan, op: Operation) -> Option<Direction> {
    let (from, to) = match op {
        Operation::Failover | Operation::TestFailover => (&plan.primary, &plan.recovery),
        Operation::Failback => (&plan.recovery, &plan.primary),
        _ => return None,
    };
    Some(Direction {
        from: from.clone(),
        to: to.clone(),
    })
}
