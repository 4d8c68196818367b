//! Step by step: each step of the run's graph against the step of the same
//! id in the corrected graph (ids are positional, `hook:db/after/1`, so a
//! hook inserted before another shows as a change to the one whose place it
//! takes). Steps that succeeded or were in flight must stay as they were;
//! groups whose VM steps started must keep their VMs.

use std::collections::{BTreeSet, HashMap};

use super::compare::{self, Field, FieldChange, Found, Origin};
use super::{Conflict, Reached, RunPlan, describe};
use crate::graph::{Step, StepAction};
use crate::journal::{RunState, StepStatus};

/// One step as compared.
struct Definition<'a> {
    step: &'a Step,
    group: &'a str,
    /// The ids of the steps it waits for.
    needs: BTreeSet<&'a str>,
    /// Its own settings.
    own: Vec<Field>,
    /// The plan-wide settings it runs with (VM steps; a hook's are in `own`,
    /// marked by their origin).
    inherited: Vec<Field>,
}

impl Definition<'_> {
    fn id(&self) -> &str {
        &self.step.id
    }

    fn is_vm(&self) -> bool {
        matches!(self.step.action, StepAction::Vm(_))
    }

    /// `hook:db/after/1 (probe)`, or a VM step's id.
    fn subject(&self) -> String {
        if self.is_vm() {
            self.step.id.clone()
        } else {
            format!("{} ({})", self.step.id, self.step.kind)
        }
    }
}

/// The steps of a run plan in graph order, each with its definition.
fn definitions(run: RunPlan<'_>) -> Vec<Definition<'_>> {
    let plan = run.plan;
    let operation = run.graph.operation;
    let mut out = Vec::with_capacity(run.graph.step_count());
    for (node, step) in run.graph.steps() {
        let (own, inherited) = match step.action {
            StepAction::Vm(at) | StepAction::Shutdown(at) => match plan.vm(at) {
                Some(vm) => (
                    describe::vm_own(vm),
                    describe::vm_inherited(plan, operation),
                ),
                None => continue,
            },
            StepAction::Hook { .. } => match step.action.hook(plan) {
                Some(hook) => (describe::hook(hook, &plan.defaults), Vec::new()),
                None => continue,
            },
            StepAction::Join => continue,
        };
        let needs = run
            .graph
            .needs(node)
            .into_iter()
            .map(|n| run.graph.step(n).id.as_str())
            .collect();
        out.push(Definition {
            step,
            group: run.graph.group_name(step),
            needs,
            own,
            inherited,
        });
    }
    out
}

/// How far the journal says a step got, when that fixes its definition.
fn settled(state: &RunState, id: &str) -> Option<Reached> {
    let record = state.steps.get(id)?;
    if record.in_flight {
        Some(Reached::InFlight)
    } else if record.status == Some(StepStatus::Succeeded) {
        Some(Reached::Succeeded)
    } else {
        None
    }
}

/// Whether any attempt of a step started.
fn ran(state: &RunState, id: &str) -> bool {
    state
        .steps
        .get(id)
        .is_some_and(|r| r.attempts > 0 || r.in_flight || r.status == Some(StepStatus::Succeeded))
}

/// What differs between two definitions of a step: its kind, its
/// settings, what it waits for.
fn differences(old: &Definition<'_>, new: &Definition<'_>) -> Vec<FieldChange> {
    if old.step.kind != new.step.kind {
        return vec![FieldChange {
            text: format!("{} → {}", old.step.kind, new.step.kind),
            inherited: false,
            origin: Origin::Own,
        }];
    }
    let mut out = compare::diff(&old.own, &new.own);
    out.extend(compare::diff(&old.inherited, &new.inherited));
    out.extend(needs(old, new));
    out
}

/// The VM's own differences only: what makes it another VM for its group.
fn vm_differences(old: &Definition<'_>, new: &Definition<'_>) -> Vec<String> {
    let mut out: Vec<String> = compare::diff(&old.own, &new.own)
        .into_iter()
        .map(|c| c.text)
        .collect();
    out.extend(needs(old, new).into_iter().map(|c| c.text));
    out
}

/// Steps a step now waits for, and no longer waits for.
fn needs(old: &Definition<'_>, new: &Definition<'_>) -> Vec<FieldChange> {
    let own = |text: String| FieldChange {
        text,
        inherited: false,
        origin: Origin::Own,
    };
    let mut out: Vec<FieldChange> = new
        .needs
        .difference(&old.needs)
        .map(|id| own(format!("now waits for {id}")))
        .collect();
    out.extend(
        old.needs
            .difference(&new.needs)
            .map(|id| own(format!("no longer waits for {id}"))),
    );
    out
}

/// Where an inherited setting comes from, for messages.
fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Own => "the step",
        Origin::Defaults => "defaults",
        Origin::Failover => "failover",
        Origin::TestNetwork => "test_network",
    }
}

/// Compares the steps of the two graphs, recording changes and conflicts.
pub(super) fn compare(old: RunPlan<'_>, new: RunPlan<'_>, state: &RunState, found: &mut Found) {
    let olds = definitions(old);
    let news = definitions(new);
    let old_by_id: HashMap<&str, &Definition<'_>> = olds.iter().map(|d| (d.id(), d)).collect();
    let new_by_id: HashMap<&str, &Definition<'_>> = news.iter().map(|d| (d.id(), d)).collect();

    for n in &news {
        let Some(o) = old_by_id.get(n.id()) else {
            found.change(n.id(), format!("added ({})", n.step.kind));
            found.mention(n.group);
            continue;
        };
        let changes = differences(o, n);
        if changes.is_empty() {
            continue;
        }
        found.mention(n.group);
        for c in changes.iter().filter(|c| !c.inherited) {
            found.change(n.subject(), c.text.clone());
        }
        if let Some(reached) = settled(state, n.id()) {
            found.conflicts.push(Conflict::StepChanged {
                step: n.id().to_string(),
                reached,
                changes: changes
                    .iter()
                    .map(|c| {
                        if c.inherited {
                            format!("{} (from {})", c.text, origin_name(c.origin))
                        } else {
                            c.text.clone()
                        }
                    })
                    .collect(),
                inherited: changes.iter().any(|c| c.inherited),
            });
        }
    }
    for o in olds.iter().filter(|o| !new_by_id.contains_key(o.id())) {
        found.change(o.id(), format!("removed ({})", o.step.kind));
        found.mention(o.group);
        if let Some(reached) = settled(state, o.id()) {
            found.conflicts.push(Conflict::StepRemoved {
                step: o.id().to_string(),
                reached,
            });
        }
    }
    moved_groups(&olds, &news, state, found);
}

/// The groups whose VM steps started and whose VMs the correction changes.
/// A VM step that is itself settled already has its own conflict.
fn moved_groups(
    olds: &[Definition<'_>],
    news: &[Definition<'_>],
    state: &RunState,
    found: &mut Found,
) {
    let mut groups: Vec<&str> = Vec::new();
    for d in olds.iter().filter(|d| d.is_vm()) {
        if !groups.contains(&d.group) {
            groups.push(d.group);
        }
    }
    for group in groups {
        let old_vms: Vec<&Definition<'_>> = olds
            .iter()
            .filter(|d| d.is_vm() && d.group == group)
            .collect();
        if !old_vms.iter().any(|d| ran(state, d.id())) {
            continue;
        }
        let new_vms: Vec<&Definition<'_>> = news
            .iter()
            .filter(|d| d.is_vm() && d.group == group)
            .collect();
        let mut changes = Vec::new();
        for n in &new_vms {
            match old_vms.iter().find(|o| o.id() == n.id()) {
                None => changes.push(format!("{} added", n.id())),
                Some(_) if settled(state, n.id()).is_some() => {}
                Some(o) => {
                    let differ = vm_differences(o, n);
                    if !differ.is_empty() {
                        changes.push(format!("{}: {}", n.id(), differ.join(", ")));
                    }
                }
            }
        }
        for o in &old_vms {
            if settled(state, o.id()).is_none() && !new_vms.iter().any(|n| n.id() == o.id()) {
                changes.push(format!("{} removed", o.id()));
            }
        }
        if !changes.is_empty() {
            found.conflicts.push(Conflict::GroupMoved {
                group: group.to_string(),
                changes,
            });
        }
    }
}
