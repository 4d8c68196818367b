//! A vault and hooks that finish everything at once, and a run of a graph
//! on them with the journal written to a real file, to another run store
//! (Blob Storage), or kept nowhere: what remains is the executor's own cost
//! and the journal's.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use async_trait::async_trait;
use drplan::clock::Clock;
use drplan::exec::{self, EventSink, HookCall, HookEnd, HookRunner, Outcome, Run};
use drplan::graph::{Operation, StepGraph};
use drplan::journal::{JournalError, JournalWriter, LocalStore, Record, RunId, RunStore};
use drplan::plan::{HookAction, Plan};
use drplan::provider::{
    Job, JobId, JobState, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};
use futures_util::future::join_all;
use tokio::sync::mpsc;

pub(crate) struct Instant {
    clock: Clock,
}

#[async_trait]
impl Provider for Instant {
    fn describe(&self) -> String {
        "instant".into()
    }
    async fn machines(&self, _: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        Ok(Vec::new())
    }
    async fn start(
        &self,
        t: &Target,
        _: Operation,
        _: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        Ok(JobId(t.vm.clone()))
    }
    async fn job(&self, id: &JobId) -> Result<Job, ProviderError> {
        Ok(Job {
            id: id.clone(),
            name: "Failover".into(),
            operation: Operation::Failover,
            vm: id.0.clone(),
            state: JobState::Succeeded,
            started: self.clock.now(),
            ended: Some(self.clock.now()),
            percent: Some(100),
            message: None,
            errors: Vec::new(),
        })
    }
    async fn follow(
        &self,
        id: &JobId,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        self.job(id).await
    }
    async fn jobs(&self, _: &[Target]) -> Result<Vec<Job>, ProviderError> {
        Ok(Vec::new())
    }
    async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
        Ok(VaultHealth::default())
    }
    async fn run_runbook(
        &self,
        _: &RunbookRequest,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        Err(ProviderError::Service("no runbooks here".into()))
    }
}

pub(crate) struct NoHooks;

#[async_trait]
impl HookRunner for NoHooks {
    async fn run(
        &self,
        _: &HookAction,
        _: HookCall<'_>,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> HookEnd {
        Ok(String::new()).into()
    }
}

/// How a run's events reach its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Emit {
    /// As drplan's runs do: what an action waits for is stored first, the
    /// rest while the run goes on.
    Awaited,
    /// Events queued in order and stored while the run goes on, nothing
    /// waiting for them: what an executor that pipelined its journal could
    /// reach at best.
    Pipelined,
}

/// Stores events as drplan's own sink does: an event something waits for
/// (a run's start and end, a hook's start and end) is stored, with all
/// before it, before the run goes on; the others are queued and stored
/// while it goes on.
struct Journal<'w>(Option<&'w dyn JournalWriter>);

#[async_trait]
impl EventSink for Journal<'_> {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        match self.0 {
            Some(w) => w.enqueue(&record).await?.wait().await,
            None => Ok(()),
        }
    }

    async fn record(&self, record: Record) -> Result<(), JournalError> {
        match self.0 {
            Some(w) => w.enqueue(&record).await.map(drop),
            None => Ok(()),
        }
    }
}

/// Queues each event for [`drain`].
struct Queue(mpsc::UnboundedSender<Record>);

#[async_trait]
impl EventSink for Queue {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        self.0.send(record).unwrap();
        Ok(())
    }
}

/// Appends what [`Queue`] took, everything queued at once: the appends are
/// first polled in order, so the writer's group commit keeps that order.
async fn drain(writer: &dyn JournalWriter, mut queue: mpsc::UnboundedReceiver<Record>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while let Ok(record) = queue.try_recv() {
            batch.push(record);
        }
        for stored in join_all(batch.iter().map(|r| writer.append(r))).await {
            stored.unwrap();
        }
    }
}

/// Runs `graph` on the instant vault; the journal goes to `dir` when given.
pub(crate) async fn run(plan: &Plan, graph: &StepGraph, dir: Option<&Path>) -> Outcome {
    let run_id = RunId("bench".into());
    let writer = match dir {
        Some(d) => Some(LocalStore::new(d).create(&run_id, "").await.unwrap()),
        None => None,
    };
    run_with(plan, graph, writer.as_deref(), run_id, Emit::Awaited).await
}

/// Runs `graph` on the instant vault as run `run_id`, its events going to
/// `writer` (or nowhere) as `emit` says; returns once every event is stored.
pub(crate) async fn run_with(
    plan: &Plan,
    graph: &StepGraph,
    writer: Option<&dyn JournalWriter>,
    run_id: RunId,
    emit: Emit,
) -> Outcome {
    match (emit, writer) {
        (Emit::Pipelined, Some(w)) => {
            let (queue, queued) = mpsc::unbounded_channel();
            // The sink, and with it the queue, ends with the run: then the
            // drain ends too.
            let run = async move { execute(plan, graph, &Queue(queue), run_id).await };
            tokio::join!(run, drain(w, queued)).0
        }
        (_, w) => execute(plan, graph, &Journal(w), run_id).await,
    }
}

async fn execute(plan: &Plan, graph: &StepGraph, sink: &dyn EventSink, run_id: RunId) -> Outcome {
    let clock = Clock::system();
    exec::execute(Run {
        plan,
        graph,
        provider: &Instant { clock },
        hooks: &NoHooks,
        sink,
        clock,
        cancel: tokio_util::sync::CancellationToken::new(),
        run_id,
        settings: None,
        options: OperationOptions::default(),
        parallelism: None,
        prior: None,
        seed: 1,
        vault_speed: 1.0,
        machines_before: None,
        origin: None,
    })
    .await
    .unwrap()
}
