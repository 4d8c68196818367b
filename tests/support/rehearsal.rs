//! The rehearsal the ARM tests of `drplan emulator` run in: the emulator
//! test plan with `target` settings for every VM (a capacity reservation,
//! a network with subnets, static IPs, public IPs, a load balancer's pool,
//! an NSG) and a `coverage` tag, served with a fault file and a world file;
//! and reads of its Compute, Network and Resources APIs.

// Helpers fail with a message, as tests do.
#![allow(clippy::panic)]

use drplan::plan::{Plan, TagSelector};
use reqwest::StatusCode;
use serde_json::Value;

use super::emulator::{Emu, plan};

pub(crate) const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
pub(crate) const RG_NE: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne";
pub(crate) const SHOP: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-emu";
pub(crate) const COMPUTE: &str = "api-version=2025-11-01";
pub(crate) const NETWORK: &str = "api-version=2025-09-01";
pub(crate) const RESOURCES: &str = "api-version=2025-04-01";

pub(crate) fn id(kind: &str, name: &str) -> String {
    format!("{RG_NE}/providers/{kind}/{name}")
}

pub(crate) fn net() -> String {
    id("Microsoft.Network/virtualNetworks", "vnet-ne")
}

pub(crate) fn crg() -> String {
    id("Microsoft.Compute/capacityReservationGroups", "crg-ne")
}

pub(crate) fn pip(n: u8) -> String {
    id(
        "Microsoft.Network/publicIPAddresses",
        &format!("pip-web-0{n}"),
    )
}

pub(crate) fn lb() -> String {
    id("Microsoft.Network/loadBalancers", "lb-ne")
}

pub(crate) fn nsg() -> String {
    id("Microsoft.Network/networkSecurityGroups", "nsg-web")
}

/// The emulator test plan with `target` settings for every VM and a
/// `coverage` tag, as the plan language writes them.
pub(crate) fn rehearsal() -> Plan {
    let mut plan = plan();
    plan.coverage.tags = vec![TagSelector {
        name: "app".into(),
        value: Some("shop".into()),
    }];
    for group in &mut plan.groups {
        for vm in &mut group.vms {
            let t = std::sync::Arc::make_mut(&mut vm.target);
            t.resource_group = Some(RG_NE.into());
            t.network = Some(net());
            match group.name.as_str() {
                "db" => {
                    t.subnet = Some("db".into());
                    t.size = Some("Standard_D4s_v5".into());
                    t.zone = Some(2);
                    t.capacity_reservation = Some(crg());
                }
                "app" => {
                    t.subnet = Some("app".into());
                    let n = vm.name.trim_start_matches("app-0").parse::<u8>().unwrap();
                    t.ip = Some(std::net::Ipv4Addr::new(10, 0, 1, 10 + n));
                }
                _ => {
                    t.subnet = Some("web".into());
                    let n = vm.name.trim_start_matches("web-0").parse::<u8>().unwrap();
                    t.public_ip = Some(pip(n));
                    t.load_balancer_pools = Some(vec![format!("{}/backendAddressPools/be", lb())]);
                    t.nsg = Some(nsg());
                }
            }
        }
    }
    plan
}

pub(crate) async fn start(faults: Option<&str>, world: Option<&str>) -> Emu {
    Emu::serving(&rehearsal(), faults, world).await
}

/// GETs a path (with its query) and returns the status and the JSON body.
pub(crate) async fn read(emu: &Emu, path_and_query: &str) -> (StatusCode, Value) {
    let response = emu.get(&format!("{}{path_and_query}", emu.base)).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn ok(emu: &Emu, path_and_query: &str) -> Value {
    let (status, body) = read(emu, path_and_query).await;
    assert_eq!(status, StatusCode::OK, "{path_and_query}: {body}");
    body
}

pub(crate) async fn source_vm(emu: &Emu, vm: &str) -> String {
    let item = emu.item(vm).await;
    item["properties"]["providerSpecificDetails"]["fabricObjectId"]
        .as_str()
        .unwrap()
        .to_owned()
}
