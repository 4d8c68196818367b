//! What part of a plan a run acts on (`run --group`, `run --vm`): the
//! groups whose hooks run, and, with `--vm`, the VMs whose steps run. The
//! VM dependencies of the whole plan go in; those of the selected VMs come
//! out, with a dependency through a VM left out kept as a direct one, so a
//! subset runs in the order the whole plan would.

use crate::plan::{GroupId, Plan, VmRef};

/// The part of a plan a graph is built for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Only {
    /// The groups that contribute steps (`None`: all). The others keep
    /// their place in the order.
    pub groups: Option<Vec<GroupId>>,
    /// The VMs that contribute steps (`None`: every VM of those groups).
    pub vms: Option<Vec<VmRef>>,
}

impl Only {
    /// Every group and VM.
    pub fn all() -> Only {
        Only::default()
    }

    /// `--group` and `--vm`, resolved: the named groups whole, and the named
    /// VMs with their groups' hooks. With no VM named, `vms` stays `None`.
    pub fn of(plan: &Plan, groups: &[GroupId], vms: &[VmRef]) -> Only {
        if vms.is_empty() {
            return Only {
                groups: (!groups.is_empty()).then(|| groups.to_vec()),
                vms: None,
            };
        }
        let mut all_groups: Vec<GroupId> = groups.to_vec();
        all_groups.extend(vms.iter().map(|v| v.group));
        all_groups.sort_unstable();
        all_groups.dedup();
        let mut all_vms: Vec<VmRef> = groups
            .iter()
            .filter_map(|&g| plan.groups.get(g).map(|group| (g, group.vms.len())))
            .flat_map(|(g, n)| (0..n).map(move |vm| VmRef { group: g, vm }))
            .chain(vms.iter().copied())
            .collect();
        all_vms.sort_unstable();
        all_vms.dedup();
        Only {
            groups: Some(all_groups),
            vms: Some(all_vms),
        }
    }

    /// `--group` and `--vm` names resolved in `plan`, or the first name
    /// the plan does not have.
    pub fn named(plan: &Plan, groups: &[String], vms: &[String]) -> Result<Only, UnknownName> {
        let unknown = |kind: &'static str, name: &str, known: Vec<&str>| UnknownName {
            plan: plan.name.clone(),
            kind,
            name: name.to_owned(),
            hint: crate::suggest::did_you_mean(name, known)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default(),
        };
        let mut group_ids = Vec::with_capacity(groups.len());
        for name in groups {
            match plan.groups.iter().position(|g| &g.name == name) {
                Some(id) => group_ids.push(id),
                None => {
                    return Err(unknown(
                        "group",
                        name,
                        plan.groups.iter().map(|g| g.name.as_str()).collect(),
                    ));
                }
            }
        }
        let mut vm_refs = Vec::with_capacity(vms.len());
        for name in vms {
            let found = plan.groups.iter().enumerate().find_map(|(g, group)| {
                group
                    .vms
                    .iter()
                    .position(|vm| &vm.name == name)
                    .map(|vm| VmRef { group: g, vm })
            });
            match found {
                Some(at) => vm_refs.push(at),
                None => {
                    return Err(unknown(
                        "VM",
                        name,
                        plan.groups
                            .iter()
                            .flat_map(|g| g.vms.iter().map(|vm| vm.name.as_str()))
                            .collect(),
                    ));
                }
            }
        }
        Ok(Only::of(plan, &group_ids, &vm_refs))
    }

    /// Whether group `g` contributes steps.
    pub fn has_group(&self, g: GroupId) -> bool {
        self.groups.as_ref().is_none_or(|o| o.contains(&g))
    }

    /// Whether the VM contributes a step.
    pub fn has_vm(&self, at: VmRef) -> bool {
        self.has_group(at.group)
            && self
                .vms
                .as_ref()
                .is_none_or(|o| o.binary_search(&at).is_ok())
    }
}

/// A `--group` or `--vm` name the plan does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plan `{plan}` has no {kind} `{name}`{hint}")]
pub struct UnknownName {
    /// The plan's name.
    pub plan: String,
    /// `group` or `VM`.
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// ` (did you mean …)`, or empty.
    pub hint: String,
}

/// `deps[g][v]` (the VMs that go before VM `v` of group `g`) narrowed to the
/// VMs `only` keeps: a VM left out passes its own dependencies on, so that
/// `a` after `b` after `c` with `b` left out still runs `a` after `c`.
pub(super) fn narrow(deps: Vec<Vec<Vec<VmRef>>>, only: &Only) -> Vec<Vec<Vec<VmRef>>> {
    if only.vms.is_none() {
        return deps;
    }
    let mut out: Vec<Vec<Vec<VmRef>>> = deps
        .iter()
        .map(|group| vec![Vec::new(); group.len()])
        .collect();
    for (g, group) in deps.iter().enumerate() {
        for v in 0..group.len() {
            if !only.has_vm(VmRef { group: g, vm: v }) {
                continue;
            }
            let mut kept = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let mut todo: Vec<VmRef> = group[v].clone();
            while let Some(d) = todo.pop() {
                if !seen.insert(d) {
                    continue;
                }
                if only.has_vm(d) {
                    kept.push(d);
                } else if let Some(further) = deps.get(d.group).and_then(|x| x.get(d.vm)) {
                    todo.extend(further.iter().copied());
                }
            }
            kept.sort_unstable();
            out[g][v] = kept;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(group: GroupId, vm: usize) -> VmRef {
        VmRef { group, vm }
    }

    #[test]
    fn a_dependency_through_a_vm_left_out_is_kept() {
        // One group: vm 2 after vm 1 after vm 0.
        let deps = vec![vec![vec![], vec![at(0, 0)], vec![at(0, 1)]]];
        let only = Only {
            groups: Some(vec![0]),
            vms: Some(vec![at(0, 0), at(0, 2)]),
        };
        let narrowed = narrow(deps, &only);
        assert_eq!(narrowed[0][2], vec![at(0, 0)]);
        assert!(narrowed[0][1].is_empty(), "a VM left out waits for nothing");
    }

    #[test]
    fn without_vms_the_dependencies_are_unchanged() {
        let deps = vec![vec![vec![], vec![at(0, 0)]]];
        assert_eq!(narrow(deps.clone(), &Only::all()), deps);
    }
}
