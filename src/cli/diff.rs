//! `drplan diff OLD NEW`: what a change to a plan does. Each side is a
//! file, or `REV:PATH` read from git; both must check without errors. Prints
//! the [`crate::diff::PlanDiff`] for people, as Markdown for a pull-request
//! comment, or as JSON (`drplan.diff/1`). Exit 0 when the plans do the same
//! thing, 1 when they differ, 2 when a side cannot be read or has errors.

use serde::Serialize;

use crate::diff::{PlanDiff, render};
use crate::git::{self, Side};
use crate::plan::Plan;
use crate::printable::printable_line;
use crate::source::SourceFile;

use super::exit::ExitCode;
use super::output::ErrorCode;
use super::{Ctx, output, paths};

/// How `drplan diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum DiffFormat {
    /// Text for a terminal.
    #[default]
    Human,
    /// Markdown, ready to post as a pull-request comment.
    Md,
    /// JSON (`"schema": "drplan.diff/1"`).
    Json,
}

/// `drplan diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The plan before: a file, or REV:PATH (a git revision and the file's path in it,
    /// from the repository's top folder or starting with ./).
    pub old: String,
    /// The plan after: a file, or REV:PATH.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
}

/// The JSON document.
#[derive(Serialize)]
struct DiffJson<'a> {
    old: &'a str,
    new: &'a str,
    /// Whether the plans differ in what they do.
    differs: bool,
    summary: String,
    #[serde(flatten)]
    diff: &'a PlanDiff,
}

pub(super) fn run(args: &DiffArgs, ctx: &Ctx) -> ExitCode {
    let (old_label, old) = match load(&args.old, ctx) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (new_label, new) = match load(&args.new, ctx) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let diff = crate::diff::diff(&old, &new);
    match args.format {
        DiffFormat::Human => output::print(&render::human(&diff, &old_label, &new_label)),
        DiffFormat::Md => output::print(&render::markdown(&diff, &old_label, &new_label)),
        DiffFormat::Json => output::document(
            output::Schema::Diff,
            &DiffJson {
                old: &old_label,
                new: &new_label,
                differs: !diff.is_empty(),
                summary: render::summary(&diff),
                diff: &diff,
            },
        ),
    }
    if diff.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failed
    }
}

/// Reads and checks one side: its label (the file or `REV:PATH`) and plan.
/// A side that cannot be read, or that has errors, is exit 2 with the reason
/// (the errors rendered as `check` renders them) on stderr, or one error
/// document under `--format json`.
fn load(arg: &str, ctx: &Ctx) -> Result<(String, Plan), ExitCode> {
    let side = Side::parse(arg);
    let label = side.label();
    let source = match &side {
        Side::File(path) => paths::read(path).map_err(|e| e.to_string()),
        Side::Revision { rev, path } => git::show(rev, path)
            .map(|text| SourceFile::new(&label, text))
            .map_err(|e| e.to_string()),
    };
    let source = source
        .map_err(|e| ctx.fail(ErrorCode::Unreadable, &printable_line(&e), ExitCode::Usage))?;
    let plan = ctx.compile_or(&source, ExitCode::Usage)?;
    Ok((label, plan))
}
