//! The checked plan: typed, resolved (names to indices, defaults applied) and
//! valid by construction. `check::check` produces it only for a file with no
//! errors; `graph`, `schedule` and the executor read it.

use std::fmt;
use std::sync::Arc;

use crate::duration::Duration;
use crate::source::Span;
use crate::target::TargetSettings;

mod hooks;

pub use hooks::{Hook, HookAction, HookBlock, MapValue, Phase, Secret, StepSettings, When};

/// Built-in estimates, drawn from ASR's typical durations (spec: asr-model.md
/// "Typical durations"). Kept here, in one place, so they are easy to revise.
pub mod estimates {
    use crate::duration::Duration;

    /// Failover, failback or test failover of one VM: "a few minutes".
    pub const VM_FAILOVER: Duration = Duration::from_mins(5);
    /// Failover commit of one VM: "under a minute".
    pub const VM_COMMIT: Duration = Duration::from_mins(1);
    /// An update of one item's target settings: ASR's update job takes a minute or so.
    pub const VM_CONFIGURE: Duration = Duration::from_mins(1);
    /// Test-failover cleanup of one VM: "a few minutes".
    pub const VM_TEST_CLEANUP: Duration = Duration::from_mins(3);
    /// Reprotect of one VM: "45 minutes to 2 hours".
    pub const VM_REPROTECT: Duration = Duration::from_mins(60);
    /// A script hook.
    pub const SCRIPT: Duration = Duration::from_mins(1);
    /// A runbook hook: an Automation job queues, starts and runs.
    pub const RUNBOOK: Duration = Duration::from_mins(5);
    /// A webhook: one request.
    pub const WEBHOOK: Duration = Duration::from_secs(10);
    /// A probe that answers soon after the VMs are up.
    pub const PROBE: Duration = Duration::from_mins(1);
    /// A manual approval: an operator reads and answers.
    pub const MANUAL: Duration = Duration::from_mins(5);
}

/// A checked plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The plan's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Where the VMs are protected.
    pub vault: Vault,
    /// The region the VMs normally run in.
    pub primary: String,
    /// The region they fail over to.
    pub recovery: String,
    /// Where runs keep their state, when the plan says (`state "URL"`):
    /// a Blob Storage container, never with a SAS (the checker refuses
    /// one). `--state` and `DRPLAN_STATE` win over it; `None` is the
    /// default, `.drplan/` beside the plan.
    pub state: Option<crate::journal::BlobLocation>,
    /// RTO and RPO.
    pub objectives: Objectives,
    /// Plan-wide step defaults (already applied to every step below).
    pub defaults: Defaults,
    /// Failover options.
    pub failover: FailoverOptions,
    /// `failback { order … }`.
    pub failback_order: FailbackOrder,
    /// The isolated network of test failovers.
    pub test_network: Option<String>,
    /// Which of the subscription's VMs belong to the application.
    pub coverage: Coverage,
    /// Groups in source order; `GroupId` indexes this.
    pub groups: Vec<Group>,
    /// The plan's own `before`/`after` blocks: around the whole operation,
    /// before every group's first step and after every step.
    pub hooks: Vec<HookBlock>,
    /// `on_failure { … }`: run once after a run failed or was interrupted.
    pub on_failure: Vec<Hook>,
    /// `notify { webhook … }`: where the run's events are sent.
    pub notify: Vec<crate::notify::NotifyTarget>,
}

/// The vault of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vault {
    /// `vault simulator`: the embedded simulated vault.
    Simulator,
    /// A Recovery Services vault's ARM resource id.
    Arm(String),
}

impl fmt::Display for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vault::Simulator => f.write_str("simulator"),
            Vault::Arm(id) => f.write_str(id),
        }
    }
}

/// `objectives { rto … rpo … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Objectives {
    /// Recovery time objective.
    pub rto: Option<Duration>,
    /// Where `rto` is written, for the `rto_exceeded` label.
    pub rto_span: Option<Span>,
    /// Recovery point objective.
    pub rpo: Option<Duration>,
    /// The longest a VM may go without a successful test failover.
    pub drill: Option<Duration>,
}

/// `coverage { tag "app=shop"  resource_group "/subscriptions/…" }`: the
/// application's VMs in the primary region, each of which must be in the
/// plan and replicated. A VM matching any selector counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// `tag "name=value"` (or `tag "name"`: any value), in source order.
    pub tags: Vec<TagSelector>,
    /// `resource_group` ARM ids, in source order.
    pub resource_groups: Vec<String>,
}

impl Coverage {
    /// Whether the plan selects no VM this way.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.resource_groups.is_empty()
    }
}

/// One `tag` selector of `coverage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSelector {
    /// The tag's name.
    pub name: String,
    /// Its value; `None` matches any value.
    pub value: Option<String>,
}

/// `defaults { … }`, with built-in values filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// Per-attempt timeout; `None` means VMs run as long as ASR takes.
    pub timeout: Option<Duration>,
    /// Retries after a failure.
    pub retries: u32,
    /// What a failure does.
    pub on_error: OnError,
    /// VMs of a group at a time.
    pub parallelism: u32,
    /// A VM's failover estimate.
    pub estimate: Duration,
    /// Whether `estimate` is written in `defaults` (not built in).
    pub estimate_declared: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            timeout: None,
            retries: 0,
            on_error: OnError::Abort,
            parallelism: 10,
            estimate: estimates::VM_FAILOVER,
            estimate_declared: false,
        }
    }
}

/// `on_error abort|continue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Start no new steps; dependents are skipped.
    Abort,
    /// Tolerate the failure.
    Continue,
}

/// `failover { … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailoverOptions {
    /// The recovery point of an unplanned failover.
    pub recovery_point: RecoveryPoint,
    /// Whether the source VMs are shut down first.
    pub shutdown_source: bool,
}

impl Default for FailoverOptions {
    fn default() -> Self {
        Self {
            recovery_point: RecoveryPoint::LatestProcessed,
            shutdown_source: true,
        }
    }
}

/// `failback { order reversed|shutdown_reversed }`: the order a failback
/// walks the groups in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailbackOrder {
    /// The failover's graph reversed: dependents first (shutdown order).
    #[default]
    Reversed,
    /// Shut the recovery-side VMs down in reversed order, then fail them
    /// back in the failover's (forward) order.
    ShutdownReversed,
}

impl FailbackOrder {
    /// Both orders, as plans list them.
    pub const ALL: [FailbackOrder; 2] = [FailbackOrder::Reversed, FailbackOrder::ShutdownReversed];

    /// The word a plan writes.
    pub fn as_str(self) -> &'static str {
        match self {
            FailbackOrder::Reversed => "reversed",
            FailbackOrder::ShutdownReversed => "shutdown_reversed",
        }
    }

    /// The order a plan's word names.
    pub fn from_word(word: &str) -> Option<FailbackOrder> {
        FailbackOrder::ALL.into_iter().find(|o| o.as_str() == word)
    }
}

/// The recovery point a failover uses: one type for the plan's
/// `recovery_point` (`snake_case` words), `--recovery-point` and the journal
/// (kebab-case, as journals have always stored it) and the providers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryPoint {
    /// Process pending data first: least data lost, slower.
    #[serde(alias = "latest")]
    Latest,
    /// The latest processed point: fastest.
    #[serde(alias = "latest_processed")]
    LatestProcessed,
    /// The latest application-consistent point.
    #[serde(alias = "latest_app_consistent")]
    LatestAppConsistent,
}

impl RecoveryPoint {
    /// The word a plan writes (`recovery_point latest_processed`).
    pub fn plan_word(self) -> &'static str {
        match self {
            RecoveryPoint::Latest => "latest",
            RecoveryPoint::LatestProcessed => "latest_processed",
            RecoveryPoint::LatestAppConsistent => "latest_app_consistent",
        }
    }

    /// The word from a plan, when it names a recovery point.
    pub fn from_plan_word(word: &str) -> Option<RecoveryPoint> {
        [
            RecoveryPoint::Latest,
            RecoveryPoint::LatestProcessed,
            RecoveryPoint::LatestAppConsistent,
        ]
        .into_iter()
        .find(|p| p.plan_word() == word)
    }
}

/// Index of a group in [`Plan::groups`].
pub type GroupId = usize;

/// The [`GroupId`] plan-level steps carry (the plan's own `before`,
/// `after` and `on_failure` hooks): no group. It indexes nothing, so every
/// per-group lookup (`StepGraph::group_name`, parallelism, group times)
/// finds no group and treats the step as the plan's.
pub const PLAN_LEVEL: GroupId = GroupId::MAX;

/// A VM by group and position, as `needs` resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VmRef {
    /// The group.
    pub group: GroupId,
    /// The VM's index in the group.
    pub vm: usize,
}

/// A group of VMs and its hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Groups that must finish first (failover order).
    pub needs: Vec<GroupId>,
    /// The group's own `vault`, when it is not the plan's (see
    /// [`Plan::vault_of`]).
    pub vault: Option<Vault>,
    /// The group's own `primary` region, when it is not the plan's.
    pub primary: Option<String>,
    /// The group's own `recovery` region, when it is not the plan's.
    pub recovery: Option<String>,
    /// VMs at a time.
    pub parallelism: u32,
    /// VMs in source order.
    pub vms: Vec<Vm>,
    /// `before`/`after` blocks in source order.
    pub hooks: Vec<HookBlock>,
}

/// A VM of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Vm {
    /// Its name in the plan.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// The replicated item's name, when it differs from the VM's.
    pub item: Option<String>,
    /// Failover, failback and test-failover estimate.
    pub estimate: Duration,
    /// Whether `estimate` is written (on the VM or in `defaults`), not built in.
    pub estimate_declared: bool,
    /// VMs that must finish first (failover order).
    pub needs: Vec<VmRef>,
    /// Where it comes up: its own `target`, then its group's, then
    /// `defaults`'. Shared by the VMs that inherit the same settings (most
    /// VMs of a large plan set none of their own), so a plan's VMs do not
    /// each hold a copy.
    pub target: Arc<TargetSettings>,
}

impl Plan {
    /// The VM a reference points to.
    pub fn vm(&self, at: VmRef) -> Option<&Vm> {
        self.groups.get(at.group)?.vms.get(at.vm)
    }

    /// The vault that protects a group's VMs: its own, else the plan's.
    /// A group id that indexes no group ([`PLAN_LEVEL`]) gets the plan's.
    pub fn vault_of(&self, group: GroupId) -> &Vault {
        self.groups
            .get(group)
            .and_then(|g| g.vault.as_ref())
            .unwrap_or(&self.vault)
    }

    /// A group's primary and recovery regions: its own, else the plan's.
    pub fn regions_of(&self, group: GroupId) -> (&str, &str) {
        let g = self.groups.get(group);
        (
            g.and_then(|g| g.primary.as_deref())
                .unwrap_or(&self.primary),
            g.and_then(|g| g.recovery.as_deref())
                .unwrap_or(&self.recovery),
        )
    }

    /// Every vault the plan names, the plan's first, each once, in the
    /// order groups name them.
    pub fn vaults(&self) -> Vec<&Vault> {
        let mut out = vec![&self.vault];
        for g in &self.groups {
            if let Some(v) = &g.vault
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
        out
    }

    /// How many VMs the plan holds.
    pub fn vm_count(&self) -> usize {
        self.groups.iter().map(|g| g.vms.len()).sum()
    }

    /// The hook a hook step addresses: a group's (`group` indexes
    /// [`Plan::groups`]) or the plan's own ([`PLAN_LEVEL`]: `block` indexes
    /// [`Plan::hooks`], or with [`When::OnFailure`] `hook` indexes
    /// [`Plan::on_failure`]).
    pub fn hook(&self, group: GroupId, when: When, block: usize, hook: usize) -> Option<&Hook> {
        if group == PLAN_LEVEL {
            return match when {
                When::OnFailure => self.on_failure.get(hook),
                When::Before | When::After => self.hooks.get(block)?.hooks.get(hook),
            };
        }
        self.groups.get(group)?.hooks.get(block)?.hooks.get(hook)
    }

    /// Every hook of the plan: the groups', the plan's `before`/`after`
    /// and `on_failure`.
    pub fn all_hooks(&self) -> impl Iterator<Item = &Hook> + '_ {
        self.groups
            .iter()
            .flat_map(|g| &g.hooks)
            .chain(&self.hooks)
            .flat_map(|b| &b.hooks)
            .chain(&self.on_failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_their_name_never_a_value() {
        // Only the variable's name is kept, and every way of printing shows it as `env("NAME")`.
        let secret = Secret {
            name: "DRPLAN_TEST_SECRET_NAME".into(),
        };
        let shown = [
            format!("{secret}"),
            format!("{secret:?}"),
            serde_json::to_string(&secret).unwrap(),
        ];
        assert_eq!(shown[0], "env(\"DRPLAN_TEST_SECRET_NAME\")");
        assert_eq!(shown[1], shown[0]);
        assert_eq!(shown[2], "\"env(\\\"DRPLAN_TEST_SECRET_NAME\\\")\"");
    }
}
