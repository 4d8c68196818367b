//! The simulated vault as the executor and the CLI use it: through
//! [`Provider`], on paused tokio time, in memory and on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::plan::Plan;
use crate::provider::{AsrOperation, IssueKind, JobState, Location, RecoveryPointChoice};
use crate::source::SourceFile;
use AsrOperation as A;

const PLAN: &str = r#"
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group db {
    vm db-01 { estimate 10m }
    vm db-02 { item "db-02-replica" }
  }
  group app needs db {
    vm app-01
    before failback {
      runbook "Drain-AppServers" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa" }
    }
  }
}
"#;

fn plan_from(text: &str) -> Plan {
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", text));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

fn plan() -> Plan {
    plan_from(PLAN)
}

fn targets(plan: &Plan) -> Vec<Target> {
    plan.groups
        .iter()
        .flat_map(|g| {
            g.vms.iter().map(|vm| Target {
                vm: vm.name.clone(),
                item: vm.item.clone().unwrap_or_else(|| vm.name.clone()),
                group: g.name.clone(),
            })
        })
        .collect()
}

fn target(plan: &Plan, vm: &str) -> Target {
    targets(plan).into_iter().find(|t| t.vm == vm).unwrap()
}

fn opts() -> OperationOptions {
    OperationOptions {
        recovery_point: RecoveryPointChoice::LatestProcessed,
        shutdown_source: true,
        test_network: None,
    }
}

async fn machine(sim: &Simulator, t: &Target) -> Machine {
    sim.machines(std::slice::from_ref(t))
        .await
        .unwrap()
        .remove(0)
}

async fn run(sim: &Simulator, t: &Target, op: Operation) -> Job {
    let id = sim.start(t, op, &opts()).await.unwrap();
    sim.follow(&id, &|_| {}).await.unwrap()
}

fn faults(json: &str) -> Faults {
    Faults::parse(json, &plan()).unwrap()
}

/// A temporary folder holding `shop.drplan`'s path (the file itself is not needed).
fn plan_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.drplan");
    (dir, path)
}

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
    assert!(text.contains("\"started\": \"2026-01-01T00:"), "{text}");
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
async fn a_failing_fault_fails_times_then_lets_a_retry_succeed() {
    let (dir, plan_path) = plan_dir();
    std::fs::write(
        dir.path().join("shop.faults.json"),
        r#"{"operations": [{"vm": "db-01", "operation": "failover", "effect": "fail", "times": 1}]}"#,
    )
    .unwrap();
    let plan = plan();
    let clock = Clock::test();
    let t = target(&plan, "db-01");
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    let failed = run(&sim, &t, Operation::Failover).await;
    assert_eq!(failed.state, JobState::Failed);
    let error = &failed.errors[0];
    assert!(error.message.contains("db-01"), "{error:?}");
    assert!(error.possible_causes.is_some() && error.recommended_action.is_some());
    // Back where it was, ready for a retry.
    let m = machine(&sim, &t).await;
    assert_eq!(m.active_location, Location::Primary);
    assert_eq!(
        m.allowed,
        [A::UnplannedFailover, A::TestFailover, A::DisableProtection]
    );
    drop(sim);
    // The hit is counted in the vault file, so another process's retry succeeds.
    let sim = Simulator::open(&plan, &plan_path, clock, DEFAULT_SPEED).unwrap();
    assert_eq!(
        run(&sim, &t, Operation::Failover).await.state,
        JobState::Succeeded
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_fault_without_times_always_fails_with_its_texts() {
    let plan = plan();
    let t = target(&plan, "app-01");
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_faults(faults(
        r#"{"operations": [{"vm": "app-01", "operation": "test-failover", "effect": "fail",
            "code": "28031", "message": "no capacity", "possible_causes": "busy region",
            "recommended_action": "try later"}]}"#,
    ));
    for _ in 0..3 {
        let job = run(&sim, &t, Operation::TestFailover).await;
        assert_eq!(job.state, JobState::Failed);
        assert_eq!(
            job.errors,
            [crate::provider::JobError {
                code: Some("28031".into()),
                message: "no capacity".into(),
                possible_causes: Some("busy region".into()),
                recommended_action: Some("try later".into()),
            }]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_job_never_ends_and_holds_its_machine() {
    let plan = plan();
    let t = target(&plan, "db-01");
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_faults(faults(
        r#"{"operations": [{"vm": "db-01", "operation": "failover", "effect": "hang"}]}"#,
    ));
    let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(36_000), sim.follow(&id, &|_| {})).await;
    assert!(waited.is_err(), "a hung job must not end");
    let job = sim.job(&id).await.unwrap();
    assert_eq!(job.state, JobState::InProgress);
    assert_eq!(job.ended, None);
    let m = machine(&sim, &t).await;
    assert!(m.allowed.is_empty());
    assert_eq!(m.current_job, Some(id));
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
async fn health_rpo_and_vault_faults_show_on_the_dashboard() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_faults(faults(
        r#"{"health": [{"vm": "db-02", "health": "warning", "kind": "software_update"},
                       {"vm": "db-02", "health": "critical", "kind": "replication", "code": "HighRpo",
                        "message": "RPO over 30 minutes"}],
            "vault": [{"kind": "subscription_quota", "code": "QuotaLow", "message": "cores"}],
            "rpo_s": {"db-02": 1200}}"#,
    ));
    let ms = sim.machines(&targets(&plan)).await.unwrap();
    assert_eq!(ms[0].health, Health::Healthy);
    assert!(ms[0].issues.is_empty());
    assert_eq!(ms[1].health, Health::Critical);
    assert_eq!(ms[1].issues.len(), 2);
    assert_eq!(ms[1].issues[0].code, "VersionExpiry");
    assert_eq!(ms[1].issues[0].kind, IssueKind::SoftwareUpdate);
    assert_eq!(ms[1].rpo_s, Some(1200));
    let vault = sim.vault_health().await.unwrap();
    assert_eq!(vault.issues.len(), 1);
    assert_eq!(vault.issues[0].severity, Health::Warning);
    assert_eq!(vault.issues[0].kind, IssueKind::SubscriptionQuota);
    let healthy = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED);
    assert!(healthy.vault_health().await.unwrap().issues.is_empty());
}

#[tokio::test(start_paused = true)]
async fn runbooks_complete_or_fail_as_the_faults_say() {
    let plan = plan();
    let request = RunbookRequest {
        account: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa".into(),
        runbook: "Drain-AppServers".into(),
        params: [("Secret".to_owned(), "hunter2".to_owned())].into(),
    };
    let clock = Clock::test();
    let sim = Simulator::in_memory(&plan, clock, DEFAULT_SPEED);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let t0 = clock.now();
    let ok = sim
        .run_runbook(&request, &move |p| sink.lock().unwrap().push(p.message))
        .await
        .unwrap();
    assert!(ok.succeeded);
    assert_eq!(ok.status, "Completed");
    assert_eq!(
        clock.now().since(t0),
        Duration::from_secs(1),
        "5 minutes at ×300"
    );
    assert_eq!(ok.job.split('-').count(), 5);
    assert!(!ok.output_tail.contains("hunter2"));
    assert_eq!(seen.lock().unwrap().len(), 3);

    let sim = sim.with_faults(faults(
        r#"{"operations": [{"runbook": "Drain-AppServers", "effect": "fail", "times": 1,
                            "message": "Drain timed out"}]}"#,
    ));
    let failed = sim.run_runbook(&request, &|_| {}).await.unwrap();
    assert!(!failed.succeeded);
    assert_eq!(failed.status, "Failed");
    assert_eq!(failed.exception.as_deref(), Some("Drain timed out"));
    assert!(failed.output_tail.contains("Exception: Drain timed out"));
    assert_ne!(failed.job, ok.job);
    assert!(sim.run_runbook(&request, &|_| {}).await.unwrap().succeeded);

    let sim = sim.with_faults(faults(
        r#"{"operations": [{"runbook": "Drain-AppServers", "effect": "hang"}]}"#,
    ));
    let stopped = sim.run_runbook(&request, &|_| {}).await.unwrap();
    assert_eq!(stopped.status, "Stopped");
}

fn fault_error(json: &str) -> String {
    let (dir, plan_path) = plan_dir();
    std::fs::write(dir.path().join("shop.faults.json"), json).unwrap();
    let err = Simulator::open(&plan(), &plan_path, Clock::test(), DEFAULT_SPEED).unwrap_err();
    let ProviderError::BadFile { path, message } = err else {
        panic!("{err}");
    };
    assert!(Path::new(&path).ends_with("shop.faults.json"), "{path}");
    assert!(
        message.contains("delete it to run without faults"),
        "{message}"
    );
    message
}

#[tokio::test(start_paused = true)]
async fn bad_fault_files_say_what_is_wrong() {
    let cases = [
        (
            r#"{"operations": [{"vm": "db-1", "operation": "failover", "effect": "fail"}]}"#,
            "unknown VM `db-1` (did you mean `db-01`?); the plan's VMs are `db-01`, `db-02`, `app-01`",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "operation": "failovr", "effect": "fail"}]}"#,
            "did you mean `failover`?",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "operation": "failover", "efect": "fail"}]}"#,
            "unknown field `efect`",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "operation": "failover", "effect": "slow"}]}"#,
            "needs `factor`",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "operation": "failover", "effect": "hang", "factor": 2}]}"#,
            "`factor` applies only to",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "effect": "fail"}]}"#,
            "give `vm` and `operation`, or `runbook` alone",
        ),
        (
            r#"{"operations": [{"runbook": "Drain", "effect": "fail"}]}"#,
            "unknown runbook `Drain`",
        ),
        (
            r#"{"operations": [{"vm": "db-01", "operation": "commit", "effect": "fail"},
                               {"vm": "db-01", "operation": "commit", "effect": "hang"}]}"#,
            "operations[1]: a fault for the same VM and operation",
        ),
        (
            r#"{"health": [{"vm": "db-01", "health": "meh", "kind": "replication"}]}"#,
            "unknown variant `meh`",
        ),
        (r#"{"rpo_s": {"web-9": 5}}"#, "rpo_s: unknown VM `web-9`"),
        (r#"{"operation": []}"#, "unknown field `operation`"),
        ("{", "EOF"),
    ];
    for (json, expected) in cases {
        let message = fault_error(json);
        assert!(message.contains(expected), "{json}: {message}");
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

#[tokio::test(start_paused = true)]
async fn a_runbook_started_without_waiting_passes_its_statuses_on_the_clock() {
    let plan = plan();
    let clock = Clock::test();
    let sim = Simulator::in_memory(&plan, clock, DEFAULT_SPEED).with_faults(faults(
        r#"{"operations": [{"runbook": "Drain-AppServers", "effect": "fail", "times": 1,
                            "message": "Drain timed out"}]}"#,
    ));
    let job = sim
        .start_runbook("Drain-AppServers", Some("my-job"))
        .unwrap();
    assert_eq!(job.job, "my-job");
    let at = |ms| job.status(job.created.plus(Duration::from_millis(ms)));
    // 5 minutes at ×300: one second, 2% queued, 3% activating.
    assert_eq!(at(0).status, "New");
    assert_eq!(at(30).status, "Activating");
    assert_eq!(at(60).status, "Running");
    assert_eq!(at(0).started, None);
    assert!(at(60).started.is_some());
    let end = at(1_000);
    assert_eq!(end.status, "Failed");
    assert_eq!(
        end.outcome.unwrap().exception.as_deref(),
        Some("Drain timed out")
    );
    // The fault hit once: the next job completes, under a fresh name.
    let next = sim.start_runbook("Drain-AppServers", None).unwrap();
    assert_ne!(next.job, "my-job");
    let done = next.status(next.created.plus(Duration::from_secs(1)));
    assert_eq!(done.status, "Completed");
    assert!(done.outcome.unwrap().succeeded);
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
