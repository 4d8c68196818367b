//! Diagnostics to output: the human form (miette's graphical report, with the
//! source attached only here) and the stable JSON form of cli.md
//! ("Diagnostics"). The language server converts from the same `Diagnostic`.
//!
//! The human form goes to a terminal, and a plan is text from outside: every
//! piece of it shown there (source lines, and names and values quoted in
//! messages, labels and help) has its control characters escaped (see
//! [`crate::printable`]), and the source shown is bounded (see `excerpt`).
//! JSON carries the text as it is; serde escapes what JSON needs.

mod excerpt;
pub mod github;
mod location;
pub mod sarif;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, primary_label};
use crate::printable::printable_line;
use crate::source::{LineIndex, SourceFile};

use excerpt::Excerpt;

/// A diagnostic as the terminal gets it: its texts escaped, its labels placed
/// on the excerpt of the source that is shown.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Shown<'d> {
    diagnostic: &'d Diagnostic,
    message: String,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    code: Excerpt,
}

impl miette::Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::code(self.diagnostic)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display + 'a>)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.code)
    }
}

/// Renders one diagnostic for people: code, message, the source lines with
/// labels, and the help. `color` for terminals; `width` wraps long lines.
pub fn human(source: &SourceFile, diagnostic: &Diagnostic, color: bool, width: usize) -> String {
    human_indexed(
        source,
        &LineIndex::new(&source.text),
        diagnostic,
        color,
        width,
    )
}

/// [`human`] with the file's line index already built, for many diagnostics of one file.
pub fn human_indexed(
    source: &SourceFile,
    index: &LineIndex,
    diagnostic: &Diagnostic,
    color: bool,
    width: usize,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .without_syntax_highlighting();
    let labels: Vec<LabeledSpan> = miette::Diagnostic::labels(diagnostic)
        .map(Iterator::collect)
        .unwrap_or_default();
    let (code, labels) = excerpt::excerpt(
        &source.display_path(),
        &source.text,
        index,
        &labels,
        excerpt::window(width),
    );
    let message = printable_line(&diagnostic.to_string()).into_owned();
    let report = Shown {
        diagnostic,
        help: miette::Diagnostic::help(diagnostic)
            .map(|h| printable_line(&h.to_string()).into_owned()),
        message,
        labels,
        code,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail; fall back to the plain message all the same.
        out = format!("{}: {}\n", diagnostic.code_str(), report.message);
    }
    out
}

/// The JSON form of a diagnostic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiagnosticJson {
    /// The file as given.
    pub file: String,
    /// `drplan::unknown_group`.
    pub code: String,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The message.
    pub message: String,
    /// 1-based line of the primary label.
    pub line: usize,
    /// 1-based column (characters) of the primary label.
    pub column: usize,
    /// Every label.
    pub labels: Vec<LabelJson>,
    /// How to fix it.
    pub help: Option<String>,
}

/// A label of [`DiagnosticJson`]; `end_column` is one past the last character.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LabelJson {
    /// What is at the span.
    pub message: String,
    /// Start line.
    pub line: usize,
    /// Start column.
    pub column: usize,
    /// End line.
    pub end_line: usize,
    /// End column, exclusive.
    pub end_column: usize,
}

/// The JSON form of `drplan check`: counts and every diagnostic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckJson {
    /// Files checked.
    pub files: usize,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// The diagnostics, by file and position.
    pub diagnostics: Vec<DiagnosticJson>,
}

/// The JSON form of one diagnostic; `index` is the file's line index.
pub fn json(source: &SourceFile, index: &LineIndex, diagnostic: &Diagnostic) -> DiagnosticJson {
    let text: &str = &source.text;
    let label_json = |l: &miette::LabeledSpan| {
        let start = index.line_col(text, l.offset());
        let end = index.line_col(text, l.offset() + l.len());
        LabelJson {
            message: l.label().unwrap_or_default().to_owned(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    };
    let position = primary_label(diagnostic)
        .as_ref()
        .map_or(crate::source::LineCol { line: 1, column: 1 }, |l| {
            index.line_col(text, l.offset())
        });
    let labels = ordered_labels(diagnostic);
    DiagnosticJson {
        file: source.display_path(),
        code: diagnostic.code_str(),
        severity: if diagnostic.is_error() {
            "error"
        } else {
            "warning"
        },
        message: diagnostic.to_string(),
        line: position.line,
        column: position.column,
        labels: labels.iter().map(label_json).collect(),
        help: miette::Diagnostic::help(diagnostic).map(|h| h.to_string()),
    }
}

/// A diagnostic's labels: the one marked primary first, then the others in
/// source order.
fn ordered_labels(diagnostic: &Diagnostic) -> Vec<LabeledSpan> {
    let mut labels: Vec<LabeledSpan> = miette::Diagnostic::labels(diagnostic)
        .map(Iterator::collect)
        .unwrap_or_default();
    labels.sort_by_key(|l| (!l.primary(), l.offset()));
    labels
}

/// What a reviewer reads in CI: the message, then the help on its own line.
fn message_with_help(diagnostic: &Diagnostic) -> String {
    let message = diagnostic.to_string();
    match miette::Diagnostic::help(diagnostic) {
        Some(help) => format!("{message}\nhelp: {help}"),
        None => message,
    }
}
