//! An ASR recovery plan (and the vault's items, when read) in; the
//! imported plan out. Boot groups become groups chained with `needs` in
//! ASR's order; the Shutdown and Failover groups' actions become the plan's
//! own `before` hooks (drplan shuts each VM down as part of its failover,
//! so there is no moment after every shutdown or every failover).

use rustc_hash::FxHashMap;

use super::actions;
use super::draft::{Draft, Group, Vm, push_hook};
use super::names::{Taken, last_segment, valid};
use super::{ImportError, Imported, VaultItem, vault_of};
use crate::interop::asr::{
    FailoverType, GroupType, RecoveryPlan, RecoveryPlanAction, RecoveryPlanGroup,
};

/// The replication provider drplan runs.
pub(super) const A2A: &str = "A2A";

/// Imports `plan` into the vault `vault` (default: the vault of the plan's
/// id). `items` are the vault's protected items when it was read (`None`
/// offline: VMs are named by their items' names).
pub fn from_recovery_plan(
    plan: &RecoveryPlan,
    vault: Option<&str>,
    items: Option<&[VaultItem]>,
) -> Result<Imported, ImportError> {
    let vault = vault
        .map(str::to_owned)
        .or_else(|| vault_of(&plan.id))
        .ok_or(ImportError::NoVault)?;
    let props = &plan.properties;
    let plan_name = if plan.name.trim().is_empty() {
        props.friendly_name.clone().unwrap_or_default()
    } else {
        plan.name.clone()
    };
    let mut draft = Draft {
        name: valid(&plan_name).unwrap_or_else(|| "imported".into()),
        description: format!("Imported from the Azure Site Recovery recovery plan {plan_name}"),
        vault,
        ..Draft::default()
    };
    let mut groups = Groups {
        by_id: items.map(|all| all.iter().map(|i| (i.id.to_ascii_lowercase(), i)).collect()),
        friendly_count: friendly_counts(items.unwrap_or(&[])),
        vm_names: Taken::default(),
        group_names: Taken::default(),
        found: Vec::new(),
        warnings: Vec::new(),
        stray: Vec::new(),
        boot: 0,
    };
    if groups.by_id.is_none() {
        draft.losses.push(
            "friendly names (read offline): VMs are named by their items' names; import with \
             --vault to read the VMs' names from the vault"
                .into(),
        );
    }
    for g in &props.groups {
        if g.group_type == GroupType::Boot {
            let group = groups.boot_group(g, draft.groups.last(), &mut draft.losses);
            draft.groups.push(group);
        } else {
            // ASR keeps VMs in boot groups only; any found elsewhere boot
            // with the next boot group.
            groups
                .stray
                .extend(g.replication_protected_items.iter().map(|i| i.id.clone()));
            let what = g.group_type.as_str();
            for action in &g.start_group_actions {
                plan_action(
                    &mut draft,
                    action,
                    &format!("before the {what} group"),
                    false,
                );
            }
            for action in &g.end_group_actions {
                plan_action(&mut draft, action, &format!("after the {what} group"), true);
            }
        }
    }
    if !groups.stray.is_empty() {
        draft.losses.push(format!(
            "{} items outside every boot group (the plan has no boot group to put them in)",
            groups.stray.len()
        ));
    }
    regions(&mut draft, plan, &groups.found);
    let mut warnings = groups.warnings;
    if let Some(note) = unsupported(&providers(plan, &groups.found)) {
        warnings.push(note.clone());
        draft.header.push(format!("NOT RUNNABLE AS IS: {note}"));
        draft.header.push(String::new());
    }
    notes(&mut draft, plan);
    let id = if plan.id.is_empty() {
        String::new()
    } else {
        format!(" ({})", plan.id)
    };
    draft.header.insert(
        0,
        format!("Imported by `drplan import` from the ASR recovery plan {plan_name}{id}."),
    );
    finish(draft, warnings)
}

/// The boot groups being imported, and what they found in the vault.
struct Groups<'a> {
    /// The vault's items by lowercased id (`None` offline).
    by_id: Option<FxHashMap<String, &'a VaultItem>>,
    friendly_count: FxHashMap<String, usize>,
    vm_names: Taken,
    group_names: Taken,
    /// The plan's items found in the vault.
    found: Vec<&'a VaultItem>,
    warnings: Vec<String>,
    /// Items of non-boot groups, for the next boot group.
    stray: Vec<String>,
    /// Boot groups so far.
    boot: usize,
}

impl Groups<'_> {
    /// The next boot group, after `previous`.
    fn boot_group(
        &mut self,
        g: &RecoveryPlanGroup,
        previous: Option<&Group>,
        losses: &mut Vec<String>,
    ) -> Group {
        self.boot += 1;
        let boot = self.boot;
        let mut group = Group {
            name: self.group_names.claim(&format!("group-{boot}")),
            comments: vec![format!("ASR boot group {boot}")],
            needs: previous.map(|p| p.name.clone()),
            ..Group::default()
        };
        group_actions(&mut group, &g.start_group_actions, true, boot, losses);
        let ids: Vec<String> = std::mem::take(&mut self.stray)
            .into_iter()
            .chain(g.replication_protected_items.iter().map(|i| i.id.clone()))
            .collect();
        for id in ids {
            let Some(by_id) = &self.by_id else {
                group.vms.push(offline_vm(&id, &mut self.vm_names));
                continue;
            };
            if let Some(item) = by_id.get(&id.to_ascii_lowercase()).copied() {
                self.found.push(item);
                group
                    .vms
                    .push(online_vm(item, &self.friendly_count, &mut self.vm_names));
            } else {
                let message = format!(
                    "the recovery plan names the item {id}, which the vault does not have; left out"
                );
                group.left_out.push(format!(
                    "left out, not in the vault: item {}",
                    last_segment(&id)
                ));
                losses.push(message.clone());
                self.warnings.push(message);
            }
        }
        group_actions(&mut group, &g.end_group_actions, false, boot, losses);
        group
    }
}

/// Writes the losses into the header and renders the plan.
pub(super) fn finish(mut draft: Draft, warnings: Vec<String>) -> Result<Imported, ImportError> {
    if draft.losses.is_empty() {
        draft.header.push("Nothing of it was lost.".into());
    } else {
        draft.header.push("Not carried over:".into());
        draft
            .header
            .extend(draft.losses.iter().map(|l| format!("- {l}")));
    }
    let text = draft.render()?;
    Ok(Imported {
        text,
        warnings,
        losses: draft.losses,
    })
}

/// How many items of the vault carry each friendly name (lowercased).
pub(super) fn friendly_counts(items: &[VaultItem]) -> FxHashMap<String, usize> {
    let mut counts = FxHashMap::default();
    for item in items {
        if let Some(f) = &item.friendly_name {
            *counts.entry(f.to_ascii_lowercase()).or_insert(0) += 1;
        }
    }
    counts
}

/// The VM of an item read from the vault: its friendly name when that
/// finds it, else a valid, unique name and `item`.
pub(super) fn online_vm(
    item: &VaultItem,
    friendly_count: &FxHashMap<String, usize>,
    taken: &mut Taken,
) -> Vm {
    let Some(friendly) = item.friendly_name.as_deref() else {
        return Vm {
            name: taken.claim(&valid(&item.name).unwrap_or_else(|| "vm".into())),
            item: None,
            comment: Some("the item has no friendly name".into()),
        };
    };
    let ambiguous = friendly_count
        .get(&friendly.to_ascii_lowercase())
        .is_some_and(|n| *n > 1);
    let wanted =
        valid(friendly).unwrap_or_else(|| valid(&item.name).unwrap_or_else(|| "vm".into()));
    let name = taken.claim(&wanted);
    if ambiguous {
        Vm {
            name,
            item: Some(item.name.clone()),
            comment: Some(format!("\"{friendly}\" names several items of the vault")),
        }
    } else if name != friendly {
        Vm {
            name,
            item: Some(friendly.to_owned()),
            comment: None,
        }
    } else {
        Vm {
            name,
            item: None,
            comment: None,
        }
    }
}

/// The VM of an item known only by its id (offline).
fn offline_vm(id: &str, taken: &mut Taken) -> Vm {
    let item = last_segment(id);
    let name = taken.claim(&valid(item).unwrap_or_else(|| "vm".into()));
    Vm {
        item: (name != item).then(|| item.to_owned()),
        name,
        comment: None,
    }
}

/// A boot group's start (`before`) or end (`after`) actions as its hooks.
fn group_actions(
    group: &mut Group,
    actions: &[RecoveryPlanAction],
    start: bool,
    boot: usize,
    losses: &mut Vec<String>,
) {
    let place = format!(
        "{} boot group {boot}",
        if start { "before" } else { "after" }
    );
    for action in actions {
        let Some(converted) = convert(action, &place, losses) else {
            continue;
        };
        let blocks = if start {
            &mut group.before
        } else {
            &mut group.after
        };
        push_hook(blocks, converted.phases, converted.hook);
    }
}

/// `action` converted, its losses added to `losses`; `None` (and one loss)
/// when it runs in no operation drplan has, so it is left out.
fn convert(
    action: &RecoveryPlanAction,
    place: &str,
    losses: &mut Vec<String>,
) -> Option<actions::Converted> {
    let mut converted = actions::convert(action, place);
    if converted.phases.is_empty() {
        let types: Vec<&str> = action
            .failover_types
            .iter()
            .map(FailoverType::as_str)
            .collect();
        losses.push(format!(
            "action \"{}\" ({place}): left out, it runs only in {} (drplan has no such phase)",
            action.action_name.trim(),
            if types.is_empty() {
                "no operation".to_owned()
            } else {
                types.join(", ")
            }
        ));
        return None;
    }
    losses.append(&mut converted.losses);
    Some(converted)
}

/// An action of the Shutdown or Failover group, as the plan's `before`.
fn plan_action(draft: &mut Draft, action: &RecoveryPlanAction, place: &str, after: bool) {
    let Some(converted) = convert(action, place, &mut draft.losses) else {
        return;
    };
    let name = action.action_name.trim();
    if after {
        draft.losses.push(format!(
            "action \"{name}\" ran {place} in ASR; drplan shuts down and fails over each VM with its group, \
             so it runs before the first group"
        ));
    }
    push_hook(&mut draft.before, converted.phases, converted.hook);
}

/// The plan's regions: the items' (most common pair), else the A2A
/// fabrics' (`asr-a2a-default-<region>`), else the fabrics' names with a
/// comment saying to set them.
fn regions(draft: &mut Draft, plan: &RecoveryPlan, found: &[&VaultItem]) {
    if let Some((primary, recovery)) = common_pair(found) {
        draft.primary = (primary, None);
        draft.recovery = (recovery, None);
        return;
    }
    let p = &plan.properties;
    let side = |id: Option<&String>, friendly: Option<&String>, fallback: &str| {
        let from_id = id
            .map(|id| last_segment(id).to_ascii_lowercase())
            .and_then(|seg| seg.strip_prefix("asr-a2a-default-").map(str::to_owned));
        if let Some(region) = from_id {
            return (region, None);
        }
        let friendly = friendly.map(|f| f.trim()).filter(|f| !f.is_empty());
        match friendly {
            Some(f) if crate::regions::is_known(&crate::regions::normalize(f)) => {
                (crate::regions::normalize(f), None)
            }
            _ => {
                let shown = friendly.unwrap_or(fallback).to_owned();
                let note = format!(
                    "the recovery plan's {fallback} site \"{shown}\" is not an Azure region drplan can tell: set the region"
                );
                (shown, Some(note))
            }
        }
    };
    draft.primary = side(
        p.primary_fabric_id.as_ref(),
        p.primary_fabric_friendly_name.as_ref(),
        "primary",
    );
    draft.recovery = side(
        p.recovery_fabric_id.as_ref(),
        p.recovery_fabric_friendly_name.as_ref(),
        "recovery",
    );
    if crate::regions::normalize(&draft.primary.0) == crate::regions::normalize(&draft.recovery.0) {
        draft.recovery = (
            "recovery".into(),
            Some("the recovery plan's sites have one name: set the recovery region".into()),
        );
    }
}

/// The most common (primary, recovery) pair of `items`, normalized.
pub(super) fn common_pair(items: &[&VaultItem]) -> Option<(String, String)> {
    let mut counts: Vec<((String, String), usize)> = Vec::new();
    for item in items {
        let (Some(p), Some(r)) = (&item.primary_region, &item.recovery_region) else {
            continue;
        };
        let pair = (crate::regions::normalize(p), crate::regions::normalize(r));
        match counts.iter_mut().find(|(k, _)| *k == pair) {
            Some((_, n)) => *n += 1,
            None => counts.push((pair, 1)),
        }
    }
    // The first of the most common, so the choice is stable.
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(k, _)| k)
}

/// Every replication provider of the plan and its items.
fn providers(plan: &RecoveryPlan, found: &[&VaultItem]) -> Vec<String> {
    let mut all: Vec<String> = plan.properties.replication_providers.clone();
    all.extend(found.iter().filter_map(|i| i.provider.clone()));
    all.sort();
    all.dedup();
    all
}

/// The note for providers drplan does not run, if any.
pub(super) fn unsupported(providers: &[String]) -> Option<String> {
    let other: Vec<&str> = providers
        .iter()
        .map(String::as_str)
        .filter(|p| !p.eq_ignore_ascii_case(A2A))
        .collect();
    (!other.is_empty()).then(|| {
        format!(
            "its VMs replicate with {}; drplan runs Azure-to-Azure (A2A) replication only. \
             The plan can be read, diffed and rehearsed (`drplan run … --simulate`); against \
             the vault, drplan refuses every operation on these VMs before sending it.",
            other.join(", ")
        )
    })
}

/// Losses of the plan as a whole.
fn notes(draft: &mut Draft, plan: &RecoveryPlan) {
    for details in &plan.properties.provider_specific_details {
        if let (Some(p), Some(r)) = (&details.primary_zone, &details.recovery_zone) {
            draft.losses.push(format!(
                "zone-to-zone recovery (zone {p} to zone {r}): the plan names regions, and the VMs' \
                 target zones stay as the vault holds them"
            ));
        }
        if details.primary_extended_location.is_some()
            || details.recovery_extended_location.is_some()
        {
            draft
                .losses
                .push("the plan's edge zones (extended locations)".into());
        }
    }
}
