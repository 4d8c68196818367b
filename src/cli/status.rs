//! `drplan status PLAN` and `drplan jobs PLAN`: read the plan's machines,
//! the vault's health and the jobs from the provider, and print the
//! dashboard (or the job list) for people or as JSON; `--watch` redraws it
//! every few seconds until Ctrl-C.

use std::io::IsTerminal;
use std::time::Duration;

use super::args::{Format, JobsArgs, StatusArgs};
use super::exit::ExitCode;
use super::session::open_provider;
use super::{Ctx, output};
use crate::clock::Clock;
use crate::dashboard;
use crate::plan::Plan;
use crate::provider::{Provider, Target};

/// What a refresh shows.
enum View {
    Status,
    Jobs { only: Vec<String>, limit: usize },
}

async fn render(
    view: &View,
    plan: &Plan,
    provider: &dyn Provider,
    clock: Clock,
    json: bool,
    color: bool,
) -> Result<String, String> {
    let mut targets = Target::all(plan);
    match view {
        View::Status => {
            let machines = provider
                .machines(&targets)
                .await
                .map_err(|e| e.to_string())?;
            let vault = provider.vault_health().await.map_err(|e| e.to_string())?;
            let jobs = provider.jobs(&targets).await.map_err(|e| e.to_string())?;
            let board = dashboard::build(plan, &machines, &vault, &jobs, clock.now());
            if json {
                json_line(&board)
            } else {
                Ok(dashboard::human(&board, color))
            }
        }
        View::Jobs { only, limit } => {
            if let Some(unknown) = only.iter().find(|v| !targets.iter().any(|t| &t.vm == *v)) {
                return Err(format!("plan `{}` has no VM `{unknown}`", plan.name));
            }
            if !only.is_empty() {
                targets.retain(|t| only.contains(&t.vm));
            }
            let jobs = provider.jobs(&targets).await.map_err(|e| e.to_string())?;
            let mut report = dashboard::jobs_report(&jobs, clock.now());
            report.jobs.truncate(*limit);
            if json {
                json_line(&report)
            } else {
                Ok(dashboard::jobs_human(&report, color))
            }
        }
    }
}

fn watch_loop(
    ctx: &Ctx,
    plan_path: &std::path::Path,
    simulate: bool,
    every: Option<u64>,
    json: bool,
    view: &View,
) -> ExitCode {
    let (_, plan) = match ctx.load_plan(plan_path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async {
        let clock = Clock::system();
        let provider = match open_provider(&plan, plan_path, simulate, ctx.credential, clock).await
        {
            Ok(p) => p,
            Err((e, code)) => {
                output::error(&e);
                return code;
            }
        };
        let clear = every.is_some() && !json && std::io::stdout().is_terminal();
        // One handler for the whole watch: a Ctrl-C while a refresh is read
        // is not lost.
        let mut interrupt = if every.is_some() {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
        } else {
            None
        };
        loop {
            match render(view, &plan, provider.as_ref(), clock, json, ctx.color).await {
                Ok(text) => {
                    // Clear the screen between refreshes on a terminal only.
                    let prefix = if clear { "\x1b[2J\x1b[H" } else { "" };
                    output::print(&format!("{prefix}{text}"));
                }
                Err(e) => {
                    output::error(&e);
                    return ExitCode::Failed;
                }
            }
            let Some(secs) = every else {
                return ExitCode::Success;
            };
            let Some(interrupt) = interrupt.as_mut() else {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                continue;
            };
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(secs)) => {}
                _ = interrupt.recv() => return ExitCode::Success,
            }
        }
    })
}

fn json_line<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

pub(super) fn status(args: &StatusArgs, ctx: &Ctx) -> ExitCode {
    let json = args.format == Format::Json;
    watch_loop(
        ctx,
        &args.plan,
        args.simulate,
        args.watch,
        json,
        &View::Status,
    )
}

pub(super) fn jobs(args: &JobsArgs, ctx: &Ctx) -> ExitCode {
    let json = args.format == Format::Json;
    let view = View::Jobs {
        only: args.vm.clone(),
        limit: args.limit,
    };
    watch_loop(ctx, &args.plan, args.simulate, args.watch, json, &view)
}
