//! `drplan run OP PLAN --dry-run`: the schedule (waves, estimates, critical
//! path, total, RTO fit) for people or as JSON without acting. Estimates
//! are learned from the runs kept beside the plan (`crate::learn`) where
//! there are any, each marked with its source, and a worst case (every step
//! at its timeout, every retry taken) bounds the total; with
//! `--online`, also the readiness findings of the operation against the
//! vault and the subscription (exit 3 on a blocker, or with `--strict` on a
//! warning).

use std::fmt::Write as _;

use crate::duration::Duration;
use crate::graph::{StepGraph, StepKind};
use crate::printable::{printable, printable_line};
use crate::schedule::{DryRun, MAX_TOTAL, Schedule};

use super::args::{Format, RunArgs};
use super::exit::ExitCode;
use super::output::ErrorCode;
use super::{Ctx, output};

pub(super) fn dry_run(
    args: &RunArgs,
    ctx: &Ctx,
    plan: &crate::plan::Plan,
    graph: &StepGraph,
) -> ExitCode {
    let learned;
    let history = super::drill::local_history(&args.plan);
    let graph = if history.is_empty() {
        graph
    } else {
        let mut with_history = graph.clone();
        crate::learn::apply(&mut with_history, &history);
        learned = with_history;
        &learned
    };
    // The checker refuses plans whose schedule overflows; this guards any
    // other way in, so that no wrong figure is ever printed.
    let schedule = match Schedule::capped(graph, args.parallelism) {
        Ok(schedule) => schedule,
        Err(overflow) => {
            return ctx.fail(
                ErrorCode::PlanInvalid,
                &printable_line(&format!(
                    "the estimated {} cannot be computed: step `{}` would end more than {MAX_TOTAL} after the start; nothing was done",
                    graph.operation,
                    graph.step(overflow.step).id
                )),
                ExitCode::Failed,
            );
        }
    };
    let worst = crate::learn::worst_case(plan, graph);
    let mut report = DryRun::new(graph, &schedule, plan.objectives.rto);
    // Timeouts too large to add up give no worst case rather than a wrong one.
    if let Ok(worst_schedule) = Schedule::capped(&worst.graph, args.parallelism) {
        report = report.with_worst_case(graph, &worst_schedule, &worst.unbounded);
    }
    let online = if args.online {
        match online(args, ctx, plan, graph) {
            Ok(found) => Some(found),
            Err(code) => return code,
        }
    } else {
        None
    };
    match args.format {
        Format::Json => match &online {
            // cli.md's fields in cli.md's order; `online` and `readiness` only when asked for.
            None => output::document(output::Schema::DryRun, &report),
            Some(found) => {
                #[derive(serde::Serialize)]
                struct WithOnline<'a> {
                    #[serde(flatten)]
                    report: &'a DryRun<'a>,
                    online: serde_json::Value,
                    readiness: &'a crate::readiness::Readiness,
                }
                output::document(
                    output::Schema::DryRun,
                    &WithOnline {
                        report: &report,
                        online: serde_json::json!({
                            "vault": found.vault,
                            "machines": found.assessment.machines.len(),
                            "ready": found.assessment.readiness.ready,
                            "reads": found.assessment.reads,
                        }),
                        readiness: &found.assessment.readiness,
                    },
                );
            }
        },
        Format::Human => {
            let mut text = human(graph, &schedule, &report, plan.vm_count());
            let learn = |g: &mut StepGraph| {
                crate::learn::apply(g, &history);
            };
            if let Some(trade) =
                crate::graph::failback::trade_off(plan, graph, schedule.total, learn)
            {
                failback_order(&mut text, &trade);
            }
            if let Some(found) = &online {
                let _ = write!(
                    text,
                    "\nonline: {} machines read from {}, {} reads of the subscription\n",
                    found.assessment.machines.len(),
                    found.vault,
                    found.assessment.reads
                );
                text.push_str(&crate::readiness::human(
                    &found.assessment.readiness,
                    graph.operation,
                ));
            }
            // Names may hold bidirectional overrides, and the vault's reasons anything.
            output::print(&printable(&text));
        }
    }
    match online {
        Some(found) if found.assessment.readiness.refuses(args.strict) => ExitCode::NotReady,
        _ => ExitCode::Success,
    }
}

/// What `--online` found: the vault it read and the readiness of the operation.
pub(super) struct Online {
    pub(super) vault: String,
    pub(super) assessment: crate::readiness::Assessment,
}

/// Reads the vault and the subscription and assesses the operation. Nothing
/// is changed; reads are bounded as for `status`, someone waits for them.
pub(super) fn online(
    args: &RunArgs,
    ctx: &Ctx,
    plan: &crate::plan::Plan,
    graph: &StepGraph,
) -> Result<Online, ExitCode> {
    let credential = ctx.credential;
    let fail = |message: &str| ctx.fail(ErrorCode::Failed, message, ExitCode::Failed);
    let wait = super::status::read_timeout()
        .map_err(|e| ctx.fail(ErrorCode::Usage, &e.to_string(), ExitCode::Usage))?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let clock = crate::clock::Clock::system();
        let provider =
            crate::exec::launch::open_provider(plan, &args.plan, args.simulate, credential, clock)
                .await
                .map_err(|e| fail(&e.to_string()))?;
        provider.limit_reads(wait);
        // `before:` is checked as the run would: a VM without a point is a blocker.
        let point = super::run::point_choice(args)
            .ok()
            .and_then(|(kind, before)| {
                Some(crate::exec::preflight::PointInTime {
                    before: before?,
                    app_consistent: kind == Some(crate::plan::RecoveryPoint::LatestAppConsistent),
                })
            });
        match crate::exec::assess(plan, graph, provider.as_ref(), None, clock.now(), point).await {
            Ok((assessment, _)) => Ok(Online {
                vault: provider.describe(),
                assessment,
            }),
            Err(crate::exec::ExecError::Provider(
                e @ crate::provider::ProviderError::Unanswered(_),
            )) => Err(fail(&format!(
                "cannot read the machines' state: {e}; {}",
                super::status::how_to_wait_longer(wait)
            ))),
            Err(e) => Err(fail(&format!("cannot read the machines' state: {e}"))),
        }
    })
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
    let vms = graph
        .steps()
        .filter(|(_, s)| s.kind == StepKind::Vm)
        .count();
    let groups = graph.groups_with_steps();
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
    let source_width = graph
        .steps()
        .map(|(_, s)| s.estimate_source.to_string().len())
        .max()
        .unwrap_or(0);
    for (w, wave) in schedule.waves.iter().enumerate() {
        let _ = writeln!(out, "wave {}", w + 1);
        for node in wave {
            let step = &g[*node];
            let _ = writeln!(
                out,
                "  {:<id_width$}  {:<8} {:>8} {:<source_width$}  starts at {}",
                step.id,
                step.kind,
                step.estimate.to_string(),
                step.estimate_source.to_string(),
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
    if let Some(worst) = &report.worst_case {
        worst_case(&mut out, worst);
    }
    out
}

/// What the failback's order means for the plan, and what the other order
/// would cost.
fn failback_order(out: &mut String, trade: &crate::graph::failback::FailbackTradeOff) {
    use crate::plan::FailbackOrder;
    let (total, other) = (trade.total.to_string(), trade.other_total.to_string());
    let _ = writeln!(out);
    match (trade.order, &trade.example) {
        (FailbackOrder::Reversed, Some((dependent, needed))) => {
            let _ = writeln!(
                out,
                "failback order: reversed (the default): what needs others fails back first, so `{dependent}` starts in the primary region before `{needed}`, which it needs.\n  `failback {{ order shutdown_reversed }}` shuts every VM down first (dependents first), then fails them back in the failover's order, so `{needed}` comes up first: estimated {other} instead of {total}."
            );
        }
        (FailbackOrder::Reversed, None) => {}
        (FailbackOrder::ShutdownReversed, _) => {
            let _ = writeln!(
                out,
                "failback order: shutdown_reversed: every VM is shut down in the recovery region first (dependents first), then failed back in the failover's order, so what others need comes up first.\n  It takes longer, every failback waiting for every shutdown: estimated {total}, against {other} with `order reversed`, which starts dependents before what they need."
            );
        }
    }
}

/// How many step ids the worst case names before "and N more".
const LISTED: usize = 5;

fn worst_case(out: &mut String, worst: &crate::schedule::WorstCaseReport<'_>) {
    let _ = writeln!(
        out,
        "worst case: {} (every step at its timeout, every retry taken, the longest backoffs)\n  through {}",
        secs(worst.estimate_s),
        worst.critical_path.join(" -> ")
    );
    let n = worst.unbounded.len();
    if n == 0 {
        return;
    }
    let named = worst.unbounded[..n.min(LISTED)].join(", ");
    let more = if n > LISTED {
        format!(" and {} more", n - LISTED)
    } else {
        String::new()
    };
    let (steps, verb) = if n == 1 {
        ("1 step has no timeout, so it counts".to_string(), "its")
    } else {
        (format!("{n} steps have no timeout, so they count"), "their")
    };
    let _ = writeln!(
        out,
        "  {steps} at {verb} estimate and the worst case has no bound: {named}{more}"
    );
}
