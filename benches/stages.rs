//! A quick, noise-resistant look at each stage of the front end on one
//! generated plan: the best of 30 runs of parse, check, graph + schedule, the
//! whole (parse + check + graph + schedule) and the `serde_json` floor.
//! `cargo bench --bench stages -- 10000`; `STAGE=parse` runs one stage only,
//! for a profiler (`RUNS=n` sets how often). Criterion's `compile` bench gives the full statistics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Instant;

use drplan::graph::{self, Operation};
use drplan::schedule::Schedule;
use drplan::{Diagnostics, SourceFile};

/// Best wall time of `runs` runs, in milliseconds.
fn best(runs: usize, f: &mut dyn FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let vms: usize = std::env::args()
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let only = std::env::var("STAGE").ok();
    // `RUNS=5` sets the runs of the chosen stage (under callgrind, say).
    let chosen_runs = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(300);
    let runs = |stage: &str| match &only {
        Some(s) if s == stage => chosen_runs,
        Some(_) => 0,
        None => 30,
    };
    let generated = generate::generate(vms);
    let source = SourceFile::new("bench.drplan", generated.drplan.as_str());
    let file = drplan::syntax::parse(&source, &mut Diagnostics::new()).unwrap();
    let plan = drplan::compile(&source).0.unwrap();

    let parse = best(runs("parse"), &mut || {
        black_box(drplan::syntax::parse(&source, &mut Diagnostics::new()));
    });
    let check = best(runs("check"), &mut || {
        black_box(drplan::check::check(
            &source,
            &file,
            &mut Diagnostics::new(),
        ));
    });
    let graph_schedule = best(runs("graph"), &mut || {
        let g = graph::build(&plan, Operation::Failover, None);
        black_box(Schedule::new(&g));
    });
    let whole = best(runs("whole"), &mut || {
        let plan = drplan::compile(&source).0.unwrap();
        let g = graph::build(&plan, Operation::Failover, None);
        black_box(Schedule::new(&g));
    });
    let serde = best(runs("serde"), &mut || {
        black_box(serde_json::from_str::<generate::JsonPlan>(&generated.json).unwrap());
    });
    println!(
        "{vms} VMs: parse {parse:.3} ms, check {check:.3} ms, graph+schedule {graph_schedule:.3} ms, \
         whole {whole:.3} ms, serde_json {serde:.3} ms, ratio {:.1}",
        whole / serde
    );
}
