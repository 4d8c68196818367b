//! `drplan status PLAN` and `drplan jobs PLAN`: read the plan's machines,
//! the vault's health and the jobs from the provider, and print the
//! dashboard (or the job list) for people or as JSON; `--watch` redraws it
//! every few seconds until Ctrl-C.
//!
//! Someone is waiting at the screen, so each refresh reads within a bound
//! (`DRPLAN_STATUS_TIMEOUT`, 45 s by default) rather than riding out an
//! outage for minutes as a run does: the client says on stderr what it
//! waits for, and a refresh that gets no answer in time ends the command
//! with an error (exit 1) that says how to wait longer.

use std::io::IsTerminal;
use std::time::Duration;

use super::args::{Format, JobsArgs, StatusArgs};
use super::exit::ExitCode;
use super::output::ErrorCode;
use super::{Ctx, output};
use crate::clock::Clock;
use crate::dashboard;
use crate::exec::launch::open_provider;
use crate::plan::Plan;
use crate::provider::{Provider, ProviderError, Target};

/// The variable that bounds how long a refresh waits for the vault.
const STATUS_TIMEOUT_VAR: &str = "DRPLAN_STATUS_TIMEOUT";

/// How long a refresh waits for the vault when the variable is not set:
/// long enough to ride out a blip and a few retries, short enough that an
/// unreachable endpoint is reported while someone is still looking.
const STATUS_TIMEOUT: Duration = Duration::from_secs(45);

/// What a refresh shows.
enum View {
    Status,
    /// `limit`: the newest this many, or every one when `None`.
    Jobs {
        only: Vec<String>,
        limit: Option<usize>,
    },
}

/// Why a refresh shows nothing.
#[derive(Debug, thiserror::Error)]
enum RefreshError {
    /// The vault could not be read.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// `--vm` names a VM the plan lacks.
    #[error("plan `{plan}` has no VM `{vm}`")]
    UnknownVm { plan: String, vm: String },
    /// The answer could not be written as JSON.
    #[error("cannot write the answer as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `DRPLAN_STATUS_TIMEOUT` holds no duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{STATUS_TIMEOUT_VAR}=`{text}` is not a duration; set it to how long status, jobs and \
     `run --dry-run --online` wait for the vault, e.g. {STATUS_TIMEOUT_VAR}=90s, or unset it for {}",
    humantime::format_duration(STATUS_TIMEOUT)
)]
pub(super) struct TimeoutError {
    text: String,
}

/// How long reads for someone at the screen may wait for the vault:
/// `DRPLAN_STATUS_TIMEOUT`, or the default.
pub(super) fn read_timeout() -> Result<Duration, TimeoutError> {
    status_timeout(std::env::var(STATUS_TIMEOUT_VAR).ok().as_deref())
}

/// What to say when reads gave up after `wait`.
pub(super) fn how_to_wait_longer(wait: Duration) -> String {
    format!(
        "{STATUS_TIMEOUT_VAR} sets how long to wait (now {})",
        humantime::format_duration(wait)
    )
}

/// `value` (`30s`, `2m`, or seconds), or the default when it is not set.
fn status_timeout(value: Option<&str>) -> Result<Duration, TimeoutError> {
    let Some(text) = value.map(str::trim) else {
        return Ok(STATUS_TIMEOUT);
    };
    let parsed = text
        .parse::<u64>()
        .map(Duration::from_secs)
        .or_else(|_| humantime::parse_duration(text));
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(TimeoutError {
            text: text.to_owned(),
        }),
    }
}

/// What `status` shows of the plan's run under way, and how its approve
/// command names the store.
struct RunView<'a> {
    active: Option<&'a super::active::ActiveRun>,
    hint: &'a str,
}

async fn render(
    view: &View,
    plan: &Plan,
    provider: &dyn Provider,
    clock: Clock,
    json: bool,
    color: bool,
    run: &RunView<'_>,
) -> Result<String, RefreshError> {
    let mut targets = Target::all(plan);
    match view {
        View::Status => {
            let machines = provider.machines(&targets).await?;
            let vault = provider.vault_health().await?;
            let jobs = provider.jobs(&targets).await?;
            let mut board = dashboard::build(plan, &machines, &vault, &jobs, clock.now());
            tag_vaults(plan, &mut board.jobs);
            let ahead = match next_operation(&machines) {
                Some(op) => {
                    let graph = crate::graph::build(plan, op, None);
                    let read = crate::readiness::AlreadyRead {
                        machines: &machines,
                        vault: &vault,
                    };
                    let found =
                        crate::readiness::assess_read(plan, &graph, provider, clock.now(), read)
                            .await?;
                    Some((op, found.readiness))
                }
                None => None,
            };
            if json {
                #[derive(serde::Serialize)]
                struct WithReadiness<'a> {
                    #[serde(flatten)]
                    board: &'a dashboard::Dashboard,
                    /// What the next operation would meet, when the plan stands still.
                    readiness: Option<Ahead<'a>>,
                    /// The plan's run under way, if any.
                    run: Option<&'a super::active::ActiveRun>,
                }
                #[derive(serde::Serialize)]
                struct Ahead<'a> {
                    operation: crate::graph::Operation,
                    #[serde(flatten)]
                    readiness: &'a crate::readiness::Readiness,
                }
                json_line(
                    output::Schema::Status,
                    &WithReadiness {
                        board: &board,
                        readiness: ahead.as_ref().map(|(operation, readiness)| Ahead {
                            operation: *operation,
                            readiness,
                        }),
                        run: run.active,
                    },
                )
            } else {
                let mut text = dashboard::human(&board, color);
                if let Some((op, readiness)) = &ahead {
                    text.push('\n');
                    text.push_str(&crate::printable::printable(&crate::readiness::human(
                        readiness, *op,
                    )));
                }
                if let Some(active) = run.active {
                    text.push_str(&super::active::human(active, run.hint));
                }
                Ok(text)
            }
        }
        View::Jobs { only, limit } => {
            if let Some(unknown) = only.iter().find(|v| !targets.iter().any(|t| &t.vm == *v)) {
                return Err(RefreshError::UnknownVm {
                    plan: plan.name.clone(),
                    vm: unknown.clone(),
                });
            }
            if !only.is_empty() {
                targets.retain(|t| only.contains(&t.vm));
            }
            let jobs = provider.jobs(&targets).await?;
            let mut report = dashboard::jobs_report(&jobs, clock.now(), *limit);
            tag_vaults(plan, &mut report.jobs);
            if json {
                json_line(output::Schema::Jobs, &report)
            } else {
                Ok(dashboard::jobs_human(&report, color))
            }
        }
    }
}

/// The plan's provider, or the exit code of why not: 3 for vaults that
/// cannot be used together (different tenants), 1 otherwise.
async fn open(
    ctx: &Ctx,
    plan: &Plan,
    plan_path: &std::path::Path,
    simulate: bool,
    clock: Clock,
) -> Result<Box<dyn Provider>, ExitCode> {
    match open_provider(plan, plan_path, simulate, ctx.credential, clock).await {
        Ok(p) => Ok(p),
        Err(e @ ProviderError::Refused(_)) => {
            Err(ctx.fail(ErrorCode::Refused, &e.to_string(), ExitCode::NotReady))
        }
        Err(e) => {
            output::error(&e.to_string());
            Err(ExitCode::Failed)
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
    state: Option<&super::state::StateArgs>,
) -> ExitCode {
    let (_, plan) = match ctx.load_plan(plan_path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let place = match state.map(|s| super::state::of_plan(s, &plan, plan_path)) {
        Some(Ok(place)) => Some(place),
        Some(Err(e)) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
        None => None,
    };
    let hint = match &place {
        Some(super::state::Place::Blob(_, crate::journal::LocationSource::Flag)) => {
            " --state URL".to_string()
        }
        Some(super::state::Place::Blob(_, crate::journal::LocationSource::Plan)) => {
            format!(" --plan {}", plan_path.display())
        }
        _ => String::new(),
    };
    let wait = match read_timeout() {
        Ok(wait) => wait,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async {
        let clock = Clock::system();
        let provider = match open(ctx, &plan, plan_path, simulate, clock).await {
            Ok(p) => p,
            Err(code) => return code,
        };
        let store = match place {
            Some(place) => match place.open(ctx.credential).await {
                Ok(store) => Some(store),
                Err(e) => {
                    output::error(&e.to_string());
                    return ExitCode::Failed;
                }
            },
            None => None,
        };
        let stem = plan_path
            .file_stem()
            .map_or_else(|| plan.name.clone(), |s| s.to_string_lossy().into_owned());
        let mut settled = std::collections::BTreeSet::new();
        let clear = every.is_some() && !json && std::io::stdout().is_terminal();
        // One handler for the whole watch: a Ctrl-C while a refresh is read
        // is not lost.
        let mut interrupt = if every.is_some() {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
        } else {
            None
        };
        loop {
            provider.limit_reads(wait);
            let active = match &store {
                Some(store) => super::active::of_plan(store.get(), &stem, &mut settled).await,
                None => None,
            };
            let run = RunView {
                active: active.as_ref(),
                hint: &hint,
            };
            match render(view, &plan, provider.as_ref(), clock, json, ctx.color, &run).await {
                Ok(text) => {
                    // Clear the screen between refreshes on a terminal only.
                    let prefix = if clear { "\x1b[2J\x1b[H" } else { "" };
                    output::print(&format!("{prefix}{text}"));
                }
                Err(RefreshError::Provider(e @ ProviderError::Unanswered(_))) => {
                    output::error(&format!("{e}; {}", how_to_wait_longer(wait)));
                    return ExitCode::Failed;
                }
                Err(e) => {
                    output::error(&e.to_string());
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

/// Says which vault each job ran in, for a plan across vaults.
fn tag_vaults(plan: &Plan, rows: &mut [dashboard::JobRow]) {
    if plan.vaults().len() < 2 {
        return;
    }
    for row in rows {
        let group = plan
            .groups
            .iter()
            .position(|g| g.vms.iter().any(|vm| vm.name == row.vm));
        row.vault = group.map(|g| plan.vault_of(g).to_string());
    }
}

fn json_line<T: serde::Serialize>(
    schema: output::Schema,
    value: &T,
) -> Result<String, RefreshError> {
    Ok(output::document_line(schema, value)?)
}

/// The operation readiness looks ahead to: a failover while every machine is
/// protected in the primary region, a failback while every one is protected
/// back from the recovery region; none while the plan is mid-cycle (the
/// headline says what comes next then).
fn next_operation(machines: &[crate::provider::Machine]) -> Option<crate::graph::Operation> {
    use crate::provider::{Location, Stage};
    let all_at = |at: Location| {
        !machines.is_empty()
            && machines
                .iter()
                .all(|m| m.stage() == Stage::Protected && m.active_location == at)
    };
    if all_at(Location::Primary) {
        Some(crate::graph::Operation::Failover)
    } else if all_at(Location::Recovery) {
        Some(crate::graph::Operation::Failback)
    } else {
        None
    }
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
        Some(&args.state),
    )
}

pub(super) fn jobs(args: &JobsArgs, ctx: &Ctx) -> ExitCode {
    let json = args.format == Format::Json;
    let view = View::Jobs {
        only: args.vm.clone(),
        limit: (!args.all).then_some(args.limit),
    };
    watch_loop(
        ctx,
        &args.plan,
        args.simulate,
        args.watch,
        json,
        &view,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_timeout_is_a_duration_or_seconds_and_never_zero() {
        assert_eq!(status_timeout(None), Ok(STATUS_TIMEOUT));
        assert_eq!(status_timeout(Some("90")), Ok(Duration::from_secs(90)));
        assert_eq!(status_timeout(Some(" 2m ")), Ok(Duration::from_secs(120)));
        assert_eq!(
            status_timeout(Some("1500ms")),
            Ok(Duration::from_millis(1500))
        );
        for bad in ["0", "0s", "soon", "", "-3"] {
            let err = status_timeout(Some(bad)).unwrap_err().to_string();
            assert!(err.contains(STATUS_TIMEOUT_VAR), "{bad}: {err}");
        }
    }
}
