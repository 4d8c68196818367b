use super::*;
use crate::target::{Change, TargetSettings, drift};

const NET: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr/providers/Microsoft.Network";
const COMPUTE: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr/providers/Microsoft.Compute";

/// app-01 as an A2A item with target settings and two NICs, the second
/// one primary (field names as in the ASR excerpt's `A2AReplicationDetails`).
fn a2a(mut item: Value) -> Value {
    item["properties"]["providerSpecificDetails"] = json!({
        "instanceType": "A2A",
        "fabricObjectId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop/providers/Microsoft.Compute/virtualMachines/app-01",
        "recoveryAzureVMName": "app-01-dr",
        "recoveryAzureVMSize": "Standard_D2s_v5",
        "recoveryAzureResourceGroupId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr",
        "selectedRecoveryAzureNetworkId": format!("{NET}/virtualNetworks/vnet-ne"),
        "recoveryAvailabilityZone": "1",
        "recoveryAvailabilitySet": "",
        "recoveryProximityPlacementGroupId": format!("{COMPUTE}/proximityPlacementGroups/ppg"),
        "recoveryCapacityReservationGroupId": null,
        "vmNics": [
            {"nicId": "nic-secondary", "ipConfigs": [{"name": "ipconfig1", "isPrimary": false, "recoverySubnetName": "other"}]},
            {"nicId": "nic-primary", "recoveryNetworkSecurityGroupId": format!("{NET}/networkSecurityGroups/nsg-app"), "ipConfigs": [
                {"name": "secondary", "isPrimary": false, "recoveryStaticIPAddress": "10.2.1.99"},
                {"name": "ipconfig1", "isPrimary": true, "recoverySubnetName": "app", "recoveryStaticIPAddress": "10.2.1.4",
                 "tfoSubnetName": "drill", "tfoStaticIPAddress": "not-an-ip",
                 "recoveryPublicIPAddressId": format!("{NET}/publicIPAddresses/pip-app"),
                 "recoveryLBBackendAddressPoolIds": [format!("{NET}/loadBalancers/lb/backendAddressPools/web")]}
            ]}
        ]
    });
    item
}

fn idle() -> Value {
    a2a(protected("app-01", "item-app-01"))
}

#[test]
fn an_a2a_items_settings_become_the_machines_target() {
    let item: super::super::models::ProtectedItem = serde_json::from_value(idle()).unwrap();
    let machine = mapping::machine(&target("app-01"), &item);
    let t = &machine.target;
    assert_eq!(t.vm_name.as_deref(), Some("app-01-dr"));
    assert_eq!(t.size.as_deref(), Some("Standard_D2s_v5"));
    assert_eq!(
        t.resource_group.as_deref(),
        Some("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr")
    );
    assert_eq!(t.network, Some(format!("{NET}/virtualNetworks/vnet-ne")));
    // The primary NIC's primary IP configuration, not the first NIC.
    assert_eq!(t.subnet.as_deref(), Some("app"));
    assert_eq!(t.ip, Some("10.2.1.4".parse().unwrap()));
    assert_eq!(t.test_subnet.as_deref(), Some("drill"));
    // Not IPv4: left unset, not an error.
    assert_eq!(t.test_ip, None);
    assert_eq!(
        t.public_ip,
        Some(format!("{NET}/publicIPAddresses/pip-app"))
    );
    assert_eq!(
        t.load_balancer_pools,
        Some(vec![format!(
            "{NET}/loadBalancers/lb/backendAddressPools/web"
        )])
    );
    assert_eq!(t.nsg, Some(format!("{NET}/networkSecurityGroups/nsg-app")));
    assert_eq!(t.zone, Some(1));
    assert_eq!(t.availability_set, None);
    assert_eq!(
        t.proximity_group,
        Some(format!("{COMPUTE}/proximityPlacementGroups/ppg"))
    );
    assert_eq!(t.capacity_reservation, None);
    assert_eq!(
        machine.source_vm.as_deref(),
        Some(
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop/providers/Microsoft.Compute/virtualMachines/app-01"
        )
    );
}

/// A vault whose app-01 item is `before` until the update, then `after`;
/// the PATCH answers 202 with only `Azure-AsyncOperation`, as the example does.
async fn update_server(before: Value, after: Value) -> Server {
    let patched = Arc::new(AtomicUsize::new(0));
    Server::start(move |req| {
        let path = req.path.as_str();
        if path.ends_with("/replicationProtectedItems") {
            ok(json!({"value": [before.clone()]}))
        } else if req.method == "PATCH" {
            patched.fetch_add(1, Ordering::SeqCst);
            Answer::Http(
                202,
                vec![
                    (
                        "azure-asyncoperation",
                        format!(
                            "http://x{VAULT}/replicationOperationStatus/op-1?api-version=2026-05-01"
                        ),
                    ),
                    ("retry-after", "30".to_owned()),
                ],
                String::new(),
            )
        } else if path.ends_with("item-app-01") {
            if patched.load(Ordering::SeqCst) == 0 {
                ok(before.clone())
            } else {
                ok(after.clone())
            }
        } else if path.ends_with("/replicationJobs/upd-1") {
            let mut job = job_body("upd-1", "UpdateReplicationProtectedItem", "InProgress", &[]);
            job["properties"]["friendlyName"] = json!("Update replicated item");
            job["properties"]["targetObjectId"] = json!("item-app-01");
            job["properties"]["targetObjectName"] = json!("app-01");
            ok(job)
        } else {
            status(404, json!({"error": {"code": "NotFound", "message": path}}))
        }
    })
    .await
}

fn updating() -> Value {
    let mut item = idle();
    item["properties"]["currentScenario"] = json!({
        "scenarioName": "UpdateReplicationProtectedItem",
        "jobId": format!("{VAULT}/replicationJobs/upd-1")
    });
    item
}

/// The vault's settings with `f` applied: what the plan says.
fn plan_with(f: impl FnOnce(&mut TargetSettings)) -> Vec<Change> {
    let item: super::super::models::ProtectedItem = serde_json::from_value(idle()).unwrap();
    let vault = mapping::machine(&target("app-01"), &item).target;
    let mut plan = TargetSettings::default();
    f(&mut plan);
    drift(&vault, &plan)
}

/// The body of the one PATCH `changes` send.
async fn body_of(changes: &[Change]) -> Value {
    let server = update_server(idle(), updating()).await;
    let job = server
        .provider()
        .configure(&target("app-01"), changes)
        .await
        .unwrap();
    assert_eq!(job.0, "upd-1");
    let patches: Vec<Req> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    assert!(
        patches[0].path.ends_with("/item-app-01"),
        "{}",
        patches[0].path
    );
    assert!(patches[0].query.contains("api-version=2026-05-01"));
    patches[0].json()
}

#[tokio::test]
async fn top_level_changes_send_only_their_fields() {
    let changes = plan_with(|p| {
        p.size = Some("Standard_D4s_v5".into());
        p.vm_name = Some("app-01-dr".into()); // unchanged: not sent
        p.availability_set = Some(format!("{COMPUTE}/availabilitySets/as-app"));
    });
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {
            "recoveryAzureVMSize": "Standard_D4s_v5",
            "recoveryAvailabilitySetId": format!("{COMPUTE}/availabilitySets/as-app")
        }})
    );
    let changes = plan_with(|p| p.network = Some(format!("{NET}/virtualNetworks/vnet-2")));
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {"selectedRecoveryAzureNetworkId": format!("{NET}/virtualNetworks/vnet-2")}})
    );
}

#[tokio::test]
async fn ip_changes_name_the_primary_nic_and_its_primary_configuration() {
    let changes = plan_with(|p| {
        p.subnet = Some("app".into()); // unchanged: not sent
        p.ip = Some("10.2.1.5".parse().unwrap());
        p.test_ip = Some("10.9.1.5".parse().unwrap());
        p.load_balancer_pools = Some(vec![format!(
            "{NET}/loadBalancers/lb/backendAddressPools/api"
        )]);
    });
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {"vmNics": [{
            "nicId": "nic-primary",
            "ipConfigs": [{
                "ipConfigName": "ipconfig1",
                "isPrimary": true,
                "recoveryStaticIPAddress": "10.2.1.5",
                "tfoStaticIPAddress": "10.9.1.5",
                "recoveryLBBackendAddressPoolIds": [format!("{NET}/loadBalancers/lb/backendAddressPools/api")]
            }]
        }]}})
    );
}

#[tokio::test]
async fn an_nsg_change_sends_the_nic_without_ip_configurations() {
    let changes = plan_with(|p| p.nsg = Some(format!("{NET}/networkSecurityGroups/nsg-2")));
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {"vmNics": [{
            "nicId": "nic-primary",
            "recoveryNetworkSecurityGroupId": format!("{NET}/networkSecurityGroups/nsg-2")
        }]}})
    );
}

#[tokio::test]
async fn a2a_changes_go_in_the_provider_details() {
    let changes = plan_with(|p| {
        p.zone = Some(2);
        p.capacity_reservation = Some(format!("{COMPUTE}/capacityReservationGroups/crg"));
        p.proximity_group = Some(format!("{COMPUTE}/proximityPlacementGroups/PPG")); // same id, other case
    });
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {"providerSpecificDetails": {
            "instanceType": "A2A",
            "recoveryAvailabilityZone": "2",
            "recoveryCapacityReservationGroupId": format!("{COMPUTE}/capacityReservationGroups/crg")
        }}})
    );
    let changes = plan_with(|p| {
        p.resource_group =
            Some("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr-2".into());
    });
    assert_eq!(
        body_of(&changes).await,
        json!({"properties": {"providerSpecificDetails": {
            "instanceType": "A2A",
            "recoveryResourceGroupId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr-2"
        }}})
    );
}

#[tokio::test]
async fn the_accepted_update_is_followed_to_its_job_as_a_configure() {
    let server = update_server(idle(), updating()).await;
    let provider = server.provider();
    let changes = plan_with(|p| p.size = Some("Standard_D4s_v5".into()));
    let id = provider
        .configure(&target("app-01"), &changes)
        .await
        .unwrap();
    // 202 with only `Azure-AsyncOperation`: the item names the job.
    assert_eq!(id.0, "upd-1");
    let job = provider.job(&id).await.unwrap();
    assert_eq!(job.operation, Operation::Configure);
    assert_eq!(job.vm, "app-01");
    // Another process (a resumed run) infers it from the scenario.
    let job = server.provider().job(&id).await.unwrap();
    assert_eq!(job.operation, Operation::Configure);
}

#[tokio::test]
async fn an_item_mid_failover_or_busy_is_refused_and_nothing_is_sent() {
    let mut failed_over = a2a(item(
        "app-01",
        "item-app-01",
        "Recovery",
        &["Commit", "ChangePit"],
        None,
    ));
    failed_over["properties"]["protectionState"] =
        json!("UnplannedFailoverCommitPendingStatesBegin");
    for (before, why) in [
        (
            failed_over,
            "it is not active on the side configure starts from",
        ),
        (updating(), "job upd-1 is in progress on it"),
    ] {
        let server = update_server(before, Value::Null).await;
        let changes = plan_with(|p| p.size = Some("Standard_D4s_v5".into()));
        let err = server
            .provider()
            .configure(&target("app-01"), &changes)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ProviderError::NotAllowed { operation: Operation::Configure, reason, .. } if reason.contains(why)),
            "{err}"
        );
        assert_eq!(server.count("PATCH", "item-app-01"), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn an_update_with_an_unknown_outcome_is_found_on_the_item_never_resent() {
    // The answer to the PATCH is lost, but the update runs: the item shows its job.
    let changes = plan_with(|p| p.size = Some("Standard_D4s_v5".into()));
    let patched = Arc::new(AtomicUsize::new(0));
    let seen = patched.clone();
    let before = idle();
    let server = Server::start(move |req| {
        if req.path.ends_with("/replicationProtectedItems") {
            ok(json!({"value": [before.clone()]}))
        } else if req.method == "PATCH" {
            seen.fetch_add(1, Ordering::SeqCst);
            Answer::Hangup
        } else if req.path.ends_with("item-app-01") {
            ok(if seen.load(Ordering::SeqCst) == 0 {
                before.clone()
            } else {
                updating()
            })
        } else {
            status(404, json!({}))
        }
    })
    .await;
    let job = server
        .provider()
        .configure(&target("app-01"), &changes)
        .await
        .unwrap();
    assert_eq!(job.0, "upd-1");
    assert_eq!(patched.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_nic_setting_on_an_item_without_nics_is_refused_before_sending() {
    let mut bare = protected("app-01", "item-app-01");
    bare["properties"]["providerSpecificDetails"] = json!({"instanceType": "A2A"});
    let server = update_server(bare, Value::Null).await;
    let plan = TargetSettings {
        subnet: Some("app".into()),
        ..TargetSettings::default()
    };
    let changes = drift(&TargetSettings::default(), &plan);
    let err = server
        .provider()
        .configure(&target("app-01"), &changes)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no network interface") && err.contains("`subnet`"),
        "{err}"
    );
    assert_eq!(server.count("PATCH", "item-app-01"), 0);
    let err = server
        .provider()
        .configure(&target("app-01"), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no target setting differs"), "{err}");
}
