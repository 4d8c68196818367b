//! Completion at the cursor, from `check::schema` and the file's own names:
//! settings and keywords valid in the block at the start of a statement,
//! group names after a group's `needs`, VM names after a VM's `needs`, phases
//! after `before`/`after`, and the words an enum-valued setting takes.

use std::collections::HashSet;

use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use crate::ast::Statement;
use crate::check::schema::{self, BlockKind, SettingSpec, ValueType};

use super::document::{Document, SymbolKind};

/// The completion items at a byte offset.
pub(super) fn at(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    let text = doc.text();
    let Some(before_cursor) = text.get(..offset) else {
        return Vec::new();
    };
    // The statement so far: from the line start, or the last brace on the line.
    let line_start = before_cursor.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = &before_cursor[line_start..];
    let segment = line.rfind(['{', '}']).map_or(line, |i| &line[i + 1..]);
    // Inside a comment or a string there is nothing to complete.
    if segment.contains('#') || segment.matches('"').count() % 2 == 1 {
        return Vec::new();
    }
    let word_len = segment
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .map(char::len_utf8)
        .sum::<usize>();
    let head = &segment[..segment.len() - word_len];
    let tokens: Vec<&str> = head
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let (kind, statements) = doc.scope_at(offset);
    let Some((&key, rest)) = tokens.split_first() else {
        return keywords(kind, statements, offset);
    };
    if key == "group" {
        if !rest.contains(&"needs") {
            return Vec::new();
        }
        let own = rest.first().copied();
        return names(doc, SymbolKind::Group, own);
    }
    if kind == BlockKind::Vm && key == "needs" {
        return names(doc, SymbolKind::Vm, None);
    }
    if kind == BlockKind::Hooks
        && let Some(hook) = schema::hook_block(key)
    {
        // `wait 5m on_error ` completes the step setting's values;
        // `wait 5m ` offers the step settings themselves.
        if let Some(spec) = rest.last().and_then(|t| schema::find(hook, t)) {
            return values(spec);
        }
        if rest.is_empty() {
            return Vec::new();
        }
        // Each step setting once: `wait 5m timeout 1m ` offers the other three.
        return schema::settings(hook)
            .iter()
            .filter(|s| schema::STEP_SETTINGS.contains(&s.name) && !rest.contains(&s.name))
            .map(setting_item)
            .collect();
    }
    match schema::find(kind, key) {
        // A single-valued setting takes one value; lists take more after commas.
        Some(spec)
            if rest.is_empty()
                || matches!(spec.value, ValueType::EnumList(_) | ValueType::EnumArray(_)) =>
        {
            values(spec)
        }
        _ => Vec::new(),
    }
}

/// The settings of a block, plus `group` in a plan; a setting that may
/// appear once is not offered when the block already has it (other than in
/// the statement being typed at `offset`).
fn keywords(kind: BlockKind, statements: &[Statement], offset: usize) -> Vec<CompletionItem> {
    let set = |name: &str| {
        statements.iter().any(|st| {
            matches!(st, Statement::Setting(s)
                if s.key.text == name && !(s.key.span.start as usize <= offset && offset <= s.key.span.end as usize))
        })
    };
    let mut items: Vec<CompletionItem> = schema::settings(kind)
        .iter()
        .filter(|spec| spec.repeat || !set(spec.name))
        .map(setting_item)
        .collect();
    if kind == BlockKind::Plan {
        // `group` shapes a statement (the grammar's `group_stmt`), so it is no schema setting.
        items.push(CompletionItem {
            label: "group".to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: Some("group NAME needs A, B { … }".to_owned()),
            ..CompletionItem::default()
        });
    }
    items
}

fn setting_item(spec: &SettingSpec) -> CompletionItem {
    let mut doc = spec.doc.to_owned();
    if let Some(default) = spec.default {
        doc.push_str("\n\nDefault: ");
        doc.push_str(default);
    }
    CompletionItem {
        label: spec.name.to_owned(),
        kind: Some(CompletionItemKind::PROPERTY),
        detail: Some(spec.example.to_owned()),
        documentation: Some(Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: doc,
        })),
        ..CompletionItem::default()
    }
}

/// The words a setting's value may be.
fn values(spec: &SettingSpec) -> Vec<CompletionItem> {
    let words: &[&str] = match spec.value {
        ValueType::Enum(words) | ValueType::EnumList(words) | ValueType::EnumArray(words) => words,
        ValueType::Bool => &["true", "false"],
        ValueType::Vault => &["simulator"],
        _ => &[],
    };
    words
        .iter()
        .map(|w| CompletionItem {
            label: (*w).to_owned(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            detail: Some(format!("{} value", spec.name)),
            ..CompletionItem::default()
        })
        .collect()
}

/// The defined groups or VMs, without `except` (a group does not need itself).
fn names(doc: &Document, kind: SymbolKind, except: Option<&str>) -> Vec<CompletionItem> {
    let mut seen = HashSet::new();
    doc.names()
        .filter(|n| n.kind == kind && n.definition && Some(n.text) != except)
        .filter(|n| seen.insert(n.text))
        .map(|name| CompletionItem {
            label: name.text.to_owned(),
            kind: Some(match kind {
                SymbolKind::Group => CompletionItemKind::MODULE,
                SymbolKind::Vm => CompletionItemKind::VALUE,
            }),
            detail: name.group.map(|g| match kind {
                SymbolKind::Group => "group".to_owned(),
                SymbolKind::Vm => format!("VM of group `{g}`"),
            }),
            insert_text: Some(super::rename::written(name.text)),
            ..CompletionItem::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let doc = Document::new("t.drplan", text.to_owned());
        at(&doc, text.len()).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn completes_by_position() {
        let group = "plan p {\n  group a {\n  }\n  group b needs a, ";
        assert_eq!(labels(group), ["a"]);
        let hooks = "plan p {\n  group a {\n    before test {\n      ";
        assert_eq!(labels(hooks), schema::HOOK_KINDS);
        let step = "plan p {\n  group a {\n    before test {\n      wait 5m ";
        assert_eq!(labels(step), schema::STEP_SETTINGS);
        let step = "plan p {\n  group a {\n    before test {\n      wait 5m retries 2 timeout 1m ";
        assert_eq!(labels(step), ["on_error", "estimate"]);
        let inline = "plan p {\n  group a {\n    before test {\n      wait 5m on_error ";
        assert_eq!(labels(inline), schema::ON_ERROR);
        assert_eq!(labels("plan p {\n  vault "), ["simulator"]);
        assert!(labels("plan p {\n  ").contains(&"group".to_owned()));
        assert_eq!(labels(""), ["plan"]);
        // Settings already in the block are not offered again; repeatable ones are.
        let set =
            "plan p {\n  vault simulator\n  group a {\n    vm x\n    after test { wait 1m }\n    ";
        let offered = labels(set);
        assert!(offered.contains(&"vm".to_owned()) && offered.contains(&"after".to_owned()));
        let plan = labels("plan p {\n  vault simulator\n  }\n  ");
        assert!(plan.is_empty(), "{plan:?}");
        let plan = labels("plan p {\n  vault simulator\n  ");
        assert!(!plan.contains(&"vault".to_owned()) && plan.contains(&"primary".to_owned()));
        // The statement being typed does not count against itself.
        let typing = "plan p {\n  vault";
        assert!(labels(typing).contains(&"vault".to_owned()));
        assert!(labels("plan p {\n  description \"a ").is_empty());
        // `state` takes a URL: no words to offer for its value.
        assert!(labels("plan p {\n  state ").is_empty());
        assert!(labels("plan p { # ").is_empty());
    }
}
