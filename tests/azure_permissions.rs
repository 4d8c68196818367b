//! Least privilege, kept honest: the custom role in `drplan-role.json` holds
//! exactly the actions of the client's permissions table, and every request
//! the Azure client sends in the end-to-end flows has a row in that table,
//! the flows together needing every action of the role.
//!
//! The flows, against `drplan emulator` (served in this process, its world
//! derived from a plan whose targets name every kind of resource): the
//! readiness of a failover and a test failover, `configure`, then failover,
//! commit, reprotect, the shutdown of `failback { order shutdown_reversed }`
//! (twice: the second finds the VM stopped), failback, commit, reprotect,
//! test failover, cleanup, jobs, health and a failing runbook; then the
//! recovery plan `drplan export --apply` writes.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use drplan::emulator::{self, EmulatorOptions};
use drplan::graph::Operation;
use drplan::plan::Plan;
use drplan::provider::azure::permissions::{self, HttpMethod};
use drplan::provider::azure::{
    AzureOptions, AzureProvider, Credential, Endpoint, PollOptions, RequestLog, VaultReader,
};
use drplan::provider::{
    OperationOptions, PowerOff, Provider, RecoveryPoint, RunbookRequest, Target,
};
use drplan::source::SourceFile;
use drplan::target::drift;
use serde_json::{Value, json};
use tokio::sync::oneshot;

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";
const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";

const PLAN: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  coverage { tag "app=shop"  resource_group "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop" }
  defaults {
    target { resource_group "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne"
             network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne" }
  }
  group app {
    target { subnet "app"  ip "10.2.1.4"  size "Standard_D4s_v5"
             public_ip "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Network/publicIPAddresses/pip-app"
             nsg "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Network/networkSecurityGroups/nsg-app"
             load_balancer_pools ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/web"]
             availability_set "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Compute/availabilitySets/as-app"
             proximity_group "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Compute/proximityPlacementGroups/ppg"
             capacity_reservation "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg" }
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

/// What `drplan import` reads: the recovery plans (listed, and one read,
/// whether or not the vault has it) and the items.
async fn import_flows(base: &str, log: &RequestLog) {
    let endpoint = Endpoint {
        resource_manager: url::Url::parse(base).unwrap(),
        audience: base.to_owned(),
    };
    let reader = VaultReader::new(
        VAULT,
        &endpoint,
        Credential::fixed("test-token", "test token"),
        &AzureOptions::default(),
    )
    .unwrap()
    .with_request_log(log.clone());
    let _ = reader.get("shop-rp").await;
    assert!(!reader.protected_items().await.unwrap().is_empty());
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
        world: None,
        page_size: None,
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

/// The ASR cycle, jobs, health and a runbook.
async fn vault_flows(provider: &AzureProvider, plan: &Plan) {
    let targets = Target::all(plan);
    let app = &targets[0];
    let test_network = plan.test_network.clone();
    let options = OperationOptions {
        recovery_point: RecoveryPoint::LatestProcessed,
        shutdown_source: true,
        test_network: test_network.clone(),
        points: std::collections::BTreeMap::new(),
    };
    provider.machines(&targets).await.unwrap();
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
        if op == Operation::Failback {
            assert_eq!(provider.shutdown(app).await.unwrap(), PowerOff::Stopped);
            assert_eq!(
                provider.shutdown(app).await.unwrap(),
                PowerOff::AlreadyStopped
            );
        }
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

/// What `drplan export --apply` writes: the plan's recovery plan, created
/// and followed to its end.
async fn recovery_plan_flows(provider: &AzureProvider, plan: &Plan) {
    let found = provider.recovery_plan_items(plan).await.unwrap();
    let ids = drplan::interop::export::ids::ItemIds::from_vault(plan, VAULT, &found);
    let graph = drplan::graph::build(plan, Operation::Failover, None);
    let exported = drplan::interop::export::export(plan, &graph, &ids, "shop-rp");
    let answer = provider
        .put_recovery_plan(&exported.name, &exported.body)
        .await
        .unwrap();
    assert_eq!(answer["name"], "shop-rp", "{answer}");
}

/// What readiness reads for a failover and a test failover (quota, sizes,
/// every target reference, the static IP, coverage by tag and by resource
/// group), then `configure` of the plan's settings followed to its end.
async fn subscription_flows(provider: &AzureProvider, plan: &Plan) {
    // A plan across vaults reads each vault's tenant first.
    assert_eq!(provider.tenant().await.unwrap(), emulator::DEFAULT_TENANT);
    let now = drplan::clock::Clock::system().now();
    for op in [Operation::Failover, Operation::TestFailover] {
        let graph = drplan::graph::build(plan, op, None);
        let found = drplan::readiness::assess(plan, &graph, provider, None, now)
            .await
            .unwrap();
        let unchecked: Vec<_> = found
            .readiness
            .findings
            .iter()
            .filter(|f| f.kind == drplan::readiness::FindingKind::Unchecked)
            .collect();
        assert!(unchecked.is_empty(), "{op}: {unchecked:#?}");
        // The world derived from the plan holds every resource it names.
        let missing: Vec<_> = found
            .readiness
            .findings
            .iter()
            .filter(|f| f.kind == drplan::readiness::FindingKind::MissingResource)
            .collect();
        assert!(missing.is_empty(), "{op}: {missing:#?}");
    }
    let app = &Target::all(plan)[0];
    let vault = provider.machines(std::slice::from_ref(app)).await.unwrap();
    let changes = drift(&vault[0].target, &plan.groups[0].vms[0].target);
    assert!(
        !changes.is_empty(),
        "the emulator's item starts as ASR sets it up"
    );
    let job = provider.configure(app, &changes).await.unwrap();
    let job = provider.follow(&job, &|_| {}).await.unwrap();
    assert!(job.state.is_terminal(), "{job:?}");
    let after = provider.machines(std::slice::from_ref(app)).await.unwrap();
    assert!(
        drift(&after[0].target, &plan.groups[0].vms[0].target).is_empty(),
        "no drift after configure: {:?}",
        after[0].target
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_the_flows_is_in_the_role_and_they_need_all_of_it() {
    let plan = plan();
    let dir = tempfile::tempdir().unwrap();
    let log = RequestLog::new();
    let (emulator, _stop_emulator) = emulator(&plan, dir.path()).await;
    let provider = provider(&plan, &emulator, &log);
    subscription_flows(&provider, &plan).await;
    vault_flows(&provider, &plan).await;
    recovery_plan_flows(&provider, &plan).await;
    import_flows(&emulator, &log).await;

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
