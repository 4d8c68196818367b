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
pub mod mapping;
pub mod models;
pub mod poll;

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
const NETWORK_API_VERSION: &str = "2024-05-01";

use client::{ArmClient, ClientError};
use mapping::ScenarioKind;
use models::{
    A2aFailoverDetails, AsrJob, AutomationJob, AutomationJobCreate, AutomationJobCreateProperties,
    Input, JobStream, ProtectedItem, RecoveryPoint, ReprotectProperties, RunbookRef,
    TestCleanupProperties, TestFailoverProperties, UnplannedFailoverProperties, VaultHealthDetails,
};

/// The comment a test failover cleanup leaves on the job.
const CLEANUP_COMMENT: &str = "drplan test-failover cleanup";

/// How many times the item is read after a failover POST with an unknown
/// outcome before concluding it did not start.
const UNKNOWN_OUTCOME_READS: usize = 3;

/// Lines of runbook output kept for the operator.
const OUTPUT_TAIL_LINES: usize = 20;

/// Error streams of a failed runbook shown in full.
const ERROR_STREAMS: usize = 5;

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

/// An item as last listed: enough to find it again and to infer directions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    id: String,
    name: String,
    friendly: String,
    active: Option<Location>,
}

impl Known {
    fn of(item: &ProtectedItem) -> Known {
        Known {
            id: item.id.clone(),
            name: item.name.clone(),
            friendly: item.properties.friendly_name.clone().unwrap_or_default(),
            active: mapping::location(item.properties.active_location.as_deref()),
        }
    }
}

/// Finds `item` (a plan VM's item name) among `known`: by friendly name,
/// then by item name, ignoring case as Azure does.
fn find<'a>(known: &'a [Known], vm: &str, item: &str) -> Result<&'a Known, String> {
    let by_friendly: Vec<&Known> = known
        .iter()
        .filter(|k| k.friendly.eq_ignore_ascii_case(item))
        .collect();
    let found = if by_friendly.is_empty() {
        known
            .iter()
            .filter(|k| k.name.eq_ignore_ascii_case(item))
            .collect()
    } else {
        by_friendly
    };
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let hint = crate::check::suggest::did_you_mean(
                item,
                known.iter().map(|k| k.friendly.as_str()),
            )
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
            Err(format!(
                "the vault has no replicated item `{item}` for VM `{vm}`{hint} \
                 (items are matched by the VM's name in Azure; set `item` on the VM in the plan \
                 when the names differ)"
            ))
        }
        many => Err(format!(
            "`{item}` (VM `{vm}`) names {} replicated items in the vault: {}; set `item` on the \
             VM in the plan to the item's name to pick one",
            many.len(),
            many.iter()
                .map(|k| format!("{} ({})", k.name, k.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
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

/// `vault_id` checked to be a Recovery Services vault's ARM id, with a
/// leading `/` and no trailing one.
fn vault_path(vault_id: &str) -> Result<String, ProviderError> {
    let trimmed = vault_id.trim().trim_end_matches('/');
    let path = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    let parts: Vec<&str> = path.split('/').collect();
    let shape = parts.len() == 9
        && parts[1].eq_ignore_ascii_case("subscriptions")
        && parts[3].eq_ignore_ascii_case("resourceGroups")
        && parts[5].eq_ignore_ascii_case("providers")
        && parts[6].eq_ignore_ascii_case("Microsoft.RecoveryServices")
        && parts[7].eq_ignore_ascii_case("vaults")
        && parts.iter().skip(1).all(|p| !p.is_empty());
    if shape {
        Ok(path)
    } else {
        Err(ProviderError::Service(format!(
            "`{vault_id}` is not a Recovery Services vault id; it looks like \
             /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.RecoveryServices/vaults/<name>"
        )))
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
            .map_err(|e| service(format!("cannot list the vault's replicated items: {e}")))?;
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

    /// The request body and action of `operation` on `item`.
    async fn action(
        &self,
        target: &Target,
        known: &Known,
        item: &ProtectedItem,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<(&'static str, Option<serde_json::Value>), ProviderError> {
        let encode = |v: Result<serde_json::Value, serde_json::Error>| {
            v.map_err(|e| service(format!("cannot encode the request: {e}")))
        };
        let active = mapping::location(item.properties.active_location.as_deref());
        let direction = if active == Some(Location::Recovery) {
            "RecoveryToPrimary"
        } else {
            "PrimaryToRecovery"
        };
        Ok(match operation {
            Operation::Failover | Operation::Failback => {
                let recovery_point_id = self.recovery_point(target, known, options).await?;
                let body = Input {
                    properties: UnplannedFailoverProperties {
                        failover_direction: if operation == Operation::Failover {
                            "PrimaryToRecovery"
                        } else {
                            "RecoveryToPrimary"
                        },
                        source_site_operations: if options.shutdown_source {
                            "Required"
                        } else {
                            "NotRequired"
                        },
                        provider_specific_details: A2aFailoverDetails {
                            instance_type: "A2A",
                            recovery_point_id,
                        },
                    },
                };
                (
                    "unplannedFailover",
                    Some(encode(serde_json::to_value(body))?),
                )
            }
            Operation::Commit => ("failoverCommit", None),
            Operation::TestFailover => {
                let network_id = options.test_network.clone().ok_or_else(|| ProviderError::NotAllowed {
                    vm: target.vm.clone(),
                    operation,
                    reason: "a test failover needs an isolated network; set `test.network` in the plan"
                        .to_owned(),
                })?;
                let recovery_point_id = self.recovery_point(target, known, options).await?;
                let body = Input {
                    properties: TestFailoverProperties {
                        failover_direction: direction,
                        network_type: "VmNetworkAsInput",
                        network_id,
                        provider_specific_details: A2aFailoverDetails {
                            instance_type: "A2A",
                            recovery_point_id,
                        },
                    },
                };
                ("testFailover", Some(encode(serde_json::to_value(body))?))
            }
            Operation::TestCleanup => {
                let body = Input {
                    properties: TestCleanupProperties {
                        comments: CLEANUP_COMMENT.to_owned(),
                    },
                };
                (
                    "testFailoverCleanup",
                    Some(encode(serde_json::to_value(body))?),
                )
            }
            Operation::Reprotect => {
                let (failover_direction, provider_specific_details) =
                    mapping::reprotect_input(item);
                let body = Input {
                    properties: ReprotectProperties {
                        failover_direction,
                        provider_specific_details,
                    },
                };
                ("reProtect", Some(encode(serde_json::to_value(body))?))
            }
        })
    }

    async fn recovery_point(
        &self,
        target: &Target,
        known: &Known,
        options: &OperationOptions,
    ) -> Result<Option<String>, ProviderError> {
        if options.recovery_point == crate::provider::RecoveryPointChoice::Latest {
            return Ok(None);
        }
        let path = format!("{}/recoveryPoints", known.id);
        let points: Vec<RecoveryPoint> = self
            .client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| service(format!("{}: cannot list recovery points: {e}", target.vm)))?;
        let picked = mapping::pick_recovery_point(&points, options.recovery_point)
            .map_err(|reason| service(format!("{}: {reason}", target.vm)))?;
        if picked.is_none() {
            tracing::warn!(vm = %target.vm, "no processed recovery point listed; failing over to the latest");
        }
        Ok(picked)
    }

    /// After a POST whose outcome is unknown: the job, if the item shows it
    /// started, else an error saying it most likely did not (never re-sent).
    async fn after_unknown_outcome(
        &self,
        target: &Target,
        known: &Known,
        operation: Operation,
        why: &str,
    ) -> Result<JobId, ProviderError> {
        tracing::warn!(vm = %target.vm, %operation, "outcome unknown ({why}); reading the item before anything else");
        let mut last = None;
        for n in 0..UNKNOWN_OUTCOME_READS {
            if n > 0 {
                tokio::time::sleep(self.options.poll.delay(n - 1, None)).await;
            }
            let item: ProtectedItem = match self.client.get(&known.id, ASR_API_VERSION).await {
                Ok(item) => item,
                Err(e) => {
                    last = Some(e.to_string());
                    continue;
                }
            };
            let scenario = item.properties.current_scenario.as_ref();
            if let Some(job) = poll::scenario_job(scenario) {
                let kind =
                    mapping::scenario_kind(scenario.and_then(|s| s.scenario_name.as_deref()), None);
                let ours = kind.is_some_and(|k| {
                    let from = if operation == Operation::Failback {
                        Location::Recovery
                    } else {
                        Location::Primary
                    };
                    k.operation(from) == operation
                });
                if ours {
                    tracing::warn!(vm = %target.vm, %operation, job, "the request had started the job after all");
                    self.remember_operation(&job, operation);
                    return Ok(JobId(job));
                }
                return Err(service(format!(
                    "{}: the {operation} request's outcome is unknown ({why}), and the item now runs \
                     another job ({job}, {}); check `drplan jobs` before running again",
                    target.vm,
                    scenario
                        .and_then(|s| s.scenario_name.as_deref())
                        .unwrap_or("?")
                )));
            }
            let allowed = mapping::allowed(&item.properties.allowed_operations);
            last = Some(format!(
                "the item shows no job in progress (allowed operations: {})",
                allowed
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Err(service(format!(
            "{}: the {operation} request's outcome is unknown ({why}); {}: it most likely did not \
             start. drplan does not re-send it blindly: check `drplan status` and run again",
            target.vm,
            last.unwrap_or_else(|| "the item could not be read".to_owned())
        )))
    }

    /// The job of an accepted action whose answer named none.
    async fn job_of_item(
        &self,
        known: &Known,
        reply: &client::Reply,
    ) -> Result<String, ProviderError> {
        let item: ProtectedItem = self.client.get(&known.id, ASR_API_VERSION).await?;
        poll::scenario_job(item.properties.current_scenario.as_ref())
            .or_else(|| poll::async_operation_id(reply))
            .ok_or_else(|| {
                service(format!(
                    "the vault accepted the request for {} but named no job; see `drplan jobs`",
                    known.friendly
                ))
            })
    }

    async fn automation_job(&self, path: &str) -> Result<AutomationJob, ClientError> {
        self.client.get(path, AUTOMATION_API_VERSION).await
    }

    /// The tail of a runbook job's output, and on failure its error streams.
    async fn runbook_tail(&self, job_path: &str, failed: bool) -> String {
        let mut lines = Vec::new();
        match self
            .client
            .get_reply(&format!("{job_path}/output"), AUTOMATION_API_VERSION)
            .await
        {
            Ok(reply) => {
                let text = String::from_utf8_lossy(&reply.body).into_owned();
                // The output is text/plain, but a JSON string is accepted too.
                let text = serde_json::from_str::<String>(&text).unwrap_or(text);
                let all: Vec<&str> = text.lines().collect();
                let from = all.len().saturating_sub(OUTPUT_TAIL_LINES);
                lines.extend(all[from..].iter().map(|l| (*l).to_owned()));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the runbook's output"),
        }
        if !failed {
            return lines.join("\n");
        }
        let streams: Vec<JobStream> = match self
            .client
            .get_all(&format!("{job_path}/streams"), AUTOMATION_API_VERSION, &[])
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the runbook's streams");
                Vec::new()
            }
        };
        let errors: Vec<&JobStream> = streams
            .iter()
            .filter(|s| {
                s.properties
                    .stream_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("Error"))
            })
            .collect();
        let from = errors.len().saturating_sub(ERROR_STREAMS);
        for stream in &errors[from..] {
            let text = match stream.properties.job_stream_id.as_deref() {
                Some(id) => self
                    .client
                    .get::<JobStream>(&format!("{job_path}/streams/{id}"), AUTOMATION_API_VERSION)
                    .await
                    .ok()
                    .and_then(|s| s.properties.stream_text)
                    .or_else(|| stream.properties.summary.clone()),
                None => stream.properties.summary.clone(),
            };
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                lines.push(format!("Error: {}", text.trim()));
            }
        }
        lines.join("\n")
    }
}

fn service(message: String) -> ProviderError {
    ProviderError::Service(message)
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
        let known = self.item_of(target).await?;
        let item: ProtectedItem =
            self.client
                .get(&known.id, ASR_API_VERSION)
                .await
                .map_err(|e| {
                    service(format!(
                        "{}: cannot read its replicated item: {e}",
                        target.vm
                    ))
                })?;
        let machine = mapping::machine(target, &item);
        mapping::check_allowed(&machine, operation).map_err(|reason| {
            ProviderError::NotAllowed {
                vm: target.vm.clone(),
                operation,
                reason,
            }
        })?;
        let (action, body) = self
            .action(target, &known, &item, operation, options)
            .await?;
        let path = format!("{}/{action}", known.id);
        match self
            .client
            .post(&path, ASR_API_VERSION, body.as_ref())
            .await
        {
            Ok(reply) => {
                let job = match poll::started_job(&reply) {
                    Some(job) => job,
                    None => self.job_of_item(&known, &reply).await?,
                };
                self.remember_operation(&job, operation);
                tracing::info!(vm = %target.vm, %operation, %job, "ASR job started");
                Ok(JobId(job))
            }
            Err(ClientError::OutcomeUnknown(why)) => {
                self.after_unknown_outcome(target, &known, operation, &why)
                    .await
            }
            Err(e) if e.status() == Some(409) => Err(ProviderError::NotAllowed {
                vm: target.vm.clone(),
                operation,
                reason: e.to_string(),
            }),
            Err(e) => Err(service(format!(
                "{}: {operation} was refused: {e}",
                target.vm
            ))),
        }
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
            .map_err(|e| service(format!("cannot list the vault's jobs: {e}")))?;
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
            .map_err(|e| service(format!("cannot read the vault's health: {e}")))?;
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
            Err(e) => Err(service(format!(
                "cannot read the test network {network_id}: {e}"
            ))),
        }
    }

    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        let account = automation_account(&request.account)?;
        let name = client::new_guid();
        let job_path = format!("{account}/jobs/{name}");
        let body = AutomationJobCreate {
            properties: AutomationJobCreateProperties {
                runbook: RunbookRef {
                    name: &request.runbook,
                },
                parameters: &request.params,
                run_on: "",
            },
        };
        let fail = |e: ClientError| {
            service(format!(
                "runbook {}: cannot start an Automation job in {account}: {e}",
                request.runbook
            ))
        };
        match self
            .client
            .put(&job_path, AUTOMATION_API_VERSION, &body)
            .await
        {
            Ok(_) => {}
            // The job's name is ours: whether it exists tells whether the PUT took.
            Err(ClientError::OutcomeUnknown(why)) => match self.automation_job(&job_path).await {
                Ok(_) => {
                    tracing::warn!(runbook = %request.runbook, "the job was created after all ({why})");
                }
                Err(e) if e.status() == Some(404) => {
                    self.client
                        .put(&job_path, AUTOMATION_API_VERSION, &body)
                        .await
                        .map_err(fail)?;
                }
                Err(e) => return Err(fail(e)),
            },
            Err(e) => return Err(fail(e)),
        }
        tracing::info!(runbook = %request.runbook, job = %name, "Automation job started");
        let mut last_status = String::new();
        let mut polls = 0;
        let job = loop {
            match self.automation_job(&job_path).await {
                Ok(job) => {
                    let status = job
                        .properties
                        .status
                        .clone()
                        .unwrap_or_else(|| "New".to_owned());
                    if status != last_status {
                        progress(Progress {
                            percent: None,
                            message: format!(
                                "runbook {}: Automation job {name} is {status}",
                                request.runbook
                            ),
                        });
                        last_status.clone_from(&status);
                    }
                    if is_final_runbook_status(&status) {
                        break job;
                    }
                }
                Err(e) if e.is_transient() => {
                    tracing::warn!(job = %name, error = %e, "cannot read the Automation job now; trying again");
                }
                Err(e) => return Err(e.into()),
            }
            tokio::time::sleep(self.options.poll.delay(polls, None)).await;
            polls += 1;
        };
        let succeeded = last_status.eq_ignore_ascii_case("Completed");
        let output_tail = self.runbook_tail(&job_path, !succeeded).await;
        Ok(RunbookOutcome {
            job: name,
            succeeded,
            status: last_status,
            exception: job.properties.exception.filter(|e| !e.trim().is_empty()),
            output_tail,
        })
    }
}

/// Whether an Automation job has ended (spec: asr-model.md "Runbook hooks").
fn is_final_runbook_status(status: &str) -> bool {
    ["Completed", "Failed", "Stopped", "Suspended"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status))
}

/// `account` checked to be an Automation account's ARM id.
fn automation_account(account: &str) -> Result<String, ProviderError> {
    let path = account.trim().trim_end_matches('/');
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if path
        .to_ascii_lowercase()
        .contains("/providers/microsoft.automation/automationaccounts/")
    {
        Ok(path)
    } else {
        Err(service(format!(
            "`{account}` is not an Automation account id; it looks like \
             /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Automation/automationAccounts/<name>"
        )))
    }
}

#[cfg(test)]
mod tests;
