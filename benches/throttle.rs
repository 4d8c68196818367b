//! Throughput under Resource Manager's throttling: failover of a generated
//! 1,000-VM plan, on an ARM vault served by `drplan emulator` in this
//! process, driven by the real executor through the real Azure client.
//!
//! The emulator throttles as ARM does (per principal, reads 250 burst / 25
//! per second, writes 200 burst / 10 per second), serves lists in pages of
//! `PAGE` entries, and runs ASR jobs 100,000 times faster than Azure, so a
//! failover job takes milliseconds and the buckets are what limits the run.
//! The run is what `drplan run failover` does: the preflight listing of every
//! item, then every VM step (read the item, list its recovery points, POST
//! `unplannedFailover`, follow the job through the vault's shared job list).
//!
//! Reported: the requests the emulator received (reads, writes), the 429s
//! its buckets answered, the wall time, and the least time the buckets
//! allow for those requests: `max(0, (W - write burst) / write rate,
//! (R - read burst) / read rate)`, where W and R are the writes and reads
//! the emulator's buckets let through (a request answered 429 took no
//! token, so it is not counted in them).
//! R depends on how often jobs are polled, so the bound from the writes
//! alone (one POST per VM, which no client can avoid) is shown too, and
//! the goal is to come within 5% of it. The reads are broken down by kind
//! (from the client's request log) and given per VM.
//!
//! Two cases: the plan language's default recovery point (latest processed:
//! each VM's recovery points are listed, one more read per VM) and
//! `latest` (none listed), so one run is bound by reads and one by writes.
//!
//! `cargo bench --bench throttle [-- NAME]` (about 3.5 minutes for both:
//! the writes alone need 80 s each). One run per case, not sampled: the
//! figure is bucket time, not CPU time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

#[path = "support/generate.rs"]
mod generate;
#[path = "support/instant.rs"]
mod instant;
#[path = "support/served.rs"]
mod served;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use drplan::clock::Clock;
use drplan::emulator::{EmulatorOptions, EmulatorStats, Throttle};
use drplan::exec::{self, EventSink, Run};
use drplan::graph::Operation;
use drplan::journal::{JournalError, Record, RunId};
use drplan::provider::azure::{AzureProvider, Credential, RequestLog, SentRequest};
use drplan::provider::{OperationOptions, RecoveryPoint};
use drplan::source::SourceFile;

/// The vault the plan names: any Recovery Services vault id will do.
const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/bench-vault";

/// How much faster than Azure the emulator's jobs run.
const SPEED: f64 = 100_000.0;

/// The goal: within this much of the bound the writes alone set.
const GOAL: f64 = 0.05;

/// Entries a page of the emulator's lists holds: an assumption, as ASR
/// does not document its page size (the emulator's default of 3 is for
/// paging tests).
const PAGE: usize = 100;

struct Discard;

#[async_trait]
impl EventSink for Discard {
    async fn emit(&self, _: Record) -> Result<(), JournalError> {
        Ok(())
    }
}

/// What one run measured.
struct Measured {
    wall: Duration,
    stats: EmulatorStats,
    failed: usize,
    succeeded: usize,
    steps: usize,
    /// Every request the client sent.
    sent: Vec<SentRequest>,
}

/// The kinds of reads a failover makes: pages of the item list, reads of
/// one item, recovery point lists, pages of the job list, reads of one job,
/// and the rest (the preflight's subscription, quota and health reads).
const READ_KINDS: [&str; 6] = [
    "item pages",
    "items",
    "points",
    "job pages",
    "job reads",
    "other",
];

/// How many of `sent`'s reads are of each of [`READ_KINDS`].
fn reads_by_kind(sent: &[SentRequest]) -> Vec<(&'static str, usize)> {
    let kind = |path: &str| {
        if path.ends_with("/replicationProtectedItems") {
            0
        } else if path.ends_with("/recoveryPoints") {
            2
        } else if path.contains("/replicationProtectedItems/") {
            1
        } else if path.ends_with("/replicationJobs") {
            3
        } else if path.contains("/replicationJobs/") {
            4
        } else {
            5
        }
    };
    let mut counts = [0usize; READ_KINDS.len()];
    for r in sent.iter().filter(|r| r.method == reqwest::Method::GET) {
        counts[kind(&r.path)] += 1;
    }
    READ_KINDS.iter().copied().zip(counts).collect()
}

fn failover(vms: usize, options: OperationOptions) -> Measured {
    let text = generate::generate(vms)
        .drplan
        .replace("vault simulator", &format!("vault \"{VAULT}\""));
    let (plan, diagnostics) = drplan::compile(&SourceFile::new("bench.drplan", text));
    let Some(plan) = plan else {
        eprintln!("the generated plan does not compile: {diagnostics:?}");
        std::process::exit(1);
    };
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emulator_options = EmulatorOptions {
            speed: SPEED,
            page_size: std::num::NonZeroUsize::new(PAGE),
            ..EmulatorOptions::default()
        };
        let served = served::Served::start(&plan, &emulator_options).await;
        let endpoint = served.endpoint.clone();
        let log = RequestLog::new();
        let provider =
            AzureProvider::new(VAULT, &plan, &endpoint, Credential::fixed("bench", "bench"))
                .unwrap()
                .with_request_log(log.clone());
        let started = Instant::now();
        // As `drplan run` does: every machine checked first, then the steps.
        exec::preflight(&plan, &graph, &provider, None, Clock::system().now(), false)
            .await
            .unwrap();
        let outcome = exec::execute(Run {
            plan: &plan,
            graph: &graph,
            provider: &provider,
            hooks: &instant::NoHooks,
            sink: &Discard,
            clock: Clock::system(),
            cancel: tokio_util::sync::CancellationToken::new(),
            run_id: RunId("bench".into()),
            settings: None,
            options,
            parallelism: None,
            prior: None,
            seed: 1,
            vault_speed: 1.0,
            machines_before: None,
            origin: None,
        })
        .await
        .unwrap();
        let wall = started.elapsed();
        let stats = served.emulator.stats();
        served.stop().await;
        Measured {
            wall,
            stats,
            failed: outcome.failures.len(),
            succeeded: outcome.succeeded,
            steps: graph.step_count(),
            sent: log.sent(),
        }
    })
}

/// The least time the buckets take to let `n` requests through.
fn bucket_time(n: u64, burst: u32, per_s: f64) -> f64 {
    (n.saturating_sub(u64::from(burst)) as f64 / per_s).max(0.0)
}

fn main() {
    // A filter argument (`cargo bench --bench throttle -- latest`) picks
    // cases by name; flags such as `--bench` are ignored.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let vms = 1_000;
    let t = Throttle::default();
    println!(
        "failover of a generated {vms}-VM plan against the emulator, ARM throttling on \
         (reads {} burst / {}/s, writes {} burst / {}/s)",
        t.reads_burst, t.reads_per_s, t.writes_burst, t.writes_per_s
    );
    println!(
        "{:<17} {:>6} {:>7} {:>6} {:>5} {:>8} {:>13} {:>12} {:>7} {:>7}",
        "recovery point",
        "R",
        "R / VM",
        "W",
        "429s",
        "wall",
        "bound (W)",
        "bound (R)",
        "over W",
        "failed"
    );
    for (name, choice) in [
        ("latest-processed", RecoveryPoint::LatestProcessed),
        ("latest", RecoveryPoint::Latest),
    ] {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let options = OperationOptions {
            recovery_point: choice,
            ..OperationOptions::default()
        };
        let m = failover(vms, options);
        let s = m.stats;
        let by_writes = bucket_time(s.writes, t.writes_burst, t.writes_per_s);
        let by_reads = bucket_time(s.reads, t.reads_burst, t.reads_per_s);
        let wall = m.wall.as_secs_f64();
        let over = wall / by_writes - 1.0;
        println!(
            "{name:<17} {:>6} {:>7.2} {:>6} {:>5} {:>7.1}s {:>12.1}s {:>11.1}s {:>6.1}% {:>7}",
            s.reads,
            s.reads as f64 / vms as f64,
            s.writes,
            s.throttled,
            wall,
            by_writes,
            by_reads,
            over * 100.0,
            m.failed
        );
        let kinds: Vec<String> = reads_by_kind(&m.sent)
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        println!("{:<17} reads: {}", "", kinds.join(", "));
        let met = over <= GOAL && s.throttled == 0 && m.failed == 0 && m.succeeded == m.steps;
        println!(
            "{:<17} goal (within {:.0}% of the writes' bound, no 429, no failed VM): {}",
            "",
            GOAL * 100.0,
            if met { "met" } else { "missed" }
        );
    }
}
