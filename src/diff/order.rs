//! One operation before and after: both plans' step graphs compared by step
//! id (edges with joins expanded, as [`StepGraph::edges`] gives them), their
//! waves, and their estimated totals against the RTO.

use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::{Edge, Estimate, Moved, OperationDiff, Waves};
use crate::duration::Duration;
use crate::graph::{self, Operation, StepGraph};
use crate::plan::Plan;
use crate::schedule::{MAX_TOTAL, Schedule};

/// Compares `operation` on the two plans.
pub(super) fn compare(old: &Plan, new: &Plan, operation: Operation) -> OperationDiff {
    let old_graph = graph::build(old, operation, None);
    let new_graph = graph::build(new, operation, None);
    let (to_old, to_new) = counterparts(&old_graph, &new_graph);
    let old_schedule = Schedule::new(&old_graph);
    let new_schedule = Schedule::new(&new_graph);
    OperationDiff {
        operation,
        edges_added: only_in(&new_graph, &old_graph, &to_old),
        edges_removed: only_in(&old_graph, &new_graph, &to_new),
        waves: waves(&old_graph, &old_schedule, &new_graph, &new_schedule),
        before: estimate(old, operation, &old_schedule),
        after: estimate(new, operation, &new_schedule),
    }
}

/// By node index of one graph, the node of the same step in the other.
type Map = Vec<Option<NodeIndex>>;

/// Each step's namesake in the other graph, by node index: new to old and
/// old to new. The only lookups by id: edges then compare as indices, as
/// hashing every edge's two ids was most of a diff's time at 10,000 VMs.
fn counterparts(old: &StepGraph, new: &StepGraph) -> (Map, Map) {
    let by_id: HashMap<&str, NodeIndex> = old.steps().map(|(n, s)| (s.id.as_str(), n)).collect();
    let mut to_old = vec![None; new.graph.node_count()];
    let mut to_new = vec![None; old.graph.node_count()];
    for (n, step) in new.steps() {
        if let Some(&o) = by_id.get(step.id.as_str()) {
            to_old[n.index()] = Some(o);
            to_new[o.index()] = Some(n);
        }
    }
    (to_old, to_new)
}

/// What each step waits for, joins expanded, sorted by node index (as
/// [`StepGraph::needs`] gives it), computed once per graph. The VMs after a
/// join (most steps of a large plan) share the join's list, so their
/// comparison is made once per join.
struct Waits {
    /// By node index: a step's own list, or a join's.
    lists: Vec<Vec<NodeIndex>>,
    /// By node index: where the step's list is (itself, or its only
    /// predecessor when that is a join).
    at: Vec<NodeIndex>,
}

impl Waits {
    fn new(graph: &StepGraph) -> Self {
        let g = &graph.graph;
        let mut lists = vec![Vec::new(); g.node_count()];
        let mut at: Vec<NodeIndex> = g.node_indices().collect();
        for n in g.node_indices() {
            let mut preds = g.neighbors_directed(n, petgraph::Direction::Incoming);
            if g[n].is_join() {
                let mut list: Vec<NodeIndex> = preds.collect();
                list.sort_unstable();
                list.dedup();
                lists[n.index()] = list;
            } else if let (Some(only), None) = (preds.next(), preds.next())
                && g[only].is_join()
            {
                at[n.index()] = only;
            } else {
                lists[n.index()] = graph.needs(n);
            }
        }
        Self { lists, at }
    }

    /// The list's owner and the list of `node`.
    fn of(&self, node: NodeIndex) -> (NodeIndex, &[NodeIndex]) {
        let at = self.at[node.index()];
        (at, &self.lists[at.index()])
    }
}

/// The edges of `this` graph (in [`StepGraph::edges`] order) that `other`
/// lacks, `map` taking `this` graph's steps to `other`'s: per step, what it
/// waits for here against what its namesake waits for there.
fn only_in(this: &StepGraph, other: &StepGraph, map: &[Option<NodeIndex>]) -> Vec<Edge> {
    let (here, there) = (Waits::new(this), Waits::new(other));
    // (list here, list there) → what the list here has that the one there lacks.
    let mut compared: HashMap<(NodeIndex, NodeIndex), Vec<NodeIndex>> = HashMap::new();
    let mut out = Vec::new();
    for (to, step) in this.steps() {
        let (key, mine) = here.of(to);
        let missing = match map[to.index()] {
            None => mine.to_vec(),
            Some(t) => {
                let (other_key, theirs) = there.of(t);
                compared
                    .entry((key, other_key))
                    .or_insert_with(|| {
                        mine.iter()
                            .copied()
                            .filter(|f| {
                                map[f.index()].is_none_or(|f| theirs.binary_search(&f).is_err())
                            })
                            .collect()
                    })
                    .clone()
            }
        };
        out.extend(missing.into_iter().map(|from| Edge {
            from: this.step(from).id.clone(),
            to: step.id.clone(),
        }));
    }
    out
}

fn estimate(plan: &Plan, operation: Operation, schedule: &Schedule) -> Estimate {
    let rto = plan.objectives.rto.filter(|_| operation.has_rto());
    // `Schedule::new` keeps a total that passes the limit at the limit.
    let total = (schedule.total < MAX_TOTAL).then_some(schedule.total);
    Estimate {
        total_s: total.map(Duration::as_secs_ceil),
        rto_s: rto.map(Duration::as_secs_ceil),
        fits_rto: rto.zip(total).map(|(r, t)| t <= r),
    }
}

/// Per wave, the groups with a step in it, in order of appearance.
fn groups_per_wave(graph: &StepGraph, schedule: &Schedule) -> Vec<Vec<String>> {
    schedule
        .waves
        .iter()
        .map(|wave| {
            let mut seen = vec![false; graph.groups.len()];
            let mut names = Vec::new();
            for &v in wave {
                let step = graph.step(v);
                if let Some(slot) = seen.get_mut(step.group)
                    && !*slot
                {
                    *slot = true;
                    names.push(graph.group_name(step).to_string());
                }
            }
            names
        })
        .collect()
}

/// Each step's wave, from 1, by id.
fn wave_of<'a>(graph: &'a StepGraph, schedule: &Schedule) -> HashMap<&'a str, usize> {
    let mut out = HashMap::with_capacity(graph.graph.node_count());
    for (k, wave) in schedule.waves.iter().enumerate() {
        for &v in wave {
            out.insert(graph.step(v).id.as_str(), k + 1);
        }
    }
    out
}

/// The waves before and after, and what moved: a group whose steps (those
/// in both plans) all moved by the same number of waves is one entry.
fn waves(
    old_graph: &StepGraph,
    old_schedule: &Schedule,
    new_graph: &StepGraph,
    new_schedule: &Schedule,
) -> Waves {
    let before = wave_of(old_graph, old_schedule);
    let after = wave_of(new_graph, new_schedule);
    // Per group of the new graph: its steps in both plans, and those that
    // moved. The plan's own hooks (no group) share the last slot.
    let groups = new_graph.groups.len();
    let slot = |g: usize| g.min(groups);
    let mut common = vec![0usize; groups + 1];
    let mut moved: Vec<Vec<(&str, usize, usize)>> = vec![Vec::new(); groups + 1];
    for (_, step) in new_graph.steps() {
        let (Some(&from), Some(&to)) = (before.get(step.id.as_str()), after.get(step.id.as_str()))
        else {
            continue;
        };
        common[slot(step.group)] += 1;
        if from != to {
            moved[slot(step.group)].push((step.id.as_str(), from, to));
        }
    }
    let mut out = Vec::new();
    for (g, steps) in moved.iter().enumerate() {
        let delta = |&(_, from, to): &(&str, usize, usize)| to.cast_signed() - from.cast_signed();
        let alike = steps.windows(2).all(|w| delta(&w[0]) == delta(&w[1]));
        if steps.len() > 1 && steps.len() == common[g] && alike {
            let from = steps.iter().map(|s| s.1).min().unwrap_or(0);
            let to = steps.iter().map(|s| s.2).min().unwrap_or(0);
            out.push(Moved {
                name: new_graph.groups.get(g).map_or_else(
                    || "the plan's own hooks".to_string(),
                    |group| format!("group {}", group.name),
                ),
                from,
                to,
            });
        } else {
            out.extend(steps.iter().map(|&(id, from, to)| Moved {
                name: id.to_string(),
                from,
                to,
            }));
        }
    }
    Waves {
        before: groups_per_wave(old_graph, old_schedule),
        after: groups_per_wave(new_graph, new_schedule),
        moved: out,
    }
}
