//! `drplan graph`: the step graph of one operation as DOT, Mermaid or JSON.

use super::args::{GraphArgs, GraphFormat};
use super::exit::ExitCode;
use super::{Ctx, output, select_groups};

pub(super) fn run(args: &GraphArgs, ctx: &Ctx) -> ExitCode {
    let (_, plan) = match ctx.load_plan(&args.plan) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let only = match select_groups(&plan, &args.groups) {
        Ok(only) => only,
        Err(code) => return code,
    };
    let graph = crate::graph::build(&plan, args.operation, only.as_deref());
    match args.format {
        GraphFormat::Dot => output::print(&graph.to_dot()),
        GraphFormat::Mermaid => output::print(&graph.to_mermaid()),
        GraphFormat::Json => output::json(&graph.to_json()),
    }
    ExitCode::Success
}
