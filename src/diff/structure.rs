//! What a plan declares, compared by name: plan-wide settings, groups, VMs
//! (`group/vm`) and hooks (by the step id each has in each phase). Settings
//! are flattened to [`Field`]s by [`crate::amend`], so a change reads as it
//! does for `resume --plan`: `timeout 5m → 10m`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Category, Changed, Item};
use crate::amend::compare::{self, Field};
use crate::amend::{Change, describe, plan_level};
use crate::graph::StepKind;
use crate::plan::{Group, Hook, Phase, Plan, Vm, VmRef, When};

/// Plan-wide settings, one [`Changed`] per section, sections in the order
/// first changed.
pub(super) fn settings(old: &Plan, new: &Plan) -> Vec<Changed> {
    let mut changes: Vec<Change> = plan_level::fixed(old, new)
        .into_iter()
        .map(|(setting, was, now)| Change {
            subject: "plan".into(),
            detail: format!("{} {was} → {now}", setting.as_str()),
        })
        .collect();
    if old.state != new.state {
        let url = |p: &Plan| {
            p.state
                .as_ref()
                .map_or_else(|| "none".to_string(), |s| compare::quoted(&s.to_string()))
        };
        changes.push(Change {
            subject: "plan".into(),
            detail: format!("state {} → {}", url(old), url(new)),
        });
    }
    changes.extend(plan_level::settings(old, new));
    let mut out: Vec<Changed> = Vec::new();
    for change in changes {
        match out.iter_mut().find(|c| c.name == change.subject) {
            Some(section) => section.changes.push(change.detail),
            None => out.push(changed(
                change.subject,
                None,
                Vec::new(),
                vec![change.detail],
            )),
        }
    }
    out
}

fn changed(
    name: String,
    kind: Option<StepKind>,
    phases: Vec<&'static str>,
    changes: Vec<String>,
) -> Changed {
    Changed {
        name,
        kind,
        phases,
        changes,
    }
}

fn item(name: String) -> Item {
    Item {
        name,
        kind: None,
        phases: Vec::new(),
    }
}

/// The lines of differences between two flattened definitions; settings
/// both take from `defaults` are left to the `defaults` section's line.
fn field_changes(old: &[Field], new: &[Field]) -> Vec<String> {
    compare::diff(old, new)
        .into_iter()
        .filter(|c| !c.inherited)
        .map(|c| c.text)
        .collect()
}

/// Names joined for a field (`db, cache`), `none` when empty.
fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let joined = names.collect::<Vec<_>>().join(", ");
    if joined.is_empty() {
        "none".into()
    } else {
        joined
    }
}

fn group_fields(plan: &Plan, group: &Group) -> Vec<Field> {
    let needs = names(
        group
            .needs
            .iter()
            .filter_map(|&g| plan.groups.get(g).map(|g| g.name.as_str())),
    );
    vec![
        Field::own("needs", needs),
        Field::own("parallelism", group.parallelism.to_string()),
    ]
}

/// Groups by name: added, removed, and changed in their own settings.
pub(super) fn groups(old: &Plan, new: &Plan) -> Category {
    let by_name: HashMap<&str, &Group> = old.groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let mut out = Category::default();
    for g in &new.groups {
        match by_name.get(g.name.as_str()) {
            None => out.added.push(item(g.name.clone())),
            Some(was) => {
                let changes = field_changes(&group_fields(old, was), &group_fields(new, g));
                if !changes.is_empty() {
                    out.changed
                        .push(changed(g.name.clone(), None, Vec::new(), changes));
                }
            }
        }
    }
    let in_new: HashSet<&str> = new.groups.iter().map(|g| g.name.as_str()).collect();
    out.removed.extend(
        old.groups
            .iter()
            .filter(|g| !in_new.contains(g.name.as_str()))
            .map(|g| item(g.name.clone())),
    );
    out
}

/// `group/vm`.
fn vm_name(plan: &Plan, at: VmRef) -> String {
    let group = plan.groups.get(at.group).map_or("", |g| g.name.as_str());
    let vm = plan.vm(at).map_or("", |v| v.name.as_str());
    format!("{group}/{vm}")
}

/// What a VM waits for, by name.
fn vm_needs(plan: &Plan, vm: &Vm) -> Vec<String> {
    vm.needs.iter().map(|&at| vm_name(plan, at)).collect()
}

fn vm_fields(plan: &Plan, vm: &Vm) -> Vec<Field> {
    let mut fields = describe::vm_own(vm);
    fields.push(Field::own("estimate", vm.estimate.to_string()));
    let needs = vm_needs(plan, vm);
    fields.push(Field::own("needs", names(needs.iter().map(String::as_str))));
    fields
}

/// Whether two VMs are defined alike, without flattening them: most VMs of
/// a large plan are, and most share their target settings.
fn same_vm(old_plan: &Plan, old: &Vm, new_plan: &Plan, new: &Vm) -> bool {
    old.item == new.item
        && old.estimate == new.estimate
        && (Arc::ptr_eq(&old.target, &new.target) || old.target == new.target)
        && old.needs.len() == new.needs.len()
        && vm_needs(old_plan, old) == vm_needs(new_plan, new)
}

/// VMs as `group/vm`: a VM moved to another group is removed and added.
pub(super) fn vms(old: &Plan, new: &Plan) -> Category {
    let mut by_name: HashMap<(&str, &str), &Vm> = HashMap::with_capacity(old.vm_count());
    for g in &old.groups {
        for vm in &g.vms {
            by_name.insert((g.name.as_str(), vm.name.as_str()), vm);
        }
    }
    let mut out = Category::default();
    let mut in_new: HashSet<(&str, &str)> = HashSet::with_capacity(new.vm_count());
    for g in &new.groups {
        for vm in &g.vms {
            in_new.insert((g.name.as_str(), vm.name.as_str()));
            let name = || format!("{}/{}", g.name, vm.name);
            match by_name.get(&(g.name.as_str(), vm.name.as_str())) {
                None => out.added.push(item(name())),
                Some(was) if same_vm(old, was, new, vm) => {}
                Some(was) => {
                    let changes = field_changes(&vm_fields(old, was), &vm_fields(new, vm));
                    if !changes.is_empty() {
                        out.changed.push(changed(name(), None, Vec::new(), changes));
                    }
                }
            }
        }
    }
    for g in &old.groups {
        for vm in &g.vms {
            if !in_new.contains(&(g.name.as_str(), vm.name.as_str())) {
                out.removed.push(item(format!("{}/{}", g.name, vm.name)));
            }
        }
    }
    out
}

/// A hook where a phase runs it: its step id there (`hook:db/after/1`,
/// numbered as the graph numbers it) and its definition. The one place that
/// lists a plan's hooks for a diff.
struct Site<'a> {
    id: String,
    hook: &'a Hook,
}

fn sites(plan: &Plan, phase: Phase) -> Vec<Site<'_>> {
    let mut out = Vec::new();
    for group in &plan.groups {
        for when in [When::Before, When::After] {
            let mut n = 0;
            for block in &group.hooks {
                if block.when != when || !block.phases.contains(&phase) {
                    continue;
                }
                for hook in &block.hooks {
                    n += 1;
                    out.push(Site {
                        id: format!("hook:{}/{}/{n}", group.name, when.as_str()),
                        hook,
                    });
                }
            }
        }
    }
    // The plan's own hooks around the whole operation, and on a failure.
    for when in [When::Before, When::After] {
        let mut n = 0;
        for block in &plan.hooks {
            if block.when != when || !block.phases.contains(&phase) {
                continue;
            }
            for hook in &block.hooks {
                n += 1;
                out.push(Site {
                    id: crate::graph::plan_hook_id(when, n),
                    hook,
                });
            }
        }
    }
    for (n, hook) in plan.on_failure.iter().enumerate() {
        out.push(Site {
            id: crate::graph::plan_hook_id(When::OnFailure, n + 1),
            hook,
        });
    }
    out
}

fn hook_fields(plan: &Plan, hook: &Hook) -> Vec<Field> {
    let mut fields = describe::hook(hook, &plan.defaults);
    fields.push(Field::own("estimate", hook.step.estimate.to_string()));
    fields
}

/// What differs between two hooks at the same place.
fn hook_changes(old_plan: &Plan, old: &Hook, new_plan: &Plan, new: &Hook) -> Vec<String> {
    let (was, now) = (old.action.kind(), new.action.kind());
    if was != now {
        return vec![format!("{was} → {now}")];
    }
    field_changes(&hook_fields(old_plan, old), &hook_fields(new_plan, new))
}

/// Which list of a [`Category`] an entry goes to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Added,
    Removed,
    Changed,
}

/// Hooks by step id, phase by phase; the same difference under the same id
/// in several phases (a hook of `after failover, test`) is one entry.
pub(super) fn hooks(old: &Plan, new: &Plan) -> Category {
    // (side, id, kind, changes) → the phases it holds in, in first-seen order.
    type Key = (Side, String, StepKind, Vec<String>);
    let mut entries: Vec<(Key, Vec<&'static str>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut note = |key: Key, phase: &'static str| {
        if let Some(&i) = index.get(&key) {
            entries[i].1.push(phase);
        } else {
            index.insert(key.clone(), entries.len());
            entries.push((key, vec![phase]));
        }
    };
    for phase in Phase::ALL {
        let word = phase.as_str();
        let olds = sites(old, phase);
        let news = sites(new, phase);
        let old_by_id: HashMap<&str, &Hook> =
            olds.iter().map(|s| (s.id.as_str(), s.hook)).collect();
        let new_ids: HashSet<&str> = news.iter().map(|s| s.id.as_str()).collect();
        for site in &news {
            let kind = site.hook.action.kind();
            match old_by_id.get(site.id.as_str()) {
                None => note((Side::Added, site.id.clone(), kind, Vec::new()), word),
                Some(was) => {
                    let changes = hook_changes(old, was, new, site.hook);
                    if !changes.is_empty() {
                        note((Side::Changed, site.id.clone(), kind, changes), word);
                    }
                }
            }
        }
        for site in olds.iter().filter(|s| !new_ids.contains(s.id.as_str())) {
            let key = (
                Side::Removed,
                site.id.clone(),
                site.hook.action.kind(),
                Vec::new(),
            );
            note(key, word);
        }
    }
    let mut out = Category::default();
    for ((side, name, kind, changes), phases) in entries {
        match side {
            Side::Added => out.added.push(Item {
                name,
                kind: Some(kind),
                phases,
            }),
            Side::Removed => out.removed.push(Item {
                name,
                kind: Some(kind),
                phases,
            }),
            Side::Changed => out.changed.push(changed(name, Some(kind), phases, changes)),
        }
    }
    out
}
