//! A [`Report`] to one self-contained HTML page: inline CSS and inline SVG,
//! no script, nothing fetched from anywhere (a Content-Security-Policy says
//! so to the browser too), readable offline and printable. The page is
//! built from [`page`] (header, verdict, facts), [`gantt`] (the timeline)
//! and [`tables`] (steps, failures, approvals, hook output, machines, plan
//! text). Every text from a journal or a plan goes through [`esc`].

mod gantt;
mod page;
mod tables;

use super::Report;

/// Text made safe inside HTML elements and attribute values, control
/// characters made visible.
pub(crate) fn esc(text: &str) -> String {
    let text = crate::printable::printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as an HTML document.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(4096 + report.steps.len() * 600);
    page::open(&mut out, report);
    gantt::render(&mut out, report);
    tables::steps(&mut out, report);
    tables::failures(&mut out, report);
    tables::approvals(&mut out, report);
    tables::outputs(&mut out, report);
    tables::machines(&mut out, report);
    tables::amendments(&mut out, report);
    tables::plan_text(&mut out, report);
    page::close(&mut out);
    out
}
