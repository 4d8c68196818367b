//! Update bodies read into target setting changes, and refused with the
//! field at fault.

use serde_json::json;

use super::super::reply::ReplyBody;
use super::*;
use crate::provider::{Health, Location};
use crate::target::SettingValue;

const NIC: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/a-nic";
const RG: &str = "/subscriptions/s/resourceGroups/rg-ne";

fn machine() -> Machine {
    Machine {
        vm: "a".into(),
        item: "a".into(),
        protection_state: "Protected".into(),
        active_location: Location::Primary,
        replicating_from: Some(Location::Primary),
        allowed: Vec::new(),
        health: Health::Healthy,
        issues: Vec::new(),
        rpo_s: None,
        last_test_failover: None,
        current_job: None,
        target: TargetSettings {
            size: Some("Standard_D2s_v5".into()),
            zone: Some(1),
            ..TargetSettings::default()
        },
        source_vm: None,
        consistency_group: None,
    }
}

fn read(body: &Value) -> Result<Vec<Change>, String> {
    read_update(body, &machine(), NIC).map_err(|reply| match reply.body {
        ReplyBody::Json(v) => format!("{} {}", reply.status.as_u16(), v["error"]),
        _ => reply.status.to_string(),
    })
}

fn id(kind: &str, name: &str) -> String {
    format!("{RG}/providers/{kind}/{name}")
}

#[test]
fn every_target_setting_is_read_from_its_field() {
    let pool = id(
        "Microsoft.Network/loadBalancers",
        "lb/backendAddressPools/be",
    );
    let body = json!({"properties": {
        "recoveryAzureVMName": "a-dr",
        "recoveryAzureVMSize": "Standard_D4s_v5",
        "selectedRecoveryAzureNetworkId": id("Microsoft.Network/virtualNetworks", "vnet"),
        "recoveryAvailabilitySetId": id("Microsoft.Compute/availabilitySets", "as"),
        "licenseType": "NoLicenseType",
        "vmNics": [{
            "nicId": NIC.to_uppercase(),
            "recoveryNetworkSecurityGroupId": id("Microsoft.Network/networkSecurityGroups", "nsg"),
            "ipConfigs": [{
                "ipConfigName": "ipconfig1", "isPrimary": true,
                "recoverySubnetName": "app", "recoveryStaticIPAddress": "10.2.1.4",
                "recoveryPublicIPAddressId": id("Microsoft.Network/publicIPAddresses", "pip"),
                "recoveryLBBackendAddressPoolIds": [pool],
                "tfoSubnetName": "test", "tfoStaticIPAddress": "10.9.1.4",
            }],
        }],
        "providerSpecificDetails": {
            "instanceType": "A2A",
            "recoveryResourceGroupId": RG,
            "recoveryAvailabilityZone": "2",
            "recoveryProximityPlacementGroupId": id("Microsoft.Compute/proximityPlacementGroups", "ppg"),
            "recoveryCapacityReservationGroupId": id("Microsoft.Compute/capacityReservationGroups", "crg"),
        },
    }});
    let changes = read(&body).unwrap();
    assert_eq!(
        changes.iter().map(|c| c.setting).collect::<Vec<_>>(),
        TargetSetting::ALL
    );
    let size = changes
        .iter()
        .find(|c| c.setting == TargetSetting::Size)
        .unwrap();
    assert_eq!(
        size.vault,
        Some(SettingValue::Text("Standard_D2s_v5".into()))
    );
    let after = machine().target.with(&changes);
    assert_eq!(after.vm_name.as_deref(), Some("a-dr"));
    assert_eq!(after.zone, Some(2));
    assert_eq!(after.ip, Some(Ipv4Addr::new(10, 2, 1, 4)));
    assert_eq!(after.test_ip, Some(Ipv4Addr::new(10, 9, 1, 4)));
    assert_eq!(after.test_subnet.as_deref(), Some("test"));
    assert_eq!(after.load_balancer_pools, Some(vec![pool]));
    assert_eq!(after.resource_group.as_deref(), Some(RG));
}

#[test]
fn only_the_fields_present_change_and_empty_ones_clear() {
    let changes = read(&json!({"properties": {"recoveryAzureVMSize": "Standard_E4s_v5"}})).unwrap();
    assert_eq!(changes.len(), 1);
    let after = machine().target.with(&changes);
    assert_eq!(after.size.as_deref(), Some("Standard_E4s_v5"));
    assert_eq!(after.zone, Some(1), "what the body leaves out stays");
    let cleared = read(&json!({"properties": {
        "providerSpecificDetails": {"instanceType": "A2A", "recoveryAvailabilityZone": ""},
        "vmNics": [{"nicId": NIC, "ipConfigs": [{"isPrimary": true, "recoveryLBBackendAddressPoolIds": []}]}],
    }}))
    .unwrap();
    let after = machine().target.with(&cleared);
    assert_eq!(after.zone, None);
    assert_eq!(after.load_balancer_pools, None);
    assert!(read(&json!({"properties": {}})).unwrap().is_empty());
}

#[test]
fn malformed_bodies_are_refused_naming_the_field() {
    let net = id("Microsoft.Network/virtualNetworks", "vnet");
    for (body, expected) in [
        (json!({}), "`properties` object"),
        (
            json!({"properties": {"recoveryAzureVMSize": 4}}),
            "`recoveryAzureVMSize` is a string",
        ),
        (
            json!({"properties": {"recoveryAzureVMName": " "}}),
            "cannot be empty",
        ),
        (
            json!({"properties": {"providerSpecificDetails": {"instanceType": "HyperVReplicaAzure"}}}),
            "use `A2A`",
        ),
        (
            json!({"properties": {"providerSpecificDetails": {}}}),
            "instanceType` is required",
        ),
        (
            json!({"properties": {"providerSpecificDetails": {"instanceType": "A2A", "recoveryAvailabilityZone": "4"}}}),
            "not an availability zone",
        ),
        (
            json!({"properties": {"selectedRecoveryAzureNetworkId": RG}}),
            "not the ARM id of a Microsoft.Network/virtualNetworks resource",
        ),
        (
            json!({"properties": {"providerSpecificDetails": {"instanceType": "A2A", "recoveryResourceGroupId": net}}}),
            "resourceGroups",
        ),
        (
            json!({"properties": {"vmNics": {"nicId": NIC}}}),
            "`vmNics` is a list",
        ),
        (
            json!({"properties": {"vmNics": [{"ipConfigs": []}]}}),
            "nicId` is required",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": "other"}]}}),
            "is not a NIC of the item",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": NIC, "ipConfigs": [{"ipConfigName": "ipconfig2"}]}]}}),
            "one IP configuration",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": NIC, "ipConfigs": [{"isPrimary": "yes"}]}]}}),
            "`isPrimary` is true or false",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": NIC, "ipConfigs": [{"isPrimary": true, "recoveryStaticIPAddress": "10.2.1.300"}]}]}}),
            "is not an IPv4 address",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": NIC, "ipConfigs": [{"isPrimary": true, "recoveryLBBackendAddressPoolIds": [net]}]}]}}),
            "backendAddressPools",
        ),
    ] {
        let err = read(&body).unwrap_err();
        assert!(err.starts_with("400 "), "{body}: {err}");
        assert!(err.contains("InvalidRequestContent"), "{body}: {err}");
        assert!(err.contains(expected), "{body}: {err}");
    }
}
