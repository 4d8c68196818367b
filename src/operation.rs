//! The operations drplan runs on a plan: their names, how each walks the
//! group graph, which hook phase runs with it and a VM's estimate in it.
//! Kept below `graph/`, `provider/` and `exec/` so each names the same type.

use std::fmt;
use std::str::FromStr;

use crate::duration::Duration;
use crate::plan::{FailbackOrder, Phase, Plan, Vm, estimates};

/// A VM's power-off where it runs, ahead of a `shutdown_reversed` failback:
/// a graceful OS shutdown and a stop (the VM stays allocated) take a
/// minute or two.
pub const VM_SHUTDOWN: Duration = Duration::from_mins(2);

/// The seven operations: the six of the disaster-recovery cycle and
/// `configure`, which makes the vault's target settings match the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Primary to recovery.
    Failover,
    /// Failover commit.
    Commit,
    /// Reverse replication after a commit.
    Reprotect,
    /// Recovery back to primary.
    Failback,
    /// Test failover into the isolated network.
    TestFailover,
    /// Clean up a test failover.
    TestCleanup,
    /// Make the vault's target settings match the plan's `target` blocks.
    Configure,
}

/// How an operation walks the group graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `needs` first.
    Forward,
    /// Dependents first.
    Reversed,
    /// No order: every VM at once, bounded by parallelism.
    Unordered,
}

impl Operation {
    /// All seven: the cycle's six in their order, then `configure`.
    pub const ALL: [Operation; 7] = [
        Operation::Failover,
        Operation::Commit,
        Operation::Reprotect,
        Operation::Failback,
        Operation::TestFailover,
        Operation::TestCleanup,
        Operation::Configure,
    ];

    /// The CLI's name: `test-failover`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Failover => "failover",
            Operation::Commit => "commit",
            Operation::Reprotect => "reprotect",
            Operation::Failback => "failback",
            Operation::TestFailover => "test-failover",
            Operation::TestCleanup => "test-cleanup",
            Operation::Configure => "configure",
        }
    }

    /// How it walks the graph (spec: language.md "Groups and order").
    pub fn order(self) -> Order {
        match self {
            Operation::Failover | Operation::TestFailover => Order::Forward,
            Operation::Failback | Operation::TestCleanup => Order::Reversed,
            Operation::Commit | Operation::Reprotect | Operation::Configure => Order::Unordered,
        }
    }

    /// The hook phase that runs with it; only `configure`, which changes
    /// settings rather than where VMs run, has none.
    pub fn phase(self) -> Option<Phase> {
        match self {
            Operation::Failover => Some(Phase::Failover),
            Operation::Commit => Some(Phase::Commit),
            Operation::Reprotect => Some(Phase::Reprotect),
            Operation::Failback => Some(Phase::Failback),
            Operation::TestFailover => Some(Phase::Test),
            Operation::TestCleanup => Some(Phase::TestCleanup),
            Operation::Configure => None,
        }
    }

    /// A VM's estimate in this operation: its own (or the plan's default) for
    /// the failovers, ASR's typical time for the others.
    pub fn vm_estimate(self, vm: &Vm) -> Duration {
        match self {
            Operation::Failover | Operation::Failback | Operation::TestFailover => vm.estimate,
            Operation::Commit => estimates::VM_COMMIT,
            Operation::Reprotect => estimates::VM_REPROTECT,
            Operation::TestCleanup => estimates::VM_TEST_CLEANUP,
            Operation::Configure => estimates::VM_CONFIGURE,
        }
    }

    /// Whether this operation on `plan` shuts every VM down first: a
    /// failback of a plan with `failback { order shutdown_reversed }`.
    pub fn shuts_down_first(self, plan: &Plan) -> bool {
        self == Operation::Failback && plan.failback_order == FailbackOrder::ShutdownReversed
    }

    /// The order the operation's VM steps walk the groups in on `plan`: a
    /// `shutdown_reversed` failback brings VMs back in the failover's order
    /// (its shutdowns, before them, walk it reversed).
    pub fn order_in(self, plan: &Plan) -> Order {
        if self.shuts_down_first(plan) {
            Order::Forward
        } else {
            self.order()
        }
    }

    /// Whether the plan's RTO applies to its estimate.
    pub fn has_rto(self) -> bool {
        matches!(
            self,
            Operation::Failover | Operation::Failback | Operation::TestFailover
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Operation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or_else(|| {
                let hint = crate::suggest::did_you_mean(s, Operation::ALL.map(Operation::as_str))
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                format!(
                    "unknown operation `{s}`{hint}; expected one of failover, commit, reprotect, failback, test-failover, test-cleanup, configure"
                )
            })
    }
}

impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
