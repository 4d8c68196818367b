//! Multi-VM consistency groups against a run's selection: the plan, the
//! graph (the VMs the run acts on) and every plan VM's machine in; a
//! blocker for each consistency group the selection would split (some of
//! its VMs selected, some left out), naming the group, the VMs of each
//! side and how to select them all.

use std::collections::BTreeMap;

use crate::graph::{Operation, StepAction, StepGraph};
use crate::plan::Plan;
use crate::provider::Machine;
use crate::readiness::{Finding, FindingKind, Severity};

/// Whether the graph leaves some plan VM out, so that a consistency group
/// may be split: a selection (`--group`, `--vm`) of an operation that acts
/// on VMs. `configure` only changes settings and may touch any subset.
pub fn may_split(plan: &Plan, graph: &StepGraph) -> bool {
    graph.operation != Operation::Configure && selected(graph).len() < plan.vm_count()
}

/// The plan VMs the graph has a step for, by name.
fn selected(graph: &StepGraph) -> std::collections::BTreeSet<crate::plan::VmRef> {
    graph
        .steps()
        .filter_map(|(_, s)| match s.action {
            StepAction::Vm(at) => Some(at),
            _ => None,
        })
        .collect()
}

/// A blocker per consistency group with VMs on both sides of the
/// selection; `machines` are every plan VM's, any order.
pub fn split(plan: &Plan, graph: &StepGraph, machines: &[Machine]) -> Vec<Finding> {
    let chosen = selected(graph);
    let group_of: BTreeMap<&str, &str> = machines
        .iter()
        .filter_map(|m| Some((m.vm.as_str(), m.consistency_group.as_deref()?)))
        .collect();
    // By consistency group: (selected, left out), in plan order.
    let mut sides: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for (g, group) in plan.groups.iter().enumerate() {
        for (v, vm) in group.vms.iter().enumerate() {
            let Some(cg) = group_of.get(vm.name.as_str()) else {
                continue;
            };
            let side = sides.entry(cg).or_default();
            if chosen.contains(&crate::plan::VmRef { group: g, vm: v }) {
                side.0.push(&vm.name);
            } else {
                side.1.push(&vm.name);
            }
        }
    }
    sides
        .into_iter()
        .filter(|(_, (kept, out))| !kept.is_empty() && !out.is_empty())
        .map(|(cg, (kept, out))| Finding {
            severity: Severity::Blocker,
            kind: FindingKind::ConsistencyGroup,
            vm: None,
            group: None,
            message: format!(
                "the selection splits consistency group `{cg}`: it selects {} and leaves out {}; the VMs of a multi-VM consistency group share recovery points and fail over together",
                kept.join(", "),
                out.join(", ")
            ),
            remedy: format!(
                "select them all (add {}), or none of them",
                out.iter()
                    .map(|vm| format!("`--vm {vm}`"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            details: serde_json::json!({
                "consistency_group": cg,
                "selected": kept,
                "left_out": out,
            }),
        })
        .collect()
}
