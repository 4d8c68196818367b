//! `drplan export` through the binary: the example plans in each format
//! (offline, ids by convention) with their reports, reviewed as snapshots;
//! refusals; and `--apply` against `drplan emulator`, whose GET then answers
//! the same boot groups and actions.

use std::process::Output;

use serde_json::Value;

use crate::azure_e2e::Emulator;
use crate::support::sandbox::{Sandbox, show, stderr, stdout};

/// A sandbox holding `plans/NAME.drplan` and the hooks it runs.
fn example(name: &str) -> Sandbox {
    Sandbox::example(name, name)
}

fn export(sandbox: &Sandbox, args: &[&str]) -> Output {
    let plan = format!("{}.drplan", sandbox.stem());
    sandbox
        .drplan()
        .args(["export", &plan])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_example_plans_export_in_every_format_with_their_losses() {
    for name in ["contoso-web", "sap-estate"] {
        let sandbox = example(name);
        for format in ["json", "arm", "bicep"] {
            let out = export(&sandbox, &["--offline", "--format", format]);
            assert_eq!(out.status.code(), Some(0), "{}", show(&out));
            insta::assert_snapshot!(format!("export_{name}_{format}"), stdout(&out));
            if format == "json" {
                insta::assert_snapshot!(format!("export_{name}_report"), stderr(&out));
            }
        }
    }
}

#[test]
fn the_json_report_names_every_loss_and_the_rto_cost() {
    let sandbox = example("sap-estate");
    let out = export(
        &sandbox,
        &["--offline", "--report", "json", "-o", "rp.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(stdout(&out), "");
    let report: Value = serde_json::from_str(&stderr(&out)).unwrap();
    assert_eq!(report["schema"], "drplan.export/1");
    assert_eq!(report["ids"], "convention");
    assert_eq!(report["order_kept"], false);
    assert_eq!(report["boot_groups"].as_array().unwrap().len(), 7);
    assert_eq!(
        report["rto_cost_s"].as_i64().unwrap(),
        report["lowered_total_s"].as_i64().unwrap() - report["drplan_total_s"].as_i64().unwrap()
    );
    assert!(!report["lost_hooks"].as_array().unwrap().is_empty());
    let body: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path().join("rp.json")).unwrap())
            .unwrap();
    assert_eq!(body["properties"]["groups"].as_array().unwrap().len(), 9);
}

#[test]
fn a_simulator_plan_cannot_be_applied_and_a_multi_vault_plan_is_refused() {
    let sandbox = Sandbox::quickstart();
    let out = export(&sandbox, &["--apply"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("vault simulator"), "{}", show(&out));
    let vault = |name: &str| {
        format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/{name}"
        )
    };
    let two = Sandbox::with_plan(
        "two",
        &format!(
            "plan two {{\n  vault \"{}\"\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group a {{ vm a1 }}\n  group b {{ vault \"{}\"\n vm b1 }}\n}}\n",
            vault("one"),
            vault("other")
        ),
    );
    let out = export(&two, &["--offline"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("spans 2 vaults"), "{}", show(&out));
}

const SHOP: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  group db {
    vm sql-01, sql-02
    after failover, test { manual "Check the listener" }
  }
  group app needs db {
    vm app-01, app-02, app-03
    before failover { runbook "Warm-Cache" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr" } }
  }
}
"#;

#[tokio::test]
async fn apply_writes_the_plan_to_the_emulator_and_a_get_answers_the_same_groups() {
    let sandbox = Sandbox::with_plan("shop", SHOP);
    let emulator = Emulator::start(&sandbox, None);
    let out = emulator.drplan(&sandbox, &["export", "shop.drplan", "--apply"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        stderr(&out).contains("ids: read from the vault"),
        "{}",
        show(&out)
    );
    assert!(
        stderr(&out).contains("applied: recovery plan `shop`"),
        "{}",
        show(&out)
    );
    let sent: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let vault = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";
    let got = emulator
        .get_json(&format!(
            "{vault}/replicationRecoveryPlans/shop?api-version=2026-05-01"
        ))
        .await;
    assert_eq!(got["properties"]["groups"], sent["properties"]["groups"]);
    let items = got["properties"]["groups"][2]["replicationProtectedItems"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 2);
    // Read from the vault: the items' real ids and their VMs.
    assert!(
        items.iter().all(|i| i["virtualMachineId"].is_string()),
        "{got}"
    );
    assert_eq!(
        got["properties"]["groups"][3]["startGroupActions"][0]["customDetails"]["runbookId"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr/runbooks/Warm-Cache"
    );
    // Applying again updates the same plan.
    let again = emulator.drplan(&sandbox, &["export", "shop.drplan", "--apply"]);
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
}
