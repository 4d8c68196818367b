//! The ASR, ARM and Automation payloads the Azure client reads and writes:
//! JSON text in (responses), these serde types out; request bodies in, JSON
//! out. Only the fields drplan uses are named (spec excerpts in
//! `tests/fixtures/asr-api/spec-excerpt.json` and
//! `tests/fixtures/automation-api/spec-excerpt.json`).
//!
//! Reading is lenient on purpose: every field is optional or defaults when
//! missing or `null`, and unknown fields are ignored, so a new api-version
//! that adds or drops a field degrades a display instead of failing a
//! failover. Strings that the specification types as enums but models "as
//! string" (states, health, categories) stay strings here and are mapped in
//! one place each (see `super`).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `null` read as the type's default: ARM sends `null` for empty lists.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One page of an ARM list (`{"value": [...], "nextLink": ...}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// This page's entries.
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub value: Vec<T>,
    /// The absolute URL of the next page, if any.
    #[serde(default)]
    pub next_link: Option<String>,
}

/// An ARM error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmErrorBody {
    /// The error.
    pub error: Option<ArmError>,
}

/// The `error` of an ARM error body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmError {
    /// ARM's error code.
    pub code: Option<String>,
    /// What went wrong.
    pub message: Option<String>,
}

// ---------------------------------------------------------------------------
// Replication protected items

/// A replication protected item (a replicated VM).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProtectedItem {
    /// Its ARM id.
    pub id: String,
    /// Its name (a GUID for Azure-to-Azure items).
    pub name: String,
    /// Its properties.
    pub properties: ItemProperties,
}

/// `ReplicationProtectedItemProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ItemProperties {
    /// The VM's name.
    pub friendly_name: Option<String>,
    /// Free text (display only; readiness comes from `allowed_operations`).
    pub protection_state: Option<String>,
    /// A friendlier protection state.
    pub protection_state_description: Option<String>,
    /// `Primary` or `Recovery`.
    pub active_location: Option<String>,
    /// `None`, `WaitingForCompletion`, `MarkedForDeletion`, ….
    pub test_failover_state: Option<String>,
    /// ASR's operation names, e.g. `UnplannedFailover`.
    #[serde(deserialize_with = "null_default")]
    pub allowed_operations: Vec<String>,
    /// `Normal`, `Warning` or `Critical`.
    pub replication_health: Option<String>,
    /// Why the health is what it is.
    #[serde(deserialize_with = "null_default")]
    pub health_errors: Vec<HealthError>,
    /// The replication policy.
    pub policy_id: Option<String>,
    /// Set when a test failover's cleanup succeeded.
    pub last_successful_test_failover_time: Option<String>,
    /// The operation in progress.
    pub current_scenario: Option<CurrentScenario>,
    /// The protection container on the other side.
    pub recovery_container_id: Option<String>,
    /// Provider-specific details (`A2A` for Azure-to-Azure).
    pub provider_specific_details: Option<ProviderDetails>,
}

/// `CurrentScenarioDetails`: the operation in progress on an item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CurrentScenario {
    /// `None` when nothing runs.
    pub scenario_name: Option<String>,
    /// The job's ARM id (ending in `replicationJobs/None` when idle).
    pub job_id: Option<String>,
    /// When it started.
    pub start_time: Option<String>,
}

/// `A2AReplicationDetails`, the fields drplan uses (other providers'
/// details deserialize into this too, with most fields missing).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProviderDetails {
    /// `A2A` for Azure-to-Azure.
    pub instance_type: Option<String>,
    /// The last RPO, in seconds.
    pub rpo_in_seconds: Option<i64>,
    /// The multi-VM consistency group, if any.
    pub multi_vm_group_name: Option<String>,
    /// The source VM's ARM id.
    pub fabric_object_id: Option<String>,
    /// The recovery resource group's ARM id.
    #[serde(rename = "recoveryAzureResourceGroupId")]
    pub recovery_azure_resource_group_id: Option<String>,
    /// The recovery availability set's ARM id.
    pub recovery_availability_set: Option<String>,
    /// The recovery cloud service (classic deployments).
    pub recovery_cloud_service: Option<String>,
    /// Unmanaged disks under protection.
    #[serde(deserialize_with = "null_default")]
    pub protected_disks: Vec<ProtectedDisk>,
}

/// `A2AProtectedDiskDetails` (unmanaged disks), the fields reprotect needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProtectedDisk {
    /// The disk's URI.
    pub disk_uri: Option<String>,
    /// The recovery storage account.
    pub recovery_azure_storage_account_id: Option<String>,
    /// The primary staging (cache) storage account.
    pub primary_staging_azure_storage_account_id: Option<String>,
}

/// `HealthError`: one health error of an item or the vault.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HealthError {
    /// ASR's error code.
    pub error_code: Option<String>,
    /// `Replication`, `Configuration`, `VersionExpiry`, ….
    pub error_category: Option<String>,
    /// `Error`, `Warning`, `Info`, ….
    pub error_level: Option<String>,
    /// A short message.
    pub summary_message: Option<String>,
    /// The full message.
    pub error_message: Option<String>,
    /// Why it may be so.
    pub possible_causes: Option<String>,
    /// What to do.
    pub recommended_action: Option<String>,
}

/// `HealthErrorSummary`: a vault-level count of one kind of issue.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HealthErrorSummary {
    /// ASR's code.
    pub summary_code: Option<String>,
    /// `Replication`, `Configuration`, ….
    pub category: Option<String>,
    /// `Error`, `Warning`, `Info`, `NONE`.
    pub severity: Option<String>,
    /// What is wrong.
    pub summary_message: Option<String>,
    /// The kind of resource affected.
    pub affected_resource_type: Option<String>,
    /// The affected resources.
    #[serde(deserialize_with = "null_default")]
    pub affected_resource_correlation_ids: Vec<String>,
}

/// `ResourceHealthSummary`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceHealthSummary {
    /// How many resources.
    pub resource_count: Option<i64>,
    /// Their issues.
    #[serde(deserialize_with = "null_default")]
    pub issues: Vec<HealthErrorSummary>,
}

/// `replicationVaultHealth`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VaultHealthDetails {
    /// Its properties.
    pub properties: VaultHealthProperties,
}

/// `VaultHealthProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VaultHealthProperties {
    /// Errors of the vault itself.
    #[serde(deserialize_with = "null_default")]
    pub vault_errors: Vec<HealthError>,
    /// A summary of the items' issues.
    pub protected_items_health: Option<ResourceHealthSummary>,
    /// A summary of the fabrics' issues.
    pub fabrics_health: Option<ResourceHealthSummary>,
    /// A summary of the containers' issues.
    pub containers_health: Option<ResourceHealthSummary>,
}

/// A recovery point of an item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecoveryPoint {
    /// Its ARM id (what failover inputs take).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its properties.
    pub properties: RecoveryPointProperties,
}

/// `RecoveryPointProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecoveryPointProperties {
    /// When.
    pub recovery_point_time: Option<String>,
    /// `ApplicationConsistent` or `CrashConsistent`.
    pub recovery_point_type: Option<String>,
}

// ---------------------------------------------------------------------------
// Jobs

/// A Site Recovery job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AsrJob {
    /// Its ARM id.
    pub id: String,
    /// Its name (a GUID): what `replicationJobs/{name}` takes.
    pub name: String,
    /// Its properties.
    pub properties: JobProperties,
}

/// `JobProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobProperties {
    /// e.g. `UnplannedFailover`.
    pub scenario_name: Option<String>,
    /// e.g. `Failover`.
    pub friendly_name: Option<String>,
    /// `NotStarted`, `InProgress`, `Succeeded`, `Failed`, `Cancelled`, `Suspended`, `Other`.
    pub state: Option<String>,
    /// e.g. `Completed`.
    pub state_description: Option<String>,
    /// The job's tasks, in order.
    #[serde(deserialize_with = "null_default")]
    pub tasks: Vec<AsrTask>,
    /// Why it failed.
    #[serde(deserialize_with = "null_default")]
    pub errors: Vec<JobErrorDetails>,
    /// When it started.
    pub start_time: Option<String>,
    /// When it ended.
    pub end_time: Option<String>,
    /// e.g. `Resume` while suspended.
    #[serde(deserialize_with = "null_default")]
    pub allowed_actions: Vec<String>,
    /// The affected object's id (the item's name for item jobs).
    pub target_object_id: Option<String>,
    /// The affected object's name (the VM's name for item jobs).
    pub target_object_name: Option<String>,
    /// e.g. `ProtectionEntity`.
    pub target_instance_type: Option<String>,
    /// Job-type details (kept raw: drplan reads none of it).
    pub custom_details: Option<Value>,
}

/// `ASRTask`: one task of a job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AsrTask {
    /// The task's unique name.
    pub name: Option<String>,
    /// Its display name.
    pub friendly_name: Option<String>,
    /// Its state (the job states).
    pub state: Option<String>,
    /// When it started.
    pub start_time: Option<String>,
    /// When it ended.
    pub end_time: Option<String>,
    /// e.g. `Resume`.
    #[serde(deserialize_with = "null_default")]
    pub allowed_actions: Vec<String>,
    /// Its errors.
    #[serde(deserialize_with = "null_default")]
    pub errors: Vec<JobErrorDetails>,
}

/// `JobErrorDetails`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobErrorDetails {
    /// The service's error.
    pub service_error_details: Option<ServiceError>,
    /// The provider's error.
    pub provider_error_details: Option<ProviderErrorDetails>,
    /// e.g. `Error`.
    pub error_level: Option<String>,
    /// The task it belongs to.
    pub task_id: Option<String>,
}

/// `ServiceError`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceError {
    /// Its code.
    pub code: Option<String>,
    /// Its message.
    pub message: Option<String>,
    /// Why it may have happened.
    pub possible_causes: Option<String>,
    /// What to do.
    pub recommended_action: Option<String>,
    /// For support.
    pub activity_id: Option<String>,
}

/// `ProviderError` (the specification types `errorCode` as an integer; a
/// string is accepted too).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProviderErrorDetails {
    /// Its code.
    pub error_code: Option<Value>,
    /// Its message.
    pub error_message: Option<String>,
    /// Its id.
    pub error_id: Option<String>,
    /// Why it may have happened.
    pub possible_causes: Option<String>,
    /// What to do.
    pub recommended_action: Option<String>,
}

// ---------------------------------------------------------------------------
// Request bodies

/// `{"properties": ...}`: every ASR action input wraps its properties.
#[derive(Debug, Clone, Serialize)]
pub struct Input<T> {
    /// The action's properties.
    pub properties: T,
}

/// `UnplannedFailoverInputProperties` with A2A details.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnplannedFailoverProperties {
    /// `PrimaryToRecovery` or `RecoveryToPrimary`.
    pub failover_direction: &'static str,
    /// `Required` (shut the source down first) or `NotRequired`.
    pub source_site_operations: &'static str,
    /// A2A details.
    pub provider_specific_details: A2aFailoverDetails,
}

/// `A2AUnplannedFailoverInput` / `A2ATestFailoverInput`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct A2aFailoverDetails {
    /// Always `A2A`.
    pub instance_type: &'static str,
    /// The recovery point's ARM id; `null` means the latest (sent explicitly,
    /// as the specification asks).
    pub recovery_point_id: Option<String>,
}

/// `TestFailoverInputProperties` with A2A details.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestFailoverProperties {
    /// `PrimaryToRecovery` or `RecoveryToPrimary`.
    pub failover_direction: &'static str,
    /// `VmNetworkAsInput`.
    pub network_type: &'static str,
    /// The isolated network's ARM id.
    pub network_id: String,
    /// A2A details.
    pub provider_specific_details: A2aFailoverDetails,
}

/// `TestFailoverCleanupInputProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCleanupProperties {
    /// Shown in the job.
    pub comments: String,
}

/// `ReverseReplicationInputProperties` with A2A details.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReprotectProperties {
    /// The direction replication will run after reprotect.
    pub failover_direction: &'static str,
    /// A2A details.
    pub provider_specific_details: A2aReprotectDetails,
}

/// `A2AReprotectInput`. Fields the item does not tell are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct A2aReprotectDetails {
    /// Always `A2A`.
    pub instance_type: &'static str,
    /// The container replication will target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_container_id: Option<String>,
    /// The resource group the VM will be recovered into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_resource_group_id: Option<String>,
    /// Classic deployments only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_cloud_service_id: Option<String>,
    /// The availability set on the target side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_availability_set_id: Option<String>,
    /// The replication policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// Unmanaged disks (managed disks need no input here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vm_disks: Vec<A2aVmDisk>,
}

/// `A2AVmDiskInputDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct A2aVmDisk {
    /// The disk's URI.
    pub disk_uri: String,
    /// The target storage account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_azure_storage_account_id: Option<String>,
    /// The staging (cache) storage account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_staging_azure_storage_account_id: Option<String>,
}

// ---------------------------------------------------------------------------
// Automation

/// The body of `PUT A/jobs/{name}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationJobCreate<'a> {
    /// The runbook and its parameters.
    pub properties: AutomationJobCreateProperties<'a>,
}

/// `JobCreateProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationJobCreateProperties<'a> {
    /// `{"name": ...}`.
    pub runbook: RunbookRef<'a>,
    /// Parameters, as strings.
    pub parameters: &'a BTreeMap<String, String>,
    /// `""`: run in Azure, not on a hybrid worker.
    pub run_on: &'a str,
}

/// `RunbookAssociationProperty`.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookRef<'a> {
    /// The runbook's name.
    pub name: &'a str,
}

/// An Automation job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutomationJob {
    /// Its ARM id.
    pub id: Option<String>,
    /// Its name (the GUID drplan chose).
    pub name: Option<String>,
    /// Its properties.
    pub properties: AutomationJobProperties,
}

/// `JobProperties` of Automation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutomationJobProperties {
    /// Automation's own id of the job.
    pub job_id: Option<String>,
    /// `New`, `Running`, `Completed`, `Failed`, `Stopped`, `Suspended`, ….
    pub status: Option<String>,
    /// More about the status.
    pub status_details: Option<String>,
    /// Why it failed.
    pub exception: Option<String>,
    /// When it started.
    pub start_time: Option<String>,
    /// When it ended.
    pub end_time: Option<String>,
    /// ARM's view (not the job's: use `status`).
    pub provisioning_state: Option<String>,
}

/// A job stream (output, error, warning, … record).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobStream {
    /// Its ARM id.
    pub id: Option<String>,
    /// Its properties.
    pub properties: JobStreamProperties,
}

/// `JobStreamProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobStreamProperties {
    /// Its id (what `streams/{id}` takes).
    pub job_stream_id: Option<String>,
    /// `Output`, `Error`, `Warning`, `Verbose`, `Progress`, `Debug`, `Any`.
    pub stream_type: Option<String>,
    /// A summary (lists carry this, not the text).
    pub summary: Option<String>,
    /// The full text (a single stream's GET carries this).
    pub stream_text: Option<String>,
    /// When.
    pub time: Option<String>,
}
