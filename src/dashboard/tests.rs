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

mod headline;
mod jobs;
mod output;

use output::busy;
