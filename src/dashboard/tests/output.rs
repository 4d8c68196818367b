//! The dashboard as users read it: a busy vault's model in; its JSON
//! against the shape CLI.md documents, and its text (facts, colour, the
//! whole screen) out.

use super::*;

#[test]
fn json_has_the_shape_of_cli_md() {
    let p = plan("objectives { rpo 1m }");
    let machines = [
        tested(protected("db-01"), ago(DAY)),
        protected("web-01"),
        failed_over("web-02"),
    ];
    let jobs = [job(
        "j1",
        "web-02",
        JobState::Succeeded,
        ago(3_600),
        Some(ago(3_388)),
    )];
    let d = build(&p, &machines, &VaultHealth::default(), &jobs, now());
    let v = serde_json::to_value(&d).unwrap();

    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "plan",
        "headline",
        "vault",
        "summary",
        "test_failover",
        "configuration_issues",
        "items",
        "jobs",
        "rpo",
        "jobs_summary",
        "issues",
        "not_found",
        "at",
    ] {
        assert!(keys.contains(&key), "missing {key} in {keys:?}");
    }
    assert_eq!(v["plan"], "shop");
    assert_eq!(v["vault"], "simulator");
    assert_eq!(
        v["summary"],
        json!({"healthy": 3, "warning": 0, "critical": 0})
    );
    assert_eq!(v["test_failover"]["status"], "recommended");
    assert_eq!(v["test_failover"]["last_success"], json!(null));
    assert_eq!(
        v["configuration_issues"],
        json!({"missing_configurations": 0, "missing_resources": 0, "subscription_quota": 0, "software_updates": 0})
    );
    assert_eq!(
        v["items"][1],
        json!({
            "vm": "web-01", "group": "web", "health": "healthy", "protection_state": "protected",
            "active_location": "primary", "stage": "protected",
            "replicating": "primary_to_recovery", "rpo_s": 42,
            "rpo_breached": false, "test_failover": "recommended", "last_test_failover": null,
            "allowed_operations": ["failover", "test-failover"], "item": "web-01",
            "consistency_group": null, "current_job": null, "issues": []
        })
    );
    assert_eq!(v["items"][0]["test_failover"], "performed");
    assert_eq!(
        v["items"][0]["last_test_failover"],
        "2025-12-31T00:00:00.000Z"
    );
    assert_eq!(v["items"][2]["test_failover"], "not_applicable");
    assert_eq!(v["items"][2]["replicating"], json!(null));
    assert_eq!(v["items"][2]["active_location"], "recovery");
    assert_eq!(
        v["items"][2]["protection_state"],
        "unplanned_failover_commit_pending_states_begin"
    );
    assert_eq!(v["items"][2]["allowed_operations"], json!(["commit"]));
    assert_eq!(
        v["jobs"][0],
        json!({
            "name": "Failover", "operation": "failover", "vm": "web-02", "state": "succeeded",
            "started": "2025-12-31T23:00:00.000Z", "duration_s": 212, "id": "j1",
            "ended": "2025-12-31T23:03:32.000Z", "percent": null, "message": null, "errors": []
        })
    );
    assert_eq!(
        v["rpo"],
        json!({"objective_s": 60, "worst_s": 42, "breaching": []})
    );
    assert_eq!(
        v["jobs_summary"],
        json!({"failed_24h": 0, "in_progress": 0, "waiting_for_input": 0})
    );
    assert_eq!(v["at"], "2026-01-01T00:00:00.000Z");

    let report = serde_json::to_value(jobs_report(&jobs, now(), Some(50))).unwrap();
    assert_eq!(
        report,
        json!({"jobs": [v["jobs"][0].clone()], "total": 1, "truncated": false})
    );
}

#[test]
fn protection_states_are_snake_cased() {
    assert_eq!(snake_case("Protected"), "protected");
    assert_eq!(
        snake_case("UnplannedFailoverCommitted"),
        "unplanned_failover_committed"
    );
    assert_eq!(snake_case("already_snake"), "already_snake");
    assert_eq!(snake_case("Reprotect In-Progress"), "reprotect_in_progress");
    assert_eq!(snake_case("A2AProtected"), "a2a_protected");
    assert_eq!(snake_case("Vm2Failed"), "vm2_failed");
}

/// A dashboard with a bit of everything: a stale test, an RPO breach, a
/// configuration issue, a replication issue, a failed and a running job.
pub(super) fn busy() -> Dashboard {
    let p = plan("objectives { rpo 5m }");
    let mut db = tested(protected("db-01"), ago(200 * DAY));
    db.health = Health::Warning;
    db.rpo_s = Some(400);
    db.issues = vec![issue("HighRpo", IssueKind::Replication, Health::Warning)];
    let mut web2 = failed_over("web-02");
    web2.health = Health::Critical;
    web2.issues = vec![issue(
        "NoNetwork",
        IssueKind::MissingResource,
        Health::Critical,
    )];
    let machines = [db, tested(protected("web-01"), ago(20 * DAY)), web2];
    let mut failed = job(
        "j1",
        "web-02",
        JobState::Failed,
        ago(3_600),
        Some(ago(3_400)),
    );
    failed.errors = vec![JobError {
        code: Some("70038".into()),
        message: "The VM could not start.".into(),
        possible_causes: None,
        recommended_action: Some("Check the target network.".into()),
    }];
    let mut running = job("j2", "web-02", JobState::InProgress, ago(120), None);
    running.percent = Some(40);
    build(
        &p,
        &machines,
        &VaultHealth::default(),
        &[failed, running],
        now(),
    )
}

#[test]
fn human_output_states_the_key_facts_without_colour() {
    let d = busy();
    let text = human(&d, false);
    assert!(!text.contains('\x1b'));
    for fact in [
        "shop: split between West Europe and North Europe\n",
        "2 VMs in West Europe (protected), 1 in North Europe (failed over, waiting for commit)",
        "vault simulator",
        "1 healthy, 1 warning, 1 critical",
        "recommended: 1 of 2 VMs",
        "overdue since 2025-12-12",
        "missing resources 1,",
        "over objective: db-01",
        "1 failed in 24h, 1 in progress, 0 waiting for input",
        "6m40s !",
        "failover, test-failover",
        "NoNetwork",
        "→ fix NoNetwork",
        "HighRpo",
        "in progress 40%",
        "70038: The VM could not start.",
    ] {
        assert!(text.contains(fact), "missing {fact:?} in\n{text}");
    }
    assert!(human(&d, true).contains("\x1b[31m"));
}

#[test]
fn human_dashboard_snapshot() {
    insta::assert_snapshot!(human(&busy(), false), @r#"
    shop: split between West Europe and North Europe
      2 VMs in West Europe (protected), 1 in North Europe (failed over, waiting for commit)
    vault simulator  at 2026-01-01 00:00:00Z

    health         [======~~~~~~~!!!!!!!]  1 healthy, 1 warning, 1 critical
    test failover  recommended: 1 of 2 VMs without a successful test in 180 days (1 not applicable)
                   oldest last success 2025-06-15, overdue since 2025-12-12
    configuration  1 issue: missing configurations 0, missing resources 1, subscription quota 0, software updates 0
    rpo            worst 6m40s, objective 5m; over objective: db-01
    jobs           1 failed in 24h, 1 in progress, 0 waiting for input

    VM      GROUP  HEALTH    ACTIVE    REPLICATING         RPO      TEST         ALLOWED
    db-01   db     warning   primary   primary → recovery  6m40s !  recommended  failover, test-failover
    web-01  web    healthy   primary   primary → recovery  42s      performed    failover, test-failover
    web-02  web    critical  recovery  -                   -        n/a          commit

    issues
      critical  missing resource  web-02  NoNetwork: NoNetwork happened
                                          → fix NoNetwork
      warning   replication       db-01   HighRpo: HighRpo happened
                                          → fix HighRpo

    recent jobs
      STARTED               VM      OPERATION  STATE            DURATION  JOB
      2025-12-31 23:58:00Z  web-02  failover   in progress 40%  2m        Failover
      2025-12-31 23:00:00Z  web-02  failover   failed           3m20s     Failover
        error: 70038: The VM could not start.
          → Check the target network.
    "#);
}
