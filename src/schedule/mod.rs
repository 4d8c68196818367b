//! Step graph to schedule: the dry run's waves (steps that may run together),
//! an estimated start and finish for every step from a list schedule that
//! honours each group's `parallelism` and the run-wide cap, the critical
//! path that sets the total, and whether the total fits the plan's RTO.
//! The executor dispatches ready VM steps by the same ranks ([`Schedule::rank`]),
//! so the dry run shows the order the run takes.
//!
//! Without a cap, VM steps go longest remaining path first. Under a cap
//! (`--parallelism`), the most work waiting on a step first, and then the
//! ranks improve by forward-backward passes (`improve`); [`lower_bound`]
//! says how far from any schedule's best the result can be.
//!
//! Estimates are sums of the plan's durations, which may be absurdly large:
//! every sum is checked against [`MAX_TOTAL`], and [`Schedule::checked`] names
//! the step whose finish passes it rather than give a wrong figure.

mod bound;
mod dry_run;
mod improve;
mod simulate;

use std::cmp::Reverse;

use petgraph::graph::NodeIndex;

use crate::duration::Duration;
use crate::graph::StepGraph;

pub use bound::lower_bound;
pub use dry_run::{DryRun, DryRunStep, WorstCaseReport};
use simulate::{Simulation, Steps, Successors, ranks, simulate};

/// The longest estimate a schedule computes: `u64::MAX` milliseconds, less
/// the part of a second, so that every figure shown in whole seconds is exact
/// (about 585 million years).
pub const MAX_TOTAL: Duration = Duration::from_millis(u64::MAX / 1000 * 1000);

/// `a + b`, or `None` past [`MAX_TOTAL`].
pub fn add(a: Duration, b: Duration) -> Option<Duration> {
    a.as_millis()
        .checked_add(b.as_millis())
        .map(Duration::from_millis)
        .filter(|sum| *sum <= MAX_TOTAL)
}

/// A schedule whose estimates pass [`MAX_TOTAL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// The first step, in simulated time, whose finish passes it.
    pub step: NodeIndex,
    /// The chain of steps that leads to it (as the critical path leads to the
    /// last step), first to last, `step` included.
    pub path: Vec<NodeIndex>,
}

/// The estimated run of one operation.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Dependency levels: wave `k` holds the steps whose longest chain of
    /// predecessors has `k` steps. Each wave in source order.
    pub waves: Vec<Vec<NodeIndex>>,
    /// Estimated start of each step, by node index.
    pub start: Vec<Duration>,
    /// Estimated finish of each step, by node index.
    pub finish: Vec<Duration>,
    /// The chain of steps that sets the total, first to last.
    pub critical_path: Vec<NodeIndex>,
    /// The estimated total.
    pub total: Duration,
    /// Longest remaining path from each step (its own estimate included).
    pub priority: Vec<Duration>,
    /// The dispatch rank of each step: ready VM steps start lowest rank
    /// first (ties by index), in this schedule and in the executor.
    pub rank: Vec<usize>,
    /// What made each step start when it did: its last predecessor, or the VM
    /// whose end freed a parallelism slot.
    cause: Vec<Option<usize>>,
}

impl Schedule {
    /// Schedules a graph, unless its estimates pass [`MAX_TOTAL`]: what a
    /// figure shown to people needs.
    pub fn checked(graph: &StepGraph) -> Result<Schedule, Overflow> {
        Self::capped(graph, None)
    }

    /// As [`Schedule::checked`], with at most `cap` VM steps at a time across
    /// the run (`run --parallelism`).
    pub fn capped(graph: &StepGraph, cap: Option<u32>) -> Result<Schedule, Overflow> {
        let (schedule, overflow) = Self::compute(graph, cap);
        match overflow {
            None => Ok(schedule),
            Some(step) => Err(Overflow {
                step: NodeIndex::new(step),
                path: schedule.chain(graph, Some(step)),
            }),
        }
    }

    /// Schedules a graph; times past [`MAX_TOTAL`] stay at it, which keeps the
    /// order of dispatch (for the executor) but makes such figures meaningless:
    /// see [`Schedule::checked`]. Linear in steps and edges, plus a log factor
    /// for the ready queues.
    pub fn new(graph: &StepGraph) -> Schedule {
        Self::compute(graph, None).0
    }

    /// As [`Schedule::new`], under a run-wide cap: what the executor
    /// dispatches by.
    pub fn new_capped(graph: &StepGraph, cap: Option<u32>) -> Schedule {
        Self::compute(graph, cap).0
    }

    /// The steps that led to `last`, through what made each start when it did.
    fn chain(&self, graph: &StepGraph, last: Option<usize>) -> Vec<NodeIndex> {
        let mut path = Vec::new();
        let mut at = last;
        while let Some(i) = at {
            if !graph.graph[NodeIndex::new(i)].is_join() {
                path.push(NodeIndex::new(i));
            }
            at = self.cause[i];
        }
        path.reverse();
        path
    }

    /// The schedule, and the first step whose finish passed [`MAX_TOTAL`].
    fn compute(graph: &StepGraph, cap: Option<u32>) -> (Schedule, Option<usize>) {
        let g = &graph.graph;
        let n = g.node_count();
        let adj = Successors::new(graph);
        let order = adj.topological();

        // A join adds no wave: what follows it is one wave after what precedes it.
        let is_join = |v: usize| g[NodeIndex::new(v)].is_join();
        let mut level = vec![0usize; n];
        for &v in &order {
            let next = if is_join(v) { level[v] } else { level[v] + 1 };
            for &s in adj.of(v) {
                level[s] = level[s].max(next);
            }
        }
        let mut waves: Vec<Vec<NodeIndex>> = Vec::new();
        for (v, &l) in level.iter().enumerate().filter(|(v, _)| !is_join(*v)) {
            if waves.len() <= l {
                waves.resize(l + 1, Vec::new());
            }
            waves[l].push(NodeIndex::new(v));
        }

        let mut priority = vec![Duration::ZERO; n];
        for &v in order.iter().rev() {
            let tail = adj
                .of(v)
                .iter()
                .map(|s| priority[*s])
                .max()
                .unwrap_or_default();
            // Past the limit the finish overflows too, and is reported there.
            priority[v] = add(g[NodeIndex::new(v)].estimate, tail).unwrap_or(MAX_TOTAL);
        }

        let (rank, sim) = dispatch(graph, &adj, &priority, cap);
        let last = sim.last();
        let total = last.map_or(Duration::ZERO, |i| sim.finish[i]);
        let mut schedule = Schedule {
            waves,
            start: sim.start,
            finish: sim.finish,
            critical_path: Vec::new(),
            total,
            priority,
            rank,
            cause: sim.cause,
        };
        schedule.critical_path = schedule.chain(graph, last);
        (schedule, sim.overflow)
    }
}

/// The ranks VM steps are dispatched by, and the list schedule they give.
/// Without a cap: longest remaining path first. Under one: the better of
/// most waiting work first and longest path first, improved (see
/// `improve`).
fn dispatch(
    graph: &StepGraph,
    adj: &Successors,
    path: &[Duration],
    cap: Option<u32>,
) -> (Vec<usize>, Simulation) {
    let steps = Steps::new(graph, cap);
    let n = steps.len();
    // Longer paths rank lower (first); no sort needed, as ties go by index
    // in the queues anyway.
    let by_path: Vec<usize> = path
        .iter()
        .map(|p| usize::try_from(p.as_millis()).map_or(0, |ms| usize::MAX - ms))
        .collect();
    let first = simulate(&steps, adj, &by_path);
    if cap.is_none() || first.overflow.is_some() {
        return (by_path, first);
    }
    let waiting = waiting_work(adj, &steps.estimate);
    let by_waiting = ranks(n, |v| (Reverse(waiting[v]), Reverse(path[v]), v));
    let second = simulate(&steps, adj, &by_waiting);
    let (rank, start) = if second.overflow.is_none() && second.makespan() <= first.makespan() {
        (by_waiting, second)
    } else {
        (by_path, first)
    };
    improve::improve(&steps, adj, &Successors::reversed(graph), path, rank, start)
}

/// The work (summed estimates, milliseconds) of everything after each step,
/// counted once per path that reaches it: what keeps a capped run's slots
/// busy later.
fn waiting_work(adj: &Successors, estimate: &[Duration]) -> Vec<u64> {
    let mut waiting = vec![0u64; estimate.len()];
    for &v in adj.topological().iter().rev() {
        waiting[v] = adj
            .of(v)
            .iter()
            .map(|&s| waiting[s].saturating_add(estimate[s].as_millis()))
            .fold(0, u64::saturating_add);
    }
    waiting
}

#[cfg(test)]
mod tests;
