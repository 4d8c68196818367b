//! The world file on disk: read again when it changes in the middle of a
//! run, items' settings applied once, and bad files answered with the JSON
//! path at fault and how to fix it.

use super::world::{id, net, rich_plan};
use super::*;
use crate::target::drift;

#[tokio::test(start_paused = true)]
async fn the_world_file_is_read_again_when_it_changes_mid_run() {
    let (dir, plan_path) = plan_dir();
    let plan = plan();
    let clock = Clock::test();
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let file = dir.path().join("shop.world.json");
    assert_eq!(
        run(&sim, &target(&plan, "db-01"), Operation::Failover)
            .await
            .state,
        JobState::Succeeded
    );
    // Someone takes the quota after the preflight.
    std::fs::write(
        &file,
        r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 2}}}}}"#,
    )
    .unwrap();
    let failed = run(&sim, &target(&plan, "db-02"), Operation::Failover).await;
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        failed.errors[0]
            .message
            .contains("Current Limit: 2, Current Usage: 2"),
        "{:?}",
        failed.errors
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        run(&sim, &target(&plan, "db-02"), Operation::Failover)
            .await
            .state,
        JobState::Succeeded
    );

    // An item's settings from the file apply once: configure may change them after.
    std::fs::write(
        &file,
        r#"{"items": {"app-01": {"target": {"size": "Standard_E2s_v5"}}}}"#,
    )
    .unwrap();
    let app = target(&plan, "app-01");
    assert_eq!(
        machine(&sim, &app).await.target.size.as_deref(),
        Some("Standard_E2s_v5")
    );
    let wanted = crate::target::TargetSettings {
        size: Some("Standard_D4s_v5".into()),
        ..Default::default()
    };
    let changes = drift(&machine(&sim, &app).await.target, &wanted);
    let id = sim.configure(&app, &changes).await.unwrap();
    sim.follow(&id, &|_| {}).await.unwrap();
    drop(sim);
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    assert_eq!(
        machine(&sim, &app).await.target.size.as_deref(),
        Some("Standard_D4s_v5")
    );
}

fn world_error(json: &str) -> String {
    let (dir, plan_path) = plan_dir();
    std::fs::write(dir.path().join("shop.world.json"), json).unwrap();
    let err = Simulator::open(&rich_plan(), &plan_path, Clock::test(), DEFAULT_SPEED).unwrap_err();
    let ProviderError::BadFile { path, message } = err else {
        panic!("{err}");
    };
    assert!(Path::new(&path).ends_with("shop.world.json"), "{path}");
    assert!(
        message.contains("fix the world file, or delete it"),
        "{message}"
    );
    message
}

#[tokio::test(start_paused = true)]
async fn bad_world_files_say_where_and_how_to_fix_them() {
    let asr_net = format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-shop-asx",
        id("rg-shop-asr")
    );
    let cases = [
        (
            r#"{"regions": {"northeurop": {}}}"#.to_owned(),
            "regions.northeurop: unknown region `northeurop` (did you mean `northeurope`?)",
        ),
        (
            r#"{"items": {"app-1": {"last_test_failover": "2025-01-01T00:00:00Z"}}}"#.to_owned(),
            "items.app-1: unknown VM `app-1` (did you mean `app-01`?); the plan's VMs are `db-01`, `db-02`, `app-01`",
        ),
        (
            r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limt": 3}}}}}"#.to_owned(),
            "regions.northeurope.quota.standardDSv5Family.limt: unknown field `limt`, expected `limit` or `usage`",
        ),
        (
            r#"{"regions": {"northeurope": {"quota": {"standardDSv5Famly": {"limit": 3}}}}}"#.to_owned(),
            "is not a quota counter (did you mean `standardDSv5Family`?)",
        ),
        (
            r#"{"items": {"app-01": {"target": {"sise": "Standard_D2s_v5"}}}}"#.to_owned(),
            "items.app-01.target.sise: unknown field `sise`",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"zones": ["4"]}}}}}"#.to_owned(),
            "regions.northeurope.sizes.Standard_D4s_v5.zones: zone `4` is not one of 1, 2, 3",
        ),
        (
            format!(r#"{{"used_ips": {{"{}": ["10.3.0.4"]}}}}"#, net()),
            "10.3.0.4 is in no subnet of the network (its prefixes: 10.2.1.0/24)",
        ),
        (
            format!(r#"{{"delete": ["{asr_net}"]}}"#),
            "delete[0]: the world has no resource",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_E4s_v5": {"offered": false, "vcpus": 4}}}}}"#.to_owned(),
            "removes the size; leave out its other fields",
        ),
        (r#"{"region": {}}"#.to_owned(), "unknown field `region`"),
        ("{".to_owned(), "EOF"),
    ];
    for (json, expected) in cases {
        let message = world_error(&json);
        assert!(message.contains(expected), "{json}: {message}");
    }
    let message = world_error(&format!(r#"{{"delete": ["{asr_net}"]}}"#));
    assert!(message.contains("(did you mean `"), "{message}");
    assert!(message.contains("vnet-shop-asr`?)"), "{message}");
}
