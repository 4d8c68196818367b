//! The report model on hand-written journals: achieved times, the RTO met
//! and missed, in progress versus incomplete, retries and prediction error.

use std::collections::HashMap;
use std::time::{Duration as StdDuration, UNIX_EPOCH};

use super::achieved::RtoVerdict;
use super::model::{Inputs, Report, RunVerdict, StepResult};
use crate::clock::Timestamp;
use crate::graph::{Operation, StepKind};
use crate::journal::{Event, Record, RunId, RunStatus, StepStatus};

const PLAN: &str = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  objectives { rto 10m }
  group db { vm db-01 { estimate 5m } }
}
"#;

fn at(s: u64) -> Timestamp {
    Timestamp(UNIX_EPOCH + StdDuration::from_secs(1_700_000_000 + s))
}

fn rec(s: u64, event: Event) -> Record {
    Record { ts: at(s), event }
}

fn started() -> Record {
    rec(
        0,
        Event::RunStarted {
            run_id: RunId("r1".into()),
            plan: "p".into(),
            operation: Operation::Failover,
            settings: None,
            resumed: false,
            origin: None,
        },
    )
}

fn step_started(s: u64, attempt: u32) -> Record {
    rec(
        s,
        Event::StepStarted {
            step: "vm:db/db-01".into(),
            kind: StepKind::Vm,
            group: "db".into(),
            attempt,
            estimate_s: Some(300.0),
        },
    )
}

fn step_finished(s: u64, duration_s: f64, status: StepStatus) -> Record {
    rec(s, Event::step_finished("vm:db/db-01", status, duration_s))
}

fn finished(s: u64, status: RunStatus) -> Record {
    rec(
        s,
        Event::RunFinished {
            run_id: RunId("r1".into()),
            status,
            duration_s: 0.0,
            counts: None,
        },
    )
}

fn build(records: &[Record], live: bool) -> Report {
    Report::build(Inputs {
        records,
        plan_text: Ok(PLAN),
        outputs: HashMap::new(),
        live,
        now: at(1000),
    })
    .unwrap()
}

#[test]
fn a_run_within_its_rto_meets_it_with_the_margin() {
    let r = build(
        &[
            started(),
            step_started(10, 1),
            step_finished(370, 360.0, StepStatus::Succeeded),
            finished(371, RunStatus::Succeeded),
        ],
        false,
    );
    assert_eq!(r.status, RunVerdict::Succeeded);
    assert_eq!(r.recovery.to_last_vm_s, Some(360.0));
    assert_eq!(r.recovery.to_last_step_s, Some(360.0));
    assert_eq!(r.recovery.rto, Some(RtoVerdict::Met { margin_s: 240.0 }));
    assert_eq!(r.recovery.estimate_s, Some(300.0));
    assert_eq!(r.recovery.vs_estimate_s, Some(60.0));
    let step = &r.steps[0];
    assert_eq!(step.prediction_error_pct, Some(20.0));
    assert!(step.critical);
    assert_eq!(
        super::facts::verdict(&r),
        "failover succeeded; RTO 10m: met, 6m"
    );
}

#[test]
fn a_run_past_its_rto_misses_it_by_how_much_and_counts_retries() {
    let r = build(
        &[
            started(),
            step_started(0, 1),
            step_started(200, 2),
            step_finished(840, 840.0, StepStatus::Succeeded),
            finished(841, RunStatus::Succeeded),
        ],
        false,
    );
    assert_eq!(r.recovery.rto, Some(RtoVerdict::Missed { by_s: 240.0 }));
    assert_eq!(super::facts::rto(&r).unwrap(), "RTO 10m: missed by 4m");
    assert_eq!(r.steps[0].attempts, 2);
    assert_eq!(r.steps[0].retries, 1);
}

#[test]
fn a_journal_cut_short_is_incomplete_and_a_live_one_in_progress() {
    let records = [started(), step_started(10, 1)];
    let crashed = build(&records, false);
    assert_eq!(crashed.status, RunVerdict::Incomplete);
    assert_eq!(crashed.steps[0].result, StepResult::Running);
    assert!(crashed.notes.iter().any(|n| n.contains("incomplete")));
    assert_eq!(
        crashed.recovery.rto, None,
        "no step finished: nothing measured"
    );

    let live = build(&records, true);
    assert_eq!(live.status, RunVerdict::InProgress);
    assert!(live.ended.is_none());
    // Measured to now (1000 s) from the first step (10 s): past the RTO.
    assert_eq!(live.recovery.to_last_step_s, Some(990.0));
    assert_eq!(live.recovery.rto, Some(RtoVerdict::Missed { by_s: 390.0 }));
}

#[test]
fn a_failed_run_within_its_rto_neither_met_nor_missed_it() {
    let r = build(
        &[
            started(),
            step_started(0, 1),
            step_finished(60, 60.0, StepStatus::Failed),
            finished(61, RunStatus::Failed),
        ],
        false,
    );
    assert_eq!(r.status, RunVerdict::Failed);
    assert_eq!(r.recovery.rto, Some(RtoVerdict::NotCompleted));
    assert_eq!(r.failures.len(), 1);
}

#[test]
fn without_its_plan_the_report_keeps_the_journal_and_says_so() {
    let records = [
        started(),
        step_started(0, 1),
        step_finished(60, 60.0, StepStatus::Succeeded),
        finished(61, RunStatus::Succeeded),
    ];
    let r = Report::build(Inputs {
        records: &records,
        plan_text: Err("no such file".into()),
        outputs: HashMap::new(),
        live: false,
        now: at(100),
    })
    .unwrap();
    assert_eq!(r.steps.len(), 1);
    assert!(r.plan_text.is_none() && r.recovery.rto.is_none() && r.direction.is_none());
    assert!(r.notes.iter().any(|n| n.contains("could not be read")));
    // The estimate the step started with still gives its prediction error.
    assert_eq!(r.steps[0].prediction_error_pct, Some(-80.0));
}

#[test]
fn html_escapes_what_comes_from_journals_and_plans() {
    let evil = "<script>alert(1)</script>\"'&";
    let mut records = vec![started(), step_started(0, 1)];
    records.push(rec(
        1,
        Event::StepProgress {
            step: "vm:db/db-01".into(),
            percent: None,
            message: evil.into(),
            job: Some(evil.into()),
        },
    ));
    let mut failed = step_finished(5, 5.0, StepStatus::Failed);
    if let Event::StepFinished { error, .. } = &mut failed.event {
        *error = Some(evil.into());
    }
    records.push(failed);
    let r = Report::build(Inputs {
        records: &records,
        plan_text: Ok(&format!("# {evil}\n{PLAN}")),
        outputs: HashMap::new(),
        live: false,
        now: at(10),
    })
    .unwrap();
    let html = super::html::render(&r);
    assert!(!html.contains("<script"), "unescaped markup in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
    // Markdown: escaped in text and tables; verbatim only inside fences.
    let md = super::md::render(&r);
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let outside_fences: String = md.split("```").step_by(2).collect();
    assert!(
        !outside_fences.contains("<script"),
        "unescaped markup in the Markdown"
    );
}

#[test]
fn a_simulated_run_is_compared_with_the_estimate_at_azures_pace() {
    let mut start = started();
    if let Event::RunStarted { origin, .. } = &mut start.event {
        *origin = Some(crate::journal::Origin {
            by: "tester".into(),
            host: "host".into(),
            content_hash: None,
            commit: None,
            dirty: false,
            vault_speed: 100.0,
        });
    }
    // 4 s from the step's start to its end at 100× is 6m40s at Azure's
    // pace: 1m40s past the 5m estimate.
    let r = build(
        &[
            start,
            step_started(10, 1),
            rec(
                14,
                Event::step_finished("vm:db/db-01", StepStatus::Succeeded, 3.6),
            ),
            finished(14, RunStatus::Succeeded),
        ],
        false,
    );
    assert_eq!(r.recovery.asr_equivalent_s, Some(400.0));
    assert_eq!(r.recovery.vs_estimate_s, Some(100.0));
}
