//! Code actions: a quick fix for every diagnostic whose help suggests a name
//! ("did you mean `timeout`?"), replacing the misspelt word, group, VM, value
//! or region under the diagnostic with the suggestion.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, Uri, WorkspaceEdit};

use crate::diagnostic::primary_label;
use crate::source::Span;
use crate::suggest;

use super::document::Document;
use super::rename::{quoted, written};

/// The quick fixes for the diagnostics that touch `range` (byte offsets).
pub(super) fn quick_fixes(uri: &Uri, doc: &Document, range: Span) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in &doc.diagnostics {
        let Some(label) = primary_label(diagnostic) else {
            continue;
        };
        let span = Span::new(label.offset(), label.offset() + label.len());
        // Touching counts: a cursor just after the word still gets the fix.
        if span.end < range.start || range.end < span.start {
            continue;
        }
        let Some(help) = miette::Diagnostic::help(diagnostic).map(|h| h.to_string()) else {
            continue;
        };
        let Some(name) = suggest::suggested(&help) else {
            continue;
        };
        let Some(old) = doc.text().get(span.start as usize..span.end as usize) else {
            continue;
        };
        // Only a single word or string is replaced, never a whole statement.
        let new_text = if old.starts_with('"') {
            quoted(name)
        } else if !old.is_empty() && !old.contains(char::is_whitespace) {
            written(name)
        } else {
            continue;
        };
        let edit = TextEdit {
            range: doc.range(span),
            new_text,
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Replace `{old}` with `{name}`"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![super::diagnostics::convert(uri, doc, diagnostic)]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixes(text: &str, at: &str) -> Vec<(String, String)> {
        let doc = Document::new("t.drplan", text.to_owned());
        let uri: Uri = "file:///t.drplan".parse().unwrap();
        let offset = text.find(at).unwrap();
        quick_fixes(&uri, &doc, Span::new(offset, offset))
            .into_iter()
            .map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => {
                    // One file, one edit.
                    let mut edits = a.edit.unwrap().changes.unwrap().into_values();
                    (a.title, edits.next().unwrap()[0].new_text.clone())
                }
                CodeActionOrCommand::Command(c) => (c.title, String::new()),
            })
            .collect()
    }

    const PLAN: &str = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group db { vm d }\n  group app needs dbb {\n    vm a\n    after failover { wait 1m { timout 2m } }\n  }\n}\n";

    #[test]
    fn misspelt_names_settings_and_regions_get_a_fix() {
        assert_eq!(
            fixes(PLAN, "dbb"),
            [("Replace `dbb` with `db`".to_owned(), "db".to_owned())]
        );
        assert_eq!(fixes(PLAN, "timout")[0].1, "timeout");
        let region = PLAN.replace("\"westeurope\"", "\"westeuropa\"");
        assert_eq!(fixes(&region, "westeuropa")[0].1, "\"westeurope\"");
        // No suggestion, no fix.
        assert!(fixes(PLAN, "vm a").is_empty());
    }

    #[test]
    fn target_values_and_far_regions_get_a_fix() {
        let sizes = PLAN.replace(
            "vm d",
            "vm d { target { size \"standard_d4s_v5\"  ip 10.2.1.4 } }",
        );
        assert_eq!(fixes(&sizes, "standard")[0].1, "\"Standard_D4s_v5\"");
        // An unquoted address is replaced by the quoted one.
        assert_eq!(fixes(&sizes, "10.2")[0].1, "\"10.2.1.4\"");
        let region = PLAN.replace("\"northeurope\"", "\"eu-north-1\"");
        assert_eq!(fixes(&region, "eu-north")[0].1, "\"northeurope\"");
    }
}
