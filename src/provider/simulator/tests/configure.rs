//! Items' target settings: set up as ASR sets them, changed only by an
//! update job (`configure`) that applies exactly its changes when it
//! succeeds, refused when the item is not idle in the primary region.

use super::*;
use crate::target::{TargetSetting, TargetSettings, drift};

/// The shop plan with `app-01` wanting a bigger size in zone 2.
fn plan_with_target() -> Plan {
    let mut plan = plan();
    let vm = &mut plan.groups[1].vms[0];
    vm.target.size = Some("Standard_D4s_v5".into());
    vm.target.zone = Some(2);
    plan
}

#[tokio::test(start_paused = true)]
async fn items_start_as_asr_sets_them_up_not_as_the_plan_wants() {
    let plan = plan_with_target();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let m = machine(&sim, &target(&plan, "app-01")).await;
    assert_eq!(m.target.vm_name.as_deref(), Some("app-01"));
    assert_eq!(m.target.size.as_deref(), Some("Standard_D2s_v5"));
    assert_eq!(m.target.subnet.as_deref(), Some("default"));
    let group = m.target.resource_group.clone().unwrap();
    assert!(group.ends_with("/resourceGroups/rg-shop-asr"), "{group}");
    let network = m.target.network.clone().unwrap();
    assert!(
        network.ends_with("/virtualNetworks/vnet-shop-asr"),
        "{network}"
    );
    let source = m.source_vm.clone().unwrap();
    assert!(
        source.ends_with(
            "/resourceGroups/rg-shop/providers/Microsoft.Compute/virtualMachines/app-01"
        ),
        "{source}"
    );
    // ASR's defaults exist in the world.
    let inventory = sim.inventory();
    assert!(inventory.resource(&group).await.unwrap().is_some());
    assert!(inventory.resource(&network).await.unwrap().is_some());
    let wanted = &plan.groups[1].vms[0].target;
    let kinds: Vec<_> = drift(&m.target, wanted).iter().map(|c| c.setting).collect();
    assert_eq!(kinds, [TargetSetting::Size, TargetSetting::Zone]);
}

#[tokio::test(start_paused = true)]
async fn configure_applies_exactly_the_changes_when_its_job_succeeds() {
    let plan = plan_with_target();
    let (_dir, plan_path) = plan_dir();
    let sim = Simulator::open(&plan, &plan_path, Clock::test(), DEFAULT_SPEED).unwrap();
    let t = target(&plan, "app-01");
    let before = machine(&sim, &t).await.target;
    let changes = drift(&before, &plan.groups[1].vms[0].target);
    let id = sim.configure(&t, &changes).await.unwrap();
    let during = machine(&sim, &t).await;
    assert_eq!(during.target, before, "nothing changes before the job ends");
    assert!(during.allowed.is_empty());
    drop(sim);
    // The job is in the vault's file: another process follows it to its end.
    let sim = Simulator::open(&plan, &plan_path, Clock::test(), DEFAULT_SPEED).unwrap();
    let job = sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(
        (job.name.as_str(), job.operation),
        ("Update replicated item", Operation::Configure)
    );
    let after = machine(&sim, &t).await.target;
    assert_eq!(after.size.as_deref(), Some("Standard_D4s_v5"));
    assert_eq!(after.zone, Some(2));
    assert_eq!(after.vm_name, before.vm_name, "other settings are kept");
    assert!(drift(&after, &plan.groups[1].vms[0].target).is_empty());
    // Other items are untouched.
    assert_eq!(
        machine(&sim, &target(&plan, "db-01"))
            .await
            .target
            .size
            .as_deref(),
        Some("Standard_D2s_v5")
    );
}

#[tokio::test(start_paused = true)]
async fn configure_is_refused_during_and_after_a_failover() {
    let plan = plan_with_target();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let t = target(&plan, "app-01");
    let changes = drift(
        &machine(&sim, &t).await.target,
        &plan.groups[1].vms[0].target,
    );
    let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
    let err = sim.configure(&t, &changes).await.unwrap_err();
    let ProviderError::NotAllowed {
        operation, reason, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*operation, Operation::Configure);
    assert!(
        reason.contains(&format!("Failover job {id} is in progress")),
        "{reason}"
    );
    sim.follow(&id, &|_| {}).await.unwrap();
    let err = sim.configure(&t, &changes).await.unwrap_err().to_string();
    assert!(err.contains("already runs in the recovery region"), "{err}");
    assert_eq!(
        machine(&sim, &t).await.target.size.as_deref(),
        Some("Standard_D2s_v5")
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_update_changes_nothing() {
    let plan = plan_with_target();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_faults(
        Faults::parse(
            r#"{"operations": [{"vm": "app-01", "operation": "configure", "effect": "fail", "times": 1}]}"#,
            &plan,
        )
        .unwrap(),
    );
    let t = target(&plan, "app-01");
    let before = machine(&sim, &t).await.target;
    let changes = drift(&before, &plan.groups[1].vms[0].target);
    let id = sim.configure(&t, &changes).await.unwrap();
    let job = sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert!(job.errors[0].message.contains("app-01"), "{:?}", job.errors);
    assert_eq!(machine(&sim, &t).await.target, before);
    // The retry succeeds.
    let id = sim.configure(&t, &changes).await.unwrap();
    assert_eq!(
        sim.follow(&id, &|_| {}).await.unwrap().state,
        JobState::Succeeded
    );
    assert_eq!(machine(&sim, &t).await.target.zone, Some(2));
}

#[tokio::test(start_paused = true)]
async fn a_vault_file_of_the_previous_format_still_loads() {
    let (dir, plan_path) = plan_dir();
    let state_dir = dir.path().join(".drplan");
    std::fs::create_dir_all(&state_dir).unwrap();
    // As the previous release wrote it: no target settings, no source VM,
    // no job fields for created VMs or updates.
    let old = r#"{
  "format": 1, "seed": 7, "next_id": 1,
  "items": {
    "db-01": {"vm": "db-01", "state": {"stage": "failed_over", "active": "recovery"},
              "current_job": null, "last_test_failover": "2025-12-01T00:00:00.000Z"},
    "db-02-replica": {"vm": "db-02", "state": {"stage": "replicating", "active": "primary"}},
    "app-01": {"vm": "app-01", "state": {"stage": "replicating", "active": "primary"}}
  },
  "jobs": [{"id": "job-1", "operation": "failover", "vm": "db-01", "item": "db-01",
            "started": "2025-12-31T23:00:00.000Z", "duration_ms": 1000, "shutdown_source": true,
            "hang": false, "error": null, "applied": true}]
}"#;
    std::fs::write(state_dir.join("shop.vault.json"), old).unwrap();
    let plan = plan();
    let sim = Simulator::open(&plan, &plan_path, Clock::test(), DEFAULT_SPEED).unwrap();
    let db = machine(&sim, &target(&plan, "db-01")).await;
    assert_eq!(db.active_location, Location::Recovery);
    assert_eq!(
        db.last_test_failover.unwrap().to_string(),
        "2025-12-01T00:00:00.000Z"
    );
    assert_eq!(
        db.target.size.as_deref(),
        Some("Standard_D2s_v5"),
        "set up as ASR does"
    );
    assert!(db.source_vm.is_some());
    assert_eq!(sim.jobs(&targets(&plan)).await.unwrap().len(), 1);
    // Its VM counts in the recovery region.
    let usages = sim.inventory().usages("northeurope").await.unwrap();
    let family = usages
        .iter()
        .find(|u| u.name == "standardDSv5Family")
        .unwrap();
    assert_eq!(family.current, 2);
    let _: TargetSettings = db.target;
}
