//! Go to definition, find references, highlights and rename, for groups and VMs: every
//! occurrence of a name of the same kind (definitions and `needs`) in the file.

use std::collections::HashMap;

use lsp_types::{DocumentHighlight, DocumentHighlightKind, Location, TextEdit, Uri, WorkspaceEdit};

use super::document::{Document, NameRef, SymbolKind};

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

/// Every occurrence of the name under the cursor, for the editor to mark:
/// the definition as written, uses as read.
pub(super) fn highlights(doc: &Document, offset: usize) -> Vec<DocumentHighlight> {
    let Some(at) = doc.name_at(offset) else {
        return Vec::new();
    };
    same(doc, &at)
        .into_iter()
        .map(|n| DocumentHighlight {
            range: doc.range(n.name.span),
            kind: Some(if n.definition {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            }),
        })
        .collect()
}

/// The edits that rename the group or VM under the cursor everywhere in the
/// file; an error, shown by the editor, when the new name is empty or already
/// names another group (or VM), which would merge the two.
pub(super) fn rename(
    uri: &Uri,
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let Some(at) = doc.name_at(offset) else {
        return Ok(None);
    };
    if new_name.trim().is_empty() {
        return Err("a name cannot be empty".to_owned());
    }
    let what = match at.kind {
        SymbolKind::Group => "group",
        SymbolKind::Vm => "VM",
    };
    if new_name != at.name.text
        && let Some(taken) = doc
            .names()
            .into_iter()
            .find(|n| n.kind == at.kind && n.definition && n.name.text == new_name)
    {
        let line = doc.position(taken.name.span.start as usize).line + 1;
        return Err(format!(
            "a {what} named `{new_name}` already exists (line {line}); choose another name"
        ));
    }
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
    Ok(Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }))
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

pub(super) fn quoted(name: &str) -> String {
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
    fn rename_refuses_a_taken_or_empty_name() {
        let text = "plan p {\n  group db { vm d }\n  group app needs db { vm a }\n}\n";
        let doc = Document::new("t.drplan", text.to_owned());
        let uri: Uri = "file:///t.drplan".parse().unwrap();
        let app = text.find("app").unwrap();
        let err = rename(&uri, &doc, app, "db").unwrap_err();
        assert_eq!(
            err,
            "a group named `db` already exists (line 2); choose another name"
        );
        assert!(rename(&uri, &doc, app, " ").is_err());
        // A VM may share a group's name: they are different kinds of name.
        let vm = text.find("vm a").unwrap() + 3;
        assert!(rename(&uri, &doc, vm, "db").unwrap().is_some());
        assert!(rename(&uri, &doc, app, "app").unwrap().is_some());
    }

    #[test]
    fn names_are_quoted_only_when_they_must_be() {
        assert_eq!(written("web-01"), "web-01");
        assert_eq!(written("sql.primary"), "sql.primary");
        assert_eq!(written("1st"), "\"1st\"");
        assert_eq!(written("a \"b\""), "\"a \\\"b\\\"\"");
    }
}
