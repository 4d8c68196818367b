//! `drplan diff`: what a change to a plan does, for a reviewer. In: two
//! checked plans. Out: a [`PlanDiff`] listing the plan settings, groups, VMs
//! and hooks added, removed or changed (each change as `field old → new`,
//! the same lines `resume --plan` shows, from [`crate::amend`]), and per
//! operation the order edges added and removed, the waves before and after
//! and the estimated total against the RTO. [`render`] writes it for people
//! (terminal or a pull-request comment); serde writes the JSON.
//!
//! Plans are compared as checked plans, never as text, so comments and
//! layout are no change. Everything is matched by name through hash maps,
//! so a diff costs about as much as building the graphs it compares.

mod order;
pub mod render;
mod structure;

use serde::Serialize;

use crate::graph::{Operation, StepKind};
use crate::plan::Plan;

/// The operations whose order, waves and estimates a diff compares: the two
/// directions a plan is written for.
pub const OPERATIONS: [Operation; 2] = [Operation::Failover, Operation::Failback];

/// Everything that differs between two plans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanDiff {
    /// Plan-wide settings (`plan`, `objectives`, `defaults`, `failover`,
    /// `test_network`, `coverage`), one entry per section that changed.
    pub settings: Vec<Changed>,
    /// Groups by name: their own settings (`needs`, `parallelism`).
    pub groups: Category,
    /// VMs as `group/vm`: replicated item, target settings, estimate, `needs`.
    pub vms: Category,
    /// Hooks by step id, with the phases the id holds in.
    pub hooks: Category,
    /// Per operation of [`OPERATIONS`]: edges, waves, estimates.
    pub operations: Vec<OperationDiff>,
}

/// Added, removed and changed things of one kind, in the plans' order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Only in the new plan.
    pub added: Vec<Item>,
    /// Only in the old plan.
    pub removed: Vec<Item>,
    /// In both, defined differently.
    pub changed: Vec<Changed>,
}

impl Category {
    /// Whether nothing of this kind differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A thing added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Its name: a group, `group/vm`, a hook's step id.
    pub name: String,
    /// A hook's kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<StepKind>,
    /// The phases a hook's id holds in (`failover`, `failback`, `test`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<&'static str>,
}

/// A thing in both plans, defined differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// As [`Item::name`] (or a settings section).
    pub name: String,
    /// A hook's kind, as the new plan has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<StepKind>,
    /// As [`Item::phases`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<&'static str>,
    /// One line per setting: `timeout 5m → 10m`, `env "X" added`.
    pub changes: Vec<String>,
}

/// One operation before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationDiff {
    /// The operation.
    pub operation: Operation,
    /// Order edges (step ids, joins expanded) only in the new graph.
    pub edges_added: Vec<Edge>,
    /// Order edges only in the old graph.
    pub edges_removed: Vec<Edge>,
    /// The waves before and after, and the steps that changed wave.
    pub waves: Waves,
    /// The estimate before.
    pub before: Estimate,
    /// The estimate after.
    pub after: Estimate,
}

impl OperationDiff {
    /// Whether the order of this operation is the same.
    pub fn same_order(&self) -> bool {
        self.edges_added.is_empty() && self.edges_removed.is_empty()
    }
}

/// `to` starts only after `from` has finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// A step id.
    pub from: String,
    /// A step id.
    pub to: String,
}

/// Waves (steps that can start together) before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Waves {
    /// Per wave, the groups with a step in it, in the old plan.
    pub before: Vec<Vec<String>>,
    /// The same in the new plan.
    pub after: Vec<Vec<String>>,
    /// Steps in both plans whose wave changed, a whole group in one entry
    /// when all its steps moved alike.
    pub moved: Vec<Moved>,
}

/// A step (or a whole group) that starts in another wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// A step id, or `group NAME`.
    pub name: String,
    /// Its (first) wave before, from 1.
    pub from: usize,
    /// Its (first) wave after, from 1.
    pub to: usize,
}

/// The estimated total of an operation and how it fits the RTO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// The estimated total (the critical path), seconds; `None` when the
    /// plan's estimates add up past what can be computed.
    pub total_s: Option<u64>,
    /// The plan's RTO, seconds.
    pub rto_s: Option<u64>,
    /// Whether the total fits the RTO; `None` without an RTO.
    pub fits_rto: Option<bool>,
}

impl PlanDiff {
    /// Whether the plans do the same thing (they may differ in comments and layout).
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
            && self.groups.is_empty()
            && self.vms.is_empty()
            && self.hooks.is_empty()
            && self.operations.iter().all(OperationDiff::same_order)
    }
}

/// Compares two checked plans.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    PlanDiff {
        settings: structure::settings(old, new),
        groups: structure::groups(old, new),
        vms: structure::vms(old, new),
        hooks: structure::hooks(old, new),
        operations: OPERATIONS
            .iter()
            .map(|&op| order::compare(old, new, op))
            .collect(),
    }
}
