//! Replication protected items, their recovery points and the vault's
//! health, as ASR answers them.

use serde::Deserialize;

use super::null_default;

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
    /// The region the item replicates from now.
    pub primary_fabric_location: Option<String>,
    /// The region the item replicates to now.
    pub recovery_fabric_location: Option<String>,
    /// The region replication was enabled from.
    pub initial_primary_fabric_location: Option<String>,
    /// The region replication was enabled to.
    pub initial_recovery_fabric_location: Option<String>,
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
    /// The recovered VM's name.
    #[serde(rename = "recoveryAzureVMName")]
    pub recovery_azure_vm_name: Option<String>,
    /// The recovered VM's size.
    #[serde(rename = "recoveryAzureVMSize")]
    pub recovery_azure_vm_size: Option<String>,
    /// The recovery virtual network's ARM id.
    pub selected_recovery_azure_network_id: Option<String>,
    /// The recovery availability zone (`"2"`).
    pub recovery_availability_zone: Option<String>,
    /// The recovery proximity placement group's ARM id.
    pub recovery_proximity_placement_group_id: Option<String>,
    /// The recovery capacity reservation group's ARM id.
    pub recovery_capacity_reservation_group_id: Option<String>,
    /// The VM's network interfaces and their recovery settings.
    #[serde(deserialize_with = "null_default")]
    pub vm_nics: Vec<VmNic>,
}

/// `VMNicDetails`: one network interface of a replicated VM.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VmNic {
    /// ASR's id of the NIC (what an update's `vmNics[].nicId` names).
    pub nic_id: Option<String>,
    /// The recovered NIC's network security group.
    pub recovery_network_security_group_id: Option<String>,
    /// Its IP configurations.
    #[serde(deserialize_with = "null_default")]
    pub ip_configs: Vec<IpConfig>,
}

/// `IPConfigDetails`: one IP configuration of a NIC and its recovery settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IpConfig {
    /// Its name (what an update's `ipConfigName` names).
    pub name: Option<String>,
    /// Whether it is the NIC's primary configuration.
    pub is_primary: Option<bool>,
    /// The recovery subnet's name.
    pub recovery_subnet_name: Option<String>,
    /// The recovery static IP address.
    #[serde(rename = "recoveryStaticIPAddress")]
    pub recovery_static_ip_address: Option<String>,
    /// The recovery public IP address's ARM id.
    #[serde(rename = "recoveryPublicIPAddressId")]
    pub recovery_public_ip_address_id: Option<String>,
    /// The recovery load balancer backend pools' ARM ids.
    #[serde(
        rename = "recoveryLBBackendAddressPoolIds",
        deserialize_with = "null_default"
    )]
    pub recovery_lb_backend_address_pool_ids: Vec<String>,
    /// The test failover subnet's name.
    pub tfo_subnet_name: Option<String>,
    /// The test failover static IP address.
    #[serde(rename = "tfoStaticIPAddress")]
    pub tfo_static_ip_address: Option<String>,
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
