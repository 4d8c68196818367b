//! Diagnostics as GitHub Actions workflow commands: one diagnostic in, one
//! `::error …::message` (or `::warning`) line out, which GitHub shows as an
//! annotation on the pull request's file. Positions are those of the primary
//! label: 1-based lines, UTF-16 columns (as SARIF's), the end column just
//! past the span. Text is escaped as GitHub's toolkit does.

use std::path::Path;

use crate::diagnostic::{Diagnostic, primary_label};
use crate::source::{LineIndex, SourceFile};

use super::location::{ci_path, region};

/// One workflow command for `diagnostic` of `source`, ending in a newline;
/// the file is named relative to `cwd` when it lies there.
pub fn annotation(
    source: &SourceFile,
    index: &LineIndex,
    diagnostic: &Diagnostic,
    cwd: Option<&Path>,
) -> String {
    let command = if diagnostic.is_error() {
        "error"
    } else {
        "warning"
    };
    let (offset, len) = primary_label(diagnostic).map_or((0, 0), |l| (l.offset(), l.len()));
    let r = region(&source.text, index, offset, len);
    let file = ci_path(&source.path, cwd).display();
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        escape_property(&file),
        r.start_line,
        r.start_column,
        r.end_line,
        r.end_column,
        escape_property(&diagnostic.code_str()),
        escape_data(&super::message_with_help(diagnostic)),
    )
}

/// A command's message: `%`, CR and LF escaped (GitHub's `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property's value: as a message, and `:` and `,` too (GitHub's `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_githubs_toolkit() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("drplan::x,y%\n"), "drplan%3A%3Ax%2Cy%25%0A");
    }
}
