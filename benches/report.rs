//! `drplan report` of a 10,000-VM run: the report model built from the
//! run's journal records and plan text (plan compiled, graph and schedule
//! rebuilt, records folded), then rendered as HTML. Goal: under a second.
//!
//! The journal is generated in memory: the failover of the generated
//! 10,000-VM plan (`support/generate.rs`), each step started, with its job,
//! and finished at the dry run's schedule. Before timing, the bench writes
//! the HTML to `target/report-10000.html`, so that the browser's render
//! time can be measured once with `node tests/browser/check-report.mjs
//! target/report-10000.html` (its `loadMs`; goal under 2 s).
//!
//! `cargo bench --bench report`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::clock::Timestamp;
use drplan::graph::Operation;
use drplan::journal::{Event, Record, RunId, RunStatus, StepStatus};
use drplan::report::{Inputs, Report};
use drplan::schedule::Schedule;
use drplan::source::SourceFile;

const VMS: usize = 10_000;

fn at(ms: u64) -> Timestamp {
    Timestamp(UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms))
}

/// The journal of a failover that went exactly as the dry run said.
fn journal(text: &str) -> Vec<Record> {
    let (plan, _) = drplan::compile(&SourceFile::new("bench.drplan", text));
    let plan = plan.expect("the generated plan compiles");
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let schedule = Schedule::new(&graph);
    let mut records = vec![Record {
        ts: at(0),
        event: Event::RunStarted {
            run_id: RunId("20260101-000000-beef".into()),
            plan: plan.name.clone(),
            operation: Operation::Failover,
            settings: None,
            resumed: false,
            origin: None,
        },
    }];
    let mut ends = Vec::new();
    for (n, step) in graph.steps() {
        let start = schedule.start[n.index()].as_millis();
        let finish = schedule.finish[n.index()].as_millis();
        records.push(Record {
            ts: at(start),
            event: Event::StepStarted {
                step: step.id.clone(),
                kind: step.kind,
                group: graph.group_name(step).to_string(),
                attempt: 1,
                estimate_s: Some(step.estimate.to_std().as_secs_f64()),
            },
        });
        records.push(Record {
            ts: at(start),
            event: Event::StepProgress {
                step: step.id.clone(),
                percent: None,
                message: "job started".into(),
                job: Some(format!("job-{}", n.index())),
            },
        });
        ends.push(Record {
            ts: at(finish),
            event: Event::step_finished(
                step.id.clone(),
                StepStatus::Succeeded,
                Duration::from_millis(finish - start).as_secs_f64(),
            ),
        });
    }
    records.extend(ends);
    records.sort_by_key(|r| r.ts);
    records.push(Record {
        ts: at(schedule.total.as_millis() + 1),
        event: Event::RunFinished {
            run_id: RunId("20260101-000000-beef".into()),
            status: RunStatus::Succeeded,
            duration_s: schedule.total.to_std().as_secs_f64(),
            counts: None,
        },
    });
    records
}

fn build(records: &[Record], text: &str) -> Report {
    Report::build(Inputs {
        records,
        plan_text: Ok(text),
        outputs: HashMap::new(),
        live: false,
        now: at(0),
    })
    .expect("the journal has a run_started")
}

fn bench(c: &mut Criterion) {
    let text = generate::generate(VMS).drplan;
    let records = journal(&text);
    let html = drplan::report::html::render(&build(&records, &text));
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-10000.html");
    std::fs::write(&out, &html).expect("target/ is writable");
    println!(
        "{} records; HTML {} KiB in {}",
        records.len(),
        html.len() / 1024,
        out.display()
    );
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("10,000-VM run: model + html", |b| {
        b.iter(|| drplan::report::html::render(&build(&records, &text)));
    });
    group.bench_function("10,000-VM run: model only", |b| {
        b.iter(|| build(&records, &text));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
