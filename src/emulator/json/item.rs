//! A replicated item as ASR shows it (`ReplicationProtectedItem`, A2A): the
//! simulated vault's [`Machine`] with its job and the time in; the item's
//! JSON, with its health errors and provider-specific details, out.

use serde_json::{Value, json};

use super::{EmuItem, ITEM_TYPE, Names, fnv1a, guid, inferred};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::simulator::scenario_name;
use crate::provider::{AsrOperation, Health, HealthIssue, IssueKind, Job, Location, Machine};

/// The `startTime` ASR shows for "no scenario" (as in the examples).
const NO_TIME: &str = "1753-01-01T01:01:01Z";

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
/// what a client needs to build the A2A reprotect input and the vault's
/// target settings ([`Machine::target`]; `null` where the vault has none).
fn provider_details(
    names: &Names,
    item: &EmuItem,
    m: &Machine,
    ctx: &ItemContext<'_>,
    description: &str,
) -> Value {
    let active = m.active_location;
    let other = active.other();
    let t = &m.target;
    let software_update = m.issues.iter().any(|i| i.kind == IssueKind::SoftwareUpdate);
    let disk_group = t
        .resource_group
        .clone()
        .unwrap_or_else(|| names.resource_group_id(other));
    let mut details = json!({
        "instanceType": "A2A",
        "fabricObjectId": names.source_vm(m),
        "primaryFabricLocation": names.region(active),
        "recoveryFabricLocation": names.region(other),
        "initialPrimaryFabricLocation": names.primary,
        "initialRecoveryFabricLocation": names.recovery,
        "osType": "Windows",
        "recoveryAzureVMName": t.vm_name,
        "recoveryAzureVMSize": t.size,
        "recoveryAzureResourceGroupId": t.resource_group,
        "selectedRecoveryAzureNetworkId": t.network,
        "selectedTfoAzureNetworkId": names.test_network,
        "recoveryAvailabilityZone": t.zone.map(|z| z.to_string()),
        "recoveryAvailabilitySet": t.availability_set,
        "recoveryProximityPlacementGroupId": t.proximity_group,
        "recoveryCapacityReservationGroupId": t.capacity_reservation,
        "vmNics": [vm_nic(names, m)],
        "protectedManagedDisks": [{
            "diskId": names.os_disk_id(m),
            "diskName": format!("{}-osdisk", m.vm),
            "diskCapacityInBytes": inferred::DISK_BYTES,
            "diskType": inferred::DISK_TYPE,
            "recoveryResourceGroupId": disk_group,
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
    // An item of a multi-VM consistency group names it, as ASR does for a
    // group the user named when enabling replication.
    if let (Some(group), Some(obj)) = (&m.consistency_group, details.as_object_mut()) {
        obj.insert("multiVmGroupName".into(), json!(group));
        obj.insert(
            "multiVmGroupId".into(),
            json!(guid(fnv1a(&format!("multi-vm-group:{group}")), 1)),
        );
        obj.insert("multiVmGroupCreateOption".into(), json!("UserSpecified"));
    }
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

/// The item's one NIC (`VMNicDetails`): the primary NIC of the source VM,
/// whose primary IP configuration carries the subnet, addresses, public IP
/// and backend pools of the target settings.
fn vm_nic(names: &Names, m: &Machine) -> Value {
    let t = &m.target;
    let nic = names.nic_id(m);
    let address_type =
        |ip: Option<std::net::Ipv4Addr>| if ip.is_some() { "Static" } else { "Dynamic" };
    json!({
        "nicId": nic,
        "sourceNicArmId": nic,
        "selectionType": "SelectedByUser",
        "recoveryNetworkSecurityGroupId": t.nsg,
        "ipConfigs": [{
            "name": inferred::IP_CONFIG,
            "isPrimary": true,
            "isSeletedForFailover": true,
            "recoverySubnetName": t.subnet,
            "recoveryStaticIPAddress": t.ip.map(|ip| ip.to_string()),
            "recoveryIPAddressType": address_type(t.ip),
            "recoveryPublicIPAddressId": t.public_ip,
            "recoveryLBBackendAddressPoolIds": t.load_balancer_pools,
            "tfoSubnetName": t.test_subnet,
            "tfoStaticIPAddress": t.test_ip.map(|ip| ip.to_string()),
        }],
    })
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
pub(super) fn category(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::MissingConfiguration
        | IssueKind::MissingResource
        | IssueKind::SubscriptionQuota => "Configuration",
        IssueKind::SoftwareUpdate => "VersionExpiry",
        IssueKind::Replication => "Replication",
    }
}

/// ASR's severity (`errorLevel`, `severity`) of an issue.
pub(super) fn severity(h: Health) -> &'static str {
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
