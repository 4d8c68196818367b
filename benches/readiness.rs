//! Readiness of a 1,000-VM plan under Resource Manager's throttling: what
//! `drplan run failover --dry-run --online` does, on an ARM vault served by
//! `drplan emulator` in this process (its rehearsal world derived from the
//! plan), through the real Azure client.
//!
//! The plan: 100 groups of 10 VMs, every VM with target settings (a
//! resource group and network for all, a subnet, size and zone per group,
//! a capacity reservation group for every tenth group); in the second case
//! every VM also has a static IP, whose availability is one read each (no
//! list answers it).
//!
//! Reported: the requests the emulator received, split by what they read
//! (the vault's items, Compute, Network, Resources), the 429s, the wall
//! time, and the least time the read bucket allows for that count,
//! `max(0, (R - burst) / rate)`. The goals: one pass over the
//! items' pages, one usages and one SKU list for the region, one read per
//! distinct referenced resource, no 429, and the wall time within 1.2× of
//! the bound (when the reads exceed the burst; below it the bound is zero
//! and the wall time is shown as it is).
//!
//! `cargo bench --bench readiness` (about 40 s). One run per case: the
//! figure is bucket time, not CPU time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

#[path = "support/served.rs"]
mod served;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use drplan::clock::Clock;
use drplan::emulator::{EmulatorOptions, Throttle};
use drplan::graph::Operation;
use drplan::provider::azure::{AzureProvider, Credential, RequestLog};
use drplan::source::SourceFile;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

/// The goal: within this much of the bound.
const GOAL: f64 = 0.20;

/// 100 groups of 10 VMs with target settings; `ips`: a static IP each.
fn plan_text(ips: bool) -> String {
    let mut text = format!(
        "plan bench {{\n  vault \"{SUB}/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/bench-vault\"\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  defaults {{\n    target {{ resource_group \"{SUB}/resourceGroups/rg-ne\"  network \"{SUB}/resourceGroups/rg-net-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne\" }}\n  }}\n"
    );
    for g in 0..100 {
        let reservation = if g % 10 == 0 {
            format!(
                "  capacity_reservation \"{SUB}/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-{g:03}\""
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "  group g{g:03} {{\n    target {{ subnet \"s{g:03}\"  size \"Standard_D4s_v5\"  zone {}{reservation} }}",
            g % 3 + 1
        );
        for v in 0..10 {
            if ips {
                let _ = writeln!(
                    text,
                    "    vm vm{g:03}{v} {{ target {{ ip \"10.{}.{}.{}\" }} }}",
                    20 + g / 50,
                    g % 50,
                    v + 4
                );
            } else {
                let _ = writeln!(text, "    vm vm{g:03}{v}");
            }
        }
        text.push_str("  }\n");
    }
    text.push_str("}\n");
    text
}

struct Measured {
    wall: Duration,
    reads: u64,
    throttled: u64,
    by_api: [u64; 4],
    findings: usize,
    wanted: usize,
}

fn readiness(ips: bool) -> Measured {
    let (plan, diagnostics) = drplan::compile(&SourceFile::new("bench.drplan", plan_text(ips)));
    let Some(plan) = plan else {
        eprintln!("the bench plan does not compile: {diagnostics:?}");
        std::process::exit(1);
    };
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let served = served::Served::start(&plan, &EmulatorOptions::default()).await;
        let endpoint = served.endpoint.clone();
        let vault = match &plan.vault {
            drplan::plan::Vault::Arm(id) => id.clone(),
            drplan::plan::Vault::Simulator => unreachable!("the bench plan names an ARM vault"),
        };
        let log = RequestLog::new();
        let provider = AzureProvider::new(
            &vault,
            &plan,
            &endpoint,
            Credential::fixed("bench", "bench"),
        )
        .unwrap()
        .with_request_log(log.clone());
        let started = Instant::now();
        let found =
            drplan::readiness::assess(&plan, &graph, &provider, None, Clock::system().now())
                .await
                .unwrap();
        let wall = started.elapsed();
        let stats = served.emulator.stats();
        let mut by_api = [0; 4];
        for sent in log.sent() {
            let lower = sent.path.to_ascii_lowercase();
            let slot = if lower.contains("microsoft.recoveryservices") {
                0
            } else if lower.contains("microsoft.compute") {
                1
            } else if lower.contains("microsoft.network") {
                2
            } else {
                3
            };
            by_api[slot] += 1;
        }
        served.stop().await;
        Measured {
            wall,
            reads: stats.reads,
            throttled: stats.throttled,
            by_api,
            findings: found.readiness.findings.len(),
            wanted: found.reads,
        }
    })
}

fn main() {
    let t = Throttle::default();
    println!(
        "readiness (failover --dry-run --online) of a 1,000-VM plan against the emulator, ARM throttling on (reads {} burst / {}/s)",
        t.reads_burst, t.reads_per_s
    );
    println!(
        "{:<22} {:>6} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>8} {:>8}",
        "case", "reads", "ASR", "Comp", "Net", "Res", "429s", "wall", "bound", "findings"
    );
    for (name, ips) in [("group targets", false), ("+ a static IP per VM", true)] {
        let m = readiness(ips);
        let bound =
            (m.reads.saturating_sub(u64::from(t.reads_burst)) as f64 / t.reads_per_s).max(0.0);
        let wall = m.wall.as_secs_f64();
        println!(
            "{name:<22} {:>6} {:>5} {:>5} {:>5} {:>5} {:>5} {:>7.2}s {:>7.2}s {:>8}",
            m.reads,
            m.by_api[0],
            m.by_api[1],
            m.by_api[2],
            m.by_api[3],
            m.throttled,
            wall,
            bound,
            m.findings
        );
        let fits = if bound > 0.0 {
            wall <= bound * (1.0 + GOAL)
        } else {
            true
        };
        println!(
            "{:<22} {} distinct subscription reads asked for; goal (no 429, wall within {:.0}% of the bound): {}",
            "",
            m.wanted,
            GOAL * 100.0,
            if m.throttled == 0 && fits {
                "met"
            } else {
                "NOT met"
            }
        );
    }
}
