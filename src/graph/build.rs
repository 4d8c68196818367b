//! Builds the step graph of an operation, in ordered passes: each group's
//! hooks for the operation's phase and its VMs; the order inside each group
//! (before hooks, VMs by their `needs`, after hooks); then the order between
//! groups, forward for failover and test failover, reversed for failback and
//! cleanup, none for commit and reprotect; last, the plan's own `before`
//! hooks ahead of every step and its `after` hooks behind every step, in
//! every direction (they are never reversed).
//!
//! A failback of a plan with `failback { order shutdown_reversed }` is two
//! walks: a shutdown step per VM, groups reversed (dependents first), then
//! the failback steps with their hooks, groups forward (what is needed
//! first), every one after every shutdown.

use crate::step_kind::StepKind;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::plan::{GroupId, PLAN_LEVEL, Plan, VmRef, When};

use super::order::{link_groups, vm_dependencies};
use super::subset::Only;
use super::{EstimateSource, GroupInfo, Operation, Order, Step, StepAction, StepGraph};

/// What a walk's VM steps do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Steps {
    /// The operation, with the groups' hooks of its phase.
    Operation,
    /// A shutdown of each VM, no hooks.
    Shutdown,
}

/// The step graph of `operation` on `plan`. With `only`, the other groups keep
/// their place in the order but contribute no steps (`run --group`).
pub fn build(plan: &Plan, operation: Operation, only: Option<&[GroupId]>) -> StepGraph {
    build_only(
        plan,
        operation,
        &Only {
            groups: only.map(<[GroupId]>::to_vec),
            vms: None,
        },
    )
}

/// [`build`] for the part of the plan `only` selects (`run --group`,
/// `run --vm`): the VMs left out contribute no step, and the order among
/// the VMs kept is the whole plan's (see [`super::subset`]).
pub fn build_only(plan: &Plan, operation: Operation, only: &Only) -> StepGraph {
    let shutdowns = operation.shuts_down_first(plan);
    // Room for every step and join, and for the edges of a plan whose groups
    // need two or three others: growing these arrays copies them whole (a
    // tenth of building a 10,000-VM graph).
    let walks = if shutdowns { 2 } else { 1 };
    let hooks = plan.all_hooks().count();
    let nodes = (plan.vm_count() + plan.groups.len() + 1) * walks + hooks + 16;
    let mut graph: DiGraph<Step, ()> = DiGraph::with_capacity(nodes, nodes * 4);
    if shutdowns {
        walk(
            plan,
            operation,
            Order::Reversed,
            Steps::Shutdown,
            only,
            &mut graph,
        );
        let first_failback = graph.node_count();
        walk(
            plan,
            operation,
            Order::Forward,
            Steps::Operation,
            only,
            &mut graph,
        );
        after_every(&mut graph, first_failback);
    } else {
        walk(
            plan,
            operation,
            operation.order(),
            Steps::Operation,
            only,
            &mut graph,
        );
    }
    plan_hooks(plan, operation, &mut graph);

    StepGraph {
        plan: plan.name.clone(),
        operation,
        graph,
        groups: plan
            .groups
            .iter()
            .map(|g| GroupInfo {
                name: g.name.clone(),
                parallelism: g.parallelism,
            })
            .collect(),
    }
}

/// Adds the steps of one walk over the groups in `order` to `graph`.
fn walk(
    plan: &Plan,
    operation: Operation,
    order: Order,
    steps: Steps,
    only: &Only,
    graph: &mut DiGraph<Step, ()>,
) {
    let selected = |g: GroupId| only.has_group(g);
    // Per group: the steps others wait for when entering it, and those it ends with.
    let mut entries: Vec<Vec<NodeIndex>> = vec![Vec::new(); plan.groups.len()];
    let mut exits: Vec<Vec<NodeIndex>> = vec![Vec::new(); plan.groups.len()];
    let mut vm_nodes: Vec<Vec<Option<NodeIndex>>> = plan
        .groups
        .iter()
        .map(|g| vec![None; g.vms.len()])
        .collect();

    // VM-level dependencies in this operation's direction: deps[g][v] = VMs that go first.
    let vm_deps = super::subset::narrow(vm_dependencies(plan, order), only);

    for g in 0..plan.groups.len() {
        if !selected(g) {
            continue;
        }
        let (entry, exit) = group_steps(
            plan,
            (g, only),
            (operation, steps),
            &vm_deps[g],
            graph,
            &mut vm_nodes[g],
        );
        entries[g] = entry;
        exits[g] = exit;
    }

    // VM `needs` edges, in this operation's direction.
    for (g, group) in vm_deps.iter().enumerate() {
        for (v, deps) in group.iter().enumerate() {
            let Some(to) = vm_nodes[g][v] else { continue };
            for d in deps {
                if let Some(from) = vm_nodes[d.group][d.vm] {
                    graph.add_edge(from, to, ());
                }
            }
        }
    }

    if order != Order::Unordered {
        link_groups(plan, order, &entries, &mut exits, graph);
    }
}

/// Makes every step from `first` on without a predecessor wait for every
/// step before `first` without a successor: the failbacks of a
/// `shutdown_reversed` plan start once every VM is off. Through a join when
/// that saves edges (see the module docs of `graph`).
fn after_every(graph: &mut DiGraph<Step, ()>, first: usize) {
    let ends = |range: std::ops::Range<usize>, dir| {
        range
            .map(NodeIndex::new)
            .filter(|&n| graph.neighbors_directed(n, dir).next().is_none())
            .collect::<Vec<_>>()
    };
    let before = ends(0..first, petgraph::Direction::Outgoing);
    let after = ends(first..graph.node_count(), petgraph::Direction::Incoming);
    connect(
        graph,
        &before,
        &after,
        ("join:shutdown".to_string(), PLAN_LEVEL),
    );
}

/// Makes every step of `to` wait for every step of `from`: directly, or
/// through a join (its id and group given) when that saves edges, m + n
/// instead of m × n (see the module docs of `graph`).
pub(super) fn connect(
    graph: &mut DiGraph<Step, ()>,
    from: &[NodeIndex],
    to: &[NodeIndex],
    (id, group): (String, GroupId),
) {
    if from.len() * to.len() > from.len() + to.len() {
        let join = graph.add_node(Step {
            id,
            // Never shown: joins are not steps. A join waits and does nothing.
            kind: StepKind::Wait,
            group,
            estimate: crate::duration::Duration::ZERO,
            estimate_source: EstimateSource::BuiltIn,
            action: StepAction::Join,
        });
        for &a in from {
            graph.add_edge(a, join, ());
        }
        for &b in to {
            graph.add_edge(join, b, ());
        }
    } else {
        for &a in from {
            for &b in to {
                graph.add_edge(a, b, ());
            }
        }
    }
}

/// The steps of group `g` in this operation: before hooks in a chain, the VMs
/// (ordered among themselves by `deps`, the edges added by the caller), after
/// hooks in a chain. Returns the steps the group is entered by and ends with.
fn group_steps(
    plan: &Plan,
    (g, only): (GroupId, &Only),
    (operation, steps): (Operation, Steps),
    deps: &[Vec<VmRef>],
    graph: &mut DiGraph<Step, ()>,
    vm_nodes: &mut [Option<NodeIndex>],
) -> (Vec<NodeIndex>, Vec<NodeIndex>) {
    let group = &plan.groups[g];
    let hooked = steps == Steps::Operation;
    let before = if hooked {
        hooks(plan, g, operation, When::Before, graph)
    } else {
        Vec::new()
    };
    // (index in the group, node) of the VMs this operation acts on.
    let mut vms = Vec::with_capacity(group.vms.len());
    for (v, vm) in group.vms.iter().enumerate() {
        // `configure` has nothing to send for a VM without target settings.
        if operation == Operation::Configure && vm.target.is_empty()
            || !only.has_vm(VmRef { group: g, vm: v })
        {
            continue;
        }
        let at = VmRef { group: g, vm: v };
        let step = match steps {
            Steps::Operation => Step {
                id: vm_id("vm:", &group.name, &vm.name),
                kind: StepKind::Vm,
                group: g,
                estimate: operation.vm_estimate(vm),
                estimate_source: EstimateSource::of_vm(operation, vm),
                action: StepAction::Vm(at),
            },
            Steps::Shutdown => Step {
                id: vm_id("shutdown:", &group.name, &vm.name),
                kind: StepKind::Shutdown,
                group: g,
                estimate: crate::operation::VM_SHUTDOWN,
                estimate_source: EstimateSource::BuiltIn,
                action: StepAction::Shutdown(at),
            },
        };
        let node = graph.add_node(step);
        vm_nodes[v] = Some(node);
        vms.push((v, node));
    }
    let after = if hooked {
        hooks(plan, g, operation, When::After, graph)
    } else {
        Vec::new()
    };

    // Hooks in the order written: a chain.
    for pair in before.windows(2).chain(after.windows(2)) {
        graph.add_edge(pair[0], pair[1], ());
    }
    // A VM that waits for another VM of its group already comes after the
    // before hooks through it; link only the group's first and last VMs.
    // Sized for every VM up front: a filtered collect grows a group's list
    // two or three times.
    let in_group = |deps: &[VmRef]| deps.iter().any(|d| d.group == g);
    let mut firsts: Vec<NodeIndex> = Vec::with_capacity(vms.len());
    firsts.extend(
        vms.iter()
            .filter(|(v, _)| !in_group(&deps[*v]))
            .map(|(_, n)| *n),
    );
    let mut lasts: Vec<NodeIndex> = Vec::with_capacity(vms.len());
    if deps.iter().flatten().any(|d| d.group == g) {
        let mut needed = vec![false; group.vms.len()];
        for d in deps.iter().flatten().filter(|d| d.group == g) {
            if let Some(slot) = needed.get_mut(d.vm) {
                *slot = true;
            }
        }
        lasts.extend(
            vms.iter()
                .filter(|(v, _)| !needed[*v])
                .map(|(_, node)| *node),
        );
    } else {
        lasts.extend(vms.iter().map(|(_, node)| *node));
    }
    if let Some(&b) = before.last() {
        for &vm in &firsts {
            graph.add_edge(b, vm, ());
        }
    }
    if let Some(&a) = after.first() {
        for &vm in &lasts {
            graph.add_edge(vm, a, ());
        }
        if vms.is_empty()
            && let Some(&b) = before.last()
        {
            graph.add_edge(b, a, ());
        }
    }
    let entry = match (before.first(), firsts.is_empty(), after.first()) {
        (Some(&b), _, _) => vec![b],
        (None, false, _) => firsts,
        (None, true, Some(&a)) => vec![a],
        (None, true, None) => Vec::new(),
    };
    let exit = match (after.last(), lasts.is_empty(), before.last()) {
        (Some(&a), _, _) => vec![a],
        (None, false, _) => lasts,
        (None, true, Some(&b)) => vec![b],
        (None, true, None) => Vec::new(),
    };
    (entry, exit)
}

/// `vm:<group>/<vm>` (or `shutdown:…`), built by hand: `format!` was half
/// the graph's build time at 10,000 VMs.
fn vm_id(prefix: &str, group: &str, vm: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + group.len() + vm.len());
    id.push_str(prefix);
    id.push_str(group);
    id.push('/');
    id.push_str(vm);
    id
}

/// The hooks of group `g` that run before or after its VMs in this operation's phase,
/// numbered from 1 in the order they apply.
fn hooks(
    plan: &Plan,
    g: GroupId,
    operation: Operation,
    when: When,
    graph: &mut DiGraph<Step, ()>,
) -> Vec<NodeIndex> {
    let Some(phase) = operation.phase() else {
        return Vec::new();
    };
    let group = &plan.groups[g];
    let mut nodes = Vec::new();
    for (b, block) in group.hooks.iter().enumerate() {
        if block.when != when || !block.phases.contains(&phase) {
            continue;
        }
        for (h, hook) in block.hooks.iter().enumerate() {
            let n = nodes.len() + 1;
            nodes.push(graph.add_node(Step {
                id: format!("hook:{}/{}/{n}", group.name, when.as_str()),
                kind: hook.action.kind(),
                group: g,
                estimate: hook.step.estimate,
                estimate_source: EstimateSource::declared_if(hook.estimate_declared),
                action: StepAction::Hook {
                    group: g,
                    when,
                    block: b,
                    hook: h,
                },
            }));
        }
    }
    nodes
}

/// The plan's own hooks of this operation's phase: `before` hooks in a
/// chain that every step without a predecessor waits for, `after` hooks in
/// a chain that waits for every step without a successor. The same in
/// every direction: a failback's `before` hooks still come first.
fn plan_hooks(plan: &Plan, operation: Operation, graph: &mut DiGraph<Step, ()>) {
    let Some(phase) = operation.phase() else {
        return;
    };
    if plan.hooks.is_empty() {
        return;
    }
    let (sources, sinks): (Vec<NodeIndex>, Vec<NodeIndex>) = {
        let g = &*graph;
        let ends = |dir| {
            g.node_indices()
                .filter(|&n| g.neighbors_directed(n, dir).next().is_none())
                .collect::<Vec<_>>()
        };
        (
            ends(petgraph::Direction::Incoming),
            ends(petgraph::Direction::Outgoing),
        )
    };
    let chain = |when: When, graph: &mut DiGraph<Step, ()>| {
        let mut nodes: Vec<NodeIndex> = Vec::new();
        for (b, block) in plan.hooks.iter().enumerate() {
            if block.when != when || !block.phases.contains(&phase) {
                continue;
            }
            for (h, hook) in block.hooks.iter().enumerate() {
                let node = graph.add_node(Step {
                    id: super::plan_hook_id(when, nodes.len() + 1),
                    kind: hook.action.kind(),
                    group: PLAN_LEVEL,
                    estimate: hook.step.estimate,
                    estimate_source: EstimateSource::declared_if(hook.estimate_declared),
                    action: StepAction::Hook {
                        group: PLAN_LEVEL,
                        when,
                        block: b,
                        hook: h,
                    },
                });
                if let Some(&previous) = nodes.last() {
                    graph.add_edge(previous, node, ());
                }
                nodes.push(node);
            }
        }
        nodes
    };
    let before = chain(When::Before, graph);
    let after = chain(When::After, graph);
    if let Some(&last) = before.last() {
        for &s in &sources {
            graph.add_edge(last, s, ());
        }
    }
    if let Some(&first) = after.first() {
        for &s in &sinks {
            graph.add_edge(s, first, ());
        }
    }
    if sources.is_empty()
        && let (Some(&b), Some(&a)) = (before.last(), after.first())
    {
        graph.add_edge(b, a, ());
    }
}
