//! Least privilege, kept honest: the custom role in `drplan-role.json` holds
//! exactly the actions of the client's permissions table, and every request
//! the Azure client sends in the end-to-end flows has a row in that table,
//! the flows together needing every action of the role.
//!
//! The flows: failover, commit, reprotect, failback, commit, reprotect,
//! test failover, cleanup, jobs, health, the test network and a failing
//! runbook against `drplan emulator` (served in this process); `configure`
//! and the inventory reads against `stand_in` below, a loopback server that
//! answers those paths with the smallest bodies the client reads, until the
//! emulator answers them too.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use drplan::emulator::{self, EmulatorOptions};
use drplan::graph::Operation;
use drplan::plan::Plan;
use drplan::provider::azure::permissions::{self, HttpMethod};
use drplan::provider::azure::{
    AzureOptions, AzureProvider, Credential, Endpoint, PollOptions, RequestLog,
};
use drplan::provider::{
    Inventory, OperationOptions, Provider, RecoveryPointChoice, RunbookRequest, Target,
};
use drplan::source::SourceFile;
use drplan::target::{TargetSettings, drift};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";
const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";
const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne";

const PLAN: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  group app {
    vm app-01
    before failback {
      runbook "Drain-AppServers" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr" }
    }
  }
}
"#;

fn role() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/drplan-role.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn role_actions() -> BTreeSet<String> {
    role()["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_role_holds_exactly_the_tables_actions_and_no_wildcard() {
    let role = role();
    let keys: BTreeSet<&str> = role
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "Name",
            "IsCustom",
            "Description",
            "Actions",
            "NotActions",
            "DataActions",
            "AssignableScopes"
        ])
    );
    assert_eq!(role["IsCustom"], true);
    assert!(!role["Name"].as_str().unwrap().is_empty());
    for empty in ["NotActions", "DataActions"] {
        assert_eq!(role[empty], json!([]), "{empty}");
    }
    assert!(!role["AssignableScopes"].as_array().unwrap().is_empty());
    let listed: Vec<&str> = role["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(listed, sorted, "Actions are sorted, each once");
    assert!(listed.iter().all(|a| !a.contains('*')), "no wildcard");
    let table: BTreeSet<String> = permissions::actions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let role = role_actions();
    assert_eq!(
        table.difference(&role).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rows whose action the role lacks"
    );
    assert_eq!(
        role.difference(&table).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "role actions no request needs"
    );
}

fn plan() -> Plan {
    let (plan, diags) = drplan::compile(&SourceFile::new("shop.drplan", PLAN));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

/// A provider of `vault` at `base`, quick to poll, recording in `log`.
fn provider(plan: &Plan, base: &str, log: &RequestLog) -> AzureProvider {
    let endpoint = Endpoint {
        resource_manager: url::Url::parse(base).unwrap(),
        audience: base.to_owned(),
    };
    let options = AzureOptions {
        poll: PollOptions {
            first: vec![Duration::from_millis(20)],
            steady: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(1),
        },
        ..AzureOptions::default()
    };
    AzureProvider::with_options(
        VAULT,
        plan,
        &endpoint,
        Credential::fixed("test-token", "test token"),
        options,
    )
    .unwrap()
    .with_request_log(log.clone())
}

/// Serves `router` on loopback until the sender is dropped.
async fn serve(router: Router) -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (base, stop)
}

/// `drplan emulator` for the plan, with app-01's runbook failing once (so
/// its error streams are read).
async fn emulator(plan: &Plan, dir: &std::path::Path) -> (String, oneshot::Sender<()>) {
    let faults = dir.join("faults.json");
    std::fs::write(
        &faults,
        r#"{"operations": [{"runbook": "Drain-AppServers", "effect": "fail", "times": 1, "message": "Drain timed out"}]}"#,
    )
    .unwrap();
    let options = EmulatorOptions {
        speed: 100_000.0,
        faults: Some(faults),
        state: Some(dir.join("vault.json")),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let emulator = emulator::Emulator::new(plan, &options).unwrap();
    assert_eq!(emulator.vault_id(), VAULT);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        emulator
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (base, stop)
}

/// The ASR cycle, jobs, health, the test network and a runbook.
async fn vault_flows(provider: &AzureProvider, plan: &Plan) {
    let targets = Target::all(plan);
    let app = &targets[0];
    let test_network = plan.test_network.clone();
    let options = OperationOptions {
        recovery_point: RecoveryPointChoice::LatestProcessed,
        shutdown_source: true,
        test_network: test_network.clone(),
    };
    provider.machines(&targets).await.unwrap();
    assert_eq!(
        provider
            .check_test_network(test_network.as_deref())
            .await
            .unwrap(),
        None
    );
    for op in [
        Operation::Failover,
        Operation::Commit,
        Operation::Reprotect,
        Operation::Failback,
        Operation::Commit,
        Operation::Reprotect,
        Operation::TestFailover,
        Operation::TestCleanup,
    ] {
        let id = provider
            .start(app, op, &options)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        let job = provider.follow(&id, &|_| {}).await.unwrap();
        assert!(job.state.is_terminal(), "{op}: {job:?}");
        provider.job(&id).await.unwrap();
    }
    assert!(!provider.jobs(&targets).await.unwrap().is_empty());
    provider.vault_health().await.unwrap();
    let outcome = provider
        .run_runbook(
            &RunbookRequest {
                account: ACCOUNT.to_owned(),
                runbook: "Drain-AppServers".to_owned(),
                params: std::collections::BTreeMap::new(),
            },
            &|_| {},
        )
        .await
        .unwrap();
    assert!(!outcome.succeeded, "{outcome:?}");
}

/// `configure` and every inventory read. Against the stand-in today;
/// against the emulator once it answers these paths.
async fn subscription_flows(provider: &AzureProvider, plan: &Plan) {
    let app = &Target::all(plan)[0];
    let vault = provider.machines(std::slice::from_ref(app)).await.unwrap();
    let wanted = TargetSettings {
        size: Some("Standard_D4s_v5".into()),
        subnet: Some("app".into()),
        ..TargetSettings::default()
    };
    let changes = drift(&vault[0].target, &wanted);
    provider.configure(app, &changes).await.unwrap();
    let net = format!("{RG}/providers/Microsoft.Network");
    let compute = format!("{RG}/providers/Microsoft.Compute");
    let inventory: &dyn Inventory = provider.inventory();
    inventory.usages("northeurope").await.unwrap();
    inventory.skus("northeurope").await.unwrap();
    for id in [
        RG.to_owned(),
        format!("{net}/virtualNetworks/vnet-ne/subnets/app"),
        format!("{net}/networkSecurityGroups/nsg-app"),
        format!("{net}/publicIPAddresses/pip-app"),
        format!("{net}/loadBalancers/lb/backendAddressPools/web"),
        format!("{compute}/capacityReservationGroups/crg"),
        format!("{compute}/availabilitySets/as-app"),
        format!("{compute}/proximityPlacementGroups/ppg"),
    ] {
        assert!(inventory.resource(&id).await.unwrap().is_some(), "{id}");
    }
    inventory
        .ip_available(
            &format!("{net}/virtualNetworks/vnet-ne"),
            "10.2.1.4".parse().unwrap(),
        )
        .await
        .unwrap();
    inventory.vms_by_tag("app", Some("shop")).await.unwrap();
    inventory.vms_in_resource_group(RG).await.unwrap();
}

/// app-01 as an A2A item with one NIC, idle until it is updated.
fn a2a_item(updating: bool) -> Value {
    let item = format!(
        "{VAULT}/replicationFabrics/weu/replicationProtectionContainers/weu-c/replicationProtectedItems/item-app-01"
    );
    let (scenario, job) = if updating {
        ("UpdateReplicationProtectedItem", "upd-1")
    } else {
        ("None", "None")
    };
    json!({"id": item, "name": "item-app-01", "properties": {
        "friendlyName": "app-01",
        "protectionState": "Protected",
        "activeLocation": "Primary",
        "allowedOperations": ["UnplannedFailover", "TestFailover"],
        "currentScenario": {"scenarioName": scenario, "jobId": format!("{VAULT}/replicationJobs/{job}")},
        "providerSpecificDetails": {"instanceType": "A2A", "recoveryAzureVMSize": "Standard_D2s_v5",
            "vmNics": [{"nicId": "nic-1", "ipConfigs": [{"name": "ipconfig1", "isPrimary": true}]}]}
    }})
}

/// Stands in for the Compute, Network and Resources routes and the item
/// update the emulator does not answer yet: the smallest bodies the client
/// reads, every resource existing.
fn stand_in() -> Router {
    let updated = Arc::new(std::sync::atomic::AtomicBool::new(false));
    Router::new().fallback(move |method: Method, uri: Uri| {
        let updated = updated.clone();
        async move {
            use std::sync::atomic::Ordering::SeqCst;
            let path = uri.path();
            let lists = ["/usages", "/skus", "/capacityReservations", "/resources"];
            let body = if method == Method::PATCH {
                updated.store(true, SeqCst);
                let status = format!(
                    "http://127.0.0.1{VAULT}/replicationOperationStatus/op-1?api-version=2026-05-01"
                );
                return (StatusCode::ACCEPTED, [("azure-asyncoperation", status)]).into_response();
            } else if path.ends_with("/replicationProtectedItems") {
                json!({"value": [a2a_item(updated.load(SeqCst))]})
            } else if path.ends_with("/item-app-01") {
                a2a_item(updated.load(SeqCst))
            } else if path.ends_with("/checkIPAddressAvailability") {
                json!({"available": true})
            } else if lists.iter().any(|l| path.ends_with(l)) {
                json!({"value": []})
            } else if path.starts_with(SUB) {
                json!({"id": path, "location": "northeurope"})
            } else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let response: Response = axum::Json(body).into_response();
            response
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_the_flows_is_in_the_role_and_they_need_all_of_it() {
    let plan = plan();
    let dir = tempfile::tempdir().unwrap();
    let log = RequestLog::new();
    let (emulator, _stop_emulator) = emulator(&plan, dir.path()).await;
    vault_flows(&provider(&plan, &emulator, &log), &plan).await;
    let (stand_in, _stop_stand_in) = serve(stand_in()).await;
    subscription_flows(&provider(&plan, &stand_in, &log), &plan).await;

    let mut needed = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for sent in log.sent() {
        match HttpMethod::of(&sent.method).and_then(|m| permissions::permission(m, &sent.path)) {
            Some(row) => {
                needed.insert(row.action.to_owned());
            }
            None => {
                unknown.insert(format!("{} {}", sent.method, sent.path));
            }
        }
    }
    assert!(unknown.is_empty(), "requests without a row: {unknown:#?}");
    let role = role_actions();
    assert_eq!(
        role.difference(&needed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "role actions no flow needed"
    );
    assert_eq!(needed, role);
}
