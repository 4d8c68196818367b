//! Whether the plan covers the whole application: the plan's `coverage`
//! selectors, its VMs and their vault items in; a `coverage` warning for
//! each VM in a primary region (any group's: a plan may span region pairs)
//! that a selector matches and the plan does not hold, out. A VM counts as held when its ARM id is an item's source VM
//! or, where the vault does not say, when its name is a plan VM's or item's.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::Plan;
use crate::provider::Machine;
use crate::provider::inventory::SubscriptionVm;

use super::finding::{Finding, FindingKind, Severity};
use super::reads::{Answers, Wanted};

/// The reads coverage needs.
pub(super) fn want(plan: &Plan, wanted: &mut Wanted) {
    for tag in &plan.coverage.tags {
        wanted.tagged(&tag.name, tag.value.as_deref());
    }
    for rg in &plan.coverage.resource_groups {
        wanted.in_group(rg);
    }
}

/// Every group's primary region (normalized); the plan's when it has no
/// groups.
fn primaries(plan: &Plan) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = (0..plan.groups.len())
        .map(|g| crate::regions::normalize(plan.regions_of(g).0))
        .collect();
    if out.is_empty() {
        out.insert(crate::regions::normalize(&plan.primary));
    }
    out
}

/// The coverage findings.
pub(super) fn check<'a>(
    plan: &Plan,
    machines: &[Machine],
    answers: &'a Answers,
    out: &mut Vec<Finding>,
) {
    if plan.coverage.is_empty() {
        return;
    }
    let primaries = primaries(plan);
    // Lower-cased id → the VM and the selectors that matched it, in order.
    let mut matched: BTreeMap<String, (&SubscriptionVm, Vec<String>)> = BTreeMap::new();
    let mut add = |vms: &'a [SubscriptionVm], selector: String| {
        for vm in vms {
            if !primaries.contains(&crate::regions::normalize(&vm.location)) {
                continue;
            }
            matched
                .entry(vm.id.to_ascii_lowercase())
                .or_insert_with(|| (vm, Vec::new()))
                .1
                .push(selector.clone());
        }
    };
    for tag in &plan.coverage.tags {
        let selector = match &tag.value {
            Some(v) => format!("tag {}={v}", tag.name),
            None => format!("tag {}", tag.name),
        };
        if let Some(vms) = answers.tagged(&tag.name, tag.value.as_deref()) {
            add(vms, selector);
        }
    }
    for rg in &plan.coverage.resource_groups {
        if let Some(vms) = answers.in_group(rg) {
            add(vms, format!("resource group {rg}"));
        }
    }
    let sources: BTreeSet<String> = machines
        .iter()
        .filter_map(|m| m.source_vm.as_deref())
        .map(str::to_ascii_lowercase)
        .collect();
    let names: BTreeSet<String> = plan
        .groups
        .iter()
        .flat_map(|g| g.vms.iter())
        .flat_map(|vm| [Some(&vm.name), vm.item.as_ref()])
        .flatten()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    for (id, (vm, selectors)) in matched {
        if sources.contains(&id) || names.contains(&vm.name.to_ascii_lowercase()) {
            continue;
        }
        out.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::Coverage,
            vm: None,
            group: None,
            message: format!(
                "VM {} ({}) matches the plan's coverage ({}) but is not in the plan, so a failover would leave it behind",
                vm.name,
                vm.id,
                selectors.join(", ")
            ),
            remedy: format!(
                "enable replication for {} in the vault and add it to a group of the plan, or take it out of the application's tag or resource group",
                vm.name
            ),
            details: serde_json::json!({ "vm_id": vm.id, "name": vm.name, "matched_by": selectors }),
        });
    }
}
