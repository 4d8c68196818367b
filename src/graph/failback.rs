//! The trade-off between the two failback orders, for the dry run: a plan
//! and the failback graph it shows (with the estimates it shows) in; which
//! order the plan uses, its estimated total against the other order's, and
//! a dependency that the default order starts the wrong way round, out.
//!
//! `reversed` (the default) fails back dependents first: quick, and the
//! right order to stop an application, but the web tier comes up in the
//! primary region before the database it needs. `shutdown_reversed` stops
//! every VM first (dependents first) and then fails back in the failover's
//! order: the database comes up first, and the whole failback takes longer,
//! since every failback waits for every shutdown.

use crate::duration::Duration;
use crate::plan::{FailbackOrder, Plan};
use crate::schedule::Schedule;

use super::{Operation, StepGraph};

/// What the dry run of a failback says about its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailbackTradeOff {
    /// The plan's `failback { order }`.
    pub order: FailbackOrder,
    /// The estimated total in that order (the dry run's own).
    pub total: Duration,
    /// The estimated total in the other order, on the same estimates.
    pub other_total: Duration,
    /// A dependency the default order starts the wrong way round: what
    /// needs (a group, or `vm <name>`) and what it needs.
    pub example: Option<(String, String)>,
}

/// The trade-off of `graph`, a failback of `plan` whose schedule gave
/// `total`: `None` for another operation, for a plan in the default order
/// without any `needs` (its order does not matter), or when the other
/// order's estimate cannot be computed. `learn` applies the estimates the
/// dry run learned to the other order's graph too.
pub fn trade_off(
    plan: &Plan,
    graph: &StepGraph,
    total: Duration,
    learn: impl Fn(&mut StepGraph),
) -> Option<FailbackTradeOff> {
    if graph.operation != Operation::Failback {
        return None;
    }
    let example = first_need(plan);
    if plan.failback_order == FailbackOrder::Reversed && example.is_none() {
        return None;
    }
    let other = match plan.failback_order {
        FailbackOrder::Reversed => FailbackOrder::ShutdownReversed,
        FailbackOrder::ShutdownReversed => FailbackOrder::Reversed,
    };
    let mut other_plan = plan.clone();
    other_plan.failback_order = other;
    // The same groups as the graph shown (`run --group`).
    let groups = graph.groups_with_steps();
    let only = (groups.len() < plan.groups.len()).then_some(groups);
    let mut other_graph = super::build(&other_plan, Operation::Failback, only.as_deref());
    learn(&mut other_graph);
    let other_total = Schedule::checked(&other_graph).ok()?.total;
    Some(FailbackTradeOff {
        order: plan.failback_order,
        total,
        other_total,
        example,
    })
}

/// The first `needs` of the plan in source order: a group's, else a VM's.
fn first_need(plan: &Plan) -> Option<(String, String)> {
    for group in &plan.groups {
        if let Some(&needed) = group.needs.first() {
            let needed = plan.groups.get(needed)?;
            return Some((group.name.clone(), needed.name.clone()));
        }
    }
    for group in &plan.groups {
        for vm in &group.vms {
            if let Some(needed) = vm.needs.first().and_then(|at| plan.vm(*at)) {
                return Some((format!("vm {}", vm.name), format!("vm {}", needed.name)));
            }
        }
    }
    None
}
