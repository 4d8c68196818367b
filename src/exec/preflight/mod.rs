//! The estate checks of a run's preflight, beside readiness: a selection
//! that would split a multi-VM consistency group ([`consistency`]) and a
//! common point in time with a recovery point for every VM ([`points`]).
//! Both give readiness findings (blockers), so that a run refuses before
//! acting and `run --dry-run --online` lists them with the rest.

mod consistency;
mod points;

pub use consistency::{may_split, split};
pub use points::{PointInTime, pick};

use crate::graph::StepGraph;
use crate::plan::Plan;
use crate::provider::{Provider, ProviderError, Target};
use crate::readiness::Finding;

/// The consistency groups the run's selection splits: none without a
/// selection; with one, every plan VM is read once to know its group.
pub async fn split_groups(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
) -> Result<Vec<Finding>, ProviderError> {
    if !may_split(plan, graph) {
        return Ok(Vec::new());
    }
    let machines = provider.machines(&Target::all(plan)).await?;
    Ok(split(plan, graph, &machines))
}
