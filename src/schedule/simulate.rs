//! The list schedule: a step graph's successor lists (forward, or reversed
//! for the backward pass of `improve`), each step's estimate, the limits on
//! VM steps (each group's `parallelism`, the run-wide cap) and a dispatch
//! rank in; every step's start and finish, what made it start when it did,
//! and the first finish past [`MAX_TOTAL`] out.
//!
//! Event-driven, as the executor runs: a step is ready when its
//! predecessors finish; hooks start when ready; a ready VM step starts when
//! its group and the run have a free slot, the lowest rank first. Nothing
//! is held back for work that is not ready yet, so the executor, given the
//! same ranks and durations, starts every step when this says.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::{MAX_TOTAL, add};
use crate::duration::Duration;
use crate::graph::StepGraph;

/// Successor lists in one flat array (compressed sparse rows): the passes
/// walk them many times, and petgraph's linked edge lists are several times
/// slower to walk at 100,000 steps.
pub(super) struct Successors {
    /// `targets[start[v]..start[v + 1]]` are the successors of `v`.
    start: Vec<usize>,
    targets: Vec<usize>,
    /// Number of predecessors of each step.
    pub(super) indegree: Vec<usize>,
}

impl Successors {
    /// The graph's edges, forward.
    pub(super) fn new(graph: &StepGraph) -> Self {
        Self::of_edges(graph, false)
    }

    /// The graph's edges turned around: what the backward pass walks.
    pub(super) fn reversed(graph: &StepGraph) -> Self {
        Self::of_edges(graph, true)
    }

    fn of_edges(graph: &StepGraph, reversed: bool) -> Self {
        let n = graph.graph.node_count();
        let edges = graph.graph.raw_edges();
        let ends = |e: &petgraph::graph::Edge<()>| {
            let (a, b) = (e.source().index(), e.target().index());
            if reversed { (b, a) } else { (a, b) }
        };
        let mut start = vec![0usize; n + 1];
        let mut indegree = vec![0usize; n];
        for e in edges {
            let (from, to) = ends(e);
            start[from + 1] += 1;
            indegree[to] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut targets = vec![0usize; edges.len()];
        for e in edges {
            let (from, to) = ends(e);
            targets[fill[from]] = to;
            fill[from] += 1;
        }
        Self {
            start,
            targets,
            indegree,
        }
    }

    pub(super) fn of(&self, v: usize) -> &[usize] {
        &self.targets[self.start[v]..self.start[v + 1]]
    }

    /// Steps so that every edge points forward; ties in source order.
    pub(super) fn topological(&self) -> Vec<usize> {
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

/// What a list schedule needs of the graph beside its edges.
pub(super) struct Steps {
    /// Each step's estimate.
    pub(super) estimate: Vec<Duration>,
    /// The group of each VM step (`None` for hooks and joins).
    pub(super) vm_group: Vec<Option<usize>>,
    /// Each group's `parallelism`, at least 1.
    pub(super) limit: Vec<usize>,
    /// How many VM steps may run at once across the run (`usize::MAX`: no
    /// cap).
    pub(super) cap: usize,
}

impl Steps {
    pub(super) fn new(graph: &StepGraph, cap: Option<u32>) -> Self {
        let g = &graph.graph;
        let as_limit = |p: u32| usize::try_from(p.max(1)).unwrap_or(usize::MAX);
        Steps {
            estimate: g.node_indices().map(|v| g[v].estimate).collect(),
            vm_group: g
                .node_indices()
                .map(|v| g[v].action.machine().map(|_| g[v].group))
                .collect(),
            limit: graph
                .groups
                .iter()
                .map(|gi| as_limit(gi.parallelism))
                .collect(),
            cap: cap.map_or(usize::MAX, as_limit),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.estimate.len()
    }
}

#[derive(Debug, Clone)]
pub(super) struct Simulation {
    pub(super) start: Vec<Duration>,
    pub(super) finish: Vec<Duration>,
    /// What made each step start when it did: its last predecessor, or the VM
    /// whose end freed a slot.
    pub(super) cause: Vec<Option<usize>>,
    /// The first step whose finish passed [`MAX_TOTAL`].
    pub(super) overflow: Option<usize>,
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

    /// When the last step ends.
    pub(super) fn makespan(&self) -> Duration {
        self.finish.iter().copied().max().unwrap_or_default()
    }

    /// The step that ends last (the first in source order among ties).
    pub(super) fn last(&self) -> Option<usize> {
        (0..self.finish.len()).max_by_key(|&i| (self.finish[i], Reverse(i)))
    }
}

/// The list schedule of `steps` over `adj`, VM steps dispatched by `rank`
/// (lowest first).
pub(super) fn simulate(steps: &Steps, adj: &Successors, rank: &[usize]) -> Simulation {
    let n = steps.len();
    let mut sim = Simulation {
        start: vec![Duration::ZERO; n],
        finish: vec![Duration::ZERO; n],
        cause: vec![None; n],
        overflow: None,
    };
    let mut waiting = adj.indegree.clone();
    let mut ready_at = vec![Duration::ZERO; n];
    // Ready VM steps that may start, best first; those whose group is full
    // wait in `blocked` until the group frees a slot.
    let mut queue: BinaryHeap<Reverse<(usize, usize)>> = BinaryHeap::new();
    let mut blocked: Vec<Vec<(usize, usize)>> = vec![Vec::new(); steps.limit.len()];
    let mut running = vec![0usize; steps.limit.len()];
    let mut running_total = 0usize;
    let mut freed_by: Vec<Option<usize>> = vec![None; steps.limit.len()];
    let mut freed_last: Option<usize> = None;
    let mut events = Ends::default();
    let mut ready: Vec<usize> = (0..n).filter(|i| waiting[*i] == 0).collect();
    let mut batch: Vec<usize> = Vec::new();
    let mut now = Duration::ZERO;
    loop {
        for i in ready.drain(..) {
            ready_at[i] = now;
            if steps.vm_group[i].is_some() {
                queue.push(Reverse((rank[i], i)));
            } else {
                sim.begin(i, now, steps.estimate[i]);
                events.add(sim.finish[i], i);
            }
        }
        while running_total < steps.cap {
            let Some(Reverse((r, i))) = queue.pop() else {
                break;
            };
            let group = steps.vm_group[i].unwrap_or_default();
            if running[group] >= steps.limit[group] {
                blocked[group].push((r, i));
                continue;
            }
            running[group] += 1;
            running_total += 1;
            if ready_at[i] < now {
                // The slot came free now: from the group's own VM when that
                // ended now, else from whichever VM ended now.
                sim.cause[i] = freed_by[group]
                    .filter(|&f| sim.finish[f] == now)
                    .or(freed_last);
            }
            sim.begin(i, now, steps.estimate[i]);
            events.add(sim.finish[i], i);
        }
        let Some((t, ends)) = events.first() else {
            break;
        };
        now = t;
        events.recycle(std::mem::replace(&mut batch, ends));
        // Highest index first, so that among predecessors finishing together the
        // first in source order is named the cause: critical paths read naturally.
        batch.sort_unstable_by(|a, b| b.cmp(a));
        for &i in &batch {
            if let Some(group) = steps.vm_group[i] {
                running[group] = running[group].saturating_sub(1);
                running_total = running_total.saturating_sub(1);
                freed_by[group] = Some(i);
                freed_last = Some(i);
                queue.extend(blocked[group].drain(..).map(Reverse));
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

/// Running steps by the time they end, a list per time: a plan's steps end
/// at a few times, and a heap entry per step cost a tenth of the schedule.
#[derive(Default)]
struct Ends {
    by_time: BTreeMap<Duration, Vec<usize>>,
    /// Lists emptied, kept for the next times.
    spare: Vec<Vec<usize>>,
}

impl Ends {
    fn add(&mut self, at: Duration, step: usize) {
        let spare = &mut self.spare;
        self.by_time
            .entry(at)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(step);
    }

    /// The earliest time and every step that ends then, in no order.
    fn first(&mut self) -> Option<(Duration, Vec<usize>)> {
        self.by_time.pop_first()
    }

    fn recycle(&mut self, mut list: Vec<usize>) {
        list.clear();
        self.spare.push(list);
    }
}

/// Ranks (0 first) of the steps sorted by `key`, smallest first.
pub(super) fn ranks<K: Ord>(n: usize, key: impl Fn(usize) -> K) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_cached_key(|&v| key(v));
    let mut rank = vec![0usize; n];
    for (r, v) in order.into_iter().enumerate() {
        rank[v] = r;
    }
    rank
}
