//! What an action sends, chosen from what the item says: the A2A reprotect
//! input from the item's own details, and the recovery point of a failover
//! from the item's points (listed as drplan's for `before:`).

use crate::provider::{Location, RecoveryPointInfo};

use super::super::models::{A2aReprotectDetails, A2aVmDisk, ProtectedItem, RecoveryPoint};
use super::{location, parse_time};

/// *(inferred)* The A2A reprotect input, from the item's own details (spec
/// excerpt `A2AReprotectInput`), and the direction replication runs after it:
/// `RecoveryToPrimary` when the item is active in the recovery region.
///
/// - `recoveryContainerId`: going back to the primary, the container the
///   item's ARM id names (the one it was first protected from); going
///   forward, the item's `recoveryContainerId`.
/// - `recoveryResourceGroupId`: going back, the source VM's resource group
///   (from `fabricObjectId`); going forward, `recoveryAzureResourceGroupId`.
/// - `recoveryAvailabilitySetId`: going forward only, `recoveryAvailabilitySet`.
/// - `policyId`: the item's policy.
/// - `vmDisks`: the unmanaged disks' URIs and storage accounts, when any.
///
/// Not filled, as the item does not tell them: the cloud service (classic
/// deployments only), the availability set going back, and per-disk
/// targets of managed disks (ASR keeps those from the original protection).
pub fn reprotect_input(item: &ProtectedItem) -> (&'static str, A2aReprotectDetails) {
    let p = &item.properties;
    let details = p.provider_specific_details.clone().unwrap_or_default();
    let back = location(p.active_location.as_deref()) == Some(Location::Recovery);
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let input = A2aReprotectDetails {
        instance_type: "A2A",
        recovery_container_id: nonempty(if back {
            container_of(&item.id)
        } else {
            p.recovery_container_id.clone()
        }),
        recovery_resource_group_id: nonempty(if back {
            details
                .fabric_object_id
                .as_deref()
                .and_then(resource_group_of)
        } else {
            details.recovery_azure_resource_group_id.clone()
        }),
        recovery_cloud_service_id: None,
        recovery_availability_set_id: if back {
            None
        } else {
            nonempty(details.recovery_availability_set.clone())
        },
        policy_id: nonempty(p.policy_id.clone()),
        vm_disks: details
            .protected_disks
            .iter()
            .filter_map(|d| {
                Some(A2aVmDisk {
                    disk_uri: d.disk_uri.clone().filter(|u| !u.is_empty())?,
                    recovery_azure_storage_account_id: d.recovery_azure_storage_account_id.clone(),
                    primary_staging_azure_storage_account_id: d
                        .primary_staging_azure_storage_account_id
                        .clone(),
                })
            })
            .collect(),
    };
    let direction = if back {
        "RecoveryToPrimary"
    } else {
        "PrimaryToRecovery"
    };
    (direction, input)
}

/// `.../replicationProtectionContainers/{c}` of an item's ARM id.
fn container_of(item_id: &str) -> Option<String> {
    let lower = item_id.to_ascii_lowercase();
    let at = lower.find("/replicationprotecteditems/")?;
    Some(item_id[..at].to_owned())
}

/// `/subscriptions/{s}/resourceGroups/{g}` of an ARM id.
fn resource_group_of(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    let at = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
    parts.get(at + 1)?;
    Some(parts[..=at + 1].join("/"))
}

/// *(inferred)* The recovery point id a failover sends, from the item's
/// points: `Latest` sends none (`null`: ASR processes pending data first);
/// latest processed is the newest point of any type, and when the item
/// lists none, none is sent either (latest: slower, but a failover in a
/// disaster must not stop for want of a processed point); latest
/// application-consistent is the newest `ApplicationConsistent` point, and
/// its absence is an error (an operator who asked for application
/// consistency must not silently get a crash-consistent point).
pub fn pick_recovery_point(
    points: &[RecoveryPoint],
    choice: crate::plan::RecoveryPoint,
) -> Result<Option<String>, String> {
    let newest = |app_only: bool| {
        points
            .iter()
            .filter(|p| {
                !app_only
                    || p.properties
                        .recovery_point_type
                        .as_deref()
                        .is_some_and(|t| t.eq_ignore_ascii_case("ApplicationConsistent"))
            })
            .filter(|p| !p.id.is_empty())
            .max_by_key(|p| {
                p.properties
                    .recovery_point_time
                    .as_deref()
                    .and_then(parse_time)
            })
            .map(|p| p.id.clone())
    };
    match choice {
        crate::plan::RecoveryPoint::Latest => Ok(None),
        crate::plan::RecoveryPoint::LatestProcessed => Ok(newest(false)),
        crate::plan::RecoveryPoint::LatestAppConsistent => {
            newest(true).map(Some).ok_or_else(|| {
                format!(
                    "it has no application-consistent recovery point (of {} listed); choose \
                 `--recovery-point latest-processed` or `latest`, or wait for the next \
                 application-consistent snapshot",
                    points.len()
                )
            })
        }
    }
}

/// An item's listed points as drplan's, newest first: a point without an id
/// or a readable time is left out (no failover could name it, or no
/// instant be compared with it); `ApplicationConsistent` marks the
/// application-consistent ones, every other type counts as crash-consistent.
pub fn recovery_points(points: &[RecoveryPoint]) -> Vec<RecoveryPointInfo> {
    let mut out: Vec<RecoveryPointInfo> = points
        .iter()
        .filter(|p| !p.id.trim().is_empty())
        .filter_map(|p| {
            Some(RecoveryPointInfo {
                id: p.id.clone(),
                time: parse_time(p.properties.recovery_point_time.as_deref()?)?,
                app_consistent: p
                    .properties
                    .recovery_point_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("ApplicationConsistent")),
            })
        })
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.time));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_points_pick_the_newest_of_the_kind() {
        let point = |id: &str, t: &str, kind: &str| RecoveryPoint {
            id: id.into(),
            name: id.into(),
            properties: super::super::super::models::RecoveryPointProperties {
                recovery_point_time: Some(t.into()),
                recovery_point_type: Some(kind.into()),
            },
        };
        let points = [
            point("a", "2026-01-01T00:00:00Z", "ApplicationConsistent"),
            point("c", "2026-01-01T00:10:00Z", "CrashConsistent"),
            point("b", "2026-01-01T00:05:00Z", "ApplicationConsistent"),
        ];
        assert_eq!(
            pick_recovery_point(&points, crate::plan::RecoveryPoint::Latest),
            Ok(None)
        );
        assert_eq!(
            pick_recovery_point(&points, crate::plan::RecoveryPoint::LatestProcessed),
            Ok(Some("c".into()))
        );
        assert_eq!(
            pick_recovery_point(&points, crate::plan::RecoveryPoint::LatestAppConsistent),
            Ok(Some("b".into()))
        );
        assert_eq!(
            pick_recovery_point(&[], crate::plan::RecoveryPoint::LatestProcessed),
            Ok(None)
        );
        assert!(
            pick_recovery_point(
                &points[1..2],
                crate::plan::RecoveryPoint::LatestAppConsistent
            )
            .is_err()
        );
    }

    #[test]
    fn reprotect_input_comes_from_the_item() {
        let json = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/replicationFabrics/f/replicationProtectionContainers/primary-c/replicationProtectedItems/i",
            "name": "i",
            "properties": {
                "activeLocation": "Recovery",
                "policyId": "/p",
                "recoveryContainerId": "/recovery-c",
                "providerSpecificDetails": {
                    "instanceType": "A2A",
                    "fabricObjectId": "/subscriptions/s/resourceGroups/src-rg/providers/Microsoft.Compute/virtualMachines/vm1",
                    "recoveryAzureResourceGroupId": "/subscriptions/s/resourceGroups/dr-rg",
                    "recoveryAvailabilitySet": "/as",
                    "protectedDisks": [{"diskUri": "https://x/vhd", "recoveryAzureStorageAccountId": "/sa"}]
                }
            }
        });
        let mut item: ProtectedItem = serde_json::from_value(json).unwrap();
        let (direction, back) = reprotect_input(&item);
        assert_eq!(direction, "RecoveryToPrimary");
        assert_eq!(
            back.recovery_container_id.as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/replicationFabrics/f/replicationProtectionContainers/primary-c"
            )
        );
        assert_eq!(
            back.recovery_resource_group_id.as_deref(),
            Some("/subscriptions/s/resourceGroups/src-rg")
        );
        assert_eq!(back.recovery_availability_set_id, None);
        assert_eq!(back.policy_id.as_deref(), Some("/p"));
        assert_eq!(back.vm_disks.len(), 1);
        item.properties.active_location = Some("Primary".into());
        let (direction, forward) = reprotect_input(&item);
        assert_eq!(direction, "PrimaryToRecovery");
        assert_eq!(
            forward.recovery_container_id.as_deref(),
            Some("/recovery-c")
        );
        assert_eq!(
            forward.recovery_resource_group_id.as_deref(),
            Some("/subscriptions/s/resourceGroups/dr-rg")
        );
        assert_eq!(forward.recovery_availability_set_id.as_deref(), Some("/as"));
        let body = serde_json::to_value(&forward).unwrap();
        assert_eq!(body["instanceType"], "A2A");
        assert!(body.get("recoveryCloudServiceId").is_none());
    }
}
