//! Syntax tree to canonical text (`drplan fmt`). One layout whatever the input:
//! two-space indentation; `plan`, `group` and `before`/`after` blocks one
//! statement a line; every other block on one line (`{ rto 45m  rpo 15m }`)
//! unless it holds a comment or is long and crowded (a `target` or
//! `coverage` block: only long); a run of one-line setting
//! blocks aligns its braces; at most one blank line, kept where the author put
//! one. Comments stay where they were, or move to the end of their statement's
//! line when they sat inside it. Values are printed as written (quoting and
//! escapes included), so formatting never changes what a plan means.
//! Idempotent: formatting the output again changes nothing.

mod printer;

use crate::ast::PlanFile;

/// Formats a parsed file. `text` is the source it was parsed from.
pub fn format(file: &PlanFile, text: &str) -> String {
    printer::Printer::new(text, &file.comments).file(&file.statements)
}

/// Parses and formats text; `None` when it has syntax errors (formatting a
/// broken file could lose text).
pub fn format_text(text: &str) -> Option<String> {
    let source = crate::source::SourceFile::new("<fmt>", text);
    let mut diags = crate::diagnostic::Diagnostics::new();
    let file = crate::syntax::parse(&source, &mut diags)?;
    if diags.has_errors() {
        return None;
    }
    Some(format(&file, text))
}
