//! `drplan export` on a generated 1,000-VM plan (100 groups, DAG-shaped
//! `needs`, more than seven levels, so merges run): the lowering, the body
//! and the report, from a checked plan and its failover step graph, offline
//! (ids by convention). Goal: well under a second.
//!
//! `cargo bench --bench export`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::graph::{Operation, build};
use drplan::interop::export::render::{Form, render};
use drplan::interop::export::{ItemIds, export};
use drplan::schedule::Schedule;
use drplan::source::SourceFile;

fn bench(c: &mut Criterion) {
    let generated = generate::generate(1_000);
    let source = SourceFile::new("bench.drplan", generated.drplan.as_str());
    let plan = drplan::compile(&source).0.unwrap();
    let vault = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/bench";
    let graph = build(&plan, Operation::Failover, None);
    let ids = ItemIds::by_convention(&plan, vault);
    let done = export(&plan, &graph, &ids, "bench");
    eprintln!(
        "1,000 VMs: {} levels lowered to {} boot groups, {} ordering constraints lost",
        done.lowering.levels,
        done.lowering.boot_groups.len(),
        done.lowering.lost.len()
    );
    c.bench_function("export 1000 VMs (lower, body, report, JSON)", |b| {
        b.iter(|| {
            let total = Schedule::checked(&graph).unwrap().total;
            let exported = export(&plan, &graph, &ids, "bench");
            let report = exported.report(&plan, &ids, total);
            black_box(render(Form::Json, &exported.body, vault, "bench"));
            black_box(report);
        });
    });
    c.bench_function("export 1000 VMs as Bicep", |b| {
        b.iter(|| black_box(render(Form::Bicep, &done.body, vault, "bench")));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
