//! The monitoring dashboard of `drplan status` and the job list of `drplan
//! jobs`. In: a checked plan, the state of its machines, the vault's health,
//! the Site Recovery jobs and the time now. Out: a [`Dashboard`] or a
//! [`JobsReport`], which serialize as cli.md's `status --format json` and
//! `jobs --format json`, and their terminal renderings ([`human`],
//! [`jobs_human`]).
//!
//! Everything here is pure: no I/O, no provider calls, and the time is passed
//! in, so that `--watch`, `--simulate` and tests get the same answer from the
//! same state. The command line reads the provider and calls these.
//!
//! Choices the specification leaves open (cli.md "Status", asr-model.md "The
//! dashboard") are made once, here:
//! - An item's test failover *applies* when ASR allows `TestFailover` or a
//!   test waits for `TestFailoverCleanup`; it is `performed` when its last
//!   successful test is at most [`TEST_FAILOVER_FRESHNESS`] (180 days) old,
//!   else `recommended`. A test pending cleanup does not count yet: ASR sets
//!   the time only when the cleanup succeeds.
//! - The plan's `test_failover.last_success` is the *oldest* last success
//!   among the machines where a test applies (null when one of them has never
//!   been tested, or none applies): the plan has been drilled in full since
//!   then, and the drill is due 180 days after it (`due`).
//! - Allowed operations are drplan's names, derived from ASR's
//!   `allowedOperations` and the active location ([`Machine::operations`]);
//!   `ChangePit` and `DisableProtection` have no drplan operation and are
//!   left out.
//! - The headline groups the items by the region they run in and their
//!   [`Stage`]; the VMs the vault did not report are left out of it (they are
//!   listed in `not_found`).
//! - A job's `duration_s` runs to its end, or to now while it is not finished.

mod headline;
mod human;
mod jobs;
mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::plan::Plan;
use crate::provider::{
    AsrOperation, Health, HealthIssue, IssueKind, Job, JobId, Location, Machine, Stage, VaultHealth,
};

pub use headline::{Headline, Position};
pub use human::human;
pub use jobs::{JobRow, JobsReport, JobsSummary, jobs_human, jobs_report};

/// How recent a successful test failover must be for a machine to count as
/// tested: ASR recommends a test when there was none in the last 180 days.
pub const TEST_FAILOVER_FRESHNESS: std::time::Duration =
    std::time::Duration::from_secs(180 * 86_400);

/// How many jobs the dashboard lists: the unfinished ones always, then the
/// most recent others up to this many (`drplan jobs` lists them all).
pub const RECENT_JOBS: usize = 10;

/// The dashboard of one plan (cli.md "Status").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// The plan's name.
    pub plan: String,
    /// Where the plan's VMs run and where they stand in the cycle.
    pub headline: Headline,
    /// The vault: `simulator` or its ARM id.
    pub vault: String,
    /// Every vault of a plan across vaults, the plan's first (absent for a
    /// plan in one vault).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vaults: Vec<String>,
    /// Items by replication health.
    pub summary: HealthSummary,
    /// Whether the plan needs a test failover.
    pub test_failover: TestFailoverSummary,
    /// Configuration issues of the machines and the vault, by kind.
    pub configuration_issues: ConfigurationIssues,
    /// One per plan VM the vault reported, in plan order (groups, then VMs).
    pub items: Vec<Item>,
    /// The unfinished jobs and the most recent others, newest first (see [`RECENT_JOBS`]).
    pub jobs: Vec<JobRow>,
    /// Replication lag against `objectives.rpo`.
    pub rpo: RpoSummary,
    /// Job counts as ASR's dashboard shows them, over every job given.
    pub jobs_summary: JobsSummary,
    /// The configuration issues counted in `configuration_issues` (`vm` set),
    /// and every issue of the vault itself (`vm` null), ordered by kind, then
    /// plan order, the vault's last.
    pub issues: Vec<IssueRow>,
    /// Plan VMs the vault reported nothing for, in plan order.
    pub not_found: Vec<String>,
    /// When the dashboard was built.
    pub at: Timestamp,
}

/// Items by health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HealthSummary {
    /// ASR's `Normal`.
    pub healthy: usize,
    /// ASR's `Warning`.
    pub warning: usize,
    /// ASR's `Critical`.
    pub critical: usize,
}

/// ASR's failover test states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// A test applies and none succeeded in the last 180 days.
    Recommended,
    /// A test succeeded in the last 180 days.
    Performed,
    /// No test failover applies in the current state (failed over,
    /// reprotecting, …).
    NotApplicable,
}

/// The plan's failover test state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TestFailoverSummary {
    /// `recommended` if any machine where a test applies needs one,
    /// `performed` if all of them had one, `not_applicable` if none applies.
    pub status: TestStatus,
    /// The oldest last success among machines where a test applies: the plan
    /// has been tested in full since. Null when one was never tested or none applies.
    pub last_success: Option<Timestamp>,
    /// When the next test is due: `last_success` plus 180 days.
    pub due: Option<Timestamp>,
    /// Machines that need a test.
    pub recommended: usize,
    /// Machines tested in the last 180 days.
    pub performed: usize,
    /// Machines where no test applies now.
    pub not_applicable: usize,
}

/// Configuration issue counts by kind (asr-model.md "The dashboard").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ConfigurationIssues {
    /// A configuration an item needs is missing.
    pub missing_configurations: usize,
    /// A resource an item needs is missing.
    pub missing_resources: usize,
    /// A subscription quota would be exceeded.
    pub subscription_quota: usize,
    /// An agent or extension needs an update.
    pub software_updates: usize,
}

impl ConfigurationIssues {
    /// All of them.
    pub fn total(&self) -> usize {
        self.missing_configurations
            + self.missing_resources
            + self.subscription_quota
            + self.software_updates
    }

    fn count(&mut self, kind: IssueKind) {
        match kind {
            IssueKind::MissingConfiguration => self.missing_configurations += 1,
            IssueKind::MissingResource => self.missing_resources += 1,
            IssueKind::SubscriptionQuota => self.subscription_quota += 1,
            IssueKind::SoftwareUpdate => self.software_updates += 1,
            IssueKind::Replication => {}
        }
    }
}

/// Which way an item replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the primary region to the recovery region.
    PrimaryToRecovery,
    /// From the recovery region back to the primary (after reprotect).
    RecoveryToPrimary,
}

impl Direction {
    fn from_source(source: Location) -> Self {
        match source {
            Location::Primary => Direction::PrimaryToRecovery,
            Location::Recovery => Direction::RecoveryToPrimary,
        }
    }
}

/// One plan VM on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The plan VM.
    pub vm: String,
    /// Its group.
    pub group: String,
    /// The vault it is in, for a plan across vaults (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// Replication health.
    pub health: Health,
    /// ASR's `protectionState` in snake case (`Protected` → `protected`), for display.
    pub protection_state: String,
    /// Where it runs.
    pub active_location: Location,
    /// Where it stands in the cycle.
    pub stage: Stage,
    /// Which way it replicates; null when it is not protected.
    pub replicating: Option<Direction>,
    /// The current recovery point objective, in seconds.
    pub rpo_s: Option<u64>,
    /// Whether `rpo_s` is over the plan's `objectives.rpo`.
    pub rpo_breached: bool,
    /// Its failover test state.
    pub test_failover: TestStatus,
    /// When its last test failover succeeded.
    pub last_test_failover: Option<Timestamp>,
    /// What drplan may run on it now, in the order of the recovery cycle.
    pub allowed_operations: Vec<Operation>,
    /// The replicated item's name.
    pub item: String,
    /// The multi-VM consistency group it shares recovery points with.
    pub consistency_group: Option<String>,
    /// The job of the operation in progress.
    pub current_job: Option<JobId>,
    /// Every health issue of the machine, replication ones included.
    pub issues: Vec<HealthIssue>,
}

/// One issue in the dashboard's issue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRow {
    /// The plan VM; null for an issue of the vault itself.
    pub vm: Option<String>,
    /// Its dashboard kind.
    pub kind: IssueKind,
    /// How bad it is.
    pub severity: Health,
    /// ASR's error code.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Why it may be so.
    pub possible_causes: Option<String>,
    /// What to do.
    pub recommended_action: Option<String>,
}

impl IssueRow {
    fn new(vm: Option<&str>, issue: &HealthIssue) -> Self {
        Self {
            vm: vm.map(str::to_owned),
            kind: issue.kind,
            severity: issue.severity,
            code: issue.code.clone(),
            message: issue.message.clone(),
            possible_causes: issue.possible_causes.clone(),
            recommended_action: issue.recommended_action.clone(),
        }
    }
}

/// Replication lag against the plan's objective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RpoSummary {
    /// `objectives.rpo` in seconds (rounded up), when the plan sets it.
    pub objective_s: Option<u64>,
    /// The largest `rpo_s` of any item.
    pub worst_s: Option<u64>,
    /// Items whose RPO is over the objective, in plan order.
    pub breaching: Vec<String>,
}

/// Builds the dashboard of `plan` from what the provider reported at `now`.
/// `machines` are matched to plan VMs by name (the first one wins); machines
/// the plan does not name are ignored. `jobs` may come in any order.
pub fn build(
    plan: &Plan,
    machines: &[Machine],
    vault: &VaultHealth,
    jobs: &[Job],
    now: Timestamp,
) -> Dashboard {
    let mut by_vm: BTreeMap<&str, &Machine> = BTreeMap::new();
    for m in machines {
        by_vm.entry(m.vm.as_str()).or_insert(m);
    }
    let objective_ms = plan
        .objectives
        .rpo
        .map(crate::duration::Duration::as_millis);

    let mut items = Vec::new();
    let mut not_found = Vec::new();
    let several = plan.vaults().len() > 1;
    for (id, group) in plan.groups.iter().enumerate() {
        for vm in &group.vms {
            match by_vm.get(vm.name.as_str()) {
                Some(m) => {
                    let mut it = item(m, &group.name, objective_ms, now);
                    it.vault = several.then(|| plan.vault_of(id).to_string());
                    items.push(it);
                }
                None => not_found.push(vm.name.clone()),
            }
        }
    }

    let mut summary = HealthSummary::default();
    for it in &items {
        match it.health {
            Health::Healthy => summary.healthy += 1,
            Health::Warning => summary.warning += 1,
            Health::Critical => summary.critical += 1,
        }
    }

    let mut configuration_issues = ConfigurationIssues::default();
    let mut issues = Vec::new();
    for it in &items {
        for issue in &it.issues {
            configuration_issues.count(issue.kind);
            if issue.kind != IssueKind::Replication {
                issues.push(IssueRow::new(Some(&it.vm), issue));
            }
        }
    }
    for issue in &vault.issues {
        configuration_issues.count(issue.kind);
        issues.push(IssueRow::new(None, issue));
    }
    // Stable: within a kind, plan order and then the vault's, as collected.
    issues.sort_by_key(|i| i.kind);

    let rpo = RpoSummary {
        objective_s: plan
            .objectives
            .rpo
            .map(crate::duration::Duration::as_secs_ceil),
        worst_s: items.iter().filter_map(|i| i.rpo_s).max(),
        breaching: items
            .iter()
            .filter(|i| i.rpo_breached)
            .map(|i| i.vm.clone())
            .collect(),
    };

    Dashboard {
        plan: plan.name.clone(),
        headline: headline::headline(plan, &items),
        vault: plan.vault.to_string(),
        vaults: match plan.vaults() {
            several if several.len() > 1 => several.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        },
        summary,
        test_failover: test_failover_summary(&items),
        configuration_issues,
        jobs: jobs::recent(jobs, now, RECENT_JOBS),
        jobs_summary: jobs::summary(jobs, now),
        items,
        rpo,
        issues,
        not_found,
        at: now,
    }
}

fn item(m: &Machine, group: &str, objective_ms: Option<u64>, now: Timestamp) -> Item {
    let rpo_breached = match (m.rpo_s, objective_ms) {
        (Some(rpo), Some(objective)) => rpo.saturating_mul(1000) > objective,
        _ => false,
    };
    Item {
        vm: m.vm.clone(),
        group: group.to_owned(),
        vault: None,
        health: m.health,
        protection_state: snake_case(&m.protection_state),
        active_location: m.active_location,
        stage: m.stage(),
        replicating: m.replicating_from.map(Direction::from_source),
        rpo_s: m.rpo_s,
        rpo_breached,
        test_failover: test_status(m, now),
        last_test_failover: m.last_test_failover,
        allowed_operations: m.operations(),
        item: m.item.clone(),
        consistency_group: m.consistency_group.clone(),
        current_job: m.current_job.clone(),
        issues: m.issues.clone(),
    }
}

/// A machine's failover test state at `now` (see the module docs).
pub fn test_status(m: &Machine, now: Timestamp) -> TestStatus {
    let applies =
        m.allows(AsrOperation::TestFailover) || m.allows(AsrOperation::TestFailoverCleanup);
    if !applies {
        TestStatus::NotApplicable
    } else if m
        .last_test_failover
        .is_some_and(|t| now.since(t) <= TEST_FAILOVER_FRESHNESS)
    {
        TestStatus::Performed
    } else {
        TestStatus::Recommended
    }
}

fn test_failover_summary(items: &[Item]) -> TestFailoverSummary {
    let count = |s: TestStatus| items.iter().filter(|i| i.test_failover == s).count();
    let (recommended, performed, not_applicable) = (
        count(TestStatus::Recommended),
        count(TestStatus::Performed),
        count(TestStatus::NotApplicable),
    );
    let status = if recommended > 0 {
        TestStatus::Recommended
    } else if performed > 0 {
        TestStatus::Performed
    } else {
        TestStatus::NotApplicable
    };
    // `None` sorts before every `Some`: one applicable machine never tested
    // makes the plan's last full test unknown.
    let last_success = items
        .iter()
        .filter(|i| i.test_failover != TestStatus::NotApplicable)
        .map(|i| i.last_test_failover)
        .min()
        .flatten();
    TestFailoverSummary {
        status,
        last_success,
        due: last_success.map(|t| t.plus(TEST_FAILOVER_FRESHNESS)),
        recommended,
        performed,
        not_applicable,
    }
}

/// `UnplannedFailoverCommitPendingStatesBegin` → `unplanned_failover_commit_pending_states_begin`:
/// ASR's free-text states in the same case as every other value of the JSON.
/// A word starts at an upper-case letter after a lower-case one, or at the
/// last capital of an acronym (`A2AProtected` → `a2a_protected`); spaces and
/// dashes become underscores; text already in snake case is kept.
fn snake_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        if c == ' ' || c == '-' {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() {
            let after_word = prev.is_some_and(char::is_lowercase);
            let ends_acronym = prev.is_some_and(|p| p.is_uppercase() || p.is_ascii_digit())
                && next.is_some_and(char::is_lowercase);
            if (after_word || ends_acronym) && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
