//! `drplan run OP PLAN`: executes the operation (see `session`), or with
//! `--dry-run` prints what it would do (see `dry_run`, and `configure` for
//! the drift a `configure` would correct) without acting.

use super::args::{PointArg, RunArgs};
use super::exit::ExitCode;
use super::session::{Flags, Planned, Session};
use super::{Ctx, load_graph};
use crate::graph::{Operation, StepGraph};
use crate::journal::{RunId, RunSettings};
use crate::plan::RecoveryPoint;

pub(super) fn run(args: &RunArgs, ctx: &Ctx) -> ExitCode {
    let point = match point_choice(args) {
        Ok(point) => point,
        Err(message) => {
            return ctx.fail(super::output::ErrorCode::Usage, &message, ExitCode::Usage);
        }
    };
    let (source, plan, graph) =
        match load_graph(ctx, &args.plan, args.operation, (&args.groups, &args.vms)) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    if args.dry_run && args.operation == Operation::Configure {
        return super::configure::dry_run(args, ctx, &plan, &graph);
    }
    if args.dry_run {
        return super::dry_run::dry_run(args, ctx, &plan, &graph);
    }
    execute(args, point, ctx, &source, plan, graph)
}

/// `--recovery-point`, given at most once as a kind and once as
/// `before:`: the kind, and the instant. A kind alone is the disaster
/// case's (`--unplanned`); `before:` applies to the operations that take a
/// recovery point.
pub(super) fn point_choice(
    args: &RunArgs,
) -> Result<(Option<RecoveryPoint>, Option<crate::clock::Timestamp>), String> {
    let mut kind = None;
    let mut before = None;
    for value in &args.recovery_point {
        let twice = match value {
            PointArg::Kind(k) => kind.replace(*k).is_some(),
            PointArg::Before(t) => before.replace(*t).is_some(),
        };
        if twice {
            return Err("`--recovery-point` takes one of latest, latest-processed or latest-app-consistent, and at most one `before:INSTANT`".to_owned());
        }
    }
    if before.is_some()
        && !matches!(
            args.operation,
            Operation::Failover | Operation::Failback | Operation::TestFailover
        )
    {
        return Err(format!(
            "`--recovery-point before:` applies to failover, failback and test-failover, not {}",
            args.operation
        ));
    }
    if kind.is_some() && before.is_none() && !args.unplanned {
        return Err("`--recovery-point` chooses the point of an `--unplanned` failover (a planned one takes the latest); add `--unplanned`, or give `before:INSTANT` for a point in time".to_owned());
    }
    Ok((kind, before))
}

fn execute(
    args: &RunArgs,
    (recovery_point, before): (Option<RecoveryPoint>, Option<crate::clock::Timestamp>),
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
        vms: args.vms.clone(),
        simulate: args.simulate,
        unplanned: args.unplanned,
        recovery_point,
        before,
        points: std::collections::BTreeMap::new(),
        parallelism: args.parallelism,
    };
    let place = match super::state::of_plan(&args.state, &plan, &plan_file) {
        Ok(place) => place,
        Err(e) => {
            return ctx.fail(
                super::output::ErrorCode::Usage,
                &e.to_string(),
                ExitCode::Usage,
            );
        }
    };
    let planned = Planned {
        place,
        plan_path: plan_file,
        shown_path: args.plan.clone(),
        plan_text: source.text.to_string(),
        plan,
        graph,
        settings,
    };
    let flags = Flags::new(args.format, args.yes, args.strict, ctx).breaking_locks(args.break_lock);
    Session::new(planned, RunId::new(clock.now(), suffix), None, None, flags).execute()
}
