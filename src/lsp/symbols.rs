//! Document symbols: the plan, its groups, and in each group its VMs and hooks
//! (hooks named by kind and value, with the phases they run in).

use lsp_types::{DocumentSymbol, SymbolKind};

use crate::ast::{Setting, Statement, ValueKind};
use crate::source::Span;

use super::document::Document;

/// The outline of a document.
pub(super) fn of(doc: &Document) -> Vec<DocumentSymbol> {
    let Some(file) = &doc.file else {
        return Vec::new();
    };
    file.statements
        .iter()
        .filter_map(|statement| match statement {
            Statement::Setting(plan) if plan.key.text == "plan" => {
                let name = plan.args.first().and_then(crate::ast::Value::as_name);
                let children = plan
                    .block
                    .iter()
                    .flat_map(|b| &b.statements)
                    .filter_map(|s| group(doc, s))
                    .collect();
                Some(symbol(
                    doc,
                    name.as_ref().map_or("plan", |n| n.text.as_str()),
                    Some("plan".to_owned()),
                    SymbolKind::NAMESPACE,
                    plan.span,
                    name.as_ref().map_or(plan.key.span, |n| n.span),
                    children,
                ))
            }
            _ => None,
        })
        .collect()
}

fn group(doc: &Document, statement: &Statement) -> Option<DocumentSymbol> {
    let Statement::Group(g) = statement else {
        return None;
    };
    let name = g.name.as_ref()?;
    let mut children = Vec::new();
    for statement in g.block.iter().flat_map(|b| &b.statements) {
        let Statement::Setting(s) = statement else {
            continue;
        };
        match s.key.text.as_str() {
            "vm" => {
                for vm in s.args.iter().filter_map(crate::ast::Value::as_name) {
                    children.push(symbol(
                        doc,
                        &vm.text,
                        None,
                        SymbolKind::OBJECT,
                        vm.span,
                        vm.span,
                        Vec::new(),
                    ));
                }
            }
            "before" | "after" => {
                let phases = format!("{} {}", s.key.text, values(s));
                for hook in s.block.iter().flat_map(|b| &b.statements) {
                    if let Statement::Setting(h) = hook {
                        let label = format!("{} {}", h.key.text, values(h));
                        children.push(symbol(
                            doc,
                            label.trim_end(),
                            Some(phases.clone()),
                            SymbolKind::EVENT,
                            h.span,
                            h.key.span,
                            Vec::new(),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let detail = g.needs.as_ref().map(|n| {
        let names: Vec<&str> = n.names.iter().map(|n| n.text.as_str()).collect();
        format!("needs {}", names.join(", "))
    });
    Some(symbol(
        doc,
        &name.text,
        detail,
        SymbolKind::MODULE,
        g.span,
        name.span,
        children,
    ))
}

/// A statement's values as a short label: `failover, test`, `hooks/check.sh`.
fn values(setting: &Setting) -> String {
    setting
        .args
        .iter()
        .map(|v| match &v.kind {
            ValueKind::Ident(t) | ValueKind::Str(t) | ValueKind::Number(t) => t.clone(),
            ValueKind::List(_) => "[…]".to_owned(),
            ValueKind::Env(name) => format!("env(\"{name}\")"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn symbol(
    doc: &Document,
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    // An empty name is a protocol error in some clients; a half-typed name can be empty.
    let name = if name.is_empty() { "(unnamed)" } else { name };
    #[allow(deprecated)] // `deprecated` is a required field of the struct, superseded by `tags`.
    DocumentSymbol {
        name: name.to_owned(),
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(span.join(selection)),
        selection_range: doc.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}
