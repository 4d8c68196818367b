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

fn id(rest: &str) -> String {
    format!("{SUB}/resourceGroups/{rest}")
}

fn net() -> String {
    id("rg-net-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne")
}

fn test_net() -> String {
    id("rg-net-ne/providers/Microsoft.Network/virtualNetworks/vnet-test")
}

fn crg() -> String {
    id("rg-shop-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne")
}

fn pip() -> String {
    id("rg-shop-ne/providers/Microsoft.Network/publicIPAddresses/pip-app")
}

/// The shop plan with every kind of reference on `app-01`, an isolated
/// test network, and coverage by tag and resource group.
fn rich_plan() -> Plan {
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

fn world(plan: &Plan, json: &str) -> World {
    World::derive(plan).edited(json).unwrap()
}

async fn usage(sim: &Simulator, region: &str, counter: &str) -> (u64, u64) {
    let usages = sim.inventory().usages(region).await.unwrap();
    let u = usages.iter().find(|u| u.name == counter).unwrap();
    (u.current, u.limit)
}

/// Makes the vault's settings of `vm` what the plan says, as `drplan run
/// configure` would.
async fn configure(sim: &Simulator, plan: &Plan, vm: &str) {
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
async fn the_seventh_of_ten_failovers_fails_as_asr_does_when_six_fit() {
    let names: Vec<String> = (1..=10).map(|i| format!("web-{i:02}")).collect();
    let plan = plan_from(&format!(
        "plan ten {{ vault simulator primary \"westeurope\" recovery \"northeurope\" group web {{ vm {} }} }}",
        names.join(", ")
    ));
    // Six D2s_v5 VMs fit in 12 vCPUs.
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(
        &plan,
        r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 12}}}}}"#,
    ));
    let all = targets(&plan);
    let mut ids = Vec::new();
    for t in &all {
        // Every start is accepted: the job fails, not the call.
        ids.push(sim.start(t, Operation::Failover, &opts()).await.unwrap());
    }
    let mut states = Vec::new();
    for id in &ids {
        states.push(sim.follow(id, &|_| {}).await.unwrap());
    }
    let ok = states
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count();
    assert_eq!(ok, 6);
    assert!(states[..6].iter().all(|j| j.state == JobState::Succeeded));
    let seventh = &states[6];
    assert_eq!(seventh.state, JobState::Failed);
    let error = &seventh.errors[0];
    assert_eq!(error.code.as_deref(), Some("28031"));
    assert!(
        error.message.contains(
            "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: northeurope, Current Limit: 12, Current Usage: 12, Additional Required: 2, (Minimum) New Limit Required: 14. (QuotaExceeded)"
        ),
        "{}",
        error.message
    );
    assert!(error.message.contains("'web-07'"), "{}", error.message);
    let action = error.recommended_action.as_deref().unwrap();
    assert!(action.contains("at least 14"), "{action}");
    assert!(
        error
            .possible_causes
            .as_deref()
            .unwrap()
            .contains("0 vCPUs")
    );
    // Failed jobs hold nothing, and the failed VMs are still in the primary region.
    assert_eq!(usage(&sim, "northeurope", "standardDSv5Family").await.0, 12);
    let m = machine(&sim, &all[6]).await;
    assert_eq!(m.active_location, Location::Primary);
    // A total-cores limit is named the way Azure names it.
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(
        &plan,
        r#"{"regions": {"northeurope": {"quota": {"cores": {"limit": 2, "usage": 1}}}}}"#,
    ));
    let job = run(&sim, &all[0], Operation::Failover).await;
    assert!(
        job.errors[0]
            .message
            .contains("exceeding approved Total Regional Cores quota")
            && job.errors[0]
                .message
                .contains("Current Limit: 2, Current Usage: 1"),
        "{:?}",
        job.errors
    );
}

/// The first error of a failover of `vm` in this world, after configuring
/// it as the rich plan says.
async fn failover_error(json: &str, vm: &str, op: Operation) -> crate::provider::JobError {
    let plan = rich_plan();
    let sim =
        Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(&plan, json));
    configure(&sim, &plan, vm).await;
    let options = OperationOptions {
        test_network: plan.test_network.clone(),
        ..opts()
    };
    let id = sim.start(&target(&plan, vm), op, &options).await.unwrap();
    let job = sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Failed, "{json}");
    job.errors[0].clone()
}

#[tokio::test(start_paused = true)]
async fn failovers_that_do_not_fit_fail_naming_the_size_reservation_or_resource() {
    let subnet = format!("{}/subnets/app", net());
    let cases: Vec<(String, Operation, &str, &str)> = vec![
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"offered": false}}}}}"#.into(),
            Operation::Failover,
            "28031",
            "Capacity Restrictions: Standard_D4s_v5' is currently not available in location 'northeurope' zones '2'. Please try another size",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"restricted_zones": [2]}}}}}"#.into(),
            Operation::Failover,
            "28031",
            "zones '2' for this subscription",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"zones": ["1", "3"]}}}}}"#.into(),
            Operation::TestFailover,
            "28031",
            "(SkuNotAvailable)",
        ),
        (
            format!(r#"{{"reservations": {{"{}": [{{"size": "Standard_D4s_v5", "zone": "2", "capacity": 2, "used": 2}}]}}}}"#, crg()),
            Operation::Failover,
            "28031",
            "has no room for another Standard_D4s_v5 VM: capacity 2, in use 2",
        ),
        (
            format!(r#"{{"delete": ["{subnet}"]}}"#),
            Operation::Failover,
            "28092",
            "/subnets/app referenced by the network interface of 'app-01' was not found",
        ),
        (
            format!(r#"{{"delete": ["{}/subnets/app-test"]}}"#, test_net()),
            Operation::TestFailover,
            "28092",
            "(InvalidResourceReference)",
        ),
        (
            format!(r#"{{"delete": ["{}"]}}"#, pip()),
            Operation::Failover,
            "28092",
            "The Resource 'Microsoft.Network/publicIPAddresses/pip-app' under resource group 'rg-shop-ne' was not found",
        ),
        (
            format!(r#"{{"public_ips": {{"{}": {{"bound_to": "/subscriptions/x/nic-other/ipConfigurations/ipconfig1"}}}}}}"#, pip()),
            Operation::Failover,
            "28092",
            "is already in use by /subscriptions/x/nic-other/ipConfigurations/ipconfig1",
        ),
        (
            format!(r#"{{"delete": ["{}"]}}"#, id("rg-shop-ne")),
            Operation::Failover,
            "28031",
            "Resource group 'rg-shop-ne' could not be found. (ResourceGroupNotFound)",
        ),
    ];
    for (json, op, code, expected) in cases {
        let error = failover_error(&json, "app-01", op).await;
        assert_eq!(error.code.as_deref(), Some(code), "{json}: {error:?}");
        assert!(
            error.message.contains(expected),
            "{json}: {}",
            error.message
        );
        assert!(error.possible_causes.is_some() && error.recommended_action.is_some());
    }
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

#[tokio::test(start_paused = true)]
async fn the_world_file_is_read_again_when_it_changes_mid_run() {
    let (dir, plan_path) = plan_dir();
    let plan = plan();
    let clock = Clock::test();
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let file = dir.path().join("shop.world.json");
    assert_eq!(
        run(&sim, &target(&plan, "db-01"), Operation::Failover)
            .await
            .state,
        JobState::Succeeded
    );
    // Someone takes the quota after the preflight.
    std::fs::write(
        &file,
        r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 2}}}}}"#,
    )
    .unwrap();
    let failed = run(&sim, &target(&plan, "db-02"), Operation::Failover).await;
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        failed.errors[0]
            .message
            .contains("Current Limit: 2, Current Usage: 2"),
        "{:?}",
        failed.errors
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        run(&sim, &target(&plan, "db-02"), Operation::Failover)
            .await
            .state,
        JobState::Succeeded
    );

    // An item's settings from the file apply once: configure may change them after.
    std::fs::write(
        &file,
        r#"{"items": {"app-01": {"target": {"size": "Standard_E2s_v5"}}}}"#,
    )
    .unwrap();
    let app = target(&plan, "app-01");
    assert_eq!(
        machine(&sim, &app).await.target.size.as_deref(),
        Some("Standard_E2s_v5")
    );
    let wanted = crate::target::TargetSettings {
        size: Some("Standard_D4s_v5".into()),
        ..Default::default()
    };
    let changes = drift(&machine(&sim, &app).await.target, &wanted);
    let id = sim.configure(&app, &changes).await.unwrap();
    sim.follow(&id, &|_| {}).await.unwrap();
    drop(sim);
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    assert_eq!(
        machine(&sim, &app).await.target.size.as_deref(),
        Some("Standard_D4s_v5")
    );
}

fn world_error(json: &str) -> String {
    let (dir, plan_path) = plan_dir();
    std::fs::write(dir.path().join("shop.world.json"), json).unwrap();
    let err = Simulator::open(&rich_plan(), &plan_path, Clock::test(), DEFAULT_SPEED).unwrap_err();
    let ProviderError::BadFile { path, message } = err else {
        panic!("{err}");
    };
    assert!(Path::new(&path).ends_with("shop.world.json"), "{path}");
    assert!(
        message.contains("fix the world file, or delete it"),
        "{message}"
    );
    message
}

#[tokio::test(start_paused = true)]
async fn bad_world_files_say_where_and_how_to_fix_them() {
    let asr_net = format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-shop-asx",
        id("rg-shop-asr")
    );
    let cases = [
        (
            r#"{"regions": {"northeurop": {}}}"#.to_owned(),
            "regions.northeurop: unknown region `northeurop` (did you mean `northeurope`?)",
        ),
        (
            r#"{"items": {"app-1": {"last_test_failover": "2025-01-01T00:00:00Z"}}}"#.to_owned(),
            "items.app-1: unknown VM `app-1` (did you mean `app-01`?); the plan's VMs are `db-01`, `db-02`, `app-01`",
        ),
        (
            r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limt": 3}}}}}"#.to_owned(),
            "regions.northeurope.quota.standardDSv5Family.limt: unknown field `limt`, expected `limit` or `usage`",
        ),
        (
            r#"{"regions": {"northeurope": {"quota": {"standardDSv5Famly": {"limit": 3}}}}}"#.to_owned(),
            "is not a quota counter (did you mean `standardDSv5Family`?)",
        ),
        (
            r#"{"items": {"app-01": {"target": {"sise": "Standard_D2s_v5"}}}}"#.to_owned(),
            "items.app-01.target.sise: unknown field `sise`",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"zones": ["4"]}}}}}"#.to_owned(),
            "regions.northeurope.sizes.Standard_D4s_v5.zones: zone `4` is not one of 1, 2, 3",
        ),
        (
            format!(r#"{{"used_ips": {{"{}": ["10.3.0.4"]}}}}"#, net()),
            "10.3.0.4 is in no subnet of the network (its prefixes: 10.2.1.0/24)",
        ),
        (
            format!(r#"{{"delete": ["{asr_net}"]}}"#),
            "delete[0]: the world has no resource",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_E4s_v5": {"offered": false, "vcpus": 4}}}}}"#.to_owned(),
            "removes the size; leave out its other fields",
        ),
        (r#"{"region": {}}"#.to_owned(), "unknown field `region`"),
        ("{".to_owned(), "EOF"),
    ];
    for (json, expected) in cases {
        let message = world_error(&json);
        assert!(message.contains(expected), "{json}: {message}");
    }
    let message = world_error(&format!(r#"{{"delete": ["{asr_net}"]}}"#));
    assert!(message.contains("(did you mean `"), "{message}");
    assert!(message.contains("vnet-shop-asr`?)"), "{message}");
}
