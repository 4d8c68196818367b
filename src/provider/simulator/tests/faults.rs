//! Injected faults: failing, hanging and slow jobs, health issues, RPO,
//! runbooks, and bad fault files.

use super::*;

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
