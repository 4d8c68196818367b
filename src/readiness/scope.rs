//! Which checks an operation calls for, and where: an [`Operation`] in; a
//! [`Scope`] out, and with the plan and a VM's group, the region the VM is
//! created in ([`Scope::region_of`]). Failover and test failover create VMs
//! in the group's recovery region (test failover in the plan's test network,
//! with the `test_subnet`/`test_ip` settings); failback creates them in the
//! group's primary region, where the plan's `target` blocks (which describe
//! the recovery region) do not apply, so only capacity is checked there;
//! `configure` needs the resources it points the vault at to exist. Commit,
//! reprotect and test cleanup create nothing: only each machine's state
//! counts.

use crate::graph::Operation;
use crate::plan::{GroupId, Plan};
use crate::provider::Location;

/// The checks of one operation.
// One switch per kind of check, set from a table by operation.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub(super) struct Scope {
    /// The operation.
    pub(super) operation: Operation,
    /// Which of a group's regions VMs are created in, for quota, sizes and
    /// reservations: each group may have its own pair.
    pub(super) creates_in: Option<Location>,
    /// Whether VMs come up in the test network.
    pub(super) test: bool,
    /// Health, configuration issues and RPO.
    pub(super) replication: bool,
    /// Target references and static IPs.
    pub(super) references: bool,
    /// The vault's settings against the plan's.
    pub(super) drift: bool,
    /// Application VMs missing from the plan.
    pub(super) coverage: bool,
    /// Drills older than `objectives.drill`.
    pub(super) drill: bool,
}

impl Scope {
    /// The checks `operation` calls for.
    pub(super) fn of(operation: Operation) -> Scope {
        let recovery = Some(Location::Recovery);
        let primary = Some(Location::Primary);
        let none = Scope {
            operation,
            creates_in: None,
            test: false,
            replication: false,
            references: false,
            drift: false,
            coverage: false,
            drill: false,
        };
        match operation {
            Operation::Failover => Scope {
                creates_in: recovery,
                replication: true,
                references: true,
                drift: true,
                coverage: true,
                drill: true,
                ..none
            },
            Operation::TestFailover => Scope {
                creates_in: recovery,
                test: true,
                replication: true,
                references: true,
                drift: true,
                coverage: true,
                ..none
            },
            Operation::Failback => Scope {
                creates_in: primary,
                replication: true,
                ..none
            },
            Operation::Configure => Scope {
                references: true,
                ..none
            },
            Operation::Commit | Operation::Reprotect | Operation::TestCleanup => none,
        }
    }

    /// The region (normalized) the VMs of `group` are created in, if the
    /// operation creates any: that group's own, else the plan's.
    pub(super) fn region_of(&self, plan: &Plan, group: GroupId) -> Option<String> {
        let (primary, recovery) = plan.regions_of(group);
        let region = match self.creates_in? {
            Location::Primary => primary,
            Location::Recovery => recovery,
        };
        Some(crate::regions::normalize(region))
    }
}
