//! Run state: what keeping a run's journal in Blob Storage costs, on
//! Azurite over loopback, against the local `.drplan/` folder.
//!
//! - `append latency`: one `step_started` event appended at a time, waiting
//!   for each (what a lone step's start costs); criterion's distribution,
//!   and a printed median and p99 over 1,000 appends, which criterion's
//!   summary does not give.
//! - `1000-VM run`: the instant-step failover of a generated 1,000-VM plan
//!   (`support/instant.rs`: 1,010 steps, 3,022 events) with its journal in a
//!   local folder, then in a Blob container; criterion times them, and a
//!   printed comparison of interleaved runs gives the ratio (goal: within
//!   3×) and how many events each append carried. A third case queues the
//!   events without waiting for them (`instant::Emit::Pipelined`): what the
//!   executor could reach if it did not wait for each event to be stored.
//!
//! `cargo bench --bench state` (Node.js and npm needed: Azurite is
//! installed from `tests/azurite/package-lock.json` on first use).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/azurite.rs"]
mod azurite;
#[path = "support/generate.rs"]
mod generate;
#[path = "support/instant.rs"]
mod instant;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use drplan::clock::Clock;
use drplan::graph::{Operation, StepGraph};
use drplan::journal::{BlobStore, Event, JournalWriter, LocalStore, Record, RunId, RunStore};
use drplan::plan::Plan;
use drplan::source::SourceFile;
use tokio::runtime::Runtime;

use self::azurite::Azurite;
use self::instant::Emit;

/// Appends timed one by one for the printed percentiles.
const TIMED_APPENDS: usize = 1_000;
/// Runs of each store in the printed comparison.
const COMPARED_RUNS: usize = 15;
/// The container every Blob case writes to.
const CONTAINER: &str = "bench";

/// Everything the cases share: a runtime like drplan's own (one thread),
/// Azurite, and the 1,000-VM plan.
struct Setup {
    rt: Runtime,
    azurite: Azurite,
    blob: BlobStore,
    plan: Plan,
    graph: StepGraph,
    /// Blob run ids must be new for every run.
    runs: AtomicUsize,
}

impl Setup {
    fn new() -> Setup {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let azurite = Azurite::start();
        let blob = rt.block_on(azurite::store(&azurite, CONTAINER));
        let text = generate::generate(1_000).drplan;
        let (plan, _) = drplan::compile(&SourceFile::new("bench.drplan", text));
        let plan = plan.expect("the generated plan compiles");
        let graph = drplan::graph::build(&plan, Operation::Failover, None);
        Setup {
            rt,
            azurite,
            blob,
            plan,
            graph,
            runs: AtomicUsize::new(0),
        }
    }

    /// One instant run with its journal in a new local folder.
    fn local_run(&self) -> Timed {
        let dir = tempfile::tempdir().unwrap();
        self.run(
            &LocalStore::new(dir.path()),
            RunId("bench".into()),
            Emit::Awaited,
        )
    }

    fn next_run(&self) -> RunId {
        RunId(format!("run-{}", self.runs.fetch_add(1, Ordering::Relaxed)))
    }

    /// A typical event: the start of the plan's first VM step.
    fn step_started(&self) -> Record {
        let (_, step) = self
            .graph
            .steps()
            .find(|(_, s)| matches!(s.action, drplan::graph::StepAction::Vm(_)))
            .unwrap();
        Record {
            ts: Clock::system().now(),
            event: Event::StepStarted {
                step: step.id.clone(),
                kind: step.kind,
                group: self.graph.group_name(step).to_string(),
                attempt: 1,
                estimate_s: Some(
                    std::time::Duration::from_millis(step.estimate.as_millis()).as_secs_f64(),
                ),
            },
        }
    }

    /// One instant run with its journal in `store`: the wall time of the
    /// whole (the journal created, the run, the journal closed), and of the
    /// run alone.
    fn run(&self, store: &dyn RunStore, run: RunId, emit: Emit) -> Timed {
        // Between criterion's calls the runtime stands still, so the HTTP
        // client does not see Azurite close connections idle for 5 s and
        // would send on one; drplan's runtime never stands still. A moment
        // of running lets the client drop them first.
        self.rt
            .block_on(async { tokio::time::sleep(Duration::from_millis(2)).await });
        self.rt.block_on(async {
            let started = Instant::now();
            let writer = store.create(&run, "").await.unwrap();
            let running = Instant::now();
            let outcome =
                instant::run_with(&self.plan, &self.graph, Some(writer.as_ref()), run, emit).await;
            let ran = running.elapsed();
            writer.close().await;
            assert_eq!(outcome.succeeded, self.graph.step_count());
            Timed {
                whole: started.elapsed(),
                run: ran,
            }
        })
    }

    /// How many appends (blocks) the Blob journal of `run` took.
    fn appends(&self, run: &RunId) -> u64 {
        let name = format!("runs/{}/journal.000000", run.0);
        self.rt
            .block_on(self.azurite.committed_blocks(CONTAINER, &name))
    }
}

fn append_latency(c: &mut Criterion, setup: &Setup) {
    let record = setup.step_started();
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::new(dir.path());
    let stores: [(&str, &dyn RunStore); 2] = [("local", &local), ("blob", &setup.blob)];
    let mut group = c.benchmark_group("append latency");
    for (name, store) in stores {
        let writer = setup
            .rt
            .block_on(store.create(&setup.next_run(), ""))
            .unwrap();
        group.bench_function(name, |b| {
            b.iter(|| setup.rt.block_on(writer.append(&record)).unwrap());
        });
        print_percentiles(name, setup, writer.as_ref(), &record);
        setup.rt.block_on(writer.close());
    }
    group.finish();
}

/// Times [`TIMED_APPENDS`] appends one by one and prints the median, p99
/// and worst.
fn print_percentiles(name: &str, setup: &Setup, writer: &dyn JournalWriter, record: &Record) {
    let mut times: Vec<Duration> = (0..TIMED_APPENDS)
        .map(|_| {
            let started = Instant::now();
            setup.rt.block_on(writer.append(record)).unwrap();
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    // The nearest rank below: of 1,000 times, p99 is the 990th smallest.
    let at = |percent: usize| times[(times.len() - 1) * percent / 100];
    println!(
        "append latency/{name}: {TIMED_APPENDS} appends: median {:?}, p99 {:?}, max {:?}",
        at(50),
        at(99),
        times[times.len() - 1]
    );
}

fn run_1000(c: &mut Criterion, setup: &Setup) {
    let mut group = c.benchmark_group("1000-VM run");
    group.sample_size(10);
    group.bench_function("local", |b| {
        b.iter_custom(|runs| (0..runs).map(|_| setup.local_run().whole).sum());
    });
    for (name, emit) in [("blob", Emit::Awaited), ("blob pipelined", Emit::Pipelined)] {
        group.bench_function(name, |b| {
            b.iter_custom(|runs| {
                (0..runs)
                    .map(|_| setup.run(&setup.blob, setup.next_run(), emit).whole)
                    .sum()
            });
        });
    }
    group.finish();
    compare(setup);
}

/// Local and Blob runs taken in turn (so that a busy moment of the shared
/// machine falls on all), their medians, the ratios, and the events each
/// Blob append carried.
fn compare(setup: &Setup) {
    let mut local = Vec::new();
    let mut blob = Vec::new();
    let mut pipelined = Vec::new();
    let mut appends = Vec::new();
    let mut pipelined_appends = Vec::new();
    let mut events = Vec::new();
    for _ in 0..COMPARED_RUNS {
        local.push(setup.local_run());
        for (emit, times, counts) in [
            (Emit::Awaited, &mut blob, &mut appends),
            (Emit::Pipelined, &mut pipelined, &mut pipelined_appends),
        ] {
            let run = setup.next_run();
            times.push(setup.run(&setup.blob, run.clone(), emit));
            counts.push(setup.appends(&run));
            events.push(setup.rt.block_on(setup.blob.read(&run)).unwrap().len());
        }
    }
    let events = median(events);
    let local = Timed::median(&local);
    println!(
        "1000-VM run, medians of {COMPARED_RUNS}, whole (journal created and closed) / run alone:"
    );
    println!("  local: {:?} / {:?}", local.whole, local.run);
    for (name, times, counts) in [
        ("blob", blob, appends),
        ("blob pipelined", pipelined, pipelined_appends),
    ] {
        let (time, count) = (Timed::median(&times), median(counts));
        println!(
            "  {name}: {:?} / {:?}, {:.1}× / {:.1}× local; {events} events in {count} appends, \
             {:.1} events an append",
            time.whole,
            time.run,
            time.whole.as_secs_f64() / local.whole.as_secs_f64(),
            time.run.as_secs_f64() / local.run.as_secs_f64(),
            f64::from(u32::try_from(events).unwrap()) / f64::from(u32::try_from(count).unwrap())
        );
    }
}

/// Wall times of one run.
#[derive(Debug, Clone, Copy)]
struct Timed {
    /// The journal created, the run, the journal closed.
    whole: Duration,
    /// The run alone, until its last event is stored.
    run: Duration,
}

impl Timed {
    fn median(times: &[Timed]) -> Timed {
        Timed {
            whole: median(times.iter().map(|t| t.whole).collect()),
            run: median(times.iter().map(|t| t.run).collect()),
        }
    }
}

fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort_unstable();
    values[values.len() / 2]
}

fn benches(c: &mut Criterion) {
    let setup = Setup::new();
    append_latency(c, &setup);
    run_1000(c, &setup);
}

criterion_group!(state, benches);
criterion_main!(state);
