//! The timeline: an inline SVG Gantt chart of the steps, grouped by group
//! (in the order groups first appear), one row per step. Each step that
//! started has one actual bar (`<rect class="bar …" data-step="ID">`,
//! coloured by result, outlined when on the dry run's critical path) and,
//! when the plan gives one, a dashed estimate bar at the dry run's planned
//! start (`data-estimate`); a dashed line marks the RTO.

use std::fmt::Write as _;

use super::esc;
use crate::report::achieved::duration;
use crate::report::model::{Report, StepResult, StepRow};

const LABEL_W: f64 = 300.0;
const CHART_W: f64 = 960.0;
const ROW_H: f64 = 14.0;
const BAR_H: f64 = 9.0;
const TOP: f64 = 24.0;

/// The longest label shown, in characters: the full id is in the bar's title.
const LABEL_CHARS: usize = 46;

fn label(id: &str) -> String {
    if id.chars().count() <= LABEL_CHARS {
        id.to_string()
    } else {
        let head: String = id.chars().take(LABEL_CHARS - 1).collect();
        format!("{head}…")
    }
}

/// When a step's actual bar ends, in seconds from the first step.
fn end_s(step: &StepRow, now_s: f64) -> Option<f64> {
    let start = step.start_s?;
    Some(match (step.result, step.duration_s) {
        (StepResult::Running, _) | (_, None) => now_s.max(start),
        (_, Some(d)) => start + d,
    })
}

/// Rows in group order: group headings, then their steps.
fn rows(report: &Report) -> Vec<(&str, Vec<&StepRow>)> {
    let mut groups: Vec<(&str, Vec<&StepRow>)> = Vec::new();
    for s in report
        .steps
        .iter()
        .filter(|s| s.result != StepResult::Skipped)
    {
        let g = s.group.as_deref().unwrap_or("");
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, list)) => list.push(s),
            None => groups.push((g, vec![s])),
        }
    }
    groups
}

/// A tidy tick interval (seconds) giving about eight ticks over `span`.
fn tick(span: f64) -> f64 {
    const NICE: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        14400.0, 43200.0,
    ];
    NICE.into_iter()
        .find(|n| span / n <= 8.0)
        .unwrap_or(86400.0 * (span / 86400.0 / 8.0).ceil().max(1.0))
}

/// The timeline section.
pub(super) fn render(out: &mut String, report: &Report) {
    let now_s = report.recovery.to_last_step_s.unwrap_or(0.0);
    let groups = rows(report);
    let mut span = now_s;
    for s in &report.steps {
        span = span.max(end_s(s, now_s).unwrap_or(0.0));
        if let (Some(p), Some(e)) = (s.planned_start_s, s.estimate_s) {
            span = span.max(p + e);
        }
    }
    if let Some(rto) = report.recovery.rto_s {
        span = span.max(rto);
    }
    let span = span.max(1.0);
    let x = |t: f64| LABEL_W + t / span * CHART_W;
    let count: usize = groups.iter().map(|(_, s)| s.len() + 1).sum();
    // Row counts are far below f64's exact integer range.
    #[allow(clippy::cast_precision_loss)]
    let height = TOP + count as f64 * ROW_H + 8.0;
    let width = LABEL_W + CHART_W + 20.0;
    out.push_str("<section><h2>Timeline</h2>");
    out.push_str(
        "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#2da44e\"></i>succeeded</span>\
         <span><i class=\"sw\" style=\"background:#cf222e\"></i>failed</span>\
         <span><i class=\"sw\" style=\"background:#d4a72c\"></i>tolerated</span>\
         <span><i class=\"sw\" style=\"background:#8250df\"></i>running</span>\
         <span><i class=\"sw\" style=\"border:1px dashed #57606a\"></i>estimate (dry run)</span>\
         <span><i class=\"sw\" style=\"background:#ccc;outline:1.5px solid #0b1f33\"></i>critical path</span></p>",
    );
    let _ = write!(
        out,
        "<div class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"timeline of the run's steps\" \
         width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">"
    );
    let step = tick(span);
    let mut t = 0.0;
    while t <= span + 1e-9 {
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{height:.1}\"/><text class=\"tick\" x=\"{0:.1}\" y=\"12\">{2}</text>",
            x(t),
            TOP - 6.0,
            duration(t)
        );
        t += step;
    }
    if let Some(rto) = report.recovery.rto_s {
        let _ = write!(
            out,
            "<line class=\"rto\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{height:.1}\"><title>RTO {2}</title></line>",
            x(rto),
            TOP - 6.0,
            duration(rto)
        );
    }
    let mut y = TOP;
    for (group, steps) in groups {
        let _ = write!(
            out,
            "<text class=\"group\" x=\"4\" y=\"{:.1}\">{}</text>",
            y + BAR_H,
            esc(&label(group))
        );
        y += ROW_H;
        for s in steps {
            bar(out, s, y, now_s, &x);
            y += ROW_H;
        }
    }
    out.push_str("</svg></div></section>\n");
}

/// One step's row: its label, estimate bar and actual bar.
fn bar(out: &mut String, s: &StepRow, y: f64, now_s: f64, x: &dyn Fn(f64) -> f64) {
    let id = esc(&s.id);
    let _ = write!(
        out,
        "<text x=\"14\" y=\"{:.1}\">{}</text>",
        y + BAR_H,
        esc(&label(&s.id))
    );
    if let Some(e) = s.estimate_s {
        let start = s.planned_start_s.or(s.start_s).unwrap_or(0.0);
        let _ = write!(
            out,
            "<rect class=\"est\" data-estimate=\"{id}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{id}: estimate {}</title></rect>",
            x(start),
            y,
            (x(start + e) - x(start)).max(1.0),
            BAR_H + 2.0,
            duration(e)
        );
    }
    let (Some(start), Some(end)) = (s.start_s, end_s(s, now_s)) else {
        return;
    };
    let crit = if s.critical { " crit" } else { "" };
    let _ = write!(
        out,
        "<rect class=\"bar {}{crit}\" data-step=\"{id}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR_H:.1}\"><title>{id}: {} {}</title></rect>",
        s.result.as_str(),
        x(start),
        y + 1.0,
        (x(end) - x(start)).max(1.5),
        s.result.as_str(),
        duration(end - start)
    );
}
