//! Step graph to text: Graphviz DOT, Mermaid and JSON (spec: cli.md "Graph"),
//! all in source order so the output is stable and diffs well. DOT and
//! Mermaid read the plan too, to label each step with its kind, target and
//! estimate, so a graph can go straight into a DR document.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Step, StepAction, StepGraph};
use crate::plan::{HookAction, Plan};

/// The JSON form: `{"plan", "operation", "nodes": [{id, kind, group}], "edges": [{from, to}]}`.
#[derive(Debug, Serialize)]
pub struct GraphJson<'a> {
    /// The plan.
    pub plan: &'a str,
    /// The operation.
    pub operation: &'static str,
    /// Steps in source order.
    pub nodes: Vec<NodeJson<'a>>,
    /// Edges: `to` starts only after `from` has finished.
    pub edges: Vec<EdgeJson<'a>>,
}

/// A node of [`GraphJson`].
#[derive(Debug, Serialize)]
pub struct NodeJson<'a> {
    /// Step id.
    pub id: &'a str,
    /// A VM operation, or the hook's kind.
    pub kind: super::StepKind,
    /// The group.
    pub group: &'a str,
}

/// An edge of [`GraphJson`].
#[derive(Debug, Serialize)]
pub struct EdgeJson<'a> {
    /// Finishes first.
    pub from: &'a str,
    /// Starts after.
    pub to: &'a str,
}

impl StepGraph {
    /// The JSON value of the graph.
    pub fn to_json(&self) -> GraphJson<'_> {
        GraphJson {
            plan: &self.plan,
            operation: self.operation.as_str(),
            nodes: self
                .steps()
                .map(|(_, s)| s)
                .map(|s| NodeJson {
                    id: &s.id,
                    kind: s.kind,
                    group: self.group_name(s),
                })
                .collect(),
            edges: self
                .edges()
                .into_iter()
                .map(|(a, b)| EdgeJson {
                    from: &self.graph[a].id,
                    to: &self.graph[b].id,
                })
                .collect(),
        }
    }

    /// Graphviz DOT: one cluster per group (`cluster_<group>`, labelled
    /// with the group's name); each step labelled with its id, its kind and
    /// target, and its estimate (see [`label`]).
    pub fn to_dot(&self, plan: &Plan) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "digraph {} {{",
            dot_quote(&format!("{} {}", self.plan, self.operation))
        );
        out.push_str("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        for (g, group) in self.groups.iter().enumerate() {
            let members: Vec<&Step> = self
                .steps()
                .map(|(_, s)| s)
                .filter(|s| s.group == g)
                .collect();
            if members.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "  subgraph {} {{",
                dot_quote(&format!("cluster_{}", group.name))
            );
            let _ = writeln!(out, "    label={};", dot_quote(&group.name));
            for step in members {
                let shape = if step.kind.is_hook() {
                    ", shape=ellipse"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "    {} [label={}{shape}];",
                    dot_quote(&step.id),
                    dot_quote(&label(plan, step).join("\n"))
                );
            }
            out.push_str("  }\n");
        }
        // The plan's own hooks belong to no group: outside every cluster.
        for (_, s) in self.steps().filter(|(_, s)| s.group >= self.groups.len()) {
            let _ = writeln!(
                out,
                "  {} [label={}, shape=ellipse];",
                dot_quote(&s.id),
                dot_quote(&label(plan, s).join("\n"))
            );
        }
        for (a, b) in self.edges() {
            let _ = writeln!(
                out,
                "  {} -> {};",
                dot_quote(&self.graph[a].id),
                dot_quote(&self.graph[b].id)
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart: one subgraph per group; node names are indices,
    /// labels as in DOT, lines separated by `<br/>`.
    pub fn to_mermaid(&self, plan: &Plan) -> String {
        let mut out = String::from("flowchart LR\n");
        for (g, group) in self.groups.iter().enumerate() {
            let members: Vec<(usize, &Step)> = self
                .steps()
                .filter(|(_, s)| s.group == g)
                .map(|(n, s)| (n.index(), s))
                .collect();
            if members.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  subgraph g{g}[\"{}\"]", mermaid_text(&group.name));
            for (n, step) in members {
                let (open, close) = if step.kind.is_hook() {
                    ("([", "])")
                } else {
                    ("[", "]")
                };
                let text: Vec<String> = label(plan, step).iter().map(|l| mermaid_text(l)).collect();
                let _ = writeln!(out, "    s{n}{open}\"{}\"{close}", text.join("<br/>"));
            }
            out.push_str("  end\n");
        }
        // The plan's own hooks belong to no group: outside every subgraph.
        for (n, s) in self.steps().filter(|(_, s)| s.group >= self.groups.len()) {
            let text: Vec<String> = label(plan, s).iter().map(|l| mermaid_text(l)).collect();
            let _ = writeln!(out, "  s{}([\"{}\"])", n.index(), text.join("<br/>"));
        }
        for (a, b) in self.edges() {
            let _ = writeln!(out, "  s{} --> s{}", a.index(), b.index());
        }
        out
    }
}

/// The longest manual instruction a label shows, in characters.
const MANUAL_SHOWN: usize = 40;

/// A step's label, line by line: its id; its kind and target (the VM; a
/// script's path; a webhook's or probe's host only, as the path and query
/// may carry a token; a runbook's name; a manual step's instructions,
/// shortened; a wait's duration); `est. 5m`.
pub fn label(plan: &Plan, step: &Step) -> [String; 3] {
    let target = match step.action {
        StepAction::Vm(at) | StepAction::Shutdown(at) => plan.vm(at).map(|vm| vm.name.clone()),
        // Group and plan-level hooks alike.
        StepAction::Hook { .. } => step.action.hook(plan).map(|h| hook_target(&h.action)),
        StepAction::Join => None,
    };
    let kind = match target {
        Some(target) if !target.is_empty() => format!("{}: {target}", step.kind),
        _ => step.kind.to_string(),
    };
    [step.id.clone(), kind, format!("est. {}", step.estimate)]
}

/// What a hook acts on, safe to show in a document.
fn hook_target(action: &HookAction) -> String {
    match action {
        HookAction::Script { path, .. } => path.clone(),
        HookAction::Runbook { name, .. } => name.clone(),
        HookAction::Webhook { url, .. } | HookAction::Probe { url, .. } => url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
        HookAction::Manual { instructions } => shortened(instructions),
        HookAction::Wait { duration } => duration.to_string(),
    }
}

/// Text on one line, whitespace collapsed, cut to [`MANUAL_SHOWN`] characters.
fn shortened(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let one_line = words.join(" ");
    if one_line.chars().count() <= MANUAL_SHOWN {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MANUAL_SHOWN - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a Mermaid label: entity codes for what Mermaid or HTML would
/// read (`#` first, as the codes start with it), newlines as spaces.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
