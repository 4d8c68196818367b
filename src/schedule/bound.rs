//! A lower bound on the total of a run under a run-wide cap: a step graph
//! and the cap in; a duration no schedule can beat out, at least
//! max(critical path, VM work / cap) and often tighter.
//!
//! The tighter part counts the start and the end of the run. By time `a`,
//! a VM step can have done at most `a − head` of its work (its head: the
//! earliest it can start, with unlimited slots), and all of them together at
//! most `cap × a`; in the last `b` of the run, at most `b − tail` (its tail:
//! the longest chain after it). When `a + b` is at most the critical path
//! (so the two windows cannot overlap), the work left for the middle needs
//! its own `left / cap`: the total is at least `a + b + left / cap`. The
//! bound is the best of that over a grid of `a` and `b`; every point of the
//! grid is itself a valid bound, so a coarse grid only weakens it.

use super::simulate::{Steps, Successors};
use crate::duration::Duration;
use crate::graph::StepGraph;

/// Points of the grid per window, over the critical path.
const GRID: usize = 256;

/// A lower bound on the total of `graph` with at most `cap` VM steps at a
/// time (group limits aside, which only lengthen a run).
pub fn lower_bound(graph: &StepGraph, cap: u32) -> Duration {
    let steps = Steps::new(graph, Some(cap));
    let adj = Successors::new(graph);
    let order = adj.topological();
    let n = steps.len();
    let est: Vec<u128> = steps
        .estimate
        .iter()
        .map(|d| u128::from(d.as_millis()))
        .collect();
    let mut head = vec![0u128; n];
    for &v in &order {
        for &s in adj.of(v) {
            head[s] = head[s].max(head[v] + est[v]);
        }
    }
    let mut after = vec![0u128; n];
    for &v in order.iter().rev() {
        after[v] = adj
            .of(v)
            .iter()
            .map(|&s| est[s] + after[s])
            .max()
            .unwrap_or(0);
    }
    let critical = (0..n)
        .map(|v| head[v] + est[v] + after[v])
        .max()
        .unwrap_or(0);
    let cap = u128::from(cap.max(1));
    let vms: Vec<usize> = (0..n).filter(|&v| steps.vm_group[v].is_some()).collect();
    let work: u128 = vms.iter().map(|&v| est[v]).sum();
    let mut best = critical.max(work.div_ceil(cap));
    if critical == 0 {
        return to_duration(best);
    }
    // `usize` fits in `u128` on every target.
    let at = |k: usize| critical * k as u128 / GRID as u128;
    // Work that can be done in the first (or last) `at(k)`, at most.
    let window = |k: usize, offset: &[u128]| -> u128 {
        let t = at(k);
        let doable: u128 = vms
            .iter()
            .map(|&v| t.saturating_sub(offset[v]).min(est[v]))
            .sum();
        doable.min(cap * t)
    };
    let first: Vec<u128> = (0..=GRID).map(|k| window(k, &head)).collect();
    let last: Vec<u128> = (0..=GRID).map(|k| window(k, &after)).collect();
    for (a, done_first) in first.iter().enumerate() {
        for (b, done_last) in last.iter().enumerate().take(GRID + 1 - a) {
            let left = work.saturating_sub(done_first + done_last);
            best = best.max(at(a) + at(b) + left.div_ceil(cap));
        }
    }
    to_duration(best)
}

fn to_duration(ms: u128) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}
