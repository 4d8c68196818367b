//! The simulated vault's state: the plan's VMs (and a snapshot read from
//! the state file, if any) in; a [`Vault`] of items and jobs out, with
//! indexes (jobs by id and by item, ends to apply, the tally of placements)
//! kept up to date at every change, so no call walks every item or job.
//!
//! The vault remembers what changed since its last write (items, jobs,
//! counters), so the state file gets one line per change (`log` is the
//! format, `disk` the file).
//!
//! Invariants: an item's `current_job` names a job of that item that has not
//! ended, or a job whose end [`Vault::settle`] has not applied yet; a job's
//! end is applied once. Timestamps are RFC 3339 with milliseconds.

mod item;

pub(crate) use item::Item;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::jobs::{self, JobRecord};
use super::log::FORMAT;
use super::state;
use super::tally::{self, Tally};
use super::world::{Initial, ItemEdit};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::JobId;

/// Jobs older than this are dropped when a vault is loaded, as ASR keeps 30
/// days of jobs.
const JOB_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Job ids a loaded vault must still have room for. A counter that grows by
/// one a job never comes near `u64::MAX - ID_HEADROOM` (4 billion below the
/// end); one that does was edited or damaged, and is refused when the file is
/// read, so a run fails before it acts rather than when it first starts a job.
pub(crate) const ID_HEADROOM: u64 = 1 << 32;

/// A snapshot of the vault, as the state file starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stored {
    pub(crate) format: u32,
    /// Makes this vault's ids differ from another's.
    seed: u64,
    /// Ids handed out so far.
    pub(crate) next_id: u64,
    /// Items by item name.
    items: BTreeMap<String, Item>,
    /// Jobs in the order they started.
    pub(crate) jobs: Vec<JobRecord>,
    /// How many runs of each runbook its fault has hit, for `times`.
    #[serde(default)]
    pub(crate) runbook_hits: BTreeMap<String, u32>,
}

/// What changed since the vault was last written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending {
    pub(crate) items: BTreeSet<String>,
    /// Indexes of jobs started.
    pub(crate) jobs: Vec<usize>,
    pub(crate) next_id: bool,
    pub(crate) runbooks: BTreeSet<String>,
}

impl Pending {
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty() && self.jobs.is_empty() && !self.next_id && self.runbooks.is_empty()
    }
}

/// The vault in memory: the stored state plus indexes rebuilt on load.
#[derive(Debug, Clone)]
pub(crate) struct Vault {
    pub(crate) stored: Stored,
    by_id: HashMap<JobId, usize>,
    /// Job indexes by item, in the order they started.
    by_item: HashMap<String, Vec<usize>>,
    /// Jobs whose end is not applied yet, soonest first.
    ends: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// The VMs the items stand for, and those their jobs are creating, by
    /// placement: kept up to date at every change of an item, so quota
    /// checks never walk every item.
    tally: Tally,
    /// What changed since the last write.
    pending: Pending,
    /// Changes made so far, to tell whether a call changed anything.
    marks: u64,
}

impl Vault {
    /// A fresh vault with every `(item, vm)` protected and replicating, set
    /// up as `initial` says.
    pub(crate) fn fresh<'a>(
        plan: &str,
        items: impl IntoIterator<Item = (&'a str, &'a str)>,
        initial: &BTreeMap<String, Initial>,
        now: Timestamp,
    ) -> Vault {
        let stored = Stored {
            format: FORMAT,
            seed: jobs::seed(plan, now),
            next_id: 0,
            items: BTreeMap::new(),
            jobs: Vec::new(),
            runbook_hits: BTreeMap::new(),
        };
        let mut vault = Vault::index(stored);
        vault.add_missing(items, initial);
        vault
    }

    /// Adds the items the plan names that the vault lacks, and sets up
    /// items that have never been (the vault's file is of an earlier
    /// version) as `initial` says; true if any changed.
    pub(crate) fn add_missing<'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a str, &'a str)>,
        initial: &BTreeMap<String, Initial>,
    ) -> bool {
        let mut changed = false;
        for (item, vm) in items {
            if !self.stored.items.contains_key(item) {
                self.stored.items.insert(item.to_owned(), Item::fresh(vm));
                self.count(item, true);
                self.mark_item(item);
                changed = true;
            }
        }
        for (name, setup) in initial {
            let needs_setup = self.item(name).is_some_and(|i| i.source.is_none());
            if needs_setup {
                self.change_item(name, |item| {
                    item.source = Some(setup.source.clone());
                    if item.target.is_empty() {
                        item.target = setup.target.clone();
                    }
                });
                changed = true;
            }
        }
        changed
    }

    /// Applies the world file's settings of items that this vault has not
    /// applied in their current version (see [`Item::world_edit`]).
    pub(crate) fn apply_world(&mut self, edits: &BTreeMap<String, ItemEdit>) {
        for (name, edit) in edits {
            let Some(target) = &edit.target else {
                continue;
            };
            let hash = jobs::fnv1a(&serde_json::to_string(target).unwrap_or_default());
            if self.item(name).is_some_and(|i| i.world_edit != Some(hash)) {
                self.change_item(name, |item| {
                    item.target = target.clone().inherit(&item.target);
                    item.world_edit = Some(hash);
                });
            }
        }
    }

    /// Changes an item, keeping the tally of placements up to date.
    fn change_item(&mut self, name: &str, f: impl FnOnce(&mut Item)) {
        self.count(name, false);
        if let Some(item) = self.stored.items.get_mut(name) {
            f(item);
        }
        self.count(name, true);
        self.mark_item(name);
    }

    /// An item as another process wrote it (see `log`): replaced whole,
    /// the tally kept up to date, nothing left to write.
    pub(crate) fn replace_item(&mut self, name: &str, item: Item) {
        self.count(name, false);
        self.stored.items.insert(name.to_owned(), item);
        self.count(name, true);
    }

    fn mark_item(&mut self, name: &str) {
        self.marks += 1;
        if !self.pending.items.contains(name) {
            self.pending.items.insert(name.to_owned());
        }
    }

    /// What changed since the last call, forgotten.
    pub(crate) fn take_pending(&mut self) -> Pending {
        std::mem::take(&mut self.pending)
    }

    /// How many changes were made so far: a call that changed nothing
    /// leaves it as it was.
    pub(crate) fn marks(&self) -> u64 {
        self.marks
    }

    /// Adds (or takes away) an item's placements to (from) the tally.
    fn count(&mut self, name: &str, add: bool) {
        let Some(item) = self.stored.items.get(name) else {
            return;
        };
        let running = item
            .current_job
            .as_ref()
            .and_then(|id| self.by_id.get(id))
            .and_then(|i| self.stored.jobs.get(*i))
            .filter(|j| !j.applied);
        for placement in tally::footprint(item, running) {
            let n = self.tally.entry(placement).or_default();
            *n = if add { *n + 1 } else { n.saturating_sub(1) };
        }
    }

    /// How many VMs stand at each placement.
    pub(crate) fn tally(&self) -> &Tally {
        &self.tally
    }

    /// A vault from a snapshot (see `log`); drops jobs past retention.
    /// `Err` says what is wrong, without the path.
    pub(crate) fn from_stored(mut stored: Stored, now: Timestamp) -> Result<Vault, String> {
        if let Some(job) = stored
            .jobs
            .iter()
            .find(|j| j.duration_ms > jobs::MAX_JOB_MS)
        {
            return Err(format!("job {} lasts longer than a year", job.id));
        }
        if stored.next_id > u64::MAX - ID_HEADROOM {
            return Err(exhausted(stored.next_id));
        }
        stored
            .jobs
            .retain(|j| !j.applied || j.end().is_none_or(|end| now.since(end) < JOB_RETENTION));
        let held: HashSet<(&JobId, &str)> = stored
            .jobs
            .iter()
            .map(|j| (&j.id, j.item.as_str()))
            .collect();
        for (name, item) in &stored.items {
            if let Some(id) = &item.current_job
                && !held.contains(&(id, name.as_str()))
            {
                return Err(format!(
                    "item `{name}` runs job {id}, which the file does not hold"
                ));
            }
        }
        Ok(Vault::index(stored))
    }

    fn index(stored: Stored) -> Vault {
        let by_id = stored
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id.clone(), i))
            .collect();
        let mut by_item: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, job) in stored.jobs.iter().enumerate() {
            by_item.entry(job.item.clone()).or_default().push(i);
        }
        let ends = stored
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| !j.applied)
            .filter_map(|(i, j)| j.end().map(|end| Reverse((end, i))))
            .collect();
        let mut vault = Vault {
            stored,
            by_id,
            by_item,
            ends,
            tally: Tally::new(),
            pending: Pending::default(),
            marks: 0,
        };
        let names: Vec<String> = vault.stored.items.keys().cloned().collect();
        for name in &names {
            vault.count(name, true);
        }
        vault
    }

    /// Applies the end of every job ended by `now` to its item: the next
    /// state on success, the same state on failure; true if any.
    pub(crate) fn settle(&mut self, now: Timestamp) -> bool {
        let mut changed = false;
        while let Some(Reverse((end, i))) = self.ends.peek().copied() {
            if end > now {
                break;
            }
            self.ends.pop();
            let Some(job) = self.stored.jobs.get(i) else {
                continue;
            };
            if job.applied {
                continue;
            }
            changed = true;
            let (id, name) = (job.id.clone(), job.item.clone());
            let (operation, failed, target) =
                (job.operation, job.error.is_some(), job.target.clone());
            let current = self
                .item(&name)
                .is_some_and(|item| item.current_job.as_ref() == Some(&id));
            if !current {
                if let Some(job) = self.stored.jobs.get_mut(i) {
                    job.applied = true;
                }
                continue;
            }
            self.count(&name, false);
            if let Some(job) = self.stored.jobs.get_mut(i) {
                job.applied = true;
            }
            if let Some(item) = self.stored.items.get_mut(&name) {
                item.current_job = None;
                if !failed {
                    let was = item.state.active;
                    item.state = state::after_success(item.state, operation);
                    item.powered_off &= item.state.active == was;
                    if operation == Operation::TestCleanup {
                        // spec: asr-model.md: a test counts only once cleaned up.
                        item.last_test_failover = Some(end);
                    }
                    if let Some(target) = target {
                        item.target = target;
                    }
                }
            }
            self.count(&name, true);
        }
        changed
    }

    /// An item by name.
    pub(crate) fn item(&self, name: &str) -> Option<&Item> {
        self.stored.items.get(name)
    }

    /// Marks the VM an item runs as now powered off.
    pub(crate) fn power_off(&mut self, name: &str) {
        if let Some(item) = self.stored.items.get_mut(name) {
            item.powered_off = true;
            // Recorded like any other change: the log holds touched items only.
            self.mark_item(name);
        }
    }

    /// Counts one hit of an item's fault of `operation`.
    pub(crate) fn hit_fault(&mut self, name: &str, operation: Operation) {
        if let Some(item) = self.stored.items.get_mut(name) {
            *item.fault_hits.entry(operation).or_default() += 1;
            self.mark_item(name);
        }
    }

    /// A job by id.
    pub(crate) fn job(&self, id: &JobId) -> Option<&JobRecord> {
        self.by_id.get(id).and_then(|i| self.stored.jobs.get(*i))
    }

    /// An item's jobs, in the order they started, with their places in
    /// that order among every job.
    pub(crate) fn jobs_of(
        &self,
        item: &str,
    ) -> impl DoubleEndedIterator<Item = (usize, &JobRecord)> {
        self.by_item
            .get(item)
            .into_iter()
            .flatten()
            .filter_map(|i| Some((*i, self.stored.jobs.get(*i)?)))
    }

    /// A fresh GUID-like id, never one a job of this vault holds. `Err`
    /// (what to do, without the path) when the counter has run out, which
    /// only an edited file gets near (see [`ID_HEADROOM`]).
    pub(crate) fn next_id(&mut self) -> Result<String, String> {
        loop {
            let n = self
                .stored
                .next_id
                .checked_add(1)
                .ok_or_else(|| exhausted(self.stored.next_id))?;
            self.stored.next_id = n;
            self.marks += 1;
            self.pending.next_id = true;
            let id = jobs::guid(self.stored.seed, n);
            // A counter set back by hand would hand out ids of jobs still
            // held; those are skipped.
            if !self.by_id.contains_key(&JobId(id.clone())) {
                return Ok(id);
            }
        }
    }

    /// Records a started job and makes it its item's current job.
    pub(crate) fn push_job(&mut self, job: JobRecord) {
        let name = job.item.clone();
        let id = job.id.clone();
        let i = self.insert_job(job);
        self.pending.jobs.push(i);
        self.change_item(&name, |item| item.current_job = Some(id));
    }

    /// Adds a job to the jobs and their indexes; returns its index.
    pub(crate) fn insert_job(&mut self, job: JobRecord) -> usize {
        let i = self.stored.jobs.len();
        if let Some(end) = job.end().filter(|_| !job.applied) {
            self.ends.push(Reverse((end, i)));
        }
        self.by_id.insert(job.id.clone(), i);
        self.by_item.entry(job.item.clone()).or_default().push(i);
        self.stored.jobs.push(job);
        i
    }

    /// Counts one hit of a runbook's fault; true while `times` allows it.
    pub(crate) fn hit_runbook(&mut self, runbook: &str, times: Option<u32>) -> bool {
        let hits = self
            .stored
            .runbook_hits
            .entry(runbook.to_owned())
            .or_default();
        let hit = times.is_none_or(|t| *hits < t);
        if hit {
            *hits += 1;
            self.marks += 1;
            self.pending.runbooks.insert(runbook.to_owned());
        }
        hit
    }
}

/// Why a counter at `next_id` cannot go on.
pub(crate) fn exhausted(next_id: u64) -> String {
    format!(
        "its job counter `next_id` ({next_id}) is too close to the largest number a counter \
         holds, so new job ids would repeat old ones; the file was edited or damaged: restore \
         it from a copy"
    )
}

#[cfg(test)]
mod tests;
