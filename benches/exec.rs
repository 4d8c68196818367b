//! Scheduler overhead: the executor walks a generated 10,000-VM failover
//! graph whose VM operations and hooks finish at once, with every event
//! appended to a real journal file, so what is measured is dispatch,
//! bookkeeping, events and journal writes. Goal: under 200 ms.
//!
//! `cargo bench --bench exec`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;
#[path = "support/instant.rs"]
mod instant;

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::graph::Operation;
use drplan::source::SourceFile;

fn overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(20);
    for vms in [1_000usize, 10_000] {
        let text = generate::generate(vms).drplan;
        let (plan, _) = drplan::compile(&SourceFile::new("bench.drplan", text));
        let plan = plan.expect("the generated plan compiles");
        let graph = drplan::graph::build(&plan, Operation::Failover, None);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        group.bench_function(format!("{vms}_vms_instant_with_journal"), |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().unwrap();
                let outcome = rt.block_on(instant::run(&plan, &graph, Some(dir.path())));
                assert_eq!(outcome.succeeded, graph.step_count());
            });
        });
        group.bench_function(format!("{vms}_vms_instant_no_journal"), |b| {
            b.iter(|| {
                let outcome = rt.block_on(instant::run(&plan, &graph, None));
                assert_eq!(outcome.succeeded, graph.step_count());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
