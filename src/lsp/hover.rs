//! Hover: a setting or hook kind shows its doc and default from
//! `check::schema`, an enum value (a phase, `abort`, `latest_processed`,
//! `simulator`) what it means; a group name shows its VMs, its `needs`, the groups that
//! need it and its estimated failover time; a VM name shows its group.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::ast::ValueKind;
use crate::check::schema::{self, ValueType};
use crate::graph::{self, Operation};
use crate::schedule::Schedule;
use crate::source::Span;

use super::document::{Document, NameRef, SymbolKind};

/// The hover at a byte offset.
pub(super) fn at(doc: &Document, offset: usize) -> Option<Hover> {
    let (markdown, span) = if let Some(name) = doc.name_at(offset) {
        let text = match name.kind {
            SymbolKind::Group => group(doc, &name),
            SymbolKind::Vm => vm(doc, &name),
        };
        (text, name.span)
    } else if let Some(found) = value(doc, offset) {
        found
    } else {
        let (kind, setting) = doc.setting_at(offset)?;
        let spec = schema::find(kind, &setting.key.text)?;
        let mut text = format!(
            "**{}**: {}\n\n```drplan\n{}\n```",
            spec.name, spec.doc, spec.example
        );
        if let Some(default) = spec.default {
            text.push_str("\n\nDefault: ");
            text.push_str(default);
        }
        (text, setting.key.span)
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(doc.range(span)),
    })
}

/// The meaning of an enum value (`abort`, `latest_processed`, a phase,
/// `simulator`) under the cursor, where its setting takes that word.
fn value(doc: &Document, offset: usize) -> Option<(String, Span)> {
    let (kind, setting, value) = doc.value_at(offset)?;
    let ValueKind::Ident(word) = &value.kind else {
        return None;
    };
    let spec = schema::find(kind, &setting.key.text)?;
    let takes = match spec.value {
        ValueType::Enum(words) | ValueType::EnumList(words) | ValueType::EnumArray(words) => {
            words.contains(&word.as_str())
        }
        ValueType::Vault => word == "simulator",
        _ => false,
    };
    let meaning = schema::value_doc(word).filter(|_| takes)?;
    Some((
        format!("**{word}**: a value of `{}`\n\n{meaning}", spec.name),
        value.span,
    ))
}

fn group(doc: &Document, at: &NameRef) -> String {
    let name = at.text;
    let vms: Vec<&str> = doc
        .names()
        .filter(|n| n.kind == SymbolKind::Vm && n.definition && n.group == Some(name))
        .map(|n| n.text)
        .collect();
    let needs: Vec<&str> = doc
        .names()
        .filter(|n| n.kind == SymbolKind::Group && !n.definition && n.group == Some(name))
        .map(|n| n.text)
        .collect();
    let needed_by: Vec<&str> = doc
        .names()
        .filter(|n| n.kind == SymbolKind::Group && !n.definition && n.text == name)
        .filter_map(|n| n.group)
        .collect();
    let list = |items: &[&str]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut text = format!(
        "**group {name}**\n\n- VMs: {}\n- needs: {}\n- needed by: {}",
        list(&vms),
        list(&needs),
        list(&needed_by)
    );
    // Estimates need a checked plan: the same graph and schedule as the dry run.
    if let Some(plan) = &doc.plan
        && let Some(id) = plan.groups.iter().position(|g| g.name == name)
    {
        let own = Schedule::new(&graph::build(plan, Operation::Failover, Some(&[id])));
        let whole = Schedule::new(&graph::build(plan, Operation::Failover, None));
        let _ = write!(
            text,
            "\n- estimated failover: {} for this group (hooks included); {} for the whole plan",
            own.total, whole.total
        );
    }
    text
}

fn vm(doc: &Document, at: &NameRef) -> String {
    let name = at.text;
    let mut text = format!("**VM {name}**");
    if let Some(group) = doc
        .names()
        .find(|n| n.kind == SymbolKind::Vm && n.definition && n.text == name)
        .and_then(|n| n.group)
    {
        let _ = write!(text, "\n\nin group `{group}`");
    }
    if let Some(vm) = doc.plan.as_ref().and_then(|p| {
        p.groups
            .iter()
            .flat_map(|g| &g.vms)
            .find(|v| v.name == name)
    }) {
        let _ = write!(text, "\n\nestimated failover: {}", vm.estimate);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hover_text(text: &str, needle: &str) -> String {
        let doc = Document::new("t.drplan", text.to_owned());
        let offset = text.find(needle).unwrap() + 1;
        match at(&doc, offset).map(|h| h.contents) {
            Some(HoverContents::Markup(m)) => m.value,
            other => format!("{other:?}"),
        }
    }

    const PLAN: &str = "plan p {\n  vault simulator\n  primary \"a\"\n  recovery \"b\"\n  group g {\n    vm v\n    after failover {\n      wait 1m on_error continue\n      script \"x.sh\" { retries 2 }\n    }\n  }\n}\n";

    #[test]
    fn hook_kinds_and_step_settings_show_the_schema() {
        assert!(hover_text(PLAN, "wait").contains("Sleeps."));
        assert!(hover_text(PLAN, "script").contains("never through a shell"));
        let inline = hover_text(PLAN, "on_error");
        assert!(
            inline.contains("Default: the plan's `defaults.on_error`"),
            "{inline}"
        );
        assert!(hover_text(PLAN, "retries").contains("tried again"));
    }

    #[test]
    fn enum_values_say_what_they_mean() {
        assert!(hover_text(PLAN, "continue").contains("**continue**: a value of `on_error`"));
        let phase = hover_text(PLAN, "failover {");
        assert!(
            phase.contains("primary region to the recovery region"),
            "{phase}"
        );
        assert!(hover_text(PLAN, "simulator").contains("simulated vault"));
        // A name that happens to be a value word elsewhere is not one here.
        let text = PLAN.replace("vm v", "vm abort");
        assert!(hover_text(&text, "abort").contains("**VM abort**"));
    }

    #[test]
    fn the_state_setting_shows_its_precedence_and_default() {
        let text = PLAN.replace(
            "  recovery \"b\"\n",
            "  recovery \"b\"\n  state \"https://a.blob.core.windows.net/runs\"\n",
        );
        let shown = hover_text(&text, "state");
        assert!(shown.starts_with("**state**: "), "{shown}");
        assert!(
            shown.contains("`--state` and `DRPLAN_STATE` win over it")
                && shown.contains("No SAS here")
                && shown.contains("Default: `.drplan/` beside the plan"),
            "{shown}"
        );
    }

    #[test]
    fn vm_names_show_their_group() {
        let text = hover_text(PLAN, " v\n").replace('\n', " ");
        assert!(text.contains("in group `g`"), "{text}");
    }
}
