//! The failover estimate against the plan's RTO: a checked plan in, a
//! `drplan::rto_exceeded` warning out when the dry run's total (the same
//! graph and schedule `drplan run failover --dry-run` shows) exceeds `objectives.rto`.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::graph::{self, Operation};
use crate::plan::Plan;
use crate::schedule::Schedule;

/// Warns when the estimated failover exceeds the RTO.
pub(super) fn rto(plan: &Plan, diags: &mut Diagnostics) {
    let (Some(rto), Some(at)) = (plan.objectives.rto, plan.objectives.rto_span) else {
        return;
    };
    let graph = graph::build(plan, Operation::Failover, None);
    let schedule = Schedule::new(&graph);
    if schedule.total <= rto {
        return;
    }
    // Name the groups on the critical path, in order, once each.
    let mut groups: Vec<&str> = Vec::new();
    for node in &schedule.critical_path {
        let name = graph.group_name(graph.step(*node));
        if groups.last() != Some(&name) {
            groups.push(name);
        }
    }
    diags.push(Diagnostic::RtoExceeded {
        estimate: schedule.total.to_string(),
        rto: rto.to_string(),
        at,
        help: Some(format!(
            "the critical path runs through {}; shorten it (fewer `needs`, more `parallelism`, revised `estimate`s) or revise the RTO",
            groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" -> ")
        )),
    });
}
