//! `drplan check`: every plan file named (folders expanded; `-` for the plan
//! on stdin, shown as `<stdin>`), all problems of each in one pass, for
//! people, as JSON, as SARIF or as GitHub workflow commands; exit 1 on errors
//! (or warnings with `--deny-warnings`), 2 when a path (or stdin) cannot be read.

use std::path::{Path, PathBuf};

use crate::printable::printable_line;
use crate::render::{self, CheckJson, sarif::SarifBuilder};
use crate::source::LineIndex;

use super::args::{CheckArgs, CheckFormat};
use super::exit::ExitCode;
use super::output::ErrorCode;
use super::{Ctx, output, paths};

/// A plan to check, as the command line names it.
enum Input {
    File(PathBuf),
    Stdin,
}

/// Why the arguments name no plans to check.
#[derive(Debug, thiserror::Error)]
enum InputError {
    /// A path that cannot be read, or a folder without plans.
    #[error(transparent)]
    Path(#[from] paths::PathError),
    /// `-` twice.
    #[error("`-` is given twice; stdin can be read only once")]
    StdinTwice,
}

/// The plans the arguments name, in order: folders expanded, `-` for stdin
/// (once: it can be read only once).
fn inputs(args: &[PathBuf], follow: bool) -> Result<Vec<Input>, InputError> {
    let expand = |paths: &[PathBuf]| {
        paths::expand(paths, follow)
            .map(|files| files.into_iter().map(Input::File))
            .map_err(InputError::Path)
    };
    if args.is_empty() {
        return Ok(expand(args)?.collect());
    }
    let mut out = Vec::new();
    let mut stdin = false;
    for arg in args {
        if arg == Path::new("-") {
            if stdin {
                return Err(InputError::StdinTwice);
            }
            stdin = true;
            out.push(Input::Stdin);
        } else {
            out.extend(expand(std::slice::from_ref(arg))?);
        }
    }
    Ok(out)
}

pub(super) fn run(args: &CheckArgs, ctx: &Ctx) -> ExitCode {
    let files = match inputs(&args.paths, args.follow) {
        Ok(files) => files,
        Err(e) => {
            let code = match e {
                InputError::Path(_) => ErrorCode::Unreadable,
                InputError::StdinTwice => ErrorCode::Usage,
            };
            return ctx.fail(code, &printable_line(&e.to_string()), ExitCode::Usage);
        }
    };
    let mut report = CheckJson {
        files: 0,
        errors: 0,
        warnings: 0,
        diagnostics: Vec::new(),
    };
    // Human and GitHub output are text built as files are checked; SARIF a log.
    let mut text = String::new();
    let cwd = std::env::current_dir().ok();
    let mut sarif = SarifBuilder::new(cwd.as_deref());
    let mut unreadable = 0usize;
    for input in &files {
        let read = match input {
            Input::File(path) => paths::read(path).map_err(|e| e.to_string()),
            Input::Stdin => super::fmt::read_stdin().map_err(|e| e.to_string()),
        };
        let source = match read {
            Ok(source) => source,
            Err(e) => {
                output::error(&printable_line(&e));
                sarif.unreadable(e);
                unreadable += 1;
                continue;
            }
        };
        report.files += 1;
        let (plan, mut diagnostics) = crate::compile(&source);
        super::drill::review(args, ctx, &source, plan.as_ref(), &mut diagnostics);
        let index = LineIndex::new(&source.text);
        for d in &diagnostics {
            if d.is_error() {
                report.errors += 1;
            } else {
                report.warnings += 1;
            }
            match args.format {
                CheckFormat::Json => report.diagnostics.push(render::json(&source, &index, d)),
                CheckFormat::Human => text.push_str(&render::human_indexed(
                    &source,
                    &index,
                    d,
                    ctx.color,
                    output::width(),
                )),
                CheckFormat::Sarif => sarif.add(&source, &index, d),
                CheckFormat::Github => text.push_str(&render::github::annotation(
                    &source,
                    &index,
                    d,
                    cwd.as_deref(),
                )),
            }
        }
    }
    match args.format {
        CheckFormat::Json => output::document(output::Schema::Check, &report),
        CheckFormat::Human => {
            text.push_str(&summary(&report, unreadable));
            output::print(&text);
        }
        // SARIF is a standard of its own: its first key is `$schema`, not ours.
        CheckFormat::Sarif => output::json(&sarif.finish()),
        CheckFormat::Github => output::print(&text),
    }
    if unreadable > 0 {
        ExitCode::Usage
    } else if report.errors > 0 || (args.deny_warnings && report.warnings > 0) {
        ExitCode::Failed
    } else {
        ExitCode::Success
    }
}

fn summary(report: &CheckJson, unreadable: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut files = plural(report.files, "file");
    if unreadable > 0 {
        files = format!(
            "{files} ({} could not be read)",
            plural(unreadable, "other")
        );
    }
    match (report.errors, report.warnings) {
        (0, 0) if unreadable > 0 => format!("checked {files}\n"),
        (0, 0) => format!("checked {files}: no problems\n"),
        (e, 0) => format!("checked {files}: {}\n", plural(e, "error")),
        (0, w) => format!("checked {files}: {}\n", plural(w, "warning")),
        (e, w) => format!(
            "checked {files}: {}, {}\n",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}
