//! Where a machine stands in the disaster-recovery cycle, as the vault
//! reports it: a [`Machine`] in, its [`Stage`] and the drplan operations its
//! allowed operations permit out. The refusal texts of a run's preflight and
//! the headline of `drplan status` both start from these, so they agree with
//! each other and with the `ALLOWED` column of the dashboard.
//!
//! Like readiness, the stage is read from ASR's `allowedOperations` and the
//! current job, never from the free-text protection state (spec:
//! asr-model.md "Item states").

use serde::Serialize;

use super::{AsrOperation, Location, Machine};
use crate::graph::Operation;

/// A machine's place in the cycle; with [`Machine::active_location`] it says
/// everything the refusal texts and the status headline need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Protected: replicating from the active region to the other one, ready
    /// for a failover (from the primary) or a failback (from the recovery region).
    Protected,
    /// A test failover is done and waits for its cleanup.
    TestFailedOver,
    /// Failed over (or back) to the active region; waits for commit.
    FailedOver,
    /// The failover (or failback) is committed; not protected until reprotected.
    Committed,
    /// A job runs on it.
    Busy,
    /// None of the above: the vault allows no operation that moves the cycle
    /// on and names no job (an operation ASR runs on its own, such as a
    /// reprotect, may be settling).
    Unsettled,
}

impl Machine {
    /// Where the machine stands in the cycle. A job in progress wins; then
    /// the allowed operation that only one stage has.
    pub fn stage(&self) -> Stage {
        if self.current_job.is_some() {
            Stage::Busy
        } else if self.allows(AsrOperation::TestFailoverCleanup) {
            Stage::TestFailedOver
        } else if self.allows(AsrOperation::Commit) {
            Stage::FailedOver
        } else if self.allows(AsrOperation::ReverseReplicate) {
            Stage::Committed
        } else if self.allows(AsrOperation::UnplannedFailover)
            || self.allows(AsrOperation::PlannedFailover)
        {
            Stage::Protected
        } else {
            Stage::Unsettled
        }
    }

    /// drplan's operations that the vault permits now, in the order of the
    /// recovery cycle (see [`operations_allowed`]).
    pub fn operations(&self) -> Vec<Operation> {
        operations_allowed(&self.allowed, self.active_location)
    }
}

/// drplan's operations that ASR's `allowed` permits on a machine active at
/// `at`, deduplicated, in the order of the recovery cycle
/// ([`Operation::ALL`]). A failover from the recovery side is a failback;
/// `ChangePit` and `DisableProtection` have no drplan operation, and
/// `configure` is left out: ASR lists no operation for an update (it is
/// ready exactly where `failover` is listed).
pub fn operations_allowed(allowed: &[AsrOperation], at: Location) -> Vec<Operation> {
    let mapped: Vec<Operation> = allowed
        .iter()
        .filter_map(|op| match op {
            AsrOperation::UnplannedFailover | AsrOperation::PlannedFailover => Some(match at {
                Location::Primary => Operation::Failover,
                Location::Recovery => Operation::Failback,
            }),
            AsrOperation::TestFailover => Some(Operation::TestFailover),
            AsrOperation::TestFailoverCleanup => Some(Operation::TestCleanup),
            AsrOperation::Commit => Some(Operation::Commit),
            AsrOperation::ReverseReplicate => Some(Operation::Reprotect),
            AsrOperation::ChangePit | AsrOperation::DisableProtection => None,
        })
        .collect();
    Operation::ALL
        .into_iter()
        .filter(|op| mapped.contains(op))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_operations_map_asr_states_to_drplan_names() {
        use AsrOperation as A;
        use Location::{Primary, Recovery};
        use Operation as O;
        let cases: [(&[A], Location, &[O]); 7] = [
            (
                &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
                Primary,
                &[O::Failover, O::TestFailover],
            ),
            (&[A::TestFailoverCleanup], Primary, &[O::TestCleanup]),
            (
                &[A::Commit, A::ChangePit, A::DisableProtection],
                Recovery,
                &[O::Commit],
            ),
            (
                &[A::ReverseReplicate, A::DisableProtection],
                Recovery,
                &[O::Reprotect],
            ),
            (&[], Recovery, &[]),
            (
                &[A::TestFailover, A::UnplannedFailover, A::DisableProtection],
                Recovery,
                &[O::Failback, O::TestFailover],
            ),
            // Non-A2A: planned and unplanned are both `failover`, listed once.
            (
                &[A::PlannedFailover, A::UnplannedFailover],
                Primary,
                &[O::Failover],
            ),
        ];
        for (asr, at, want) in cases {
            assert_eq!(operations_allowed(asr, at), want, "{asr:?} at {at:?}");
        }
    }

    #[test]
    fn the_stage_comes_from_the_allowed_operations_and_the_job() {
        use AsrOperation as A;
        let machine = |allowed: &[A], job: Option<&str>| Machine {
            vm: "vm".into(),
            item: "vm".into(),
            // The free text says nothing to the stage.
            protection_state: "Protected".into(),
            active_location: Location::Recovery,
            replicating_from: None,
            allowed: allowed.to_vec(),
            health: super::super::Health::Healthy,
            issues: Vec::new(),
            rpo_s: None,
            last_test_failover: None,
            current_job: job.map(|j| super::super::JobId(j.into())),
            target: crate::target::TargetSettings::default(),
            source_vm: None,
            consistency_group: None,
        };
        let cases: [(&[A], Option<&str>, Stage); 8] = [
            (
                &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
                None,
                Stage::Protected,
            ),
            (&[A::PlannedFailover], None, Stage::Protected),
            (&[A::TestFailoverCleanup], None, Stage::TestFailedOver),
            (&[A::Commit, A::ChangePit], None, Stage::FailedOver),
            (&[A::ReverseReplicate], None, Stage::Committed),
            (&[], Some("j-1"), Stage::Busy),
            (&[], None, Stage::Unsettled),
            (
                &[A::TestFailover, A::DisableProtection],
                None,
                Stage::Unsettled,
            ),
        ];
        for (allowed, job, want) in cases {
            assert_eq!(machine(allowed, job).stage(), want, "{allowed:?} {job:?}");
        }
    }
}
