//! A vault and hooks that finish everything at once, and a run of a graph
//! on them with the journal written to a real file (or kept nowhere): what
//! remains is the executor's own cost.

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

struct Journal(Option<Box<dyn JournalWriter>>);

#[async_trait]
impl EventSink for Journal {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        match &self.0 {
            Some(w) => w.append(&record).await,
            None => Ok(()),
        }
    }
}

/// Runs `graph` on the instant vault; the journal goes to `dir` when given.
pub(crate) async fn run(plan: &Plan, graph: &StepGraph, dir: Option<&Path>) -> Outcome {
    let clock = Clock::system();
    let run_id = RunId("bench".into());
    let writer = match dir {
        Some(d) => Some(LocalStore::new(d).create(&run_id, "").await.unwrap()),
        None => None,
    };
    exec::execute(Run {
        plan,
        graph,
        provider: &Instant { clock },
        hooks: &NoHooks,
        sink: &Journal(writer),
        clock,
        cancel: tokio_util::sync::CancellationToken::new(),
        run_id,
        settings: None,
        options: OperationOptions::default(),
        parallelism: None,
        prior: None,
        seed: 1,
        vault_speed: 1.0,
    })
    .await
    .unwrap()
}
