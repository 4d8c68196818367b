//! The words of a report that every text form shares: the verdict line,
//! the run's facts (who, where, which content, when) and its recovery time
//! against the RTO and the estimate, each as a label and a value, so that
//! Markdown and HTML say the same things. Values are plain text: each form
//! escapes them its own way.

use super::achieved::duration;
use super::model::{Report, RunVerdict};

/// `failover succeeded; RTO 1h: met, 21m30s`.
pub fn verdict(report: &Report) -> String {
    let mut line = format!("{} {}", report.operation, report.status.as_str());
    if let Some(rto) = rto(report) {
        line.push_str("; ");
        line.push_str(&rto);
    }
    line
}

/// `RTO 1h: met, 21m30s`, when the plan has an RTO for the operation.
pub fn rto(report: &Report) -> Option<String> {
    let r = &report.recovery;
    let (rto_s, verdict, got) = (r.rto_s?, r.rto?, r.to_last_step_s?);
    Some(format!(
        "RTO {}: {}",
        duration(rto_s),
        verdict.describe(got)
    ))
}

/// The run's facts, in the order shown.
pub fn run_facts(report: &Report) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Run", report.run_id.clone()),
        ("Plan", report.plan.clone()),
        ("Operation", report.operation.to_string()),
    ];
    if let Some(d) = &report.direction {
        out.push(("Direction", format!("{} → {}", d.from, d.to)));
    }
    let not_recorded = || "not recorded".to_string();
    let (by, host, hash, commit) = if let Some(o) = &report.origin {
        (
            o.by.clone(),
            o.host.clone(),
            o.content_hash.clone().unwrap_or_else(not_recorded),
            match &o.commit {
                Some(c) if o.dirty => format!("{c} (the file had changes not committed)"),
                Some(c) => c.clone(),
                None => "not in a git repository".to_string(),
            },
        )
    } else {
        (
            not_recorded(),
            not_recorded(),
            not_recorded(),
            not_recorded(),
        )
    };
    out.push(("Started by", by));
    out.push(("Host", host));
    out.push(("Content hash", hash));
    out.push(("Commit", commit));
    out.push(("Started", report.started.to_string()));
    out.push((
        "Ended",
        report
            .ended
            .map_or_else(|| "still running".to_string(), |t| t.to_string()),
    ));
    out.push(("Status", report.status.as_str().to_string()));
    out
}

/// The recovery time against the RTO and the estimate.
pub fn recovery_facts(report: &Report) -> Vec<(&'static str, String)> {
    let r = &report.recovery;
    let mut out = Vec::new();
    let so_far = if report.status == RunVerdict::InProgress {
        " (so far)"
    } else {
        ""
    };
    if let Some(s) = r.to_last_step_s {
        out.push(("Recovery time", format!("{}{so_far}", duration(s))));
    }
    if let Some(s) = r.to_last_vm_s {
        out.push(("Until the last VM", duration(s)));
    }
    match rto(report) {
        Some(text) => out.push(("Objective", text)),
        None => out.push((
            "Objective",
            if report.operation.has_rto() {
                "no RTO in the plan".to_string()
            } else {
                format!("the RTO does not apply to {}", report.operation)
            },
        )),
    }
    if let (Some(e), Some(d)) = (r.estimate_s, r.vs_estimate_s) {
        let delta = if d >= 0.0 {
            format!("{} longer", duration(d))
        } else {
            format!("{} shorter", duration(-d))
        };
        out.push(("Dry-run estimate", format!("{} ({delta})", duration(e))));
    }
    if let Some(asr) = r.asr_equivalent_s {
        out.push((
            "At Azure's pace",
            format!(
                "≈ {} (simulated vault {}× faster)",
                duration(asr),
                r.vault_speed
            ),
        ));
    }
    out
}

/// A step's figures, shared by the tables: estimate, start, duration,
/// prediction error.
pub fn secs(s: Option<f64>) -> String {
    s.map_or_else(|| "—".to_string(), duration)
}

/// `+12%` / `−3%`.
pub fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:+.0}%"))
}
