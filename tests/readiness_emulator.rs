//! Readiness and `configure` through the binary against `drplan emulator`,
//! the real Azure client reading the emulator's Compute, Network and
//! Resources APIs: the example plans' targets round-trip with no drift
//! after, and a world whose quota fits 6 of 10 VMs refuses the failover up
//! front, naming VM 7.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use serde_json::Value;

use crate::azure_e2e::Emulator;
use crate::support::sandbox::{Sandbox, show, stdout};

/// An example plan as `shop.drplan` (the emulator serves that name), with
/// the scripts it names.
fn example(name: &str) -> Sandbox {
    Sandbox::example(name, "shop")
}

fn drift(emulator: &Emulator, sandbox: &Sandbox) -> Vec<Value> {
    let out = emulator.drplan(
        sandbox,
        &[
            "run",
            "configure",
            "shop.drplan",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["readiness"]["ready"], true, "{report}");
    report["changes"].as_array().unwrap().clone()
}

#[test]
fn the_example_plans_targets_round_trip_through_the_emulator() {
    for name in ["contoso-web", "sap-estate"] {
        let sandbox = example(name);
        let emulator = Emulator::start(&sandbox, None);
        let before = drift(&emulator, &sandbox);
        assert!(
            !before.is_empty(),
            "{name}: items start as ASR sets them up"
        );
        let out = emulator.drplan(&sandbox, &["run", "configure", "shop.drplan", "--yes"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", show(&out));
        let after = drift(&emulator, &sandbox);
        assert!(
            after.is_empty(),
            "{name}: drift after configure: {after:#?}"
        );
        // The failover's readiness now finds no drift either.
        let out = emulator.drplan(
            &sandbox,
            &[
                "run",
                "failover",
                "shop.drplan",
                "--dry-run",
                "--online",
                "--format",
                "json",
            ],
        );
        let report: Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", show(&out)));
        let kinds: Vec<&str> = report["readiness"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert!(!kinds.contains(&"drift"), "{name}: {kinds:?}");
        assert!(!kinds.contains(&"unchecked"), "{name}: {report}");
        assert_eq!(report["readiness"]["blockers"], 0, "{name}: {report}");
    }
}

const TEN: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  group first {
    vm vm-01, vm-02, vm-03, vm-04, vm-05, vm-06
  }
  group second needs first {
    vm vm-07, vm-08, vm-09, vm-10
  }
}
"#;

#[test]
fn a_failover_that_would_exhaust_the_quota_at_vm_7_is_refused_against_the_emulator() {
    let sandbox = Sandbox::with_plan("shop", TEN);
    let world = r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 12, "usage": 0}}}}}"#;
    let emulator = Emulator::start_in(&sandbox, None, Some(world));
    let out = emulator.drplan(
        &sandbox,
        &[
            "run",
            "failover",
            "shop.drplan",
            "--dry-run",
            "--online",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let quota = report["readiness"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "quota")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(quota["details"]["vms_over"][0], "vm-07", "{quota}");
    assert_eq!(quota["details"]["free"], 12, "{quota}");
    let run = emulator.drplan(&sandbox, &["run", "failover", "shop.drplan", "--yes"]);
    assert_eq!(run.status.code(), Some(3), "{}", show(&run));
    let jobs = emulator.drplan(&sandbox, &["jobs", "shop.drplan", "--format", "json"]);
    let jobs: Value = serde_json::from_str(&stdout(&jobs)).unwrap();
    assert_eq!(jobs["total"], 0, "a refused failover starts no job: {jobs}");

    // A Compute read the identity may not make is a finding naming the permission.
    let denied = Emulator::start_in(
        &sandbox,
        Some(r#"{"http": {"deny": ["Microsoft.Compute/locations/usages/read"]}}"#),
        None,
    );
    let out = denied.drplan(
        &sandbox,
        &[
            "run",
            "failover",
            "shop.drplan",
            "--dry-run",
            "--online",
            "--format",
            "json",
        ],
    );
    let report: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}\n{}", show(&out)));
    let unchecked = report["readiness"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "unchecked")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        unchecked["details"]["permission"], "Microsoft.Compute/locations/usages/read",
        "{unchecked}"
    );
}
