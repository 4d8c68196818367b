//! One step, all its attempts: `step_started` per attempt, the work under the
//! step's timeout, retries with exponential backoff and jitter, and one
//! `step_finished`. A VM attempt that may repeat an operation (a retry, or a
//! step that was in flight when an earlier run stopped) first asks the
//! provider: a job already running is followed, an operation that already
//! took effect counts as done, and only a machine that is ready again gets a
//! new operation. A hook attempt's whole output is kept (before the attempt's
//! retry or `step_finished`), and a manual step's answer journaled; a
//! rejection ends the step at once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::look::Look;
use super::walker::Walker;
use super::{HookCall, StepFailure, round_ms, target};
use crate::graph::{Step, StepAction};
use crate::hooks::Capture;
use crate::journal::{Event, JournalError, Record, StepStatus, Verdict};
use crate::plan::{HookAction, OnError, StepSettings};
use crate::provider::{JobId, JobState, PowerOff, Progress, ProviderError};

/// How a step ended, for the walker.
#[derive(Debug)]
pub(super) enum StepEnd {
    /// It succeeded, after this many attempts in this part of the run.
    Succeeded { attempts: u32 },
    /// It failed; `tolerated` under `on_error continue`.
    Failed {
        failure: StepFailure,
        tolerated: bool,
        attempts: u32,
    },
}

/// What an attempt leaves beside its result, held outside the attempt's
/// future so that an attempt its timeout stopped still leaves it.
#[derive(Debug, Default)]
struct Aside {
    /// A hook's output so far.
    output: Capture,
    /// A manual step was rejected: no retry.
    rejected: AtomicBool,
}

impl Walker<'_, '_> {
    /// The hook of a hook step.
    pub(super) fn hook(&self, step: &Step) -> Option<&crate::plan::Hook> {
        step.action.hook(self.run.plan)
    }

    /// The settings a step runs with.
    fn settings(&self, step: &Step) -> StepSettings {
        self.hook(step)
            .map_or_else(|| self.vm_settings(step), |h| h.step)
    }

    fn vm_settings(&self, step: &Step) -> StepSettings {
        let d = self.run.plan.defaults;
        // `defaults { timeout }` is written with failovers and hooks in mind;
        // a reprotect takes 45 minutes to 2 hours a VM (hours for large
        // disks), and cutting it short only stops drplan from waiting.
        let timeout = if self.run.graph.operation == crate::graph::Operation::Reprotect {
            None
        } else {
            d.timeout
        };
        StepSettings {
            timeout,
            retries: d.retries,
            on_error: d.on_error,
            estimate: step.estimate,
        }
    }

    /// Stores `event` and everything before it before going on: what
    /// follows acts on it.
    pub(super) async fn emit(&self, event: Event) -> Result<(), JournalError> {
        self.run
            .sink
            .emit(Record {
                ts: self.run.clock.now(),
                event,
            })
            .await
    }

    /// Records `event` without waiting for the store (see [`super::EventSink::record`]).
    pub(super) async fn record(&self, event: Event) -> Result<(), JournalError> {
        self.run
            .sink
            .record(Record {
                ts: self.run.clock.now(),
                event,
            })
            .await
    }

    pub(super) async fn progress(
        &self,
        step: &str,
        p: Progress,
        job: Option<&JobId>,
    ) -> Result<(), JournalError> {
        self.record(Event::StepProgress {
            step: step.to_string(),
            percent: p.percent,
            message: p.message,
            job: job.map(|j| j.0.clone()),
        })
        .await
    }

    /// Drives `work` while forwarding the progress it reports, in order,
    /// before its result.
    async fn pump<T>(
        &self,
        step: &str,
        rx: &mut mpsc::UnboundedReceiver<Progress>,
        work: impl Future<Output = T>,
    ) -> Result<T, JournalError> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                out = &mut work => {
                    while let Ok(p) = rx.try_recv() {
                        self.progress(step, p, None).await?;
                    }
                    return Ok(out);
                }
                Some(p) = rx.recv() => self.progress(step, p, None).await?,
            }
        }
    }

    /// Runs every attempt of one step and records how it ended.
    pub(super) async fn run_step(&self, step: &Step) -> Result<StepEnd, JournalError> {
        let settings = self.settings(step);
        let prior = self.run.prior.and_then(|p| p.steps.get(&step.id));
        // A VM step in flight carries on its own attempt: following its job
        // is not a new one. A hook in flight starts over: that is.
        let is_vm = matches!(step.action, StepAction::Vm(_));
        let first = prior.map_or(1, |p| {
            if p.in_flight && is_vm {
                p.attempts.max(1)
            } else {
                p.attempts + 1
            }
        });
        let last = first + settings.retries;
        // A step in flight when the earlier run stopped: its outcome must be
        // read from the provider before anything is started again.
        let mut recover_job = prior
            .filter(|p| p.in_flight)
            .map(|p| p.job.clone().map(JobId));
        let started = tokio::time::Instant::now();
        let mut failure = StepFailure::new("the step did not run");
        let group = self.run.graph.group_name(step).to_string();
        let mut attempts = 0;
        for attempt in first..=last {
            attempts += 1;
            let begun = started_event(step, &group, attempt);
            if self.acts_unseen(step) {
                self.emit(begun).await?;
            } else {
                self.record(begun).await?;
            }
            // A resumed run reads every VM's state before acting: the journal
            // says what was asked, the vault what happened.
            let check_first = attempt > first || recover_job.is_some() || self.run.prior.is_some();
            let recorded = recover_job.take().flatten();
            let aside = Aside::default();
            let work = self.attempt(step, check_first, recorded, &aside);
            let result = match settings.timeout {
                Some(limit) => match tokio::time::timeout(limit.to_std(), work).await {
                    Ok(result) => result?,
                    Err(_) => Err(StepFailure::new(timeout_message(step, limit))),
                },
                None => work.await?,
            };
            if let Some(text) = aside.output.text() {
                self.run.sink.keep_output(&step.id, attempt, &text).await?;
            }
            match result {
                Ok(()) => {
                    self.finished(
                        step,
                        Event::step_finished(
                            step.id.clone(),
                            StepStatus::Succeeded,
                            round_ms(started.elapsed()),
                        ),
                    )
                    .await?;
                    return Ok(StepEnd::Succeeded { attempts });
                }
                Err(f) => {
                    failure = f;
                    if aside.rejected.load(Ordering::Relaxed) {
                        break;
                    }
                    if attempt < last {
                        self.before_retry(step, attempt, &failure).await?;
                    }
                }
            }
        }
        let tolerated = settings.on_error == OnError::Continue;
        self.finished(
            step,
            Event::StepFinished {
                step: step.id.clone(),
                status: StepStatus::Failed,
                duration_s: round_ms(started.elapsed()),
                error: Some(failure.message.clone()),
                reason: None,
                possible_causes: failure.possible_causes.clone(),
                recommended_action: failure.recommended_action.clone(),
                output: failure.output.clone(),
                tolerated,
            },
        )
        .await?;
        Ok(StepEnd::Failed {
            failure,
            tolerated,
            attempts,
        })
    }

    /// A step's end: stored before anything goes on when only the journal
    /// can say the step acted (see [`Self::acts_unseen`]); else it may be
    /// on its way.
    async fn finished(&self, step: &Step, end: Event) -> Result<(), JournalError> {
        if self.acts_unseen(step) {
            self.emit(end).await
        } else {
            self.record(end).await
        }
    }

    /// Whether the step acts on the world in a way nothing but the journal
    /// records: a script, a webhook, a runbook. Its start, and everything
    /// before it, is stored before it starts, and its end before anything
    /// goes on, so that a resume never runs it a second time unknowingly. A
    /// VM operation is settled from the vault by a resume; a `wait`, a
    /// `probe` or a `manual` step (whose answer is kept in the store) may
    /// simply run again.
    fn acts_unseen(&self, step: &Step) -> bool {
        // A shutdown reads the power state before it acts, but its start and
        // end are kept anyway: a resume then skips a finished shutdown
        // without asking the VM at all.
        if matches!(step.action, StepAction::Shutdown(_)) {
            return true;
        }
        self.hook(step).is_some_and(|h| {
            matches!(
                h.action,
                HookAction::Script { .. } | HookAction::Webhook { .. } | HookAction::Runbook { .. }
            )
        })
    }

    /// One attempt. The outer `Result` is the journal's; the inner the step's.
    async fn attempt(
        &self,
        step: &Step,
        check_first: bool,
        recorded: Option<JobId>,
        aside: &Aside,
    ) -> Result<Result<(), StepFailure>, JournalError> {
        match step.action {
            StepAction::Vm(_) => self.vm_attempt(step, check_first, recorded).await,
            StepAction::Hook { group, .. } => {
                let Some(h) = self.hook(step) else {
                    return Ok(Err(StepFailure::new(
                        "internal error, this is a bug in drplan: the step names no hook",
                    )));
                };
                let vms = self.group_vms.get(group).map_or(&[][..], Vec::as_slice);
                let call = HookCall {
                    step: &step.id,
                    group: self.run.graph.group_name(step),
                    vms,
                    regions: self.run.plan.regions_of(group),
                    output: &aside.output,
                    failed: &self.failed_steps,
                };
                let (tx, mut rx) = mpsc::unbounded_channel();
                let report = move |p: Progress| {
                    let _ = tx.send(p);
                };
                let work = self.run.hooks.run(&h.action, call, &report);
                let end = self.pump(&step.id, &mut rx, work).await?;
                if let Some(d) = end.decision {
                    // Who answered a manual step, and what they wrote: the
                    // sign-off's audit trail, durable before the step ends.
                    aside
                        .rejected
                        .store(d.verdict == Verdict::Rejected, Ordering::Relaxed);
                    self.record(Event::Decided {
                        step: step.id.clone(),
                        verdict: d.verdict,
                        by: d.by,
                        comment: d.comment,
                    })
                    .await?;
                } else if let Ok(summary) = &end.result
                    && !summary.is_empty()
                {
                    // How the hook ended (`exit 0`, `200 OK`) goes in the
                    // journal too.
                    let done = Progress {
                        percent: None,
                        message: summary.clone(),
                    };
                    self.progress(&step.id, done, None).await?;
                }
                Ok(end.result.map(|_| ()))
            }
            StepAction::Shutdown(_) => self.shutdown_attempt(step).await,
            StepAction::Join => Ok(Ok(())),
        }
    }

    /// Powers the step's VM off where it runs now. The provider reads the
    /// power state first, so an attempt after a retry or a resume leaves a
    /// VM already off alone; the failbacks that follow start from a stopped
    /// VM and do not shut it down again.
    async fn shutdown_attempt(&self, step: &Step) -> Result<Result<(), StepFailure>, JournalError> {
        let Some(target) = target(self.run.plan, self.run.graph, step.action) else {
            return Ok(Err(StepFailure::new(
                "internal error, this is a bug in drplan: the step names no VM",
            )));
        };
        let message = match self.run.provider.shutdown(&target).await {
            Ok(PowerOff::Stopped) => format!("{} powered off", target.vm),
            Ok(PowerOff::AlreadyStopped) => format!("{} was already off", target.vm),
            Err(e) => return Ok(Err(provider_failure(&e))),
        };
        let done = Progress {
            percent: Some(100),
            message,
        };
        self.progress(&step.id, done, None).await?;
        Ok(Ok(()))
    }

    async fn vm_attempt(
        &self,
        step: &Step,
        check_first: bool,
        recorded: Option<JobId>,
    ) -> Result<Result<(), StepFailure>, JournalError> {
        let op = self.run.graph.operation;
        let Some(target) = target(self.run.plan, self.run.graph, step.action) else {
            return Ok(Err(StepFailure::new(
                "internal error, this is a bug in drplan: the step names no VM",
            )));
        };
        let provider = self.run.provider;
        let mut job = None;
        if let Some(recorded) = recorded {
            match provider.job(&recorded).await {
                Ok(_) => job = Some((recorded, "following the job an earlier run started")),
                Err(ProviderError::UnknownJob(_)) => {}
                Err(e) => return Ok(Err(provider_failure(&e))),
            }
        }
        // An update is decided by what the vault holds now: always read first.
        let check_first = check_first || op == crate::graph::Operation::Configure;
        let mut changes = Vec::new();
        if job.is_none() && check_first {
            match self.look(step, &target).await? {
                Look::Follow(current) => {
                    job = Some((current, "following the job already running on the machine"));
                }
                Look::Finished(result) => return Ok(result),
                Look::Start(to_change) => changes = to_change,
            }
        }
        let (job, note) = if let Some(found) = job {
            found
        } else {
            let started = if op == crate::graph::Operation::Configure {
                provider.configure(&target, &changes).await
            } else if op.shuts_down_first(self.run.plan) {
                // Its shutdown step has powered the VM off already.
                let options = crate::provider::OperationOptions {
                    shutdown_source: false,
                    ..self.run.options.clone()
                };
                provider.start(&target, op, &options).await
            } else {
                provider.start(&target, op, &self.run.options).await
            };
            match started {
                Ok(id) => (id, "started"),
                Err(e) => return Ok(Err(provider_failure(&e))),
            }
        };
        // Durable before the job is followed: a resumed run follows this job
        // instead of starting the operation again.
        self.progress(
            &step.id,
            Progress {
                percent: None,
                message: format!("job {job} {note}"),
            },
            Some(&job),
        )
        .await?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let report = move |p: Progress| {
            let _ = tx.send(p);
        };
        let followed = self
            .pump(&step.id, &mut rx, provider.follow(&job, &report))
            .await?;
        Ok(match followed {
            Ok(j) if j.state == JobState::Succeeded => Ok(()),
            Ok(j) => Err(j.errors.first().map_or_else(
                || StepFailure::new(format!("job {} ended {:?}", j.id, j.state)),
                |e| StepFailure {
                    message: match &e.code {
                        Some(code) => {
                            format!("job {} failed: {} (ASR error {code})", j.id, e.message)
                        }
                        None => format!("job {} failed: {}", j.id, e.message),
                    },
                    possible_causes: e.possible_causes.clone(),
                    recommended_action: e.recommended_action.clone(),
                    output: None,
                },
            )),
            Err(e) => Err(provider_failure(&e)),
        })
    }
}

/// An attempt's `step_started`, with the estimate it is measured against.
fn started_event(step: &Step, group: &str, attempt: u32) -> Event {
    Event::StepStarted {
        step: step.id.clone(),
        kind: step.kind,
        group: group.to_string(),
        attempt,
        estimate_s: Some(std::time::Duration::from_millis(step.estimate.as_millis()).as_secs_f64()),
    }
}

pub(super) fn provider_failure(e: &ProviderError) -> StepFailure {
    StepFailure::new(e.to_string())
}

fn timeout_message(step: &Step, limit: crate::duration::Duration) -> String {
    if matches!(step.action, StepAction::Vm(_)) {
        format!(
            "timed out after {limit}; the vault's job goes on, and a retry or resume follows it"
        )
    } else {
        format!("timed out after {limit} and was stopped")
    }
}
