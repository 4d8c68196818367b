//! Diagnostics to output: the human form (miette's graphical report, with the
//! source attached only here) and the stable JSON form of cli.md
//! ("Diagnostics"). The language server converts from the same `Diagnostic`.

use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, primary_label};
use crate::source::{LineIndex, SourceFile};

/// A diagnostic with its file's source attached, as miette renders it.
#[derive(Debug, thiserror::Error)]
#[error("{diagnostic}")]
struct WithSource {
    diagnostic: Diagnostic,
    code: NamedSource<Arc<str>>,
}

impl miette::Diagnostic for WithSource {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::code(&self.diagnostic)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(&self.diagnostic)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::help(&self.diagnostic)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(&self.diagnostic)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.code)
    }
}

/// Renders one diagnostic for people: code, message, the source lines with
/// labels, and the help. `color` for terminals; `width` wraps long lines.
pub fn human(source: &SourceFile, diagnostic: &Diagnostic, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .without_syntax_highlighting();
    let report = WithSource {
        diagnostic: diagnostic.clone(),
        code: NamedSource::new(source.display_path(), Arc::clone(&source.text)),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail; fall back to the plain message all the same.
        out = format!("{}: {diagnostic}\n", diagnostic.code_str());
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
    let primary = primary_label(diagnostic);
    let position = primary
        .as_ref()
        .map_or(crate::source::LineCol { line: 1, column: 1 }, |l| {
            index.line_col(text, l.offset())
        });
    // The primary label first, then the others in source order.
    let mut labels: Vec<miette::LabeledSpan> = miette::Diagnostic::labels(diagnostic)
        .map(Iterator::collect)
        .unwrap_or_default();
    labels.sort_by_key(|l| (!l.primary(), l.offset()));
    if primary.as_ref().is_some_and(|p| !p.primary()) {
        labels.sort_by_key(miette::LabeledSpan::offset);
    }
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
