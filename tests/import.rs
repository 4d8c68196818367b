//! `drplan import`: ASR recovery plans (Microsoft's examples and an A2A plan
//! with every kind of action) and a vault's items in; plans that check
//! clean, with every loss in their comments, out. Offline from saved
//! answers, through the binary, and against `drplan emulator`.

use std::path::Path;

use drplan::interop::asr::RecoveryPlan;
use drplan::interop::import::{self, Imported, VaultItem};
use drplan::plan::Plan;
use drplan::provider::azure::models::{Page, ProtectedItem};
use drplan::source::SourceFile;
use serde_json::Value;

use crate::azure_e2e::Emulator;
use crate::support::root;
use crate::support::sandbox::{Sandbox, show, stderr, stdout};

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";

fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures").join(path)).unwrap()
}

/// The body of the 200 answer of one of Microsoft's examples.
fn example_body(name: &str) -> String {
    let example: Value =
        serde_json::from_str(&fixture(&format!("asr-api/examples/{name}.json"))).unwrap();
    example["responses"]["200"]["body"].to_string()
}

fn a2a_plan() -> RecoveryPlan {
    let path = Path::new("a2a-recovery-plan.json");
    import::parse_recovery_plan(&fixture("asr/a2a-recovery-plan.json"), path, None).unwrap()
}

fn a2a_items() -> Vec<VaultItem> {
    let page: Page<ProtectedItem> =
        serde_json::from_str(&fixture("asr/a2a-protected-items.json")).unwrap();
    page.value.iter().map(VaultItem::of).collect()
}

/// Compiles imported text, expecting no errors; the plan.
fn checks_clean(imported: &Imported) -> Plan {
    let source = SourceFile::new("imported.drplan", imported.text.as_str());
    let (plan, diagnostics) = drplan::compile(&source);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{}", imported.text);
    assert_eq!(
        drplan::fmt::format_text(&imported.text).as_deref(),
        Some(imported.text.as_str()),
        "not formatted"
    );
    plan.unwrap()
}

fn group_names(plan: &Plan) -> Vec<(&str, Vec<&str>)> {
    plan.groups
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.vms.iter().map(|v| v.name.as_str()).collect(),
            )
        })
        .collect()
}

#[test]
fn microsofts_example_plans_import_to_plans_that_check_clean_and_say_they_cannot_run() {
    for name in [
        "ReplicationRecoveryPlans_Get",
        "ReplicationRecoveryPlans_Create",
        "ReplicationRecoveryPlans_Update",
        "ReplicationRecoveryPlans_List",
    ] {
        let text = example_body(name);
        let plan = import::parse_recovery_plan(&text, Path::new(name), Some("RPtest1")).unwrap();
        let imported = import::from_recovery_plan(&plan, None, None).unwrap();
        let checked = checks_clean(&imported);
        assert!(
            imported.text.contains("NOT RUNNABLE AS IS")
                && imported.text.contains("HyperVReplicaAzure"),
            "{name}: {}",
            imported.text
        );
        assert_eq!(imported.warnings.len(), 1, "{name}");
        // The boot groups, chained in ASR's order.
        for (i, group) in checked.groups.iter().enumerate() {
            let before: Vec<usize> = i.checked_sub(1).into_iter().collect();
            assert_eq!(group.needs, before, "{name}: {}", group.name);
        }
    }
    let plan = import::parse_recovery_plan(
        &example_body("ReplicationRecoveryPlans_Get"),
        Path::new("get.json"),
        None,
    )
    .unwrap();
    let imported = import::from_recovery_plan(&plan, None, None).unwrap();
    insta::assert_snapshot!("import_microsoft_get", imported.text);
}

#[test]
fn an_a2a_plan_read_offline_keeps_boot_order_hooks_and_phases_and_lists_every_loss() {
    let imported = import::from_recovery_plan(&a2a_plan(), None, None).unwrap();
    let plan = checks_clean(&imported);
    assert_eq!(plan.vault.to_string(), VAULT);
    assert_eq!(
        (plan.primary.as_str(), plan.recovery.as_str()),
        ("westeurope", "northeurope")
    );
    assert_eq!(
        group_names(&plan),
        vec![
            (
                "group-1",
                vec![
                    "1b0c3a52-0000-4000-8000-000000000001",
                    "1b0c3a52-0000-4000-8000-000000000002"
                ]
            ),
            (
                "group-2",
                vec![
                    "1b0c3a52-0000-4000-8000-000000000003",
                    "1b0c3a52-0000-4000-8000-000000000004",
                    "1b0c3a52-0000-4000-8000-000000000005",
                    "1b0c3a52-0000-4000-8000-0000000000ff"
                ]
            ),
        ]
    );
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    for loss in [
        "friendly names (read offline)",
        "ran after the Failover group in ASR",
        "script `C:\\scripts\\rebuild-index.ps1`",
        "timeout `in a while`",
        "ran only in planned failovers",
        "\"Teleport\" (after boot group 2): left out, it runs only in ChangePit",
        "zone-to-zone recovery (zone 1 to zone 2)",
    ] {
        assert!(
            imported.losses.iter().any(|l| l.contains(loss)),
            "no loss `{loss}` in {:#?}",
            imported.losses
        );
    }
    insta::assert_snapshot!("import_a2a_offline", imported.text);
}

#[test]
fn with_the_vaults_items_vms_get_friendly_names_and_items_the_vault_lacks_are_left_out() {
    let items = a2a_items();
    let imported = import::from_recovery_plan(&a2a_plan(), Some(VAULT), Some(&items)).unwrap();
    let plan = checks_clean(&imported);
    assert_eq!(
        group_names(&plan),
        vec![
            ("group-1", vec!["sql-01", "sql-02 (replica)"]),
            ("group-2", vec!["app", "app-2", "web-01"]),
        ]
    );
    let item = |vm: &str| {
        plan.groups
            .iter()
            .flat_map(|g| &g.vms)
            .find(|v| v.name == vm)
            .and_then(|v| v.item.clone())
    };
    // Rewritten to a valid name, the original kept in `item`; a name two
    // items share, the item's own name.
    assert_eq!(
        item("sql-02 (replica)").as_deref(),
        Some("sql/02 (replica)")
    );
    assert_eq!(
        item("app").as_deref(),
        Some("1b0c3a52-0000-4000-8000-000000000003")
    );
    assert_eq!(
        item("app-2").as_deref(),
        Some("1b0c3a52-0000-4000-8000-000000000004")
    );
    assert_eq!(item("web-01"), None);
    assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    assert!(imported.warnings[0].contains("0000000000ff"));
    assert!(
        imported
            .text
            .contains("# left out, not in the vault: item 1b0c3a52-0000-4000-8000-0000000000ff")
    );
    insta::assert_snapshot!("import_a2a_online", imported.text);
}

#[test]
fn a_vaults_items_make_one_group_per_consistency_group_and_one_for_the_rest() {
    let imported = import::from_vault(VAULT, "shop", &a2a_items()).unwrap();
    let plan = checks_clean(&imported);
    assert_eq!(
        group_names(&plan),
        vec![
            ("sql-cluster", vec!["sql-01", "sql-02 (replica)"]),
            ("other-vms", vec!["app", "app-2", "batch-01", "web-01"]),
        ]
    );
    assert_eq!(
        (plan.primary.as_str(), plan.recovery.as_str()),
        ("westeurope", "northeurope")
    );
}

#[test]
fn a_vault_with_items_of_another_provider_is_imported_with_a_note_that_it_cannot_run() {
    let mut items = a2a_items();
    for item in &mut items {
        item.provider = Some("InMageRcm".into());
    }
    let imported = import::from_vault(VAULT, "shop", &items).unwrap();
    checks_clean(&imported);
    assert!(imported.text.starts_with("# Imported by `drplan import`"));
    assert!(
        imported
            .text
            .contains("NOT RUNNABLE AS IS: its VMs replicate with InMageRcm")
    );
    assert_eq!(imported.warnings.len(), 1);
}

#[test]
fn import_from_a_saved_answer_through_the_binary() {
    let sandbox = Sandbox::with_plan("unused", "");
    std::fs::write(
        sandbox.path().join("rp.json"),
        fixture("asr/a2a-recovery-plan.json"),
    )
    .unwrap();
    let out = sandbox.output(&["import", "--from", "rp.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let imported = stdout(&out);
    assert!(imported.contains("plan shop-rp {"), "{imported}");
    assert_eq!(
        imported,
        import::from_recovery_plan(&a2a_plan(), None, None)
            .unwrap()
            .text
    );

    // -o writes a new file, which checks clean; it never overwrites.
    let out = sandbox.output(&["import", "--from", "rp.json", "-o", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(stderr(&out).contains("wrote shop.drplan"), "{}", show(&out));
    let out = sandbox.output(&["check", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = sandbox.output(&["import", "--from", "rp.json", "-o", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("shop.drplan exists"),
        "{}",
        show(&out)
    );

    // A file that is not a recovery plan: exit 2, naming the file.
    std::fs::write(
        sandbox.path().join("job.json"),
        fixture("asr-api/examples/ReplicationJobs_Get.json"),
    )
    .unwrap();
    let out = sandbox.output(&["import", "--from", "job.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("job.json: not a recovery plan"),
        "{}",
        show(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// A plan on the vault the tests' emulator serves, with known item names.
const SHOP: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  group db { vm sql-01 { item "sql-01-item" } }
  group app needs db { vm app-01 { item "app-01-item" }  vm app-02 { item "app-02-item" } }
}
"#;

fn emulated_item(name: &str) -> String {
    format!(
        "{VAULT}/replicationFabrics/asr-a2a-default-westeurope/replicationProtectionContainers/asr-a2a-default-westeurope-container/replicationProtectedItems/{name}"
    )
}

#[test]
fn import_against_the_emulator_reads_the_vaults_items() {
    let sandbox = Sandbox::with_plan("shop", SHOP);
    let emulator = Emulator::start(&sandbox, None);

    // A vault's items: one group (the emulator has no consistency groups),
    // regions filled in.
    let out = emulator.drplan(&sandbox, &["import", "--vault", VAULT]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    let (plan, diagnostics) = drplan::compile(&SourceFile::new("v.drplan", text.as_str()));
    let plan = plan.unwrap_or_else(|| panic!("{diagnostics:?}\n{text}"));
    assert_eq!(plan.name, "shop-vault");
    assert_eq!(
        group_names(&plan),
        vec![("other-vms", vec!["app-01", "app-02", "sql-01"])]
    );
    assert_eq!(
        (plan.primary.as_str(), plan.recovery.as_str()),
        ("westeurope", "northeurope")
    );

    // A saved recovery plan with the vault's items read online: friendly
    // names, and an item the vault does not have left out with a warning.
    let rp = serde_json::json!({
        "name": "shop-rp",
        "id": format!("{VAULT}/replicationRecoveryPlans/shop-rp"),
        "properties": {"replicationProviders": ["A2A"], "groups": [
            {"groupType": "Boot", "replicationProtectedItems": [{"id": emulated_item("sql-01-item")}]},
            {"groupType": "Boot", "replicationProtectedItems": [
                {"id": emulated_item("app-01-item")}, {"id": emulated_item("gone-item")}]}
        ]}
    });
    std::fs::write(sandbox.path().join("rp.json"), rp.to_string()).unwrap();
    let out = emulator.drplan(&sandbox, &["import", "--vault", VAULT, "--from", "rp.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        stderr(&out).contains("warning: the recovery plan names the item"),
        "{}",
        show(&out)
    );
    let text = stdout(&out);
    let (plan, diagnostics) = drplan::compile(&SourceFile::new("rp.drplan", text.as_str()));
    let plan = plan.unwrap_or_else(|| panic!("{diagnostics:?}\n{text}"));
    assert_eq!(
        group_names(&plan),
        vec![("group-1", vec!["sql-01"]), ("group-2", vec!["app-01"])]
    );
    assert!(
        text.contains("# left out, not in the vault: item gone-item"),
        "{text}"
    );

    // A malformed vault id is bad input, before any sign-in.
    let out = emulator.drplan(
        &sandbox,
        &["import", "--vault", "/subscriptions/x/vaults/v"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}
