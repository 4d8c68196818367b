//! The whole disaster-recovery cycle on the simulated vault, in process and
//! on paused time, through the real executor and hook runner: every
//! machine's state is checked after every operation, and each operation
//! refuses machines that are not ready for it.

use std::collections::BTreeMap;

use drplan::clock::Clock;
use drplan::exec::{self, ExecError, Run};
use drplan::graph::Operation;
use drplan::hooks::{AutoApprove, MapSecrets, RunHooks, Runner};
use drplan::journal::{RunId, RunStatus};
use drplan::plan::Plan;
use drplan::provider::simulator::Simulator;
use drplan::provider::{
    AsrOperation, JobState, Location, Machine, OperationOptions, Provider, Target,
};
use tokio_util::sync::CancellationToken;

use crate::exec::plan;
use crate::support::fake::MemorySink;

const PLAN: &str = r#"
plan cycle {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  defaults { timeout 3h }
  group db { vm db-01, db-02
    after failover, failback, test { wait 1m  manual "check the listener" } }
  group app needs db { parallelism 1  vm app-01, app-02 }
}
"#;

fn targets(plan: &Plan) -> Vec<Target> {
    plan.groups
        .iter()
        .flat_map(|g| {
            g.vms.iter().map(|v| Target {
                vm: v.name.clone(),
                item: v.name.clone(),
                group: g.name.clone(),
            })
        })
        .collect()
}

async fn run(
    plan: &Plan,
    sim: &Simulator,
    clock: Clock,
    op: Operation,
) -> Result<RunStatus, ExecError> {
    let graph = drplan::graph::build(plan, op, None);
    exec::preflight(plan, &graph, sim, None, clock.now(), false).await?;
    run_with(plan, &graph, sim, clock, &MemorySink::default(), None).await
}

/// (active side, replicating from, allowed operations) of every machine.
fn states(machines: &[Machine]) -> Vec<(Location, Option<Location>, Vec<AsrOperation>)> {
    machines
        .iter()
        .map(|m| {
            let mut allowed = m.allowed.clone();
            allowed.sort();
            (m.active_location, m.replicating_from, allowed)
        })
        .collect()
}

/// What a protected, replicating machine allows.
const REPLICATING: &[AsrOperation] = &[
    AsrOperation::UnplannedFailover,
    AsrOperation::TestFailover,
    AsrOperation::DisableProtection,
];

/// Every one of the plan's four machines in the same state.
fn expect(
    active: Location,
    from: Option<Location>,
    allowed: &[AsrOperation],
) -> Vec<(Location, Option<Location>, Vec<AsrOperation>)> {
    let mut allowed = allowed.to_vec();
    allowed.sort();
    vec![(active, from, allowed); 4]
}

#[tokio::test(start_paused = true)]
async fn the_whole_cycle_on_the_simulated_vault() {
    use AsrOperation::*;
    use Location::*;
    let plan = plan(PLAN);
    let clock = Clock::test();
    let sim = Simulator::in_memory(&plan, clock, 1.0);
    let all = targets(&plan);
    let machines = sim.machines(&all).await.unwrap();
    assert_eq!(
        states(&machines),
        expect(Primary, Some(Primary), REPLICATING)
    );
    assert!(machines.iter().all(|m| m.last_test_failover.is_none()));

    // Each step of the cycle, the state every machine must be in after it,
    // and an operation that must now be refused.
    #[allow(clippy::type_complexity)]
    let cycle: [(
        Operation,
        Location,
        Option<Location>,
        &[AsrOperation],
        Operation,
    ); 6] = [
        (
            Operation::Failover,
            Recovery,
            None,
            &[Commit, ChangePit, DisableProtection],
            Operation::Failover,
        ),
        (
            Operation::Commit,
            Recovery,
            None,
            &[ReverseReplicate, DisableProtection],
            Operation::Failback,
        ),
        (
            Operation::Reprotect,
            Recovery,
            Some(Recovery),
            REPLICATING,
            Operation::Commit,
        ),
        (
            Operation::Failback,
            Primary,
            None,
            &[Commit, ChangePit, DisableProtection],
            Operation::Reprotect,
        ),
        (
            Operation::Commit,
            Primary,
            None,
            &[ReverseReplicate, DisableProtection],
            Operation::TestFailover,
        ),
        (
            Operation::Reprotect,
            Primary,
            Some(Primary),
            REPLICATING,
            Operation::Failback,
        ),
    ];
    for (op, active, from, allowed, refused) in cycle {
        let started = clock.now();
        assert_eq!(
            run(&plan, &sim, clock, op).await.unwrap(),
            RunStatus::Succeeded,
            "{op}"
        );
        let machines = sim.machines(&all).await.unwrap();
        assert_eq!(
            states(&machines),
            expect(active, from, allowed),
            "after {op}"
        );
        assert!(machines.iter().all(|m| m.current_job.is_none()));
        let took = clock.now().since(started);
        if op == Operation::Reprotect {
            // 45 minutes to 2 hours a VM, app one at a time.
            assert!(took.as_secs() >= 2 * 45 * 60, "{op} took {took:?}");
        }
        let err = run(&plan, &sim, clock, refused).await.unwrap_err();
        assert!(
            matches!(err, ExecError::NotReady(ref b) if b.blockers == 4),
            "{refused} after {op}: {err}"
        );
    }

    drill(&plan, &sim, clock).await;
}

/// A drill: test failover, then cleanup; the test counts only once cleaned
/// up. Then every operation of the whole story has left one succeeded job
/// per machine, in order.
async fn drill(plan: &Plan, sim: &Simulator, clock: Clock) {
    use AsrOperation::*;
    use Location::*;
    let all = targets(plan);
    assert_eq!(
        run(plan, sim, clock, Operation::TestFailover)
            .await
            .unwrap(),
        RunStatus::Succeeded
    );
    let machines = sim.machines(&all).await.unwrap();
    assert_eq!(
        states(&machines),
        expect(Primary, Some(Primary), &[TestFailoverCleanup])
    );
    assert!(machines.iter().all(|m| m.last_test_failover.is_none()));
    assert!(matches!(
        run(plan, sim, clock, Operation::Failover).await,
        Err(ExecError::NotReady(_))
    ));
    assert_eq!(
        run(plan, sim, clock, Operation::TestCleanup).await.unwrap(),
        RunStatus::Succeeded
    );
    let machines = sim.machines(&all).await.unwrap();
    assert_eq!(
        states(&machines),
        expect(Primary, Some(Primary), REPLICATING)
    );
    assert!(machines.iter().all(|m| m.last_test_failover.is_some()));

    // Every operation left one succeeded job per machine.
    let jobs = sim.jobs(&all).await.unwrap();
    assert_eq!(jobs.len(), 8 * 4);
    assert!(jobs.iter().all(|j| j.state == JobState::Succeeded));
    for vm in ["db-01", "app-02"] {
        let ops: Vec<Operation> = jobs
            .iter()
            .rev()
            .filter(|j| j.vm == vm)
            .map(|j| j.operation)
            .collect();
        assert_eq!(
            ops,
            [
                Operation::Failover,
                Operation::Commit,
                Operation::Reprotect,
                Operation::Failback,
                Operation::Commit,
                Operation::Reprotect,
                Operation::TestFailover,
                Operation::TestCleanup
            ]
        );
    }
}

/// A kill at every event of a small plan's failover, on the simulated vault:
/// the resumed run completes and no machine is ever failed over twice.
#[tokio::test(start_paused = true)]
async fn a_kill_at_any_event_never_fails_a_machine_over_twice() {
    let plan = plan(crate::exec::SMALL);
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let total = {
        let clock = Clock::test();
        let sim = Simulator::in_memory(&plan, clock, 1.0);
        let sink = MemorySink::default();
        run_with(&plan, &graph, &sim, clock, &sink, None)
            .await
            .unwrap();
        sink.records.lock().unwrap().len()
    };
    for kill_after in 1..total {
        let clock = Clock::test();
        let sim = Simulator::in_memory(&plan, clock, 1.0);
        let killed = MemorySink {
            crash_after: Some(kill_after),
            ..MemorySink::default()
        };
        assert!(
            run_with(&plan, &graph, &sim, clock, &killed, None)
                .await
                .is_err()
        );
        // The vault's jobs go on while nobody watches.
        tokio::time::sleep(std::time::Duration::from_secs(
            u64::try_from(kill_after % 3).unwrap() * 200,
        ))
        .await;
        let state = drplan::journal::RunState::replay(&killed.records.lock().unwrap()).unwrap();
        exec::preflight(&plan, &graph, &sim, Some(&state), clock.now(), false)
            .await
            .unwrap_or_else(|e| panic!("preflight after a kill at {kill_after}: {e}"));
        let resumed = MemorySink::default();
        let status = run_with(&plan, &graph, &sim, clock, &resumed, Some(&state))
            .await
            .unwrap();
        assert_eq!(status, RunStatus::Succeeded, "kill at {kill_after}");
        let jobs = sim.jobs(&targets(&plan)).await.unwrap();
        for vm in ["db-01", "db-02", "app-01", "app-02"] {
            let n = jobs
                .iter()
                .filter(|j| j.vm == vm && j.operation == Operation::Failover)
                .count();
            assert_eq!(
                n, 1,
                "{vm} failed over {n} times after a kill at event {kill_after}"
            );
        }
        let machines = sim.machines(&targets(&plan)).await.unwrap();
        assert!(
            machines
                .iter()
                .all(|m| m.active_location == Location::Recovery)
        );
    }
}

async fn run_with(
    plan: &Plan,
    graph: &drplan::graph::StepGraph,
    sim: &Simulator,
    clock: Clock,
    sink: &MemorySink,
    prior: Option<&drplan::journal::RunState>,
) -> Result<RunStatus, ExecError> {
    let secrets = MapSecrets(BTreeMap::new());
    let hooks = RunHooks {
        runner: Runner::new(sim, &secrets, &AutoApprove).unwrap(),
        base: RunHooks::context(plan, "run", graph.operation, ".".into(), 1.0),
    };
    let outcome = exec::execute(Run {
        plan,
        graph,
        provider: sim,
        hooks: &hooks,
        sink,
        clock,
        cancel: CancellationToken::new(),
        run_id: RunId("run".into()),
        settings: None,
        options: OperationOptions::default(),
        parallelism: None,
        prior,
        seed: 5,
        vault_speed: 1.0,
        machines_before: None,
        origin: None,
    })
    .await?;
    Ok(outcome.status)
}
