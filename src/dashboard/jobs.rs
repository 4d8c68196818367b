//! Site Recovery jobs as `drplan jobs` and the dashboard show them: [`Job`]s
//! and the time now in, rows newest first with their duration, ASR's three
//! dashboard counts and the `jobs` table out.

use std::fmt::Write as _;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{Job, JobError, JobId, JobState};

use super::human::write_advice;
use super::table::{Cell, Paint, short_time, table};
use crate::printable::printable_line;

/// How far back ASR's dashboard counts failed jobs.
const FAILED_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// One job (cli.md "Jobs and runs").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRow {
    /// ASR's display name ("Failover", "Commit", …).
    pub name: String,
    /// The operation in drplan's names.
    pub operation: Operation,
    /// The plan VM.
    pub vm: String,
    /// The vault it ran in, for a plan across vaults (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// `not_started`, `in_progress`, `succeeded`, `failed`, `cancelled`,
    /// `suspended` (waiting for input) or `other`.
    pub state: JobState,
    /// When it started (RFC 3339).
    pub started: Timestamp,
    /// Seconds from start to end, or to now while it runs; null for a
    /// finished job whose end ASR did not report.
    pub duration_s: Option<u64>,
    /// Its id.
    pub id: JobId,
    /// When it ended.
    pub ended: Option<Timestamp>,
    /// Progress, when known.
    pub percent: Option<u8>,
    /// The task in progress.
    pub message: Option<String>,
    /// Why it failed, with ASR's causes and recommended actions.
    pub errors: Vec<JobError>,
}

impl JobRow {
    fn new(job: &Job, now: Timestamp) -> Self {
        let duration_s = match (job.ended, job.state.is_terminal()) {
            (Some(end), _) => Some(end.since(job.started).as_secs()),
            (None, false) => Some(now.since(job.started).as_secs()),
            (None, true) => None,
        };
        Self {
            name: job.name.clone(),
            operation: job.operation,
            vm: job.vm.clone(),
            vault: None,
            state: job.state,
            started: job.started,
            duration_s,
            id: job.id.clone(),
            ended: job.ended,
            percent: job.percent,
            message: job.message.clone(),
            errors: job.errors.clone(),
        }
    }
}

/// ASR's dashboard job counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobsSummary {
    /// Jobs that failed in the last 24 hours (by their end, else their start).
    pub failed_24h: usize,
    /// Jobs running or queued to run.
    pub in_progress: usize,
    /// Suspended jobs: a manual action waits to be resumed.
    pub waiting_for_input: usize,
}

/// The output of `drplan jobs` (`{"jobs": [...], "total": N, "truncated": bool}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobsReport {
    /// Newest first (by start; ties by id), at most the limit asked for.
    pub jobs: Vec<JobRow>,
    /// How many jobs there are in all (of the VMs asked about).
    pub total: usize,
    /// Whether `jobs` leaves older ones out: `total` is larger than the limit.
    pub truncated: bool,
}

/// The newest `limit` jobs (every one when `None`) as rows, newest first,
/// durations measured to `now` for the unfinished ones, and how many there
/// are in all. Filtering (by VM) belongs to the caller: filter `jobs` before.
pub fn jobs_report(jobs: &[Job], now: Timestamp, limit: Option<usize>) -> JobsReport {
    let total = jobs.len();
    let shown = limit.map_or(total, |l| l.min(total));
    JobsReport {
        jobs: newest_first(jobs)
            .into_iter()
            .take(shown)
            .map(|j| JobRow::new(j, now))
            .collect(),
        total,
        truncated: shown < total,
    }
}

/// The `drplan jobs` table; failed jobs get their errors and ASR's
/// recommended action below their row, and a last line says when older
/// jobs were left out. ASR's text is escaped as the dashboard's is (see
/// `human`).
pub fn jobs_human(report: &JobsReport, color: bool) -> String {
    let mut out = String::new();
    if report.jobs.is_empty() {
        out.push_str("no jobs\n");
        return out;
    }
    write_jobs(&mut out, &report.jobs, color, "");
    if report.truncated {
        let note = format!(
            "showing the newest {} of {} jobs; `--limit N` shows more, `--all` every one",
            report.jobs.len(),
            report.total
        );
        let _ = writeln!(out, "{}", Paint::Dim.paint(&note, color));
    }
    out
}

/// The rows of `jobs` newest first, keeping every unfinished one and the
/// most recent finished ones up to `limit` rows in all.
pub(super) fn recent(jobs: &[Job], now: Timestamp, limit: usize) -> Vec<JobRow> {
    let sorted = newest_first(jobs);
    let open = sorted.iter().filter(|j| !j.state.is_terminal()).count();
    let mut room = limit.saturating_sub(open);
    sorted
        .into_iter()
        .filter(|j| {
            if !j.state.is_terminal() {
                return true;
            }
            let keep = room > 0;
            room = room.saturating_sub(1);
            keep
        })
        .map(|j| JobRow::new(j, now))
        .collect()
}

pub(super) fn summary(jobs: &[Job], now: Timestamp) -> JobsSummary {
    let mut s = JobsSummary::default();
    for j in jobs {
        match j.state {
            JobState::Failed => {
                if now.since(j.ended.unwrap_or(j.started)) <= FAILED_WINDOW {
                    s.failed_24h += 1;
                }
            }
            JobState::InProgress | JobState::NotStarted => s.in_progress += 1,
            JobState::Suspended => s.waiting_for_input += 1,
            JobState::Succeeded | JobState::Cancelled | JobState::Other => {}
        }
    }
    s
}

fn newest_first(jobs: &[Job]) -> Vec<&Job> {
    let mut sorted: Vec<&Job> = jobs.iter().collect();
    sorted.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| a.id.cmp(&b.id)));
    sorted
}

/// A job's state for people, with its progress while it runs.
pub(super) fn state_cell(row: &JobRow) -> Cell {
    let (text, paint) = match row.state {
        JobState::NotStarted => ("queued", Paint::Dim),
        JobState::InProgress => ("in progress", Paint::Yellow),
        JobState::Succeeded => ("succeeded", Paint::Green),
        JobState::Failed => ("failed", Paint::Red),
        JobState::Cancelled => ("cancelled", Paint::Dim),
        JobState::Suspended => ("waiting for input", Paint::Yellow),
        JobState::Other => ("other", Paint::Plain),
    };
    let text = match (row.state, row.percent) {
        (JobState::InProgress, Some(p)) => format!("{text} {p}%"),
        _ => text.to_owned(),
    };
    Cell::new(text, paint)
}

/// Writes the job table, each line starting with `indent`.
pub(super) fn write_jobs(out: &mut String, rows: &[JobRow], color: bool, indent: &str) {
    let header = ["STARTED", "VM", "OPERATION", "STATE", "DURATION", "JOB"];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::plain(short_time(r.started)),
                Cell::plain(super::human::with_vault(&r.vm, r.vault.as_deref())),
                Cell::plain(r.operation.as_str()),
                state_cell(r),
                Cell::plain(r.duration_s.map_or_else(
                    || "-".to_owned(),
                    |s| crate::duration::Duration::from_secs(s).to_string(),
                )),
                Cell::plain(r.name.clone()),
            ]
        })
        .collect();
    let lines = table(&header, &cells, color);
    let mut lines = lines.into_iter();
    if let Some(head) = lines.next() {
        let _ = writeln!(out, "{indent}{head}");
    }
    for (row, line) in rows.iter().zip(lines) {
        let _ = writeln!(out, "{indent}{line}");
        for e in &row.errors {
            let code = e
                .code
                .as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            let text = printable_line(&format!("error: {code}{}", e.message)).into_owned();
            let _ = writeln!(out, "{indent}  {}", Paint::Red.paint(&text, color));
            write_advice(
                out,
                &format!("{indent}    "),
                e.possible_causes.as_deref(),
                e.recommended_action.as_deref(),
            );
        }
    }
}
