//! Machine state × operation: whether each machine allows the operation
//! now, and if not, why, in words an operator can act on (the `state` and
//! `job_in_progress` findings). The same rules tell a resumed run whether an
//! operation that was in flight has already taken effect, and whether a job
//! running on a machine is the operation's own, to follow.

use crate::graph::Operation;
use crate::provider::{AsrOperation, Location, Machine, Provider, Stage, requirement};

/// `Ok` when `machine` allows `op` now; else why not, with what to do from
/// where it stands, then its state and ASR's allowed operations.
///
/// The advice names an operation (in backticks) only where the machine's
/// allowed operations permit it now; later steps are said in words. The plan
/// path is not known here, so the advice names the operation as `drplan run`
/// takes it ("run `commit`"), never a command line with a path.
pub fn ready(op: Operation, machine: &Machine) -> Result<(), String> {
    let advice = if let Some(job) = &machine.current_job {
        format!(
            "job {job} is in progress on it, and none of drplan's operations can start until it ends; wait for it (`drplan jobs`) and try again"
        )
    } else if allows(op, machine) {
        return Ok(());
    } else {
        match advice(op, machine.stage(), machine.active_location) {
            Advice::Run(text) => text.to_string(),
            Advice::Nothing(why) => format!("{why}; {}", ready_for(machine)),
            Advice::NotListed => format!(
                "the vault does not list {} among its allowed operations now; {}",
                requirement(op).0,
                ready_for(machine)
            ),
        }
    };
    let active = match machine.active_location {
        Location::Primary => "primary",
        Location::Recovery => "recovery",
    };
    Err(format!(
        "{advice} (state {}, active in the {active} region, allowed operations: {})",
        machine.protection_state,
        machine.allowed_text()
    ))
}

/// What to tell the operator about an operation the machine is not ready for.
enum Advice {
    /// Full advice; every operation it names in backticks is one the stage
    /// always allows (`commit` when failed over, `reprotect` when committed,
    /// `test-cleanup` when a test waits, `failback` when protected from the
    /// recovery region).
    Run(&'static str),
    /// Why `op` does not apply; what the machine is ready for follows, from
    /// its allowed operations.
    Nothing(&'static str),
    /// The stage would allow `op`, but the vault does not list what it needs.
    NotListed,
}

fn advice(op: Operation, stage: Stage, at: Location) -> Advice {
    match stage {
        Stage::Protected => when_protected(op, at),
        Stage::TestFailedOver => when_a_test_waits(op),
        Stage::FailedOver => when_failed_over(op, at),
        Stage::Committed => when_committed(op, at),
        Stage::Unsettled | Stage::Busy => Advice::Nothing(
            "the vault does not allow it now, and an operation may still be settling (see `drplan status`)",
        ),
    }
}

/// Protected in the primary region (the start of the cycle), or from the
/// recovery region after a failover and reprotect.
fn when_protected(op: Operation, at: Location) -> Advice {
    use Advice::{NotListed, Nothing, Run};
    use Location::{Primary as P, Recovery as R};
    use Operation as O;
    match (at, op) {
        (P, O::Failback) => {
            Nothing("it runs in the primary region, protected: there is nothing to fail back")
        }
        (P, O::Commit) => Nothing(
            "it runs in the primary region, protected: it has no failover waiting for commit",
        ),
        (P, O::Reprotect) => Nothing(
            "it is already protected, replicating from the primary region: reprotect follows a committed failover or failback",
        ),
        (R, O::Failover) => {
            Run("it runs in the recovery region and replicates back: fail it back (run `failback`)")
        }
        (R, O::Configure) => Run(
            "it runs in the recovery region and replicates back, and target settings are for a failover from the primary region: fail it back first (run `failback`), then commit and reprotect it",
        ),
        (R, O::Commit) => Nothing(
            "it runs in the recovery region and replicates back: it has no failover waiting for commit",
        ),
        (R, O::Reprotect) => Nothing(
            "it is already reprotected: it runs in the recovery region and replicates back to the primary region",
        ),
        (_, O::TestCleanup) => Nothing("it has no test failover to clean up"),
        (P, O::Failover | O::Configure | O::TestFailover) | (R, O::Failback | O::TestFailover) => {
            NotListed
        }
    }
}

/// A test failover waits for its cleanup, in either region.
fn when_a_test_waits(op: Operation) -> Advice {
    use Advice::{NotListed, Run};
    use Operation as O;
    match op {
        O::TestFailover => {
            Run("a test failover already waits for cleanup; run `test-cleanup` before the next one")
        }
        O::Failover | O::Failback | O::Configure => {
            Run("a test failover waits for cleanup; run `test-cleanup` first")
        }
        O::Commit => Run(
            "it has no failover waiting for commit (a test failover needs none); clean the test up: run `test-cleanup`",
        ),
        O::Reprotect => Run(
            "it is protected, and reprotect follows a committed failover; a test failover waits for cleanup: run `test-cleanup`",
        ),
        O::TestCleanup => NotListed,
    }
}

/// Failed over to the recovery region, or back to the primary, and not
/// committed.
fn when_failed_over(op: Operation, at: Location) -> Advice {
    use Advice::{NotListed, Run};
    use Location::{Primary as P, Recovery as R};
    use Operation as O;
    match (at, op) {
        (R, O::Failover) => {
            Run("it is failed over to the recovery region and waits for commit: run `commit`")
        }
        (R, O::Failback) => Run(
            "its failover waits for commit: run `commit`, then reprotect it, before failing it back",
        ),
        (R, O::Configure) => Run(
            "it is in the middle of a failover: failed over to the recovery region and waiting for commit (run `commit`); its target settings can change once it is back in the primary region and protected",
        ),
        (R, O::Reprotect) => Run("its failover is not committed yet: run `commit` first"),
        (R, O::TestFailover) => Run(
            "it is failed over and waits for commit, and a test failover needs it protected: run `commit`, then reprotect it",
        ),
        (R, O::TestCleanup) => Run(
            "it has no test failover to clean up; it is failed over to the recovery region and waits for commit: run `commit`",
        ),
        (P, O::Failover) => Run(
            "it is failed back to the primary region and waits for commit: run `commit`, then reprotect it before failing over again",
        ),
        (P, O::Failback) => Run(
            "it is already failed back to the primary region and waits for commit: run `commit`",
        ),
        (P, O::Configure) => Run(
            "it is in the middle of a failback: back in the primary region and waiting for commit (run `commit`); its target settings can change once it is reprotected",
        ),
        (P, O::Reprotect) => Run("its failback is not committed yet: run `commit` first"),
        (P, O::TestFailover) => Run(
            "it is failed back and waits for commit, and a test failover needs it protected: run `commit`, then reprotect it",
        ),
        (P, O::TestCleanup) => Run(
            "it has no test failover to clean up; it is failed back to the primary region and waits for commit: run `commit`",
        ),
        (_, O::Commit) => NotListed,
    }
}

/// The failover (in the recovery region) or the failback (in the primary) is
/// committed: not protected until reprotected.
fn when_committed(op: Operation, at: Location) -> Advice {
    use Advice::{NotListed, Run};
    use Location::{Primary as P, Recovery as R};
    use Operation as O;
    match (at, op) {
        (R, O::Failover) => Run(
            "its failover is committed; reprotect it (run `reprotect`), then fail it back when the primary region is back",
        ),
        (R, O::Failback) => Run(
            "its failover is committed and it is not protected: reprotect it first (run `reprotect`), then fail it back",
        ),
        (R, O::Commit) => {
            Run("its failover is already committed; reprotect it next: run `reprotect`")
        }
        (R, O::Configure) => Run(
            "it is in the middle of a failover: committed in the recovery region and not protected; reprotect it (run `reprotect`) and fail it back before changing its target settings",
        ),
        (R, O::TestFailover) => {
            Run("it is not protected since its failover was committed; run `reprotect` first")
        }
        (R, O::TestCleanup) => Run(
            "it has no test failover to clean up; its failover is committed: run `reprotect` next",
        ),
        (P, O::Failover) => Run(
            "its failback is committed and it is not protected: reprotect it first (run `reprotect`), then it can fail over again",
        ),
        (P, O::Failback | O::Commit) => {
            Run("its failback is already committed; reprotect it next: run `reprotect`")
        }
        (P, O::Configure | O::TestFailover) => {
            Run("it is not protected since its failback was committed; run `reprotect` first")
        }
        (P, O::TestCleanup) => Run(
            "it has no test failover to clean up; its failback is committed: run `reprotect` next",
        ),
        (_, O::Reprotect) => NotListed,
    }
}

/// "it is ready for \`failover\` and \`test-failover\`": the operations that
/// [`ready`] would accept on it now; or that it is ready for none of them.
fn ready_for(machine: &Machine) -> String {
    let names: Vec<String> = Operation::ALL
        .into_iter()
        .filter(|op| allows(*op, machine))
        .map(|op| format!("`{op}`"))
        .collect();
    match names.split_last() {
        None => "it is ready for none of drplan's operations now".to_string(),
        Some((last, [])) => format!("it is ready for {last}"),
        Some((last, rest)) => format!("it is ready for {} and {last}", rest.join(", ")),
    }
}

/// Whether ASR's allowed operations and the active region permit `op`
/// (spec: asr-model.md "Item states"); a job in progress is checked apart.
fn allows(op: Operation, machine: &Machine) -> bool {
    let (needed, side) = requirement(op);
    machine.allows(needed) && side.is_none_or(|s| s == machine.active_location)
}

/// Whether `op` has visibly taken effect on a machine that is not running a
/// job: what a resumed run concludes about an operation that was in flight
/// when the run stopped and whose job it cannot find.
pub fn done(op: Operation, machine: &Machine) -> bool {
    if machine.current_job.is_some() {
        return false;
    }
    let protected_from_active = machine.replicating_from == Some(machine.active_location);
    match op {
        Operation::Failover => machine.active_location == Location::Recovery,
        Operation::Failback => machine.active_location == Location::Primary,
        Operation::Commit => {
            !machine.allows(AsrOperation::Commit) && !machine.allows(AsrOperation::ChangePit)
        }
        Operation::Reprotect => protected_from_active,
        Operation::TestFailover => machine.allows(AsrOperation::TestFailoverCleanup),
        Operation::TestCleanup => !machine.allows(AsrOperation::TestFailoverCleanup),
        // Whether the settings match depends on the plan, not on the state:
        // a configure step reads the item and sends only what still differs,
        // so repeating it is safe.
        Operation::Configure => false,
    }
}

/// Whether the machine's job in progress is `op`'s (and so one to follow).
pub async fn running_job_of(
    provider: &dyn Provider,
    machine: &Machine,
    op: crate::graph::Operation,
) -> bool {
    let Some(id) = &machine.current_job else {
        return false;
    };
    provider.job(id).await.is_ok_and(|j| j.operation == op)
}

#[cfg(test)]
mod tests;
