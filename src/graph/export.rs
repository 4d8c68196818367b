//! Step graph to text: Graphviz DOT, Mermaid and JSON (spec: cli.md "Graph"),
//! all in source order so the output is stable and diffs well.

use std::fmt::Write as _;

use serde::Serialize;

use super::StepGraph;

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

    /// Graphviz DOT: one cluster per group, steps labelled by id.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "digraph {} {{",
            dot_quote(&format!("{} {}", self.plan, self.operation))
        );
        out.push_str("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        for (g, group) in self.groups.iter().enumerate() {
            let members: Vec<&str> = self
                .steps()
                .map(|(_, s)| s)
                .filter(|s| s.group == g)
                .map(|s| s.id.as_str())
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
            for id in members {
                let shape = if id.starts_with("hook:") {
                    " [shape=ellipse]"
                } else {
                    ""
                };
                let _ = writeln!(out, "    {}{shape};", dot_quote(id));
            }
            out.push_str("  }\n");
        }
        // The plan's own hooks belong to no group: outside every cluster.
        for (_, s) in self.steps().filter(|(_, s)| s.group >= self.groups.len()) {
            let _ = writeln!(out, "  {} [shape=ellipse];", dot_quote(&s.id));
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
    /// labels are step ids.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (g, group) in self.groups.iter().enumerate() {
            let members: Vec<(usize, &str)> = self
                .steps()
                .map(|(n, _)| n)
                .filter(|n| self.graph[*n].group == g)
                .map(|n| (n.index(), self.graph[n].id.as_str()))
                .collect();
            if members.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  subgraph g{g}[\"{}\"]", mermaid_text(&group.name));
            for (n, id) in members {
                let (open, close) = if id.starts_with("hook:") {
                    ("([", "])")
                } else {
                    ("[", "]")
                };
                let _ = writeln!(out, "    s{n}{open}\"{}\"{close}", mermaid_text(id));
            }
            out.push_str("  end\n");
        }
        // The plan's own hooks belong to no group: outside every subgraph.
        for (n, s) in self.steps().filter(|(_, s)| s.group >= self.groups.len()) {
            let _ = writeln!(out, "  s{}([\"{}\"])", n.index(), mermaid_text(&s.id));
        }
        for (a, b) in self.edges() {
            let _ = writeln!(out, "  s{} --> s{}", a.index(), b.index());
        }
        out
    }
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

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}
