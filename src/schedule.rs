//! Step graph to schedule: the dry run's waves (steps that may run together),
//! an estimated start and finish for every step from a list schedule that
//! honours each group's `parallelism`, the critical path that sets the total,
//! and whether the total fits the plan's RTO. The executor dispatches ready VM
//! steps in the same priority order (longest remaining path first).
//!
//! Estimates are sums of the plan's durations, which may be absurdly large:
//! every sum is checked against [`MAX_TOTAL`], and [`Schedule::checked`] names
//! the step whose finish passes it rather than give a wrong figure.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::duration::Duration;
use crate::graph::StepGraph;

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
    /// Longest remaining path from each step (its own estimate included): the
    /// dispatch priority.
    pub priority: Vec<Duration>,
    /// What made each step start when it did: its last predecessor, or the VM
    /// whose end freed a parallelism slot.
    cause: Vec<Option<usize>>,
}

impl Schedule {
    /// Schedules a graph, unless its estimates pass [`MAX_TOTAL`]: what a
    /// figure shown to people needs.
    pub fn checked(graph: &StepGraph) -> Result<Schedule, Overflow> {
        let (schedule, overflow) = Self::compute(graph);
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
        Self::compute(graph).0
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
    fn compute(graph: &StepGraph) -> (Schedule, Option<usize>) {
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

        let sim = simulate(graph, &adj, &priority);
        let last = (0..n).max_by_key(|&i| (sim.finish[i], Reverse(i)));
        let total = last.map_or(Duration::ZERO, |i| sim.finish[i]);
        let mut schedule = Schedule {
            waves,
            start: sim.start,
            finish: sim.finish,
            critical_path: Vec::new(),
            total,
            priority,
            cause: sim.cause,
        };
        schedule.critical_path = schedule.chain(graph, last);
        (schedule, sim.overflow)
    }
}

/// Successor lists in one flat array (compressed sparse rows): the passes
/// below walk them several times, and petgraph's linked edge lists are
/// several times slower to walk at 100,000 steps.
struct Successors {
    /// `targets[start[v]..start[v + 1]]` are the successors of `v`.
    start: Vec<usize>,
    targets: Vec<usize>,
    /// Number of predecessors of each step.
    indegree: Vec<usize>,
}

impl Successors {
    fn new(graph: &StepGraph) -> Self {
        let n = graph.graph.node_count();
        let edges = graph.graph.raw_edges();
        let mut start = vec![0usize; n + 1];
        let mut indegree = vec![0usize; n];
        for e in edges {
            start[e.source().index() + 1] += 1;
            indegree[e.target().index()] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut targets = vec![0usize; edges.len()];
        for e in edges {
            let slot = &mut fill[e.source().index()];
            targets[*slot] = e.target().index();
            *slot += 1;
        }
        Self {
            start,
            targets,
            indegree,
        }
    }

    fn of(&self, v: usize) -> &[usize] {
        &self.targets[self.start[v]..self.start[v + 1]]
    }

    /// Steps so that every edge points forward; ties in source order.
    fn topological(&self) -> Vec<usize> {
        let mut indegree = self.indegree.clone();
        let mut order: Vec<usize> = (0..indegree.len()).filter(|v| indegree[*v] == 0).collect();
        let mut next = 0;
        while next < order.len() {
            let v = order[next];
            next += 1;
            for &s in self.of(v) {
                indegree[s] -= 1;
                if indegree[s] == 0 {
                    order.push(s);
                }
            }
        }
        order
    }
}

struct Simulation {
    start: Vec<Duration>,
    finish: Vec<Duration>,
    /// What made each step start when it did: its last predecessor, or the VM
    /// whose end freed a parallelism slot.
    cause: Vec<Option<usize>>,
    /// The first step whose finish passed [`MAX_TOTAL`].
    overflow: Option<usize>,
}

impl Simulation {
    /// Starts step `i` at `now`; a finish past [`MAX_TOTAL`] stays at it, and
    /// the first such step is kept.
    fn begin(&mut self, i: usize, now: Duration, estimate: Duration) {
        self.start[i] = now;
        self.finish[i] = add(now, estimate).unwrap_or_else(|| {
            self.overflow.get_or_insert(i);
            MAX_TOTAL
        });
    }
}

/// An event-driven list schedule on estimated durations: a step is ready when
/// its predecessors finish; hooks start when ready; VM steps wait for a slot of
/// their group, the ready one with the longest remaining path first.
fn simulate(graph: &StepGraph, adj: &Successors, priority: &[Duration]) -> Simulation {
    let g = &graph.graph;
    let n = g.node_count();
    let groups = graph.groups.len();
    let mut sim = Simulation {
        start: vec![Duration::ZERO; n],
        finish: vec![Duration::ZERO; n],
        cause: vec![None; n],
        overflow: None,
    };
    let mut waiting = adj.indegree.clone();
    let mut ready_at = vec![Duration::ZERO; n];
    let mut queues: Vec<BinaryHeap<(Duration, Reverse<usize>)>> = vec![BinaryHeap::new(); groups];
    let mut running = vec![0u32; groups];
    let mut freed_by: Vec<Option<usize>> = vec![None; groups];
    let mut events: BinaryHeap<Reverse<(Duration, usize)>> = BinaryHeap::new();
    let mut dirty: Vec<usize> = Vec::new();
    let vm_group = |i: usize| g[NodeIndex::new(i)].action.machine().map(|r| r.group);
    let mut ready: Vec<usize> = (0..n).filter(|i| waiting[*i] == 0).collect();
    let mut batch: Vec<usize> = Vec::new();
    let mut now = Duration::ZERO;
    loop {
        for i in ready.drain(..) {
            ready_at[i] = now;
            if let Some(group) = vm_group(i) {
                queues[group].push((priority[i], Reverse(i)));
                dirty.push(group);
            } else {
                sim.begin(i, now, g[NodeIndex::new(i)].estimate);
                events.push(Reverse((sim.finish[i], i)));
            }
        }
        dirty.sort_unstable();
        dirty.dedup();
        for group in dirty.drain(..) {
            let limit = graph
                .groups
                .get(group)
                .map_or(1, |gi| gi.parallelism.max(1));
            while running[group] < limit {
                let Some((_, Reverse(i))) = queues[group].pop() else {
                    break;
                };
                running[group] += 1;
                if ready_at[i] < now {
                    sim.cause[i] = freed_by[group];
                }
                sim.begin(i, now, g[NodeIndex::new(i)].estimate);
                events.push(Reverse((sim.finish[i], i)));
            }
        }
        let Some(Reverse((t, first))) = events.pop() else {
            break;
        };
        now = t;
        batch.clear();
        batch.push(first);
        while let Some(Reverse((t2, j))) = events.peek().copied() {
            if t2 != t {
                break;
            }
            events.pop();
            batch.push(j);
        }
        // Highest index first, so that among predecessors finishing together the
        // first in source order is named the cause: critical paths read naturally.
        batch.sort_unstable_by(|a, b| b.cmp(a));
        for &i in &batch {
            if let Some(group) = vm_group(i) {
                running[group] = running[group].saturating_sub(1);
                freed_by[group] = Some(i);
                dirty.push(group);
            }
            for &s in adj.of(i) {
                waiting[s] -= 1;
                if waiting[s] == 0 {
                    sim.cause[s] = Some(i);
                    ready.push(s);
                }
            }
        }
    }
    sim
}

/// The dry-run report (spec: cli.md "Dry run").
#[derive(Debug, Serialize)]
pub struct DryRun<'a> {
    /// The plan.
    pub plan: &'a str,
    /// The operation.
    pub operation: &'static str,
    /// Waves of step ids.
    pub waves: Vec<Vec<&'a str>>,
    /// Every step.
    pub steps: Vec<DryRunStep<'a>>,
    /// The chain that sets the total.
    pub critical_path: Vec<&'a str>,
    /// The estimated total, seconds.
    pub estimate_s: u64,
    /// The plan's RTO, seconds, when it has one and it applies to the operation.
    pub rto_s: Option<u64>,
    /// Whether the estimate fits the RTO.
    pub fits_rto: Option<bool>,
    /// Every step at its timeout, every retry taken (see
    /// [`DryRun::with_worst_case`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_case: Option<WorstCaseReport<'a>>,
}

/// The worst case of [`DryRun`]: the same schedule with every step at its
/// timeout × (retries + 1) plus the longest backoffs between attempts.
#[derive(Debug, Serialize)]
pub struct WorstCaseReport<'a> {
    /// The total, seconds.
    pub estimate_s: u64,
    /// The chain that sets it.
    pub critical_path: Vec<&'a str>,
    /// Steps without a timeout, counted at their estimate.
    pub unbounded: Vec<&'a str>,
}

/// One step of [`DryRun`].
#[derive(Debug, Serialize)]
pub struct DryRunStep<'a> {
    /// Step id.
    pub id: &'a str,
    /// A VM operation, or the hook's kind.
    pub kind: crate::graph::StepKind,
    /// The group.
    pub group: &'a str,
    /// Estimated duration, seconds.
    pub estimate_s: u64,
    /// Where the estimate comes from: declared, built in, or learned from runs.
    pub estimate_source: crate::graph::EstimateSource,
    /// Estimated start, seconds from the run's start.
    pub start_s: u64,
    /// Steps it waits for.
    pub needs: Vec<&'a str>,
}

impl<'a> DryRun<'a> {
    /// The report of `schedule` on `graph`, with the plan's RTO.
    pub fn new(graph: &'a StepGraph, schedule: &Schedule, rto: Option<Duration>) -> Self {
        let g = &graph.graph;
        let id = |v: NodeIndex| g[v].id.as_str();
        let rto = rto.filter(|_| graph.operation.has_rto());
        DryRun {
            plan: &graph.plan,
            operation: graph.operation.as_str(),
            waves: schedule
                .waves
                .iter()
                .map(|w| w.iter().map(|v| id(*v)).collect())
                .collect(),
            steps: graph
                .steps()
                .map(|(v, step)| DryRunStep {
                    id: step.id.as_str(),
                    kind: step.kind,
                    group: graph.group_name(step),
                    estimate_s: step.estimate.as_secs_ceil(),
                    estimate_source: step.estimate_source,
                    start_s: schedule.start[v.index()].as_secs_ceil(),
                    needs: graph.needs(v).into_iter().map(id).collect(),
                })
                .collect(),
            critical_path: schedule.critical_path.iter().map(|v| id(*v)).collect(),
            estimate_s: schedule.total.as_secs_ceil(),
            rto_s: rto.map(Duration::as_secs_ceil),
            fits_rto: rto.map(|r| schedule.total <= r),
            worst_case: None,
        }
    }

    /// With the worst case: `worst` scheduled on the graph of `worst`
    /// (`crate::learn::worst_case`), whose steps are `graph`'s.
    #[must_use]
    pub fn with_worst_case(
        mut self,
        graph: &'a StepGraph,
        worst: &Schedule,
        unbounded: &[NodeIndex],
    ) -> Self {
        let id = |v: &NodeIndex| graph.graph[*v].id.as_str();
        self.worst_case = Some(WorstCaseReport {
            estimate_s: worst.total.as_secs_ceil(),
            critical_path: worst.critical_path.iter().map(id).collect(),
            unbounded: unbounded.iter().map(id).collect(),
        });
        self
    }
}
