//! Makespans in simulated time (tokio's paused clock, the simulator at
//! speed 1, so durations are ASR's typical ones):
//!
//! (b) a generated 1,000-VM DAG plan under a run-wide cap of P VM operations
//!     at a time: the executor's makespan, the dry run's total for the same
//!     cap (one schedule: they must agree), the lower bound
//!     max(critical path, total work / P), and the tighter bound of
//!     `drplan::schedule::lower_bound`, which counts the start and the end;
//! (c) each plan in `plans/`: failover with drplan's DAG against the same plan
//!     run as ASR's own recovery plans run it (groups strictly one after
//!     another, at most 7, every VM of a group at once, hooks at the group's
//!     start and end).
//!
//! `cargo bench --bench makespan` prints both tables; the figures are exact
//! and repeatable, so they are printed once, not sampled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

#[path = "support/generate.rs"]
mod generate;

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use drplan::clock::Clock;
use drplan::exec::{self, EventSink, HookCall, HookEnd, HookRunner, Run};
use drplan::graph::{Operation, StepGraph, StepKind};
use drplan::journal::{JournalError, Record, RunId};
use drplan::plan::{HookAction, Plan};
use drplan::provider::simulator::Simulator;
use drplan::provider::{OperationOptions, Progress};
use drplan::schedule::Schedule;
use drplan::source::SourceFile;

/// Hooks take their estimate (a `wait` its duration) on the paused clock.
struct TimedHooks(HashMap<String, Duration>);

#[async_trait]
impl HookRunner for TimedHooks {
    async fn run(
        &self,
        _: &HookAction,
        call: HookCall<'_>,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> HookEnd {
        tokio::time::sleep(self.0.get(call.step).copied().unwrap_or_default()).await;
        Ok(String::new()).into()
    }
}

struct Discard;

#[async_trait]
impl EventSink for Discard {
    async fn emit(&self, _: Record) -> Result<(), JournalError> {
        Ok(())
    }
}

/// The simulated time a failover of `plan` takes, with an optional run-wide cap.
fn simulated_failover(plan: &Plan, cap: Option<u32>) -> Duration {
    let graph = drplan::graph::build(plan, Operation::Failover, None);
    let hooks = TimedHooks(
        graph
            .steps()
            .filter(|(_, s)| s.kind != StepKind::Vm)
            .map(|(_, s)| (s.id.clone(), s.estimate.to_std()))
            .collect(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let clock = Clock::test();
        let sim = Simulator::in_memory(plan, clock, 1.0);
        let outcome = exec::execute(Run {
            plan,
            graph: &graph,
            provider: &sim,
            hooks: &hooks,
            sink: &Discard,
            clock,
            cancel: tokio_util::sync::CancellationToken::new(),
            run_id: RunId("bench".into()),
            settings: None,
            options: OperationOptions::default(),
            parallelism: cap,
            prior: None,
            seed: 1,
            vault_speed: 1.0,
            machines_before: None,
            origin: None,
        })
        .await
        .unwrap();
        assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        outcome.duration
    })
}

/// max(critical path, total VM work / cap): no schedule can beat it.
fn lower_bound(graph: &StepGraph, cap: u32) -> Duration {
    let critical = Schedule::new(graph)
        .priority
        .iter()
        .max()
        .copied()
        .unwrap_or_default()
        .to_std();
    let work: Duration = graph
        .steps()
        .filter(|(_, s)| s.kind == StepKind::Vm)
        .map(|(_, s)| s.estimate.to_std())
        .sum();
    critical.max(work / cap)
}

/// The plan as ASR's recovery plans would run it: groups in an order that
/// respects `needs`, merged into at most 7 consecutive groups, each needing
/// the one before, with every VM of a group at once and no VM-level order.
fn asr_style(plan: &Plan) -> Plan {
    let order = topological(plan);
    let buckets = order.len().min(7);
    let mut out = plan.clone();
    out.groups = Vec::new();
    for b in 0..buckets {
        let members = &order[b * order.len() / buckets..(b + 1) * order.len() / buckets];
        let mut group = plan.groups[members[0]].clone();
        group.name = format!("asr-{}", b + 1);
        group.needs = if b == 0 { Vec::new() } else { vec![b - 1] };
        group.vms = Vec::new();
        group.hooks = Vec::new();
        for &m in members {
            let g = &plan.groups[m];
            group.vms.extend(g.vms.iter().cloned().map(|mut v| {
                v.needs.clear();
                v
            }));
            group.hooks.extend(g.hooks.iter().cloned());
        }
        group.parallelism = u32::try_from(group.vms.len().max(1)).unwrap();
        out.groups.push(group);
    }
    out
}

fn topological(plan: &Plan) -> Vec<usize> {
    let mut done = vec![false; plan.groups.len()];
    let mut order = Vec::new();
    while order.len() < plan.groups.len() {
        for (i, g) in plan.groups.iter().enumerate() {
            if !done[i] && g.needs.iter().all(|&n| done[n]) {
                done[i] = true;
                order.push(i);
            }
        }
    }
    order
}

/// VMs take 3 to 12 minutes, spread deterministically: equal durations
/// would make every schedule a multiple of one duration, and hide how close
/// to the bound the dispatch order gets.
fn vary_estimates(plan: &mut Plan) {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for vm in plan.groups.iter_mut().flat_map(|g| g.vms.iter_mut()) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        vm.estimate = drplan::duration::Duration::from_secs(180 + x % 541);
    }
}

fn compile(text: &str, path: &str) -> Plan {
    let (plan, diagnostics) = drplan::compile(&SourceFile::new(path, text));
    let Some(plan) = plan else {
        eprintln!("{path}: {diagnostics:?}");
        std::process::exit(1);
    };
    plan
}

fn mins(d: Duration) -> String {
    format!("{:.1} min", d.as_secs_f64() / 60.0)
}

fn main() {
    // Criterion-style filters and flags (`--bench`) are accepted and ignored.
    println!("(b) makespan of a generated 1,000-VM DAG plan, simulated time");
    println!(
        "{:>6}  {:>12}  {:>12}  {:>12}  {:>8}  {:>13}  {:>8}",
        "cap", "makespan", "dry run", "lower bound", "over", "tighter bound", "over"
    );
    let mut plan = compile(&generate::generate(1_000).drplan, "generated.drplan");
    vary_estimates(&mut plan);
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    for cap in [25u32, 50, 100, 200] {
        let makespan = simulated_failover(&plan, Some(cap));
        let planned = Schedule::new_capped(&graph, Some(cap)).total.to_std();
        let bound = lower_bound(&graph, cap);
        let over = (makespan.as_secs_f64() / bound.as_secs_f64() - 1.0) * 100.0;
        let tight = bound.max(drplan::schedule::lower_bound(&graph, cap).to_std());
        let over_tight = (makespan.as_secs_f64() / tight.as_secs_f64() - 1.0) * 100.0;
        println!(
            "{cap:>6}  {:>12}  {:>12}  {:>12}  {over:>7.2}%  {:>13}  {over_tight:>7.2}%",
            mins(makespan),
            mins(planned),
            mins(bound),
            mins(tight)
        );
    }

    println!(
        "\n(c) failover of each plan in plans/: drplan's DAG against ASR-style sequential groups"
    );
    println!(
        "{:<22}  {:>6}  {:>6}  {:>12}  {:>12}  {:>6}",
        "plan", "VMs", "groups", "drplan", "ASR-style", "ratio"
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "drplan"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let plan = compile(&text, &file.display().to_string());
        let dag = simulated_failover(&plan, None);
        let asr = simulated_failover(&asr_style(&plan), None);
        println!(
            "{:<22}  {:>6}  {:>6}  {:>12}  {:>12}  {:>5.2}x",
            file.file_name().unwrap().to_string_lossy(),
            plan.vm_count(),
            plan.groups.len(),
            mins(dag),
            mins(asr),
            asr.as_secs_f64() / dag.as_secs_f64()
        );
    }
}
