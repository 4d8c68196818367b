//! Jobs: an ASR job id or the plan's targets in; drplan's [`Job`]s out,
//! each with its operation (what this process started, else inferred from
//! the scenario and, for failovers, the item's side) and its plan VM; and
//! following one job to its end with progress.

use std::collections::{HashMap, HashSet};
use std::sync::PoisonError;

use super::client::ClientError;
use super::items::{Known, find};
use super::job_board::{JobLister, Seat};
use super::mapping::{self, ScenarioKind};
use super::models::{AsrJob, ProtectedItem};
use super::{ASR_API_VERSION, AzureProvider, failed, service};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{Job, JobId, JobState, Location, Progress, ProviderError, Target};

impl AzureProvider {
    /// The plan VM an ASR job acts on (its target's name when no plan VM matches).
    pub(super) fn vm_of(&self, known: &[Known], job: &AsrJob) -> (String, Option<Known>) {
        let p = &job.properties;
        let item = known.iter().find(|k| {
            p.target_object_id
                .as_deref()
                .is_some_and(|id| k.name.eq_ignore_ascii_case(id))
        });
        let item = item.or_else(|| {
            known.iter().find(|k| {
                p.target_object_name
                    .as_deref()
                    .is_some_and(|n| k.friendly.eq_ignore_ascii_case(n))
            })
        });
        let vm = item.and_then(|k| {
            self.plan
                .iter()
                .find(|(vm, item)| find(known, vm, item).is_ok_and(|f| f.id == k.id))
                .map(|(vm, _)| vm.clone())
        });
        let vm = vm
            .or_else(|| p.target_object_name.clone())
            .unwrap_or_default();
        (vm, item.cloned())
    }

    pub(super) fn remembered_operation(&self, job: &str) -> Option<Operation> {
        self.operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(job)
            .copied()
    }

    pub(super) fn remember_operation(&self, job: &str, operation: Operation) {
        self.operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(job.to_owned(), operation);
    }

    /// GET a job, with the `Retry-After` its answer gave.
    pub(super) async fn fetch_job(
        &self,
        id: &JobId,
    ) -> Result<(AsrJob, Option<std::time::Duration>), ClientError> {
        let path = format!("{}/replicationJobs/{}", self.vault, id.0);
        let reply = self.client.get_reply(&path, ASR_API_VERSION).await?;
        Ok((reply.json(&path)?, reply.retry_after()))
    }

    /// An ASR job as drplan's: its operation from what this process
    /// started, else inferred from its scenario and its item's state.
    pub(super) async fn to_job(&self, asr: &AsrJob) -> Result<Job, ProviderError> {
        let known = if let Some(k) = self.remembered() {
            k
        } else {
            self.list_items().await?;
            self.remembered().unwrap_or_default()
        };
        let (vm, item) = self.vm_of(&known, asr);
        let operation = match self.remembered_operation(&asr.name) {
            Some(op) => op,
            None => self.infer_operation(asr, item.as_ref()).await?,
        };
        Ok(mapping::job(asr, operation, vm, self.clock.now()))
    }

    /// The operation of a job this process did not start: its scenario, and
    /// for a failover, which way it went (see [`mapping::failover_origins`]).
    pub(super) async fn infer_operation(
        &self,
        asr: &AsrJob,
        item: Option<&Known>,
    ) -> Result<Operation, ProviderError> {
        let p = &asr.properties;
        let kind = mapping::scenario_kind(p.scenario_name.as_deref(), p.friendly_name.as_deref())
            .ok_or_else(|| {
            let what = p.friendly_name.as_deref().or(p.scenario_name.as_deref());
            service(format!(
                "job {} is a `{}` job, not one of drplan's operations",
                asr.name,
                what.unwrap_or("?")
            ))
        })?;
        let from = match (kind, item) {
            (ScenarioKind::Failover, Some(item)) => {
                let fresh: ProtectedItem = self.client.get(&item.id, ASR_API_VERSION).await?;
                let active = mapping::location(fresh.properties.active_location.as_deref())
                    .unwrap_or(Location::Primary);
                let state = mapping::job_state(p.state.as_deref());
                mapping::failover_origins(active, &[state])
                    .first()
                    .copied()
                    .unwrap_or(Location::Primary)
            }
            _ => Location::Primary,
        };
        let op = kind.operation(from);
        self.remember_operation(&asr.name, op);
        Ok(op)
    }

    /// [`Provider::job`](crate::provider::Provider::job).
    pub(super) async fn job_now(&self, id: &JobId) -> Result<Job, ProviderError> {
        match self.fetch_job(id).await {
            Ok((asr, _)) => self.to_job(&asr).await,
            Err(e) if e.status() == Some(404) => Err(ProviderError::UnknownJob(id.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// The job as the vault's shared job list shows it (see `job_board`),
    /// else from a GET of its own: for a job this process did not start, or
    /// one the list did not show (that follower then reads its job on its own
    /// from there on).
    async fn poll_job(
        &self,
        id: &JobId,
        seat: &mut Option<Seat<'_>>,
    ) -> Result<(AsrJob, Option<std::time::Duration>), ClientError> {
        if let Some(s) = seat.as_mut() {
            match s.look(self).await {
                Ok(Some(asr)) => return Ok((asr, None)),
                Ok(None) => {
                    tracing::debug!(job = %id, "the vault's job list does not show the job; reading it on its own");
                }
                Err(e) => {
                    tracing::debug!(job = %id, error = %e, "cannot list the vault's jobs; reading the job on its own");
                }
            }
            *seat = None;
        }
        self.fetch_job(id).await
    }

    /// Notes a job this process started with a request sent at `since`.
    pub(super) fn remember_started(&self, job: &str, operation: Operation, since: Timestamp) {
        self.remember_operation(job, operation);
        self.board.sent(job, since);
    }

    /// [`Provider::follow`](crate::provider::Provider::follow).
    pub(super) async fn follow_job(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        let mut shown: Option<(Option<u8>, String)> = None;
        let mut polls = 0;
        let mut seat = self.board.seat(&id.0);
        loop {
            let wait = match self.poll_job(id, &mut seat).await {
                Ok((asr, retry_after)) => {
                    let job = self.to_job(&asr).await?;
                    if job.state.is_terminal() {
                        return Ok(job);
                    }
                    let message = if mapping::waits_for_input(&asr) {
                        format!(
                            "waiting for input: ASR job {} is suspended until it is resumed \
                             (Azure portal, Site Recovery jobs)",
                            job.id
                        )
                    } else {
                        job.message.clone().unwrap_or_else(|| match job.state {
                            JobState::NotStarted => "Waiting to start".to_owned(),
                            _ => job.name.clone(),
                        })
                    };
                    let now_shown = Some((job.percent, message.clone()));
                    if shown != now_shown {
                        shown = now_shown;
                        progress(Progress {
                            percent: job.percent,
                            message,
                        });
                    }
                    self.options.poll.delay(polls, retry_after)
                }
                Err(e) if e.status() == Some(404) => {
                    return Err(ProviderError::UnknownJob(id.clone()));
                }
                // A long job outlives a short outage: keep following; the
                // caller's timeout bounds the wait.
                Err(e) if e.is_transient() => {
                    tracing::warn!(job = %id, error = %e, "cannot read the job now; trying again");
                    self.options.poll.delay(polls, None)
                }
                Err(e) => return Err(e.into()),
            };
            polls += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// Every job the vault keeps (or the configured filter lets through).
    pub(super) async fn list_jobs(&self) -> Result<Vec<AsrJob>, ClientError> {
        let path = format!("{}/replicationJobs", self.vault);
        let query: Vec<(&str, &str)> = self
            .options
            .jobs_filter
            .as_deref()
            .map(|f| vec![("$filter", f)])
            .unwrap_or_default();
        self.client.get_all(&path, ASR_API_VERSION, &query).await
    }

    /// [`Provider::jobs`](crate::provider::Provider::jobs).
    pub(super) async fn jobs_of(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError> {
        let all = self
            .list_jobs()
            .await
            .map_err(|e| failed("cannot list the vault's jobs", e))?;
        let items = self.list_items().await?;
        let known: Vec<Known> = items.iter().map(Known::of).collect();
        let wanted: Vec<&Known> = targets
            .iter()
            .filter_map(|t| find(&known, &t.vm, &t.item).ok())
            .collect();
        let now = self.clock.now();
        // Newest first, as the walk of failover directions needs.
        let mut ours: Vec<(&AsrJob, ScenarioKind, Known, String)> = Vec::new();
        for asr in &all {
            let (vm, item) = self.vm_of(&known, asr);
            let Some(item) = item.filter(|k| wanted.iter().any(|w| w.id == k.id)) else {
                continue;
            };
            let p = &asr.properties;
            if let Some(kind) =
                mapping::scenario_kind(p.scenario_name.as_deref(), p.friendly_name.as_deref())
            {
                ours.push((asr, kind, item, vm));
            }
        }
        let started = |asr: &AsrJob| {
            asr.properties
                .start_time
                .as_deref()
                .and_then(mapping::parse_time)
                .unwrap_or(now)
        };
        ours.sort_by_key(|job| std::cmp::Reverse(started(job.0)));
        let mut origins: HashMap<String, Vec<Location>> = HashMap::new();
        for item in &wanted {
            let states: Vec<JobState> = ours
                .iter()
                .filter(|(_, kind, k, _)| *kind == ScenarioKind::Failover && k.id == item.id)
                .map(|(asr, ..)| mapping::job_state(asr.properties.state.as_deref()))
                .collect();
            let mut walk =
                mapping::failover_origins(item.active.unwrap_or(Location::Primary), &states);
            walk.reverse();
            origins.insert(item.id.clone(), walk);
        }
        let mut jobs = Vec::with_capacity(ours.len());
        for (asr, kind, item, vm) in ours {
            let operation = match self.remembered_operation(&asr.name) {
                Some(op) => op,
                None if kind == ScenarioKind::Failover => {
                    let from = origins
                        .get_mut(&item.id)
                        .and_then(Vec::pop)
                        .unwrap_or(Location::Primary);
                    kind.operation(from)
                }
                None => kind.operation(Location::Primary),
            };
            jobs.push(mapping::job(asr, operation, vm, now));
        }
        Ok(jobs)
    }
}

/// Above this share of the read budget left, lists of jobs may come
/// [`QUICK_LISTS`] times as often as the first poll interval: reads that
/// would go unspent buy quicker news of ended jobs (what a run waits on
/// before the next group starts). Below it, lists keep the interval.
const SPARE_READS: f64 = 0.5;

/// How many times as often as the first poll interval lists may come while
/// reads are to spare.
const QUICK_LISTS: u32 = 8;

impl JobLister for AzureProvider {
    fn spacing(&self) -> std::time::Duration {
        let interval = self.options.poll.delay(0, None);
        if self.client.read_share() > SPARE_READS {
            interval / QUICK_LISTS
        } else {
            interval
        }
    }

    async fn list_from(
        &self,
        from: Timestamp,
        wanted: &HashSet<String>,
    ) -> Result<Vec<AsrJob>, ClientError> {
        let path = format!("{}/replicationJobs", self.vault);
        let filter = format!("startTime eq '{from}'");
        self.client
            .get_until(
                &path,
                ASR_API_VERSION,
                &[("$filter", filter.as_str())],
                |jobs: &[AsrJob]| {
                    jobs.iter()
                        .filter(|j| wanted.contains(&j.name.to_ascii_lowercase()))
                        .count()
                        >= wanted.len()
                },
            )
            .await
    }
}
