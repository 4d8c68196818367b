//! The page's tables and blocks below the timeline: steps, failures with
//! the vault's causes and actions, approvals, the hooks' kept output
//! (collapsed), the machines before and after, plan corrections and the
//! plan text.

use std::fmt::Write as _;

use super::esc;
use crate::report::facts;
use crate::report::machines::describe_machine;
use crate::report::model::Report;

/// The step table.
pub(super) fn steps(out: &mut String, report: &Report) {
    out.push_str(
        "<section><h2>Steps</h2><table class=\"steps\"><thead><tr><th>Step</th><th>Kind</th><th>Group</th>\
         <th>Estimate</th><th>Start</th><th>Duration</th><th>Attempts</th><th>Result</th>\
         <th>Error vs estimate</th><th>Job</th></tr></thead><tbody>",
    );
    for s in &report.steps {
        let crit = if s.critical {
            " <span title=\"on the dry run's critical path\">★</span>"
        } else {
            ""
        };
        // Plain text, not a `<details>` per row: ten thousand of those
        // make the page slow to open.
        let tasks = if s.tasks.is_empty() {
            String::new()
        } else {
            let joined: Vec<String> = s.tasks.iter().map(|t| esc(t)).collect();
            format!("<div class=\"tasks\">{}</div>", joined.join("; "))
        };
        let result = s.result.as_str();
        let _ = write!(
            out,
            "<tr data-row=\"{}\"><td><code>{}</code>{crit}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{result}\">{result}</td>\
             <td class=\"num\">{}</td><td><code>{}</code>{tasks}</td></tr>",
            esc(&s.id),
            esc(&s.id),
            s.kind.map_or("", |k| k.as_str()),
            esc(s.group.as_deref().unwrap_or("")),
            facts::secs(s.estimate_s),
            facts::secs(s.start_s),
            facts::secs(s.duration_s),
            s.attempts,
            facts::percent(s.prediction_error_pct),
            esc(s.job.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</tbody></table>");
    if !report.critical_path.is_empty() {
        out.push_str("<p>★ on the dry run's critical path.</p>");
    }
    out.push_str("</section>\n");
}

/// Each failure with the vault's causes and action and a hook's output.
pub(super) fn failures(out: &mut String, report: &Report) {
    if report.failures.is_empty() {
        return;
    }
    out.push_str("<section><h2>Failures</h2>");
    for f in &report.failures {
        let tolerated = if f.tolerated {
            " (tolerated: on_error continue)"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<h3><code>{}</code>{tolerated}</h3><p>{}</p>",
            esc(&f.step),
            esc(&f.error)
        );
        if f.possible_causes.is_some() || f.recommended_action.is_some() {
            out.push_str("<table class=\"kv\">");
            if let Some(c) = &f.possible_causes {
                let _ = write!(out, "<tr><th>Possible causes</th><td>{}</td></tr>", esc(c));
            }
            if let Some(a) = &f.recommended_action {
                let _ = write!(
                    out,
                    "<tr><th>Recommended action</th><td>{}</td></tr>",
                    esc(a)
                );
            }
            out.push_str("</table>");
        }
        if let Some(o) = &f.output {
            let _ = write!(out, "<pre>{}</pre>", esc(o));
        }
    }
    out.push_str("</section>\n");
}

/// Answers to manual steps.
pub(super) fn approvals(out: &mut String, report: &Report) {
    if report.approvals.is_empty() {
        return;
    }
    out.push_str(
        "<section><h2>Approvals</h2><table><tr><th>Step</th><th>Verdict</th><th>By</th><th>When</th><th>Comment</th></tr>",
    );
    for a in &report.approvals {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.step),
            a.verdict,
            esc(&a.by),
            a.at,
            esc(a.comment.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table></section>\n");
}

/// Each hook attempt's kept output, collapsed.
pub(super) fn outputs(out: &mut String, report: &Report) {
    let with = report.steps_with_output();
    if with.is_empty() {
        return;
    }
    out.push_str("<section><h2>Hook output</h2>");
    for s in with {
        for o in &s.outputs {
            let _ = write!(
                out,
                "<details><summary><code>{}</code> attempt {}</summary><pre>{}</pre></details>",
                esc(&s.id),
                o.attempt,
                esc(&o.text)
            );
        }
    }
    out.push_str("</section>\n");
}

/// The machines before and after.
pub(super) fn machines(out: &mut String, report: &Report) {
    let pairs = report.machines.pairs();
    if pairs.is_empty() {
        return;
    }
    out.push_str(
        "<section><h2>Machines</h2><table><tr><th>VM</th><th>Group</th><th>Before</th><th>After</th></tr>",
    );
    let show = |m: Option<&crate::journal::MachineSeen>| {
        m.map_or_else(|| "—".to_string(), |m| esc(&describe_machine(m)))
    };
    for p in pairs {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.vm),
            esc(p.group),
            show(p.before),
            show(p.after)
        );
    }
    out.push_str("</table></section>\n");
}

/// Corrections of the plan during the run.
pub(super) fn amendments(out: &mut String, report: &Report) {
    if report.amendments.is_empty() {
        return;
    }
    out.push_str("<section><h2>Plan corrections</h2><ul>");
    for a in &report.amendments {
        let _ = write!(out, "<li>revision {}<ul>", a.revision);
        for c in &a.changes {
            let _ = write!(out, "<li>{}</li>", esc(c));
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></section>\n");
}

/// The plan text the run used.
pub(super) fn plan_text(out: &mut String, report: &Report) {
    if let Some(text) = &report.plan_text {
        let _ = write!(
            out,
            "<section><h2>Plan</h2><pre>{}</pre></section>",
            esc(text)
        );
    }
}
