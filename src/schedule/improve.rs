//! Better dispatch ranks for a run under a run-wide cap: a list schedule and
//! its ranks in; the ranks of the shortest schedule found by forward-backward
//! improvement, and that schedule, out.
//!
//! When the cap binds, a greedy list schedule leaves slots idle at the end
//! of the run (the last groups' VMs end at different times) and spends its
//! slots early on work that is not on the longest chains. Forward-backward
//! improvement (justification, as in the project-scheduling literature)
//! schedules the graph backwards, latest finish first, which packs the end
//! of the run tight; then forwards again, in the order the backward pass
//! would start the steps. Each round is two list schedules; the best
//! forward one is kept, so the result is never worse than the start.
//!
//! Every schedule here is a list schedule that holds no slot back, so the
//! executor, dispatching by the same ranks, reproduces the one chosen
//! whenever steps take their estimates.

use std::cmp::Reverse;

use super::simulate::{Simulation, Steps, Successors, ranks, simulate};
use crate::duration::Duration;

/// Rounds of improvement: a fixed number keeps the cost predictable (two
/// list schedules a round); the README's makespan figures are with 24.
const ROUNDS: usize = 24;

/// The best of `first` (scheduled by `rank`) and the forward schedules of
/// [`ROUNDS`] rounds; its ranks. `path` (the longest remaining path from each
/// step) breaks ties.
pub(super) fn improve(
    steps: &Steps,
    forward: &Successors,
    backward: &Successors,
    path: &[Duration],
    rank: Vec<usize>,
    first: Simulation,
) -> (Vec<usize>, Simulation) {
    let n = steps.len();
    let mut best = (rank, first);
    let mut finish = best.1.finish.clone();
    for _ in 0..ROUNDS {
        let back_rank = ranks(n, |v| (Reverse(finish[v]), Reverse(path[v]), v));
        let back = simulate(steps, backward, &back_rank);
        if back.overflow.is_some() {
            break;
        }
        // Backward finish late = forward start early.
        let rank = ranks(n, |v| (Reverse(back.finish[v]), Reverse(path[v]), v));
        let next = simulate(steps, forward, &rank);
        if next.overflow.is_some() {
            break;
        }
        finish.clone_from(&next.finish);
        if next.makespan() < best.1.makespan() {
            best = (rank, next);
        }
    }
    best
}
