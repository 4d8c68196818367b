//! The page's frame: the document head (inline style, a policy that lets
//! the browser fetch nothing), the header with the verdict, the notes and
//! the run's facts; and the closing tags.

use std::fmt::Write as _;

use super::esc;
use crate::report::achieved::RtoVerdict;
use crate::report::facts;
use crate::report::model::{Report, RunVerdict};

const STYLE: &str = include_str!("style.css");

fn verdict_class(v: RunVerdict) -> &'static str {
    match v {
        RunVerdict::Succeeded => "succeeded",
        RunVerdict::Failed => "failed",
        RunVerdict::Cancelled => "cancelled",
        RunVerdict::InProgress => "in-progress",
        RunVerdict::Incomplete => "incomplete",
    }
}

fn facts_table(out: &mut String, title: &str, facts: Vec<(&'static str, String)>) {
    let _ = write!(out, "<section><h2>{title}</h2><table class=\"kv\">");
    for (k, v) in facts {
        let _ = write!(out, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    out.push_str("</table></section>");
}

/// From `<!DOCTYPE html>` to the end of the facts.
pub(super) fn open(out: &mut String, report: &Report) {
    let title = format!(
        "{} of plan {} (run {})",
        report.operation, report.plan, report.run_id
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<header><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let rto_class = match report.recovery.rto {
        Some(RtoVerdict::Met { .. }) => " rto-met",
        Some(RtoVerdict::Missed { .. }) => " rto-missed",
        _ => "",
    };
    let _ = write!(
        out,
        "<div class=\"verdict {}\" data-status=\"{}\">{} {}",
        verdict_class(report.status),
        verdict_class(report.status),
        esc(&report.operation.to_string()),
        report.status.as_str()
    );
    if let Some(rto) = facts::rto(report) {
        let _ = write!(out, "; <span class=\"{rto_class}\">{}</span>", esc(&rto));
    }
    out.push_str("</div>");
    for note in &report.notes {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(note));
    }
    out.push_str("</header>\n<div class=\"facts\">");
    facts_table(out, "Run", facts::run_facts(report));
    facts_table(out, "Recovery time", facts::recovery_facts(report));
    out.push_str("</div>\n");
}

/// The closing tags.
pub(super) fn close(out: &mut String) {
    out.push_str("\n</body></html>\n");
}
