//! The emulator's ASR resources as JSON: [`Machine`], [`Job`], health issues
//! and recovery points from the simulated vault in; the bodies ASR's REST API
//! answers with (shaped like `tests/fixtures/asr-api/examples/`), out. Also
//! the made-up but stable names of fabrics, containers, resource groups and
//! networks the items refer to, in [`Names`].
//!
//! Values the public material does not give are chosen in [`inferred`] so
//! they are easy to correct.

use serde_json::{Map, Value, json};

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::simulator::{JobTask, RecoveryPointInfo, scenario_name};
use crate::provider::{
    AsrOperation, Health, HealthIssue, IssueKind, Job, JobState, Location, Machine, Target,
};

/// Our choices where the specification and examples are silent *(inferred)*.
pub(crate) mod inferred {
    /// `protectedItemType` of an Azure-to-Azure item.
    pub(crate) const PROTECTED_ITEM_TYPE: &str = "Microsoft.Compute/virtualMachines";
    /// The replication policy every item is protected by (A2A's default name).
    pub(crate) const POLICY: &str = "24-hour-retention-policy";
    /// The size of every recovery VM.
    pub(crate) const VM_SIZE: &str = "Standard_D2s_v3";
    /// The mobility agent's version.
    pub(crate) const AGENT_VERSION: &str = "9.62.7172.1";
    /// The disk type of every replicated disk.
    pub(crate) const DISK_TYPE: &str = "Premium_LRS";
    /// The size of every replicated disk (128 GiB).
    pub(crate) const DISK_BYTES: u64 = 128 * 1024 * 1024 * 1024;
    /// `targetInstanceType` of an item's job.
    pub(crate) const TARGET_INSTANCE_TYPE: &str = "ProtectionEntity";
}

/// The `startTime` ASR shows for "no scenario" (as in the examples).
const NO_TIME: &str = "1753-01-01T01:01:01Z";

/// The ARM resource type of a replicated item.
const ITEM_TYPE: &str = "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems";

/// The ids and names a vault's resources are built from.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// The vault's ARM id, as the plan (or the emulator) gives it.
    pub(crate) vault: String,
    /// Its subscription.
    pub(crate) subscription: String,
    /// Its resource group.
    pub(crate) resource_group: String,
    /// The plan's primary region.
    pub(crate) primary: String,
    /// The plan's recovery region.
    pub(crate) recovery: String,
    /// The plan's test network, if any.
    pub(crate) test_network: Option<String>,
}

impl Names {
    /// The names of `plan`'s vault, whose ARM id is `vault`.
    pub(crate) fn new(plan: &Plan, vault: &str) -> Option<Names> {
        let parts: Vec<&str> = vault.trim_start_matches('/').split('/').collect();
        let [s, subscription, r, resource_group, p, ns, v, _name] = parts.as_slice() else {
            return None;
        };
        let ok = s.eq_ignore_ascii_case("subscriptions")
            && r.eq_ignore_ascii_case("resourceGroups")
            && p.eq_ignore_ascii_case("providers")
            && ns.eq_ignore_ascii_case("Microsoft.RecoveryServices")
            && v.eq_ignore_ascii_case("vaults");
        ok.then(|| Names {
            vault: vault.trim_end_matches('/').to_owned(),
            subscription: (*subscription).to_owned(),
            resource_group: (*resource_group).to_owned(),
            primary: plan.primary.clone(),
            recovery: plan.recovery.clone(),
            test_network: plan.test_network.clone(),
        })
    }

    /// The region of a side.
    pub(crate) fn region(&self, side: Location) -> &str {
        match side {
            Location::Primary => &self.primary,
            Location::Recovery => &self.recovery,
        }
    }

    /// The A2A fabric of a side (`asr-a2a-default-<region>`).
    pub(crate) fn fabric(&self, side: Location) -> String {
        format!("asr-a2a-default-{}", self.region(side))
    }

    /// The protection container of a side.
    pub(crate) fn container(&self, side: Location) -> String {
        format!("{}-container", self.fabric(side))
    }

    /// The fabric's ARM id.
    pub(crate) fn fabric_id(&self, side: Location) -> String {
        format!("{}/replicationFabrics/{}", self.vault, self.fabric(side))
    }

    /// The container's ARM id.
    pub(crate) fn container_id(&self, side: Location) -> String {
        format!(
            "{}/replicationProtectionContainers/{}",
            self.fabric_id(side),
            self.container(side)
        )
    }

    /// An item's ARM id (items stay in the primary container: see the module docs of `emulator`).
    pub(crate) fn item_id(&self, name: &str) -> String {
        format!(
            "{}/replicationProtectedItems/{name}",
            self.container_id(Location::Primary)
        )
    }

    /// A job's ARM id.
    pub(crate) fn job_id(&self, job: &str) -> String {
        format!("{}/replicationJobs/{job}", self.vault)
    }

    /// The resource group VMs run in on a side (A2A's default target group
    /// adds `-asr` to the source's).
    pub(crate) fn resource_group_id(&self, side: Location) -> String {
        let suffix = match side {
            Location::Primary => "",
            Location::Recovery => "-asr",
        };
        format!(
            "/subscriptions/{}/resourceGroups/{}{suffix}",
            self.subscription, self.resource_group
        )
    }

    fn vm_id(&self, side: Location, vm: &str) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{vm}",
            self.resource_group_id(side)
        )
    }

    fn network_id(&self, side: Location) -> String {
        format!(
            "{}/providers/Microsoft.Network/virtualNetworks/vnet-{}",
            self.resource_group_id(side),
            self.region(side)
        )
    }

    fn cache_storage_id(&self, side: Location) -> String {
        let region: String = self
            .region(side)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        format!(
            "{}/providers/Microsoft.Storage/storageAccounts/asrcache{}",
            self.resource_group_id(side),
            region.to_ascii_lowercase()
        )
    }
}

/// A plan VM as the emulator serves it.
#[derive(Debug, Clone)]
pub(crate) struct EmuItem {
    /// The VM and its simulated item.
    pub(crate) target: Target,
    /// The item's ARM name: the plan's `item`, else a stable made-up id.
    pub(crate) name: String,
}

impl EmuItem {
    /// The item of a plan VM; `item` is the plan's override.
    pub(crate) fn new(plan: &str, target: Target, item: Option<&str>) -> EmuItem {
        let name = item.map_or_else(
            || guid(fnv1a(&format!("item:{plan}")), fnv1a(&target.vm)),
            str::to_owned,
        );
        EmuItem { target, name }
    }
}

/// What an item's JSON shows besides the machine itself.
pub(crate) struct ItemContext<'a> {
    /// The job running on it.
    pub(crate) current: Option<&'a Job>,
    /// Its last successful failover or failback job.
    pub(crate) last_failover: Option<&'a Job>,
    /// The time now.
    pub(crate) now: Timestamp,
}

/// A replicated item (`ReplicationProtectedItem`, A2A).
pub(crate) fn item(names: &Names, item: &EmuItem, m: &Machine, ctx: &ItemContext<'_>) -> Value {
    let active = m.active_location;
    let other = active.other();
    let running = ctx.current.map(|j| j.operation);
    let (test_state, test_description) = if running == Some(Operation::TestCleanup) {
        ("MarkedForDeletion", "Cleaning up test environment")
    } else if m.allows(AsrOperation::TestFailoverCleanup) {
        ("WaitingForCompletion", "Test failover completed")
    } else {
        ("None", "None")
    };
    let current = match ctx.current {
        Some(job) => json!({
            "scenarioName": scenario_name(job.operation),
            "jobId": names.job_id(&job.id.0),
            "startTime": job.started.to_string(),
        }),
        None => json!({
            "scenarioName": "None",
            "jobId": names.job_id("None"),
            "startTime": NO_TIME,
        }),
    };
    let item_id = names.item_id(&item.name);
    let failover_point = ctx.last_failover.map(|j| {
        format!(
            "{item_id}/recoveryPoints/{}",
            guid(fnv1a(&item.name), fnv1a(&j.id.0))
        )
    });
    let description = protection_description(&m.protection_state, running);
    let details = provider_details(names, item, m, ctx, &description);
    json!({
        "id": item_id,
        "name": item.name,
        "type": ITEM_TYPE,
        "properties": {
            "friendlyName": m.vm,
            "protectedItemType": inferred::PROTECTED_ITEM_TYPE,
            "protectableItemId": format!(
                "{}/replicationProtectableItems/{}",
                names.container_id(Location::Primary),
                item.name
            ),
            "recoveryServicesProviderId": "",
            "primaryFabricFriendlyName": names.region(active),
            "primaryFabricProvider": "Azure",
            "recoveryFabricFriendlyName": names.region(other),
            "recoveryFabricId": names.fabric_id(other),
            "primaryProtectionContainerFriendlyName": names.container(active),
            "recoveryProtectionContainerFriendlyName": names.container(other),
            "protectionState": m.protection_state,
            "protectionStateDescription": description,
            "activeLocation": location(active),
            "testFailoverState": test_state,
            "testFailoverStateDescription": test_description,
            "allowedOperations": m.allowed.iter().map(|op| op.as_str()).collect::<Vec<_>>(),
            "replicationHealth": health(m.health),
            "failoverHealth": health(m.health),
            "healthErrors": m.issues.iter().map(|i| health_error(i, ctx.now)).collect::<Vec<_>>(),
            "policyId": format!("{}/replicationPolicies/{}", names.vault, inferred::POLICY),
            "policyFriendlyName": inferred::POLICY,
            "lastSuccessfulFailoverTime": ctx.last_failover.and_then(|j| j.ended).map(|t| t.to_string()),
            "lastSuccessfulTestFailoverTime": m.last_test_failover.map(|t| t.to_string()),
            "currentScenario": current,
            "failoverRecoveryPointId": failover_point,
            "providerSpecificDetails": details,
            "recoveryContainerId": names.container_id(other),
            "eventCorrelationId": guid(fnv1a(&format!("events:{}", item.name)), 2),
        }
    })
}

/// An A2A item's `providerSpecificDetails` (`A2AReplicationDetails`), with
/// what a client needs to build the A2A reprotect input.
fn provider_details(
    names: &Names,
    item: &EmuItem,
    m: &Machine,
    ctx: &ItemContext<'_>,
    description: &str,
) -> Value {
    let active = m.active_location;
    let other = active.other();
    let software_update = m.issues.iter().any(|i| i.kind == IssueKind::SoftwareUpdate);
    let mut details = json!({
        "instanceType": "A2A",
        "fabricObjectId": names.vm_id(active, &m.vm),
        "primaryFabricLocation": names.region(active),
        "recoveryFabricLocation": names.region(other),
        "initialPrimaryFabricLocation": names.primary,
        "initialRecoveryFabricLocation": names.recovery,
        "osType": "Windows",
        "recoveryAzureVMName": m.vm,
        "recoveryAzureVMSize": inferred::VM_SIZE,
        "recoveryAzureResourceGroupId": names.resource_group_id(other),
        "selectedRecoveryAzureNetworkId": names.network_id(other),
        "selectedTfoAzureNetworkId": names.test_network,
        "protectedManagedDisks": [{
            "diskId": format!("{}/providers/Microsoft.Compute/disks/{}-osdisk", names.resource_group_id(active), m.vm),
            "diskName": format!("{}-osdisk", m.vm),
            "diskCapacityInBytes": inferred::DISK_BYTES,
            "diskType": inferred::DISK_TYPE,
            "recoveryResourceGroupId": names.resource_group_id(other),
            "primaryStagingAzureStorageAccountId": names.cache_storage_id(active),
            "recoveryReplicaDiskAccountType": inferred::DISK_TYPE,
            "recoveryTargetDiskAccountType": inferred::DISK_TYPE,
            "resyncRequired": false,
            "allowedDiskLevelOperation": [],
        }],
        "vmProtectionState": m.protection_state,
        "vmProtectionStateDescription": description,
        "rpoInSeconds": m.rpo_s,
        "lastRpoCalculatedTime": m.rpo_s.map(|_| ctx.now.to_string()),
        "lastHeartbeat": ctx.now.to_string(),
        "agentVersion": inferred::AGENT_VERSION,
        "isReplicationAgentUpdateRequired": software_update,
        "lifecycleId": guid(fnv1a(&format!("lifecycle:{}", item.name)), 1),
    });
    // A running job's progress shows as the item's monitoring job, as ASR
    // does for reprotect's initial replication.
    if let (Some(job), Some(obj)) = (ctx.current, details.as_object_mut()) {
        obj.insert(
            "monitoringJobType".into(),
            json!(scenario_name(job.operation)),
        );
        obj.insert("monitoringPercentageCompletion".into(), json!(job.percent));
    }
    details
}

/// ASR's `activeLocation`.
pub(crate) fn location(side: Location) -> &'static str {
    match side {
        Location::Primary => "Primary",
        Location::Recovery => "Recovery",
    }
}

fn protection_description(state: &str, running: Option<Operation>) -> String {
    if let Some(op) = running {
        return format!("{} in progress", crate::provider::simulator::job_name(op));
    }
    match state {
        "Protected" => "Protected".to_owned(),
        "UnplannedFailoverCommitPendingStatesBegin" => "Failover completed".to_owned(),
        "UnplannedFailoverCommitted" => "Failover committed".to_owned(),
        other => other.to_owned(),
    }
}

/// ASR's `replicationHealth`.
fn health(h: Health) -> &'static str {
    match h {
        Health::Healthy => "Normal",
        Health::Warning => "Warning",
        Health::Critical => "Critical",
    }
}

/// ASR's `errorCategory` of an issue kind (spec: asr-model.md "The dashboard").
fn category(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::MissingConfiguration
        | IssueKind::MissingResource
        | IssueKind::SubscriptionQuota => "Configuration",
        IssueKind::SoftwareUpdate => "VersionExpiry",
        IssueKind::Replication => "Replication",
    }
}

/// ASR's severity (`errorLevel`, `severity`) of an issue.
fn severity(h: Health) -> &'static str {
    match h {
        Health::Healthy => "Info",
        Health::Warning => "Warning",
        Health::Critical => "Error",
    }
}

/// One `HealthError`.
pub(crate) fn health_error(issue: &HealthIssue, now: Timestamp) -> Value {
    json!({
        "errorCode": issue.code,
        "errorMessage": issue.message,
        "summaryMessage": issue.message,
        "errorCategory": category(issue.kind),
        "errorLevel": severity(issue.severity),
        "errorSource": "ProtectionService",
        "errorType": "ProtectionEntity",
        "possibleCauses": issue.possible_causes.clone().unwrap_or_default(),
        "recommendedAction": issue.recommended_action.clone().unwrap_or_default(),
        "creationTimeUtc": now.to_string(),
        "customerResolvability": "Allowed",
        "innerHealthErrors": [],
    })
}

/// ASR's job `state`.
pub(crate) fn job_state(state: JobState) -> &'static str {
    match state {
        JobState::NotStarted => "NotStarted",
        JobState::InProgress => "InProgress",
        JobState::Succeeded => "Succeeded",
        JobState::Failed => "Failed",
        JobState::Cancelled => "Cancelled",
        JobState::Suspended => "Suspended",
        JobState::Other => "Other",
    }
}

fn state_description(state: JobState) -> &'static str {
    match state {
        JobState::NotStarted => "NotStarted",
        JobState::InProgress => "InProgress",
        JobState::Succeeded => "Completed",
        JobState::Failed => "Failed",
        JobState::Cancelled => "Cancelled",
        JobState::Suspended => "Suspended",
        JobState::Other => "Other",
    }
}

/// A Site Recovery job (`Job`) with its tasks.
pub(crate) fn job(names: &Names, item: &EmuItem, job: &Job, tasks: &[JobTask]) -> Value {
    let task_id = |i: usize| format!("{}-{i:02}", job.id.0);
    let failed_task = tasks.iter().position(|t| t.state == JobState::Failed);
    let errors: Vec<Value> = job
        .errors
        .iter()
        .map(|e| {
            json!({
                "serviceErrorDetails": {
                    "code": e.code,
                    "message": e.message,
                    "possibleCauses": e.possible_causes,
                    "recommendedAction": e.recommended_action,
                    "activityId": activity_id(&job.id.0),
                },
                "providerErrorDetails": null,
                "errorLevel": "Error",
                "creationTime": job.ended.map(|t| t.to_string()),
                "taskId": failed_task.map(task_id),
            })
        })
        .collect();
    let tasks: Vec<Value> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "taskId": task_id(i),
                "name": task_name(t.name),
                "friendlyName": t.name,
                "state": job_state(t.state),
                "stateDescription": state_description(t.state),
                "startTime": t.started.map(|t| t.to_string()),
                "endTime": t.ended.map(|t| t.to_string()),
                "allowedActions": [],
                "taskType": "TaskDetails",
                "customDetails": {"instanceType": "TaskDetails"},
                "errors": if failed_task == Some(i) { errors.clone() } else { Vec::new() },
            })
        })
        .collect();
    json!({
        "id": names.job_id(&job.id.0),
        "name": job.id.0,
        "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
        "properties": {
            "activityId": activity_id(&job.id.0),
            "scenarioName": scenario_name(job.operation),
            "friendlyName": job.name,
            "state": job_state(job.state),
            "stateDescription": state_description(job.state),
            "tasks": tasks,
            "errors": errors,
            "startTime": job.started.to_string(),
            "endTime": job.ended.map(|t| t.to_string()),
            "allowedActions": [],
            "targetObjectId": item.name,
            "targetObjectName": job.vm,
            "targetInstanceType": inferred::TARGET_INSTANCE_TYPE,
            "customDetails": {
                "instanceType": "AsrJobDetails",
                "affectedObjectDetails": {
                    "PrimaryFabricLocation": names.primary,
                    "RecoveryFabricLocation": names.recovery,
                    "ProtectedItemName": item.name,
                },
            },
        }
    })
}

/// `Starting failover` → `StartingFailoverTask`, as ASR names tasks.
fn task_name(friendly: &str) -> String {
    let mut name: String = friendly
        .split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    name.push_str("Task");
    name
}

fn activity_id(job: &str) -> String {
    format!(
        "{} ActivityId: {}",
        guid(fnv1a(job), 3),
        guid(fnv1a(job), 4)
    )
}

/// The vault's health (`VaultHealthDetails`): its own issues and a summary of
/// the items' issues by code.
pub(crate) fn vault_health(
    names: &Names,
    vault_issues: &[HealthIssue],
    machines: &[(EmuItem, Machine)],
    now: Timestamp,
) -> Value {
    let mut summaries: Vec<(String, &HealthIssue, Vec<String>)> = Vec::new();
    for (item, m) in machines {
        for issue in &m.issues {
            if let Some(entry) = summaries.iter_mut().find(|(code, ..)| *code == issue.code) {
                entry.2.push(item.name.clone());
            } else {
                summaries.push((issue.code.clone(), issue, vec![item.name.clone()]));
            }
        }
    }
    let issues: Vec<Value> = summaries
        .into_iter()
        .map(|(code, issue, affected)| {
            json!({
                "summaryCode": code,
                "category": category(issue.kind),
                "severity": severity(issue.severity),
                "summaryMessage": issue.message,
                "affectedResourceType": "replicationProtectedItems",
                "affectedResourceSubtype": "",
                "affectedResourceCorrelationIds": affected,
            })
        })
        .collect();
    json!({
        "id": format!("{}/replicationVaultHealth/Default", names.vault),
        "name": "Default",
        "type": "Microsoft.RecoveryServices/vaults/replicationVaultHealth",
        "properties": {
            "vaultErrors": vault_issues.iter().map(|i| health_error(i, now)).collect::<Vec<_>>(),
            "protectedItemsHealth": {"resourceCount": machines.len(), "issues": issues},
            "fabricsHealth": {"resourceCount": 2, "issues": []},
            "containersHealth": {"resourceCount": 2, "issues": []},
        }
    })
}

/// One recovery point of an item.
pub(crate) fn recovery_point(names: &Names, item: &EmuItem, p: &RecoveryPointInfo) -> Value {
    json!({
        "id": format!("{}/recoveryPoints/{}", names.item_id(&item.name), p.id),
        "name": p.id,
        "type": format!("{ITEM_TYPE}/recoveryPoints"),
        "properties": {
            "recoveryPointTime": p.time.to_string(),
            "recoveryPointType": if p.app_consistent { "ApplicationConsistent" } else { "CrashConsistent" },
            "providerSpecificDetails": {
                "instanceType": "A2A",
                "recoveryPointSyncType": "PerVmRecoveryPoint",
                "disks": [],
            },
        }
    })
}

/// An ARM error body: `{"error": {"code", "message"}}`.
pub(crate) fn arm_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// A list page: `{"value": [...]}` plus `nextLink` when there is more.
pub(crate) fn page(values: Vec<Value>, next_link: Option<String>) -> Value {
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(values));
    if let Some(link) = next_link {
        body.insert("nextLink".into(), Value::String(link));
    }
    Value::Object(body)
}

/// A GUID-like id from two numbers: the same numbers give the same id.
pub(crate) fn guid(a: u64, b: u64) -> String {
    let hi = mix(a ^ mix(b));
    let lo = mix(hi ^ b.rotate_left(17));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// FNV-1a, stable across platforms and releases, for made-up names.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
