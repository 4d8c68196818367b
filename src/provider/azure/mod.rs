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
//! - Jobs are followed through one shared `replicationJobs` list (see
//!   `job_board`), a job this process did not start by polling
//!   `replicationJobs/{id}` (see [`poll`]).
//! - Inferred mappings (scenario names, health categories, reprotect input,
//!   failover direction, target settings) live in [`mapping`], one function
//!   each.
//! - [`Provider::configure`] sends one update (a PATCH) of an item with only
//!   the target settings that differ, and follows its job like an action's
//!   (same rules).
//! - The subscription beside the vault (quota, SKUs, target resources,
//!   coverage) is read through [`Inventory`](crate::provider::Inventory)
//!   (`inventory`), with the same client.
//! - [`Provider::shutdown`] powers a VM off in the recovery region through
//!   Compute before a `shutdown_reversed` failback (see `shutdown`).
//! - A vault's recovery plans and items are read without a plan by
//!   [`VaultReader`] (`drplan import`), with the same client.
//! - Every request is in [`permissions`]' table with the RBAC action it
//!   needs; a 403 becomes [`ProviderError::Forbidden`] naming it.
//!
//! For the CLI: build an [`Endpoint`] with [`Endpoint::from_env`] (reading
//! [`credential::process_env`]), a [`Credential`] with [`credential()`] from
//! `--credential` ([`CredentialKind`] derives `clap::ValueEnum`), then
//! [`AzureProvider::new`] with the plan's `Vault::Arm` id.

pub mod client;
mod configure;
pub mod credential;
mod inventory;
mod items;
mod job_board;
mod jobs;
pub mod mapping;
pub mod models;
mod operations;
pub mod permissions;
pub mod poll;
mod recovery_plan_write;
mod recovery_plans;
mod runbook;
mod shutdown;
mod tenant;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::clock::Clock;
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::{
    Inventory, Job, JobId, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};
use crate::target::Change;

pub use client::{
    ARM_ENDPOINT_VAR, ASR_API_VERSION, AUTOMATION_API_VERSION, BucketSpec, CLOUD_VAR,
    ClientOptions, Cloud, Endpoint, Pacer, RequestLog, SentRequest, SubscriptionPacers,
    TokenBucket,
};
pub use credential::{
    ACCESS_TOKEN_VAR, Credential, CredentialKind, Lookup, credential, credential_with, process_env,
};
pub use inventory::{
    COMPUTE_API_VERSION, NETWORK_API_VERSION, RESOURCES_API_VERSION, SKUS_API_VERSION,
};
pub use poll::PollOptions;
pub use recovery_plans::VaultReader;
pub use tenant::{SUBSCRIPTIONS_API_VERSION, subscription_of};

use client::{ArmClient, ClientError};
use items::{Known, vault_path};
use models::VaultHealthDetails;

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
    /// The jobs followed, and the vault's job list they share.
    board: job_board::JobBoard,
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
        AzureProvider::sharing(vault_id, plan, endpoint, Arc::new(credential), options)
    }

    /// [`with_options`](Self::with_options) with a credential shared by the
    /// providers of a plan's other vaults (one sign-in, one token cache).
    pub fn sharing(
        vault_id: &str,
        plan: &Plan,
        endpoint: &Endpoint,
        credential: Arc<Credential>,
        options: AzureOptions,
    ) -> Result<AzureProvider, ProviderError> {
        let vault = vault_path(vault_id)?;
        let client = ArmClient::new(endpoint, credential, options.client.clone())?;
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
            board: job_board::JobBoard::default(),
        })
    }

    /// The vault's ARM id.
    pub fn vault(&self) -> &str {
        &self.vault
    }

    /// This provider, recording every request it sends in `log` (tests:
    /// the RBAC actions a flow needs, see [`permissions`]).
    #[must_use]
    pub fn with_request_log(mut self, log: RequestLog) -> AzureProvider {
        self.client.record_in(log);
        self
    }
}

fn service(message: String) -> ProviderError {
    ProviderError::Service(message)
}

/// `e` as a provider error that says what could not be done; a read that
/// gave up at its limit stays [`ProviderError::Unanswered`], a refusal for
/// lack of permission [`ProviderError::Forbidden`].
fn failed(what: &str, e: ClientError) -> ProviderError {
    match e {
        ClientError::GaveUp(why) => ProviderError::Unanswered(format!("{what}: {why}")),
        ClientError::Forbidden {
            permission,
            message,
        } => ProviderError::Forbidden {
            permission,
            message: format!("{what}: {message}"),
        },
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

    fn needs_test_network(&self) -> bool {
        true
    }

    fn limit_reads(&self, within: std::time::Duration) {
        self.client.limit_reads(within);
    }

    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        self.machines_of(targets).await
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
        self.job_now(id).await
    }

    async fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<crate::provider::RecoveryPointInfo>, ProviderError> {
        self.list_recovery_points(target).await
    }

    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        self.follow_job(id, progress).await
    }

    async fn jobs(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError> {
        self.jobs_of(targets).await
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

    async fn configure(&self, target: &Target, changes: &[Change]) -> Result<JobId, ProviderError> {
        self.configure_item(target, changes).await
    }

    fn inventory(&self) -> &dyn Inventory {
        self
    }

    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        self.runbook_job(request, progress).await
    }

    async fn shutdown(&self, target: &Target) -> Result<crate::provider::PowerOff, ProviderError> {
        self.shutdown_vm(target).await
    }
}

#[cfg(test)]
mod tests;
