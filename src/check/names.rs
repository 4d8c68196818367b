//! Group and VM names: `drplan::duplicate_group`, `drplan::duplicate_vm`
//! (also two VMs naming one replicated item), and `needs` resolved to indices
//! with `drplan::unknown_group` and `drplan::unknown_vm`.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use crate::diagnostic::Diagnostic;
use crate::plan::{GroupId, VmRef};
use crate::source::Span;

use super::{Checker, DraftGroup};
use crate::suggest;

/// Each group's `needs`, resolved, with where each is written.
pub(super) type GroupNeeds = Vec<Vec<(GroupId, Span)>>;
/// Each VM's `needs` (by group, then VM), resolved, with where each is written.
pub(super) type VmNeeds = Vec<Vec<Vec<(VmRef, Span)>>>;

// HashMaps here serve lookups only; nothing iterates them, so output keeps source order.
type Index<'a, T> = FxHashMap<&'a str, T>;

impl Checker<'_> {
    /// Reports duplicate groups and VMs, and resolves every `needs`.
    pub(super) fn resolve(&mut self, groups: &[DraftGroup]) -> (GroupNeeds, VmNeeds) {
        let group_index = self.index_groups(groups);
        let vm_index = self.index_vms(groups);
        let group_needs = groups
            .iter()
            .map(|g| self.group_needs(g, groups, &group_index, &vm_index))
            .collect();
        let vm_needs = groups
            .iter()
            .map(|g| {
                g.vms
                    .iter()
                    .map(|vm| self.vm_needs(&vm.needs, &group_index, &vm_index))
                    .collect()
            })
            .collect();
        (group_needs, vm_needs)
    }

    fn index_groups<'a>(&mut self, groups: &'a [DraftGroup]) -> Index<'a, GroupId> {
        let mut index: Index<'a, GroupId> =
            Index::with_capacity_and_hasher(groups.len(), rustc_hash::FxBuildHasher);
        for (id, group) in groups.iter().enumerate() {
            if let Some(&first) = index.get(group.name.text.as_str()) {
                self.diags.push(Diagnostic::DuplicateGroup {
                    name: group.name.text.to_string(),
                    first: groups[first].name.span,
                    second: group.name.span,
                });
            } else {
                index.insert(&group.name.text, id);
            }
        }
        index
    }

    /// VMs by name; a VM listed twice, or two VMs naming one replicated item, is a duplicate.
    fn index_vms<'a>(&mut self, groups: &'a [DraftGroup]) -> Index<'a, VmRef> {
        let count = groups.iter().map(|g| g.vms.len()).sum();
        let mut by_name: Index<'a, VmRef> =
            Index::with_capacity_and_hasher(count, rustc_hash::FxBuildHasher);
        // Without any `item`, each VM's item is its name, which `by_name`
        // already keeps unique: the second table would find nothing.
        let items = groups
            .iter()
            .any(|g| g.vms.iter().any(|vm| vm.item.is_some()));
        let mut by_item: Index<'a, VmRef> = Index::with_capacity_and_hasher(
            if items { count } else { 0 },
            rustc_hash::FxBuildHasher,
        );
        for (g, group) in groups.iter().enumerate() {
            for (v, vm) in group.vms.iter().enumerate() {
                let here = VmRef { group: g, vm: v };
                if let Some(first) = by_name.get(vm.name.text.as_str()) {
                    let first = &groups[first.group].vms[first.vm];
                    self.diags.push(Diagnostic::DuplicateVm {
                        name: vm.name.text.to_string(),
                        detail: String::new(),
                        first: first.name.span,
                        second: vm.name.span,
                    });
                    continue;
                }
                by_name.insert(&vm.name.text, here);
                if !items {
                    continue;
                }
                let item = vm.item.as_deref().unwrap_or(&vm.name.text);
                if let Some(first) = by_item.get(item) {
                    let first = &groups[first.group].vms[first.vm];
                    self.diags.push(Diagnostic::DuplicateVm {
                        name: vm.name.text.to_string(),
                        detail: format!(
                            ": `{}` and `{}` both name replicated item `{item}`",
                            first.name.text, vm.name.text
                        ),
                        first: first.name.span,
                        second: vm.name.span,
                    });
                } else {
                    by_item.insert(item, here);
                }
            }
        }
        by_name
    }

    fn group_needs(
        &mut self,
        group: &DraftGroup,
        groups: &[DraftGroup],
        group_index: &Index<'_, GroupId>,
        vm_index: &Index<'_, VmRef>,
    ) -> Vec<(GroupId, Span)> {
        let mut ids: Vec<(GroupId, Span)> = Vec::new();
        for need in &group.needs {
            match group_index.get(need.text.as_str()) {
                Some(&id) if !ids.iter().any(|(i, _)| *i == id) => ids.push((id, need.span)),
                Some(_) => {}
                None => {
                    let mut help = suggest::did_you_mean(
                        &need.text,
                        groups.iter().map(|g| g.name.text.as_str()),
                    );
                    if help.is_none() && vm_index.contains_key(need.text.as_str()) {
                        help = Some(format!(
                            "`{}` is a VM; a group `needs` groups, a VM's block `needs` VMs",
                            need.text
                        ));
                    }
                    self.diags.push(Diagnostic::UnknownGroup {
                        name: need.text.to_string(),
                        at: need.span,
                        help,
                    });
                }
            }
        }
        ids
    }

    fn vm_needs(
        &mut self,
        needs: &[crate::ast::Name],
        group_index: &Index<'_, GroupId>,
        vm_index: &Index<'_, VmRef>,
    ) -> Vec<(VmRef, Span)> {
        let mut refs: Vec<(VmRef, Span)> = Vec::new();
        for need in needs {
            match vm_index.get(need.text.as_str()) {
                Some(r) if !refs.iter().any(|(x, _)| x == r) => refs.push((*r, need.span)),
                Some(_) => {}
                None => {
                    // Sorted, so the suggestion does not depend on hashing.
                    let names: BTreeSet<&str> = vm_index.keys().copied().collect();
                    let mut help = suggest::did_you_mean(&need.text, names);
                    if help.is_none() && group_index.contains_key(need.text.as_str()) {
                        help = Some(format!(
                            "`{}` is a group; put `needs {}` on the group instead",
                            need.text, need.text
                        ));
                    }
                    self.diags.push(Diagnostic::UnknownVm {
                        name: need.text.to_string(),
                        at: need.span,
                        help,
                    });
                }
            }
        }
        refs
    }
}
