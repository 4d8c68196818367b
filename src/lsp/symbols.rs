//! Document symbols: the plan, its groups, and in each group its VMs and hooks
//! (hooks named by kind and value, with the phases they run in). The outline
//! is serialized as the tree is walked, never held: a plan of a million VMs
//! has a million symbols, and held as `DocumentSymbol`s (let alone as JSON
//! values) they took hundreds of times the document's size.

use std::borrow::Cow;

use lsp_types::{Range, SymbolKind};
use serde::Serialize;

use crate::ast::{GroupStmt, Setting, Statement, ValueKind};
use crate::source::Span;

use super::document::{Document, name_text};
use super::outgoing::Stream;

/// A `DocumentSymbol` as the protocol writes it, its children produced while
/// it is serialized.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Symbol<'d, C> {
    name: Cow<'d, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<C>,
}

/// The outline of a document: a JSON array of `DocumentSymbol`s.
pub(super) fn of(doc: &Document) -> impl Serialize + '_ {
    Stream(move || {
        doc.file
            .iter()
            .flat_map(|file| &file.statements)
            .filter_map(move |statement| match statement {
                Statement::Setting(plan) if plan.key.text == "plan" => Some(self::plan(doc, plan)),
                _ => None,
            })
    })
}

fn plan<'d>(doc: &'d Document, plan: &'d Setting) -> Symbol<'d, impl Serialize + 'd> {
    let name = plan
        .args
        .first()
        .and_then(|v| Some((name_text(v)?.0, v.span)));
    let statements = plan.block.as_ref().map_or(&[][..], |b| &b.statements);
    let groups = move || {
        statements.iter().filter_map(move |s| match s {
            Statement::Group(g) => group(doc, g),
            _ => None,
        })
    };
    symbol(
        doc,
        name.map_or("plan", |(text, _)| text),
        Some("plan".to_owned()),
        SymbolKind::NAMESPACE,
        (plan.span, name.map_or(plan.key.span, |(_, span)| span)),
        children(groups),
    )
}

fn group<'d>(doc: &'d Document, g: &'d GroupStmt) -> Option<Symbol<'d, impl Serialize + 'd>> {
    let name = g.name.as_ref()?;
    let settings = move || {
        g.block
            .iter()
            .flat_map(|b| &b.statements)
            .filter_map(|s| match s {
                Statement::Setting(s) => Some(s),
                _ => None,
            })
    };
    let members = move || settings().flat_map(move |s| vms(doc, s).chain(hooks(doc, s)));
    let detail = g.needs.as_ref().map(|n| {
        let names: Vec<&str> = n.names.iter().map(|n| n.text.as_str()).collect();
        format!("needs {}", names.join(", "))
    });
    Some(symbol(
        doc,
        name.text.as_str(),
        detail,
        SymbolKind::MODULE,
        (g.span, name.span),
        children(members),
    ))
}

/// The VMs a `vm` statement lists (none for any other statement).
fn vms<'d>(doc: &'d Document, s: &'d Setting) -> impl Iterator<Item = Symbol<'d, ()>> + 'd {
    let listed = if s.key.text == "vm" { &s.args[..] } else { &[] };
    listed.iter().filter_map(move |vm| {
        let (name, _) = name_text(vm)?;
        Some(symbol(
            doc,
            name,
            None,
            SymbolKind::OBJECT,
            (vm.span, vm.span),
            None,
        ))
    })
}

/// The hooks of a `before` or `after` block (none for any other statement).
fn hooks<'d>(doc: &'d Document, s: &'d Setting) -> impl Iterator<Item = Symbol<'d, ()>> + 'd {
    let block = match s.key.text.as_str() {
        "before" | "after" => s.block.as_ref(),
        _ => None,
    };
    let phases = block
        .map(|_| format!("{} {}", s.key.text, values(s)))
        .unwrap_or_default();
    block
        .into_iter()
        .flat_map(|b| &b.statements)
        .filter_map(move |hook| {
            let Statement::Setting(h) = hook else {
                return None;
            };
            let mut label = format!("{} {}", h.key.text, values(h));
            label.truncate(label.trim_end().len());
            Some(symbol(
                doc,
                label,
                Some(phases.clone()),
                SymbolKind::EVENT,
                (h.span, h.key.span),
                None,
            ))
        })
}

/// Children serialized as they are produced; `None` (no field) when there are none.
fn children<F, I>(make: F) -> Option<Stream<F>>
where
    F: Fn() -> I,
    I: IntoIterator,
{
    make().into_iter().next().is_some().then_some(Stream(make))
}

/// A statement's values as a short label: `failover, test`, `hooks/check.sh`.
fn values(setting: &Setting) -> String {
    setting
        .args
        .iter()
        .map(|v| match &v.kind {
            ValueKind::Ident(t) | ValueKind::Str(t) | ValueKind::Number(t) => t.to_string(),
            ValueKind::List(_) => "[…]".to_owned(),
            ValueKind::Env(name) => format!("env(\"{name}\")"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A symbol spanning `spans.0` (and its selection), named at `spans.1`.
fn symbol<'d, C>(
    doc: &Document,
    name: impl Into<Cow<'d, str>>,
    detail: Option<String>,
    kind: SymbolKind,
    (span, selection): (Span, Span),
    children: Option<C>,
) -> Symbol<'d, C> {
    let name = name.into();
    // An empty name is a protocol error in some clients; a half-typed name can be empty.
    let name = if name.is_empty() {
        Cow::Borrowed("(unnamed)")
    } else {
        name
    };
    Symbol {
        name,
        detail,
        kind,
        range: doc.range(span.join(selection)),
        selection_range: doc.range(selection),
        children,
    }
}
