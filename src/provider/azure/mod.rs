//! The Azure Site Recovery client as a [`Provider`]: a vault's ARM id, the
//! checked plan, an [`Endpoint`] and a [`Credential`] in; machine states,
//! started and followed ASR jobs, vault health and Automation runbook jobs
//! out, over Resource Manager's REST API (spec: asr-model.md).
//!
//! - Plan VMs are found among the vault's replication protected items by
//!   `friendlyName`, or by the plan's `item` (matched against the friendly
//!   name, then the item's name); the resolution is cached and refreshed
//!   when an item is not found in it.
//! - [`Provider::machines`] lists all items (one paged request, whatever
//!   the plan's size); [`Provider::start`] reads the item afresh, refuses
//!   what ASR does not allow, then POSTs the action and returns the job the
//!   answer names. A failover POST whose outcome is unknown is never re-sent:
//!   the item's `currentScenario` tells whether it started.
//! - Jobs are followed by polling `replicationJobs/{id}` (see [`poll`]).
//! - Inferred mappings (scenario names, health categories, reprotect input,
//!   failover direction) live in [`mapping`], one function each.
//!
//! For the CLI: build an [`Endpoint`] with [`Endpoint::from_env`] (reading
//! [`credential::process_env`]), a [`Credential`] with [`credential()`] from
//! `--credential` ([`CredentialKind`] derives `clap::ValueEnum`), then
//! [`AzureProvider::new`] with the plan's `Vault::Arm` id.

pub mod client;
pub mod credential;
mod items;
pub mod mapping;
pub mod models;
mod operations;
pub mod poll;
mod runbook;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use crate::clock::Clock;
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::{
    Job, JobId, JobState, Location, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};

pub use client::{
    ARM_ENDPOINT_VAR, ASR_API_VERSION, AUTOMATION_API_VERSION, BucketSpec, CLOUD_VAR,
    ClientOptions, Cloud, Endpoint, TokenBucket,
};
pub use credential::{
    ACCESS_TOKEN_VAR, Credential, CredentialKind, Lookup, credential, credential_with, process_env,
};
pub use poll::PollOptions;

/// The Microsoft.Network api-version used to read the test failover's network.
const NETWORK_API_VERSION: &str = "2025-09-01";

use client::{ArmClient, ClientError};
use items::{Known, find, vault_path};
use mapping::ScenarioKind;
use models::{AsrJob, ProtectedItem, VaultHealthDetails};

/// The client's knobs, all with ASR-fitting defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AzureOptions {
    /// HTTP: timeouts, retries, pacing.
    pub client: ClientOptions,
    /// How often jobs are polled.
    pub poll: PollOptions,
    /// An `OData` `$filter` for listing the vault's jobs, passed as is (none:
    /// all jobs the vault keeps).
    pub jobs_filter: Option<String>,
}

/// The Azure Site Recovery vault of a plan.
pub struct AzureProvider {
    vault: String,
    client: ArmClient,
    options: AzureOptions,
    clock: Clock,
    /// The plan's `(vm, item)` pairs, to name the VM of a job.
    plan: Vec<(String, String)>,
    /// The items as last listed.
    known: Mutex<Option<Arc<Vec<Known>>>>,
    /// Operations of jobs started or already identified, by job name.
    operations: Mutex<HashMap<String, Operation>>,
}

impl std::fmt::Debug for AzureProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureProvider")
            .field("vault", &self.vault)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl AzureProvider {
    /// The provider of the vault `vault_id` (the plan's `Vault::Arm` id) for
    /// `plan`'s VMs, talking to `endpoint` as `credential`. Nothing is sent
    /// until the first call.
    pub fn new(
        vault_id: &str,
        plan: &Plan,
        endpoint: &Endpoint,
        credential: Credential,
    ) -> Result<AzureProvider, ProviderError> {
        AzureProvider::with_options(
            vault_id,
            plan,
            endpoint,
            credential,
            AzureOptions::default(),
        )
    }

    /// [`new`](Self::new) with other knobs (tests, tuning).
    pub fn with_options(
        vault_id: &str,
        plan: &Plan,
        endpoint: &Endpoint,
        credential: Credential,
        options: AzureOptions,
    ) -> Result<AzureProvider, ProviderError> {
        let vault = vault_path(vault_id)?;
        let client = ArmClient::new(endpoint, Arc::new(credential), options.client.clone())?;
        let plan = plan
            .groups
            .iter()
            .flat_map(|g| g.vms.iter())
            .map(|vm| {
                (
                    vm.name.clone(),
                    vm.item.clone().unwrap_or_else(|| vm.name.clone()),
                )
            })
            .collect();
        Ok(AzureProvider {
            vault,
            client,
            options,
            clock: Clock::system(),
            plan,
            known: Mutex::new(None),
            operations: Mutex::new(HashMap::new()),
        })
    }

    /// The vault's ARM id.
    pub fn vault(&self) -> &str {
        &self.vault
    }

    /// Lists every item of the vault and remembers them.
    async fn list_items(&self) -> Result<Vec<ProtectedItem>, ProviderError> {
        let path = format!("{}/replicationProtectedItems", self.vault);
        let items: Vec<ProtectedItem> = self
            .client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed("cannot list the vault's replicated items", e))?;
        let known = Arc::new(items.iter().map(Known::of).collect());
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some(known);
        Ok(items)
    }

    fn remembered(&self) -> Option<Arc<Vec<Known>>> {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The item of `target`: from the remembered list, else a fresh one.
    async fn item_of(&self, target: &Target) -> Result<Known, ProviderError> {
        if let Some(known) = self.remembered()
            && let Ok(k) = find(&known, &target.vm, &target.item)
        {
            return Ok(k.clone());
        }
        self.list_items().await?;
        let known = self.remembered().unwrap_or_default();
        find(&known, &target.vm, &target.item)
            .cloned()
            .map_err(ProviderError::Service)
    }

    /// The plan VM an ASR job acts on (its target's name when no plan VM matches).
    fn vm_of(&self, known: &[Known], job: &AsrJob) -> (String, Option<Known>) {
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

    fn remembered_operation(&self, job: &str) -> Option<Operation> {
        self.operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(job)
            .copied()
    }

    fn remember_operation(&self, job: &str, operation: Operation) {
        self.operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(job.to_owned(), operation);
    }

    /// GET a job, with the `Retry-After` its answer gave.
    async fn fetch_job(
        &self,
        id: &JobId,
    ) -> Result<(AsrJob, Option<std::time::Duration>), ClientError> {
        let path = format!("{}/replicationJobs/{}", self.vault, id.0);
        let reply = self.client.get_reply(&path, ASR_API_VERSION).await?;
        Ok((reply.json(&path)?, reply.retry_after()))
    }

    /// An ASR job as drplan's: its operation from what this process
    /// started, else inferred from its scenario and its item's state.
    async fn to_job(&self, asr: &AsrJob) -> Result<Job, ProviderError> {
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
    async fn infer_operation(
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
}

fn service(message: String) -> ProviderError {
    ProviderError::Service(message)
}

/// `e` as a provider error that says what could not be done; a read that
/// gave up at its limit stays [`ProviderError::Unanswered`].
fn failed(what: &str, e: ClientError) -> ProviderError {
    match e {
        ClientError::GaveUp(why) => ProviderError::Unanswered(format!("{what}: {why}")),
        other => service(format!("{what}: {other}")),
    }
}

#[async_trait]
impl Provider for AzureProvider {
    fn describe(&self) -> String {
        format!(
            "Azure vault {} (at {}, as {})",
            self.vault,
            self.client.base(),
            self.client.credential().describe()
        )
    }

    fn limit_reads(&self, within: std::time::Duration) {
        self.client.limit_reads(within);
    }

    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        let items = self.list_items().await?;
        let known: Vec<Known> = items.iter().map(Known::of).collect();
        let mut problems = Vec::new();
        let mut machines = Vec::with_capacity(targets.len());
        for target in targets {
            match find(&known, &target.vm, &target.item) {
                Ok(k) => {
                    if let Some(item) = items.iter().find(|i| i.id == k.id) {
                        machines.push(mapping::machine(target, item));
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(machines)
        } else {
            Err(service(problems.join("\n")))
        }
    }

    async fn start(
        &self,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        self.start_operation(target, operation, options).await
    }

    async fn job(&self, id: &JobId) -> Result<Job, ProviderError> {
        match self.fetch_job(id).await {
            Ok((asr, _)) => self.to_job(&asr).await,
            Err(e) if e.status() == Some(404) => Err(ProviderError::UnknownJob(id.clone())),
            Err(e) => Err(e.into()),
        }
    }

    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        let mut shown: Option<(Option<u8>, String)> = None;
        let mut polls = 0;
        loop {
            let wait = match self.fetch_job(id).await {
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

    async fn jobs(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError> {
        let path = format!("{}/replicationJobs", self.vault);
        let query: Vec<(&str, &str)> = self
            .options
            .jobs_filter
            .as_deref()
            .map(|f| vec![("$filter", f)])
            .unwrap_or_default();
        let all: Vec<AsrJob> = self
            .client
            .get_all(&path, ASR_API_VERSION, &query)
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

    async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
        let path = format!("{}/replicationVaultHealth", self.vault);
        let health: VaultHealthDetails = self
            .client
            .get(&path, ASR_API_VERSION)
            .await
            .map_err(|e| failed("cannot read the vault's health", e))?;
        Ok(mapping::vault_health(&health))
    }

    async fn check_test_network(
        &self,
        network_id: Option<&str>,
    ) -> Result<Option<String>, ProviderError> {
        let Some(network_id) = network_id else {
            return Ok(Some(
                "a test failover needs `test { network \"<virtual network id>\" }` in the plan"
                    .to_string(),
            ));
        };
        match self.client.get_reply(network_id, NETWORK_API_VERSION).await {
            Ok(_) => Ok(None),
            Err(e) if e.status() == Some(404) => Ok(Some(format!(
                "the test network {network_id} does not exist; create it or fix `test {{ network }}`"
            ))),
            Err(e) => Err(failed(
                &format!("cannot read the test network {network_id}"),
                e,
            )),
        }
    }

    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        self.runbook_job(request, progress).await
    }
}

#[cfg(test)]
mod tests;
