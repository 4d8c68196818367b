//! The settings of a `target` block: where and how a VM comes up in the
//! recovery region. One table for `defaults`, groups and VMs (each setting is
//! inherited field by field); the keywords are `target::TargetSetting`'s, and
//! the ARM resource types those of `TargetSetting::resource_type` (both kept
//! so by tests).

use super::{NONE, SettingSpec, ValueType, s};

/// Where a setting comes from when a `target` block leaves it out.
const INHERITED: &str =
    "the group's `target`, then the plan's `defaults { target }`; else what the vault holds";

pub(super) const TARGET: &[SettingSpec] = &[
    s(
        "vm_name",
        ValueType::Name,
        NONE,
        "The name of the VM that a failover creates in the recovery region.",
        Some(
            "the group's, then the plan's `target`; else the vault's (ASR names it after the source VM)",
        ),
        "vm_name \"app-01-ne\"",
    ),
    s(
        "size",
        ValueType::VmSize,
        NONE,
        "The size of the recovered VM, as Azure writes it. Readiness checks that the recovery region (and zone) offers it and that the vCPU quota or the capacity reservation has room for it.",
        Some("the group's, then the plan's `target`; else the vault's (the source VM's size)"),
        "size \"Standard_D4s_v5\"",
    ),
    s(
        "resource_group",
        ValueType::ResourceId("resourceGroups"),
        NONE,
        "The resource group (its ARM id) that the recovered VM and its NICs are created in.",
        Some(INHERITED),
        "resource_group \"/subscriptions/…/resourceGroups/rg-shop-ne\"",
    ),
    s(
        "network",
        ValueType::ResourceId("Microsoft.Network/virtualNetworks"),
        NONE,
        "The virtual network (its ARM id) that the recovered VM joins after a failover.",
        Some(INHERITED),
        "network \"/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet-ne\"",
    ),
    s(
        "subnet",
        ValueType::Name,
        NONE,
        "The subnet of `network` (its name, not its id) that the primary NIC joins after a failover.",
        Some(INHERITED),
        "subnet \"app\"",
    ),
    s(
        "ip",
        ValueType::Ipv4,
        NONE,
        "A static IPv4 address for the primary NIC in `subnet`. One VM's: two VMs with the same address are an error.",
        Some(
            "the group's, then the plan's `target`; else the vault's (none: Azure picks a free address)",
        ),
        "ip \"10.2.1.4\"",
    ),
    s(
        "test_subnet",
        ValueType::Name,
        NONE,
        "The subnet of the plan's test network (`test { network }`) that the primary NIC joins in a test failover.",
        Some(INHERITED),
        "test_subnet \"app\"",
    ),
    s(
        "test_ip",
        ValueType::Ipv4,
        NONE,
        "A static IPv4 address for the primary NIC in a test failover, in `test_subnet`.",
        Some(
            "the group's, then the plan's `target`; else the vault's (none: Azure picks a free address)",
        ),
        "test_ip \"10.9.1.4\"",
    ),
    s(
        "public_ip",
        ValueType::ResourceId("Microsoft.Network/publicIPAddresses"),
        NONE,
        "A public IP address (its ARM id) for the primary NIC after a failover.",
        Some(INHERITED),
        "public_ip \"/subscriptions/…/providers/Microsoft.Network/publicIPAddresses/pip-web-ne\"",
    ),
    s(
        "load_balancer_pools",
        ValueType::ResourceIds("Microsoft.Network/loadBalancers/backendAddressPools"),
        NONE,
        "Load balancer backend pools (their ARM ids) that the primary NIC joins after a failover.",
        Some(INHERITED),
        "load_balancer_pools [\"/subscriptions/…/providers/Microsoft.Network/loadBalancers/lb-web-ne/backendAddressPools/web\"]",
    ),
    s(
        "nsg",
        ValueType::ResourceId("Microsoft.Network/networkSecurityGroups"),
        NONE,
        "The network security group (its ARM id) of the primary NIC after a failover.",
        Some(INHERITED),
        "nsg \"/subscriptions/…/providers/Microsoft.Network/networkSecurityGroups/nsg-app-ne\"",
    ),
    s(
        "zone",
        ValueType::Integer { min: 1, max: 3 },
        NONE,
        "The availability zone the recovered VM is created in: 1, 2 or 3. A VM is in a zone or in an availability set, never both.",
        Some("the group's, then the plan's `target`; else the vault's (none: a regional VM)"),
        "zone 2",
    ),
    s(
        "availability_set",
        ValueType::ResourceId("Microsoft.Compute/availabilitySets"),
        NONE,
        "The availability set (its ARM id) the recovered VM joins. Not together with `zone`.",
        Some(INHERITED),
        "availability_set \"/subscriptions/…/providers/Microsoft.Compute/availabilitySets/as-app-ne\"",
    ),
    s(
        "proximity_group",
        ValueType::ResourceId("Microsoft.Compute/proximityPlacementGroups"),
        NONE,
        "The proximity placement group (its ARM id) the recovered VM is placed in, close to the others in it.",
        Some(INHERITED),
        "proximity_group \"/subscriptions/…/providers/Microsoft.Compute/proximityPlacementGroups/ppg-sap-ne\"",
    ),
    s(
        "capacity_reservation",
        ValueType::ResourceId("Microsoft.Compute/capacityReservationGroups"),
        NONE,
        "The capacity reservation group (its ARM id) the recovered VM draws on: capacity set aside for the failover, so the VMs assigned to it are checked against its free instances instead of the vCPU quota.",
        Some(INHERITED),
        "capacity_reservation \"/subscriptions/…/providers/Microsoft.Compute/capacityReservationGroups/crg-ne\"",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::TargetSetting;

    #[test]
    fn the_table_is_the_target_settings_with_their_resource_types() {
        let names: Vec<&str> = TARGET.iter().map(|s| s.name).collect();
        let keywords: Vec<&str> = TargetSetting::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, keywords);
        for (spec, setting) in TARGET.iter().zip(TargetSetting::ALL) {
            let typed = match spec.value {
                ValueType::ResourceId(t) | ValueType::ResourceIds(t) => Some(t),
                _ => None,
            };
            assert_eq!(typed, setting.resource_type(), "{setting}");
            assert!(spec.default.is_some(), "{setting} has no default text");
        }
    }
}
