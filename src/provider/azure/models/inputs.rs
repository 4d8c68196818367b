//! The bodies of ASR's actions (failover, test failover, cleanup,
//! reprotect), as drplan sends them.

use serde::Serialize;

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
