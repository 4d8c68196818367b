//! `drplan emulator`'s Compute, Network and Resources answers against
//! Microsoft's examples and the specification excerpts in the fixtures:
//! every field an example shows (but those listed as left out), none the
//! specification lacks.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::emulator::{assert_shape, example_keys, keys, spec_keys_in};
use crate::support::rehearsal::{
    COMPUTE, NETWORK, RESOURCES, SHOP, SUB, crg, lb, net, nsg, ok, pip, source_vm, start,
};

/// Checks `ours` against an example and a definition: `example` is a file
/// below `azure-api/` and a JSON pointer into its 200 body (`None`: no
/// example shows it), `left_out` the example's fields the emulator does not
/// show, `spec` a folder below `azure-api/` and a definition of its excerpt.
fn shape(
    what: &str,
    ours: &Value,
    example: Option<(&str, &str)>,
    left_out: &[&str],
    spec: (&str, &str),
) {
    let mut shown = match example {
        Some((file, at)) => example_keys(&format!("azure-api/{file}"), |v| {
            v["responses"]["200"]["body"]
                .pointer(at)
                .unwrap_or_else(|| panic!("{file} has nothing at {at}"))
        }),
        None => BTreeSet::new(),
    };
    for field in left_out {
        assert!(
            shown.remove(*field),
            "{what}: {field} is not in the example"
        );
    }
    let (folder, definition) = spec;
    let allowed = spec_keys_in(&format!("azure-api/{folder}/spec-excerpt.json"), definition);
    assert_shape(what, ours, &shown, &allowed);
}

const SKUS: &str = "compute/examples/skus/ListAvailableResourceSkusForARegion.json";
const GROUP: &str =
    "compute/examples/capacityReservationExamples/CapacityReservationGroup_Get.json";
const RESERVATION: &str =
    "compute/examples/capacityReservationExamples/TargetedCapacityReservation_Get.json";
const VM: &str = "compute/examples/virtualMachineExamples/VirtualMachine_Get.json";
const USAGES: &str = "compute/examples/computeRPCommonExamples/Usage_List_MaximumSet_Gen.json";

#[tokio::test]
async fn usages_and_skus_have_the_examples_fields_and_only_the_specifications() {
    let emu = start(None, None).await;
    let c = |d| ("compute", d);
    let usages = ok(
        &emu,
        &format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages?{COMPUTE}"),
    )
    .await;
    shape(
        "usage",
        &usages["value"][0],
        Some((USAGES, "/value/0")),
        &[],
        c("Usage"),
    );
    shape(
        "usage name",
        &usages["value"][0]["name"],
        None,
        &[],
        c("UsageName"),
    );

    let skus = ok(
        &emu,
        &format!("{SUB}/providers/Microsoft.Compute/skus?api-version=2021-07-01"),
    )
    .await;
    let sku = &skus["value"][0];
    shape("sku", sku, Some((SKUS, "/value/0")), &[], c("ResourceSku"));
    shape(
        "sku location",
        &sku["locationInfo"][0],
        Some((SKUS, "/value/0/locationInfo/0")),
        &[],
        c("ResourceSkuLocationInfo"),
    );
}

#[tokio::test]
async fn reservations_and_vms_have_the_examples_fields_and_only_the_specifications() {
    let emu = start(None, None).await;
    let c = |d| ("compute", d);
    let group = ok(&emu, &format!("{}?{COMPUTE}&$expand=instanceView", crg())).await;
    shape(
        "reservation group",
        &group,
        Some((GROUP, "")),
        &["tags"],
        c("CapacityReservationGroup"),
    );
    let properties = &group["properties"];
    shape(
        "its properties",
        properties,
        Some((GROUP, "/properties")),
        &["sharingProfile"],
        c("CapacityReservationGroupProperties"),
    );
    let view = &properties["instanceView"]["capacityReservations"][0];
    let at = "/properties/instanceView/capacityReservations/0";
    shape(
        "its view",
        view,
        Some((GROUP, at)),
        &[],
        c("CapacityReservationInstanceViewWithName"),
    );

    let list = ok(
        &emu,
        &format!(
            "{}/capacityReservations?{COMPUTE}&$expand=instanceView",
            crg()
        ),
    )
    .await;
    let reservation = &list["value"][0];
    shape(
        "reservation",
        reservation,
        Some((RESERVATION, "")),
        &["tags"],
        c("CapacityReservation"),
    );
    let properties = &reservation["properties"];
    shape(
        "its properties",
        properties,
        Some((RESERVATION, "/properties")),
        &[],
        c("CapacityReservationProperties"),
    );

    let vm = ok(
        &emu,
        &format!("{}?{COMPUTE}", source_vm(&emu, "db-01").await),
    )
    .await;
    shape(
        "vm",
        &vm,
        Some((VM, "")),
        &["etag", "resources", "managedBy"],
        c("VirtualMachine"),
    );
    shape(
        "vm properties",
        &vm["properties"],
        None,
        &[],
        c("VirtualMachineProperties"),
    );
}

const NET: &str = "network/examples/VirtualNetworkGet.json";
const SUBNET: &str = "network/examples/SubnetGet.json";
const NSG: &str = "network/examples/NetworkSecurityGroupGet.json";
const PIP: &str = "network/examples/PublicIpAddressGet.json";
const LB: &str = "network/examples/LoadBalancerGet.json";
const CHECK: &str = "network/examples/VirtualNetworkCheckIPAddressAvailability.json";

#[tokio::test]
async fn networks_and_nsgs_have_the_examples_fields_and_only_the_specifications() {
    let emu = start(None, None).await;
    let n = |d| ("network", d);
    let vnet = ok(&emu, &format!("{}?{NETWORK}", net())).await;
    shape(
        "network",
        &vnet,
        Some((NET, "")),
        &[],
        n("Common.VirtualNetwork"),
    );
    shape(
        "its properties",
        &vnet["properties"],
        Some((NET, "/properties")),
        &["defaultPublicNatGateway"],
        n("Common.VirtualNetworkPropertiesFormat"),
    );
    let subnet = ok(&emu, &format!("{}/subnets/app?{NETWORK}", net())).await;
    shape(
        "subnet",
        &subnet,
        Some((SUBNET, "")),
        &[],
        n("Common.Subnet"),
    );
    shape(
        "its properties",
        &subnet["properties"],
        Some((SUBNET, "/properties")),
        &[],
        n("Common.SubnetPropertiesFormat"),
    );

    let group = ok(&emu, &format!("{}?{NETWORK}", nsg())).await;
    shape(
        "nsg",
        &group,
        Some((NSG, "")),
        &[],
        n("Common.NetworkSecurityGroup"),
    );
    shape(
        "its properties",
        &group["properties"],
        Some((NSG, "/properties")),
        &[],
        n("Common.NetworkSecurityGroupPropertiesFormat"),
    );
    let rule = &group["properties"]["defaultSecurityRules"][0];
    shape(
        "default rule",
        rule,
        Some((NSG, "/properties/defaultSecurityRules/0")),
        &[],
        n("Common.SecurityRule"),
    );
}

#[tokio::test]
async fn ips_balancers_and_resources_have_the_examples_fields_and_only_the_specifications() {
    let emu = start(None, None).await;
    let n = |d| ("network", d);
    let ip = ok(&emu, &format!("{}?{NETWORK}", pip(1))).await;
    shape(
        "public ip",
        &ip,
        Some((PIP, "")),
        &[],
        n("Common.PublicIPAddress"),
    );
    let unshown = ["ddosSettings", "ipConfiguration", "ipTags"];
    shape(
        "its properties",
        &ip["properties"],
        Some((PIP, "/properties")),
        &unshown,
        n("Common.PublicIPAddressPropertiesFormat"),
    );

    let balancer = ok(&emu, &format!("{}?{NETWORK}", lb())).await;
    shape(
        "load balancer",
        &balancer,
        Some((LB, "")),
        &["etag"],
        n("Common.LoadBalancer"),
    );
    let properties = &balancer["properties"];
    shape(
        "its properties",
        properties,
        Some((LB, "/properties")),
        &["resourceGuid", "scope"],
        n("Common.LoadBalancerPropertiesFormat"),
    );
    let pool = &properties["backendAddressPools"][0];
    shape(
        "backend pool",
        pool,
        Some((LB, "/properties/backendAddressPools/0")),
        &["etag"],
        n("Common.BackendAddressPool"),
    );

    let check = ok(
        &emu,
        &format!(
            "{}/CheckIPAddressAvailability?{NETWORK}&ipAddress=10.0.1.30",
            net()
        ),
    )
    .await;
    shape(
        "ip availability",
        &check,
        Some((CHECK, "")),
        &[],
        n("IPAddressAvailabilityResult"),
    );

    let listed = ok(&emu, &format!("{SHOP}/resources?{RESOURCES}")).await;
    shape(
        "resource",
        &listed["value"][0],
        None,
        &[],
        ("resources", "GenericResourceExpanded"),
    );
    assert_eq!(
        keys(&listed),
        ["nextLink", "value"].map(String::from).into()
    );
}
