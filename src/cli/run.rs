//! `drplan run OP PLAN`: with `--dry-run`, the schedule of the operation
//! (waves, estimates, critical path, total, RTO fit) for people or as JSON.
//! Executing operations arrives with the executor; until then `run` says so
//! and changes nothing.

use std::fmt::Write as _;

use crate::duration::Duration;
use crate::graph::StepGraph;
use crate::schedule::{DryRun, Schedule};

use super::args::{Format, RunArgs};
use super::exit::ExitCode;
use super::{Ctx, load_graph, output};

pub(super) fn run(args: &RunArgs, ctx: &Ctx) -> ExitCode {
    if !args.dry_run {
        output::error(
            "this build of drplan plans and checks operations but does not execute them; add `--dry-run` to see the schedule",
        );
        return ExitCode::Usage;
    }
    let (plan, graph) = match load_graph(ctx, &args.plan, args.operation, &args.groups) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let schedule = Schedule::new(&graph);
    let report = DryRun::new(&graph, &schedule, plan.objectives.rto);
    match args.format {
        Format::Json => output::json(&report),
        Format::Human => output::print(&human(&graph, &schedule, &report, plan.vm_count())),
    }
    ExitCode::Success
}

fn secs(s: u64) -> String {
    Duration::from_secs(s).to_string()
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
