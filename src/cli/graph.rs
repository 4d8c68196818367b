//! `drplan graph`: the step graph of one operation as DOT, Mermaid or JSON.

use super::args::{GraphArgs, GraphFormat};
use super::exit::ExitCode;
use super::{Ctx, load_graph, output};

pub(super) fn run(args: &GraphArgs, ctx: &Ctx) -> ExitCode {
    let (_, plan, graph) = match load_graph(ctx, &args.plan, args.operation, (&args.groups, &[])) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match args.format {
        GraphFormat::Dot => output::print(&graph.to_dot(&plan)),
        GraphFormat::Mermaid => output::print(&graph.to_mermaid(&plan)),
        GraphFormat::Json => output::document(output::Schema::Graph, &graph.to_json()),
    }
    ExitCode::Success
}
