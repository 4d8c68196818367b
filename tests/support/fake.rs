//! A scripted vault and hook runner for executor tests: every VM operation
//! takes a set time on tokio's clock, may fail a set number of times or hang,
//! and the fake records every operation started and how many ran at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use drplan::clock::{Clock, Timestamp};
use drplan::exec::{EventSink, HookCall, HookEnd, HookRunner, StepFailure};
use drplan::graph::Operation;
use drplan::journal::{JournalError, Record};
use drplan::plan::HookAction;
use drplan::provider::{
    AsrOperation, Health, Job, JobError, JobId, JobState, Location, Machine, OperationOptions,
    Progress, Provider, ProviderError, RunbookOutcome, RunbookRequest, Target, VaultHealth,
};

#[derive(Debug, Clone)]
struct FakeJob {
    vm: String,
    group: String,
    op: Operation,
    started: Timestamp,
    /// `None`: never ends.
    ends: Option<Timestamp>,
    fails: bool,
    /// Its effect is applied (it has ended).
    applied: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Books {
    /// Where each VM runs.
    pub(crate) active: HashMap<String, Location>,
    /// Every operation started: (vm, operation).
    pub(crate) starts: Vec<(String, Operation)>,
    /// Followers running now and the most at once, per group and in all.
    pub(crate) running: HashMap<String, usize>,
    pub(crate) max_running: HashMap<String, usize>,
    pub(crate) running_total: usize,
    pub(crate) max_total: usize,
    jobs: BTreeMap<String, FakeJob>,
}

/// The scripted vault.
pub(crate) struct FakeVault {
    pub(crate) clock: Clock,
    pub(crate) books: Mutex<Books>,
    /// Time of one operation, per VM (default 5 min).
    pub(crate) durations: HashMap<String, Duration>,
    /// Failures still to come, per VM.
    pub(crate) failures: Mutex<HashMap<String, u32>>,
    /// VMs whose jobs never end.
    pub(crate) hang: Vec<String>,
}

impl FakeVault {
    pub(crate) fn new(clock: Clock) -> Self {
        Self {
            clock,
            books: Mutex::new(Books::default()),
            durations: HashMap::new(),
            failures: Mutex::new(HashMap::new()),
            hang: Vec::new(),
        }
    }

    pub(crate) fn starts(&self) -> Vec<(String, Operation)> {
        self.books.lock().unwrap().starts.clone()
    }

    /// Applies jobs that have ended by now.
    fn settle(&self, books: &mut Books) {
        let now = self.clock.now();
        let mut moved = Vec::new();
        for job in books.jobs.values_mut() {
            if !job.applied && job.ends.is_some_and(|e| e <= now) {
                job.applied = true;
                if !job.fails {
                    moved.push(job.clone());
                }
            }
        }
        for job in moved {
            let side = match job.op {
                Operation::Failover => Some(Location::Recovery),
                Operation::Failback => Some(Location::Primary),
                _ => None,
            };
            if let Some(side) = side {
                books.active.insert(job.vm.clone(), side);
            }
        }
    }

    fn job_state(books: &Books, id: &JobId) -> Option<(FakeJob, JobState)> {
        books.jobs.get(&id.0).map(|j| {
            let state = match (j.applied, j.fails) {
                (false, _) => JobState::InProgress,
                (true, true) => JobState::Failed,
                (true, false) => JobState::Succeeded,
            };
            (j.clone(), state)
        })
    }
}

fn as_job(id: &JobId, j: &FakeJob, state: JobState) -> Job {
    Job {
        id: id.clone(),
        name: "Failover".into(),
        operation: j.op,
        vm: j.vm.clone(),
        state,
        started: j.started,
        ended: None,
        percent: None,
        message: None,
        errors: if state == JobState::Failed {
            vec![JobError {
                code: Some("70038".into()),
                message: "the replica VM did not start".into(),
                possible_causes: Some("the recovery region has no capacity for this size".into()),
                recommended_action: Some("retry, or pick another VM size".into()),
            }]
        } else {
            Vec::new()
        },
    }
}

#[async_trait]
impl Provider for FakeVault {
    fn describe(&self) -> String {
        "fake vault".into()
    }

    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        let mut books = self.books.lock().unwrap();
        self.settle(&mut books);
        Ok(targets
            .iter()
            .map(|t| {
                let active = books
                    .active
                    .get(&t.vm)
                    .copied()
                    .unwrap_or(Location::Primary);
                let current = books
                    .jobs
                    .iter()
                    .find(|(_, j)| j.vm == t.vm && !j.applied)
                    .map(|(id, _)| JobId(id.clone()));
                Machine {
                    vm: t.vm.clone(),
                    item: t.item.clone(),
                    protection_state: "Protected".into(),
                    active_location: active,
                    replicating_from: Some(active),
                    allowed: if current.is_some() {
                        Vec::new()
                    } else {
                        vec![AsrOperation::UnplannedFailover, AsrOperation::TestFailover]
                    },
                    health: Health::Healthy,
                    issues: Vec::new(),
                    rpo_s: Some(30),
                    last_test_failover: None,
                    current_job: current,
                    target: drplan::target::TargetSettings::default(),
                    source_vm: None,
                    consistency_group: None,
                }
            })
            .collect())
    }

    async fn start(
        &self,
        target: &Target,
        op: Operation,
        _: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        let mut books = self.books.lock().unwrap();
        self.settle(&mut books);
        books.starts.push((target.vm.clone(), op));
        let id = JobId(format!("job-{}", books.starts.len()));
        let fails = {
            let mut f = self.failures.lock().unwrap();
            match f.get_mut(&target.vm) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        let d = self
            .durations
            .get(&target.vm)
            .copied()
            .unwrap_or(Duration::from_secs(300));
        let now = self.clock.now();
        let ends = if self.hang.contains(&target.vm) {
            None
        } else {
            Some(now.plus(d))
        };
        books.jobs.insert(
            id.0.clone(),
            FakeJob {
                vm: target.vm.clone(),
                group: target.group.clone(),
                op,
                started: now,
                ends,
                fails,
                applied: false,
            },
        );
        Ok(id)
    }

    async fn job(&self, id: &JobId) -> Result<Job, ProviderError> {
        let mut books = self.books.lock().unwrap();
        self.settle(&mut books);
        FakeVault::job_state(&books, id)
            .map(|(j, s)| as_job(id, &j, s))
            .ok_or_else(|| ProviderError::UnknownJob(id.clone()))
    }

    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        let (ends, group) = {
            let mut books = self.books.lock().unwrap();
            self.settle(&mut books);
            let (job, _) = FakeVault::job_state(&books, id)
                .ok_or_else(|| ProviderError::UnknownJob(id.clone()))?;
            let g = job.group.clone();
            *books.running.entry(g.clone()).or_default() += 1;
            let now = books.running[&g];
            let max = books.max_running.entry(g.clone()).or_default();
            *max = (*max).max(now);
            books.running_total += 1;
            books.max_total = books.max_total.max(books.running_total);
            (job.ends, g)
        };
        let _leave = Leave(self, group);
        progress(Progress {
            percent: Some(0),
            message: "Prerequisites check for failover".into(),
        });
        match ends {
            Some(ends) => tokio::time::sleep_until(self.clock.instant_at(ends)).await,
            None => std::future::pending::<()>().await,
        }
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
        r: &RunbookRequest,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        Ok(RunbookOutcome {
            job: "rb-1".into(),
            succeeded: true,
            status: "Completed".into(),
            exception: None,
            output_tail: r.runbook.clone(),
        })
    }
}

/// Counts a follower out when it stops, however it stops.
struct Leave<'a>(&'a FakeVault, String);
impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut books = self.0.books.lock().unwrap();
        if let Some(n) = books.running.get_mut(&self.1) {
            *n -= 1;
        }
        books.running_total -= 1;
    }
}

/// Hooks that take their `wait`/estimate time and fail when told to.
#[derive(Default)]
pub(crate) struct FakeHooks {
    /// Failures still to come, per step id.
    pub(crate) failures: Mutex<HashMap<String, u32>>,
    /// Steps that never end.
    pub(crate) hang: Vec<String>,
    /// Calls, in order.
    pub(crate) calls: Mutex<Vec<String>>,
}

#[async_trait]
impl HookRunner for FakeHooks {
    async fn run(
        &self,
        hook: &HookAction,
        call: HookCall<'_>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> HookEnd {
        self.calls.lock().unwrap().push(call.step.to_string());
        // A manual step says that it waits for a person, as the real one does.
        if let HookAction::Manual { instructions } = hook {
            progress(Progress {
                percent: None,
                message: format!("{}{instructions}", drplan::hooks::WAITING_FOR_APPROVAL),
            });
        }
        if self.hang.iter().any(|h| h == call.step) {
            std::future::pending::<()>().await;
        }
        if let HookAction::Wait { duration } = hook {
            tokio::time::sleep(duration.to_std()).await;
        } else {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let fail = {
            let mut f = self.failures.lock().unwrap();
            match f.get_mut(call.step) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        let result = if fail {
            Err(StepFailure {
                message: "exit status 1".into(),
                output: Some("listener did not answer".into()),
                ..StepFailure::default()
            })
        } else {
            Ok("ok".into())
        };
        result.into()
    }
}

/// Keeps records in memory; with `crash_after`, refuses every record after
/// that many, as a process killed at that point would.
#[derive(Default)]
pub(crate) struct MemorySink {
    pub(crate) records: Mutex<Vec<Record>>,
    pub(crate) crash_after: Option<usize>,
    /// Hook output kept, in order.
    pub(crate) kept: Mutex<Vec<KeptAt>>,
}

/// One attempt's kept output, and how many records came before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeptAt {
    pub(crate) step: String,
    pub(crate) attempt: u32,
    pub(crate) text: String,
    pub(crate) after_records: usize,
}

#[async_trait]
impl EventSink for MemorySink {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        let mut records = self.records.lock().unwrap();
        if self.crash_after.is_some_and(|n| records.len() >= n) {
            return Err(JournalError::Io {
                path: "memory".into(),
                source: std::io::Error::other("killed"),
            });
        }
        records.push(record);
        Ok(())
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        let after_records = self.records.lock().unwrap().len();
        self.kept.lock().unwrap().push(KeptAt {
            step: step.to_string(),
            attempt,
            text: text.to_string(),
            after_records,
        });
        Ok(())
    }
}
