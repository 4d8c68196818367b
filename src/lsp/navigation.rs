//! Go to definition, find references and rename, for groups and VMs: every
//! occurrence of a name of the same kind (definitions and `needs`) in the file.

use std::collections::HashMap;

use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};

use super::document::{Document, NameRef};

/// Where the name under the cursor is defined.
pub(super) fn definition(uri: &Uri, doc: &Document, offset: usize) -> Option<Location> {
    let at = doc.name_at(offset)?;
    let def = same(doc, &at).into_iter().find(|n| n.definition)?;
    Some(Location {
        uri: uri.clone(),
        range: doc.range(def.name.span),
    })
}

/// Every occurrence of the name under the cursor.
pub(super) fn references(
    uri: &Uri,
    doc: &Document,
    offset: usize,
    declaration: bool,
) -> Vec<Location> {
    let Some(at) = doc.name_at(offset) else {
        return Vec::new();
    };
    same(doc, &at)
        .into_iter()
        .filter(|n| declaration || !n.definition)
        .map(|n| Location {
            uri: uri.clone(),
            range: doc.range(n.name.span),
        })
        .collect()
}

/// The edits that rename the group or VM under the cursor everywhere in the file.
pub(super) fn rename(
    uri: &Uri,
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Option<WorkspaceEdit> {
    let at = doc.name_at(offset)?;
    let edits = same(doc, &at)
        .into_iter()
        .map(|n| TextEdit {
            range: doc.range(n.name.span),
            new_text: if n.name.quoted {
                quoted(new_name)
            } else {
                written(new_name)
            },
        })
        .collect();
    Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    })
}

/// The range of the name a rename would change, if there is one under the cursor.
pub(super) fn prepare(doc: &Document, offset: usize) -> Option<lsp_types::Range> {
    doc.name_at(offset).map(|n| doc.range(n.name.span))
}

fn same(doc: &Document, at: &NameRef) -> Vec<NameRef> {
    doc.names()
        .into_iter()
        .filter(|n| n.kind == at.kind && n.name.text == at.name.text)
        .collect()
}

/// A name as it must be written: bare when it is an identifier, else quoted
/// (spec: language.md "Lexical rules").
pub(super) fn written(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ident { name.to_owned() } else { quoted(name) }
}

fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_only_when_they_must_be() {
        assert_eq!(written("web-01"), "web-01");
        assert_eq!(written("sql.primary"), "sql.primary");
        assert_eq!(written("1st"), "\"1st\"");
        assert_eq!(written("a \"b\""), "\"a \\\"b\\\"\"");
    }
}
