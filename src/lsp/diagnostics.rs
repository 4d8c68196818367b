//! `drplan::*` diagnostics to LSP diagnostics: the primary label's range, the
//! code and severity, the message with the help line appended, and every
//! labelled span as related information (the same `Diagnostic` the CLI renders).

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};

use crate::diagnostic::{Diagnostic, primary_label};
use crate::source::Span;

use super::document::Document;

/// The LSP diagnostics of a document, converted one at a time as they are
/// written out.
pub(super) fn of<'d>(
    uri: &'d Uri,
    doc: &'d Document,
) -> impl Iterator<Item = lsp_types::Diagnostic> + 'd {
    doc.diagnostics.iter().map(move |d| convert(uri, doc, d))
}

pub(super) fn convert(uri: &Uri, doc: &Document, diagnostic: &Diagnostic) -> lsp_types::Diagnostic {
    let span_of = |l: &miette::LabeledSpan| Span::new(l.offset(), l.offset() + l.len());
    let range = primary_label(diagnostic).map_or_else(
        || doc.range(Span::new(0, 0)),
        |label| doc.range(span_of(&label)),
    );
    let mut message = diagnostic.to_string();
    if let Some(help) = miette::Diagnostic::help(diagnostic) {
        // Editors show no separate help field; the CLI prints it under the message.
        message.push_str("\nhelp: ");
        message.push_str(&help.to_string());
    }
    let related: Vec<DiagnosticRelatedInformation> = miette::Diagnostic::labels(diagnostic)
        .map(Iterator::collect::<Vec<_>>)
        .unwrap_or_default()
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri.clone(),
                    range: doc.range(span_of(label)),
                },
                message: label.label()?.to_owned(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(if diagnostic.is_error() {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: Some(NumberOrString::String(diagnostic.code_str())),
        source: Some("drplan".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
