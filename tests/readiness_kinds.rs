//! Every finding kind through the binary: a world (or vault state) that has
//! the problem raises it, the same plan in a world that does not stays
//! silent. The plan is configured first, so the vault holds its settings
//! and was drilled yesterday, and the baseline has no finding at all.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::azure_e2e::Emulator;
use crate::support::sandbox::{Sandbox, show, stdout};

/// Where the plan's vault is: the simulated vault, or `drplan emulator`
/// reached through the Azure client.
enum Backend {
    Simulator,
    Emulator(Emulator),
}

impl Backend {
    fn run(&self, sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
        match self {
            Backend::Simulator => sandbox.output(args),
            Backend::Emulator(emulator) => emulator.drplan(sandbox, args),
        }
    }

    /// The world file this backend reads.
    fn world_file(&self) -> &'static str {
        match self {
            Backend::Simulator => "shop.world.json",
            Backend::Emulator(_) => "world.json",
        }
    }
}

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

fn id(rg: &str, kind: &str, name: &str) -> String {
    format!("{SUB}/resourceGroups/{rg}/providers/{kind}/{name}")
}

fn vnet() -> String {
    id("rg-net-ne", "Microsoft.Network/virtualNetworks", "vnet-ne")
}

fn crg() -> String {
    id(
        "rg-ne",
        "Microsoft.Compute/capacityReservationGroups",
        "crg-ne",
    )
}

fn plan(vault: &str) -> String {
    format!(
        r#"plan shop {{
  vault {vault}
  primary "westeurope"
  recovery "northeurope"
  objectives {{ rto 2h  rpo 15m  drill 90d }}
  test {{ network "{drill}" }}
  coverage {{ tag "app=shop" }}
  defaults {{
    target {{ resource_group "{SUB}/resourceGroups/rg-ne"  network "{vnet}" }}
  }}
  group db {{
    target {{ subnet "data"  size "Standard_D4s_v5" }}
    vm db-01 {{
      target {{ ip "10.2.1.4"  zone 1  test_subnet "data"  test_ip "10.9.1.4" }}
    }}
  }}
  group app needs db {{
    target {{ subnet "app"  size "Standard_D4s_v5"  capacity_reservation "{crg}" }}
    vm app-01 {{
      target {{ public_ip "{pip}" }}
    }}
  }}
}}
"#,
        drill = id(
            "rg-net-ne",
            "Microsoft.Network/virtualNetworks",
            "vnet-drill"
        ),
        vnet = vnet(),
        crg = crg(),
        pip = id(
            "rg-net-ne",
            "Microsoft.Network/publicIPAddresses",
            "pip-app"
        ),
    )
}

/// Yesterday, as the world file writes times.
fn yesterday() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now() - Duration::from_secs(86_400)).to_string()
}

/// The plan, configured (vault = plan), both VMs drilled yesterday.
fn configured(emulated: bool) -> (Sandbox, Backend) {
    let vault = if emulated {
        format!(
            "\"{SUB}/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault\""
        )
    } else {
        "simulator".to_owned()
    };
    let sandbox = Sandbox::with_plan("shop", &plan(&vault));
    let backend = if emulated {
        Backend::Emulator(Emulator::start_in(&sandbox, None, Some("{}")))
    } else {
        Backend::Simulator
    };
    write_world(&sandbox, &backend, &json!({}));
    let out = backend.run(&sandbox, &["run", "configure", "shop.drplan", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    (sandbox, backend)
}

/// The world file: `extra` over both VMs drilled yesterday.
fn write_world(sandbox: &Sandbox, backend: &Backend, extra: &Value) {
    let mut world = json!({"items": {
        "db-01": {"last_test_failover": yesterday()},
        "app-01": {"last_test_failover": yesterday()},
    }});
    merge(&mut world, extra);
    std::fs::write(
        sandbox.path().join(backend.world_file()),
        serde_json::to_string_pretty(&world).unwrap(),
    )
    .unwrap();
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// The findings of `op --dry-run --online`, as (kind, vm) pairs.
fn findings(
    sandbox: &Sandbox,
    backend: &Backend,
    op: &str,
) -> (Option<i32>, Vec<(String, String)>, Value) {
    let out = backend.run(
        sandbox,
        &[
            "run",
            op,
            "shop.drplan",
            "--dry-run",
            "--online",
            "--format",
            "json",
        ],
    );
    let report: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}\n{}", show(&out)));
    let list = report["readiness"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["vm"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    (out.status.code(), list, report)
}

#[test]
fn a_configured_and_drilled_plan_has_no_finding() {
    for emulated in [false, true] {
        let (sandbox, backend) = configured(emulated);
        for op in ["failover", "test-failover"] {
            let (code, list, report) = findings(&sandbox, &backend, op);
            assert_eq!(code, Some(0), "{op}: {report}");
            assert!(list.is_empty(), "{op} (emulated: {emulated}): {report}");
        }
    }
}

#[test]
fn each_world_problem_raises_its_kind_on_the_simulated_vault() {
    each_world_problem_raises_its_kind(false);
}

#[test]
fn each_world_problem_raises_its_kind_through_the_emulator() {
    each_world_problem_raises_its_kind(true);
}

fn each_world_problem_raises_its_kind(emulated: bool) {
    let pool = format!("{}/subnets/app", vnet());
    let cases: Vec<(&str, &str, Value, (&str, &str))> = vec![
        (
            "quota",
            "failover",
            json!({"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 2, "usage": 0}}}}}),
            ("quota", "-"),
        ),
        (
            "sku",
            "failover",
            json!({"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"restricted_zones": ["1"]}}}}}),
            ("sku", "db-01"),
        ),
        (
            "capacity_reservation",
            "failover",
            json!({"reservations": {crg(): [{"size": "Standard_D4s_v5", "capacity": 1, "used": 1}]}}),
            ("capacity_reservation", "app-01"),
        ),
        (
            "missing_resource",
            "failover",
            json!({"delete": [pool]}),
            ("missing_resource", "app-01"),
        ),
        (
            "ip_unavailable",
            "failover",
            json!({"used_ips": {vnet(): ["10.2.1.4"]}}),
            ("ip_unavailable", "db-01"),
        ),
        (
            "drift",
            "failover",
            json!({"items": {"db-01": {"target": {"size": "Standard_D2s_v5"}}}}),
            ("drift", "db-01"),
        ),
        (
            "coverage",
            "failover",
            json!({"vms": [{"name": "legacy-01", "resource_group": format!("{SUB}/resourceGroups/rg-shop"), "tags": {"app": "shop"}}]}),
            ("coverage", "-"),
        ),
        (
            "drill_stale",
            "failover",
            json!({"items": {"db-01": {"last_test_failover": "2020-01-01T00:00:00Z"}}}),
            ("drill_stale", "db-01"),
        ),
        (
            "test network",
            "test-failover",
            json!({"delete": [id("rg-net-ne", "Microsoft.Network/virtualNetworks", "vnet-drill")]}),
            ("missing_resource", "-"),
        ),
    ];
    for (what, op, world, expected) in cases {
        let (sandbox, backend) = configured(emulated);
        write_world(&sandbox, &backend, &world);
        let (_, list, report) = findings(&sandbox, &backend, op);
        assert!(
            list.iter()
                .any(|(k, vm)| k == expected.0 && vm == expected.1),
            "{what}: expected {expected:?} in {list:?}\n{report}"
        );
        // Only that problem: every finding is of the expected kind.
        assert!(
            list.iter().all(|(k, _)| k == expected.0),
            "{what}: other findings too: {list:?}"
        );
    }
}

#[test]
fn the_vaults_state_health_rpo_and_issues_are_findings() {
    let (sandbox, backend) = configured(false);
    std::fs::write(
        sandbox.path().join("shop.faults.json"),
        json!({
            "health": [{"vm": "db-01", "health": "warning", "kind": "subscription_quota",
                        "code": "150097", "message": "QuotaExceeded in northeurope"}],
            "rpo_s": {"app-01": 1500}
        })
        .to_string(),
    )
    .unwrap();
    let (code, list, report) = findings(&sandbox, &backend, "failover");
    assert_eq!(code, Some(0), "warnings only: {report}");
    for kind in ["health", "config", "rpo"] {
        assert!(list.iter().any(|(k, _)| k == kind), "{kind}: {report}");
    }
    let strict = sandbox.run("failover", &["--dry-run", "--online", "--strict"]);
    assert_eq!(strict.status.code(), Some(3), "{}", show(&strict));

    // After a failover of the first group, its VM is in no state to fail over.
    std::fs::remove_file(sandbox.path().join("shop.faults.json")).unwrap();
    let out = sandbox.run("failover", &["--group", "db", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let (code, list, _) = findings(&sandbox, &backend, "failover");
    assert_eq!(code, Some(3));
    assert!(
        list.contains(&("state".to_owned(), "db-01".to_owned())),
        "{list:?}"
    );
}
