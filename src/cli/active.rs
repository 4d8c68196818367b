//! The run of a plan that is under way, for `status`: the run store and the
//! plan's file stem in; the newest unfinished run of the plan (running now,
//! or stopped and resumable), its progress, what runs and which `manual`
//! steps wait for an answer out, for people and as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::graph::{Operation, StepKind};
use crate::journal::{Event, Record, RunId, RunState, RunStore, StepStatus};

/// A run of the plan that has not finished.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct ActiveRun {
    pub(super) run_id: RunId,
    pub(super) operation: Operation,
    /// A process runs it now; otherwise it stopped and can be resumed.
    pub(super) running: bool,
    pub(super) started: Timestamp,
    pub(super) succeeded: usize,
    pub(super) failed: usize,
    /// Steps started and not ended.
    pub(super) in_flight: Vec<String>,
    /// `manual` steps waiting for `drplan approve` or `reject`.
    pub(super) waiting_for_approval: Vec<Waiting>,
}

/// A manual step that waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Waiting {
    pub(super) step: String,
    /// What the plan tells the approver, from its progress line.
    pub(super) instructions: String,
}

/// The newest unfinished run of the plan whose file stem is `stem`.
/// `settled` holds the runs known to be done with (finished, or of another
/// plan): they are not read again, so `status --watch` reads only what can
/// still change on each refresh.
pub(super) async fn of_plan(
    store: &dyn RunStore,
    stem: &str,
    settled: &mut BTreeSet<RunId>,
) -> Option<ActiveRun> {
    let mut newest: Option<(RunState, Vec<Record>)> = None;
    for run in store.list().await.ok()? {
        if settled.contains(&run) {
            continue;
        }
        let Ok(records) = store.read(&run).await else {
            continue;
        };
        let Some(state) = RunState::replay(&records) else {
            continue;
        };
        if state.plan_stem() != stem {
            settled.insert(run);
            continue;
        }
        if state.finished.is_some() {
            // A finished run can be resumed and so go on; only a succeeded
            // one is done with for good.
            if state.finished == Some(crate::journal::RunStatus::Succeeded) {
                settled.insert(run);
            }
            continue;
        }
        if newest
            .as_ref()
            .is_none_or(|(n, _)| state.started > n.started)
        {
            newest = Some((state, records));
        }
    }
    let (state, records) = newest?;
    let running = store.is_live(&state.run_id).await.unwrap_or(false);
    Some(summarise(&state, &records, running))
}

fn summarise(state: &RunState, records: &[Record], running: bool) -> ActiveRun {
    let mut kinds: BTreeMap<&str, StepKind> = BTreeMap::new();
    let mut asked: BTreeMap<&str, &str> = BTreeMap::new();
    let mut answered: Vec<&str> = Vec::new();
    for r in records {
        match &r.event {
            Event::StepStarted { step, kind, .. } => {
                kinds.insert(step, *kind);
                answered.retain(|s| s != step);
            }
            Event::StepProgress { step, message, .. } => {
                asked.entry(step).or_insert(message);
            }
            Event::Decided { step, .. } => answered.push(step),
            _ => {}
        }
    }
    let count = |want: StepStatus| {
        state
            .steps
            .values()
            .filter(|s| s.status == Some(want))
            .count()
    };
    let in_flight: Vec<String> = state
        .steps
        .iter()
        .filter(|(_, s)| s.in_flight)
        .map(|(id, _)| id.clone())
        .collect();
    let waiting_for_approval = in_flight
        .iter()
        .filter(|id| {
            kinds.get(id.as_str()) == Some(&StepKind::Manual) && !answered.contains(&id.as_str())
        })
        .map(|id| Waiting {
            step: id.clone(),
            instructions: asked
                .get(id.as_str())
                .map(|m| {
                    m.trim_start_matches(crate::hooks::WAITING_FOR_APPROVAL)
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    ActiveRun {
        run_id: state.run_id.clone(),
        operation: state.operation,
        running,
        started: state.started,
        succeeded: count(StepStatus::Succeeded),
        failed: count(StepStatus::Failed),
        in_flight,
        waiting_for_approval,
    }
}

/// For people: a few lines under the dashboard.
pub(super) fn human(run: &ActiveRun, state: &str) -> String {
    let mut out = String::new();
    let how = if run.running {
        "running now"
    } else {
        "stopped before it finished; `drplan resume` continues it"
    };
    let _ = writeln!(
        out,
        "\nrun {} ({} since {}): {how}",
        run.run_id, run.operation, run.started
    );
    let _ = writeln!(
        out,
        "  {} step{} succeeded, {} failed, {} in flight",
        run.succeeded,
        if run.succeeded == 1 { "" } else { "s" },
        run.failed,
        run.in_flight.len()
    );
    for w in &run.waiting_for_approval {
        let _ = writeln!(
            out,
            "  waiting for approval: {} ({}): `drplan approve {} {}{state}` or `drplan reject …`",
            w.step,
            crate::printable::printable_line(&w.instructions),
            run.run_id,
            w.step
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::journal::Verdict;

    fn at(event: Event) -> Record {
        Record {
            ts: Clock::test().now(),
            event,
        }
    }

    fn started(step: &str, kind: StepKind) -> Record {
        at(Event::StepStarted {
            step: step.into(),
            kind,
            group: "db".into(),
            attempt: 1,
            estimate_s: None,
        })
    }

    #[test]
    fn manual_steps_in_flight_without_an_answer_wait_for_approval() {
        let records = vec![
            at(Event::RunStarted {
                run_id: RunId("r".into()),
                plan: "shop".into(),
                operation: Operation::Failover,
                settings: None,
                resumed: false,
                origin: None,
            }),
            started("vm:db/db-01", StepKind::Vm),
            started("hook:db/after/1", StepKind::Manual),
            at(Event::StepProgress {
                step: "hook:db/after/1".into(),
                percent: None,
                message: "waiting for approval: check the AG".into(),
                job: None,
            }),
            started("hook:db/after/2", StepKind::Manual),
            at(Event::Decided {
                step: "hook:db/after/2".into(),
                verdict: Verdict::Approved,
                by: "ana".into(),
                comment: None,
            }),
        ];
        let state = RunState::replay(&records).unwrap();
        let run = summarise(&state, &records, true);
        assert_eq!(run.in_flight.len(), 3);
        assert_eq!(
            run.waiting_for_approval,
            [Waiting {
                step: "hook:db/after/1".into(),
                instructions: "check the AG".into()
            }]
        );
        let text = human(&run, " --state URL");
        assert!(text.contains("waiting for approval: hook:db/after/1 (check the AG): `drplan approve r hook:db/after/1 --state URL`"), "{text}");
    }
}
