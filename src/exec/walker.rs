//! The dispatch loop: steps become ready when every step they need is done
//! (joins finish the moment they are reached), ready VM and shutdown steps
//! of a group start longest-remaining-path first while the group's
//! `parallelism` (and the run's cap) allow, and hooks start at once. Every running step is a
//! future polled by this one task, so cancelling drops them all together.
//!
//! After a failure under `on_error abort`, nothing new starts; the running
//! steps finish and are recorded; then every step that never started is
//! recorded `skipped`: `upstream_failed` if it needs a failed step,
//! `aborted` otherwise. Only the failed steps are reported as causes.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use tokio::time::Instant;

use super::step::StepEnd;
use super::{FailedStep, GroupTime, Outcome, Run};
use crate::graph::StepAction;
use crate::journal::{Event, JournalError, RunStatus, SkipReason, StepStatus};
use crate::schedule::Schedule;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Ready,
    Running,
    /// Succeeded, tolerated, or done before a resume: dependents may go.
    Done,
    Failed,
    Skipped,
}

/// One walk over a run's graph.
pub(super) struct Walker<'r, 'a> {
    pub(super) run: &'r Run<'a>,
    /// Plan VM names per group, for hook context.
    pub(super) group_vms: Vec<Vec<String>>,
    /// The steps that failed the run, for `on_failure` hooks (empty in the walk).
    pub(super) failed_steps: Vec<String>,
}

impl<'r, 'a> Walker<'r, 'a> {
    pub(super) fn new(run: &'r Run<'a>) -> Self {
        let group_vms = run
            .plan
            .groups
            .iter()
            .map(|g| g.vms.iter().map(|v| v.name.clone()).collect())
            .collect();
        Self {
            run,
            group_vms,
            failed_steps: Vec::new(),
        }
    }

    pub(super) async fn walk(&self) -> Result<Outcome, JournalError> {
        let graph = self.run.graph;
        let g = &graph.graph;
        let mut d = Dispatch::new(self.run);
        let mut outcome = Outcome {
            status: RunStatus::Succeeded,
            duration: Duration::ZERO,
            succeeded: 0,
            done_before: 0,
            skipped: 0,
            failures: Vec::new(),
            retried: Vec::new(),
            in_flight: Vec::new(),
            groups: Vec::new(),
        };
        outcome.done_before = d.done_before(self.run.prior);
        d.release();

        let mut running = FuturesUnordered::new();
        let mut cancelled = false;
        let mut stopping = false;
        loop {
            if !stopping {
                for v in d.dispatch() {
                    running.push(self.start(v));
                }
            }
            if running.is_empty() {
                break;
            }
            let next = tokio::select! {
                // Completions first: a step that has ended is recorded as
                // ended, not as in flight, even when Ctrl-C came meanwhile.
                biased;
                next = running.next() => next,
                () = self.run.cancel.cancelled() => None,
            };
            let Some((v, end)) = next else {
                // Ctrl-C: stop following what runs. VM jobs go on in the vault;
                // their steps stay in flight in the journal for `resume`.
                cancelled = true;
                outcome.in_flight = d
                    .running()
                    .map(|v| g[NodeIndex::new(v)].id.clone())
                    .collect();
                break;
            };
            let end = end?;
            d.stopped(v);
            let step = &g[NodeIndex::new(v)];
            match end {
                StepEnd::Succeeded { attempts } => {
                    if attempts > 1 {
                        outcome.retried.push((step.id.clone(), attempts));
                    }
                    d.state[v] = State::Done;
                    outcome.succeeded += 1;
                    d.finished.push(v);
                }
                StepEnd::Failed {
                    failure,
                    tolerated,
                    attempts,
                } => {
                    if attempts > 1 {
                        outcome.retried.push((step.id.clone(), attempts));
                    }
                    outcome.failures.push(FailedStep {
                        step: step.id.clone(),
                        failure,
                        tolerated,
                    });
                    if tolerated {
                        d.state[v] = State::Done;
                        d.finished.push(v);
                    } else {
                        d.state[v] = State::Failed;
                        stopping = true;
                    }
                }
            }
            d.release();
        }
        drop(running);

        if cancelled {
            outcome.status = RunStatus::Cancelled;
        } else if d.state.contains(&State::Failed) {
            outcome.status = RunStatus::Failed;
            self.skip_the_rest(&mut d.state, &mut outcome).await?;
        }
        outcome.groups = d
            .group_span
            .iter()
            .enumerate()
            .filter_map(|(i, span)| {
                let (a, b) = (*span)?;
                Some(GroupTime {
                    group: graph.groups.get(i)?.name.clone(),
                    duration: b.saturating_duration_since(a),
                })
            })
            .collect();
        Ok(outcome)
    }

    /// The future of one step: its index and how it ended.
    async fn start(&self, v: usize) -> (usize, Result<StepEnd, JournalError>) {
        let step = &self.run.graph.graph[NodeIndex::new(v)];
        (v, self.run_step(step).await)
    }

    /// Records every step that never started as skipped, in source order.
    async fn skip_the_rest(
        &self,
        state: &mut [State],
        outcome: &mut Outcome,
    ) -> Result<(), JournalError> {
        let g = &self.run.graph.graph;
        // Node indices follow source order, and every edge points forward in
        // it except in reversed graphs; a fixpoint over "needs a failed or
        // blocked step" handles both.
        let mut blocked = vec![false; state.len()];
        let mut changed = true;
        while changed {
            changed = false;
            for v in 0..state.len() {
                if blocked[v] || matches!(state[v], State::Done | State::Running) {
                    continue;
                }
                let hit = g
                    .neighbors_directed(NodeIndex::new(v), Direction::Incoming)
                    .any(|p| state[p.index()] == State::Failed || blocked[p.index()]);
                if hit {
                    blocked[v] = true;
                    changed = true;
                }
            }
        }
        for v in 0..state.len() {
            let node = NodeIndex::new(v);
            if !matches!(state[v], State::Waiting | State::Ready) {
                continue;
            }
            state[v] = State::Skipped;
            if g[node].is_join() {
                continue;
            }
            outcome.skipped += 1;
            let reason = if blocked[v] {
                SkipReason::UpstreamFailed
            } else {
                SkipReason::Aborted
            };
            self.record(Event::step_skipped(g[node].id.clone(), reason))
                .await?;
        }
        Ok(())
    }
}

/// A ready VM step's dispatch key (see [`priorities`]): the lower rank first.
type Key = Reverse<usize>;
/// Ready VM steps of one group, best first, ties in source order.
type ReadyHeap = BinaryHeap<(Key, Reverse<usize>)>;

/// The walker's bookkeeping: what each step waits for, what is ready, what
/// runs per group.
struct Dispatch<'g> {
    graph: &'g crate::graph::StepGraph,
    priority: Vec<Key>,
    waiting_on: Vec<usize>,
    state: Vec<State>,
    limit: Vec<usize>,
    cap: usize,
    vm_running: Vec<usize>,
    vm_running_total: usize,
    ready_vms: Vec<ReadyHeap>,
    ready_other: VecDeque<usize>,
    /// Finished steps whose successors are not yet released.
    finished: Vec<usize>,
    group_span: Vec<Option<(Instant, Instant)>>,
}

impl<'g> Dispatch<'g> {
    fn new(run: &Run<'g>) -> Self {
        let graph = run.graph;
        let g = &graph.graph;
        let n = g.node_count();
        let groups = graph.groups.len();
        let as_limit = |p: u32| usize::try_from(p.max(1)).unwrap_or(usize::MAX);
        let mut d = Dispatch {
            graph,
            priority: priorities(graph, run.parallelism),
            waiting_on: (0..n)
                .map(|v| {
                    g.neighbors_directed(NodeIndex::new(v), Direction::Incoming)
                        .count()
                })
                .collect(),
            state: vec![State::Waiting; n],
            limit: graph
                .groups
                .iter()
                .map(|gi| as_limit(gi.parallelism))
                .collect(),
            cap: run.parallelism.map_or(usize::MAX, as_limit),
            vm_running: vec![0; groups],
            vm_running_total: 0,
            ready_vms: vec![BinaryHeap::new(); groups],
            ready_other: VecDeque::new(),
            finished: Vec::new(),
            group_span: vec![None; groups],
        };
        for v in 0..n {
            if d.waiting_on[v] == 0 {
                d.enqueue(v);
            }
        }
        d
    }

    /// Marks the steps that succeeded in an earlier part of the run as done.
    fn done_before(&mut self, prior: Option<&crate::journal::RunState>) -> usize {
        let Some(prior) = prior else {
            return 0;
        };
        let g = &self.graph.graph;
        let mut count = 0;
        for v in g.node_indices() {
            let s = &g[v];
            if !s.is_join()
                && prior
                    .steps
                    .get(&s.id)
                    .is_some_and(|r| r.status == Some(StepStatus::Succeeded))
            {
                self.state[v.index()] = State::Done;
                self.finished.push(v.index());
                count += 1;
            }
        }
        count
    }

    fn enqueue(&mut self, v: usize) {
        if self.state[v] != State::Waiting {
            return;
        }
        self.state[v] = State::Ready;
        let step = &self.graph.graph[NodeIndex::new(v)];
        match step.action {
            StepAction::Vm(_) | StepAction::Shutdown(_) => {
                if let Some(heap) = self.ready_vms.get_mut(step.group) {
                    heap.push((self.priority[v], Reverse(v)));
                }
            }
            _ => self.ready_other.push_back(v),
        }
    }

    /// Releases the successors of finished steps.
    fn release(&mut self) {
        let g = &self.graph.graph;
        while let Some(v) = self.finished.pop() {
            for s in g.neighbors_directed(NodeIndex::new(v), Direction::Outgoing) {
                let s = s.index();
                self.waiting_on[s] = self.waiting_on[s].saturating_sub(1);
                if self.waiting_on[s] == 0 {
                    self.enqueue(s);
                }
            }
        }
    }

    /// Starts what may start: every ready hook, ready VMs within the limits.
    /// Joins finish here at once and may release more.
    fn dispatch(&mut self) -> Vec<usize> {
        let g = &self.graph.graph;
        let mut start = Vec::new();
        loop {
            let mut progressed = false;
            while let Some(v) = self.ready_other.pop_front() {
                // Steps done in an earlier part of the run may have been queued first.
                if self.state[v] != State::Ready {
                    continue;
                }
                progressed = true;
                let step = &g[NodeIndex::new(v)];
                if step.is_join() {
                    self.state[v] = State::Done;
                    self.finished.push(v);
                    self.release();
                } else {
                    self.state[v] = State::Running;
                    mark_start(&mut self.group_span, step.group);
                    start.push(v);
                }
            }
            // Ready VMs start longest remaining path first across groups, so
            // that the run's cap goes to the work that sets the total.
            while self.vm_running_total < self.cap {
                let best = (0..self.ready_vms.len())
                    .filter(|&g| self.vm_running[g] < self.limit[g])
                    .filter_map(|g| self.ready_vms[g].peek().map(|top| (*top, g)))
                    .max();
                let Some((_, group)) = best else {
                    break;
                };
                let Some((_, Reverse(v))) = self.ready_vms[group].pop() else {
                    break;
                };
                if self.state[v] != State::Ready {
                    continue;
                }
                progressed = true;
                self.state[v] = State::Running;
                self.vm_running[group] += 1;
                self.vm_running_total += 1;
                mark_start(&mut self.group_span, group);
                start.push(v);
            }
            if !progressed {
                return start;
            }
        }
    }

    /// A running step stopped.
    fn stopped(&mut self, v: usize) {
        let step = &self.graph.graph[NodeIndex::new(v)];
        if step.action.machine().is_some() {
            if let Some(c) = self.vm_running.get_mut(step.group) {
                *c = c.saturating_sub(1);
            }
            self.vm_running_total = self.vm_running_total.saturating_sub(1);
        }
        mark_end(&mut self.group_span, step.group);
    }

    fn running(&self) -> impl Iterator<Item = usize> + '_ {
        self.state
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == State::Running)
            .map(|(v, _)| v)
    }
}

/// Dispatch order: the schedule's ranks (see [`Schedule`]), so the run takes
/// the order the dry run shows, under the run's cap as without one.
fn priorities(graph: &crate::graph::StepGraph, cap: Option<u32>) -> Vec<Key> {
    Schedule::new_capped(graph, cap)
        .rank
        .into_iter()
        .map(Reverse)
        .collect()
}

fn mark_start(spans: &mut [Option<(Instant, Instant)>], group: usize) {
    if let Some(span) = spans.get_mut(group) {
        let now = Instant::now();
        *span = Some(span.map_or((now, now), |(a, b)| (a, b.max(now))));
    }
}

fn mark_end(spans: &mut [Option<(Instant, Instant)>], group: usize) {
    if let Some(Some((_, b))) = spans.get_mut(group) {
        *b = (*b).max(Instant::now());
    }
}
