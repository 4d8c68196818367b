//! Microsoft's Compute, Network and Resources example answers
//! (tests/fixtures/azure-api, verbatim copies of the excerpts' examples)
//! against the inventory's payload types: every body the client reads
//! deserializes with the fields readiness uses, and every field the types
//! name is in the excerpt's schema, so a misspelt rename cannot hide behind
//! serde's defaults.

// Helpers panic with the example's name: a failed test says which one.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use drplan::provider::azure::models::Page;
use drplan::provider::azure::models::compute::{
    CapacityReservation, ReservationGroup, ResourceSku, Usage,
};
use drplan::provider::azure::models::network::{
    IpAddressAvailability, LoadBalancer, PublicIpAddress, VirtualNetwork,
};
use drplan::provider::azure::models::resources::GenericResource;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azure-api")
}

fn examples(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            examples(&path, out);
        } else if path.extension().is_some_and(|e| e == "json")
            && path.components().any(|c| c.as_os_str() == "examples")
        {
            out.push(path);
        }
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn body<T: DeserializeOwned>(path: &Path) -> T {
    let body = read(path)["responses"]["200"]["body"].clone();
    serde_json::from_value(body).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_example_the_inventory_reads_deserializes_with_what_readiness_uses() {
    let mut files = Vec::new();
    examples(&root(), &mut files);
    files.sort();
    assert_eq!(files.len(), 19, "the examples copied from the excerpts");
    let mut read = 0;
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        match name.as_str() {
            n if n.starts_with("Usage_List") => {
                let page: Page<Usage> = body(path);
                assert!(
                    page.value.iter().all(|u| u.limit >= u.current_value),
                    "{name}"
                );
            }
            "ListAvailableResourceSkusForARegion" => {
                let page: Page<ResourceSku> = body(path);
                assert!(
                    page.value.iter().all(|s| s.family.is_some()
                        && s.capabilities
                            .iter()
                            .any(|c| c.name.as_deref() == Some("vCPUs"))
                        && !s.location_info.is_empty()),
                    "{name}"
                );
            }
            "CapacityReservationGroup_Get" => {
                let group: ReservationGroup = body(path);
                let view = group.properties.instance_view.unwrap();
                assert_eq!(view.capacity_reservations.len(), 2, "{name}");
                assert!(
                    view.capacity_reservations.iter().all(|r| r.name.is_some()
                        && r.utilization_info
                            .as_ref()
                            .is_some_and(|u| !u.virtual_machines_allocated.is_empty())),
                    "{name}"
                );
            }
            "CapacityReservation_ListByReservationGroup" => {
                let page: Page<CapacityReservation> = body(path);
                assert!(
                    page.value
                        .iter()
                        .all(|r| r.sku.name.is_some() && r.sku.capacity.is_some()),
                    "{name}"
                );
            }
            "VirtualNetworkGet" => {
                let vnet: VirtualNetwork = body(path);
                assert!(vnet.location.is_some(), "{name}");
                assert_eq!(
                    vnet.properties.subnets[0]
                        .properties
                        .address_prefix
                        .as_deref(),
                    Some("10.0.1.0/24")
                );
            }
            "NetworkSecurityGroupGet" => {
                let nsg: GenericResource = body(path);
                assert!(nsg.location.is_some(), "{name}");
            }
            "PublicIpAddressGet" => {
                let ip: PublicIpAddress = body(path);
                assert!(
                    ip.properties
                        .ip_configuration
                        .is_some_and(|c| c.id.is_some()),
                    "{name}"
                );
            }
            "LoadBalancerGet" => {
                let lb: LoadBalancer = body(path);
                assert!(!lb.properties.backend_address_pools.is_empty(), "{name}");
            }
            "VirtualNetworkCheckIPAddressAvailability" => {
                let a: IpAddressAvailability = body(path);
                assert!(
                    !a.available && a.available_ip_addresses.len() == 5,
                    "{name}"
                );
            }
            // Not read: a subnet reads its network; groups are read one by
            // one; VMs and NICs come from the vault and Resources; Resource
            // Graph is not used.
            "SubnetGet"
            | "CapacityReservationGroup_ListByResourceGroup"
            | "TargetedCapacityReservation_Get"
            | "NetworkInterfaceGet"
            | "ResourcesFilterQuery" => continue,
            n if n.starts_with("VirtualMachine_") => continue,
            other => panic!("{other}: a new example; say what the inventory reads from it"),
        }
        read += 1;
    }
    assert_eq!(read, 10);
}

/// The property names of a definition in an excerpt, `allOf` parents
/// included (also for `azure_target`).
pub(crate) fn spec_keys(spec: &Value, definition: &str) -> BTreeSet<String> {
    let def = &spec["definitions"][definition];
    let mut names: BTreeSet<String> = def["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no definition {definition}"))
        .keys()
        .cloned()
        .collect();
    for parent in def["allOf"].as_array().into_iter().flatten() {
        let name = parent["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
        names.extend(spec_keys(spec, name));
    }
    names
}

/// The fields the types read, per excerpt definition. A field the client
/// reads must be in the schema: these are the renames a typo would break.
#[test]
fn the_fields_the_inventory_reads_are_the_excerpts() {
    let compute = read(&root().join("compute/spec-excerpt.json"));
    let network = read(&root().join("network/spec-excerpt.json"));
    let resources = read(&root().join("resources/spec-excerpt.json"));
    let checks: [(&Value, &str, &[&str]); 16] = [
        (&compute, "Usage", &["currentValue", "limit", "name"]),
        (&compute, "UsageName", &["value", "localizedValue"]),
        (
            &compute,
            "ResourceSku",
            &[
                "resourceType",
                "name",
                "family",
                "locations",
                "locationInfo",
                "capabilities",
                "restrictions",
            ],
        ),
        (&compute, "ResourceSkuLocationInfo", &["location", "zones"]),
        (
            &compute,
            "ResourceSkuRestrictions",
            &["type", "values", "restrictionInfo", "reasonCode"],
        ),
        (
            &compute,
            "ResourceSkuRestrictionInfo",
            &["locations", "zones"],
        ),
        (
            &compute,
            "CapacityReservationGroup",
            &["location", "zones", "properties"],
        ),
        (
            &compute,
            "CapacityReservationGroupInstanceView",
            &["capacityReservations"],
        ),
        (
            &compute,
            "CapacityReservationInstanceViewWithName",
            &["name", "utilizationInfo"],
        ),
        (
            &compute,
            "CapacityReservationUtilization",
            &["currentCapacity", "virtualMachinesAllocated"],
        ),
        (
            &compute,
            "CapacityReservation",
            &["name", "sku", "zones", "properties"],
        ),
        (
            &network,
            "Common.SubnetPropertiesFormat",
            &["addressPrefix", "addressPrefixes"],
        ),
        (
            &network,
            "Common.PublicIPAddressPropertiesFormat",
            &["ipConfiguration"],
        ),
        (
            &network,
            "Common.LoadBalancerPropertiesFormat",
            &["backendAddressPools"],
        ),
        (
            &network,
            "IPAddressAvailabilityResult",
            &["available", "availableIPAddresses"],
        ),
        (
            &resources,
            "GenericResourceExpanded",
            &["id", "name", "type", "location", "tags"],
        ),
    ];
    for (spec, definition, fields) in checks {
        let keys = spec_keys(spec, definition);
        for field in fields {
            assert!(
                keys.contains(*field),
                "{definition} has no `{field}`: {keys:?}"
            );
        }
    }
}
