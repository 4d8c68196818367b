//! `drplan fmt`: rewrites plan files in the canonical layout, or with
//! `--check` lists those that would change (exit 1), and with `--diff` shows
//! how, as a unified diff of each. Files with syntax errors are left alone
//! and reported (exit 1). `-` formats stdin to stdout.

use std::io::Read;
use std::path::Path;

use crate::diagnostic::Diagnostics;
use crate::printable::printable_line;
use crate::source::SourceFile;

use super::args::FmtArgs;
use super::exit::ExitCode;
use super::{Ctx, output, paths};

pub(super) fn run(args: &FmtArgs, ctx: &Ctx) -> ExitCode {
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        return stdin(args, ctx);
    }
    let files = match paths::expand(&args.paths, args.follow) {
        Ok(files) => files,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
    };
    let mut code = ExitCode::Success;
    for path in &files {
        let source = match paths::read(path) {
            Ok(source) => source,
            Err(e) => {
                output::error(&e.to_string());
                code = ExitCode::Usage;
                continue;
            }
        };
        let Some(formatted) = format(&source, ctx) else {
            if code == ExitCode::Success {
                code = ExitCode::Failed;
            }
            continue;
        };
        if formatted == *source.text {
            continue;
        }
        if args.check {
            let mut said = format!("{}\n", printable_line(&source.display_path()));
            if args.diff {
                said.push_str(&diff(&source, &formatted));
            }
            output::print(&said);
            if code == ExitCode::Success {
                code = ExitCode::Failed;
            }
        } else if let Err(e) = std::fs::write(path, formatted) {
            output::error(&printable_line(&format!(
                "cannot write `{}`: {e}",
                path.display()
            )));
            code = ExitCode::Failed;
        } else {
            tracing::info!(file = %source.display_path(), "formatted");
        }
    }
    code
}

/// A unified diff from the file as it is to `formatted`, 3 lines of
/// context, `a/` and `b/` before the path as git writes them. Control
/// characters (a `\r` that formatting drops) are shown escaped.
fn diff(source: &SourceFile, formatted: &str) -> String {
    let path = printable_line(&source.display_path()).into_owned();
    let diff = similar::TextDiff::from_lines(&*source.text, formatted)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    crate::printable::printable(&diff).into_owned()
}

/// The formatted text, or `None` after reporting the file's syntax errors.
fn format(source: &SourceFile, ctx: &Ctx) -> Option<String> {
    let mut diags = Diagnostics::new();
    let file = crate::syntax::parse(source, &mut diags);
    match file {
        Some(file) if !diags.has_errors() => Some(crate::fmt::format(&file, &source.text)),
        _ => {
            let index = crate::source::LineIndex::new(&source.text);
            for d in diags.into_sorted() {
                let shown =
                    crate::render::human_indexed(source, &index, &d, ctx.color, output::width());
                eprint!("{shown}");
            }
            output::error(&printable_line(&format!(
                "{} was not formatted: fix its syntax errors first",
                source.display_path()
            )));
            None
        }
    }
}

/// Why the plan on stdin cannot be read; said as for a file.
#[derive(Debug, thiserror::Error)]
pub(super) enum StdinError {
    /// Reading failed.
    #[error("cannot read stdin: {0}")]
    Read(#[from] std::io::Error),
    /// Spans hold `u32` offsets.
    #[error("<stdin> is larger than 4 GiB; a plan cannot be")]
    TooLarge,
    /// Not text; the offset of the first invalid byte.
    #[error("<stdin> is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
}

/// The plan on stdin, named `<stdin>`; refused as a file would be when it is
/// not UTF-8 or larger than 4 GiB.
pub(super) fn read_stdin() -> Result<SourceFile, StdinError> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes)?;
    if u32::try_from(bytes.len()).is_err() {
        return Err(StdinError::TooLarge);
    }
    let text =
        String::from_utf8(bytes).map_err(|e| StdinError::NotUtf8(e.utf8_error().valid_up_to()))?;
    Ok(SourceFile::new("<stdin>", text))
}

fn stdin(args: &FmtArgs, ctx: &Ctx) -> ExitCode {
    let source = match read_stdin() {
        Ok(source) => source,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
    };
    let Some(formatted) = format(&source, ctx) else {
        return ExitCode::Failed;
    };
    if args.check {
        if formatted == *source.text {
            return ExitCode::Success;
        }
        if args.diff {
            output::print(&diff(&source, &formatted));
        }
        return ExitCode::Failed;
    }
    output::print(&formatted);
    ExitCode::Success
}
