//! The rehearsal world: derived so that the plan fits, read through
//! [`Inventory`], filled and emptied by the simulator's failovers, edited
//! by the world file (also in the middle of a run), and failovers that do
//! not fit failing as ASR's do.

use std::net::Ipv4Addr;

use super::*;
use crate::plan::TagSelector;
use crate::provider::inventory::{Resource, RestrictionScope, TOTAL_CORES};
use crate::target::drift;

const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

pub(super) fn id(rest: &str) -> String {
    format!("{SUB}/resourceGroups/{rest}")
}

pub(super) fn net() -> String {
    id("rg-net-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne")
}

pub(super) fn test_net() -> String {
    id("rg-net-ne/providers/Microsoft.Network/virtualNetworks/vnet-test")
}

pub(super) fn crg() -> String {
    id("rg-shop-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne")
}

pub(super) fn pip() -> String {
    id("rg-shop-ne/providers/Microsoft.Network/publicIPAddresses/pip-app")
}

/// The shop plan with every kind of reference on `app-01`, an isolated
/// test network, and coverage by tag and resource group.
pub(super) fn rich_plan() -> Plan {
    let mut plan = plan();
    plan.test_network = Some(test_net());
    plan.coverage.tags.push(TagSelector {
        name: "app".into(),
        value: Some("shop".into()),
    });
    plan.coverage.resource_groups.push(id("rg-shop"));
    let t = &mut plan.groups[1].vms[0].target;
    t.resource_group = Some(id("rg-shop-ne"));
    t.network = Some(net());
    t.subnet = Some("app".into());
    t.ip = Some(Ipv4Addr::new(10, 2, 1, 4));
    t.test_subnet = Some("app-test".into());
    t.test_ip = Some(Ipv4Addr::new(10, 9, 1, 4));
    t.size = Some("Standard_D4s_v5".into());
    t.zone = Some(2);
    t.public_ip = Some(pip());
    t.nsg = Some(id(
        "rg-net-ne/providers/Microsoft.Network/networkSecurityGroups/nsg-app",
    ));
    t.load_balancer_pools = Some(vec![id(
        "rg-net-ne/providers/Microsoft.Network/loadBalancers/lb-app/backendAddressPools/web",
    )]);
    t.proximity_group = Some(id(
        "rg-shop-ne/providers/Microsoft.Compute/proximityPlacementGroups/ppg-ne",
    ));
    t.capacity_reservation = Some(crg());
    plan
}

pub(super) fn world(plan: &Plan, json: &str) -> World {
    World::derive(plan).edited(json).unwrap()
}

pub(super) async fn usage(sim: &Simulator, region: &str, counter: &str) -> (u64, u64) {
    let usages = sim.inventory().usages(region).await.unwrap();
    let u = usages.iter().find(|u| u.name == counter).unwrap();
    (u.current, u.limit)
}

/// Makes the vault's settings of `vm` what the plan says, as `drplan run
/// configure` would.
pub(super) async fn configure(sim: &Simulator, plan: &Plan, vm: &str) {
    let t = target(plan, vm);
    let wanted = plan
        .groups
        .iter()
        .flat_map(|g| &g.vms)
        .find(|v| v.name == vm)
        .unwrap()
        .target
        .clone();
    let changes = drift(&machine(sim, &t).await.target, &wanted);
    let id = sim.configure(&t, &changes).await.unwrap();
    assert_eq!(
        sim.follow(&id, &|_| {}).await.unwrap().state,
        JobState::Succeeded
    );
}

#[tokio::test(start_paused = true)]
async fn the_derived_world_holds_everything_the_plan_names_with_room() {
    let plan = rich_plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let inv = sim.inventory();
    let t = &plan.groups[1].vms[0].target;
    for reference in [
        t.resource_group.clone(),
        t.public_ip.clone(),
        t.nsg.clone(),
        t.proximity_group.clone(),
        t.load_balancer_pools.clone().map(|p| p[0].clone()),
        Some(id("rg-net-ne")),
    ] {
        let reference = reference.unwrap();
        assert!(
            inv.resource(&reference).await.unwrap().is_some(),
            "{reference}"
        );
    }
    let Some(Resource::Network { location, subnets }) = inv.resource(&net()).await.unwrap() else {
        panic!("no network");
    };
    assert_eq!(location, "northeurope");
    assert_eq!(subnets[0].name, "app");
    assert_eq!(subnets[0].prefixes, ["10.2.1.0/24"]);
    let Some(Resource::Network { subnets, .. }) = inv.resource(&test_net()).await.unwrap() else {
        panic!("no test network");
    };
    assert_eq!(subnets[0].prefixes, ["10.9.1.0/24"]);
    assert!(
        inv.ip_available(&net(), Ipv4Addr::new(10, 2, 1, 4))
            .await
            .unwrap()
            .available
    );
    let skus = inv.skus("North Europe").await.unwrap();
    let d4 = skus.iter().find(|s| s.name == "Standard_D4s_v5").unwrap();
    assert_eq!((d4.family.as_str(), d4.vcpus), ("standardDSv5Family", 4));
    assert!(d4.zones.contains(&"2".to_owned()) && d4.restrictions.is_empty());
    let Some(Resource::ReservationGroup { reservations, .. }) = inv.resource(&crg()).await.unwrap()
    else {
        panic!("no reservation group");
    };
    assert_eq!(reservations[0].size, "Standard_D4s_v5");
    assert_eq!(reservations[0].zone.as_deref(), Some("2"));
    assert!(reservations[0].capacity > reservations[0].used);
    let (current, limit) = usage(&sim, "northeurope", "standardDSv5Family").await;
    assert!(limit - current >= 4 * 3, "{current}/{limit}");
    let tagged = inv.vms_by_tag("app", Some("shop")).await.unwrap();
    assert_eq!(tagged.len(), 3);
    assert!(
        tagged
            .iter()
            .all(|vm| vm.location == "westeurope" && vm.tags.is_empty())
    );
    let in_group = inv.vms_in_resource_group(&id("rg-shop")).await.unwrap();
    let names: Vec<&str> = in_group.iter().map(|vm| vm.name.as_str()).collect();
    assert_eq!(names, ["db-01", "db-02", "app-01"]);
    assert_eq!(
        in_group[0].tags.get("app").map(String::as_str),
        Some("shop")
    );

    // Once configured, app-01 fails over into its reservation, not the quota.
    configure(&sim, &plan, "app-01").await;
    let before = usage(&sim, "northeurope", "standardDSv5Family").await;
    let app = target(&plan, "app-01");
    assert_eq!(
        run(&sim, &app, Operation::Failover).await.state,
        JobState::Succeeded
    );
    assert_eq!(
        usage(&sim, "northeurope", "standardDSv5Family").await,
        before
    );
    let Some(Resource::ReservationGroup { reservations, .. }) = inv.resource(&crg()).await.unwrap()
    else {
        panic!("no reservation group");
    };
    assert_eq!(reservations[0].used, 1);
    // A test failover into the plan's test network fits too, in the subnet
    // named or, without one, in the one ASR picks.
    let options = OperationOptions {
        test_network: plan.test_network.clone(),
        ..opts()
    };
    for vm in ["db-01", "db-02"] {
        let id = sim
            .start(&target(&plan, vm), Operation::TestFailover, &options)
            .await
            .unwrap();
        assert_eq!(
            sim.follow(&id, &|_| {}).await.unwrap().state,
            JobState::Succeeded
        );
    }
}

#[tokio::test(start_paused = true)]
async fn quota_follows_the_vms_the_simulator_creates_and_removes() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let fam = "standardDSv5Family";
    // Three D2s_v5 VMs run in the primary region.
    assert_eq!(usage(&sim, "westeurope", fam).await.0, 6);
    assert_eq!(usage(&sim, "northeurope", fam).await.0, 0);
    let db = target(&plan, "db-01");
    let id = sim.start(&db, Operation::Failover, &opts()).await.unwrap();
    // Counted from the job's start.
    assert_eq!(usage(&sim, "northeurope", fam).await.0, 2);
    assert_eq!(usage(&sim, "northeurope", TOTAL_CORES).await.0, 2);
    sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(usage(&sim, "westeurope", fam).await.0, 4);
    assert_eq!(usage(&sim, "northeurope", fam).await.0, 2);
    let app = target(&plan, "app-01");
    run(&sim, &app, Operation::TestFailover).await;
    assert_eq!(
        usage(&sim, "northeurope", fam).await.0,
        4,
        "the test VM counts"
    );
    assert_eq!(usage(&sim, "westeurope", fam).await.0, 4);
    run(&sim, &app, Operation::TestCleanup).await;
    assert_eq!(
        usage(&sim, "northeurope", fam).await.0,
        2,
        "until its cleanup"
    );
    run(&sim, &db, Operation::Commit).await;
    run(&sim, &db, Operation::Reprotect).await;
    assert_eq!(usage(&sim, "northeurope", fam).await.0, 2);
    run(&sim, &db, Operation::Failback).await;
    assert_eq!(usage(&sim, "northeurope", fam).await.0, 0);
    assert_eq!(usage(&sim, "westeurope", fam).await.0, 6);
}

#[tokio::test(start_paused = true)]
async fn world_file_edits_show_through_the_inventory_and_the_items() {
    let plan = rich_plan();
    let json = format!(
        r#"{{"regions": {{"North Europe": {{
              "quota": {{"standardDSv5Family": {{"limit": 40, "usage": 30}}, "standardXYZv9Family": {{"limit": 8}}}},
              "sizes": {{"Standard_E4s_v5": {{"offered": false}},
                         "Standard_F4s_v2": {{"restricted": true}},
                         "Standard_X8yz_v9": {{"zones": []}}}}}}}},
            "public_ips": {{"{pip}": {{"bound_to": "nic-9/ipConfigurations/ipconfig1"}}}},
            "used_ips": {{"{net}": ["10.2.1.4", "10.2.1.5"]}},
            "delete": ["{lb}"],
            "vms": [{{"name": "legacy-01", "resource_group": "{rg}", "tags": {{"app": "shop"}}}}],
            "items": {{"db-01": {{"target": {{"size": "Standard_E2s_v5"}},
                                 "last_test_failover": "2025-06-01T00:00:00Z"}}}}}}"#,
        pip = pip(),
        net = net(),
        lb = id("rg-net-ne/providers/Microsoft.Network/loadBalancers/lb-app"),
        rg = id("rg-legacy"),
    );
    let sim =
        Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(&plan, &json));
    let inv = sim.inventory();
    assert_eq!(
        usage(&sim, "northeurope", "standardDSv5Family").await,
        (30, 40)
    );
    assert_eq!(
        usage(&sim, "northeurope", "standardXYZv9Family").await,
        (0, 8)
    );
    let skus = inv.skus("northeurope").await.unwrap();
    assert!(!skus.iter().any(|s| s.name == "Standard_E4s_v5"));
    let f4 = skus.iter().find(|s| s.name == "Standard_F4s_v2").unwrap();
    assert_eq!(f4.restrictions[0].scope, RestrictionScope::Location);
    assert_eq!(f4.restrictions[0].reason, "NotAvailableForSubscription");
    let x8 = skus.iter().find(|s| s.name == "Standard_X8yz_v9").unwrap();
    assert_eq!((x8.family.as_str(), x8.vcpus), ("standardXYZv9Family", 8));
    assert!(
        inv.skus("westeurope")
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "Standard_E4s_v5")
    );
    assert_eq!(
        inv.resource(&pip()).await.unwrap(),
        Some(Resource::PublicIp {
            bound_to: Some("nic-9/ipConfigurations/ipconfig1".into())
        })
    );
    let taken = inv
        .ip_available(&net(), Ipv4Addr::new(10, 2, 1, 4))
        .await
        .unwrap();
    assert!(!taken.available);
    assert_eq!(taken.alternatives[0], Ipv4Addr::new(10, 2, 1, 6));
    assert!(
        !inv.ip_available(&net(), Ipv4Addr::new(10, 2, 1, 1))
            .await
            .unwrap()
            .available,
        "Azure keeps .1-.3"
    );
    let pool = plan.groups[1].vms[0]
        .target
        .load_balancer_pools
        .clone()
        .unwrap();
    assert_eq!(inv.resource(&pool[0]).await.unwrap(), None);
    let tagged = inv.vms_by_tag("app", None).await.unwrap();
    assert_eq!(tagged.len(), 4);
    assert_eq!(
        inv.vms_in_resource_group(&id("rg-legacy")).await.unwrap()[0].name,
        "legacy-01"
    );
    let db = machine(&sim, &target(&plan, "db-01")).await;
    assert_eq!(db.target.size.as_deref(), Some("Standard_E2s_v5"));
    assert_eq!(
        db.target.vm_name.as_deref(),
        Some("db-01"),
        "only the settings given change"
    );
    assert_eq!(
        db.last_test_failover.unwrap().to_string(),
        "2025-06-01T00:00:00.000Z"
    );
}
