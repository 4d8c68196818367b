//! The diff as GitHub-flavoured Markdown, ready to post as a pull-request
//! comment: a heading, the summary in bold, a table of estimates, then each
//! category; lists longer than [`FOLD`] lines fold into `<details>`.

use std::fmt::Write as _;

use super::{
    Changed, OperationDiff, PlanDiff, categories, changed_title, count, fit, heading, item_title,
    summary, total,
};

/// Lists longer than this fold into `<details>`.
const FOLD: usize = 10;

/// The whole comment, `old` and `new` naming the two sides.
pub fn markdown(diff: &PlanDiff, old: &str, new: &str) -> String {
    let mut out = format!(
        "### drplan diff: {} → {}\n\n**{}**\n",
        code(old),
        code(new),
        text(&summary(diff))
    );
    if diff.is_empty() {
        return out;
    }
    out.push_str("\n| Operation | Estimate before | Estimate after | Fit before | Fit after | Waves before | Waves after |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for op in &diff.operations {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            op.operation,
            total(&op.before),
            total(&op.after),
            fit(&op.before),
            fit(&op.after),
            op.waves.before.len(),
            op.waves.after.len()
        );
    }
    if !diff.settings.is_empty() {
        let lines: Vec<String> = diff
            .settings
            .iter()
            .flat_map(|s| changed_lines(&s.name, s))
            .collect();
        section(&mut out, "Plan settings", &lines);
    }
    for (name, category) in categories(diff) {
        if category.is_empty() {
            continue;
        }
        let mut lines: Vec<String> = Vec::new();
        lines.extend(
            category
                .added
                .iter()
                .map(|i| format!("- ➕ added {}", code(&item_title(i)))),
        );
        lines.extend(
            category
                .removed
                .iter()
                .map(|i| format!("- ➖ removed {}", code(&item_title(i)))),
        );
        for c in &category.changed {
            lines.extend(changed_lines(&changed_title(c), c));
        }
        section(&mut out, name, &lines);
    }
    for op in &diff.operations {
        operation(&mut out, op);
    }
    out
}

/// `- ✏️ `name`: change` per change.
fn changed_lines(title: &str, c: &Changed) -> Vec<String> {
    c.changes
        .iter()
        .map(|line| format!("- ✏️ {}: {}", code(title), code(line)))
        .collect()
}

/// A heading and its list, folded when long.
fn section(out: &mut String, title: &str, lines: &[String]) {
    let _ = writeln!(out, "\n#### {title}\n");
    fold(out, &count(lines.len(), "line"), lines);
}

/// The lines, inside `<details>` when there are more than [`FOLD`].
fn fold(out: &mut String, what: &str, lines: &[String]) {
    let long = lines.len() > FOLD;
    if long {
        let _ = writeln!(out, "<details><summary>{what}</summary>\n");
    }
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    if long {
        out.push_str("\n</details>\n");
    }
}

fn operation(out: &mut String, op: &OperationDiff) {
    let _ = writeln!(out, "\n#### {} order\n", heading(op));
    if op.same_order() {
        out.push_str("Order unchanged.\n");
    } else {
        let mut lines: Vec<String> = op
            .edges_added
            .iter()
            .map(|e| format!("- ➕ {} → {}", code(&e.from), code(&e.to)))
            .collect();
        lines.extend(
            op.edges_removed
                .iter()
                .map(|e| format!("- ➖ {} → {}", code(&e.from), code(&e.to))),
        );
        let what = format!(
            "{} added, {} removed",
            count(op.edges_added.len(), "edge"),
            op.edges_removed.len()
        );
        fold(out, &what, &lines);
    }
    let w = &op.waves;
    if !w.moved.is_empty() {
        let lines: Vec<String> = w
            .moved
            .iter()
            .map(|m| format!("- {}: wave {} → {}", code(&m.name), m.from, m.to))
            .collect();
        out.push_str("\nMoved to another wave:\n\n");
        fold(out, &count(lines.len(), "move"), &lines);
    }
    if w.before != w.after {
        let _ = writeln!(
            out,
            "\n<details><summary>Waves before and after</summary>\n\n| Wave | Before | After |\n|---|---|---|"
        );
        for k in 0..w.before.len().max(w.after.len()) {
            let cell = |waves: &[Vec<String>]| {
                waves
                    .get(k)
                    .map(|groups| text(&groups.join(", ")))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                k + 1,
                cell(&w.before),
                cell(&w.after)
            );
        }
        out.push_str("\n</details>\n");
    }
}

/// Text as a Markdown code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut fence = String::from("`");
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Plain text with Markdown's and HTML's special characters escaped.
fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
