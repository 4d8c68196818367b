//! Plans across vaults, through the binary: a plan whose `app` group sits
//! in another vault of another subscription runs the whole cycle against
//! `drplan emulator` (serving both vaults) and under `--simulate` (one
//! simulated vault each, each with its own state file); `status` and `jobs`
//! show both vaults; vaults in different tenants are refused before acting.

// Helpers outside `#[test]` functions fail with a message, as tests do.
#![allow(clippy::panic)]

use serde_json::Value;

use crate::azure_e2e::{CYCLE, Emulator};
use crate::support::sandbox::{Sandbox, assert_stream, ndjson, show, stderr, stdout};

const US_SUB: &str = "11111111-1111-1111-1111-111111111111";
const US_VAULT: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-dr-us/providers/Microsoft.RecoveryServices/vaults/us-vault";

const PLAN: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  defaults { retries 0 }
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  group db { vm sql-01, sql-02 }
  group app needs db {
    vault "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-dr-us/providers/Microsoft.RecoveryServices/vaults/us-vault"
    primary "eastus"
    recovery "westus"
    vm app-01, app-02
  }
}
"#;

fn json_of(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", show(out));
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}\n{}", show(out)))
}

/// Runs the cycle with `drplan(args)`; after each operation every VM of
/// both vaults is on its side, and status says which vault each is in.
fn cycle(drplan: &dyn Fn(&[&str]) -> std::process::Output, more: &[&str]) {
    for (op, side) in CYCLE {
        let mut args = vec!["run", op, "shop.drplan", "--format", "json"];
        args.extend(more);
        let out = drplan(&args);
        assert_eq!(out.status.code(), Some(0), "{op}: {}", show(&out));
        assert_stream(&ndjson(&stdout(&out)), "succeeded", op);
        let mut args = vec!["status", "shop.drplan", "--format", "json"];
        args.extend(more);
        let status = json_of(&drplan(&args));
        let vaults: Vec<&str> = status["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(vaults, [status["vault"].as_str().unwrap(), US_VAULT]);
        let items = status["items"].as_array().unwrap();
        assert_eq!(items.len(), 4, "{status}");
        for item in items {
            assert_eq!(item["active_location"], side, "after {op}: {item}");
            let in_us = item["group"] == "app";
            assert_eq!(
                item["vault"].as_str().unwrap().ends_with("/us-vault"),
                in_us,
                "{item}"
            );
        }
    }
    let mut args = vec!["jobs", "shop.drplan", "--format", "json", "--all"];
    args.extend(more);
    let jobs = json_of(&drplan(&args));
    let jobs = jobs["jobs"].as_array().unwrap();
    for vm in ["sql-01", "sql-02", "app-01", "app-02"] {
        for op in ["failover", "failback", "test-failover", "test-cleanup"] {
            let mine: Vec<&Value> = jobs
                .iter()
                .filter(|j| j["vm"] == vm && j["operation"] == op)
                .collect();
            assert_eq!(mine.len(), 1, "{vm} {op}: {jobs:?}");
            let vault = mine[0]["vault"].as_str().unwrap();
            assert_eq!(vault.ends_with("/us-vault"), vm.starts_with("app"), "{vm}");
        }
    }
    // The people's table names the vault beside each VM.
    let mut args = vec!["jobs", "shop.drplan"];
    args.extend(more);
    let out = drplan(&args);
    assert!(stdout(&out).contains("app-01 (us-vault)"), "{}", show(&out));
    assert!(
        stdout(&out).contains("sql-01 (shop-vault)"),
        "{}",
        show(&out)
    );
    let mut args = vec!["status", "shop.drplan"];
    args.extend(more);
    let out = drplan(&args);
    assert!(
        stdout(&out).contains("vaults shop-vault, us-vault"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_plan_across_two_emulated_vaults_runs_the_whole_cycle() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    cycle(&|args| emulator.drplan(&sandbox, args), &[]);
}

#[test]
fn a_plan_across_two_vaults_runs_the_whole_cycle_simulated() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    cycle(&|args| sandbox.output(args), &["--simulate"]);
    let dir = sandbox.drplan_dir();
    assert!(dir.join("shop.vault.json").is_file());
    assert!(dir.join("shop.us-vault.vault.json").is_file());
    // Each vault holds only its own VMs.
    let us = std::fs::read_to_string(dir.join("shop.us-vault.vault.json")).unwrap();
    assert!(us.contains("app-01") && !us.contains("sql-01"), "{us}");
}

#[test]
fn vaults_in_different_tenants_are_refused_before_acting() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let tenant = format!("{US_SUB}=99999999-9999-9999-9999-999999999999");
    let emulator = Emulator::start_with(&sandbox, None, None, &["--tenant", &tenant]);
    let out = emulator.drplan(&sandbox, &["run", "failover", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let said = stderr(&out);
    for what in [
        "different tenants",
        "shop-vault",
        US_VAULT,
        "99999999-9999-9999-9999-999999999999",
        drplan::emulator::DEFAULT_TENANT,
    ] {
        assert!(said.contains(what), "names {what}: {said}");
    }
    let out = emulator.drplan(
        &sandbox,
        &["run", "failover", "shop.drplan", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let error: Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "refused", "{error}");
    let status = emulator.drplan(&sandbox, &["status", "shop.drplan", "--format", "json"]);
    assert_eq!(
        status.status.code(),
        Some(3),
        "status refuses too: {}",
        show(&status)
    );
}

/// Appends the hook's group and regions to `regions.log` beside the plan.
const REGIONS: &str = "#!/bin/sh\n\
echo \"${DRPLAN_GROUP:-plan} $DRPLAN_PRIMARY $DRPLAN_RECOVERY\" >> \"$(dirname \"$0\")/regions.log\"\n";

#[test]
fn a_groups_hooks_see_its_own_regions_and_the_plans_hooks_the_plans() {
    let plan = PLAN
        .replace(
            "  group db { vm sql-01, sql-02 }",
            "  after failover { script \"regions.sh\" }\n  \
             group db { vm sql-01, sql-02  after failover { script \"regions.sh\" } }",
        )
        .replace(
            "    vm app-01, app-02\n",
            "    vm app-01, app-02\n    after failover { script \"regions.sh\" }\n",
        );
    let sandbox = Sandbox::with_plan("shop", &plan);
    crate::hardening_run::script(&sandbox, "regions.sh", REGIONS);
    let out = sandbox.run("failover", &["--simulate"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let log = std::fs::read_to_string(sandbox.path().join("regions.log")).unwrap();
    let mut lines: Vec<&str> = log.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "app eastus westus",
            "db westeurope northeurope",
            "plan westeurope northeurope"
        ],
        "{log}"
    );
}
