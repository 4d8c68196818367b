//! Rename of groups and VMs: the name under the cursor and a new name in,
//! the edits that rename every occurrence out, or why not.

use std::collections::HashMap;

use lsp_types::{TextEdit, Uri, WorkspaceEdit};

use super::document::{Document, SymbolKind};
use super::navigation::same;

/// Why a rename is refused; editors show the message to the user.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenameError {
    /// Nothing but white space.
    #[error("a name cannot be empty")]
    Blank,
    /// Another group (or VM) has the name: the two would merge.
    #[error("a {what} named `{name}` already exists (line {line}); choose another name")]
    Taken {
        what: &'static str,
        name: String,
        line: u32,
    },
}

/// The edits that rename the group or VM under the cursor everywhere in the
/// file; a name written as a string stays one.
pub(super) fn rename(
    uri: &Uri,
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, RenameError> {
    let Some(at) = doc.name_at(offset) else {
        return Ok(None);
    };
    if new_name.trim().is_empty() {
        return Err(RenameError::Blank);
    }
    let what = match at.kind {
        SymbolKind::Group => "group",
        SymbolKind::Vm => "VM",
    };
    if new_name != at.text
        && let Some(taken) = doc
            .names()
            .find(|n| n.kind == at.kind && n.definition && n.text == new_name)
    {
        return Err(RenameError::Taken {
            what,
            name: new_name.to_owned(),
            line: doc.position(taken.span.start as usize).line + 1,
        });
    }
    let edits = same(doc, at)
        .map(|n| TextEdit {
            range: doc.range(n.span),
            new_text: if n.quoted {
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
    doc.name_at(offset).map(|n| doc.range(n.span))
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
            err.to_string(),
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
