//! Which checks an operation calls for, and where: an [`Operation`] and the
//! plan in; a [`Scope`] out. Failover and test failover create VMs in the
//! recovery region (test failover in the plan's test network, with the
//! `test_subnet`/`test_ip` settings); failback creates them in the primary
//! region, where the plan's `target` blocks (which describe the recovery
//! region) do not apply, so only capacity is checked there; `configure`
//! needs the resources it points the vault at to exist. Commit, reprotect
//! and test cleanup create nothing: only each machine's state counts.

use crate::graph::Operation;
use crate::plan::Plan;

/// The checks of one operation.
// One switch per kind of check, set from a table by operation.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub(super) struct Scope {
    /// The operation.
    pub(super) operation: Operation,
    /// The region VMs are created in, for quota, sizes and reservations.
    pub(super) region: Option<String>,
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
    pub(super) fn of(operation: Operation, plan: &Plan) -> Scope {
        let recovery = Some(crate::regions::normalize(&plan.recovery));
        let primary = Some(crate::regions::normalize(&plan.primary));
        let none = Scope {
            operation,
            region: None,
            test: false,
            replication: false,
            references: false,
            drift: false,
            coverage: false,
            drill: false,
        };
        match operation {
            Operation::Failover => Scope {
                region: recovery,
                replication: true,
                references: true,
                drift: true,
                coverage: true,
                drill: true,
                ..none
            },
            Operation::TestFailover => Scope {
                region: recovery,
                test: true,
                replication: true,
                references: true,
                drift: true,
                coverage: true,
                ..none
            },
            Operation::Failback => Scope {
                region: primary,
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
}
