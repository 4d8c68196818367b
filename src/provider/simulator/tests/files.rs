//! The vault on disk: state that continues in another process, plans that
//! grow, corrupt files, and files the emulator names.

use super::*;

#[tokio::test(start_paused = true)]
async fn the_vault_file_continues_the_story_in_another_process() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let clock = Clock::test();
    let t = target(&plan, "db-02");
    let first = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let state_file = plan_path.parent().unwrap().join(".drplan/shop.vault.json");
    assert_eq!(first.state_path(), Some(state_file.as_path()));
    let described = first.describe();
    assert!(
        described.ends_with(".drplan/shop.vault.json, speed ×300)"),
        "{described}"
    );
    run(&first, &t, Operation::Failover).await;
    run(&first, &t, Operation::Commit).await;
    let reprotect = first
        .start(&t, Operation::Reprotect, &opts())
        .await
        .unwrap();
    // On disk before `start` returned, with RFC 3339 times.
    let text = std::fs::read_to_string(&state_file).unwrap();
    assert!(text.contains(&reprotect.0), "{text}");
    assert!(text.contains("\"started\":\"2026-01-01T00:"), "{text}");
    drop(first);

    let second = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let running = machine(&second, &t).await;
    assert_eq!(running.protection_state, "ReprotectInProgress");
    assert_eq!(running.current_job, Some(reprotect.clone()));
    assert!(running.allowed.is_empty());
    assert_eq!(
        second.jobs(std::slice::from_ref(&t)).await.unwrap().len(),
        3
    );
    let job = second.follow(&reprotect, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let d = job.ended.unwrap().since(job.started);
    assert!(
        d >= Duration::from_secs(9) && d <= Duration::from_secs(24),
        "{d:?}"
    );
    drop(second);

    let third = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let m = machine(&third, &t).await;
    assert_eq!(m.item, "db-02-replica");
    assert_eq!(
        (
            m.protection_state.as_str(),
            m.active_location,
            m.replicating_from
        ),
        ("Protected", Location::Recovery, Some(Location::Recovery))
    );
    // A new id never repeats an earlier one.
    let next = third.start(&t, Operation::Failback, &opts()).await.unwrap();
    let earlier = third.jobs(std::slice::from_ref(&t)).await.unwrap();
    assert_eq!(earlier.iter().filter(|j| j.id == next).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn two_open_vaults_see_each_others_jobs() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let clock = Clock::test();
    let t = target(&plan, "app-01");
    let runner = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let watcher = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    assert!(machine(&watcher, &t).await.current_job.is_none());
    let id = runner
        .start(&t, Operation::Failover, &opts())
        .await
        .unwrap();
    assert_eq!(machine(&watcher, &t).await.current_job, Some(id.clone()));
    watcher.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(
        machine(&runner, &t).await.active_location,
        Location::Recovery
    );
}

#[tokio::test(start_paused = true)]
async fn vms_added_to_the_plan_join_the_vault_fresh() {
    let (_dir, plan_path) = plan_dir();
    let clock = Clock::test();
    let old = plan();
    let sim = Simulator::open(&old, &plan_path, clock, DEFAULT_SPEED).unwrap();
    run(&sim, &target(&old, "db-01"), Operation::Failover).await;
    drop(sim);
    let grown = plan_from(&PLAN.replace("vm app-01", "vm app-01, app-02"));
    let sim = Simulator::open(&grown, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let ms = sim.machines(&targets(&grown)).await.unwrap();
    assert_eq!(ms.len(), 4);
    assert_eq!(ms[0].active_location, Location::Recovery);
    assert_eq!(ms[3].vm, "app-02");
    assert_eq!(ms[3].protection_state, "Protected");
    assert_eq!(ms[3].active_location, Location::Primary);
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_vault_file_says_how_to_reset_it() {
    let (dir, plan_path) = plan_dir();
    let state_dir = dir.path().join(".drplan");
    std::fs::create_dir_all(&state_dir).unwrap();
    for text in [
        "{not json",
        r#"{"format": 99, "seed": 1, "next_id": 0, "items": {}, "jobs": []}"#,
    ] {
        std::fs::write(state_dir.join("shop.vault.json"), text).unwrap();
        let err = Simulator::open(&plan(), &plan_path, Clock::test(), DEFAULT_SPEED).unwrap_err();
        let ProviderError::BadFile { path, message } = &err else {
            panic!("{err}");
        };
        assert!(path.ends_with(".drplan/shop.vault.json"), "{path}");
        assert!(
            message.contains("delete this file to reset the simulated vault"),
            "{message}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_emulator_may_name_its_own_state_and_fault_files() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("deep/er/state.json");
    let faults = dir.path().join("f.json");
    std::fs::write(&faults, r#"{"rpo_s": {"db-01": 7}}"#).unwrap();
    let plan = plan();
    let sim = Simulator::open_files(&plan, &state, Some(&faults), Clock::test(), 1.0).unwrap();
    assert!(state.exists());
    assert_eq!(machine(&sim, &target(&plan, "db-01")).await.rpo_s, Some(7));
    let missing = dir.path().join("missing.json");
    let err = Simulator::open_files(&plan, &state, Some(&missing), Clock::test(), 1.0).unwrap_err();
    assert!(
        err.to_string().contains("cannot read the fault file"),
        "{err}"
    );
}
