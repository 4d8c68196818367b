//! `drplan import` of a 100-VM ASR recovery plan: the goal is well under a
//! second from the saved JSON answer to the formatted plan text.
//!
//! - `import/offline_100`: `parse_recovery_plan` and `from_recovery_plan`
//!   without the vault's items (VMs named by their items), formatting and
//!   the compile that proves the output checks clean included.
//! - `import/with_items_100`: the same with the vault's 100 items read (as
//!   `--vault` gives them): friendly names, regions.
//!
//! The plan has 7 boot groups (ASR's most) of 14 or 15 VMs, a runbook, a
//! manual and a script action around each. Run: `cargo bench --bench import`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::interop::import::{self, VaultItem};
use serde_json::{Value, json};

const VMS: usize = 100;
const GROUPS: usize = 7;
const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/big-vault";
const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";

fn item_id(n: usize) -> String {
    format!(
        "{VAULT}/replicationFabrics/asr-a2a-default-westeurope/replicationProtectionContainers/asr-a2a-default-westeurope-container/replicationProtectedItems/item-{n:04}"
    )
}

fn action(name: &str, details: &Value) -> Value {
    json!({"actionName": name, "failoverTypes": ["PlannedFailover", "UnplannedFailover", "TestFailover"],
           "failoverDirections": ["PrimaryToRecovery", "RecoveryToPrimary"], "customDetails": details})
}

/// The GET answer of a recovery plan of `VMS` VMs.
fn plan_json() -> String {
    let mut groups = vec![
        json!({"groupType": "Shutdown", "replicationProtectedItems": []}),
        json!({"groupType": "Failover", "replicationProtectedItems": []}),
    ];
    for g in 0..GROUPS {
        let items: Vec<Value> = (0..VMS)
            .filter(|n| n % GROUPS == g)
            .map(|n| json!({"id": item_id(n), "virtualMachineId": format!("item-{n:04}")}))
            .collect();
        groups.push(json!({
            "groupType": "Boot",
            "replicationProtectedItems": items,
            "startGroupActions": [action(&format!("Drain {g}"), &json!({
                "instanceType": "AutomationRunbookActionDetails",
                "runbookId": format!("{ACCOUNT}/runbooks/Drain-{g}"), "timeout": "PT30M", "fabricLocation": "Recovery"}))],
            "endGroupActions": [
                action(&format!("Check {g}"), &json!({"instanceType": "ManualActionDetails", "description": "Check the tier"})),
                action(&format!("Index {g}"), &json!({"instanceType": "ScriptActionDetails", "path": "C:\\s\\index.ps1", "fabricLocation": "Primary"})),
            ],
        }));
    }
    json!({"name": "big", "id": format!("{VAULT}/replicationRecoveryPlans/big"),
           "properties": {"replicationProviders": ["A2A"], "groups": groups,
                          "primaryFabricId": format!("{VAULT}/replicationFabrics/asr-a2a-default-westeurope"),
                          "recoveryFabricId": format!("{VAULT}/replicationFabrics/asr-a2a-default-northeurope")}})
    .to_string()
}

fn items() -> Vec<VaultItem> {
    (0..VMS)
        .map(|n| VaultItem {
            id: item_id(n),
            name: format!("item-{n:04}"),
            friendly_name: Some(format!("vm-{n:03}")),
            provider: Some("A2A".into()),
            primary_region: Some("westeurope".into()),
            recovery_region: Some("northeurope".into()),
            ..VaultItem::default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = plan_json();
    let items = items();
    let path = Path::new("big.json");
    let mut group = c.benchmark_group("import");
    group.bench_function("offline_100", |b| {
        b.iter(|| {
            let plan = import::parse_recovery_plan(black_box(&text), path, None).unwrap();
            import::from_recovery_plan(&plan, None, None).unwrap().text
        });
    });
    group.bench_function("with_items_100", |b| {
        b.iter(|| {
            let plan = import::parse_recovery_plan(black_box(&text), path, None).unwrap();
            import::from_recovery_plan(&plan, Some(VAULT), Some(&items))
                .unwrap()
                .text
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
