//! The checks one machine answers by itself, from what the vault says of it:
//! a plan VM, its [`Machine`] and the operation in; its `state`,
//! `job_in_progress`, `health`, `config`, `rpo`, `drift` and `drill_stale`
//! findings out. No read beyond the vault's items.

use crate::clock::Timestamp;
use crate::duration::Duration;
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::{Health, HealthIssue, IssueKind, Machine, Target};
use crate::target::drift;

use super::finding::{Finding, FindingKind, Severity};
use super::scope::Scope;

/// A finding about one VM.
pub(super) fn about(
    target: &Target,
    severity: Severity,
    kind: FindingKind,
    message: String,
    remedy: String,
    details: serde_json::Value,
) -> Finding {
    Finding {
        severity,
        kind,
        vm: Some(target.vm.clone()),
        group: Some(target.group.clone()),
        message,
        remedy,
        details,
    }
}

/// The state finding of a machine that does not allow `op`, if any.
pub(super) fn state(op: Operation, target: &Target, machine: &Machine) -> Option<Finding> {
    let reason = super::ready(op, machine).err()?;
    Some(match &machine.current_job {
        Some(job) => about(
            target,
            Severity::Blocker,
            FindingKind::JobInProgress,
            format!("{}: {reason}", target.vm),
            format!(
                "wait for job {job} to end (`drplan jobs` follows it), then run {op} again"
            ),
            serde_json::json!({ "job": job }),
        ),
        None => about(
            target,
            Severity::Blocker,
            FindingKind::State,
            format!("{}: {reason}", target.vm),
            "bring the machine to a state that allows it (`drplan status` shows each machine's state and allowed operations)"
                .to_owned(),
            serde_json::json!({
                "protection_state": machine.protection_state,
                "active_location": machine.active_location,
                "allowed": machine.allowed,
            }),
        ),
    })
}

/// Replication health, the vault's configuration issues of the machine and
/// its RPO against the objective.
pub(super) fn replication(
    scope: &Scope,
    plan: &Plan,
    target: &Target,
    machine: &Machine,
    out: &mut Vec<Finding>,
) {
    let (config, other): (Vec<&HealthIssue>, Vec<&HealthIssue>) =
        machine.issues.iter().partition(|i| is_config(i.kind));
    for issue in config {
        out.push(config_finding(Some(target), issue));
    }
    if machine.health != Health::Healthy {
        let critical = machine.health == Health::Critical;
        let severity = if critical && scope.operation == Operation::TestFailover {
            Severity::Blocker
        } else {
            Severity::Warning
        };
        let errors: Vec<String> = other
            .iter()
            .map(|i| format!("{} ({})", i.message, i.code))
            .collect();
        let what = if critical { "critical" } else { "in warning" };
        let message = if errors.is_empty() {
            format!("{}: replication health is {what}", target.vm)
        } else {
            format!(
                "{}: replication health is {what}: {}",
                target.vm,
                errors.join("; ")
            )
        };
        let remedy = other
            .iter()
            .find_map(|i| i.recommended_action.clone())
            .unwrap_or_else(|| {
                "see the item's replication health errors in the vault and resolve them".to_owned()
            });
        out.push(about(
            target,
            severity,
            FindingKind::Health,
            message,
            remedy,
            serde_json::json!({ "health": machine.health, "errors": other }),
        ));
    }
    if let (Some(rpo_s), Some(objective)) = (machine.rpo_s, plan.objectives.rpo)
        && rpo_s > objective.as_secs_ceil()
    {
        out.push(about(
            target,
            Severity::Warning,
            FindingKind::Rpo,
            format!(
                "{}: its RPO is {} against the objective of {objective}: a failover now loses more data than agreed",
                target.vm,
                Duration::from_secs(rpo_s)
            ),
            "find why replication lags (churn, bandwidth, agent health in the vault); fail over with `--recovery-point latest` to lose the least".to_owned(),
            serde_json::json!({ "rpo_s": rpo_s, "objective_s": objective.as_secs_ceil() }),
        ));
    }
}

/// Whether the dashboard counts an issue kind as a configuration issue.
fn is_config(kind: IssueKind) -> bool {
    !matches!(kind, IssueKind::Replication)
}

/// A configuration issue of a machine, or of the vault (`target` `None`).
pub(super) fn config_finding(target: Option<&Target>, issue: &HealthIssue) -> Finding {
    let what = match issue.kind {
        IssueKind::MissingConfiguration => "missing configuration",
        IssueKind::MissingResource => "missing resource",
        IssueKind::SubscriptionQuota => "subscription quota",
        IssueKind::SoftwareUpdate => "software update",
        IssueKind::Replication => "replication",
    };
    let on = target.map_or_else(|| "the vault".to_owned(), |t| t.vm.clone());
    Finding {
        severity: Severity::Warning,
        kind: FindingKind::Config,
        vm: target.map(|t| t.vm.clone()),
        group: target.map(|t| t.group.clone()),
        message: format!("{on}: {what}: {} ({})", issue.message, issue.code),
        remedy: issue.recommended_action.clone().unwrap_or_else(|| {
            "resolve the configuration issue the vault reports, then check again".to_owned()
        }),
        details: serde_json::json!({ "code": issue.code, "issue": issue.kind, "possible_causes": issue.possible_causes }),
    }
}

/// Where the vault's target settings differ from the plan's.
pub(super) fn drifted(
    target: &Target,
    machine: &Machine,
    plan_vm: &crate::plan::Vm,
) -> Option<Finding> {
    let changes = drift(&machine.target, &plan_vm.target);
    if changes.is_empty() {
        return None;
    }
    let listed: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{} is {} in the vault, {} in the plan",
                c.setting,
                c.vault
                    .as_ref()
                    .map_or_else(|| "unset".to_owned(), ToString::to_string),
                c.plan_value().map(|v| v.to_string()).unwrap_or_default()
            )
        })
        .collect();
    let rows: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "setting": c.setting,
                "vault": c.vault,
                "plan": c.plan_value(),
            })
        })
        .collect();
    Some(about(
        target,
        Severity::Warning,
        FindingKind::Drift,
        format!("{}: {}", target.vm, listed.join("; ")),
        "make the vault match the plan with `drplan run configure PLAN` (`--dry-run` shows the changes first)".to_owned(),
        serde_json::json!({ "changes": rows }),
    ))
}

/// Whether the machine was drilled within `objectives.drill`.
pub(super) fn drill(
    plan: &Plan,
    target: &Target,
    machine: &Machine,
    now: Timestamp,
) -> Option<Finding> {
    let objective = plan.objectives.drill?;
    let last = machine.last_test_failover;
    let age = last.map(|t| now.since(t));
    if age.is_some_and(|a| a <= objective.to_std()) {
        return None;
    }
    let message = match age {
        Some(age) => format!(
            "{}: its last successful test failover was {} ago, longer than the drill objective of {objective}",
            target.vm,
            rounded(age.as_secs())
        ),
        None => format!(
            "{}: it has never had a successful test failover; the drill objective is {objective}",
            target.vm
        ),
    };
    Some(about(
        target,
        Severity::Warning,
        FindingKind::DrillStale,
        message,
        "drill it: `drplan run test-failover PLAN`, check the application, then `drplan run test-cleanup PLAN`".to_owned(),
        serde_json::json!({
            "last_test_failover": last,
            "age_s": age.map(|a| a.as_secs()),
            "objective_s": objective.as_secs_ceil(),
        }),
    ))
}

/// An age as people say it: whole days past a day, whole hours past an hour.
fn rounded(secs: u64) -> Duration {
    let unit = match secs {
        86_400.. => 86_400,
        3600.. => 3600,
        _ => 60,
    };
    Duration::from_secs(secs / unit * unit)
}
