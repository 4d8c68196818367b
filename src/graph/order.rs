//! The order `needs` gives, in one direction: a plan and an [`Order`] in;
//! for each VM the VMs that must finish before it, and the edges that make
//! each group's entry steps wait for its predecessors' exit steps, out.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::plan::{GroupId, Plan, VmRef};

use super::build::connect;
use super::{Order, Step};

/// For each VM, the VMs that must finish before it in this direction.
pub(super) fn vm_dependencies(plan: &Plan, order: Order) -> Vec<Vec<Vec<VmRef>>> {
    let mut deps: Vec<Vec<Vec<VmRef>>> = plan
        .groups
        .iter()
        .map(|g| vec![Vec::new(); g.vms.len()])
        .collect();
    if order == Order::Unordered {
        return deps;
    }
    for (g, group) in plan.groups.iter().enumerate() {
        for (v, vm) in group.vms.iter().enumerate() {
            let here = VmRef { group: g, vm: v };
            for need in &vm.needs {
                match order {
                    Order::Forward => deps[g][v].push(*need),
                    Order::Reversed => deps[need.group][need.vm].push(here),
                    Order::Unordered => {}
                }
            }
        }
    }
    deps
}

/// Edges between groups: every step a group enters with waits for every step its
/// predecessors end with. A group with no steps in this operation passes its
/// predecessors' ends through, so order is kept across it.
pub(super) fn link_groups(
    plan: &Plan,
    order: Order,
    entries: &[Vec<NodeIndex>],
    exits: &mut [Vec<NodeIndex>],
    graph: &mut DiGraph<Step, ()>,
) {
    // needs[g]: the groups g needs; preds(g): those that must finish before
    // g in this direction. Flat lists: a list per group would be an
    // allocation per group.
    let needs = Adjacency::new(plan.groups.iter().map(|g| g.needs.as_slice()));
    let preds = match order {
        Order::Forward => needs,
        Order::Reversed => needs.reversed(),
        Order::Unordered => return,
    };
    // In order of group, as the walk has always met them: the order of the
    // joins (and so of ties in the schedule) depends on it.
    let succs = preds.reversed();
    for g in topological(&preds, &succs) {
        let preds = preds.of(g);
        let mut incoming: Vec<NodeIndex> =
            Vec::with_capacity(preds.iter().map(|&p| exits[p].len()).sum());
        incoming.extend(preds.iter().flat_map(|&p| exits[p].iter().copied()));
        incoming.sort_unstable();
        incoming.dedup();
        if entries[g].is_empty() && exits[g].is_empty() {
            exits[g] = incoming;
            continue;
        }
        let join = (["join:", plan.groups[g].name.as_str()].concat(), g);
        connect(graph, &incoming, &entries[g], join);
    }
}

/// Groups ordered so that each comes after its predecessors (the checker has
/// ruled out cycles; any leftover is appended so nothing is lost). `succs`
/// is `preds` turned around.
fn topological(preds: &Adjacency, succs: &Adjacency) -> Vec<GroupId> {
    let n = preds.len();
    let mut indegree: Vec<usize> = (0..n).map(|g| preds.of(g).len()).collect();
    let mut ready: std::collections::VecDeque<GroupId> =
        (0..n).filter(|g| indegree[*g] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(g) = ready.pop_front() {
        out.push(g);
        for &s in succs.of(g) {
            indegree[s] -= 1;
            if indegree[s] == 0 {
                ready.push_back(s);
            }
        }
    }
    if out.len() < n {
        let mut seen = vec![false; n];
        for g in &out {
            seen[*g] = true;
        }
        out.extend((0..n).filter(|g| !seen[*g]));
    }
    out
}

/// Lists of groups, one per group, in one flat array (compressed rows).
struct Adjacency {
    /// `targets[start[g]..start[g + 1]]` is the list of group `g`.
    start: Vec<usize>,
    targets: Vec<GroupId>,
}

impl Adjacency {
    fn new<'a>(lists: impl ExactSizeIterator<Item = &'a [GroupId]>) -> Adjacency {
        let mut start = Vec::with_capacity(lists.len() + 1);
        start.push(0);
        let mut targets = Vec::new();
        for list in lists {
            targets.extend_from_slice(list);
            start.push(targets.len());
        }
        Adjacency { start, targets }
    }

    fn len(&self) -> usize {
        self.start.len() - 1
    }

    fn of(&self, g: GroupId) -> &[GroupId] {
        &self.targets[self.start[g]..self.start[g + 1]]
    }

    /// Each list turned around: `h` in the list of `g` becomes `g` in the
    /// list of `h`, in order of `g`.
    fn reversed(&self) -> Adjacency {
        let n = self.len();
        let mut start = vec![0usize; n + 1];
        for &h in &self.targets {
            start[h + 1] += 1;
        }
        for g in 0..n {
            start[g + 1] += start[g];
        }
        let mut fill = start.clone();
        let mut targets = vec![0; self.targets.len()];
        for g in 0..n {
            for &h in self.of(g) {
                targets[fill[h]] = g;
                fill[h] += 1;
            }
        }
        Adjacency { start, targets }
    }
}
