//! The machines' states as evidence: the [`Event::Machines`] records of a
//! run. `before` is what preflight read (the caller passes it in, so the
//! vault is not read twice); `after` is one more read of every VM of the
//! run once its last step ended. A failed read only loses the evidence:
//! it never fails the run.

use crate::graph::StepGraph;
use crate::journal::{Event, MachineSeen, MachinesPhase};
use crate::provider::{Machine, Target};

/// The event for machines read at `phase`, paired with their targets (the
/// readiness assessment's order).
pub fn seen(phase: MachinesPhase, targets: &[Target], machines: &[Machine]) -> Event {
    Event::Machines {
        phase,
        vms: targets
            .iter()
            .zip(machines)
            .map(|(t, m)| MachineSeen {
                vm: t.vm.clone(),
                group: t.group.clone(),
                state: m.protection_state.clone(),
                active: m.active_location,
                health: m.health,
            })
            .collect(),
    }
}

/// The VMs the run acts on, in graph order (once each: a VM's shutdown
/// step, if any, is not listed again).
fn targets(run: &super::Run<'_>) -> Vec<Target> {
    run.graph
        .steps()
        .filter(|(_, step)| matches!(step.action, crate::graph::StepAction::Vm(_)))
        .filter_map(|(_, step)| super::target(run.plan, run.graph, step.action))
        .collect()
}

/// Reads every VM of the run once more, for the `after` record; `None`
/// (and a warning) when the vault cannot be read now.
pub(super) async fn after(run: &super::Run<'_>) -> Option<Event> {
    let targets = targets(run);
    if targets.is_empty() {
        return None;
    }
    match run.provider.machines(&targets).await {
        Ok(machines) => Some(seen(MachinesPhase::After, &targets, &machines)),
        Err(e) => {
            tracing::warn!("the machines could not be read after the run: {e}");
            None
        }
    }
}

/// Whether the graph acts on any VM at all.
pub(super) fn any(graph: &StepGraph) -> bool {
    graph
        .steps()
        .any(|(_, s)| matches!(s.action, crate::graph::StepAction::Vm(_)))
}
