//! The plan's estimates against what a schedule can count and against the
//! plan's RTO: a checked plan in; out, a `drplan::estimate_overflow` error
//! when an operation's estimates add up past [`MAX_TOTAL`], and a
//! `drplan::rto_exceeded` warning when the dry run's total (the same graph and
//! schedule `drplan run failover --dry-run` shows) exceeds `objectives.rto`.
//! The checker itself reads no files: `drplan check` gives [`rto_exceeded`]
//! the runs kept beside a plan, to judge the RTO on learned estimates
//! (`crate::learn`).

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::duration::Duration;
use crate::graph::{self, Operation, StepAction};
use crate::plan::Plan;
use crate::schedule::{MAX_TOTAL, Overflow, Schedule};
use crate::source::Span;

/// Reports the operations whose schedule passes [`MAX_TOTAL`], in one
/// diagnostic at the first one's likeliest culprit. Returns whether any does.
pub(super) fn overflow(plan: &Plan, diags: &mut Diagnostics) -> bool {
    let mut operations: Vec<&str> = Vec::new();
    let mut first: Option<(graph::StepGraph, Overflow)> = None;
    for op in Operation::ALL {
        // No schedule is longer than all its work done one step at a time,
        // so only plans whose sum passes the limit need scheduling here.
        if work(plan, op) <= u128::from(MAX_TOTAL.as_millis()) {
            continue;
        }
        let graph = graph::build(plan, op, None);
        if let Err(overflow) = Schedule::checked(&graph) {
            operations.push(op.as_str());
            if first.is_none() {
                first = Some((graph, overflow));
            }
        }
    }
    let Some((graph, overflow)) = first else {
        return false;
    };
    // The step with the largest estimate on the way, the last of equals:
    // where a smaller figure helps most.
    let culprit = overflow
        .path
        .iter()
        .copied()
        .max_by_key(|n| graph.step(*n).estimate)
        .unwrap_or(overflow.step);
    let step = graph.step(culprit);
    let shown = operations.join(", ");
    let operations = match shown.rsplit_once(", ") {
        Some((init, last)) => format!("{init} and {last}"),
        None => shown,
    };
    diags.push(Diagnostic::EstimateOverflow {
        operations,
        limit: MAX_TOTAL.to_string(),
        at: span_of(plan, step.action).unwrap_or_default(),
        label: format!("estimated at {}", step.estimate),
        help: Some(format!(
            "`{}` ends past the limit after {} steps one after another; give them estimates a run can take (a VM's or a hook's `estimate`, `defaults {{ estimate }}`, a `wait`)",
            graph.step(overflow.step).id,
            overflow.path.len()
        )),
    });
    true
}

/// The work of `op` done one step at a time, in milliseconds: summed in
/// `u128`, which no plan's `u64` figures can pass, so one comparison at the
/// end replaces a checked addition per step.
fn work(plan: &Plan, op: Operation) -> u128 {
    let ms = |d: Duration| u128::from(d.as_millis());
    let mut total = 0u128;
    let mut vms = 0u128;
    for group in &plan.groups {
        vms += group.vms.len() as u128;
        total += group
            .vms
            .iter()
            .map(|vm| ms(op.vm_estimate(vm)))
            .sum::<u128>();
        let Some(phase) = op.phase() else { continue };
        for block in group.hooks.iter().filter(|b| b.phases.contains(&phase)) {
            for hook in &block.hooks {
                total += ms(hook.step.estimate);
            }
        }
    }
    if op.shuts_down_first(plan) {
        total += vms * ms(crate::operation::VM_SHUTDOWN);
    }
    total
}

/// Where the plan writes a step: a VM's name, a hook's statement.
fn span_of(plan: &Plan, action: StepAction) -> Option<Span> {
    match action {
        StepAction::Vm(at) | StepAction::Shutdown(at) => plan.vm(at).map(|vm| vm.span),
        StepAction::Hook {
            group, block, hook, ..
        } => plan
            .groups
            .get(group)?
            .hooks
            .get(block)?
            .hooks
            .get(hook)
            .map(|h| h.span),
        StepAction::Join => None,
    }
}

/// Warns when the estimated failover exceeds the RTO.
pub(super) fn rto(plan: &Plan, diags: &mut Diagnostics) {
    if let Some(d) = rto_exceeded(plan, &[]) {
        diags.push(d);
    }
}

/// The `drplan::rto_exceeded` warning of `plan`, if its estimated failover
/// exceeds the RTO, on estimates learned from `history` where it has runs
/// of the plan.
pub fn rto_exceeded(plan: &Plan, history: &[crate::learn::PastRun]) -> Option<Diagnostic> {
    let (Some(rto), Some(at)) = (plan.objectives.rto, plan.objectives.rto_span) else {
        return None;
    };
    let mut graph = graph::build(plan, Operation::Failover, None);
    let learned = crate::learn::apply(&mut graph, history);
    // An overflow is an error of its own (see `overflow`), not a figure to compare.
    let schedule = Schedule::checked(&graph).ok()?;
    if schedule.total <= rto {
        return None;
    }
    // Name the groups on the critical path, in order, once each.
    let mut groups: Vec<&str> = Vec::new();
    for node in &schedule.critical_path {
        let name = graph.group_name(graph.step(*node));
        if groups.last() != Some(&name) {
            groups.push(name);
        }
    }
    let measured = match learned {
        0 => String::new(),
        1 => " (1 step's estimate learned from past runs)".to_string(),
        n => format!(" ({n} steps' estimates learned from past runs)"),
    };
    Some(Diagnostic::RtoExceeded {
        estimate: schedule.total.to_string(),
        rto: rto.to_string(),
        at,
        help: Some(format!(
            "the critical path runs through {}{measured}; shorten it (fewer `needs`, more `parallelism`, revised `estimate`s) or revise the RTO",
            groups
                .iter()
                .map(|g| format!("`{g}`"))
                .collect::<Vec<_>>()
                .join(" -> ")
        )),
    })
}
