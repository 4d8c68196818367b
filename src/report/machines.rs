//! The machines' states before and after a run, side by side per VM, and
//! one machine's state in words, for the report's tables.

use std::collections::HashMap;

use super::model::Machines;
use crate::journal::MachineSeen;

/// One machine's states before and after, for the tables.
#[derive(Debug, Clone, Copy)]
pub struct MachineSeenPair<'a> {
    /// The plan VM.
    pub vm: &'a str,
    /// Its group.
    pub group: &'a str,
    /// At preflight.
    pub before: Option<&'a MachineSeen>,
    /// After the last step.
    pub after: Option<&'a MachineSeen>,
}

impl Machines {
    /// Each VM's states side by side: the `before` order, then VMs only
    /// `after` names.
    pub fn pairs(&self) -> Vec<MachineSeenPair<'_>> {
        let before = self.before.as_deref().unwrap_or_default();
        let after = self.after.as_deref().unwrap_or_default();
        let by_vm: HashMap<&str, &MachineSeen> = after.iter().map(|m| (m.vm.as_str(), m)).collect();
        let mut pairs: Vec<MachineSeenPair<'_>> = before
            .iter()
            .map(|b| MachineSeenPair {
                vm: &b.vm,
                group: &b.group,
                before: Some(b),
                after: by_vm.get(b.vm.as_str()).copied(),
            })
            .collect();
        let known: std::collections::HashSet<&str> = before.iter().map(|m| m.vm.as_str()).collect();
        pairs.extend(
            after
                .iter()
                .filter(|a| !known.contains(a.vm.as_str()))
                .map(|a| MachineSeenPair {
                    vm: &a.vm,
                    group: &a.group,
                    before: None,
                    after: Some(a),
                }),
        );
        pairs
    }
}

/// `Protected, active in recovery, healthy`.
pub fn describe_machine(m: &MachineSeen) -> String {
    let active = match m.active {
        crate::provider::Location::Primary => "primary",
        crate::provider::Location::Recovery => "recovery",
    };
    let health = match m.health {
        crate::provider::Health::Healthy => "healthy",
        crate::provider::Health::Warning => "warning",
        crate::provider::Health::Critical => "critical",
    };
    format!("{}, active in {active}, {health}", m.state)
}
