//! The state machine, jobs and their timing through [`Provider`]: the
//! full cycle, refusals, progress, listings, recovery points and scale.

use super::*;

/// An operation and the protection state, active side, replication source
/// and allowed operations after it.
type CycleStep = (
    Operation,
    &'static str,
    Location,
    Option<Location>,
    &'static [AsrOperation],
);

#[tokio::test(start_paused = true)]
async fn the_full_cycle_returns_every_item_to_its_start_state() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let t = target(&plan, "db-01");
    let fresh = machine(&sim, &t).await;
    assert_eq!(fresh.protection_state, "Protected");
    assert_eq!(fresh.active_location, Location::Primary);
    assert_eq!(fresh.replicating_from, Some(Location::Primary));
    assert_eq!(
        fresh.allowed,
        [A::UnplannedFailover, A::TestFailover, A::DisableProtection]
    );
    assert_eq!(fresh.health, Health::Healthy);
    assert!(fresh.rpo_s.is_some_and(|r| (30..=90).contains(&r)));
    assert_eq!(fresh.current_job, None);

    let steps: [CycleStep; 6] = [
        (
            Operation::Failover,
            "UnplannedFailoverCommitPendingStatesBegin",
            Location::Recovery,
            None,
            &[A::Commit, A::ChangePit, A::DisableProtection],
        ),
        (
            Operation::Commit,
            "UnplannedFailoverCommitted",
            Location::Recovery,
            None,
            &[A::ReverseReplicate, A::DisableProtection],
        ),
        (
            Operation::Reprotect,
            "Protected",
            Location::Recovery,
            Some(Location::Recovery),
            &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
        ),
        (
            Operation::Failback,
            "UnplannedFailoverCommitPendingStatesBegin",
            Location::Primary,
            None,
            &[A::Commit, A::ChangePit, A::DisableProtection],
        ),
        (
            Operation::Commit,
            "UnplannedFailoverCommitted",
            Location::Primary,
            None,
            &[A::ReverseReplicate, A::DisableProtection],
        ),
        (
            Operation::Reprotect,
            "Protected",
            Location::Primary,
            Some(Location::Primary),
            &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
        ),
    ];
    for (op, protection, active, from, allowed) in steps {
        let id = sim.start(&t, op, &opts()).await.unwrap();
        let during = machine(&sim, &t).await;
        assert!(during.allowed.is_empty(), "{op}: {during:?}");
        assert_eq!(during.current_job.as_ref(), Some(&id));
        if op == Operation::Reprotect {
            assert_eq!(during.protection_state, "ReprotectInProgress");
        }
        let job = sim.follow(&id, &|_| {}).await.unwrap();
        assert_eq!(job.state, JobState::Succeeded, "{op}");
        assert_eq!(job.operation, op);
        let after = machine(&sim, &t).await;
        assert_eq!(after.protection_state, protection, "after {op}");
        assert_eq!(after.active_location, active, "after {op}");
        assert_eq!(after.replicating_from, from, "after {op}");
        assert_eq!(after.rpo_s.is_some(), from.is_some(), "after {op}");
        assert_eq!(after.allowed, allowed, "after {op}");
        assert_eq!(after.current_job, None);
    }
    assert_eq!(machine(&sim, &t).await, fresh);
    // The other machines were never touched.
    let others = sim.machines(&targets(&plan)[1..]).await.unwrap();
    assert!(
        others
            .iter()
            .all(|m| m.active_location == Location::Primary && m.allowed.len() == 3)
    );
}

#[tokio::test(start_paused = true)]
async fn a_test_failover_counts_only_once_cleaned_up() {
    let plan = plan();
    let clock = Clock::test();
    let sim = Simulator::in_memory(&plan, clock, DEFAULT_SPEED);
    let t = target(&plan, "app-01");
    let job = run(&sim, &t, Operation::TestFailover).await;
    assert_eq!(job.name, "Test failover");
    let pending = machine(&sim, &t).await;
    assert_eq!(pending.protection_state, "Protected");
    assert_eq!(pending.allowed, [A::TestFailoverCleanup]);
    assert_eq!(pending.active_location, Location::Primary);
    assert_eq!(pending.last_test_failover, None);
    let err = sim
        .start(&t, Operation::Failover, &opts())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("WaitingForCompletion"), "{err}");

    let cleanup = run(&sim, &t, Operation::TestCleanup).await;
    assert_eq!(cleanup.name, "Test failover cleanup");
    assert_eq!(
        cleanup.ended.unwrap().since(cleanup.started),
        Duration::from_millis(600),
        "3 minutes at ×300"
    );
    let done = machine(&sim, &t).await;
    assert_eq!(done.last_test_failover, cleanup.ended);
    assert_eq!(
        done.allowed,
        [A::UnplannedFailover, A::TestFailover, A::DisableProtection]
    );
}

#[tokio::test(start_paused = true)]
async fn refusals_name_the_state_and_the_allowed_operations() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let t = target(&plan, "db-01");
    for op in [
        Operation::Failback,
        Operation::Commit,
        Operation::Reprotect,
        Operation::TestCleanup,
    ] {
        let err = sim.start(&t, op, &opts()).await.unwrap_err();
        let ProviderError::NotAllowed {
            vm,
            operation,
            reason,
        } = &err
        else {
            panic!("{err}");
        };
        assert_eq!((vm.as_str(), *operation), ("db-01", op));
        assert!(reason.contains("Protected"), "{reason}");
        assert!(
            reason.contains("UnplannedFailover, TestFailover, DisableProtection"),
            "{reason}"
        );
    }
    let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
    let err = sim.start(&t, Operation::Commit, &opts()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("Failover job {id} is in progress")),
        "{err}"
    );
    sim.follow(&id, &|_| {}).await.unwrap();
    run(&sim, &t, Operation::Commit).await;
    run(&sim, &t, Operation::Reprotect).await;
    let err = sim
        .start(&t, Operation::Failover, &opts())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("already runs in the recovery region"),
        "{err}"
    );

    let ghost = Target {
        vm: "ghost".into(),
        item: "ghost".into(),
        group: "db".into(),
    };
    assert!(matches!(
        sim.start(&ghost, Operation::Failover, &opts()).await,
        Err(ProviderError::UnknownMachine { .. })
    ));
    assert!(matches!(
        sim.machines(&[ghost]).await,
        Err(ProviderError::UnknownMachine { .. })
    ));
    let nope = JobId("nope".into());
    assert!(matches!(
        sim.job(&nope).await,
        Err(ProviderError::UnknownJob(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_job_finishes_on_time_without_being_followed() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let t = target(&plan, "db-01");
    let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
    let job = sim.job(&id).await.unwrap();
    assert_eq!(job.state, JobState::NotStarted);
    assert_eq!(job.name, "Failover");
    // db-01's estimate is 10 minutes: 2 seconds at ×300.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let half = sim.job(&id).await.unwrap();
    assert_eq!(half.state, JobState::InProgress);
    assert_eq!(half.percent, Some(48));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let done = sim.job(&id).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.ended, Some(done.started.plus(Duration::from_secs(2))));
    assert_eq!(machine(&sim, &t).await.active_location, Location::Recovery);
}

#[tokio::test(start_paused = true)]
async fn follow_reports_each_task_and_tenth_in_order() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let t = target(&plan, "db-01");
    for shutdown_source in [true, false] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let options = OperationOptions {
            shutdown_source,
            ..opts()
        };
        let op = if shutdown_source {
            Operation::Failover
        } else {
            Operation::Failback
        };
        if op == Operation::Failback {
            run(&sim, &t, Operation::Commit).await;
            run(&sim, &t, Operation::Reprotect).await;
        }
        let id = sim.start(&t, op, &options).await.unwrap();
        let job = sim
            .follow(&id, &move |p| sink.lock().unwrap().push(p))
            .await
            .unwrap();
        assert_eq!(job.state, JobState::Succeeded);
        let seen = seen.lock().unwrap();
        let percents: Vec<u8> = seen.iter().filter_map(|p| p.percent).collect();
        assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
        assert!(seen.len() >= 10, "{seen:?}");
        let messages: Vec<&str> = seen.iter().map(|p| p.message.as_str()).collect();
        assert!(messages.contains(&"Prerequisites check for failover"));
        assert!(messages.contains(&"Start the replica virtual machine"));
        assert_eq!(
            messages.contains(&"Shut down the source virtual machine"),
            shutdown_source
        );
    }
}

#[tokio::test(start_paused = true)]
async fn jobs_are_listed_newest_first_for_the_asked_machines() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    let all = targets(&plan);
    let first = run(&sim, &all[0], Operation::Failover).await;
    let second = run(&sim, &all[1], Operation::TestFailover).await;
    let third = sim
        .start(&all[0], Operation::Commit, &opts())
        .await
        .unwrap();
    let listed = sim.jobs(&all).await.unwrap();
    let ids: Vec<&JobId> = listed.iter().map(|j| &j.id).collect();
    assert_eq!(ids, [&third, &second.id, &first.id]);
    assert_eq!(listed[0].state, JobState::NotStarted);
    assert_eq!(listed[1].vm, "db-02");
    let only = sim.jobs(&all[1..2]).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].name, "Test failover");
}

#[tokio::test(start_paused = true)]
async fn a_slow_fault_and_the_speed_scale_durations() {
    let plan = plan();
    let t = target(&plan, "app-01");
    let took = |job: &Job| job.ended.unwrap().since(job.started);
    // app-01's failover: the default 5-minute estimate.
    let fast = Simulator::in_memory(&plan, Clock::test(), 6000.0);
    assert!((fast.speed() - 6000.0).abs() < f64::EPSILON);
    assert_eq!(
        took(&run(&fast, &t, Operation::Failover).await),
        Duration::from_millis(50)
    );
    let normal = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    assert_eq!(
        took(&run(&normal, &t, Operation::Failover).await),
        Duration::from_secs(1)
    );
    assert_eq!(
        took(&run(&normal, &t, Operation::Commit).await),
        Duration::from_millis(150)
    );
    let slow = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_faults(faults(
        r#"{"operations": [{"vm": "app-01", "operation": "failover", "effect": "slow", "factor": 3}]}"#,
    ));
    let job = run(&slow, &t, Operation::Failover).await;
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(took(&job), Duration::from_secs(3));
}

#[test]
fn the_speed_comes_from_the_environment_or_defaults() {
    let speed = |v| parse_speed(v).unwrap();
    assert!((speed(None) - DEFAULT_SPEED).abs() < f64::EPSILON);
    assert!((speed(Some("6000")) - 6000.0).abs() < f64::EPSILON);
    assert!((speed(Some(" 2.5 ")) - 2.5).abs() < f64::EPSILON);
    for bad in ["", "fast", "0", "-3", "inf", "NaN"] {
        let err = parse_speed(Some(bad)).unwrap_err().to_string();
        assert!(err.starts_with("DRPLAN_SIM_SPEED: "), "{err}");
        assert!(err.contains("not a positive number"), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_machines_fail_over_at_once() {
    let names: Vec<String> = (0..10_000).map(|i| format!("vm-{i:05}")).collect();
    let text = format!(
        "plan big {{ vault simulator primary \"westeurope\" recovery \"northeurope\" group all {{ vm {} }} }}",
        names.join(", ")
    );
    let plan = plan_from(&text);
    let sim = Arc::new(Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED));
    let all = targets(&plan);
    let mut set = tokio::task::JoinSet::new();
    for t in all.clone() {
        let sim = Arc::clone(&sim);
        set.spawn(async move {
            let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
            sim.follow(&id, &|_| {}).await.unwrap().state
        });
    }
    while let Some(state) = set.join_next().await {
        assert_eq!(state.unwrap(), JobState::Succeeded);
    }
    let ms = sim.machines(&all).await.unwrap();
    assert!(ms.iter().all(|m| m.active_location == Location::Recovery));
    assert_eq!(sim.jobs(&all).await.unwrap().len(), 10_000);
}

#[tokio::test(start_paused = true)]
async fn recovery_points_follow_the_rpo_and_the_item_state() {
    let plan = plan();
    let clock = Clock::test();
    let sim = Simulator::in_memory(&plan, clock, 6000.0);
    let db = target(&plan, "db-01");
    tokio::time::sleep(Duration::from_secs(3 * 3600 + 17)).await;
    let points = sim.recovery_points(&db).unwrap();
    let rpo = sim.machines(std::slice::from_ref(&db)).await.unwrap()[0]
        .rpo_s
        .unwrap();
    assert_eq!(points.len(), 4, "{points:?}");
    assert_eq!(
        points[0].time,
        Timestamp(clock.now().0 - Duration::from_secs(rpo))
    );
    assert!(!points[0].app_consistent);
    assert_eq!(points.iter().filter(|p| p.app_consistent).count(), 1);
    assert!(points.windows(2).all(|w| w[0].time >= w[1].time));
    assert_eq!(sim.recovery_points(&db).unwrap(), points, "same ids");
    let job = sim.start(&db, Operation::Failover, &opts()).await.unwrap();
    sim.follow(&job, &|_| {}).await.unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
    let after = sim.recovery_points(&db).unwrap();
    assert_eq!(after.len(), 4);
    assert!(after[0].time < sim.job(&job).await.unwrap().started);
    let commit = sim.start(&db, Operation::Commit, &opts()).await.unwrap();
    sim.follow(&commit, &|_| {}).await.unwrap();
    assert!(sim.recovery_points(&db).unwrap().is_empty());
    let tasks = sim.job_tasks(&commit).unwrap();
    assert!(tasks.iter().all(|t| t.state == JobState::Succeeded));
    assert!(matches!(
        sim.job_tasks(&JobId("nope".into())),
        Err(ProviderError::UnknownJob(_))
    ));
}
