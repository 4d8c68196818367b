//! Step graph × provider × hooks to a run: the executor dispatches each step
//! once everything it needs is done, bounded by each group's `parallelism`
//! (and an optional cap across the plan), applies per-step timeouts, retries
//! with backoff and `on_error`, and emits every change as an [`Event`] to an
//! [`EventSink`] (the journal first, then the console). It never prints.
//!
//! Invariants: a step's `step_finished` is durable before anything that
//! depends on it starts; a VM operation is started only after its machine was
//! seen ready (preflight, or a fresh read before a retry or a resumed step);
//! a provider job recorded in the journal is followed, never started again.

pub mod launch;
mod look;
pub mod machines;
mod on_failure;
pub mod preflight;
pub(crate) mod retry;
mod step;
mod walker;

use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::graph::{StepAction, StepGraph};
use crate::journal::{
    Decision, Event, JournalError, Origin, Record, RunId, RunSettings, RunState, RunStatus,
    StepCounts,
};
use crate::plan::{HookAction, Plan};
use crate::provider::{OperationOptions, Progress, Provider, ProviderError, Target};
use crate::readiness::{Assessment, Readiness};

pub use crate::readiness::{done, ready, running_job_of};

/// Receives the events of a run, in order. The journal writer appends and
/// flushes; an error stops the run at once (it could not be resumed).
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Takes one record: stored, with every record before it, when this
    /// returns. What happens next may depend on it.
    async fn emit(&self, record: Record) -> Result<(), JournalError>;

    /// Takes one record that nothing outside the run acts on before the
    /// next [`EventSink::emit`] (progress, the end of a step, an answer, the
    /// start of a VM operation, which a resumed run settles from the vault
    /// whatever the journal says): it may still be on its way to the store
    /// when this returns, and the next `emit` stores it first.
    async fn record(&self, record: Record) -> Result<(), JournalError> {
        self.emit(record).await
    }

    /// Keeps the whole (redacted, capped) output of one attempt of a hook
    /// step; called before the step's `step_finished`. Sinks that keep no
    /// evidence (benchmarks, some tests) drop it.
    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        let _ = (step, attempt, text);
        Ok(())
    }
}

/// Why a step failed, as the operator should read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepFailure {
    /// One sentence.
    pub message: String,
    /// The provider's stated causes.
    pub possible_causes: Option<String>,
    /// The provider's recommended action.
    pub recommended_action: Option<String>,
    /// The tail of a hook's output.
    pub output: Option<String>,
}

impl StepFailure {
    /// A failure with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }
}

/// The facts of a hook call beside the hook itself.
#[derive(Debug, Clone, Copy)]
pub struct HookCall<'a> {
    /// The step id.
    pub step: &'a str,
    /// The group's name.
    pub group: &'a str,
    /// The group's VMs (plan names).
    pub vms: &'a [String],
    /// The group's primary and recovery regions (its own, else the plan's;
    /// the plan's for the plan's own hooks): `DRPLAN_PRIMARY` and
    /// `DRPLAN_RECOVERY`.
    pub regions: (&'a str, &'a str),
    /// Where the hook keeps what it prints, redacted, as it goes: the
    /// executor owns it, so that it outlives an attempt its timeout stopped,
    /// and passes it to [`EventSink::keep_output`] after every attempt.
    pub output: &'a crate::hooks::Capture,
    /// The steps whose failure failed the run: empty except for the plan's
    /// `on_failure` hooks (`DRPLAN_FAILED_STEPS`).
    pub failed: &'a [String],
}

/// How one attempt of a hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEnd {
    /// Its one-line summary (`exit 0`), or why it failed.
    pub result: Result<String, StepFailure>,
    /// A manual step's answer: journaled as [`Event::Decided`] before the
    /// step finishes; a rejection fails the step without a retry, since
    /// asking again would only get the same answer.
    pub decision: Option<Decision>,
}

impl From<Result<String, StepFailure>> for HookEnd {
    fn from(result: Result<String, StepFailure>) -> Self {
        Self {
            result,
            decision: None,
        }
    }
}

/// Runs one attempt of one hook.
#[async_trait]
pub trait HookRunner: Send + Sync {
    /// Runs `hook`; dropping the future stops it (and kills what it started).
    async fn run(
        &self,
        hook: &HookAction,
        call: HookCall<'_>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> HookEnd;
}

/// Why a run could not start or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Readiness found blockers (or, strictly, warnings): exit 3.
    #[error("not ready: {} blocker(s), {} warning(s)", .0.blockers, .0.warnings)]
    NotReady(Box<Readiness>),
    /// The provider could not be asked.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The journal could not be written: the run stopped where it was.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A step that failed, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    /// Its id.
    pub step: String,
    /// Why.
    pub failure: StepFailure,
    /// Whether `on_error continue` tolerated it.
    pub tolerated: bool,
}

/// The time a group took in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTime {
    /// The group.
    pub group: String,
    /// From its first step's start to its last step's end.
    pub duration: Duration,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Its status.
    pub status: RunStatus,
    /// How long this part of the run took.
    pub duration: Duration,
    /// Steps that succeeded in this part.
    pub succeeded: usize,
    /// Steps done by an earlier part of a resumed run.
    pub done_before: usize,
    /// Steps recorded as skipped.
    pub skipped: usize,
    /// Root causes: the steps that failed (skipped dependents are not listed).
    pub failures: Vec<FailedStep>,
    /// Steps running when the run was cancelled; VM jobs go on in the vault.
    pub in_flight: Vec<String>,
    /// Steps that needed more than one attempt in this part, with how many
    /// they took, in the order they ended.
    pub retried: Vec<(String, u32)>,
    /// Per group.
    pub groups: Vec<GroupTime>,
}

impl Outcome {
    /// How the steps ended, as `run_finished` records it.
    pub fn counts(&self) -> StepCounts {
        let tolerated = self.failures.iter().filter(|f| f.tolerated).count();
        StepCounts {
            succeeded: self.succeeded,
            failed: self.failures.len(),
            tolerated,
            skipped: self.skipped,
            done_before: self.done_before,
            retried: self.retried.len(),
            in_flight: self.in_flight.len(),
        }
    }
}

/// Everything a run needs.
pub struct Run<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The operation's steps.
    pub graph: &'a StepGraph,
    /// Where VM operations happen.
    pub provider: &'a dyn Provider,
    /// Where hooks run.
    pub hooks: &'a dyn HookRunner,
    /// Where events go.
    pub sink: &'a dyn EventSink,
    /// Timestamps.
    pub clock: Clock,
    /// Ctrl-C.
    pub cancel: CancellationToken,
    /// The run's id.
    pub run_id: RunId,
    /// How it was started (journaled for `resume`).
    pub settings: Option<RunSettings>,
    /// Recovery point, source shutdown, test network.
    pub options: OperationOptions,
    /// A cap on VM steps at a time across the plan, beside each group's own.
    pub parallelism: Option<u32>,
    /// The journal of an earlier part, when resuming.
    pub prior: Option<&'a RunState>,
    /// Who started the run, where, and which content of the plan: journaled
    /// in `run_started` as evidence.
    pub origin: Option<Origin>,
    /// Seeds retry jitter (the run id's hash in real runs; fixed in tests).
    pub seed: u64,
    /// How many times faster than real time the vault runs: a simulated
    /// vault's speed (`DRPLAN_SIM_SPEED`), 1 for a real one. It divides the
    /// retry backoff of the steps the vault carries out (VM steps, and
    /// runbook hooks, which the vault runs), so that their retries keep pace
    /// with its clock; every other hook talks to the real world and waits
    /// real time between attempts.
    pub vault_speed: f64,
    /// The machines as preflight read them: journaled as `machines
    /// before`, and, when given, read again after the last step and
    /// journaled as `machines after` (see [`machines`]).
    pub machines_before: Option<Event>,
}

/// The provider's view of a VM step's (or a shutdown step's) machine.
pub fn target(plan: &Plan, graph: &StepGraph, action: StepAction) -> Option<Target> {
    let at = action.machine()?;
    let vm = plan.vm(at)?;
    let group = graph.groups.get(at.group).map_or("", |g| g.name.as_str());
    Some(Target::of(group, vm))
}

/// Reads every machine the run will act on and everything readiness checks
/// for the operation, and refuses before anything is done when it finds a
/// blocker (with `strict`, a warning too), naming every finding at once
/// (see [`crate::readiness::assess`], which also says what resume skips).
/// The estate checks join readiness's findings (see [`preflight_at`]).
pub async fn preflight(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    now: crate::clock::Timestamp,
    strict: bool,
) -> Result<Assessment, ExecError> {
    preflight_at(plan, graph, provider, prior, now, strict, None)
        .await
        .map(|(assessment, _)| assessment)
}

/// [`preflight`] with a common point in time: the estate checks join
/// readiness's findings ([`preflight::split_groups`] always; with `point`,
/// the recovery point of every VM, returned by VM).
pub async fn preflight_at(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    now: crate::clock::Timestamp,
    strict: bool,
    point: Option<preflight::PointInTime>,
) -> Result<(Assessment, Points), ExecError> {
    let (assessment, points) = assess(plan, graph, provider, prior, now, point).await?;
    if assessment.readiness.refuses(strict) {
        return Err(ExecError::NotReady(Box::new(assessment.readiness)));
    }
    Ok((assessment, points))
}

/// The recovery points a run's `before:` picked, by plan VM.
pub type Points = std::collections::BTreeMap<String, crate::provider::RecoveryPointInfo>;

/// Readiness with the estate checks' findings, refusing nothing: what
/// [`preflight`] judges, and what `run --dry-run --online` lists.
pub async fn assess(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    now: crate::clock::Timestamp,
    point: Option<preflight::PointInTime>,
) -> Result<(Assessment, Points), ExecError> {
    let mut assessment = crate::readiness::assess(plan, graph, provider, prior, now).await?;
    let mut extra = preflight::split_groups(plan, graph, provider).await?;
    let mut points = Points::new();
    if let Some(point) = point {
        let (picked, missing) = preflight::pick(provider, &assessment.targets, point).await;
        points = picked;
        extra.extend(missing);
    }
    if !extra.is_empty() {
        let mut findings = std::mem::take(&mut assessment.readiness.findings);
        findings.extend(extra);
        assessment.readiness = crate::readiness::Readiness::of(findings);
    }
    Ok((assessment, points))
}

/// Executes the run: `run_started`, every step, the plan's `on_failure`
/// hooks when it failed or was interrupted, `run_finished`. The plan's
/// `notify` targets are told about it (their `env("NAME")` URLs read from
/// the process environment).
pub async fn execute(run: Run<'_>) -> Result<Outcome, ExecError> {
    let notifier = crate::notify::Notifier::start(
        &run.plan.notify,
        &crate::hooks::ProcessEnv,
        crate::notify::NotifyOptions::default(),
    );
    execute_notified(run, notifier).await
}

/// [`execute`] with a notifier of the caller's (`None`: no notifications).
/// The run's end waits for the notifier, at most its drain bound.
pub async fn execute_notified(
    run: Run<'_>,
    notifier: Option<crate::notify::Notifier>,
) -> Result<Outcome, ExecError> {
    let Some(notifier) = notifier else {
        return execute_inner(run).await;
    };
    let result = match notifier.sender() {
        Some(tx) => {
            let sink = crate::notify::NotifySink::new(run.sink, tx, run.plan.objectives.rto);
            execute_inner(Run { sink: &sink, ..run }).await
        }
        None => execute_inner(run).await,
    };
    notifier.finish().await;
    result
}

async fn execute_inner(run: Run<'_>) -> Result<Outcome, ExecError> {
    let started = tokio::time::Instant::now();
    run.sink
        .emit(Record {
            ts: run.clock.now(),
            event: Event::RunStarted {
                run_id: run.run_id.clone(),
                plan: run.plan.name.clone(),
                operation: run.graph.operation,
                settings: run.settings.clone(),
                resumed: run.prior.is_some(),
                origin: run.origin.clone(),
            },
        })
        .await?;
    if let Some(before) = &run.machines_before {
        run.sink
            .record(Record {
                ts: run.clock.now(),
                event: before.clone(),
            })
            .await?;
    }
    let mut outcome = walker::Walker::new(&run).walk().await?;
    outcome.duration = started.elapsed();
    on_failure::run(&run, &outcome).await;
    if run.machines_before.is_some()
        && machines::any(run.graph)
        && let Some(after) = machines::after(&run).await
    {
        run.sink
            .record(Record {
                ts: run.clock.now(),
                event: after,
            })
            .await?;
    }
    run.sink
        .emit(Record {
            ts: run.clock.now(),
            event: Event::RunFinished {
                run_id: run.run_id.clone(),
                status: outcome.status,
                duration_s: round_ms(outcome.duration),
                counts: Some(outcome.counts()),
            },
        })
        .await?;
    Ok(outcome)
}

/// Seconds with millisecond precision, as events carry them.
fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}
