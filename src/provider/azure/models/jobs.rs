//! Site Recovery jobs, as ASR answers them.

use serde::Deserialize;
use serde_json::Value;

use super::null_default;

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
