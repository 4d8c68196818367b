//! Group and VM names: `drplan::duplicate_group`, `drplan::duplicate_vm`
//! (also two VMs naming one replicated item), and `needs` resolved to indices
//! with `drplan::unknown_group` and `drplan::unknown_vm`.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::plan::{GroupId, VmRef};
use crate::source::Span;

use super::suggest;
use super::{Checker, DraftGroup};

impl Checker<'_> {
    /// Reports duplicate groups and VMs, and resolves every `needs`.
    /// Returns each group's needs and each VM's needs, by index.
    #[allow(clippy::type_complexity)]
    pub(super) fn resolve(
        &mut self,
        groups: &[DraftGroup],
    ) -> (Vec<Vec<(GroupId, Span)>>, Vec<Vec<Vec<(VmRef, Span)>>>) {
        // HashMap for lookups only; nothing iterates it, so output order stays the source's.
        let mut group_index: HashMap<&str, GroupId> = HashMap::with_capacity(groups.len());
        for (id, group) in groups.iter().enumerate() {
            if let Some(&first) = group_index.get(group.name.text.as_str()) {
                self.diags.push(Diagnostic::DuplicateGroup {
                    name: group.name.text.clone(),
                    first: groups[first].name.span,
                    second: group.name.span,
                });
            } else {
                group_index.insert(&group.name.text, id);
            }
        }

        let mut vm_index: HashMap<&str, VmRef> = HashMap::new();
        let mut item_index: HashMap<&str, VmRef> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for (v, vm) in group.vms.iter().enumerate() {
                let here = VmRef { group: g, vm: v };
                if let Some(first) = vm_index.get(vm.name.text.as_str()) {
                    let first = &groups[first.group].vms[first.vm];
                    self.diags.push(Diagnostic::DuplicateVm {
                        name: vm.name.text.clone(),
                        detail: String::new(),
                        first: first.name.span,
                        second: vm.name.span,
                    });
                    continue;
                }
                vm_index.insert(&vm.name.text, here);
                let item = vm.item.as_deref().unwrap_or(&vm.name.text);
                if let Some(first) = item_index.get(item) {
                    let first = &groups[first.group].vms[first.vm];
                    self.diags.push(Diagnostic::DuplicateVm {
                        name: vm.name.text.clone(),
                        detail: format!(
                            ": `{}` and `{}` both name replicated item `{item}`",
                            first.name.text, vm.name.text
                        ),
                        first: first.name.span,
                        second: vm.name.span,
                    });
                } else {
                    item_index.insert(item, here);
                }
            }
        }

        let group_needs = groups
            .iter()
            .map(|group| {
                let mut ids = Vec::new();
                for need in &group.needs {
                    match group_index.get(need.text.as_str()) {
                        Some(&id) if !ids.iter().any(|(i, _)| *i == id) => ids.push((id, need.span)),
                        Some(_) => {}
                        None => {
                            let mut help = suggest::did_you_mean(&need.text, groups.iter().map(|g| g.name.text.as_str()));
                            if help.is_none() && vm_index.contains_key(need.text.as_str()) {
                                help = Some(format!("`{}` is a VM; a group `needs` groups, a VM's block `needs` VMs", need.text));
                            }
                            self.diags.push(Diagnostic::UnknownGroup { name: need.text.clone(), at: need.span, help });
                        }
                    }
                }
                ids
            })
            .collect();

        let vm_needs = groups
            .iter()
            .map(|group| {
                group
                    .vms
                    .iter()
                    .map(|vm| {
                        let mut refs = Vec::new();
                        for need in &vm.needs {
                            match vm_index.get(need.text.as_str()) {
                                Some(r) if !refs.iter().any(|(x, _)| x == r) => {
                                    refs.push((*r, need.span))
                                }
                                Some(_) => {}
                                None => {
                                    let mut help = suggest::did_you_mean(
                                        &need.text,
                                        vm_index
                                            .keys()
                                            .copied()
                                            .collect::<std::collections::BTreeSet<_>>(),
                                    );
                                    if help.is_none()
                                        && group_index.contains_key(need.text.as_str())
                                    {
                                        help = Some(format!(
                                            "`{}` is a group; put `needs {}` on the group instead",
                                            need.text, need.text
                                        ));
                                    }
                                    self.diags.push(Diagnostic::UnknownVm {
                                        name: need.text.clone(),
                                        at: need.span,
                                        help,
                                    });
                                }
                            }
                        }
                        refs
                    })
                    .collect()
            })
            .collect();
        (group_needs, vm_needs)
    }
}
