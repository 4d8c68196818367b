//! Checked plan × operation to step graph: one node per VM operation or hook,
//! an edge `a -> b` when `b` starts only after `a` has finished. Built in
//! source order, so ids, exports and schedules are deterministic.
//!
//! Where every last step of some groups must finish before every first step
//! of the next (10 VMs after 10 VMs: 100 edges), the graph holds a *join*
//! instead: a zero-length node that the 10 + 10 edges go through. Joins are
//! not steps: [`StepGraph::steps`] and [`StepGraph::edges`] (and so every
//! export, dry run and id) see the dependencies between steps only. At
//! 100,000 VMs this cuts the failover graph from 1.84 M edges to 0.29 M.

mod build;
pub mod export;
pub mod failback;
mod order;
mod subset;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::duration::Duration;
use crate::plan::{GroupId, VmRef, When};

pub use crate::operation::{Operation, Order};
pub use crate::step_kind::StepKind;
pub use build::{build, build_only};
pub use subset::{Only, UnknownName};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    /// The operation on one VM.
    Vm(VmRef),
    /// Powering one VM off where it runs now, before the failback steps of
    /// a `failback { order shutdown_reversed }` plan.
    Shutdown(VmRef),
    /// A join between groups (see the module docs): no work, no id of its own
    /// in any output.
    Join,
    /// A hook: its group, before/after, block index and index in the block.
    Hook {
        /// The group, or [`crate::plan::PLAN_LEVEL`] for the plan's own
        /// `before`/`after`/`on_failure` hooks.
        group: GroupId,
        /// Before or after the VMs.
        when: When,
        /// Index into the group's (or the plan's) hook blocks.
        block: usize,
        /// Index into the block's hooks.
        hook: usize,
    },
}

/// One step of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `vm:db/sql-01`, `shutdown:db/sql-01`, `hook:db/after/1` or the
    /// plan's `plan:before/1` (see [`plan_hook_id`]).
    pub id: String,
    /// A VM operation, or the hook's kind.
    pub kind: StepKind,
    /// The group it belongs to.
    pub group: GroupId,
    /// Estimated duration.
    pub estimate: Duration,
    /// Where `estimate` comes from.
    pub estimate_source: EstimateSource,
    /// What it does.
    pub action: StepAction,
}

/// Where a step's estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum EstimateSource {
    /// Written in the plan (on the step, or in `defaults` for a VM).
    Declared,
    /// drplan's typical figure for the kind of step.
    BuiltIn,
    /// The median of the step's last successful runs (`crate::learn`).
    Learned {
        /// How many runs it is the median of.
        runs: usize,
    },
}

impl EstimateSource {
    /// `Declared` when the plan writes the estimate, else `BuiltIn`.
    pub fn declared_if(declared: bool) -> EstimateSource {
        if declared {
            EstimateSource::Declared
        } else {
            EstimateSource::BuiltIn
        }
    }

    /// The source of `operation`'s estimate for `vm`: only failovers,
    /// failbacks and test failovers take the VM's (or `defaults`') estimate.
    pub fn of_vm(operation: Operation, vm: &crate::plan::Vm) -> EstimateSource {
        let own = matches!(
            operation,
            Operation::Failover | Operation::Failback | Operation::TestFailover
        );
        Self::declared_if(own && vm.estimate_declared)
    }
}

impl std::fmt::Display for EstimateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EstimateSource::Declared => f.write_str("declared"),
            EstimateSource::BuiltIn => f.write_str("built-in"),
            EstimateSource::Learned { runs: 1 } => f.write_str("learned from 1 run"),
            EstimateSource::Learned { runs } => write!(f, "learned from {runs} runs"),
        }
    }
}

/// A group as the graph needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// Its name.
    pub name: String,
    /// VM steps of the group at a time.
    pub parallelism: u32,
}

/// The steps of one operation on one plan.
#[derive(Debug, Clone)]
pub struct StepGraph {
    /// The plan's name.
    pub plan: String,
    /// The operation.
    pub operation: Operation,
    /// Steps in source order; edges in the order built.
    pub graph: DiGraph<Step, ()>,
    /// Groups by [`GroupId`].
    pub groups: Vec<GroupInfo>,
}

impl StepAction {
    /// The hook a hook step runs (a group's or the plan's own).
    pub fn hook(self, plan: &crate::plan::Plan) -> Option<&crate::plan::Hook> {
        match self {
            StepAction::Hook {
                group,
                when,
                block,
                hook,
            } => plan.hook(group, when, block, hook),
            StepAction::Vm(_) | StepAction::Shutdown(_) | StepAction::Join => None,
        }
    }

    /// The VM a step acts on: its operation or its shutdown. Both take one of
    /// the group's `parallelism` slots.
    pub fn machine(self) -> Option<VmRef> {
        match self {
            StepAction::Vm(at) | StepAction::Shutdown(at) => Some(at),
            StepAction::Hook { .. } | StepAction::Join => None,
        }
    }
}

impl Step {
    /// Whether this is a join rather than a step.
    pub fn is_join(&self) -> bool {
        matches!(self.action, StepAction::Join)
    }
}

impl StepGraph {
    /// The step at an index.
    pub fn step(&self, node: NodeIndex) -> &Step {
        &self.graph[node]
    }

    /// The steps in source order, without joins.
    pub fn steps(&self) -> impl Iterator<Item = (NodeIndex, &Step)> + '_ {
        self.graph
            .node_indices()
            .map(|n| (n, &self.graph[n]))
            .filter(|(_, s)| !s.is_join())
    }

    /// How many steps (joins not counted).
    pub fn step_count(&self) -> usize {
        self.steps().count()
    }

    /// The steps that must finish before `node` starts, through joins, in source order.
    pub fn needs(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        for p in self
            .graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
        {
            if self.graph[p].is_join() {
                out.extend(
                    self.graph
                        .neighbors_directed(p, petgraph::Direction::Incoming),
                );
            } else {
                out.push(p);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The groups that hold at least one step, in order (plan-level hooks
    /// belong to no group).
    pub fn groups_with_steps(&self) -> Vec<GroupId> {
        let mut groups: Vec<GroupId> = self
            .steps()
            .map(|(_, s)| s.group)
            .filter(|&g| g < self.groups.len())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    /// The group's name of a step.
    pub fn group_name(&self, step: &Step) -> &str {
        self.groups.get(step.group).map_or("", |g| g.name.as_str())
    }

    /// The dependencies between steps as (from, to), joins expanded, in a
    /// stable order: by source order of `to`, then of `from`.
    pub fn edges(&self) -> Vec<(NodeIndex, NodeIndex)> {
        self.steps()
            .flat_map(|(to, _)| self.needs(to).into_iter().map(move |from| (from, to)))
            .collect()
    }
}

/// The id of the plan's own `n`th hook (from 1) before or after the
/// operation, or on failure: `plan:before/1`, `plan:after/2`,
/// `plan:on_failure/1`. Every group step's id starts with `vm:`, `hook:` or
/// `shutdown:`, so no group name, however quoted, can give one of these.
pub fn plan_hook_id(when: crate::plan::When, n: usize) -> String {
    format!("plan:{}/{n}", when.as_str())
}

/// A step id as a file name, one to one: `hook:db/after/1` becomes
/// `hook:db%2Fafter%2F1`. `/` (and `%`, spaces, control and non-ASCII
/// characters, which quoted names may hold) are percent-encoded, so two steps
/// never share a file, and the name never starts with a dot.
pub fn step_file_name(step: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(step.len() + 8);
    for (i, c) in step.char_indices() {
        let plain = c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | ':' | '=' | '+' | ',')
            || (c == '.' && i > 0);
        if plain {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::step_file_name;

    #[test]
    fn step_file_names_are_readable_and_one_to_one() {
        assert_eq!(step_file_name("hook:db/after/1"), "hook:db%2Fafter%2F1");
        assert_eq!(step_file_name("vm:web/web-01.eu"), "vm:web%2Fweb-01.eu");
        assert_eq!(step_file_name("vm:a b/c"), "vm:a%20b%2Fc");
        assert_eq!(step_file_name("vm:%2F/x"), "vm:%252F%2Fx");
        assert_ne!(step_file_name("vm:a_b/x"), step_file_name("vm:a/b_x"));
        assert_eq!(step_file_name(".."), "%2E.");
    }
}
