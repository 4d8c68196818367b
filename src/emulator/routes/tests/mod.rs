//! The routes' unit tests: requests sent through the emulator's request
//! path (authentication, throttling, RBAC, api-version, routing, answer)
//! without a socket, with a stand-in inventory in place of the simulated
//! vault's world (see `arm` for the tests).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use serde_json::Value;

use super::super::{Connection, Emu, Emulator, EmulatorOptions};
use super::reply::{Reply, ReplyBody};
use crate::provider::inventory::{
    IpAvailability, Reservation, Resource, Sku, Subnet, SubscriptionVm, Usage,
};
use crate::provider::{Inventory, ProviderError};

/// An inventory standing in for the simulated vault's world.
#[derive(Clone)]
pub(crate) struct StandIn(pub(crate) Arc<dyn Inventory>);

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StandIn")
    }
}

impl StandIn {
    pub(crate) fn as_ref(&self) -> &dyn Inventory {
        self.0.as_ref()
    }
}

const SUB: &str = "/subscriptions/s1";
const RG: &str = "/subscriptions/s1/resourceGroups/rg-ne";
const NET: &str =
    "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne";
const CRG: &str = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne";
const LB: &str =
    "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/loadBalancers/lb-ne";
const PIP: &str =
    "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/publicIPAddresses/pip-ne";
const NSG: &str = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/networkSecurityGroups/nsg-ne";
const SHOP: &str = "/subscriptions/s1/resourceGroups/rg-shop";

/// A small subscription: a recovery group with a network, a reservation
/// group, a bound public IP, a load balancer and an NSG; a primary group
/// with five VMs, four of them tagged `app=shop`.
struct World;

fn vm(n: usize, tagged: bool) -> SubscriptionVm {
    let name = format!("app-{n:02}");
    SubscriptionVm {
        id: format!("{SHOP}/providers/Microsoft.Compute/virtualMachines/{name}"),
        name,
        location: "westeurope".into(),
        tags: if tagged {
            [("app".to_owned(), "shop".to_owned())].into()
        } else {
            BTreeMap::new()
        },
    }
}

fn vms() -> Vec<SubscriptionVm> {
    (1..=5).map(|n| vm(n, n != 3)).collect()
}

fn unavailable() -> ProviderError {
    ProviderError::Service("the world is down".into())
}

#[async_trait]
impl Inventory for World {
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError> {
        if region == "nowhere" {
            return Err(unavailable());
        }
        Ok(vec![Usage {
            name: "standardDSv5Family".into(),
            display: "Standard DSv5 Family vCPUs".into(),
            limit: 20,
            current: 8,
        }])
    }

    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError> {
        Ok(vec![Sku {
            name: format!("Standard_D4s_v5_{region}"),
            family: "standardDSv5Family".into(),
            vcpus: 4,
            zones: vec!["1".into(), "2".into(), "3".into()],
            restrictions: Vec::new(),
        }])
    }

    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError> {
        let is = |known: &str| id.eq_ignore_ascii_case(known);
        let other = |l: &str| Resource::Other {
            location: Some(l.into()),
        };
        Ok(if is(RG) {
            Some(other("northeurope"))
        } else if is(SHOP) {
            Some(other("westeurope"))
        } else if is(NET) {
            Some(Resource::Network {
                location: "northeurope".into(),
                subnets: vec![Subnet {
                    name: "app".into(),
                    prefixes: vec!["10.2.1.0/24".into()],
                }],
            })
        } else if is(CRG) {
            Some(Resource::ReservationGroup {
                location: "northeurope".into(),
                zones: vec!["2".into()],
                reservations: vec![Reservation {
                    name: "d4".into(),
                    size: "Standard_D4s_v5".into(),
                    zone: Some("2".into()),
                    capacity: 2,
                    used: 1,
                }],
            })
        } else if is(LB) {
            Some(Resource::LoadBalancer {
                pools: vec![format!("{LB}/backendAddressPools/be")],
            })
        } else if is(PIP) {
            Some(Resource::PublicIp {
                bound_to: Some("/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/networkInterfaces/other/ipConfigurations/ipconfig1".into()),
            })
        } else if is(NSG) {
            Some(Resource::Other { location: None })
        } else {
            None
        })
    }

    async fn ip_available(
        &self,
        _network: &str,
        ip: Ipv4Addr,
    ) -> Result<IpAvailability, ProviderError> {
        let taken = ip == Ipv4Addr::new(10, 2, 1, 4);
        Ok(IpAvailability {
            available: !taken,
            alternatives: if taken {
                vec![Ipv4Addr::new(10, 2, 1, 5)]
            } else {
                Vec::new()
            },
        })
    }

    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Ok(vms()
            .into_iter()
            .filter(|vm| {
                vm.tags
                    .get(name)
                    .is_some_and(|v| value.is_none_or(|want| want == v))
            })
            .collect())
    }

    async fn vms_in_resource_group(
        &self,
        group: &str,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Ok(vms()
            .into_iter()
            .filter(|vm| {
                vm.id
                    .to_ascii_lowercase()
                    .starts_with(&format!("{}/", group.to_ascii_lowercase()))
            })
            .collect())
    }
}

fn emulator(faults: Option<&str>) -> (Emulator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let faults = faults.map(|text| {
        let path = dir.path().join("faults.json");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    });
    let text = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a, b }\n}\n";
    let (plan, diags) = crate::compile(&crate::source::SourceFile::new("p.drplan", text));
    let plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
    let options = EmulatorOptions {
        speed: 100_000.0,
        faults,
        state: None,
        world: None,
        page_size: None,
    };
    let mut emulator = Emulator::new(&plan, &options).unwrap_or_else(|e| panic!("{e}"));
    if let Some(emu) = Arc::get_mut(&mut emulator.state) {
        emu.inventory = Some(StandIn(Arc::new(World)));
    }
    (emulator, dir)
}

/// Sends a request as a client would; the status and JSON body back.
async fn send(emu: &Emu, method: Method, path_and_query: &str, body: &str) -> Reply {
    let local: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let conn = Connection::to_self(local);
    let uri: Uri = path_and_query.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
    emu.answer(&conn, &method, &uri, &headers, body.as_bytes())
        .await
}

async fn get(emu: &Emu, path_and_query: &str) -> (u16, Value) {
    let reply = send(emu, Method::GET, path_and_query, "").await;
    (reply.status.as_u16(), json_of(&reply))
}

fn json_of(reply: &Reply) -> Value {
    match &reply.body {
        ReplyBody::Json(v) => v.clone(),
        _ => Value::Null,
    }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

mod arm;
