//! The bodies of ASR's actions (failover, test failover, cleanup,
//! reprotect) and of an item's update, as drplan sends them.

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

/// `UpdateReplicationProtectedItemInputProperties`: the fields left `None`
/// (or empty) are not sent, so the vault keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProperties {
    /// The recovered VM's name.
    #[serde(
        rename = "recoveryAzureVMName",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_azure_vm_name: Option<String>,
    /// The recovered VM's size.
    #[serde(
        rename = "recoveryAzureVMSize",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_azure_vm_size: Option<String>,
    /// The recovery virtual network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_recovery_azure_network_id: Option<String>,
    /// The recovery availability set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_availability_set_id: Option<String>,
    /// NIC settings (the primary NIC's only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vm_nics: Vec<VmNicInput>,
    /// The A2A settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_specific_details: Option<A2aUpdateDetails>,
}

/// `VMNicInputDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmNicInput {
    /// ASR's id of the NIC, as the item lists it.
    pub nic_id: String,
    /// IP configurations to change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_configs: Vec<IpConfigInput>,
    /// The recovered NIC's network security group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_network_security_group_id: Option<String>,
}

/// `IPConfigInputDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpConfigInput {
    /// The configuration's name, as the item lists it.
    pub ip_config_name: String,
    /// Whether it is the NIC's primary configuration.
    pub is_primary: bool,
    /// The recovery subnet's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_subnet_name: Option<String>,
    /// The recovery static IP address.
    #[serde(
        rename = "recoveryStaticIPAddress",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_static_ip_address: Option<String>,
    /// The recovery public IP address.
    #[serde(
        rename = "recoveryPublicIPAddressId",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_public_ip_address_id: Option<String>,
    /// The recovery load balancer backend pools.
    #[serde(
        rename = "recoveryLBBackendAddressPoolIds",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_lb_backend_address_pool_ids: Option<Vec<String>>,
    /// The test failover subnet's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfo_subnet_name: Option<String>,
    /// The test failover static IP address.
    #[serde(rename = "tfoStaticIPAddress", skip_serializing_if = "Option::is_none")]
    pub tfo_static_ip_address: Option<String>,
}

/// `A2AUpdateReplicationProtectedItemInput`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct A2aUpdateDetails {
    /// Always `A2A`.
    pub instance_type: &'static str,
    /// The recovery resource group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_resource_group_id: Option<String>,
    /// The recovery availability zone, as a string (`"2"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_availability_zone: Option<String>,
    /// The recovery proximity placement group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_proximity_placement_group_id: Option<String>,
    /// The recovery capacity reservation group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_capacity_reservation_group_id: Option<String>,
}
