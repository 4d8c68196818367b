//! Simulated Site Recovery jobs: a job's record (what was started, when, for
//! how long, and how it will end) and the time now in; the job as ASR would
//! show it (state, percent, current task, errors) out. A job's state is a
//! function of the clock, so it keeps running while nobody watches and is
//! finished when read later, in this process or another.
//!
//! The names, tasks and typical durations it uses are in `catalogue`.

pub(crate) use crate::hash::{fnv1a, mix};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{Job, JobError, JobId, JobState};
use crate::target::TargetSettings;

use super::tally::Placement;

use super::catalogue::tasks;
pub(crate) use super::catalogue::{MAX_JOB_MS, nominal_duration, scaled_ms};
pub use super::catalogue::{job_name, scenario_name};

/// A job as stored: everything its state at any time follows from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub(crate) id: JobId,
    pub(crate) operation: Operation,
    /// The plan VM.
    pub(crate) vm: String,
    /// The replicated item.
    pub(crate) item: String,
    /// Whole milliseconds, so the stored RFC 3339 text is exact.
    pub(crate) started: Timestamp,
    /// Already scaled by the speed and any `slow` fault.
    pub(crate) duration_ms: u64,
    pub(crate) shutdown_source: bool,
    /// Never ends (a `hang` fault).
    #[serde(default)]
    pub(crate) hang: bool,
    /// Ends `Failed` with this error.
    #[serde(default)]
    pub(crate) error: Option<JobError>,
    /// Its end has been applied to the item.
    #[serde(default)]
    pub(crate) applied: bool,
    /// The VM it creates, when it passed the world's checks: counted from
    /// its start, as ASR holds quota for a VM it is bringing up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) creates: Option<Placement>,
    /// An update's target settings, set on the item when it succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<TargetSettings>,
}

/// The share of a job spent queued (`NotStarted`), in percent.
const QUEUED_PERCENT: u64 = 2;

impl JobRecord {
    /// When it ends, unless it hangs.
    pub(crate) fn end(&self) -> Option<Timestamp> {
        (!self.hang).then(|| self.started.plus(Duration::from_millis(self.duration_ms)))
    }

    /// Whether it has ended at `now`.
    pub(crate) fn is_done(&self, now: Timestamp) -> bool {
        self.end().is_some_and(|end| end <= now)
    }

    fn tasks(&self) -> &'static [(&'static str, u64)] {
        tasks(self.operation, self.shutdown_source)
    }

    fn queued_ms(&self) -> u64 {
        self.duration_ms * QUEUED_PERCENT / 100
    }

    /// Milliseconds from the start at which each task starts.
    fn task_starts(&self) -> impl Iterator<Item = u64> + '_ {
        let queued = self.queued_ms();
        let span = self.duration_ms - queued;
        self.tasks().iter().scan(0, move |done, (_, share)| {
            let at = queued + (span * *done).div_ceil(100);
            *done += share;
            Some(at)
        })
    }

    /// Where a hung job stops: halfway through its last task.
    fn frozen_at(&self) -> u64 {
        let last = self.task_starts().last().unwrap_or(0);
        last + (self.duration_ms - last) / 2
    }

    fn elapsed_ms(&self, now: Timestamp) -> u64 {
        let ms = u64::try_from(now.since(self.started).as_millis()).unwrap_or(u64::MAX);
        if self.hang {
            ms.min(self.frozen_at())
        } else {
            ms
        }
    }

    /// The times, from the start, at which what [`view`](Self::view) shows
    /// changes: the end of the queue, each task, each tenth and the end.
    fn changes(&self) -> Vec<u64> {
        let queued = self.queued_ms();
        let span = self.duration_ms - queued;
        let mut at: Vec<u64> = self.task_starts().collect();
        at.extend((1..10).map(|k| queued + (span * k).div_ceil(10)));
        if self.hang {
            let frozen = self.frozen_at();
            at.retain(|t| *t <= frozen);
        } else {
            at.push(self.duration_ms);
        }
        at.sort_unstable();
        at.dedup();
        at
    }

    /// The next time after `now` at which the job's view changes; `None`
    /// when it never will again.
    pub(crate) fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        let elapsed = u64::try_from(now.since(self.started).as_millis()).unwrap_or(u64::MAX);
        self.changes()
            .into_iter()
            .find(|t| *t > elapsed)
            .map(|t| self.started.plus(Duration::from_millis(t)))
    }

    /// The job as ASR shows it at `now`.
    pub(crate) fn view(&self, now: Timestamp) -> Job {
        let mut job = Job {
            id: self.id.clone(),
            name: job_name(self.operation).to_owned(),
            operation: self.operation,
            vm: self.vm.clone(),
            state: JobState::InProgress,
            started: self.started,
            ended: None,
            percent: Some(0),
            message: None,
            errors: Vec::new(),
        };
        if self.is_done(now) {
            job.ended = self.end();
            if let Some(error) = &self.error {
                job.state = JobState::Failed;
                job.percent = Some(99);
                job.message = self.tasks().last().map(|(task, _)| (*task).to_owned());
                job.errors.push(error.clone());
            } else {
                job.state = JobState::Succeeded;
                job.percent = Some(100);
            }
            return job;
        }
        let elapsed = self.elapsed_ms(now);
        let queued = self.queued_ms();
        if elapsed < queued {
            job.state = JobState::NotStarted;
            return job;
        }
        let span = (self.duration_ms - queued).max(1);
        let percent = ((elapsed - queued) * 100 / span).min(99);
        job.percent = Some(u8::try_from(percent).unwrap_or(99));
        let current = self
            .task_starts()
            .zip(self.tasks())
            .take_while(|(start, _)| *start <= elapsed)
            .last()
            .map(|(_, (task, _))| *task);
        job.message = current.map(str::to_owned);
        job
    }
}

/// One task of a job as ASR lists it (`tasks[]` of a job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTask {
    /// What the task does ("Starting failover", …).
    pub name: &'static str,
    /// `NotStarted`, `InProgress`, `Succeeded` or `Failed`.
    pub state: JobState,
    /// When it started.
    pub started: Option<Timestamp>,
    /// When it ended.
    pub ended: Option<Timestamp>,
}

impl JobRecord {
    /// The job's tasks at `now`, in order: the ones before the current task
    /// succeeded, the current one in progress, the rest not started. A
    /// failed job fails in its last task, as [`view`](Self::view) reports.
    pub(crate) fn tasks_at(&self, now: Timestamp) -> Vec<JobTask> {
        let done = self.is_done(now);
        let elapsed = self.elapsed_ms(now);
        let starts: Vec<u64> = self.task_starts().collect();
        let count = starts.len();
        let at = |ms: u64| self.started.plus(Duration::from_millis(ms));
        self.tasks()
            .iter()
            .zip(&starts)
            .enumerate()
            .map(|(i, ((name, _), start))| {
                let end = starts.get(i + 1).copied().unwrap_or(self.duration_ms);
                let last = i + 1 == count;
                let (state, started, ended) = if done {
                    let state = if last && self.error.is_some() {
                        JobState::Failed
                    } else {
                        JobState::Succeeded
                    };
                    (state, Some(at(*start)), Some(at(end)))
                } else if elapsed < *start {
                    (JobState::NotStarted, None, None)
                } else if elapsed < end || last {
                    (JobState::InProgress, Some(at(*start)), None)
                } else {
                    (JobState::Succeeded, Some(at(*start)), Some(at(end)))
                };
                JobTask {
                    name,
                    state,
                    started,
                    ended,
                }
            })
            .collect()
    }
}

/// A GUID-like id, unique per `counter` for a given `seed`.
pub(crate) fn guid(seed: u64, counter: u64) -> String {
    // `mix` is a bijection and the golden-ratio step is odd, so distinct
    // counters give distinct `hi`, and `hi` is printed whole.
    let hi = mix(seed.wrapping_add(counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    let lo = mix(hi ^ 0x5851_f42d_4c95_7f2d);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// A fresh vault's seed: the plan's name and the time the vault was created,
/// so a reset vault does not reuse the ids of an earlier one.
pub(crate) fn seed(plan: &str, now: Timestamp) -> u64 {
    mix(fnv1a(plan) ^ now.unix_secs())
}

/// `t` truncated to whole milliseconds, as the state file stores it.
pub(crate) fn whole_ms(t: Timestamp) -> Timestamp {
    let ms = t.0.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    Timestamp(UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use std::collections::HashSet;

    fn record(duration_ms: u64, hang: bool, error: Option<JobError>) -> JobRecord {
        JobRecord {
            id: JobId("j".into()),
            operation: Operation::Failover,
            vm: "web-01".into(),
            item: "web-01".into(),
            started: Clock::test().now(),
            duration_ms,
            shutdown_source: true,
            hang,
            error,
            applied: false,
            creates: None,
            target: None,
        }
    }

    fn at(r: &JobRecord, ms: u64) -> Job {
        r.view(r.started.plus(Duration::from_millis(ms)))
    }

    #[test]
    fn a_job_queues_runs_its_tasks_in_order_and_ends_on_time() {
        let r = record(10_000, false, None);
        assert_eq!(at(&r, 0).state, JobState::NotStarted);
        let early = at(&r, 300);
        assert_eq!(early.state, JobState::InProgress);
        assert_eq!(
            early.message.as_deref(),
            Some("Prerequisites check for failover")
        );
        assert_eq!(
            at(&r, 2_000).message.as_deref(),
            Some("Shut down the source virtual machine")
        );
        assert_eq!(
            at(&r, 9_999).message.as_deref(),
            Some("Start the replica virtual machine")
        );
        assert_eq!(at(&r, 9_999).percent, Some(99));
        let done = at(&r, 10_000);
        assert_eq!(done.state, JobState::Succeeded);
        assert_eq!(done.percent, Some(100));
        assert_eq!(done.ended, r.end());
        // Percent never goes back.
        let mut last = 0;
        for ms in (0..=10_000).step_by(97) {
            let p = at(&r, ms).percent.unwrap();
            assert!(p >= last);
            last = p;
        }
    }

    #[test]
    fn tasks_follow_the_view_and_a_failed_job_fails_in_its_last_task() {
        use JobState::{Failed, InProgress, NotStarted, Succeeded};
        let r = record(10_000, false, None);
        let states = |r: &JobRecord, ms| -> Vec<JobState> {
            r.tasks_at(r.started.plus(Duration::from_millis(ms)))
                .iter()
                .map(|t| t.state)
                .collect()
        };
        assert_eq!(states(&r, 0), [NotStarted; 4]);
        assert_eq!(
            states(&r, 2_000),
            [Succeeded, InProgress, NotStarted, NotStarted]
        );
        assert_eq!(
            states(&r, 9_999),
            [Succeeded, Succeeded, Succeeded, InProgress]
        );
        assert_eq!(states(&r, 10_000), [Succeeded; 4]);
        let current = r.tasks_at(r.started.plus(Duration::from_secs(2)));
        assert_eq!(Some(current[1].name), at(&r, 2_000).message.as_deref());
        assert!(current[1].started.is_some() && current[1].ended.is_none());
        let err = JobError {
            code: None,
            message: "boom".into(),
            possible_causes: None,
            recommended_action: None,
        };
        let failed = record(10_000, false, Some(err));
        assert_eq!(
            states(&failed, 10_000),
            [Succeeded, Succeeded, Succeeded, Failed]
        );
        let hung = record(10_000, true, None);
        assert_eq!(states(&hung, 100_000_000).last(), Some(&InProgress));
    }

    #[test]
    fn without_shutdown_the_source_is_not_shut_down() {
        let mut r = record(10_000, false, None);
        r.shutdown_source = false;
        let names: Vec<String> = (0..10_000)
            .step_by(100)
            .filter_map(|ms| at(&r, ms).message)
            .collect();
        assert!(!names.iter().any(|n| n.contains("Shut down")));
        assert!(names.iter().any(|n| n == "Starting failover"));
    }

    #[test]
    fn changes_cover_every_tenth_and_every_task_then_stop() {
        let r = record(10_000, false, None);
        let mut now = r.started;
        let mut seen = Vec::new();
        while let Some(next) = r.next_change(now) {
            assert!(next > now);
            now = next;
            seen.push(r.view(next).percent);
        }
        assert_eq!(now, r.end().unwrap());
        assert!(seen.len() >= 10, "{seen:?}");
    }

    #[test]
    fn a_failed_job_reports_its_error_and_a_hung_one_never_ends() {
        let err = JobError {
            code: Some("X".into()),
            message: "boom".into(),
            possible_causes: None,
            recommended_action: None,
        };
        let failed = at(&record(1_000, false, Some(err.clone())), 1_000);
        assert_eq!(failed.state, JobState::Failed);
        assert_eq!(failed.errors, vec![err]);
        let hung = record(1_000, true, None);
        assert_eq!(hung.end(), None);
        let late = at(&hung, 100_000_000);
        assert_eq!(late.state, JobState::InProgress);
        assert_eq!(late, at(&hung, 900));
        let far = hung.started.plus(Duration::from_secs(3600));
        assert_eq!(hung.next_change(far), None);
    }

    #[test]
    fn ids_are_unique_guid_like_and_repeatable() {
        let ids: HashSet<String> = (0..10_000).map(|i| guid(42, i)).collect();
        assert_eq!(ids.len(), 10_000);
        let id = guid(42, 7);
        assert_eq!(id, guid(42, 7));
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }
}
