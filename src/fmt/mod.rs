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
//!
//! The canonical form ([`canonical`]) is the same layout without comments
//! and blank lines: what a plan says, not how it is laid out or annotated.
//! Its SHA-256 ([`content_hash`]) names a plan's content in run journals, so
//! that a drill of a plan still counts after a reformat or a comment edit.

mod printer;

use crate::ast::PlanFile;

/// Formats a parsed file. `text` is the source it was parsed from.
pub fn format(file: &PlanFile, text: &str) -> String {
    printer::Printer::new(text, &file.comments).file(&file.statements)
}

/// Parses and formats text; `None` when it has syntax errors (formatting a
/// broken file could lose text).
pub fn format_text(text: &str) -> Option<String> {
    parse_clean(text).map(|file| format(&file, text))
}

/// The syntax tree of `text`, unless it has syntax errors.
fn parse_clean(text: &str) -> Option<PlanFile> {
    let source = crate::source::SourceFile::new("<fmt>", text);
    let mut diags = crate::diagnostic::Diagnostics::new();
    let file = crate::syntax::parse(&source, &mut diags)?;
    if diags.has_errors() {
        return None;
    }
    Some(file)
}

/// The canonical form: the formatted file without comments and blank lines.
pub fn canonical(file: &PlanFile, text: &str) -> String {
    printer::Printer::bare(text).file(&file.statements)
}

/// `sha256:<hex>` of the canonical form of `text`; `None` when it has
/// syntax errors (a file that does not parse never runs).
pub fn content_hash(text: &str) -> Option<String> {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let file = parse_clean(text)?;
    let digest = sha2::Sha256::digest(canonical(&file, text).as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    Some(out)
}
