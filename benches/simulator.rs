//! The simulated vault at estate scale: a generated plan's whole failover,
//! run by the executor as `drplan run --simulate` runs it (each group's VMs
//! at most `parallelism` at a time, groups as their `needs` allow, every VM
//! started and followed to its end), against a simulated vault whose state
//! file is on disk, at `DRPLAN_SIM_SPEED=100000` on the system clock. Hooks
//! finish at once and no journal is kept, so what is measured is the
//! simulated vault's own cost (its state file included) plus the jobs'
//! scaled durations. Goal: 10,000 VMs in under 10 s, and growth from 1,000
//! to 10,000 VMs within 12×.
//!
//! `cargo bench --bench simulator -- --sample-size 10`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;
#[path = "support/instant.rs"]
mod instant;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::clock::Clock;
use drplan::exec::{self, Run};
use drplan::graph::Operation;
use drplan::journal::{JournalError, Record, RunId};
use drplan::provider::OperationOptions;
use drplan::provider::simulator::Simulator;
use drplan::source::SourceFile;

/// The speed of the figures.
const SPEED: f64 = 100_000.0;

/// Drops every event: the journal's cost is `benches/exec.rs`'s.
struct Nowhere;

#[async_trait::async_trait]
impl exec::EventSink for Nowhere {
    async fn emit(&self, _: Record) -> Result<(), JournalError> {
        Ok(())
    }
}

fn failover(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulated_vault");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for vms in [1_000usize, 10_000] {
        let text = generate::generate(vms).drplan;
        let (plan, _) = drplan::compile(&SourceFile::new("bench.drplan", text));
        let plan = plan.expect("the generated plan compiles");
        let graph = drplan::graph::build(&plan, Operation::Failover, None);
        group.bench_function(format!("{vms}_vms_failover_on_disk"), |b| {
            b.iter(|| {
                // A fresh vault each time: every VM starts in the primary region.
                let dir = tempfile::tempdir().unwrap();
                let state = dir.path().join(".drplan/bench.vault.json");
                let clock = Clock::system();
                let sim = Simulator::open_files(&plan, &state, None, clock, SPEED).unwrap();
                let outcome = rt
                    .block_on(exec::execute(Run {
                        plan: &plan,
                        graph: &graph,
                        provider: &sim,
                        hooks: &instant::NoHooks,
                        sink: &Nowhere,
                        clock,
                        cancel: tokio_util::sync::CancellationToken::new(),
                        run_id: RunId("bench".into()),
                        settings: None,
                        options: OperationOptions::default(),
                        parallelism: None,
                        prior: None,
                        seed: 1,
                        vault_speed: SPEED,
                        machines_before: None,
                        origin: None,
                    }))
                    .unwrap();
                assert_eq!(outcome.succeeded, graph.step_count());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, failover);
criterion_main!(benches);
