//! Powering a simulated VM off before a `shutdown_reversed` failback: only
//! in the recovery region, once (a second call finds it off and does
//! nothing), and forgotten when the failback brings the VM up again.

use super::*;
use crate::provider::PowerOff;

#[tokio::test(start_paused = true)]
async fn a_vm_is_shut_down_once_in_the_recovery_region() {
    let plan = plan();
    let sim = Simulator::in_memory(&plan, Clock::test(), 1.0);
    let db = target(&plan, "db-01");
    let refused = sim.shutdown(&db).await.unwrap_err();
    assert!(
        refused.to_string().contains("runs in the primary region"),
        "{refused}"
    );
    for op in [Operation::Failover, Operation::Commit, Operation::Reprotect] {
        assert_eq!(run(&sim, &db, op).await.state, JobState::Succeeded, "{op}");
    }
    assert_eq!(sim.shutdown(&db).await.unwrap(), PowerOff::Stopped);
    assert_eq!(sim.shutdown(&db).await.unwrap(), PowerOff::AlreadyStopped);
    // The failback starts from the stopped VM and brings it up in the
    // primary region: nothing there is off.
    let failback = OperationOptions {
        shutdown_source: false,
        ..opts()
    };
    let id = sim
        .start(&db, Operation::Failback, &failback)
        .await
        .unwrap();
    let job = sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(machine(&sim, &db).await.active_location, Location::Primary);
    let inner = sim.inner.lock().unwrap();
    assert!(!inner.vault.item("db-01").unwrap().powered_off);
}
