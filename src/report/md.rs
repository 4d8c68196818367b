//! A [`Report`] to Markdown for pasting into a ticket: headings, tables and
//! fenced blocks. Every text from the journal or the plan is made one
//! printable line and escaped for a table cell (`|`, `<`, `` ` ``), and
//! fenced blocks use a fence longer than any run of backticks inside.

use std::fmt::Write as _;

use super::facts;
use super::machines::{MachineSeenPair, describe_machine};
use super::model::Report;

/// Text as one table cell: printable, one line, nothing Markdown or HTML
/// would read as markup.
fn cell(text: &str) -> String {
    let line = crate::printable::printable_line(text);
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A fenced block holding `text` verbatim.
fn fenced(out: &mut String, info: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let text = crate::printable::printable(text);
    let _ = writeln!(out, "{fence}{info}");
    out.push_str(&text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}\n");
}

fn table(out: &mut String, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

fn facts_table(out: &mut String, facts: Vec<(&'static str, String)>) {
    table(
        out,
        &["", ""],
        facts
            .into_iter()
            .map(|(k, v)| vec![format!("**{k}**"), cell(&v)]),
    );
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Run {}: {} of plan {}\n",
        cell(&report.run_id),
        report.operation,
        cell(&report.plan)
    );
    let _ = writeln!(out, "**{}**\n", cell(&facts::verdict(report)));
    for note in &report.notes {
        let _ = writeln!(out, "> **Note:** {}\n", cell(note));
    }
    out.push_str("## Run\n\n");
    facts_table(&mut out, facts::run_facts(report));
    out.push_str("## Recovery time\n\n");
    facts_table(&mut out, facts::recovery_facts(report));
    steps(&mut out, report);
    failures(&mut out, report);
    approvals(&mut out, report);
    outputs(&mut out, report);
    machines(&mut out, report);
    if !report.amendments.is_empty() {
        out.push_str("## Plan corrections\n\n");
        for a in &report.amendments {
            let _ = writeln!(out, "- revision {}:", a.revision);
            for c in &a.changes {
                let _ = writeln!(out, "  - {}", cell(c));
            }
        }
        out.push('\n');
    }
    if let Some(text) = &report.plan_text {
        out.push_str("## Plan\n\n");
        fenced(&mut out, "drplan", text);
    }
    out
}

fn steps(out: &mut String, report: &Report) {
    out.push_str("## Steps\n\n");
    let rows = report.steps.iter().map(|s| {
        vec![
            format!("{}{}", cell(&s.id), if s.critical { " ★" } else { "" }),
            s.kind.map_or_else(String::new, |k| k.as_str().to_string()),
            cell(s.group.as_deref().unwrap_or("")),
            facts::secs(s.estimate_s),
            facts::secs(s.start_s),
            facts::secs(s.duration_s),
            s.attempts.to_string(),
            s.result.as_str().to_string(),
            facts::percent(s.prediction_error_pct),
            cell(s.job.as_deref().unwrap_or("")),
        ]
    });
    table(
        out,
        &[
            "Step",
            "Kind",
            "Group",
            "Estimate",
            "Start",
            "Duration",
            "Attempts",
            "Result",
            "Error vs estimate",
            "Job",
        ],
        rows,
    );
    if !report.critical_path.is_empty() {
        out.push_str("★ on the dry run's critical path.\n\n");
    }
}

fn failures(out: &mut String, report: &Report) {
    if report.failures.is_empty() {
        return;
    }
    out.push_str("## Failures\n\n");
    for f in &report.failures {
        let tolerated = if f.tolerated {
            " (tolerated: on_error continue)"
        } else {
            ""
        };
        let _ = writeln!(out, "### {}{tolerated}\n", cell(&f.step));
        let _ = writeln!(out, "{}\n", cell(&f.error));
        if let Some(c) = &f.possible_causes {
            let _ = writeln!(out, "- **Possible causes:** {}", cell(c));
        }
        if let Some(a) = &f.recommended_action {
            let _ = writeln!(out, "- **Recommended action:** {}", cell(a));
        }
        out.push('\n');
        if let Some(o) = &f.output {
            fenced(out, "", o);
        }
    }
}

fn approvals(out: &mut String, report: &Report) {
    if report.approvals.is_empty() {
        return;
    }
    out.push_str("## Approvals\n\n");
    let rows = report.approvals.iter().map(|a| {
        vec![
            cell(&a.step),
            a.verdict.to_string(),
            cell(&a.by),
            a.at.to_string(),
            cell(a.comment.as_deref().unwrap_or("")),
        ]
    });
    table(out, &["Step", "Verdict", "By", "When", "Comment"], rows);
}

fn outputs(out: &mut String, report: &Report) {
    let with = report.steps_with_output();
    if with.is_empty() {
        return;
    }
    out.push_str("## Hook output\n\n");
    for s in with {
        for o in &s.outputs {
            let _ = writeln!(out, "### {} (attempt {})\n", cell(&s.id), o.attempt);
            fenced(out, "", &o.text);
        }
    }
}

fn machines(out: &mut String, report: &Report) {
    let pairs = report.machines.pairs();
    if pairs.is_empty() {
        return;
    }
    out.push_str("## Machines\n\n");
    let show = |m: Option<&crate::journal::MachineSeen>| {
        m.map_or_else(|| "—".to_string(), |m| cell(&describe_machine(m)))
    };
    let rows = pairs.iter().map(|p: &MachineSeenPair<'_>| {
        vec![cell(p.vm), cell(p.group), show(p.before), show(p.after)]
    });
    table(out, &["VM", "Group", "Before", "After"], rows);
}
