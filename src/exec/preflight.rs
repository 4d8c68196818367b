//! Machine state × operation to readiness: whether each machine allows the
//! operation now, and if not, why, in words an operator can act on. The run
//! refuses (exit 3) before acting when any machine is not ready, rather than
//! failing half-way. The same rules tell a resumed run whether an operation
//! that was in flight has already taken effect.

use crate::graph::Operation;
use crate::provider::{AsrOperation, Location, Machine, requirement};

/// `Ok` when `machine` allows `op` now; else why not.
pub fn ready(op: Operation, machine: &Machine) -> Result<(), String> {
    let (needed, side) = requirement(op);
    if let Some(job) = &machine.current_job {
        return Err(format!(
            "job {job} is in progress on it; wait for it (`drplan jobs`) and try again"
        ));
    }
    if machine.allows(needed) && side.is_none_or(|s| s == machine.active_location) {
        return Ok(());
    }
    let active = match machine.active_location {
        Location::Primary => "primary",
        Location::Recovery => "recovery",
    };
    let hint = match op {
        Operation::Failover if machine.active_location == Location::Recovery => {
            "it already runs in the recovery region; commit and reprotect it, or fail it back"
                .to_string()
        }
        Operation::Failback if machine.active_location == Location::Primary => {
            "it runs in the primary region; there is nothing to fail back".to_string()
        }
        Operation::Failover | Operation::Failback | Operation::TestFailover
            if machine.allows(AsrOperation::TestFailoverCleanup) =>
        {
            "a test failover waits for cleanup; run `test-cleanup` first".to_string()
        }
        Operation::Failover | Operation::Failback if machine.allows(AsrOperation::Commit) => {
            "it is failed over and waits for `commit`".to_string()
        }
        Operation::Failover | Operation::Failback | Operation::TestFailover
            if machine.allows(AsrOperation::ReverseReplicate) =>
        {
            "it is not protected since its failover was committed; run `reprotect` first"
                .to_string()
        }
        Operation::Commit => "it has no failover waiting for commit".to_string(),
        Operation::Reprotect => "reprotect follows a committed failover".to_string(),
        Operation::TestCleanup => "it has no test failover to clean up".to_string(),
        _ => format!("it needs `{needed}` to be allowed"),
    };
    let allowed = machine.allowed_text();
    Err(format!(
        "{hint} (state {}, active in the {active} region, allowed operations: {allowed})",
        machine.protection_state
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(active: Location, from: Option<Location>, allowed: &[AsrOperation]) -> Machine {
        Machine {
            vm: "vm".into(),
            item: "vm".into(),
            protection_state: "Protected".into(),
            active_location: active,
            replicating_from: from,
            allowed: allowed.to_vec(),
            health: crate::provider::Health::Healthy,
            issues: Vec::new(),
            rpo_s: None,
            last_test_failover: None,
            current_job: None,
            target: crate::target::TargetSettings::default(),
            source_vm: None,
        }
    }

    #[test]
    fn failover_needs_the_primary_side_and_failback_the_recovery_side() {
        use AsrOperation::*;
        let at_primary = machine(
            Location::Primary,
            Some(Location::Primary),
            &[UnplannedFailover, TestFailover],
        );
        let at_recovery = machine(
            Location::Recovery,
            Some(Location::Recovery),
            &[UnplannedFailover, TestFailover],
        );
        assert!(ready(Operation::Failover, &at_primary).is_ok());
        assert!(ready(Operation::Failback, &at_recovery).is_ok());
        let err = ready(Operation::Failover, &at_recovery).unwrap_err();
        assert!(err.contains("already runs in the recovery region"), "{err}");
        let err = ready(Operation::Failback, &at_primary).unwrap_err();
        assert!(err.contains("nothing to fail back"), "{err}");
        assert!(done(Operation::Reprotect, &at_recovery));
        assert!(!done(Operation::Failover, &at_primary));
    }

    #[test]
    fn a_running_job_blocks_every_operation() {
        let mut m = machine(Location::Primary, Some(Location::Primary), &[]);
        m.current_job = Some(crate::provider::JobId("j-1".into()));
        let err = ready(Operation::Commit, &m).unwrap_err();
        assert!(err.contains("job j-1 is in progress"), "{err}");
        assert!(!done(Operation::Failover, &m));
    }

    #[test]
    fn reasons_name_the_state_and_allowed_operations() {
        let pending = machine(
            Location::Recovery,
            None,
            &[AsrOperation::Commit, AsrOperation::ChangePit],
        );
        assert!(ready(Operation::Commit, &pending).is_ok());
        let err = ready(Operation::Reprotect, &pending).unwrap_err();
        assert!(
            err.contains("allowed operations: Commit, ChangePit"),
            "{err}"
        );
        assert!(done(Operation::Failover, &pending));
        assert!(!done(Operation::Commit, &pending));
        let committed = machine(Location::Recovery, None, &[AsrOperation::ReverseReplicate]);
        assert!(done(Operation::Commit, &committed));
        let err = ready(Operation::TestFailover, &committed).unwrap_err();
        assert!(err.contains("run `reprotect` first"), "{err}");
    }
}
