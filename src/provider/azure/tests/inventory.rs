//! The inventory reads against Microsoft's example answers (copied
//! verbatim from the Compute, Network and Resources excerpts into
//! `tests/fixtures/azure-api/`; Resources has no example, so its bodies are
//! written here in the excerpt's `GenericResourceExpanded` shape).

use super::*;
use crate::provider::Inventory;
use crate::provider::inventory::{Reservation, Resource, RestrictionScope, Subnet};

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ne";

macro_rules! example {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/azure-api/",
            $path
        ))
    };
}

/// The body of an example's `200` answer.
fn body(example: &str) -> Value {
    let v: Value = serde_json::from_str(example).unwrap();
    v["responses"]["200"]["body"].clone()
}

fn query(req: &Req) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query.as_bytes())
        .into_owned()
        .collect()
}

fn param(req: &Req, name: &str) -> Option<String> {
    query(req)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn usages_follow_next_link_in_the_vaults_subscription() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Server::start(move |req| {
        assert_eq!(
            req.path,
            format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages")
        );
        assert_eq!(param(req, "api-version").as_deref(), Some("2025-11-01"));
        if param(req, "page").is_some() {
            // The minimum example: a counter without names.
            ok(body(example!("compute/examples/computeRPCommonExamples/Usage_List_MinimumSet_Gen.json")))
        } else {
            let mut page = body(example!(
                "compute/examples/computeRPCommonExamples/Usage_List_MaximumSet_Gen.json"
            ));
            page["nextLink"] = json!(format!(
                "{}{SUB}/providers/Microsoft.Compute/locations/northeurope/usages?api-version=2025-11-01&page=2",
                b.lock().unwrap().trim_end_matches('/')
            ));
            ok(page)
        }
    })
    .await;
    *base.lock().unwrap() = server.base.clone();
    let usages = server.provider().usages("northeurope").await.unwrap();
    assert_eq!(usages.len(), 2);
    assert_eq!(usages[0].name, "aaaaaaaaaaaaaaaaaa");
    assert_eq!(usages[0].display, "aaaaaaaaaaaaaa");
    assert_eq!((usages[0].limit, usages[0].current), (19, 17));
    assert_eq!(usages[0].free(), 2);
    assert_eq!(usages[1].name, "");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn skus_keep_the_regions_vm_sizes_with_zones_and_restrictions() {
    let server = Server::start(|req| {
        assert_eq!(req.path, format!("{SUB}/providers/Microsoft.Compute/skus"));
        assert_eq!(param(req, "api-version").as_deref(), Some("2021-07-01"));
        assert_eq!(param(req, "$filter").as_deref(), Some("location eq 'westus'"));
        let mut page = body(example!("compute/examples/skus/ListAvailableResourceSkusForARegion.json"));
        let skus = page["value"].as_array_mut().unwrap();
        // The example shows no restriction and only VM sizes: add what the
        // schema allows (a zone restriction, a disk SKU, another region's).
        skus[1]["restrictions"] = json!([
            {"type": "Zone", "values": ["westus"], "restrictionInfo": {"locations": ["westus"], "zones": ["3"]}, "reasonCode": "NotAvailableForSubscription"},
            {"type": "Location", "values": ["westus"], "restrictionInfo": {"locations": ["westus"]}, "reasonCode": "QuotaId"},
            {"type": "Galaxy", "reasonCode": "Unknown"}
        ]);
        skus.push(json!({"resourceType": "disks", "name": "Premium_LRS", "locations": ["westus"]}));
        skus.push(json!({"resourceType": "virtualMachines", "name": "Standard_X", "locations": ["eastus"],
                         "capabilities": [{"name": "vCPUs", "value": "2"}]}));
        ok(page)
    })
    .await;
    let skus = server.provider().skus("westus").await.unwrap();
    let names: Vec<&str> = skus.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Standard_A0", "Standard_A1"]);
    let a0 = &skus[0];
    assert_eq!(a0.family, "standardA0_A7Family");
    assert_eq!(a0.vcpus, 1);
    assert_eq!(a0.zones, ["1", "2"]);
    assert!(a0.restrictions.is_empty());
    let a1 = &skus[1];
    assert_eq!(a1.zones, ["1", "2", "3"]);
    assert_eq!(a1.restrictions.len(), 2);
    assert_eq!(a1.restrictions[0].scope, RestrictionScope::Zone);
    assert_eq!(a1.restrictions[0].zones, ["3"]);
    assert_eq!(a1.restrictions[0].reason, "NotAvailableForSubscription");
    assert_eq!(a1.restrictions[1].scope, RestrictionScope::Location);
    assert_eq!(a1.restrictions[1].reason, "QuotaId");
}

/// A subscription holding the examples' resources under `rg-ne`; anything
/// else is a 404.
async fn resources_server() -> Server {
    Server::start(|req| {
        let p = req.path.strip_prefix(RG).unwrap_or(&req.path).to_owned();
        let api = param(req, "api-version").unwrap_or_default();
        let network = api == "2025-09-01";
        let compute = api == "2025-11-01";
        match p.as_str() {
            "/providers/Microsoft.Network/virtualNetworks/vnet-ne" if network => {
                ok(body(example!("network/examples/VirtualNetworkGet.json")))
            }
            "/providers/Microsoft.Network/networkSecurityGroups/nsg-app" if network => {
                ok(body(example!("network/examples/NetworkSecurityGroupGet.json")))
            }
            "/providers/Microsoft.Network/publicIPAddresses/pip-app" if network => {
                ok(body(example!("network/examples/PublicIpAddressGet.json")))
            }
            "/providers/Microsoft.Network/loadBalancers/lb" if network => {
                ok(body(example!("network/examples/LoadBalancerGet.json")))
            }
            "/providers/Microsoft.Compute/capacityReservationGroups/crg"
                if compute && param(req, "$expand").as_deref() == Some("instanceView") =>
            {
                ok(body(example!(
                    "compute/examples/capacityReservationExamples/CapacityReservationGroup_Get.json"
                )))
            }
            "/providers/Microsoft.Compute/capacityReservationGroups/crg/capacityReservations"
                if compute =>
            {
                let mut page = body(example!(
                    "compute/examples/capacityReservationExamples/CapacityReservation_ListByReservationGroup.json"
                ));
                // The example's names are placeholders; the group's view names them.
                page["value"][0]["name"] = json!("myCapacityReservation1");
                page["value"][1]["name"] = json!("MyCapacityReservation2");
                page["value"][1]["zones"] = json!([]);
                ok(page)
            }
            "/providers/Microsoft.Compute/availabilitySets/as-app" if compute => {
                ok(json!({"id": req.path, "name": "as-app", "location": "northeurope", "properties": {}}))
            }
            "" if api == "2025-04-01" => {
                ok(json!({"id": RG, "name": "rg-ne", "location": "northeurope", "properties": {"provisioningState": "Succeeded"}}))
            }
            _ => status(
                404,
                json!({"error": {"code": "ResourceNotFound", "message": format!("{} not found", req.path)}}),
            ),
        }
    })
    .await
}

#[tokio::test]
async fn target_references_read_what_they_are_or_none() {
    let server = resources_server().await;
    let provider = server.provider();
    let net = format!("{RG}/providers/Microsoft.Network");
    let subnet1 = Subnet {
        name: "subnet1".into(),
        prefixes: vec!["10.0.1.0/24".into()],
    };
    let vnet = Resource::Network {
        location: "westus".into(),
        subnets: vec![subnet1],
    };
    assert_eq!(
        provider
            .resource(&format!("{net}/virtualNetworks/vnet-ne"))
            .await
            .unwrap(),
        Some(vnet.clone())
    );
    // A subnet reads its network.
    assert_eq!(
        provider
            .resource(&format!("{net}/virtualNetworks/vnet-ne/subnets/subnet1"))
            .await
            .unwrap(),
        Some(vnet)
    );
    assert_eq!(
        provider
            .resource(&format!("{net}/networkSecurityGroups/nsg-app"))
            .await
            .unwrap(),
        Some(Resource::Other {
            location: Some("westus".into())
        })
    );
    assert_eq!(
        provider
            .resource(&format!("{net}/publicIPAddresses/pip-app"))
            .await
            .unwrap(),
        Some(Resource::PublicIp {
            bound_to: Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/testDNS649/ipConfigurations/ipconfig1".into()
            )
        })
    );
    // A backend pool reads its load balancer.
    assert_eq!(
        provider
            .resource(&format!("{net}/loadBalancers/lb/backendAddressPools/be-lb"))
            .await
            .unwrap(),
        Some(Resource::LoadBalancer {
            pools: vec![
                "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/be-lb".into()
            ]
        })
    );
    assert_eq!(
        provider.resource(RG).await.unwrap(),
        Some(Resource::Other {
            location: Some("northeurope".into())
        })
    );
    assert_eq!(
        provider
            .resource(&format!(
                "{RG}/providers/Microsoft.Compute/availabilitySets/as-app"
            ))
            .await
            .unwrap(),
        Some(Resource::Other {
            location: Some("northeurope".into())
        })
    );
    for gone in [
        format!("{net}/virtualNetworks/vnet-gone/subnets/app"),
        format!("{RG}/providers/Microsoft.Compute/proximityPlacementGroups/ppg"),
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-gone".to_owned(),
    ] {
        assert_eq!(provider.resource(&gone).await.unwrap(), None, "{gone}");
    }
    let err = provider
        .resource(&format!(
            "{RG}/providers/Microsoft.Compute/virtualMachines/vm"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a resource a target setting names"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reservation_group_comes_with_its_reservations_and_their_use() {
    let server = resources_server().await;
    let group = server
        .provider()
        .resource(&format!(
            "{RG}/providers/Microsoft.Compute/capacityReservationGroups/crg"
        ))
        .await
        .unwrap();
    assert_eq!(
        group,
        Some(Resource::ReservationGroup {
            location: "westus".into(),
            zones: vec!["1".into(), "3".into()],
            reservations: vec![
                Reservation {
                    name: "myCapacityReservation1".into(),
                    size: "Standard_DS1_v2".into(),
                    zone: Some("1".into()),
                    capacity: 4,
                    used: 2,
                },
                Reservation {
                    name: "MyCapacityReservation2".into(),
                    size: "Standard_A1_v2".into(),
                    zone: None,
                    capacity: 4,
                    used: 2,
                },
            ],
        })
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn ip_availability_reads_the_free_alternatives() {
    let server = Server::start(|req| {
        assert_eq!(
            req.path,
            format!("{RG}/providers/Microsoft.Network/virtualNetworks/vnet-ne/checkIPAddressAvailability")
        );
        assert_eq!(param(req, "ipAddress").as_deref(), Some("10.0.1.4"));
        assert_eq!(param(req, "api-version").as_deref(), Some("2025-09-01"));
        ok(body(example!("network/examples/VirtualNetworkCheckIPAddressAvailability.json")))
    })
    .await;
    let answer = server
        .provider()
        .ip_available(
            &format!("{RG}/providers/Microsoft.Network/virtualNetworks/vnet-ne"),
            "10.0.1.4".parse().unwrap(),
        )
        .await
        .unwrap();
    assert!(!answer.available);
    assert_eq!(answer.alternatives.len(), 5);
    assert_eq!(answer.alternatives[0].to_string(), "10.0.1.5");
}

fn listed(id: &str, kind: &str) -> Value {
    json!({"id": id, "name": id.rsplit('/').next().unwrap(), "type": kind, "location": "westeurope"})
}

#[tokio::test]
async fn vms_by_tag_filter_on_the_tag_and_keep_only_vms() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Server::start(move |req| {
        assert_eq!(req.path, format!("{SUB}/resources"));
        assert_eq!(param(req, "api-version").as_deref(), Some("2025-04-01"));
        if param(req, "$skiptoken").is_some() {
            return ok(json!({"value": [listed(&format!("{RG}/providers/Microsoft.Compute/virtualMachines/app-02"), "Microsoft.Compute/virtualMachines")]}));
        }
        let filter = param(req, "$filter").unwrap();
        assert!(
            filter == "tagName eq 'app' and tagValue eq 'shop''s'" || filter == "tagName eq 'app'",
            "{filter}"
        );
        ok(json!({
            "value": [
                listed(&format!("{RG}/providers/Microsoft.Compute/virtualMachines/app-01"), "microsoft.compute/virtualmachines"),
                listed(&format!("{RG}/providers/Microsoft.Network/networkInterfaces/app-01-nic"), "Microsoft.Network/networkInterfaces")
            ],
            "nextLink": format!("{}{SUB}/resources?api-version=2025-04-01&$skiptoken=x", b.lock().unwrap().trim_end_matches('/'))
        }))
    })
    .await;
    *base.lock().unwrap() = server.base.clone();
    let provider = server.provider();
    let vms = provider.vms_by_tag("app", Some("shop's")).await.unwrap();
    let names: Vec<&str> = vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["app-01", "app-02"]);
    assert_eq!(vms[0].location, "westeurope");
    assert!(vms[0].tags.is_empty());
    assert_eq!(provider.vms_by_tag("app", None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn vms_of_a_resource_group_filter_on_the_type() {
    let server = Server::start(|req| {
        assert_eq!(req.path, format!("{RG}/resources"));
        assert_eq!(
            param(req, "$filter").as_deref(),
            Some("resourceType eq 'Microsoft.Compute/virtualMachines'")
        );
        let mut vm = listed(
            &format!("{RG}/providers/Microsoft.Compute/virtualMachines/db-01"),
            "Microsoft.Compute/virtualMachines",
        );
        vm["tags"] = json!({"app": "shop"});
        ok(json!({"value": [vm]}))
    })
    .await;
    let provider = server.provider();
    let vms = provider.vms_in_resource_group(RG).await.unwrap();
    assert_eq!(vms.len(), 1);
    assert_eq!(vms[0].tags.get("app").map(String::as_str), Some("shop"));
    let err = provider
        .vms_in_resource_group(&format!(
            "{RG}/providers/Microsoft.Network/virtualNetworks/v"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a resource group id"), "{err}");
}
