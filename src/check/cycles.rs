//! Dependency cycles: the resolved `needs` of groups and VMs in,
//! `drplan::cycle` diagnostics out, each listing its whole cycle
//! (`app -> web -> app`) with a label on every `needs` that closes it.

use std::collections::VecDeque;

use miette::LabeledSpan;
use petgraph::algo::TarjanScc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diagnostic::Diagnostic;
use crate::plan::{GroupId, VmRef};
use crate::source::Span;

/// A node of the dependency graph the cycle check walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    /// A group (group-level check), or a group's start (VM-level check).
    Group(GroupId),
    /// A group's end (VM-level check).
    GroupEnd(GroupId),
    /// A VM.
    Vm(VmRef),
}

/// An edge `a -> b` means "a needs b"; the span is where that is written.
type Graph = DiGraph<Node, Option<Span>>;

/// Group names and VM names, for messages: the checker's draft groups.
type Names = [super::DraftGroup];

/// Reports every cycle among groups; then, if there is none, every cycle that
/// VM-level `needs` make (within a group, or across groups against their order).
pub(super) fn find(
    names: &Names,
    group_needs: &[Vec<(GroupId, Span)>],
    vm_needs: &[Vec<Vec<(VmRef, Span)>>],
) -> Vec<Diagnostic> {
    let mut graph = Graph::with_capacity(group_needs.len(), 0);
    let groups: Vec<NodeIndex> = (0..group_needs.len())
        .map(|g| graph.add_node(Node::Group(g)))
        .collect();
    for (g, needs) in group_needs.iter().enumerate() {
        for (h, span) in needs {
            graph.add_edge(groups[g], groups[*h], Some(*span));
        }
    }
    let found = cycles(&graph, names, false);
    if !found.is_empty() || vm_needs.iter().flatten().all(Vec::is_empty) {
        return found;
    }

    // VM level: each group becomes a start and an end node around its VMs, so a VM
    // `needs` that points against the group order closes a cycle through them.
    let mut graph = Graph::default();
    let starts: Vec<NodeIndex> = (0..group_needs.len())
        .map(|g| graph.add_node(Node::Group(g)))
        .collect();
    let ends: Vec<NodeIndex> = (0..group_needs.len())
        .map(|g| graph.add_node(Node::GroupEnd(g)))
        .collect();
    let vms: Vec<Vec<NodeIndex>> = vm_needs
        .iter()
        .enumerate()
        .map(|(g, vms)| {
            (0..vms.len())
                .map(|v| graph.add_node(Node::Vm(VmRef { group: g, vm: v })))
                .collect()
        })
        .collect();
    for (g, needs) in group_needs.iter().enumerate() {
        for (h, span) in needs {
            graph.add_edge(starts[g], ends[*h], Some(*span));
        }
        for vm in &vms[g] {
            graph.add_edge(*vm, starts[g], None);
            graph.add_edge(ends[g], *vm, None);
        }
    }
    for (g, group) in vm_needs.iter().enumerate() {
        for (v, needs) in group.iter().enumerate() {
            for (other, span) in needs {
                graph.add_edge(vms[g][v], vms[other.group][other.vm], Some(*span));
            }
        }
    }
    cycles(&graph, names, true)
}

fn cycles(graph: &Graph, names: &Names, vm_level: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Only the components that are cycles are kept: a plan has a component
    // per group or VM, and a list of each would be an allocation each.
    let mut sccs: Vec<Vec<NodeIndex>> = Vec::new();
    TarjanScc::new().run(graph, |scc| {
        let self_loop = scc.len() == 1 && graph.find_edge(scc[0], scc[0]).is_some();
        if scc.len() >= 2 || self_loop {
            let mut scc = scc.to_vec();
            scc.sort_unstable();
            sccs.push(scc);
        }
    });
    // Report in source order of the cycle's first node.
    sccs.sort_unstable();
    for scc in sccs {
        // Start from a VM when there is one, so the message reads from the VM `needs` that caused it.
        let start = scc
            .iter()
            .copied()
            .find(|n| matches!(graph[*n], Node::Vm(_)))
            .unwrap_or(scc[0]);
        if let Some(path) = shortest_cycle(graph, &scc, start) {
            out.push(describe(graph, names, &path, vm_level));
        }
    }
    out
}

/// The shortest cycle through `start` inside one strongly connected component, as edges.
fn shortest_cycle(
    graph: &Graph,
    scc: &[NodeIndex],
    start: NodeIndex,
) -> Option<Vec<petgraph::graph::EdgeIndex>> {
    let mut came_by: Vec<Option<petgraph::graph::EdgeIndex>> = vec![None; graph.node_count()];
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for edge in graph.edges(node) {
            let next = edge.target();
            if scc.binary_search(&next).is_err() {
                continue;
            }
            if next == start {
                let mut path = vec![edge.id()];
                let mut at = node;
                while at != start {
                    let e = came_by[at.index()]?;
                    path.push(e);
                    at = graph.edge_endpoints(e)?.0;
                }
                path.reverse();
                return Some(path);
            }
            if came_by[next.index()].is_none() {
                came_by[next.index()] = Some(edge.id());
                queue.push_back(next);
            }
        }
    }
    None
}

fn describe(
    graph: &Graph,
    names: &Names,
    path: &[petgraph::graph::EdgeIndex],
    vm_level: bool,
) -> Diagnostic {
    let mixed = vm_level
        && path.iter().any(|e| {
            graph
                .edge_endpoints(*e)
                .is_some_and(|(a, _)| !matches!(graph[a], Node::Vm(_)))
        });
    let label = |node: Node| -> String {
        match node {
            Node::Group(g) | Node::GroupEnd(g) => {
                let name = names.get(g).map_or("?", |d| d.name.text.as_str());
                if mixed {
                    format!("group {name}")
                } else {
                    name.to_owned()
                }
            }
            Node::Vm(r) => {
                let name = names
                    .get(r.group)
                    .and_then(|g| g.vms.get(r.vm))
                    .map_or("?", |v| v.name.text.as_str());
                if mixed {
                    format!("vm {name}")
                } else {
                    name.to_owned()
                }
            }
        }
    };
    let mut words: Vec<String> = Vec::new();
    let mut labels: Vec<LabeledSpan> = Vec::new();
    for edge in path {
        let Some((from, to)) = graph.edge_endpoints(*edge) else {
            continue;
        };
        let word = label(graph[from]);
        if words.last() != Some(&word) {
            words.push(word);
        }
        if let Some(Some(span)) = graph.edge_weight(*edge) {
            labels.push(LabeledSpan::new_with_span(
                Some(format!("{} needs {}", label(graph[from]), label(graph[to]))),
                *span,
            ));
        }
    }
    if let Some(first) = words.first().cloned()
        && (words.last() != Some(&first) || words.len() == 1)
    {
        words.push(first);
    }
    let mut labels = labels.into_iter();
    let (at, first_label) = labels
        .next()
        .map(|l| {
            (
                Span::new(l.offset(), l.offset() + l.len()),
                l.label().unwrap_or_default().to_owned(),
            )
        })
        .unwrap_or_default();
    Diagnostic::Cycle {
        cycle: words.join(" -> "),
        at,
        first_label,
        rest: labels.collect(),
    }
}
