//! The whole front end on generated plans of 100 to 100,000 VMs.
//!
//! - `drplan/parse_check_graph_schedule`: `compile` (parse + check), then the
//!   failover step graph and its schedule: what `drplan run failover --dry-run`
//!   costs before it prints.
//! - `serde_json/typed`: the same plan as JSON into owned-`String` structs, the
//!   floor of what reading a plan of that size can cost.
//! - `drplan/parse`, `drplan/check`, `drplan/graph_schedule`: the stages alone.
//!
//! Throughput is the `.drplan` text's size for every group, so the JSON line's
//! MiB/s compares with the others per plan, not per JSON byte.
//!
//! Run: `cargo bench --bench compile` (a filter such as `-- drplan/parse` runs
//! one group).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use drplan::graph::{self, Operation};
use drplan::plan::Plan;
use drplan::schedule::Schedule;
use drplan::{Diagnostics, SourceFile};

use generate::{Generated, JsonPlan, VMS_PER_GROUP, generate};

/// Plan sizes, in VMs.
const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

/// One size's inputs, generated and checked once.
struct Input {
    vms: usize,
    generated: Generated,
    source: SourceFile,
    plan: Plan,
    /// Steps and edges of the failover graph.
    steps: usize,
    edges: usize,
}

/// Generates every size and checks that each plan compiles cleanly, that the
/// checked plan is the model, that `drplan fmt` leaves the text unchanged and
/// that the JSON reads back to the model.
fn inputs() -> Vec<Input> {
    SIZES
        .iter()
        .map(|&vms| {
            let generated = generate(vms);
            let source = SourceFile::new("bench.drplan", generated.drplan.as_str());
            let (plan, diags) = drplan::compile(&source);
            if !diags.is_empty() {
                let shown: Vec<String> = diags.iter().take(20).map(|d| format!("{d:?}")).collect();
                panic!(
                    "the generated plan of {vms} VMs has {} diagnostics, first ones:\n{}",
                    diags.len(),
                    shown.join("\n")
                );
            }
            let plan = plan.expect("a plan without diagnostics compiles");
            sanity(vms, &generated, &plan);
            let graph = graph::build(&plan, Operation::Failover, None);
            Input {
                vms,
                generated,
                source,
                plan,
                steps: graph.step_count(),
                edges: graph.graph.edge_count(),
            }
        })
        .collect()
}

fn sanity(vms: usize, generated: &Generated, plan: &Plan) {
    let model = &generated.model;
    assert_eq!(plan.groups.len(), vms.div_ceil(VMS_PER_GROUP));
    assert_eq!(plan.groups.len(), model.groups.len());
    let plan_vms: usize = plan.groups.iter().map(|g| g.vms.len()).sum();
    assert_eq!(plan_vms, vms);
    for (group, json) in plan.groups.iter().zip(&model.groups) {
        assert_eq!(group.name, json.name);
        assert_eq!(group.needs.len(), json.needs.len());
        assert_eq!(group.hooks.len(), json.hooks.len());
    }
    let text = &generated.drplan;
    let formatted = drplan::fmt::format_text(text).expect("the generated plan formats");
    if &formatted != text {
        let (line, (ours, fmt)) = text
            .lines()
            .zip(formatted.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, ("", "")));
        panic!(
            "the generated plan of {vms} VMs is not in the canonical layout; line {}:\n  generated: {ours:?}\n  drplan fmt: {fmt:?}",
            line + 1
        );
    }
    let back: JsonPlan = serde_json::from_str(&generated.json).expect("the JSON reads back");
    assert_eq!(&back, model);
    let graph = graph::build(plan, Operation::Failover, None);
    let schedule = Schedule::new(&graph);
    assert_eq!(schedule.start.len(), graph.graph.node_count());
}

/// Criterion settings per size: short runs, and flat sampling (few samples
/// for the largest plans) so that the whole bench takes a few minutes on 2 cores.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, input: &Input) {
    group.throughput(Throughput::Bytes(input.generated.drplan.len() as u64));
    group.warm_up_time(Duration::from_secs(1));
    match input.vms {
        0..=1_000 => {
            group.sampling_mode(SamplingMode::Auto);
            group.sample_size(30);
            group.measurement_time(Duration::from_secs(3));
        }
        1_001..=10_000 => {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(6));
        }
        _ => {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(7));
        }
    }
}

fn whole(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("drplan/parse_check_graph_schedule");
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(BenchmarkId::from_parameter(input.vms), input, |b, input| {
            b.iter(|| {
                let (plan, diags) = drplan::compile(black_box(&input.source));
                let plan = plan.unwrap();
                let graph = graph::build(&plan, Operation::Failover, None);
                let schedule = Schedule::new(&graph);
                black_box((&plan, &diags, &graph, &schedule));
            });
        });
    }
    group.finish();
}

fn serde_typed(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("serde_json/typed");
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(BenchmarkId::from_parameter(input.vms), input, |b, input| {
            b.iter(|| {
                let plan: JsonPlan =
                    serde_json::from_str(black_box(&input.generated.json)).unwrap();
                black_box(plan)
            });
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("drplan/parse");
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(BenchmarkId::from_parameter(input.vms), input, |b, input| {
            b.iter(|| {
                let mut diags = Diagnostics::new();
                let file = drplan::syntax::parse(black_box(&input.source), &mut diags);
                black_box((file, diags))
            });
        });
    }
    group.finish();
}

fn check(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("drplan/check");
    for input in inputs {
        configure(&mut group, input);
        let mut diags = Diagnostics::new();
        let file = drplan::syntax::parse(&input.source, &mut diags).unwrap();
        assert!(diags.is_empty());
        group.bench_with_input(BenchmarkId::from_parameter(input.vms), &file, |b, file| {
            b.iter(|| {
                let mut diags = Diagnostics::new();
                let plan = drplan::check::check(&input.source, black_box(file), &mut diags);
                black_box((plan, diags))
            });
        });
    }
    group.finish();
}

fn graph_schedule(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("drplan/graph_schedule");
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(
            BenchmarkId::from_parameter(input.vms),
            &input.plan,
            |b, plan| {
                b.iter(|| {
                    let graph = graph::build(black_box(plan), Operation::Failover, None);
                    let schedule = Schedule::new(&graph);
                    black_box((graph, schedule))
                });
            },
        );
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    for input in &inputs {
        eprintln!(
            "plan of {:>7} VMs: {:>5} groups, .drplan {:>9} bytes, JSON {:>9} bytes, \
             failover graph {:>7} steps {:>9} edges",
            input.vms,
            input.plan.groups.len(),
            input.generated.drplan.len(),
            input.generated.json.len(),
            input.steps,
            input.edges
        );
    }
    whole(c, &inputs);
    serde_typed(c, &inputs);
    parse(c, &inputs);
    check(c, &inputs);
    graph_schedule(c, &inputs);
}

criterion_group!(compile, benches);
criterion_main!(compile);
