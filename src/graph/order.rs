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
    let n = plan.groups.len();
    // preds[g]: groups that must finish before g in this direction.
    let mut preds: Vec<Vec<GroupId>> = vec![Vec::new(); n];
    for (g, group) in plan.groups.iter().enumerate() {
        for &h in &group.needs {
            match order {
                Order::Forward => preds[g].push(h),
                Order::Reversed => preds[h].push(g),
                Order::Unordered => {}
            }
        }
    }
    for g in topological(&preds) {
        let mut incoming: Vec<NodeIndex> = preds[g]
            .iter()
            .flat_map(|&p| exits[p].iter().copied())
            .collect();
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
/// ruled out cycles; any leftover is appended so nothing is lost).
fn topological(preds: &[Vec<GroupId>]) -> Vec<GroupId> {
    let n = preds.len();
    let mut succs: Vec<Vec<GroupId>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (g, ps) in preds.iter().enumerate() {
        for &p in ps {
            succs[p].push(g);
            indegree[g] += 1;
        }
    }
    let mut ready: std::collections::VecDeque<GroupId> =
        (0..n).filter(|g| indegree[*g] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(g) = ready.pop_front() {
        out.push(g);
        for &s in &succs[g] {
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
