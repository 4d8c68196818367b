//! `drplan export PLAN`: a plan file in; the closest native ASR recovery
//! plan (the REST body, an ARM template or Bicep) on stdout or in `-o FILE`,
//! and on stderr a report of what the lowering loses and what it costs in
//! estimated recovery time (`--report json`: one `drplan.export/1`
//! document). Item ids are read from the vault, or with `--offline` derived
//! from Azure-to-Azure's naming convention (see `interop::export::ids`);
//! `--apply` creates or updates the recovery plan in the vault and follows
//! the operation to its end.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::duration::Duration;
use crate::graph::{Operation, StepGraph};
use crate::interop::asr::{GroupType, RecoveryPlan, RecoveryPlanGroup};
use crate::interop::export::render::{Form, render};
use crate::interop::export::{Export, ItemIds, ItemsFrom, LostBecause, Report, export};
use crate::plan::{Plan, Vault};
use crate::printable::printable;
use crate::provider::azure;
use crate::schedule::{MAX_TOTAL, Schedule};

use super::Ctx;
use super::args::Format;
use super::exit::ExitCode;
use super::output::{self, ErrorCode};

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    /// ASR's `CreateRecoveryPlanInput`, the body of the REST API's PUT.
    #[default]
    Json,
    /// An ARM template with the recovery plan resource.
    Arm,
    /// The recovery plan resource in Bicep.
    Bicep,
}

/// `drplan export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value_t)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The recovery plan's name (default: the plan's).
    #[arg(long)]
    pub name: Option<String>,
    /// Do not read the vault: derive item and fabric ids from Azure-to-Azure's naming convention.
    #[arg(long, conflicts_with = "apply")]
    pub offline: bool,
    /// Create or update the recovery plan in the vault, and wait for it.
    #[arg(long)]
    pub apply: bool,
    /// How the report on stderr is written.
    #[arg(long, value_enum, default_value_t)]
    pub report: Format,
}

pub(super) fn run(args: &ExportArgs, ctx: &Ctx) -> ExitCode {
    let (_, plan) = match ctx.load_plan(&args.plan) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let usage = |message: &str| ctx.fail(ErrorCode::Usage, message, ExitCode::Usage);
    if let Err(message) = one_site(&plan) {
        return usage(&message);
    }
    let vault = match &plan.vault {
        Vault::Arm(id) => Some(id.trim_end_matches('/').to_owned()),
        Vault::Simulator => None,
    };
    if args.apply && vault.is_none() {
        return usage(
            "--apply writes to an Azure vault, and this plan runs on `vault simulator`: give the plan its vault's ARM id, or export without --apply",
        );
    }
    let name = args.name.clone().unwrap_or_else(|| plan.name.clone());
    let graph = estimated_graph(&args.plan, &plan);
    let drplan_total = match Schedule::checked(&graph) {
        Ok(schedule) => schedule.total,
        Err(overflow) => {
            return ctx.fail(
                ErrorCode::PlanInvalid,
                &format!(
                    "the failover's estimate cannot be computed: step `{}` would end more than {MAX_TOTAL} after the start",
                    graph.step(overflow.step).id
                ),
                ExitCode::Failed,
            );
        }
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async {
        let (ids, provider) = match (&vault, args.offline) {
            (Some(vault), false) => match online(ctx, &plan, vault).await {
                Ok((ids, provider)) => (ids, Some(provider)),
                Err(message) => return ctx.fail(ErrorCode::Failed, &message, ExitCode::Failed),
            },
            (Some(vault), true) => (ItemIds::by_convention(&plan, vault), None),
            (None, _) => (
                ItemIds::by_convention(&plan, &crate::emulator::vault_id(&plan)),
                None,
            ),
        };
        let exported = export(&plan, &graph, &ids, &name);
        let form = match args.format {
            ExportFormat::Json => Form::Json,
            ExportFormat::Arm => Form::Arm,
            ExportFormat::Bicep => Form::Bicep,
        };
        let text = render(form, &exported.body, &ids.vault, &name);
        match &args.output {
            Some(path) => {
                if let Err(e) = std::fs::write(path, &text) {
                    let message = format!("cannot write {}: {e}", path.display());
                    return ctx.fail(ErrorCode::Failed, &message, ExitCode::Failed);
                }
            }
            None => output::print(&text),
        }
        let report = exported.report(&plan, &ids, drplan_total);
        match args.report {
            Format::Json => match output::document_line(output::Schema::Export, &report) {
                Ok(line) => eprint!("{line}"),
                Err(e) => output::error(&format!("cannot write JSON: {e}")),
            },
            Format::Human => eprint!("{}", printable(&human(&report, &ids, &exported))),
        }
        if let Some(provider) = provider.filter(|_| args.apply) {
            return apply(ctx, &provider, &exported).await;
        }
        ExitCode::Success
    })
}

/// A recovery plan lives in one vault, between one pair of regions.
fn one_site(plan: &Plan) -> Result<(), String> {
    let vaults = plan.vaults();
    if vaults.len() > 1 {
        return Err(format!(
            "plan `{}` spans {} vaults, and an ASR recovery plan belongs to one: export a plan per vault",
            plan.name,
            vaults.len()
        ));
    }
    for (g, group) in plan.groups.iter().enumerate() {
        let (primary, recovery) = plan.regions_of(g);
        if primary != plan.primary || recovery != plan.recovery {
            return Err(format!(
                "group `{}` fails over from {primary} to {recovery}, and the plan from {} to {}: an ASR recovery plan has one pair of regions; export a plan per pair",
                group.name, plan.primary, plan.recovery
            ));
        }
    }
    Ok(())
}

/// The failover's step graph with the estimates the dry run uses (learned
/// from the runs kept beside the plan, where there are any).
fn estimated_graph(path: &std::path::Path, plan: &Plan) -> StepGraph {
    let mut graph = crate::graph::build(plan, Operation::Failover, None);
    let history = super::drill::local_history(path);
    if !history.is_empty() {
        crate::learn::apply(&mut graph, &history);
    }
    graph
}

/// Reads the plan's items from the vault.
async fn online(
    ctx: &Ctx,
    plan: &Plan,
    vault: &str,
) -> Result<(ItemIds, azure::AzureProvider), String> {
    let hint =
        "; or export with --offline to derive the ids from Azure-to-Azure's naming convention";
    let endpoint =
        azure::Endpoint::from_env(&azure::process_env).map_err(|e| format!("{e}{hint}"))?;
    let credential = azure::credential(ctx.credential, &endpoint)
        .await
        .map_err(|e| format!("{e}{hint}"))?;
    let provider =
        azure::AzureProvider::new(vault, plan, &endpoint, credential).map_err(|e| e.to_string())?;
    let found = provider
        .recovery_plan_items(plan)
        .await
        .map_err(|e| format!("{e}{hint}"))?;
    Ok((ItemIds::from_vault(plan, vault, &found), provider))
}

/// Writes the recovery plan and checks the vault's answer holds its groups.
async fn apply(ctx: &Ctx, provider: &azure::AzureProvider, exported: &Export) -> ExitCode {
    let answer = match provider
        .put_recovery_plan(&exported.name, &exported.body)
        .await
    {
        Ok(answer) => answer,
        Err(e) => return ctx.fail(ErrorCode::Failed, &e.to_string(), ExitCode::Failed),
    };
    let groups = serde_json::from_value::<RecoveryPlan>(answer)
        .map(|plan| plan.properties.groups)
        .unwrap_or_default();
    let boot = |groups: &[RecoveryPlanGroup]| {
        groups
            .iter()
            .filter(|g| g.group_type == GroupType::Boot)
            .cloned()
            .collect::<Vec<_>>()
    };
    if boot(&groups) != boot(&exported.body.properties.groups) {
        return ctx.fail(
            ErrorCode::Failed,
            &format!(
                "recovery plan `{}` was written, but the vault answers with other boot groups than were sent; read it in the portal",
                exported.name
            ),
            ExitCode::Failed,
        );
    }
    eprintln!(
        "applied: recovery plan `{}` in {} holds {} boot groups",
        exported.name,
        provider.vault(),
        boot(&groups).len()
    );
    ExitCode::Success
}

/// `1 VM`, `2 VMs`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The report for people.
fn human(report: &Report, ids: &ItemIds, exported: &Export) -> String {
    let mut out = String::new();
    let secs = Duration::from_secs;
    let _ = writeln!(
        out,
        "recovery plan `{}` for {}: {} boot groups from {} levels",
        report.recovery_plan,
        report.vault,
        report.boot_groups.len(),
        report.levels
    );
    for (n, b) in report.boot_groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "  boot group {}: {} ({}, {}) ~{}",
            n + 1,
            b.groups.join(", "),
            count(b.vms, "VM"),
            count(b.actions, "action"),
            secs(b.estimate_s)
        );
    }
    let cost = match report.rto_cost_s {
        0 => "lowering costs no estimated recovery time".to_owned(),
        c if c > 0 => format!("lowering costs {} of RTO", secs(c.unsigned_abs())),
        c => format!(
            "ASR is estimated {} faster, by dropping hooks, order or parallelism limits drplan keeps",
            secs(c.unsigned_abs())
        ),
    };
    let _ = writeln!(
        out,
        "estimate: {} as ASR runs it (boot groups in sequence) against {} in drplan's schedule: {cost}",
        secs(report.lowered_total_s),
        secs(report.drplan_total_s)
    );
    if report.order_kept {
        out.push_str("order: every ordering constraint is kept\n");
    } else {
        let _ = writeln!(
            out,
            "order: this plan cannot be lowered without losing order; {} constraints lost:",
            report.lost_order.len()
        );
        for lost in &report.lost_order {
            let why = match lost.because {
                LostBecause::SameGroup => "ASR starts a boot group's VMs together",
                LostBecause::Cycle => {
                    "the groups need one another through VM needs, so they share a boot group"
                }
                LostBecause::Merged => "levels merged to fit ASR's 7 boot groups",
            };
            let _ = writeln!(out, "  {} then {}: {why}", lost.first, lost.then);
        }
    }
    if !report.lost_hooks.is_empty() {
        out.push_str("hooks not carried:\n");
        for lost in &report.lost_hooks {
            let phases = if lost.phases.is_empty() {
                String::new()
            } else {
                format!(" (in {})", lost.phases.join(", "))
            };
            let _ = writeln!(
                out,
                "  {}: {} {}{phases}: {}",
                lost.at, lost.hook, lost.what, lost.reason
            );
        }
    }
    for lost in &exported.lost_parallelism {
        let _ = writeln!(
            out,
            "parallelism: group {} fails over {} VMs at a time in drplan; ASR starts its {} VMs together",
            lost.group, lost.parallelism, lost.vms
        );
    }
    out.push_str(
        "not carried either: retries, timeouts, on_error policies, RTO objectives, notifications\n",
    );
    match ids.from {
        ItemsFrom::Vault => out.push_str("ids: read from the vault\n"),
        ItemsFrom::Convention => {
            out.push_str("ids: derived from Azure-to-Azure's naming convention (offline), not read from the vault\n");
            if !ids.guessed.is_empty() {
                let _ = writeln!(
                    out,
                    "  from VM names (give these VMs `item` in the plan, or export online): {}",
                    ids.guessed.join(", ")
                );
            }
        }
    }
    out
}
