//! The refusal texts of every state × operation, and what a resumed run
//! concludes about an operation that was in flight.

use super::*;
use crate::provider::JobId;

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
        consistency_group: None,
    }
}

/// Every situation of asr-model.md's "Item states" table, in each region
/// it occurs in, plus a job in progress and a vault that allows nothing
/// drplan runs: what ASR reports, by name.
fn states() -> Vec<(&'static str, Machine)> {
    use AsrOperation::*;
    use Location::{Primary as P, Recovery as R};
    let replicating = [UnplannedFailover, TestFailover, DisableProtection];
    let pending = [Commit, ChangePit, DisableProtection];
    let committed = [ReverseReplicate, DisableProtection];
    let named = |name: &'static str, state: &str, m: Machine| {
        (
            name,
            Machine {
                protection_state: state.into(),
                ..m
            },
        )
    };
    let mut busy = machine(R, None, &[]);
    busy.current_job = Some(JobId("j-1".into()));
    vec![
        named("protected", "Protected", machine(P, Some(P), &replicating)),
        named(
            "replicating back",
            "Protected",
            machine(R, Some(R), &replicating),
        ),
        named(
            "test failover pending cleanup",
            "Protected",
            machine(P, Some(P), &[TestFailoverCleanup]),
        ),
        named(
            "test failover pending cleanup, replicating back",
            "Protected",
            machine(R, Some(R), &[TestFailoverCleanup]),
        ),
        named(
            "failed over, waiting for commit",
            "UnplannedFailoverCommitPendingStatesBegin",
            machine(R, None, &pending),
        ),
        named(
            "failed back, waiting for commit",
            "UnplannedFailoverCommitPendingStatesBegin",
            machine(P, None, &pending),
        ),
        named(
            "failover committed",
            "UnplannedFailoverCommitted",
            machine(R, None, &committed),
        ),
        named(
            "failback committed",
            "UnplannedFailoverCommitted",
            machine(P, None, &committed),
        ),
        named("reprotecting", "ReprotectInProgress", machine(R, None, &[])),
        named(
            "only protection can be disabled",
            "Protected",
            machine(P, Some(P), &[DisableProtection]),
        ),
        named(
            "only a test failover allowed",
            "Protected",
            machine(P, Some(P), &[TestFailover]),
        ),
        named("a job in progress", "ReprotectInProgress", busy),
    ]
}

/// The operations a text names in backticks (`drplan jobs` and the like
/// are not operations and are skipped).
fn named_operations(text: &str) -> Vec<Operation> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|name| name.parse().ok())
        .collect()
}

/// What ASR permits the machine now, in drplan's operations; `configure`
/// wherever a failover is permitted (ASR lists no operation for it).
fn permitted(m: &Machine) -> Vec<Operation> {
    let mut ops = m.operations();
    if ops.contains(&Operation::Failover) {
        ops.push(Operation::Configure);
    }
    ops
}

#[test]
fn every_refusal_names_only_operations_the_item_allows_or_says_none_is() {
    for (state, m) in states() {
        let permitted = if m.current_job.is_some() {
            Vec::new()
        } else {
            permitted(&m)
        };
        for op in Operation::ALL {
            let answer = ready(op, &m);
            assert_eq!(
                answer.is_ok(),
                permitted.contains(&op),
                "{op} when {state}: {answer:?}"
            );
            let Err(text) = answer else { continue };
            let named = named_operations(&text);
            for name in &named {
                assert!(
                    permitted.contains(name),
                    "{op} when {state} advises `{name}`, which is not allowed ({permitted:?}): {text}"
                );
            }
            if permitted.is_empty() {
                assert!(
                    text.contains("none of drplan's operations"),
                    "{op} when {state}: {text}"
                );
            } else {
                assert!(
                    !named.is_empty(),
                    "{op} when {state} names no allowed operation: {text}"
                );
            }
            assert!(
                text.contains(&format!("state {}", m.protection_state)),
                "{op} when {state}: {text}"
            );
        }
    }
}

#[test]
fn each_state_has_its_own_advice_for_each_operation() {
    // A test failover waits for cleanup the same way in either region,
    // and a vault that allows nothing drplan runs is one situation.
    let distinct: Vec<(&str, Machine)> = states()
        .into_iter()
        .filter(|(state, _)| {
            *state != "test failover pending cleanup, replicating back"
                && *state != "only protection can be disabled"
        })
        .collect();
    for op in Operation::ALL {
        let mut seen: Vec<(&str, String)> = Vec::new();
        for (state, m) in &distinct {
            let Err(text) = ready(op, m) else { continue };
            let advice = text
                .split(" (state ")
                .next()
                .unwrap_or_default()
                .to_string();
            if let Some((other, _)) = seen.iter().find(|(_, a)| *a == advice) {
                panic!("{op}: `{state}` and `{other}` get the same advice: {advice}");
            }
            seen.push((state, advice));
        }
    }
}

fn refusal(op: Operation, state: &str) -> String {
    let (_, m) = states()
        .into_iter()
        .find(|(name, _)| *name == state)
        .unwrap();
    ready(op, &m).unwrap_err()
}

#[test]
fn refusals_say_where_the_item_stands_and_what_comes_next() {
    let text = refusal(Operation::Failover, "failover committed");
    assert!(
        text.starts_with(
            "its failover is committed; reprotect it (run `reprotect`), then fail it back when the primary region is back"
        ),
        "{text}"
    );
    let text = refusal(Operation::Failover, "failed over, waiting for commit");
    assert!(
        text.starts_with(
            "it is failed over to the recovery region and waits for commit: run `commit`"
        ),
        "{text}"
    );
    let text = refusal(Operation::Failover, "replicating back");
    assert!(
        text.starts_with(
            "it runs in the recovery region and replicates back: fail it back (run `failback`)"
        ),
        "{text}"
    );
    for state in ["failed over, waiting for commit", "failover committed"] {
        let text = refusal(Operation::Configure, state);
        assert!(
            text.starts_with("it is in the middle of a failover: "),
            "{state}: {text}"
        );
    }
    let text = refusal(Operation::Failback, "protected");
    assert!(
        text.starts_with(
            "it runs in the primary region, protected: there is nothing to fail back; it is ready for `failover`, `test-failover` and `configure`"
        ),
        "{text}"
    );
    let text = refusal(Operation::TestFailover, "test failover pending cleanup");
    assert!(
        text.contains("run `test-cleanup` before the next one"),
        "{text}"
    );
    let text = refusal(Operation::Commit, "a job in progress");
    assert!(text.contains("job j-1 is in progress"), "{text}");
    let text = refusal(Operation::Failover, "reprotecting");
    assert!(text.contains("none of drplan's operations"), "{text}");
    assert!(text.contains("allowed operations: none"), "{text}");
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
    assert!(ready(Operation::Configure, &at_primary).is_ok());
    assert!(ready(Operation::Failback, &at_recovery).is_ok());
    let err = ready(Operation::Failover, &at_recovery).unwrap_err();
    assert!(err.contains("runs in the recovery region"), "{err}");
    let err = ready(Operation::Configure, &at_recovery).unwrap_err();
    assert!(err.contains("run `failback`"), "{err}");
    let err = ready(Operation::Failback, &at_primary).unwrap_err();
    assert!(err.contains("nothing to fail back"), "{err}");
    assert!(done(Operation::Reprotect, &at_recovery));
    assert!(!done(Operation::Failover, &at_primary));
}

#[test]
fn a_running_job_blocks_every_operation() {
    let mut m = machine(Location::Primary, Some(Location::Primary), &[]);
    m.current_job = Some(JobId("j-1".into()));
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

#[test]
fn an_operation_the_stage_allows_but_the_vault_does_not_list_is_refused_by_name() {
    // Protected, but the vault lists a planned failover only, which
    // drplan does not run on Azure-to-Azure items.
    let m = machine(
        Location::Primary,
        Some(Location::Primary),
        &[AsrOperation::PlannedFailover, AsrOperation::TestFailover],
    );
    let err = ready(Operation::Failover, &m).unwrap_err();
    assert!(
        err.starts_with(
            "the vault does not list UnplannedFailover among its allowed operations now; it is ready for `test-failover` ("
        ),
        "{err}"
    );
}
