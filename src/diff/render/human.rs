//! The diff for a terminal, like `terraform plan`: `+` added, `-` removed,
//! `~` changed, one setting per line under what it belongs to.

use std::fmt::Write as _;

use super::{
    Changed, OperationDiff, PlanDiff, categories, changed_title, fit, heading, item_title, summary,
    total,
};

/// The whole diff, `old` and `new` naming the two sides.
pub fn human(diff: &PlanDiff, old: &str, new: &str) -> String {
    let mut out = format!("{old} → {new}: {}\n", summary(diff));
    if diff.is_empty() {
        return out;
    }
    if !diff.settings.is_empty() {
        out.push_str("\nPlan settings\n");
        for section in &diff.settings {
            changed(&mut out, &section.name, section);
        }
    }
    for (name, category) in categories(diff) {
        if category.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{name}");
        for item in &category.added {
            let _ = writeln!(out, "  + {}", item_title(item));
        }
        for item in &category.removed {
            let _ = writeln!(out, "  - {}", item_title(item));
        }
        for c in &category.changed {
            changed(&mut out, &changed_title(c), c);
        }
    }
    for op in &diff.operations {
        operation(&mut out, op);
    }
    out
}

/// `  ~ name: change` or, with several changes, one per line below it.
fn changed(out: &mut String, title: &str, c: &Changed) {
    if let [only] = c.changes.as_slice() {
        let _ = writeln!(out, "  ~ {title}: {only}");
        return;
    }
    let _ = writeln!(out, "  ~ {title}");
    for line in &c.changes {
        let _ = writeln!(out, "      {line}");
    }
}

fn operation(out: &mut String, op: &OperationDiff) {
    let _ = writeln!(out, "\n{}", heading(op));
    if op.same_order() {
        out.push_str("  order unchanged\n");
    } else {
        for e in &op.edges_added {
            let _ = writeln!(out, "  + {} → {}", e.from, e.to);
        }
        for e in &op.edges_removed {
            let _ = writeln!(out, "  - {} → {}", e.from, e.to);
        }
    }
    let w = &op.waves;
    if w.before.len() == w.after.len() {
        let _ = write!(out, "  waves: {}", w.after.len());
    } else {
        let _ = write!(out, "  waves: {} → {}", w.before.len(), w.after.len());
    }
    if w.moved.is_empty() {
        out.push('\n');
    } else {
        out.push_str(", moved:\n");
        for m in &w.moved {
            let _ = writeln!(out, "    {}: wave {} → {}", m.name, m.from, m.to);
        }
    }
    if op.before.total_s == op.after.total_s && op.before != op.after {
        let _ = writeln!(
            out,
            "  estimate: {} ({} → {})",
            total(&op.after),
            fit(&op.before),
            fit(&op.after)
        );
    } else if op.before == op.after {
        let _ = writeln!(out, "  estimate: {} ({})", total(&op.after), fit(&op.after));
    } else {
        let _ = writeln!(
            out,
            "  estimate: {} → {} ({} → {})",
            total(&op.before),
            total(&op.after),
            fit(&op.before),
            fit(&op.after)
        );
    }
}
