//! Tests of the ARM route table: paths in; the route, its API, RBAC action
//! and methods out.

use super::*;

const GROUP: &str = "/subscriptions/s1/resourceGroups/rg-ne";

fn group() -> Group {
    Group {
        subscription: "s1".into(),
        name: "rg-ne".into(),
    }
}

#[test]
fn paths_name_routes_whatever_their_case() {
    let route = |p: &str| ArmRoute::parse(p);
    assert_eq!(
        route("/subscriptions/s1/providers/Microsoft.Compute/locations/northeurope/usages"),
        Some(ArmRoute::Usages {
            subscription: "s1".into(),
            location: "northeurope".into()
        })
    );
    assert_eq!(
        route("/SUBSCRIPTIONS/s1/PROVIDERS/microsoft.compute/SKUS/"),
        Some(ArmRoute::Skus {
            subscription: "s1".into()
        })
    );
    assert_eq!(
        route(&format!("{GROUP}/resources")),
        Some(ArmRoute::GroupResources(group()))
    );
    assert_eq!(route(GROUP), Some(ArmRoute::ResourceGroup(group())));
    assert_eq!(
        route(&format!(
            "{GROUP}/providers/microsoft.network/VIRTUALNETWORKS/vnet/subnets/app"
        )),
        Some(ArmRoute::Resource {
            group: group(),
            kind: Kind::VirtualNetwork,
            name: "vnet".into(),
            below: Below::Subnet("app".into())
        })
    );
    assert_eq!(
        route(&format!(
            "{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet/checkIPAddressAvailability"
        ))
        .map(|r| r.action()),
        Some("Microsoft.Network/virtualNetworks/checkIpAddressAvailability/read")
    );
    assert_eq!(
        route(&format!(
            "{GROUP}/providers/Microsoft.Compute/capacityReservationGroups/crg/capacityReservations/r1"
        ))
        .map(|r| r.api()),
        Some(Api::Compute)
    );
    assert_eq!(
        route("/Subscriptions/s1/").map(|r| (r.api(), r.action())),
        Some((Api::Subscriptions, "Microsoft.Resources/subscriptions/read"))
    );
    let vm = format!("{GROUP}/providers/Microsoft.Compute/virtualMachines/db-01");
    assert_eq!(
        route(&format!("{vm}/InstanceView")).map(|r| (r.action(), r.methods().to_vec())),
        Some((
            "Microsoft.Compute/virtualMachines/read",
            vec![axum::http::Method::GET]
        ))
    );
    assert_eq!(
        route(&format!("{vm}/powerOff")).map(|r| (r.action(), r.methods().to_vec())),
        Some((
            "Microsoft.Compute/virtualMachines/powerOff/action",
            vec![axum::http::Method::POST]
        ))
    );
    assert_eq!(
        route("/subscriptions/s1/providers/Microsoft.Compute/locations/ne/operations/OP-1"),
        Some(ArmRoute::ComputeOperation {
            subscription: "s1".into(),
            location: "ne".into(),
            id: "op-1".into()
        })
    );
    for unknown in [
        "/subscriptions",
        &format!("{vm}/start"),
        &format!("{GROUP}/providers/Microsoft.Network/virtualNetworks/v/powerOff"),
        "/subscriptions/s1/providers/Microsoft.Compute/locations/ne/quotas",
        &format!("{GROUP}/providers/Microsoft.Network/dnsZones/z"),
        &format!("{GROUP}/providers/Microsoft.Network/publicIPAddresses/p/subnets/x"),
        &format!("{GROUP}/providers/Microsoft.Compute/virtualMachines/vm/capacityReservations"),
        "/tenants/t/resources",
    ] {
        assert_eq!(route(unknown), None, "{unknown}");
    }
}

#[test]
fn api_versions_are_the_excerpts_and_later_well_formed_dates() {
    assert!(Api::Compute.accepts("2025-11-01"));
    assert!(Api::Compute.accepts("2026-03-01"));
    assert!(Api::Network.accepts("2026-01-01-preview"));
    assert!(Api::Skus.accepts("2021-07-01"));
    assert!(Api::Resources.accepts("2025-04-01"));
    for refused in [
        "2025-04-01",
        "2025-13-01",
        "2025-11-32",
        "2025-11-1",
        "latest",
        "2026-01-01-beta",
        "",
    ] {
        assert!(!Api::Compute.accepts(refused), "{refused}");
    }
    assert!(!Api::Network.accepts("2024-05-01"));
}

#[test]
fn ids_name_their_type() {
    assert_eq!(id_type(GROUP).as_deref(), Some("resourceGroups"));
    assert_eq!(
        id_type(&format!(
            "{GROUP}/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/be"
        ))
        .as_deref(),
        Some("Microsoft.Network/loadBalancers/backendAddressPools")
    );
    assert_eq!(
        id_type(&resource_id(&group(), Kind::PublicIp, "pip")).as_deref(),
        Some("Microsoft.Network/publicIPAddresses")
    );
    for bad in [
        "vnet",
        "subscriptions/s/resourceGroups/rg",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
        "/subscriptions/s/resourceGroups//providers/Microsoft.Network/virtualNetworks/v",
    ] {
        assert_eq!(id_type(bad), None, "{bad}");
    }
}
