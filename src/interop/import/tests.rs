use std::path::Path;

use super::*;

#[test]
fn files_that_are_no_recovery_plan_are_refused_with_their_path() {
    let path = Path::new("saved/plan.json");
    let err = parse_recovery_plan("{not json", path, None).unwrap_err();
    assert!(
        err.to_string().starts_with("saved/plan.json: not JSON"),
        "{err}"
    );
    let err = parse_recovery_plan(r#"{"name": "x", "properties": {}}"#, path, None).unwrap_err();
    assert!(err.to_string().contains("no `properties.groups`"), "{err}");
    let err = parse_recovery_plan(r#"{"value": []}"#, path, None).unwrap_err();
    assert!(err.to_string().contains("none in it"), "{err}");
    let two = r#"{"value": [{"name": "a", "properties": {"groups": []}}, {"name": "b", "properties": {"groups": []}}]}"#;
    let err = parse_recovery_plan(two, path, None).unwrap_err();
    assert!(
        err.to_string().contains("pick one with --recovery-plan"),
        "{err}"
    );
    assert_eq!(parse_recovery_plan(two, path, Some("B")).unwrap().name, "b");
    let err = parse_recovery_plan(two, path, Some("c")).unwrap_err();
    assert!(err.to_string().contains("it holds a, b"), "{err}");
}

#[test]
fn the_vault_of_an_id_below_it() {
    let vault = "/Subscriptions/c183865e-6077-46f2-a3b1-deb0f4f4650a/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1";
    assert_eq!(
        vault_of(&format!("{vault}/replicationRecoveryPlans/RP")).as_deref(),
        Some(vault)
    );
    assert_eq!(vault_of("/subscriptions/s/vaults/v"), None);
    assert_eq!(vault_of(""), None);
}
