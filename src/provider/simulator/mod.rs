//! The embedded simulated vault (`vault simulator`, `run --simulate`): a
//! checked plan, a clock and a speed in; a [`Provider`] whose machines follow
//! ASR's Azure-to-Azure state machine (spec: asr-model.md "Item states") and
//! whose jobs take ASR's typical durations divided by the speed, out.
//!
//! - State lives in `<plan dir>/.drplan/<plan-file-stem>.vault.json` (see
//!   `store`), an append log (see `log` for the format and why, `disk` for
//!   locking): each call that changes the vault appends one line of what
//!   it changed before it returns, so a crash right after
//!   [`Provider::start`] leaves the job on disk, and another process
//!   (`drplan status`, `drplan resume`) continues the story. Each call
//!   first reads what another process appended since it last looked. The
//!   cost of a call grows with what it changes, not with the vault.
//! - A job's state is a function of the clock (see `jobs`): jobs run while
//!   nobody follows them; their ends are applied lazily, on the next call.
//! - Faults come from `<plan dir>/<plan-file-stem>.faults.json` (see
//!   [`Faults`] for the format).
//! - Beside the vault stands a rehearsal world (see [`World`]): the
//!   subscription's quota, sizes, reservations, networks and VMs, derived
//!   from the plan so that everything fits and changed by
//!   `<plan dir>/<plan-file-stem>.world.json`, read again whenever it
//!   changes. The simulator answers [`Inventory`] reads from it, counts the
//!   VMs it creates in it, and fails a failover whose VM does not fit it.
//! - Items hold target settings as ASR sets them when replication is
//!   enabled; [`Provider::configure`] changes them through an update job.
//! - [`Simulator::in_memory`] never touches the disk (tests, benches).
//! - Beyond [`Provider`], `drplan emulator` reads a job's tasks
//!   ([`Simulator::job_tasks`]), an item's recovery points
//!   ([`Simulator::recovery_points`]) and starts runbook jobs without waiting
//!   for them ([`Simulator::start_runbook`]), so ASR's rules stay here.
//!
//! Every method takes `&self`; one `std::sync::Mutex` guards the vault and
//! is never held across an `.await`, so one simulator serves thousands of
//! concurrent `start`/`follow` calls.

mod disk;
mod faults;
mod files;
pub use files::{Beside, read_faults_if_present};
mod catalogue;
mod inventory;
mod jobs;
mod log;
mod points;
mod speed;
mod start;
mod state;
mod store;
mod tally;
mod world;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, Timestamp};
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::{
    Inventory, Job, JobId, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};
use crate::target::Change;

pub use faults::{Effect, FailureText, FaultTarget, Faults, HealthFault, OperationFault};
pub use jobs::{JobTask, job_name, scenario_name};
pub use speed::{DEFAULT_SPEED, SPEED_VAR, parse_speed, speed_from_env};
pub use world::{WORLD_FILE_SUFFIX, World};

use disk::{Fingerprint, Found, Seen};
use jobs::JobRecord;
use store::Vault;

/// How often A2A takes a crash-consistent recovery point (every 5 minutes).
const CRASH_POINT_EVERY_S: u64 = 5 * 60;

/// How often the simulated replication policy takes an application-consistent
/// point (A2A's default policy: every hour). *(inferred)*
const APP_POINT_EVERY_S: u64 = 3600;

/// A recovery point of a simulated item: its id is the same for the same
/// item and time.
pub use crate::provider::RecoveryPointInfo;

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
    /// The world when no world file says otherwise.
    base_world: World,
    /// The world file, read again whenever it changes; `None` in memory.
    world_path: Option<PathBuf>,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    vault: Vault,
    /// The state file as far as this process has read or written it
    /// (`None`: to be read whole).
    seen: Option<Seen>,
    /// The world as the world file (if any) last said.
    world: World,
    /// The world file as last read (`None`: absent).
    world_seen: Option<Fingerprint>,
    /// Items may lack the world file's settings: the world or the items
    /// changed since they were last applied.
    world_due: bool,
}

impl Inner {
    /// Applies the world file's item settings when they may be missing.
    fn apply_world(&mut self) {
        if self.world_due {
            self.vault.apply_world(self.world.item_edits());
            self.world_due = false;
        }
    }
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
        let world = World::derive(plan);
        let vault = Vault::fresh(
            &plan.name,
            plan_items.iter().map(pair),
            world.initial(),
            clock.now(),
        );
        Simulator {
            clock,
            speed,
            faults: Faults::default(),
            plan_items,
            estimates,
            path: None,
            base_world: world.clone(),
            world_path: None,
            inner: Mutex::new(Inner {
                vault,
                seen: None,
                world,
                world_seen: None,
                world_due: true,
            }),
        }
    }

    /// This world beside the vault instead of the one the plan implies
    /// (build it with [`World::derive`] and [`World::edited`]). A world
    /// file, if the simulator reads one, still replaces it when it changes.
    #[must_use]
    pub fn with_world(mut self, world: World) -> Self {
        let inner = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        inner.world = world.clone();
        inner.world_due = true;
        self.base_world = world;
        self
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
    /// what it changed. A failed save leaves the vault as the file has it.
    fn with_vault<T>(
        &self,
        mutates: bool,
        f: impl FnOnce(&mut Vault, Timestamp) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        self.with_state(mutates, |vault, _, now| f(vault, now))
    }

    /// [`with_vault`](Self::with_vault) with the world as it is now, the
    /// world file read again if it changed.
    fn with_state<T>(
        &self,
        mutates: bool,
        f: impl FnOnce(&mut Vault, &World, Timestamp) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let inner = &mut *guard;
        let now = self.clock.now();
        if let Some(path) = &self.world_path {
            let on_disk = disk::fingerprint(path)?;
            if on_disk != inner.world_seen {
                inner.world = match on_disk {
                    Some(_) => files::read_world(path, &self.base_world)?,
                    None => self.base_world.clone(),
                };
                inner.world_seen = on_disk;
                inner.world_due = true;
            }
        }
        let Some(path) = &self.path else {
            inner.vault.settle(now);
            inner.apply_world();
            let value = f(&mut inner.vault, &inner.world, now);
            // Nothing is written: what changed need not be remembered.
            inner.vault.take_pending();
            return value;
        };
        // Only changes are written, under the file's lock, after reading
        // what others appended: a reader (`status --watch` beside a run)
        // never writes, so it cannot overwrite a job the run just started.
        let held = if mutates {
            Some(disk::lock(path)?)
        } else {
            None
        };
        self.catch_up(inner, path, now, held.as_ref())?;
        // Jobs that ended by now end first: a world file written after a
        // job ended edits what the job left. Settled ends follow from the
        // jobs and are derived again by every process that reads the file.
        inner.vault.settle(now);
        inner.apply_world();
        let Some(file) = held else {
            return f(&mut inner.vault, &inner.world, now);
        };
        let marks = inner.vault.marks();
        let written = match f(&mut inner.vault, &inner.world, now) {
            // A call that fails part-way leaves the vault as the file has it.
            Err(e) if inner.vault.marks() != marks => Err(e),
            Err(e) => return Err(e),
            Ok(value) => Self::write(inner, path, &file).map(|()| value),
        };
        if written.is_err() {
            inner.seen = None;
        }
        written
    }

    /// Reads what other processes appended to the state file since this
    /// one last looked (the whole file when it was replaced).
    fn catch_up(
        &self,
        inner: &mut Inner,
        path: &Path,
        now: Timestamp,
        held: Option<&std::fs::File>,
    ) -> Result<(), ProviderError> {
        let (found, seen) = disk::read(path, inner.seen, now, held)?;
        match found {
            Found::Nothing | Found::Whole(None) => {}
            Found::Changes(changes) => {
                for change in changes {
                    if let Err(e) = inner.vault.apply(change) {
                        // Read whole next time, which names the damage again.
                        inner.seen = None;
                        return Err(disk::bad_state(
                            path,
                            &format!("this is not a simulated vault's state: {e}"),
                        ));
                    }
                }
                inner.world_due = true;
            }
            Found::Whole(Some(mut vault)) => {
                vault.add_missing(self.plan_items.iter().map(pair), inner.world.initial());
                inner.vault = *vault;
                inner.world_due = true;
            }
        }
        inner.seen = seen;
        Ok(())
    }

    /// Writes what the vault changed to the file held under lock: one
    /// line, or a whole snapshot when the file wants one.
    fn write(inner: &mut Inner, path: &Path, file: &std::fs::File) -> Result<(), ProviderError> {
        let io = |e: serde_json::Error| ProviderError::Io {
            path: disk::display(path),
            source: std::io::Error::other(e),
        };
        match inner.seen {
            Some(mut seen) if !seen.wants_snapshot() => {
                if let Some(line) = inner.vault.take_change().map_err(io)? {
                    disk::append(path, file, &mut seen, &line)?;
                    inner.seen = Some(seen);
                }
            }
            _ => inner.seen = Some(disk::write_snapshot(path, &mut inner.vault)?),
        }
        Ok(())
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

    fn machines_now(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        self.with_state(false, |vault, world, _| {
            targets
                .iter()
                .map(|t| self.machine(vault, world, t))
                .collect()
        })
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
            .map_or_else(|| "in memory".to_owned(), disk::display);
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
        self.with_state(true, |vault, world, now| {
            let start = start::Start {
                target,
                operation,
                options,
                changes: &[],
            };
            self.start_job(vault, world, now, &start)
        })
    }

    async fn configure(&self, target: &Target, changes: &[Change]) -> Result<JobId, ProviderError> {
        self.with_state(true, |vault, world, now| {
            let start = start::Start {
                target,
                operation: Operation::Configure,
                options: &OperationOptions::default(),
                changes,
            };
            self.start_job(vault, world, now, &start)
        })
    }

    fn inventory(&self) -> &dyn Inventory {
        self
    }

    async fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        Simulator::recovery_points(self, target)
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
            let mut found: Vec<(usize, &JobRecord)> =
                items.iter().flat_map(|item| vault.jobs_of(item)).collect();
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

    async fn shutdown(&self, target: &Target) -> Result<crate::provider::PowerOff, ProviderError> {
        self.shutdown_vm(target).await
    }
}

mod runbook;
mod shutdown;
use runbook::runbook_outcome;
pub use runbook::{RunbookJob, RunbookStatus};

#[cfg(test)]
mod tests;
