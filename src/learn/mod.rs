//! Learned estimates: a step graph and the runs a store keeps of its plan
//! in; each step's estimate replaced by the median of its last successful
//! durations, and marked [`EstimateSource::Learned`], out. The dry run, the
//! `rto_exceeded` warning and `step_started.estimate_s` then use measured
//! figures instead of the declared or built-in ones.
//!
//! What counts: a step that succeeded in a run of the same plan (by name) and
//! operation, with the same id and kind (ids number hooks by position, so
//! an inserted hook must not lend its figures to the next), in a part of a
//! run whose `run_started.origin` says the vault ran at speed 1. A
//! simulated vault at another speed runs ASR's typical durations scaled,
//! which teaches nothing; journals without an origin say nothing of their
//! vault and do not count either. `wait` steps take what they say and are
//! never learned. Each run lends one duration per step: its successful
//! attempt's, from that attempt's `step_started` to its `step_finished`
//! (retries are counted by the worst case, not by the estimate).
//!
//! [`worst_case`] gives the other bound: every step at its timeout, every
//! retry taken, the longest backoff between attempts.

pub mod history;
mod worst;

use std::collections::HashMap;

use crate::clock::Timestamp;
use crate::duration::Duration;
use crate::graph::{EstimateSource, StepGraph, StepKind};
use crate::journal::{Event, StepStatus};

pub use history::PastRun;
pub use worst::{WorstCase, worst_case};

/// How many of a step's last successful runs its learned estimate is the
/// median of.
pub const RUNS_KEPT: usize = 5;

/// How many of a store's newest runs estimates are learned from: enough for
/// [`RUNS_KEPT`] of each step through runs of other plans and operations,
/// and a bound on what `run` reads before it starts, whatever the store
/// has kept over the years.
pub const RUNS_READ: usize = 100;

/// The runs of `store` that estimates are learned from: its newest
/// [`RUNS_READ`] (none, with a warning, when it cannot list them).
pub async fn history(store: &dyn crate::journal::RunStore) -> Vec<PastRun> {
    history::newest(store, RUNS_READ).await.unwrap_or_else(|e| {
        tracing::warn!("{e}");
        Vec::new()
    })
}

/// Replaces the estimate of every step of `graph` that succeeded in runs of
/// `history` that count (see the module docs) by the median of its last
/// [`RUNS_KEPT`]. Returns how many steps were learned.
pub fn apply(graph: &mut StepGraph, history: &[PastRun]) -> usize {
    let samples = samples(graph, history);
    if samples.is_empty() {
        return 0;
    }
    let mut learned = 0;
    for step in graph.graph.node_weights_mut() {
        if step.is_join() || step.kind == StepKind::Wait {
            continue;
        }
        let Some(found) = samples.get(step.id.as_str()) else {
            continue;
        };
        let mut recent: Vec<&Sample> = found.iter().filter(|s| s.kind == step.kind).collect();
        if recent.is_empty() {
            continue;
        }
        recent.sort_by_key(|s| std::cmp::Reverse(s.at));
        recent.truncate(RUNS_KEPT);
        let mut ms: Vec<u64> = recent.iter().map(|s| s.duration.as_millis()).collect();
        step.estimate = Duration::from_millis(median(&mut ms));
        step.estimate_source = EstimateSource::Learned { runs: ms.len() };
        learned += 1;
    }
    learned
}

/// One successful duration of a step.
struct Sample {
    /// When it finished, to keep the last ones.
    at: Timestamp,
    kind: StepKind,
    duration: Duration,
}

/// The successful durations of the graph's plan and operation, by step id,
/// at most one per run (its last).
fn samples<'h>(graph: &StepGraph, history: &'h [PastRun]) -> HashMap<&'h str, Vec<Sample>> {
    let mut out: HashMap<&str, Vec<Sample>> = HashMap::new();
    for run in history {
        if run.state.plan != graph.plan || run.state.operation != graph.operation {
            continue;
        }
        let mut of_run: HashMap<&str, Sample> = HashMap::new();
        // The part of the run being read, and whether its vault ran at speed 1.
        let mut counts = false;
        let mut started: HashMap<&str, (Timestamp, StepKind)> = HashMap::new();
        for record in &run.records {
            match &record.event {
                Event::RunStarted { origin, .. } => {
                    counts = origin
                        .as_ref()
                        .is_some_and(|o| at_full_speed(o.vault_speed));
                }
                Event::StepStarted { step, kind, .. } => {
                    started.insert(step, (record.ts, *kind));
                }
                Event::StepFinished {
                    step,
                    status: StepStatus::Succeeded,
                    ..
                } if counts => {
                    if let Some((since, kind)) = started.get(step.as_str()) {
                        of_run.insert(
                            step,
                            Sample {
                                at: record.ts,
                                kind: *kind,
                                duration: Duration::from_std(record.ts.since(*since)),
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        for (step, sample) in of_run {
            out.entry(step).or_default().push(sample);
        }
    }
    out
}

/// Whether a vault's speed is ASR's own.
fn at_full_speed(speed: f64) -> bool {
    (speed - 1.0).abs() < f64::EPSILON
}

/// The median of a non-empty list (the mean of the middle two for an even
/// count), sorting it.
fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    let mid = values.len() / 2;
    match values.len() {
        0 => 0,
        n if n % 2 == 1 => values[mid],
        _ => u64::midpoint(values[mid - 1], values[mid]),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [5, 1, 3]), 3);
        assert_eq!(median(&mut [4, 1, 3, 2]), 2);
        assert_eq!(median(&mut [u64::MAX, u64::MAX]), u64::MAX);
        assert_eq!(median(&mut [7]), 7);
    }
}
