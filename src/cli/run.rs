//! `drplan run OP PLAN`: executes the operation (see `session`), or with
//! `--dry-run` prints its schedule (waves, estimates, critical path, total,
//! RTO fit) for people or as JSON without acting.

use std::fmt::Write as _;

use crate::duration::Duration;
use crate::graph::StepGraph;
use crate::printable::{printable, printable_line};
use crate::schedule::{DryRun, MAX_TOTAL, Schedule};

use super::args::{Format, RecoveryPointArg, RunArgs};
use super::exit::ExitCode;
use super::session::Session;
use super::{Ctx, load_graph, output};
use crate::journal::{RunId, RunSettings};

pub(super) fn run(args: &RunArgs, ctx: &Ctx) -> ExitCode {
    let (source, plan, graph) = match load_graph(ctx, &args.plan, args.operation, &args.groups) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if !args.dry_run {
        return execute(args, ctx, &source, plan, graph);
    }
    // The checker refuses plans whose schedule overflows; this guards any
    // other way in, so that no wrong figure is ever printed.
    let schedule = match Schedule::checked(&graph) {
        Ok(schedule) => schedule,
        Err(overflow) => {
            output::error(&printable_line(&format!(
                "the estimated {} cannot be computed: step `{}` would end more than {MAX_TOTAL} after the start; nothing was done",
                graph.operation,
                graph.step(overflow.step).id
            )));
            return ExitCode::Failed;
        }
    };
    let report = DryRun::new(&graph, &schedule, plan.objectives.rto);
    let online = if args.online {
        match online(args, ctx.credential, &plan, &graph) {
            Ok(found) => Some(found),
            Err(code) => return code,
        }
    } else {
        None
    };
    match args.format {
        Format::Json => match &online {
            // cli.md's fields in cli.md's order; `online` only when asked for.
            None => output::json(&report),
            Some(found) => {
                #[derive(serde::Serialize)]
                struct WithOnline<'a> {
                    #[serde(flatten)]
                    report: &'a DryRun<'a>,
                    online: serde_json::Value,
                }
                output::json(&WithOnline {
                    report: &report,
                    online: found.to_json(),
                });
            }
        },
        Format::Human => {
            let mut text = human(&graph, &schedule, &report, plan.vm_count());
            if let Some(found) = &online {
                text.push_str(&found.human(graph.operation));
            }
            // Names may hold bidirectional overrides, and the vault's reasons anything.
            output::print(&printable(&text));
        }
    }
    match online {
        Some(found) if !found.blockers.is_empty() => ExitCode::NotReady,
        _ => ExitCode::Success,
    }
}

/// What `--online` found: the vault it read and what would block the operation.
struct Online {
    vault: String,
    machines: usize,
    blockers: Vec<(String, String, String)>,
}

impl Online {
    fn to_json(&self) -> serde_json::Value {
        let blockers: Vec<serde_json::Value> = self
            .blockers
            .iter()
            .map(|(vm, group, reason)| serde_json::json!({"vm": vm, "group": group, "reason": reason}))
            .collect();
        serde_json::json!({
            "vault": self.vault,
            "machines": self.machines,
            "ready": self.blockers.is_empty(),
            "blockers": blockers,
        })
    }

    fn human(&self, op: crate::graph::Operation) -> String {
        let mut out = format!(
            "\nonline: {} machines read from {}\n",
            self.machines, self.vault
        );
        if self.blockers.is_empty() {
            let _ = writeln!(out, "every machine is ready for {op}");
        } else {
            let _ = writeln!(out, "{} would block {op}:", self.blockers.len());
            for (vm, group, reason) in &self.blockers {
                let _ = writeln!(out, "  {vm} (group {group}): {reason}");
            }
        }
        out
    }
}

/// Reads the machines from the vault and lists every blocker at once.
fn online(
    args: &RunArgs,
    credential: crate::provider::azure::CredentialKind,
    plan: &crate::plan::Plan,
    graph: &StepGraph,
) -> Result<Online, ExitCode> {
    // Someone waits for the answer, as for `status`: reads are bounded.
    let wait = super::status::read_timeout().map_err(|e| {
        output::error(&e.to_string());
        ExitCode::Usage
    })?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let clock = crate::clock::Clock::system();
        let provider =
            super::session::open_provider(plan, &args.plan, args.simulate, credential, clock)
                .await
                .map_err(|(e, code)| {
                    output::error(&e);
                    code
                })?;
        provider.limit_reads(wait);
        let mut blockers = Vec::new();
        match crate::exec::preflight(plan, graph, provider.as_ref(), None).await {
            Ok(_) => {}
            Err(crate::exec::ExecError::NotReady(list)) => {
                blockers.extend(list.into_iter().map(|b| (b.vm, b.group, b.reason)));
            }
            Err(
                e @ crate::exec::ExecError::Provider(crate::provider::ProviderError::Unanswered(_)),
            ) => {
                output::error(&format!(
                    "cannot read the machines' state: {e}; {}",
                    super::status::how_to_wait_longer(wait)
                ));
                return Err(ExitCode::Failed);
            }
            Err(e) => {
                output::error(&format!("cannot read the machines' state: {e}"));
                return Err(ExitCode::Failed);
            }
        }
        Ok(Online {
            vault: provider.describe(),
            machines: graph.steps().filter(|(_, s)| s.kind == "vm").count(),
            blockers,
        })
    })
}

fn execute(
    args: &RunArgs,
    ctx: &Ctx,
    source: &crate::source::SourceFile,
    plan: crate::plan::Plan,
    graph: StepGraph,
) -> ExitCode {
    let plan_file = std::path::absolute(&args.plan).unwrap_or_else(|_| args.plan.clone());
    let clock = crate::clock::Clock::system();
    let suffix = u16::try_from(std::process::id() % 0x1_0000).unwrap_or_default()
        ^ u16::try_from(
            clock
                .now()
                .0
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
                % 0x1_0000,
        )
        .unwrap_or_default();
    let settings = RunSettings {
        plan_file: plan_file.display().to_string(),
        groups: args.groups.clone(),
        simulate: args.simulate,
        unplanned: args.unplanned,
        recovery_point: args.recovery_point.map(|p| {
            match p {
                RecoveryPointArg::Latest => "latest",
                RecoveryPointArg::LatestProcessed => "latest-processed",
                RecoveryPointArg::LatestAppConsistent => "latest-app-consistent",
            }
            .to_string()
        }),
        parallelism: args.parallelism,
    };
    Session {
        plan_path: plan_file,
        shown_path: args.plan.clone(),
        plan_text: source.text.to_string(),
        plan,
        graph,
        settings,
        run_id: RunId::new(clock.now(), suffix),
        prior: None,
        json: args.format == Format::Json,
        yes: args.yes,
        color: ctx.color,
        credential: ctx.credential,
    }
    .execute()
}

/// Whole seconds as the language writes them. Days apart, so that no count
/// of seconds (an RTO near the largest duration) overflows milliseconds.
fn secs(s: u64) -> String {
    let (days, rest) = (s / 86_400, Duration::from_secs(s % 86_400));
    match (days, rest.is_zero()) {
        (0, _) => rest.to_string(),
        (_, true) => format!("{days}d"),
        (_, false) => format!("{days}d{rest}"),
    }
}

fn human(graph: &StepGraph, schedule: &Schedule, report: &DryRun<'_>, vm_total: usize) -> String {
    let g = &graph.graph;
    let vms = graph.steps().filter(|(_, s)| s.kind == "vm").count();
    let mut groups: Vec<usize> = graph.steps().map(|(_, s)| s.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} of plan {} (dry run: nothing is changed)\n{vms} of {vm_total} VMs in {} groups, {} steps, {} waves\n",
        report.operation,
        report.plan,
        groups.len(),
        report.steps.len(),
        schedule.waves.len()
    );
    let id_width = graph
        .steps()
        .map(|(_, s)| s.id.chars().count())
        .max()
        .unwrap_or(0);
    for (w, wave) in schedule.waves.iter().enumerate() {
        let _ = writeln!(out, "wave {}", w + 1);
        for node in wave {
            let step = &g[*node];
            let _ = writeln!(
                out,
                "  {:<id_width$}  {:<8} {:>8}  starts at {}",
                step.id,
                step.kind,
                step.estimate.to_string(),
                schedule.start[node.index()]
            );
        }
    }
    if !report.critical_path.is_empty() {
        let _ = writeln!(out, "\ncritical path:");
        for id in &report.critical_path {
            let _ = writeln!(out, "  {id}");
        }
    }
    let _ = writeln!(out, "\nestimated total: {}", secs(report.estimate_s));
    match (report.rto_s, report.fits_rto) {
        (Some(rto), Some(true)) => {
            let _ = writeln!(
                out,
                "RTO {}: fits, {} to spare",
                secs(rto),
                secs(rto - report.estimate_s.min(rto))
            );
        }
        (Some(rto), _) => {
            let _ = writeln!(
                out,
                "RTO {}: exceeded by {}",
                secs(rto),
                secs(report.estimate_s.saturating_sub(rto))
            );
        }
        (None, _) => {}
    }
    out
}
