//! The dry run's worst case: a plan and its step graph in; the same graph
//! with every step at its worst out: each attempt running to its timeout,
//! every retry taken, and the longest backoff between attempts (the retry
//! rule of `exec::retry`, jitter at its largest). Scheduled like the
//! estimate (same groups, same parallelism, same critical path), it bounds
//! how long the operation can take before drplan gives up on it. A step
//! without a timeout has no bound: it counts at its estimate, and is named.

use petgraph::graph::NodeIndex;

use crate::duration::Duration;
use crate::graph::{Operation, Step, StepAction, StepGraph};
use crate::plan::Plan;

/// A graph with worst-case durations.
#[derive(Debug, Clone)]
pub struct WorstCase {
    /// The graph, each step's estimate its worst case.
    pub graph: StepGraph,
    /// The steps without a timeout, counted at their estimate, in source order.
    pub unbounded: Vec<NodeIndex>,
}

/// Every step of `graph` at its worst (see the module docs).
pub fn worst_case(plan: &Plan, graph: &StepGraph) -> WorstCase {
    let mut worst = graph.clone();
    let mut unbounded = Vec::new();
    for node in worst.graph.node_indices() {
        let step = &mut worst.graph[node];
        if step.is_join() {
            continue;
        }
        let (timeout, retries) = limits(plan, graph.operation, step);
        let attempt = timeout.unwrap_or_else(|| {
            unbounded.push(node);
            step.estimate
        });
        let mut total =
            Duration::from_millis(attempt.as_millis().saturating_mul(u64::from(retries) + 1));
        for retry in 2..=retries.saturating_add(1) {
            let wait = crate::exec::retry::longest_backoff(retry);
            total = total.saturating_add(Duration::from_std(wait));
        }
        step.estimate = total;
    }
    WorstCase {
        graph: worst,
        unbounded,
    }
}

/// A step's per-attempt timeout and retries, as the executor runs it.
fn limits(plan: &Plan, operation: Operation, step: &Step) -> (Option<Duration>, u32) {
    match step.action {
        StepAction::Hook {
            group, block, hook, ..
        } => plan
            .groups
            .get(group)
            .and_then(|g| g.hooks.get(block))
            .and_then(|b| b.hooks.get(hook))
            .map_or((None, 0), |h| (h.step.timeout, h.step.retries)),
        // As the executor does: `defaults { timeout }` does not cut a
        // reprotect short (it takes hours for large disks).
        StepAction::Vm(_) if operation == Operation::Reprotect => (None, plan.defaults.retries),
        StepAction::Vm(_) | StepAction::Shutdown(_) => {
            (plan.defaults.timeout, plan.defaults.retries)
        }
        StepAction::Join => (None, 0),
    }
}
