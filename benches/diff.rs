//! `drplan diff` of two 10,000-VM plans against compiling both: the goal is
//! a diff (compiling both sides included, as the command does) within 3× of
//! compiling both.
//!
//! - `diff/compile_both`: `compile` of the old and the new plan.
//! - `diff/compile_and_diff`: the same, then `diff::diff` (settings, groups,
//!   VMs, hooks; failover and failback graphs, edges, waves and schedules of
//!   both sides) and the human rendering: what `drplan diff` costs.
//! - `diff/diff_only`: `diff::diff` and rendering on compiled plans.
//!
//! The new plan is the old one with a VM added, a hook and an estimate
//! changed and a group's `needs` extended, so every part of the diff has
//! work to do. Run: `cargo bench --bench diff`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use drplan::SourceFile;
use drplan::plan::Plan;

/// VMs in each plan.
const VMS: usize = 10_000;

fn compile(source: &SourceFile) -> Plan {
    let (plan, diagnostics) = drplan::compile(source);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    plan.unwrap()
}

/// The old plan's text edited as a pull request might.
fn edited(text: &str) -> String {
    let edited = text
        .replacen("wait 30s", "wait 45s", 1)
        .replacen("estimate 4m", "estimate 6m", 1)
        .replacen("vm vm0005001, ", "vm vm0005001, vm9999999, ", 1)
        .replacen("  group g00900 needs ", "  group g00900 needs g00001, ", 1);
    assert_ne!(edited, text);
    edited
}

fn benches(c: &mut Criterion) {
    let text = generate::generate(VMS).drplan;
    let old = SourceFile::new("old.drplan", text.as_str());
    let new = SourceFile::new("new.drplan", edited(&text));
    let (old_plan, new_plan) = (compile(&old), compile(&new));
    let diff = drplan::diff::diff(&old_plan, &new_plan);
    assert_eq!(diff.vms.added.len(), 1);
    assert_eq!(diff.hooks.changed.len(), 1);
    assert_eq!(diff.groups.changed.len(), 1);
    eprintln!(
        "diff of two {VMS}-VM plans: {}",
        drplan::diff::render::summary(&diff)
    );

    let mut group = c.benchmark_group("diff");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("compile_both", |b| {
        b.iter(|| black_box((compile(black_box(&old)), compile(black_box(&new)))));
    });
    group.bench_function("compile_and_diff", |b| {
        b.iter(|| {
            let (o, n) = (compile(black_box(&old)), compile(black_box(&new)));
            let diff = drplan::diff::diff(&o, &n);
            black_box(drplan::diff::render::human(&diff, "old", "new"))
        });
    });
    group.bench_function("diff_only", |b| {
        b.iter(|| {
            let diff = drplan::diff::diff(black_box(&old_plan), black_box(&new_plan));
            black_box(drplan::diff::render::human(&diff, "old", "new"))
        });
    });
    group.finish();
}

criterion_group!(diff, benches);
criterion_main!(diff);
