//! Export, `drplan emulator` and import together, through the binary: a
//! plan exported with `--apply` and imported back from the vault has the
//! same groups, order and actions; a recovery plan written by a plain HTTP
//! client (as the portal would) imports to a plan that checks clean; an
//! unknown recovery plan's name is refused with the vault's plans listed;
//! and a first plan from a vault's items has a group per consistency group.

// A helper fails the test with what it compiled.
#![allow(clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use drplan::plan::{HookAction, Plan};
use drplan::source::SourceFile;
use serde_json::{Value, json};

use crate::azure_e2e::Emulator;
use crate::support::sandbox::{Sandbox, show, stderr, stdout};

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";
const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";

/// Three groups in a chain, with the hooks ASR can hold as actions (runbooks
/// and manual steps), in failover, test and failback phases.
fn shop() -> String {
    format!(
        r#"plan shop {{
  vault "{VAULT}"
  primary "westeurope"
  recovery "northeurope"
  group db {{
    vm sql-01, sql-02
    after failover, test {{ manual "Check the listener" }}
  }}
  group app needs db {{
    vm app-01, app-02
    before failover {{ runbook "Warm-Cache" {{ account "{ACCOUNT}" }} }}
    after failback {{ manual "Ask the shop team to confirm users are back" }}
  }}
  group web needs app {{
    vm web-01
    after failover {{ runbook "Switch-Dns" {{ account "{ACCOUNT}" }} }}
  }}
}}
"#
    )
}

/// A group as a round trip must keep it: its VMs, the groups it needs (by
/// position) and its hooks as (before/after, phase, action) triples.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    vms: BTreeSet<String>,
    needs: BTreeSet<usize>,
    hooks: BTreeSet<(String, String, String)>,
}

fn shapes(plan: &Plan) -> Vec<Shape> {
    plan.groups
        .iter()
        .map(|g| Shape {
            vms: g.vms.iter().map(|v| v.name.clone()).collect(),
            needs: g.needs.iter().copied().collect(),
            hooks: g
                .hooks
                .iter()
                .flat_map(|block| {
                    block.phases.iter().flat_map(move |phase| {
                        block.hooks.iter().map(move |hook| {
                            let action = match &hook.action {
                                HookAction::Runbook { name, account, .. } => {
                                    format!("runbook {name} in {account}")
                                }
                                HookAction::Manual { instructions } => {
                                    format!("manual {instructions}")
                                }
                                other => format!("{other:?}"),
                            };
                            (
                                format!("{:?}", block.when),
                                phase.as_str().to_owned(),
                                action,
                            )
                        })
                    })
                })
                .collect(),
        })
        .collect()
}

/// Compiles text that must check clean (warnings allowed); the plan.
fn compiles_clean(name: &str, text: &str) -> Plan {
    let (plan, diagnostics) = drplan::compile(&SourceFile::new(name, text));
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    plan.unwrap_or_else(|| panic!("{diagnostics:?}\n{text}"))
}

/// The emulator serving `text` as `shop.drplan`, with the plan exported
/// to it as the recovery plan `shop-rp` (`export --apply`).
fn applied(text: &str) -> (Sandbox, Emulator) {
    let sandbox = Sandbox::with_plan("shop", text);
    let emulator = Emulator::start(&sandbox, None);
    let out = emulator.drplan(
        &sandbox,
        &["export", "shop.drplan", "--apply", "--name", "shop-rp"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    (sandbox, emulator)
}

#[test]
fn export_apply_then_import_gives_back_the_same_groups_and_actions() {
    let text = shop();
    let (sandbox, emulator) = applied(&text);

    let out = emulator.drplan(
        &sandbox,
        &[
            "import",
            "--vault",
            VAULT,
            "--recovery-plan",
            "shop-rp",
            "-o",
            "back.drplan",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let back = std::fs::read_to_string(sandbox.path().join("back.drplan")).unwrap();
    let imported = compiles_clean("back.drplan", &back);
    let original = compiles_clean("shop.drplan", &text);
    assert_eq!(shapes(&imported), shapes(&original), "{back}");
    assert_eq!(imported.vault_of(0), original.vault_of(0), "{back}");
    assert_eq!(
        (imported.primary.as_str(), imported.recovery.as_str()),
        ("westeurope", "northeurope")
    );

    // The imported plan checks clean through the binary too, and its
    // export is the same recovery plan: a second round trip changes nothing.
    let out = sandbox
        .drplan()
        .args(["check", "back.drplan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let first = emulator.drplan(
        &sandbox,
        &["export", "shop.drplan", "--offline", "--name", "rp"],
    );
    let second = emulator.drplan(
        &sandbox,
        &["export", "back.drplan", "--offline", "--name", "rp"],
    );
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    assert_eq!(second.status.code(), Some(0), "{}", show(&second));
    // Action names are made from group names, which ASR's groups lack.
    let groups = |out: &std::process::Output| -> Value {
        let mut body: Value = serde_json::from_str(&stdout(out)).unwrap();
        for group in body["properties"]["groups"].as_array_mut().unwrap() {
            for actions in ["startGroupActions", "endGroupActions"] {
                for action in group[actions].as_array_mut().unwrap() {
                    action.as_object_mut().unwrap().remove("actionName");
                }
            }
        }
        body["properties"]["groups"].clone()
    };
    assert_eq!(groups(&first), groups(&second));
}

#[test]
fn an_unknown_recovery_plan_is_refused_naming_the_vaults_plans() {
    let (sandbox, emulator) = applied(&shop());
    let out = emulator.drplan(
        &sandbox,
        &["import", "--vault", VAULT, "--recovery-plan", "shop-pr"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = stderr(&out);
    assert!(
        err.contains("has no recovery plan `shop-pr`") && err.contains("it has shop-rp"),
        "{}",
        show(&out)
    );
    assert!(stdout(&out).is_empty(), "{}", show(&out));
}

/// The vault's items by VM name (`friendlyName`), as the portal lists them,
/// every page.
async fn vault_items(emulator: &Emulator) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    let mut next = Some(format!(
        "{VAULT}/replicationProtectedItems?api-version=2026-05-01"
    ));
    while let Some(url) = next {
        let page = emulator.get_json(&url).await;
        for i in page["value"].as_array().unwrap() {
            items.insert(
                i["properties"]["friendlyName"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().to_owned(),
            );
        }
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    items
}

#[tokio::test]
async fn a_plan_written_over_plain_http_imports_to_a_plan_that_checks_clean() {
    let sandbox = Sandbox::with_plan("shop", &shop());
    let emulator = Emulator::start(&sandbox, None);
    let items = vault_items(&emulator).await;
    let item = |vm: &str| items[vm].clone();
    let manual = |name: &str, text: &str, types: &[&str]| {
        json!({"actionName": name, "failoverTypes": types,
               "failoverDirections": ["PrimaryToRecovery"],
               "customDetails": {"instanceType": "ManualActionDetails", "description": text}})
    };
    let body = json!({"properties": {
        "primaryFabricId": format!("{VAULT}/replicationFabrics/asr-a2a-default-westeurope"),
        "recoveryFabricId": format!("{VAULT}/replicationFabrics/asr-a2a-default-northeurope"),
        "failoverDeploymentModel": "ResourceManager",
        "groups": [
            {"groupType": "Boot",
             "replicationProtectedItems": [{"id": item("sql-01")}, {"id": item("sql-02")}],
             "startGroupActions": [],
             "endGroupActions": [manual("Check db", "Check the listener",
                                        &["PlannedFailover", "UnplannedFailover"])]},
            {"groupType": "Boot",
             "replicationProtectedItems": [{"id": item("web-01")}],
             "startGroupActions": [manual("Drain", "Drain the web tier", &["TestFailover"])],
             "endGroupActions": []}
        ],
        "providerSpecificInput": [{"instanceType": "A2A"}]
    }});
    let client = reqwest::Client::new();
    let url = format!(
        "{}{VAULT}/replicationRecoveryPlans/portal-rp?api-version=2026-05-01",
        emulator.url
    );
    let put = client
        .put(&url)
        .bearer_auth("test-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.status(),
        reqwest::StatusCode::ACCEPTED,
        "{:?}",
        put.text().await
    );
    let location = put.headers()["location"].to_str().unwrap().to_owned();
    let done = client
        .get(&location)
        .bearer_auth("test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), reqwest::StatusCode::OK);

    let out = emulator.drplan(
        &sandbox,
        &["import", "--vault", VAULT, "--recovery-plan", "portal-rp"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    let plan = compiles_clean("portal-rp.drplan", &text);
    let shapes = shapes(&plan);
    let vms = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(shapes.len(), 2, "{text}");
    assert_eq!(shapes[0].vms, vms(&["sql-01", "sql-02"]), "{text}");
    assert_eq!(shapes[1].vms, vms(&["web-01"]), "{text}");
    assert_eq!(shapes[1].needs, BTreeSet::from([0]), "{text}");
    assert_eq!(
        shapes[0].hooks,
        BTreeSet::from([(
            "After".to_owned(),
            "failover".to_owned(),
            "manual Check the listener".to_owned()
        )]),
        "{text}"
    );
    assert_eq!(
        shapes[1].hooks,
        BTreeSet::from([(
            "Before".to_owned(),
            "test".to_owned(),
            "manual Drain the web tier".to_owned()
        )]),
        "{text}"
    );
}

#[test]
fn a_first_plan_from_a_vault_has_a_group_per_consistency_group() {
    let sandbox = Sandbox::with_plan("shop", &shop());
    let world = r#"{"items": {"sql-01": {"consistency_group": "mvg-db"},
                              "sql-02": {"consistency_group": "mvg-db"},
                              "app-01": {"consistency_group": "mvg-app"},
                              "app-02": {"consistency_group": "mvg-app"}}}"#;
    let emulator = Emulator::start_in(&sandbox, None, Some(world));
    let out = emulator.drplan(&sandbox, &["import", "--vault", VAULT]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    let plan = compiles_clean("vault.drplan", &text);
    let groups: BTreeSet<(String, BTreeSet<String>)> = plan
        .groups
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                g.vms.iter().map(|v| v.name.clone()).collect(),
            )
        })
        .collect();
    let group = |name: &str, vms: &[&str]| {
        (
            name.to_owned(),
            vms.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>(),
        )
    };
    assert_eq!(
        groups,
        BTreeSet::from([
            group("mvg-db", &["sql-01", "sql-02"]),
            group("mvg-app", &["app-01", "app-02"]),
            group("other-vms", &["web-01"]),
        ]),
        "{text}"
    );
    assert!(
        text.contains("its VMs share recovery points; keep them together"),
        "{text}"
    );
}
