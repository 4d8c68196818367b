//! Whole-document formatting: `drplan fmt`'s layout as one edit, and no edit
//! at all for text with syntax errors (formatting a broken file could lose text).

use lsp_types::TextEdit;

use super::document::Document;

/// The edits that format the document: none when it is already formatted or
/// does not parse.
pub(super) fn edits(doc: &Document) -> Vec<TextEdit> {
    match crate::fmt::format_text(doc.text()) {
        Some(formatted) if formatted != doc.text() => vec![TextEdit {
            range: doc.full_range(),
            new_text: formatted,
        }],
        _ => Vec::new(),
    }
}
