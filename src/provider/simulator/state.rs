//! The protection state machine of one simulated Azure-to-Azure item (spec:
//! asr-model.md "Item states"): a settled [`ItemState`] and the operation
//! running on it, if any, in; ASR's `protectionState`, `allowedOperations`,
//! replication direction and the state after a job out. Pure functions, so the
//! table is tested here exhaustively and the rest of the simulator only
//! stores states and applies [`after_success`].
//!
//! Invariant: a failed job leaves the item in the state it started from.

use serde::{Deserialize, Serialize};

use crate::graph::Operation;
use crate::provider::{AsrOperation, Location};

/// Where an item is in the disaster-recovery cycle, between jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Stage {
    /// Protected: replicating from the active side to the other one.
    Replicating,
    /// A test failover is done and waits for its cleanup.
    TestFailedOver,
    /// Failed over to the active side, not committed yet.
    FailedOver,
    /// Failover committed; not protected until reprotected.
    Committed,
}

/// A settled item: its stage and the side it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ItemState {
    /// Where it is in the cycle.
    pub(crate) stage: Stage,
    /// Where it runs.
    pub(crate) active: Location,
}

impl ItemState {
    /// A freshly protected item: healthy, replicating primary to recovery.
    pub(crate) const FRESH: ItemState = ItemState {
        stage: Stage::Replicating,
        active: Location::Primary,
    };
}

/// ASR's `protectionState` for display.
pub(crate) fn protection_state(state: ItemState, running: Option<Operation>) -> &'static str {
    // spec: asr-model.md marks `ReprotectInProgress` as inferred; other jobs
    // keep the state they started from, as the public examples show.
    if running == Some(Operation::Reprotect) {
        return "ReprotectInProgress";
    }
    match state.stage {
        Stage::Replicating | Stage::TestFailedOver => "Protected",
        Stage::FailedOver => "UnplannedFailoverCommitPendingStatesBegin",
        Stage::Committed => "UnplannedFailoverCommitted",
    }
}

/// ASR's `testFailoverState`, when a test failover is pending cleanup.
pub(crate) fn test_failover_state(state: ItemState) -> Option<&'static str> {
    (state.stage == Stage::TestFailedOver).then_some("WaitingForCompletion")
}

/// ASR's `allowedOperations`: none while a job runs (Azure-to-Azure, so never
/// `PlannedFailover`).
pub(crate) fn allowed(state: ItemState, running: Option<Operation>) -> Vec<AsrOperation> {
    if running.is_some() {
        return Vec::new();
    }
    match state.stage {
        Stage::Replicating => vec![
            AsrOperation::UnplannedFailover,
            AsrOperation::TestFailover,
            AsrOperation::DisableProtection,
        ],
        Stage::TestFailedOver => vec![AsrOperation::TestFailoverCleanup],
        Stage::FailedOver => vec![
            AsrOperation::Commit,
            AsrOperation::ChangePit,
            AsrOperation::DisableProtection,
        ],
        Stage::Committed => vec![
            AsrOperation::ReverseReplicate,
            AsrOperation::DisableProtection,
        ],
    }
}

/// The side replication copies from, when the item is protected.
pub(crate) fn replicating_from(state: ItemState) -> Option<Location> {
    match state.stage {
        Stage::Replicating | Stage::TestFailedOver => Some(state.active),
        Stage::FailedOver | Stage::Committed => None,
    }
}

/// The ASR operation a drplan operation needs in `allowedOperations`.
pub(crate) fn needs(operation: Operation) -> AsrOperation {
    crate::provider::requirement(operation).0
}

/// Whether `operation` may start now; `Err` says why not, naming the state
/// and the allowed operations.
pub(crate) fn check(state: ItemState, operation: Operation) -> Result<(), String> {
    let allowed = allowed(state, None);
    let describe = || {
        let names: Vec<&str> = allowed.iter().map(|op| op.as_str()).collect();
        format!(
            "protection state {}{}, active in the {} region; allowed operations: {}",
            protection_state(state, None),
            test_failover_state(state)
                .map(|t| format!(" (test failover {t})"))
                .unwrap_or_default(),
            location_name(state.active),
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )
    };
    // Failover and failback are both ASR's unplanned failover: the direction
    // is what tells them apart.
    let wrong_side = crate::provider::requirement(operation)
        .1
        .is_some_and(|side| side != state.active);
    if wrong_side {
        return Err(format!(
            "it already runs in the {} region; {}",
            location_name(state.active),
            describe()
        ));
    }
    if allowed.contains(&needs(operation)) {
        Ok(())
    } else {
        Err(format!("it needs {}; {}", needs(operation), describe()))
    }
}

/// The state after `operation` succeeded on an item in `state`. Only called
/// for operations [`check`] accepted.
pub(crate) fn after_success(before: ItemState, operation: Operation) -> ItemState {
    match operation {
        Operation::Failover | Operation::Failback => ItemState {
            stage: Stage::FailedOver,
            active: before.active.other(),
        },
        Operation::Commit => ItemState {
            stage: Stage::Committed,
            ..before
        },
        // Reprotect reverses replication: it now copies from the active side.
        Operation::Reprotect | Operation::TestCleanup => ItemState {
            stage: Stage::Replicating,
            ..before
        },
        Operation::TestFailover => ItemState {
            stage: Stage::TestFailedOver,
            ..before
        },
        // Settings change; where the item is in the cycle does not.
        Operation::Configure => before,
    }
}

/// `primary` or `recovery`, for messages.
pub(crate) fn location_name(location: Location) -> &'static str {
    match location {
        Location::Primary => "primary",
        Location::Recovery => "recovery",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AsrOperation as A;

    const STAGES: [Stage; 4] = [
        Stage::Replicating,
        Stage::TestFailedOver,
        Stage::FailedOver,
        Stage::Committed,
    ];

    fn st(stage: Stage, active: Location) -> ItemState {
        ItemState { stage, active }
    }

    #[test]
    fn every_settled_state_matches_the_spec_table() {
        use Location::{Primary, Recovery};
        let table: [(ItemState, &str, Option<Location>, &[AsrOperation]); 8] = [
            (
                st(Stage::Replicating, Primary),
                "Protected",
                Some(Primary),
                &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
            ),
            (
                st(Stage::Replicating, Recovery),
                "Protected",
                Some(Recovery),
                &[A::UnplannedFailover, A::TestFailover, A::DisableProtection],
            ),
            (
                st(Stage::TestFailedOver, Primary),
                "Protected",
                Some(Primary),
                &[A::TestFailoverCleanup],
            ),
            (
                st(Stage::TestFailedOver, Recovery),
                "Protected",
                Some(Recovery),
                &[A::TestFailoverCleanup],
            ),
            (
                st(Stage::FailedOver, Recovery),
                "UnplannedFailoverCommitPendingStatesBegin",
                None,
                &[A::Commit, A::ChangePit, A::DisableProtection],
            ),
            (
                st(Stage::FailedOver, Primary),
                "UnplannedFailoverCommitPendingStatesBegin",
                None,
                &[A::Commit, A::ChangePit, A::DisableProtection],
            ),
            (
                st(Stage::Committed, Recovery),
                "UnplannedFailoverCommitted",
                None,
                &[A::ReverseReplicate, A::DisableProtection],
            ),
            (
                st(Stage::Committed, Primary),
                "UnplannedFailoverCommitted",
                None,
                &[A::ReverseReplicate, A::DisableProtection],
            ),
        ];
        for (state, protection, from, ops) in table {
            assert_eq!(protection_state(state, None), protection, "{state:?}");
            assert_eq!(replicating_from(state), from, "{state:?}");
            assert_eq!(allowed(state, None), ops, "{state:?}");
            assert!(!allowed(state, None).contains(&A::PlannedFailover));
        }
        assert_eq!(
            test_failover_state(st(Stage::TestFailedOver, Primary)),
            Some("WaitingForCompletion")
        );
        assert_eq!(test_failover_state(ItemState::FRESH), None);
    }

    #[test]
    fn nothing_is_allowed_while_a_job_runs() {
        for stage in STAGES {
            for active in [Location::Primary, Location::Recovery] {
                for op in Operation::ALL {
                    assert!(allowed(st(stage, active), Some(op)).is_empty());
                }
            }
        }
        let committed = st(Stage::Committed, Location::Recovery);
        assert_eq!(
            protection_state(committed, Some(Operation::Reprotect)),
            "ReprotectInProgress"
        );
    }

    #[test]
    fn check_accepts_exactly_the_table_and_names_the_state_when_refusing() {
        for stage in STAGES {
            for active in [Location::Primary, Location::Recovery] {
                let state = st(stage, active);
                for op in Operation::ALL {
                    let expected = match op {
                        Operation::Failover | Operation::Configure => {
                            stage == Stage::Replicating && active == Location::Primary
                        }
                        Operation::Failback => {
                            stage == Stage::Replicating && active == Location::Recovery
                        }
                        Operation::TestFailover => stage == Stage::Replicating,
                        Operation::TestCleanup => stage == Stage::TestFailedOver,
                        Operation::Commit => stage == Stage::FailedOver,
                        Operation::Reprotect => stage == Stage::Committed,
                    };
                    let got = check(state, op);
                    assert_eq!(got.is_ok(), expected, "{op} in {state:?}: {got:?}");
                    if let Err(reason) = got {
                        assert!(reason.contains(protection_state(state, None)), "{reason}");
                        assert!(reason.contains("allowed operations"), "{reason}");
                    }
                }
            }
        }
        let reason = check(
            st(Stage::Replicating, Location::Recovery),
            Operation::Failover,
        )
        .unwrap_err();
        assert!(
            reason.contains("already runs in the recovery region"),
            "{reason}"
        );
    }

    #[test]
    fn the_full_cycle_returns_to_the_start() {
        let mut state = ItemState::FRESH;
        let steps = [
            (Operation::Failover, Stage::FailedOver, Location::Recovery),
            (Operation::Commit, Stage::Committed, Location::Recovery),
            (Operation::Reprotect, Stage::Replicating, Location::Recovery),
            (Operation::Failback, Stage::FailedOver, Location::Primary),
            (Operation::Commit, Stage::Committed, Location::Primary),
            (Operation::Reprotect, Stage::Replicating, Location::Primary),
        ];
        for (op, stage, active) in steps {
            check(state, op).unwrap();
            state = after_success(state, op);
            assert_eq!(state, st(stage, active), "after {op}");
        }
        assert_eq!(state, ItemState::FRESH);
        check(state, Operation::TestFailover).unwrap();
        state = after_success(state, Operation::TestFailover);
        assert_eq!(state, st(Stage::TestFailedOver, Location::Primary));
        state = after_success(state, Operation::TestCleanup);
        assert_eq!(state, ItemState::FRESH);
    }
}
