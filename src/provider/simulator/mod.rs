//! The embedded simulated vault (`vault simulator`, `run --simulate`): a
//! checked plan, a clock and a speed in; a [`Provider`] whose machines follow
//! ASR's Azure-to-Azure state machine (spec: asr-model.md "Item states") and
//! whose jobs take ASR's typical durations divided by the speed, out.
//!
//! - State lives in `<plan dir>/.drplan/<plan-file-stem>.vault.json` (see
//!   `store`), written before any call that changed it returns, so a crash
//!   right after [`Provider::start`] leaves the job on disk, and another
//!   process (`drplan status`, `drplan resume`) continues the story. Each
//!   call re-reads the file first when another process has written it.
//! - A job's state is a function of the clock (see `jobs`): jobs run while
//!   nobody follows them; their ends are applied lazily, on the next call.
//! - Faults come from `<plan dir>/<plan-file-stem>.faults.json` (see
//!   [`Faults`] for the format).
//! - [`Simulator::in_memory`] never touches the disk (tests, benches).
//! - Beyond [`Provider`], `drplan emulator` reads a job's tasks
//!   ([`Simulator::job_tasks`]), an item's recovery points
//!   ([`Simulator::recovery_points`]) and starts runbook jobs without waiting
//!   for them ([`Simulator::start_runbook`]), so ASR's rules stay here.
//!
//! Every method takes `&self`; one `std::sync::Mutex` guards the vault and
//! is never held across an `.await`, so one simulator serves thousands of
//! concurrent `start`/`follow` calls.

mod faults;
mod files;
mod jobs;
mod speed;
mod state;
mod store;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, Timestamp};
use crate::graph::Operation;
use crate::plan::{Plan, estimates};
use crate::provider::{
    Health, Job, JobId, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};

pub use faults::{Effect, FailureText, FaultTarget, Faults, HealthFault, OperationFault};
pub use jobs::{JobTask, job_name, scenario_name};
pub use speed::{DEFAULT_SPEED, SPEED_VAR, parse_speed, speed_from_env};

use jobs::JobRecord;
use store::{Fingerprint, Vault};

/// How often A2A takes a crash-consistent recovery point (every 5 minutes).
const CRASH_POINT_EVERY_S: u64 = 5 * 60;

/// How often the simulated replication policy takes an application-consistent
/// point (A2A's default policy: every hour). *(inferred)*
const APP_POINT_EVERY_S: u64 = 3600;

/// A recovery point of a simulated item (`recoveryPoints` of an ASR item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPointInfo {
    /// Its id, the same for the same item and time.
    pub id: String,
    /// When it was taken.
    pub time: Timestamp,
    /// Application-consistent (else crash-consistent).
    pub app_consistent: bool,
}

/// The simulated vault. Share it behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct Simulator {
    clock: Clock,
    speed: f64,
    faults: Faults,
    /// The plan's `(item, vm)` pairs, to add to a vault that lacks them.
    plan_items: Vec<(String, String)>,
    /// Failover estimates by item.
    estimates: HashMap<String, Duration>,
    /// The state file; `None` in memory.
    path: Option<PathBuf>,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    vault: Vault,
    /// The state file as last read or written by this process.
    seen: Option<Fingerprint>,
}

impl Simulator {
    /// A fresh simulated vault that never touches the disk. A `speed` that
    /// is not a positive number (see [`parse_speed`]) is taken as
    /// [`DEFAULT_SPEED`].
    pub fn in_memory(plan: &Plan, clock: Clock, speed: f64) -> Simulator {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            DEFAULT_SPEED
        };
        let vms = plan.groups.iter().flat_map(|g| g.vms.iter());
        let plan_items: Vec<(String, String)> = vms
            .clone()
            .map(|vm| {
                let item = vm.item.clone().unwrap_or_else(|| vm.name.clone());
                (item, vm.name.clone())
            })
            .collect();
        let estimates = vms
            .zip(&plan_items)
            .map(|(vm, (item, _))| (item.clone(), vm.estimate.to_std()))
            .collect();
        let vault = Vault::fresh(&plan.name, plan_items.iter().map(pair), clock.now());
        Simulator {
            clock,
            speed,
            faults: Faults::default(),
            plan_items,
            estimates,
            path: None,
            inner: Mutex::new(Inner { vault, seen: None }),
        }
    }

    /// These faults instead of the fault file's. Entries for VMs or runbooks
    /// the plan lacks never match.
    #[must_use]
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// How many times faster than Azure jobs run.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The state file, unless in memory.
    pub fn state_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` on the vault after applying the jobs ended by now, and saves
    /// the vault when it changed. A failed save restores the vault as it was.
    fn with_vault<T>(
        &self,
        mutates: bool,
        f: impl FnOnce(&mut Vault, Timestamp) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        if let Some(path) = &self.path {
            let on_disk = store::fingerprint(path)?;
            if on_disk.is_some() && on_disk != inner.seen {
                if let Some(mut vault) = store::load(path, now)? {
                    vault.add_missing(self.plan_items.iter().map(pair));
                    inner.vault = vault;
                }
                inner.seen = on_disk;
            }
        }
        inner.vault.settle(now);
        let Some(path) = &self.path else {
            return f(&mut inner.vault, now);
        };
        // Only changes are saved: a reader (`status --watch` beside a run)
        // that wrote back what it read could overwrite a job the run had
        // just started. Settled ends follow from the jobs and are derived
        // again by every process that loads the file.
        if !mutates {
            return f(&mut inner.vault, now);
        }
        let before = inner.vault.clone();
        // A call that fails part-way leaves the vault as it found it.
        let value = match f(&mut inner.vault, now) {
            Ok(value) => value,
            Err(e) => {
                inner.vault = before;
                return Err(e);
            }
        };
        match store::save(path, &inner.vault) {
            Ok(seen) => inner.seen = seen,
            Err(e) => {
                inner.vault = before;
                return Err(e);
            }
        }
        Ok(value)
    }

    /// A job's tasks as they are now (`tasks[]` of an ASR job).
    pub fn job_tasks(&self, id: &JobId) -> Result<Vec<JobTask>, ProviderError> {
        self.with_vault(false, |vault, now| {
            let job = vault
                .job(id)
                .ok_or_else(|| ProviderError::UnknownJob(id.clone()))?;
            Ok(job.tasks_at(now))
        })
    }

    /// The recovery points a failover of `target` could use now, newest
    /// first: while it replicates, the latest processed (crash-consistent)
    /// point one RPO ago, the two crash-consistent points before it (every 5
    /// minutes) and the latest application-consistent one (every hour);
    /// after a failover, before its commit, the same points as of the
    /// failover's start; none otherwise (committed, not protected).
    pub fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let machine = self.machines_now(std::slice::from_ref(target))?;
        let Some(machine) = machine.into_iter().next() else {
            return Ok(Vec::new());
        };
        self.with_vault(false, |vault, now| {
            let Some(item) = vault.item(&target.item) else {
                return Ok(Vec::new());
            };
            let reference = match item.state.stage {
                state::Stage::Replicating | state::Stage::TestFailedOver => now,
                state::Stage::FailedOver => vault
                    .jobs()
                    .iter()
                    .rev()
                    .find(|j| {
                        j.item == target.item
                            && matches!(j.operation, Operation::Failover | Operation::Failback)
                            && j.is_done(now)
                            && j.error.is_none()
                    })
                    .map_or(now, |j| j.started),
                state::Stage::Committed => return Ok(Vec::new()),
            };
            // A failed-over item no longer reports an RPO: use the one it
            // would have had, as the points were taken while it replicated.
            let rpo = machine
                .rpo_s
                .or_else(|| self.faults.rpo_s.get(&target.vm).copied())
                .unwrap_or_else(|| 30 + jobs::fnv1a(&target.vm) % 61);
            let latest = reference.unix_secs().saturating_sub(rpo);
            let crash = latest - latest % CRASH_POINT_EVERY_S;
            let app = latest - latest % APP_POINT_EVERY_S;
            let point = |secs: u64, app_consistent: bool| RecoveryPointInfo {
                id: jobs::guid(
                    jobs::fnv1a(&target.item),
                    secs * 2 + u64::from(app_consistent),
                ),
                time: Timestamp(std::time::UNIX_EPOCH + Duration::from_secs(secs)),
                app_consistent,
            };
            let mut points = vec![point(latest, false)];
            for k in 0..2 {
                let at = crash.saturating_sub(k * CRASH_POINT_EVERY_S);
                if at != latest {
                    points.push(point(at, false));
                }
            }
            points.push(point(app, true));
            points.sort_by_key(|p| std::cmp::Reverse(p.time));
            Ok(points)
        })
    }

    fn machines_now(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        self.with_vault(false, |vault, _| {
            targets.iter().map(|t| self.machine(vault, t)).collect()
        })
    }

    fn machine(&self, vault: &Vault, target: &Target) -> Result<Machine, ProviderError> {
        let Some(item) = vault.item(&target.item) else {
            return Err(ProviderError::UnknownMachine {
                vm: target.vm.clone(),
                item: target.item.clone(),
            });
        };
        let running = item
            .current_job
            .as_ref()
            .and_then(|id| vault.job(id))
            .map(|job| job.operation);
        let issues: Vec<_> = self.faults.health(&target.vm).cloned().collect();
        let replicating_from = state::replicating_from(item.state);
        Ok(Machine {
            vm: target.vm.clone(),
            item: target.item.clone(),
            protection_state: state::protection_state(item.state, running).to_owned(),
            active_location: item.state.active,
            replicating_from,
            allowed: state::allowed(item.state, running),
            health: issues
                .iter()
                .map(|i| i.severity)
                .max()
                .unwrap_or(Health::Healthy),
            issues,
            rpo_s: replicating_from.map(|_| {
                self.faults
                    .rpo_s
                    .get(&target.vm)
                    // A healthy item's RPO: under a minute or two, fixed per VM.
                    .map_or_else(|| 30 + jobs::fnv1a(&target.vm) % 61, |rpo| *rpo)
            }),
            last_test_failover: item.last_test_failover,
            current_job: item.current_job.clone(),
            target: crate::target::TargetSettings::default(),
            source_vm: None,
        })
    }

    /// A fresh job id from `vault`, or the error that its counter ran out.
    fn job_id(&self, vault: &mut Vault) -> Result<String, ProviderError> {
        vault
            .next_id()
            .map_err(|e| store::bad_state_at(self.path.as_deref(), &e))
    }

    fn start_job(
        &self,
        vault: &mut Vault,
        now: Timestamp,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        let not_allowed = |reason| ProviderError::NotAllowed {
            vm: target.vm.clone(),
            operation,
            reason,
        };
        let Some(item) = vault.item(&target.item) else {
            return Err(ProviderError::UnknownMachine {
                vm: target.vm.clone(),
                item: target.item.clone(),
            });
        };
        if let Some(running) = &item.current_job {
            let name = vault.job(running).map_or("a", |j| job_name(j.operation));
            return Err(not_allowed(format!(
                "{name} job {running} is in progress; allowed operations: none until it ends"
            )));
        }
        state::check(item.state, operation).map_err(not_allowed)?;
        let hits = item.fault_hits.get(&operation).copied().unwrap_or(0);
        // The id first: a vault that cannot name the job changes nothing.
        let id = JobId(self.job_id(vault)?);
        let fault = self
            .faults
            .operation(&target.vm, operation)
            .filter(|f| f.times.is_none_or(|t| hits < t));
        if fault.is_some()
            && let Some(item) = vault.item_mut(&target.item)
        {
            *item.fault_hits.entry(operation).or_default() += 1;
        }
        let estimate = self
            .estimates
            .get(&target.item)
            .copied()
            .unwrap_or(estimates::VM_FAILOVER.to_std());
        let nominal = jobs::nominal_duration(operation, &target.vm, estimate);
        let factor = match fault.map(|f| &f.effect) {
            Some(Effect::Slow(factor)) => *factor,
            _ => 1.0,
        };
        vault.push_job(JobRecord {
            id: id.clone(),
            operation,
            vm: target.vm.clone(),
            item: target.item.clone(),
            started: jobs::whole_ms(now),
            duration_ms: jobs::scaled_ms(nominal, factor, self.speed),
            shutdown_source: options.shutdown_source,
            hang: matches!(fault.map(|f| &f.effect), Some(Effect::Hang)),
            error: match fault.map(|f| &f.effect) {
                Some(Effect::Fail(text)) => Some(faults::failure(text, operation, &target.vm)),
                _ => None,
            },
            applied: false,
        });
        tracing::debug!(vm = %target.vm, %operation, job = %id, "simulated job started");
        Ok(id)
    }
}

fn pair((item, vm): &(String, String)) -> (&str, &str) {
    (item.as_str(), vm.as_str())
}

#[async_trait]
impl Provider for Simulator {
    fn describe(&self) -> String {
        let at = self
            .path
            .as_deref()
            .map_or_else(|| "in memory".to_owned(), store::display);
        format!("simulated vault ({at}, speed ×{})", self.speed)
    }

    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        self.machines_now(targets)
    }

    async fn start(
        &self,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        self.with_vault(true, |vault, now| {
            self.start_job(vault, now, target, operation, options)
        })
    }

    async fn job(&self, id: &JobId) -> Result<Job, ProviderError> {
        self.with_vault(false, |vault, now| {
            let job = vault
                .job(id)
                .ok_or_else(|| ProviderError::UnknownJob(id.clone()))?;
            Ok(job.view(now))
        })
    }

    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        let mut shown: Option<(Option<u8>, String)> = None;
        loop {
            let (job, next) = self.with_vault(false, |vault, now| {
                let job = vault
                    .job(id)
                    .ok_or_else(|| ProviderError::UnknownJob(id.clone()))?;
                Ok((job.view(now), job.next_change(now)))
            })?;
            if job.state.is_terminal() {
                return Ok(job);
            }
            let message = job
                .message
                .clone()
                .unwrap_or_else(|| "Waiting to start".to_owned());
            let now_shown = Some((job.percent, message.clone()));
            if shown != now_shown {
                shown = now_shown;
                progress(Progress {
                    percent: job.percent,
                    message,
                });
            }
            match next {
                Some(at) => tokio::time::sleep_until(self.clock.instant_at(at)).await,
                // A hung job: nothing will change; the caller's timeout ends this.
                None => std::future::pending::<()>().await,
            }
        }
    }

    async fn jobs(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError> {
        let items: HashSet<&str> = targets.iter().map(|t| t.item.as_str()).collect();
        self.with_vault(false, |vault, now| {
            let mut found: Vec<(usize, &JobRecord)> = vault
                .jobs()
                .iter()
                .enumerate()
                .filter(|(_, j)| items.contains(j.item.as_str()))
                .collect();
            found.sort_by(|(a_i, a), (b_i, b)| (b.started, b_i).cmp(&(a.started, a_i)));
            Ok(found.into_iter().map(|(_, j)| j.view(now)).collect())
        })
    }

    async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
        Ok(VaultHealth {
            issues: self.faults.vault.clone(),
        })
    }

    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        let job = self.start_runbook(&request.runbook, None)?;
        self.run_automation_job(&job, progress).await;
        Ok(runbook_outcome(&job.runbook, job.job, job.effect.as_ref()))
    }
}

mod runbook;
use runbook::runbook_outcome;
pub use runbook::{RunbookJob, RunbookStatus};

#[cfg(test)]
mod tests;
