//! Rename of groups and VMs: the name under the cursor and a new name in,
//! the edits that rename every occurrence out, or why not. Whether the new
//! name is one the language takes is for the parser and checker to say: the
//! name, written as the edits would write it, goes through `drplan::compile`
//! in a small plan that defines and uses it as a group and as a VM.

use std::collections::HashMap;
use std::fmt::Write as _;

use lsp_types::{TextEdit, Uri, WorkspaceEdit};

use crate::source::SourceFile;

use super::document::{Document, SymbolKind};
use super::navigation::same;

/// Why a rename is refused; editors show the message to the user.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenameError {
    /// Nothing but white space.
    #[error("a name cannot be empty")]
    Blank,
    /// The parser or the checker refuses the name.
    #[error("`{name}` cannot name a {what}: {reason}")]
    Invalid {
        /// The name, escaped for display.
        name: String,
        what: &'static str,
        /// The parser's or checker's word on it.
        reason: String,
    },
    /// Another group (or VM) has the name: the two would merge.
    #[error("a {what} named `{name}` already exists (line {line}); choose another name")]
    Taken {
        what: &'static str,
        name: String,
        line: u32,
    },
}

/// The edits that rename the group or VM under the cursor everywhere in the
/// file. A name written as a string stays one; a bare one stays bare when
/// the new name reads back the same without quotes.
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
    let as_string = quoted(new_name);
    if let Some(reason) = refusal(new_name, &as_string) {
        return Err(RenameError::Invalid {
            name: new_name.escape_debug().to_string(),
            what,
            reason,
        });
    }
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
    let bare = written(new_name);
    let bare = if refusal(new_name, &bare).is_none() {
        bare
    } else {
        as_string.clone()
    };
    let edits = same(doc, at)
        .map(|n| TextEdit {
            range: doc.range(n.span),
            new_text: if n.quoted {
                as_string.clone()
            } else {
                bare.clone()
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

/// Why `name`, spelt `written`, is no group or VM name, as `drplan check`
/// would report it in a plan that defines and uses it as both; `None` when
/// that plan checks clean and reads the name back unchanged.
fn refusal(name: &str, written: &str) -> Option<String> {
    let other = if name == "a" { "b" } else { "a" };
    let text = format!(
        "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  \
         group {written} {{ vm {written} }}\n  \
         group {other} needs {written} {{ vm {other} {{ needs {written} }} }}\n}}\n"
    );
    let (plan, diagnostics) = crate::compile(&SourceFile::new("rename.drplan", text));
    if let Some(error) = diagnostics.iter().find(|d| d.is_error()) {
        return Some(match miette::Diagnostic::help(error) {
            Some(help) => help.to_string(),
            None => error.to_string(),
        });
    }
    let first = plan.as_ref().and_then(|p| p.groups.first());
    let read_back =
        first.is_some_and(|g| g.name == name && g.vms.first().is_some_and(|v| v.name == name));
    (!read_back).then(|| format!("it reads back as another name when written `{written}`"))
}

/// A name as it must be written: bare when it is an identifier, else quoted
/// (spec: language.md "Lexical rules").
pub(crate) fn written(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ident { name.to_owned() } else { quoted(name) }
}

/// A name as a string the parser decodes back to it: control characters
/// escaped too, so the checker, not the parser, says why they are refused.
pub(crate) fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
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
        assert_eq!(quoted("a\rb\u{7f}"), "\"a\\u{d}b\\u{7f}\"");
    }

    #[test]
    fn the_checker_decides_which_names_are_refused() {
        assert_eq!(refusal("web 01", &quoted("web 01")), None);
        assert_eq!(refusal("group", "group"), None);
        let slash = refusal("a/b", &quoted("a/b")).unwrap();
        assert!(slash.contains("cannot contain `/`"), "{slash}");
        // Bare, `1st` is a number, not a name.
        assert!(refusal("1st", "1st").is_some());
    }
}
