//! `resume --plan`: whether a corrected plan may replace the plan a run has,
//! part-way through. In: the plan the run has now and its step graph, the
//! corrected plan and its graph (built for the same operation and group
//! selection), and the run's state from its journal. Out: the changes, one
//! human line each ([`Amendment`]), or the reasons the correction cannot
//! apply ([`AmendError::Refused`]).
//!
//! Plans are compared as checked plans, never as text, so comments and
//! layout are no change. The rules:
//!
//! - A step that succeeded, or that was in flight when the run stopped (its
//!   outcome is known only to the provider), keeps its definition: a change
//!   to its action, timeout, retries, `on_error`, dependencies or (for a VM)
//!   its VM and target settings, or its removal, is refused. Changes to
//!   `defaults` and `failover` count as changes to every step that inherits
//!   them.
//! - A step that failed runs again from a new attempt (its attempt count
//!   goes on), so it may change: that is what fixing a plan is for. So may
//!   every step that never started, and new steps may be added.
//! - Once any VM step of a group has started, the group's VMs are fixed: no
//!   VM added or removed, and no VM's own settings changed.
//! - The plan's name, vault and regions cannot change in the middle of a run.

pub(crate) mod compare;
pub(crate) mod describe;
pub(crate) mod plan_level;
mod steps;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::graph::StepGraph;
use crate::journal::RunState;
use crate::plan::Plan;

/// A plan and the step graph a run executes from it.
#[derive(Debug, Clone, Copy)]
pub struct RunPlan<'a> {
    /// The checked plan.
    pub plan: &'a Plan,
    /// Its graph for the run's operation and group selection.
    pub graph: &'a StepGraph,
}

/// One difference between the plans: `subject: detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed: a step id (with its kind for hooks), `defaults`, a group.
    pub subject: String,
    /// How.
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.detail)
    }
}

/// A corrected plan that may replace the run's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amendment {
    /// The differences, plan settings first, then steps in the run's order.
    pub changes: Vec<Change>,
}

impl Amendment {
    /// Whether the plans do the same thing (they may differ in comments and layout).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// One line per change, as journaled in `plan_amended`.
    pub fn lines(&self) -> Vec<String> {
        self.changes.iter().map(ToString::to_string).collect()
    }
}

/// How far a step got, when that fixes its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// It succeeded.
    Succeeded,
    /// It was running when the run stopped; the provider knows how it ended.
    InFlight,
}

impl fmt::Display for Reached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reached::Succeeded => "already succeeded",
            Reached::InFlight => "was running when the run stopped",
        })
    }
}

/// A plan setting that cannot change in the middle of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSetting {
    /// The plan's name: runs, locks and journals are kept by it.
    Name,
    /// The vault the VMs are protected in.
    Vault,
    /// The region the VMs run in.
    Primary,
    /// The region they fail over to.
    Recovery,
}

impl PlanSetting {
    /// Its keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanSetting::Name => "name",
            PlanSetting::Vault => "vault",
            PlanSetting::Primary => "primary",
            PlanSetting::Recovery => "recovery",
        }
    }
}

/// Why a corrected plan cannot replace the run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A step that succeeded or was in flight has a new definition.
    StepChanged {
        /// The step.
        step: String,
        /// How far it got.
        reached: Reached,
        /// What changed, one entry per setting.
        changes: Vec<String>,
        /// Whether a change comes from `defaults`, `failover` or `test_network`
        /// rather than from the step itself.
        inherited: bool,
    },
    /// A step that succeeded or was in flight is gone from the corrected plan.
    StepRemoved {
        /// The step.
        step: String,
        /// How far it got.
        reached: Reached,
    },
    /// A group whose VM steps started has other VMs now.
    GroupMoved {
        /// The group.
        group: String,
        /// What changed about its VMs.
        changes: Vec<String>,
    },
    /// The plan's name, vault or a region changed.
    PlanSetting {
        /// Which.
        setting: PlanSetting,
        /// As the run has it.
        old: String,
        /// As corrected.
        new: String,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::StepChanged {
                step,
                reached,
                changes,
                inherited,
            } => {
                write!(
                    f,
                    "{step} {reached}, and the corrected plan changes it ({}); revert the change to this step",
                    changes.join("; ")
                )?;
                if *inherited {
                    f.write_str(
                        ", or set the new value on the steps still to run instead of plan-wide",
                    )?;
                }
                Ok(())
            }
            Conflict::StepRemoved { step, reached } => write!(
                f,
                "{step} {reached}, and the corrected plan removes it; put it back where it was"
            ),
            Conflict::GroupMoved { group, changes } => write!(
                f,
                "group {group} has started moving its VMs, and the corrected plan changes them ({}); revert the change to the group's VMs",
                changes.join("; ")
            ),
            Conflict::PlanSetting { setting, old, new } => write!(
                f,
                "the plan's {} changed ({old} → {new}), which cannot change in the middle of a run; revert it, or start a new run",
                setting.as_str()
            ),
        }
    }
}

/// Why [`amend`] refuses a corrected plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AmendError {
    /// The correction changes what the run already did.
    #[error("the corrected plan changes what the run already did ({} conflict{})", conflicts.len(), if conflicts.len() == 1 { "" } else { "s" })]
    Refused {
        /// Every difference, as [`Amendment::changes`] would hold them.
        changes: Vec<Change>,
        /// Every reason, in the order of the changes.
        conflicts: Vec<Conflict>,
    },
}

/// Whether `new` may replace `old` in the run `state` describes, and how they differ.
pub fn amend(
    old: RunPlan<'_>,
    new: RunPlan<'_>,
    state: &RunState,
) -> Result<Amendment, AmendError> {
    let mut found = compare::Found::default();
    plan_level::compare(old.plan, new.plan, &mut found);
    steps::compare(old, new, state, &mut found);
    plan_level::outside_the_run(old.plan, new.plan, &mut found);
    if found.conflicts.is_empty() {
        Ok(Amendment {
            changes: found.changes,
        })
    } else {
        Err(AmendError::Refused {
            changes: found.changes,
            conflicts: found.conflicts,
        })
    }
}
