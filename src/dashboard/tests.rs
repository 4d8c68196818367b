//! Dashboard tests: machines, vault health and jobs built by hand in, the
//! model, its JSON and its text checked out.

use std::time::{Duration as StdDuration, UNIX_EPOCH};

use serde_json::json;

use super::*;
use crate::provider::{JobError, JobState};
use crate::source::SourceFile;

const DAY: u64 = 86_400;

fn now() -> Timestamp {
    // 2026-01-01T00:00:00Z, as `Clock::test`.
    Timestamp(UNIX_EPOCH + StdDuration::from_secs(1_767_225_600))
}

fn ago(secs: u64) -> Timestamp {
    Timestamp(now().0 - StdDuration::from_secs(secs))
}

fn plan(objectives: &str) -> Plan {
    let text = format!(
        "plan shop {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  {objectives}\n  group db {{\n    vm db-01\n  }}\n  group web needs db {{\n    vm web-01\n    vm web-02\n  }}\n}}\n"
    );
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", text));
    assert!(diags.is_empty(), "{diags:?}");
    plan.unwrap()
}

/// Replicating primary to recovery, healthy, never tested.
fn protected(vm: &str) -> Machine {
    Machine {
        vm: vm.into(),
        item: vm.into(),
        protection_state: "Protected".into(),
        active_location: Location::Primary,
        replicating_from: Some(Location::Primary),
        allowed: vec![
            AsrOperation::UnplannedFailover,
            AsrOperation::TestFailover,
            AsrOperation::DisableProtection,
        ],
        health: Health::Healthy,
        issues: vec![],
        rpo_s: Some(42),
        last_test_failover: None,
        current_job: None,
        target: crate::target::TargetSettings::default(),
        source_vm: None,
        consistency_group: None,
    }
}

/// Failed over, not committed.
fn failed_over(vm: &str) -> Machine {
    Machine {
        protection_state: "UnplannedFailoverCommitPendingStatesBegin".into(),
        active_location: Location::Recovery,
        replicating_from: None,
        allowed: vec![
            AsrOperation::Commit,
            AsrOperation::ChangePit,
            AsrOperation::DisableProtection,
        ],
        rpo_s: None,
        ..protected(vm)
    }
}

fn tested(m: Machine, at: Timestamp) -> Machine {
    Machine {
        last_test_failover: Some(at),
        ..m
    }
}

fn issue(code: &str, kind: IssueKind, severity: Health) -> HealthIssue {
    HealthIssue {
        code: code.into(),
        kind,
        severity,
        message: format!("{code} happened"),
        possible_causes: None,
        recommended_action: Some(format!("fix {code}")),
    }
}

fn job(id: &str, vm: &str, state: JobState, started: Timestamp, ended: Option<Timestamp>) -> Job {
    Job {
        id: JobId(id.into()),
        name: "Failover".into(),
        operation: Operation::Failover,
        vm: vm.into(),
        state,
        started,
        ended,
        percent: None,
        message: None,
        errors: vec![],
    }
}

fn dash(plan: &Plan, machines: &[Machine]) -> Dashboard {
    build(plan, machines, &VaultHealth::default(), &[], now())
}

#[test]
fn items_follow_plan_order_and_are_counted_by_health() {
    let p = plan("");
    let mut warn = protected("web-02");
    warn.health = Health::Warning;
    let mut crit = protected("db-01");
    crit.health = Health::Critical;
    // Out of order, with a machine the plan does not name and a duplicate.
    let machines = [
        warn,
        protected("stray"),
        crit,
        protected("web-01"),
        protected("web-02"),
    ];
    let d = dash(&p, &machines);
    let order: Vec<(&str, &str)> = d
        .items
        .iter()
        .map(|i| (i.vm.as_str(), i.group.as_str()))
        .collect();
    assert_eq!(
        order,
        [("db-01", "db"), ("web-01", "web"), ("web-02", "web")]
    );
    assert_eq!(
        d.summary,
        HealthSummary {
            healthy: 1,
            warning: 1,
            critical: 1
        }
    );
    assert!(d.not_found.is_empty());
    assert_eq!(d.plan, "shop");
    assert_eq!(d.vault, "simulator");

    let d = dash(&p, &[protected("web-01")]);
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.not_found, ["db-01", "web-02"]);
    assert_eq!(d.summary.healthy, 1);
}

#[test]
fn item_test_failover_is_performed_for_180_days_then_recommended() {
    let status = |m: Machine| test_status(&m, now());
    assert_eq!(status(protected("a")), TestStatus::Recommended);
    assert_eq!(
        status(tested(protected("a"), ago(180 * DAY))),
        TestStatus::Performed
    );
    assert_eq!(
        status(tested(protected("a"), ago(180 * DAY + 1))),
        TestStatus::Recommended
    );
    assert_eq!(
        status(tested(protected("a"), ago(DAY))),
        TestStatus::Performed
    );

    // Test done, cleanup pending: it applies, but the pending test does not count yet.
    let mut pending = protected("a");
    pending.allowed = vec![AsrOperation::TestFailoverCleanup];
    assert_eq!(status(pending.clone()), TestStatus::Recommended);
    assert_eq!(status(tested(pending, ago(DAY))), TestStatus::Performed);

    // Failed over, or reprotecting (nothing allowed): no test applies, however old the last.
    assert_eq!(status(failed_over("a")), TestStatus::NotApplicable);
    let mut reprotecting = failed_over("a");
    reprotecting.allowed.clear();
    assert_eq!(
        status(tested(reprotecting, ago(400 * DAY))),
        TestStatus::NotApplicable
    );

    // Replicating back after reprotect: a test applies again.
    let mut back = protected("a");
    back.active_location = Location::Recovery;
    back.replicating_from = Some(Location::Recovery);
    assert_eq!(status(back), TestStatus::Recommended);
}

#[test]
fn plan_test_failover_needs_every_applicable_machine_tested() {
    let p = plan("");
    let all_tested = [
        tested(protected("db-01"), ago(10 * DAY)),
        tested(protected("web-01"), ago(100 * DAY)),
        // Not applicable: its old test neither counts nor ages the plan.
        tested(failed_over("web-02"), ago(300 * DAY)),
    ];
    let t = dash(&p, &all_tested).test_failover;
    assert_eq!(t.status, TestStatus::Performed);
    assert_eq!(t.last_success, Some(ago(100 * DAY)));
    assert_eq!(t.due, Some(ago(100 * DAY).plus(TEST_FAILOVER_FRESHNESS)));
    assert_eq!((t.recommended, t.performed, t.not_applicable), (0, 2, 1));

    let one_stale = [
        tested(protected("db-01"), ago(10 * DAY)),
        tested(protected("web-01"), ago(181 * DAY)),
        failed_over("web-02"),
    ];
    let t = dash(&p, &one_stale).test_failover;
    assert_eq!(t.status, TestStatus::Recommended);
    assert_eq!(t.last_success, Some(ago(181 * DAY)));

    let one_never = [
        tested(protected("db-01"), ago(10 * DAY)),
        protected("web-01"),
        failed_over("web-02"),
    ];
    let t = dash(&p, &one_never).test_failover;
    assert_eq!(t.status, TestStatus::Recommended);
    assert_eq!((t.last_success, t.due), (None, None));

    let none_applies = [
        tested(failed_over("db-01"), ago(DAY)),
        failed_over("web-01"),
        failed_over("web-02"),
    ];
    let t = dash(&p, &none_applies).test_failover;
    assert_eq!(t.status, TestStatus::NotApplicable);
    assert_eq!(t.last_success, None);
    assert_eq!(t.not_applicable, 3);
}

#[test]
fn rpo_over_the_objective_is_flagged() {
    let p = plan("objectives { rpo 5m }");
    let at = |rpo: Option<u64>, vm: &str| Machine {
        rpo_s: rpo,
        ..protected(vm)
    };
    let d = dash(
        &p,
        &[
            at(Some(300), "db-01"),
            at(Some(301), "web-01"),
            at(None, "web-02"),
        ],
    );
    assert_eq!(
        d.rpo,
        RpoSummary {
            objective_s: Some(300),
            worst_s: Some(301),
            breaching: vec!["web-01".into()],
        }
    );
    let flags: Vec<bool> = d.items.iter().map(|i| i.rpo_breached).collect();
    assert_eq!(flags, [false, true, false]);

    // Without an objective nothing breaches, but the worst is still shown.
    let d = dash(&plan(""), &[at(Some(9_999), "db-01")]);
    assert_eq!(d.rpo.objective_s, None);
    assert_eq!(d.rpo.worst_s, Some(9_999));
    assert!(d.rpo.breaching.is_empty());
    assert!(!d.items[0].rpo_breached);
}

#[test]
fn configuration_issues_are_counted_by_kind_and_listed() {
    let p = plan("");
    let mut db = protected("db-01");
    db.health = Health::Critical;
    db.issues = vec![
        issue("HighRpo", IssueKind::Replication, Health::Critical),
        issue("NoNetwork", IssueKind::MissingResource, Health::Critical),
    ];
    let mut web = protected("web-02");
    web.issues = vec![issue(
        "AgentExpiry",
        IssueKind::SoftwareUpdate,
        Health::Warning,
    )];
    let vault = VaultHealth {
        issues: vec![
            issue("QuotaCores", IssueKind::SubscriptionQuota, Health::Warning),
            issue("NoCache", IssueKind::MissingResource, Health::Warning),
        ],
    };
    let d = build(&p, &[db, protected("web-01"), web], &vault, &[], now());
    assert_eq!(
        d.configuration_issues,
        ConfigurationIssues {
            missing_configurations: 0,
            missing_resources: 2,
            subscription_quota: 1,
            software_updates: 1,
        }
    );
    assert_eq!(d.configuration_issues.total(), d.issues.len());
    let listed: Vec<(Option<&str>, &str)> = d
        .issues
        .iter()
        .map(|i| (i.vm.as_deref(), i.code.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (Some("db-01"), "NoNetwork"),
            (None, "NoCache"),
            (None, "QuotaCores"),
            (Some("web-02"), "AgentExpiry"),
        ]
    );
    // The replication issue is no configuration issue, but the item keeps it.
    assert_eq!(d.items[0].issues.len(), 2);
    assert_eq!(
        d.issues[0].recommended_action.as_deref(),
        Some("fix NoNetwork")
    );
}

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
fn busy() -> Dashboard {
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

mod headline;
mod jobs;
