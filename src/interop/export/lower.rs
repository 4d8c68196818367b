//! The step graph lowered to ASR's shape: a checked plan and its failover
//! step graph (estimates as the dry run has them) in; at most
//! [`MAX_BOOT_GROUPS`] boot groups run strictly in sequence, each the plan
//! groups of one level, the ordering constraints that shape loses, and the
//! estimated total of the lowered plan out.
//!
//! - Levels are longest paths over groups: `a` precedes `b` when `b` needs
//!   `a`, or one of `b`'s VMs needs one of `a`'s. Groups that precede one
//!   another both ways through VM `needs` (a cycle over groups, which no VM
//!   cycle makes) share a level.
//! - More than seven levels are merged, a pair of neighbours at a time,
//!   choosing the merge that changes the estimate least: merging levels `i`
//!   and `i + 1` lets `i + 1`'s VMs start while `i`'s still fail over, by
//!   `est(i) + est(i + 1) - est(merged)`; ties go to the merge that loses
//!   fewer constraints, then to the earlier one.
//! - A constraint is lost when both of its ends land in one boot group: ASR
//!   starts a boot group's VMs together.
//! - A boot group is estimated as its slowest VM plus its actions (the hooks
//!   that run in failover and that ASR can hold), run one after another.

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::duration::Duration;
use crate::graph::{StepAction, StepGraph};
use crate::plan::{GroupId, Plan, VmRef, When};

/// The most boot groups an ASR recovery plan runs.
pub const MAX_BOOT_GROUPS: usize = 7;

/// One boot group of the lowered plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootGroup {
    /// The plan groups it holds, in source order.
    pub groups: Vec<GroupId>,
    /// Its slowest VM's failover estimate.
    pub slowest: Duration,
    /// Its actions' estimates, summed.
    pub actions: Duration,
}

impl BootGroup {
    /// Its estimated duration: slowest VM plus actions.
    pub fn estimate(&self) -> Duration {
        self.slowest.saturating_add(self.actions)
    }
}

/// Why an ordering constraint is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LostBecause {
    /// A VM `needs` another VM of its own group: ASR starts a group's VMs together.
    SameGroup,
    /// Two groups that need one another through VM `needs` share a boot group.
    Cycle,
    /// Levels were merged to fit seven boot groups.
    Merged,
}

/// An ordering constraint the lowered plan does not keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostOrder {
    /// What goes first: a group, or `group/vm`.
    pub first: String,
    /// What waits for it.
    pub then: String,
    /// Why it is lost.
    pub because: LostBecause,
}

/// The lowered plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lowering {
    /// The boot groups, in the order ASR runs them.
    pub boot_groups: Vec<BootGroup>,
    /// The levels before any merge.
    pub levels: usize,
    /// Every ordering constraint lost.
    pub lost: Vec<LostOrder>,
}

impl Lowering {
    /// The lowered plan's estimated total: its boot groups one after another.
    pub fn total(&self) -> Duration {
        self.boot_groups
            .iter()
            .fold(Duration::ZERO, |sum, b| sum.saturating_add(b.estimate()))
    }

    /// The boot group a plan group lands in.
    pub fn boot_group_of(&self, group: GroupId) -> Option<usize> {
        self.boot_groups
            .iter()
            .position(|b| b.groups.contains(&group))
    }
}

/// A constraint `first -> then` between groups, and the VMs it is written on.
#[derive(Debug, Clone, Copy)]
struct Constraint {
    first: GroupId,
    then: GroupId,
    /// `Some((first_vm, then_vm))` for a VM-level `needs`.
    vms: Option<(VmRef, VmRef)>,
}

/// Lowers `plan` with the estimates of `graph` (its failover step graph).
pub fn lower(plan: &Plan, graph: &StepGraph) -> Lowering {
    let estimates = Estimates::of(graph);
    let constraints = constraints(plan);
    let levels = levels(plan.groups.len(), &constraints);
    let level_count = levels.len();
    let mut boot: Vec<BootGroup> = levels
        .into_iter()
        .map(|groups| estimates.boot_group(plan, groups))
        .collect();
    while boot.len() > MAX_BOOT_GROUPS {
        let best = (0..boot.len() - 1)
            .min_by_key(|&i| {
                let merged = estimates.merged(plan, &boot[i], &boot[i + 1]);
                let apart = boot[i].estimate().saturating_add(boot[i + 1].estimate());
                let early = apart
                    .as_millis()
                    .saturating_sub(merged.estimate().as_millis());
                (early, crossing(&constraints, &boot[i], &boot[i + 1]), i)
            })
            .unwrap_or(0);
        let next = boot.remove(best + 1);
        boot[best] = estimates.merged(plan, &boot[best], &next);
    }
    let mut lowering = Lowering {
        boot_groups: boot,
        levels: level_count,
        lost: Vec::new(),
    };
    lowering.lost = lost(plan, &constraints, &lowering);
    lowering
}

/// How many constraints go from `a`'s groups to `b`'s.
fn crossing(constraints: &[Constraint], a: &BootGroup, b: &BootGroup) -> usize {
    constraints
        .iter()
        .filter(|c| a.groups.contains(&c.first) && b.groups.contains(&c.then))
        .count()
}

/// Every ordering constraint of the plan, in source order: group `needs`,
/// then VM `needs` (within a group too).
fn constraints(plan: &Plan) -> Vec<Constraint> {
    let mut out = Vec::new();
    for (g, group) in plan.groups.iter().enumerate() {
        for &first in &group.needs {
            out.push(Constraint {
                first,
                then: g,
                vms: None,
            });
        }
    }
    for (g, group) in plan.groups.iter().enumerate() {
        for (v, vm) in group.vms.iter().enumerate() {
            for need in &vm.needs {
                out.push(Constraint {
                    first: need.group,
                    then: g,
                    vms: Some((*need, VmRef { group: g, vm: v })),
                });
            }
        }
    }
    out
}

/// The groups by level (longest path), each level in source order.
fn levels(groups: usize, constraints: &[Constraint]) -> Vec<Vec<GroupId>> {
    let mut graph: DiGraph<GroupId, ()> = DiGraph::with_capacity(groups, constraints.len());
    for g in 0..groups {
        graph.add_node(g);
    }
    for c in constraints.iter().filter(|c| c.first != c.then) {
        graph.update_edge(NodeIndex::new(c.first), NodeIndex::new(c.then), ());
    }
    // Tarjan gives the components in reverse topological order.
    let mut components = tarjan_scc(&graph);
    components.reverse();
    let mut component_of = vec![0; groups];
    for (i, members) in components.iter().enumerate() {
        for n in members {
            component_of[n.index()] = i;
        }
    }
    let mut level = vec![0usize; components.len()];
    for (i, members) in components.iter().enumerate() {
        for n in members {
            for p in graph.neighbors_directed(*n, petgraph::Direction::Incoming) {
                let from = component_of[p.index()];
                if from != i {
                    level[i] = level[i].max(level[from] + 1);
                }
            }
        }
    }
    let depth = level.iter().max().map_or(0, |m| m + 1);
    let mut out = vec![Vec::new(); depth];
    for g in 0..groups {
        out[level[component_of[g]]].push(g);
    }
    out.retain(|l| !l.is_empty());
    out
}

/// The lost constraints: both ends in one boot group.
fn lost(plan: &Plan, constraints: &[Constraint], lowering: &Lowering) -> Vec<LostOrder> {
    let name = |r: VmRef| {
        let group = &plan.groups[r.group];
        let vm = group.vms.get(r.vm).map_or("", |v| v.name.as_str());
        format!("{}/{vm}", group.name)
    };
    let mut out = Vec::new();
    for c in constraints {
        if lowering.boot_group_of(c.first) != lowering.boot_group_of(c.then) {
            continue;
        }
        let because = if c.first == c.then {
            LostBecause::SameGroup
        } else if constraints
            .iter()
            .any(|o| o.first == c.then && o.then == c.first)
            || reaches_back(constraints, c)
        {
            LostBecause::Cycle
        } else {
            LostBecause::Merged
        };
        let (first, then) = match c.vms {
            Some((a, b)) => (name(a), name(b)),
            None => (
                plan.groups[c.first].name.clone(),
                plan.groups[c.then].name.clone(),
            ),
        };
        out.push(LostOrder {
            first,
            then,
            because,
        });
    }
    out
}

/// Whether `c.then` leads back to `c.first` through other constraints.
fn reaches_back(constraints: &[Constraint], c: &Constraint) -> bool {
    let mut seen = vec![c.then];
    let mut stack = vec![c.then];
    while let Some(g) = stack.pop() {
        for o in constraints
            .iter()
            .filter(|o| o.first == g && o.first != o.then)
        {
            if o.then == c.first {
                return true;
            }
            if !seen.contains(&o.then) {
                seen.push(o.then);
                stack.push(o.then);
            }
        }
    }
    false
}

/// The step estimates of the failover graph, by VM and by group hook.
struct Estimates {
    vms: HashMap<VmRef, Duration>,
    /// Per group: the estimates of its hooks that run in failover, by
    /// `(when, block, hook)`.
    hooks: HashMap<(GroupId, When, usize, usize), Duration>,
}

impl Estimates {
    fn of(graph: &StepGraph) -> Estimates {
        let mut vms = HashMap::new();
        let mut hooks = HashMap::new();
        for (_, step) in graph.steps() {
            match step.action {
                StepAction::Vm(r) => {
                    vms.insert(r, step.estimate);
                }
                StepAction::Hook {
                    group,
                    when,
                    block,
                    hook,
                } => {
                    hooks.insert((group, when, block, hook), step.estimate);
                }
                // A failover graph has no shutdowns (a failback's may).
                StepAction::Join | StepAction::Shutdown(_) => {}
            }
        }
        Estimates { vms, hooks }
    }

    /// The estimate of group hook `(g, when, block, hook)` when it becomes
    /// an action that runs in failover; zero otherwise.
    fn action(&self, plan: &Plan, g: GroupId, when: When, block: usize, hook: usize) -> Duration {
        let held = plan
            .hook(g, when, block, hook)
            .is_some_and(|h| super::actions::holds(&h.action));
        if held {
            self.hooks
                .get(&(g, when, block, hook))
                .copied()
                .unwrap_or(Duration::ZERO)
        } else {
            Duration::ZERO
        }
    }

    fn boot_group(&self, plan: &Plan, groups: Vec<GroupId>) -> BootGroup {
        let mut slowest = Duration::ZERO;
        let mut actions = Duration::ZERO;
        for &g in &groups {
            let Some(group) = plan.groups.get(g) else {
                continue;
            };
            for v in 0..group.vms.len() {
                if let Some(e) = self.vms.get(&VmRef { group: g, vm: v }) {
                    slowest = slowest.max(*e);
                }
            }
            for (b, block) in group.hooks.iter().enumerate() {
                for h in 0..block.hooks.len() {
                    actions = actions.saturating_add(self.action(plan, g, block.when, b, h));
                }
            }
        }
        BootGroup {
            groups,
            slowest,
            actions,
        }
    }

    fn merged(&self, plan: &Plan, a: &BootGroup, b: &BootGroup) -> BootGroup {
        let mut groups: Vec<GroupId> = a.groups.iter().chain(&b.groups).copied().collect();
        groups.sort_unstable();
        self.boot_group(plan, groups)
    }
}
