//! What ASR calls its jobs and their tasks, and how long they typically
//! take (an operation, a VM's name and its estimate in; names, tasks with
//! their shares, and durations scaled to the simulator's speed out): the
//! simulator's choices, kept in one place so they are easy to revise.

use std::time::Duration;

use crate::graph::Operation;

use super::jobs::fnv1a;

/// ASR's display name (`friendlyName`) of a job of `operation`.
pub fn job_name(operation: Operation) -> &'static str {
    // A failback is an unplanned failover in the other direction: ASR names
    // its job the same.
    match operation {
        Operation::Failover | Operation::Failback => "Failover",
        Operation::Commit => "Commit",
        Operation::Reprotect => "Reprotect",
        Operation::TestFailover => "Test failover",
        Operation::TestCleanup => "Test failover cleanup",
        Operation::Configure => "Update replicated item",
    }
}

/// ASR's `scenarioName` of a job of `operation` (as in the API examples).
pub fn scenario_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Failover | Operation::Failback => "UnplannedFailover",
        Operation::Commit => "CommitFailover",
        Operation::Reprotect => "ReverseReplication",
        Operation::TestFailover => "TestFailover",
        Operation::TestCleanup => "TestFailoverCleanup",
        Operation::Configure => "UpdateReplicationProtectedItem",
    }
}

/// A job's tasks and their share of its duration, in percent (sums to 100).
pub(super) fn tasks(operation: Operation, shutdown_source: bool) -> &'static [(&'static str, u64)] {
    match operation {
        Operation::Failover | Operation::Failback if shutdown_source => &[
            ("Prerequisites check for failover", 5),
            ("Shut down the source virtual machine", 15),
            ("Starting failover", 55),
            ("Start the replica virtual machine", 25),
        ],
        Operation::Failover | Operation::Failback => &[
            ("Prerequisites check for failover", 5),
            ("Starting failover", 65),
            ("Start the replica virtual machine", 30),
        ],
        Operation::Commit => &[
            ("Prerequisites check for commit", 20),
            ("Committing the failover", 80),
        ],
        Operation::Reprotect => &[
            ("Prerequisites check for reprotect", 2),
            ("Identifying the replication target", 3),
            ("Preparing the target", 10),
            ("Enabling replication", 15),
            ("Starting initial replication", 70),
        ],
        Operation::TestFailover => &[
            ("Prerequisites check for test failover", 5),
            ("Create test virtual machine", 55),
            ("Preparing the virtual machine", 15),
            ("Start the virtual machine", 25),
        ],
        Operation::TestCleanup => &[
            ("Prerequisites check for test failover cleanup", 10),
            ("Delete the test virtual machine", 80),
            ("Complete the test failover", 10),
        ],
        Operation::Configure => &[
            ("Prerequisites check for the update", 20),
            ("Updating the replication settings", 80),
        ],
    }
}

/// How long a job of `operation` takes in Azure. `estimate` is the VM's plan
/// estimate, which failovers use as they are.
pub(crate) fn nominal_duration(operation: Operation, vm: &str, estimate: Duration) -> Duration {
    match operation {
        Operation::Failover | Operation::Failback | Operation::TestFailover => estimate,
        Operation::Commit | Operation::Configure => Duration::from_secs(45),
        Operation::TestCleanup => Duration::from_secs(3 * 60),
        // "45 minutes to 2 hours", spread by VM so a plan's reprotects do
        // not all end at once.
        Operation::Reprotect => Duration::from_secs(60 * (45 + fnv1a(vm) % 76)),
    }
}

/// The longest a job may take: a year. Keeps times far from overflow
/// whatever the speed, factor or a hand-edited state file say.
pub(crate) const MAX_JOB_MS: u64 = 365 * 24 * 3600 * 1000;

/// `nominal` × `factor` ÷ `speed`, in whole milliseconds, from 1 to
/// [`MAX_JOB_MS`].
pub(crate) fn scaled_ms(nominal: Duration, factor: f64, speed: f64) -> u64 {
    // `as` saturates (NaN gives 0), and the clamp bounds the rest.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let ms = (nominal.as_millis() as f64 * factor / speed).round() as u64;
    ms.clamp(1, MAX_JOB_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_asr_and_scale_with_speed() {
        let est = Duration::from_secs(300);
        assert_eq!(nominal_duration(Operation::Failback, "a", est), est);
        assert_eq!(
            nominal_duration(Operation::Commit, "a", est),
            Duration::from_secs(45)
        );
        for vm in ["a", "db-01", "web-02", "x"] {
            let r = nominal_duration(Operation::Reprotect, vm, est);
            assert!(r >= Duration::from_secs(45 * 60) && r <= Duration::from_secs(120 * 60));
            assert_eq!(r, nominal_duration(Operation::Reprotect, vm, est));
        }
        assert_eq!(scaled_ms(est, 1.0, 300.0), 1_000);
        assert_eq!(scaled_ms(est, 3.0, 300.0), 3_000);
        assert_eq!(scaled_ms(est, 1.0, 1e12), 1);
        assert_eq!(scaled_ms(est, 1.0, 0.0), MAX_JOB_MS);
        assert_eq!(scaled_ms(est, 1e300, 1e-300), MAX_JOB_MS);
    }
}
