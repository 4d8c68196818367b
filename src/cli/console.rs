//! Run events to the terminal: one JSON object a line (`--format json`),
//! plain timestamped lines when stdout is not a terminal, or a live display
//! (a bar per running step with its elapsed time and the provider's
//! progress, finished steps printed above) on a terminal; then the summary.
//! Every text that came from outside (plan names, hook output, the vault's
//! messages) goes through `printable` on its way to the terminal.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output;
use crate::exec::Outcome;
use crate::graph::StepKind;
use crate::journal::{Event, Record, RunId, RunStatus, SkipReason, StepStatus};
use crate::printable::printable_line as line_of;

/// How events are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// NDJSON on stdout.
    Json,
    /// One line per event.
    Plain,
    /// Live bars.
    Live,
}

/// The terminal side of a run.
pub(crate) struct Console {
    mode: Mode,
    color: bool,
    start: Option<crate::clock::Timestamp>,
    live: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
    /// The last progress message shown per step: plain output prints a
    /// message once, not at every percent.
    last_message: HashMap<String, String>,
    /// The run's recovery time so far, for the summary.
    achieved: crate::report::Achieved,
}

/// What the summary measures the run against: the plan's RTO (when it
/// applies to the operation) and the vault's speed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Objective {
    /// The RTO.
    pub(crate) rto: Option<crate::duration::Duration>,
    /// How many times faster than Azure the vault ran.
    pub(crate) vault_speed: f64,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl Console {
    pub(crate) fn new(mode: Mode, color: bool) -> Self {
        let live = (mode == Mode::Live)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
        Self {
            mode,
            color,
            start: None,
            live,
            bars: HashMap::new(),
            last_message: HashMap::new(),
            achieved: crate::report::Achieved::default(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn elapsed(&self, record: &Record) -> String {
        let secs = self.start.map_or(0.0, |s| record.ts.since(s).as_secs_f64());
        let whole = secs.floor();
        // Whole seconds are exact here; the cast only drops the fraction.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s = whole as u64;
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }

    /// Shows one event.
    pub(crate) fn record(&mut self, record: &Record) {
        self.achieved.see(record);
        if let Event::RunStarted { .. } = record.event
            && self.start.is_none()
        {
            self.start = Some(record.ts);
        }
        match self.mode {
            Mode::Json => output::document(output::Schema::Event, record),
            Mode::Plain => {
                if let Event::StepProgress { step, message, .. } = &record.event {
                    if self.last_message.get(step) == Some(message) {
                        return;
                    }
                    self.last_message.insert(step.clone(), message.clone());
                }
                if let Some(line) = self.line(record) {
                    output::print(&format!("{} {line}\n", self.elapsed(record)));
                }
            }
            Mode::Live => self.live(record),
        }
    }

    fn line(&self, record: &Record) -> Option<String> {
        Some(match &record.event {
            Event::RunStarted {
                run_id,
                plan,
                operation,
                resumed,
                ..
            } => {
                let verb = if *resumed { "resuming" } else { "starting" };
                let plan = line_of(plan);
                format!("{verb} {operation} of plan {plan} (run {run_id})")
            }
            Event::StepStarted {
                step,
                kind,
                attempt,
                ..
            } => {
                let step = line_of(step);
                if *attempt > 1 {
                    format!("start  {step} ({kind}, attempt {attempt})")
                } else {
                    format!("start  {step} ({kind})")
                }
            }
            Event::StepProgress {
                step,
                percent,
                message,
                ..
            } => {
                let (step, message) = (line_of(step), line_of(message));
                match percent {
                    Some(p) => format!("       {step} {p:>3}% {message}"),
                    None => format!("       {step} {message}"),
                }
            }
            Event::StepFinished {
                step,
                status,
                duration_s,
                error,
                reason,
                tolerated,
                ..
            } => {
                let step = line_of(step);
                match status {
                    StepStatus::Succeeded => {
                        format!(
                            "{}   {step} in {}",
                            self.paint(GREEN, "ok"),
                            secs(*duration_s)
                        )
                    }
                    StepStatus::Failed => format!(
                        "{} {step} after {}: {}{}",
                        self.paint(RED, "FAIL"),
                        secs(*duration_s),
                        line_of(error.as_deref().unwrap_or("failed")),
                        if *tolerated {
                            " (tolerated: on_error continue)"
                        } else {
                            ""
                        }
                    ),
                    StepStatus::Skipped => format!(
                        "{} {step} ({})",
                        self.paint(DIM, "skip"),
                        match reason {
                            Some(SkipReason::UpstreamFailed) => "a step it needs failed",
                            Some(SkipReason::Aborted) => "the run stopped after a failure",
                            Some(SkipReason::AlreadyDone) => "already done",
                            None => "skipped",
                        }
                    ),
                }
            }
            Event::Decided {
                step,
                verdict,
                by,
                comment,
            } => {
                let (step, by) = (line_of(step), line_of(by));
                match comment {
                    Some(c) => format!("       {step} {verdict} by {by}: \"{}\"", line_of(c)),
                    None => format!("       {step} {verdict} by {by}"),
                }
            }
            Event::PlanAmended { revision, changes } => format!(
                "continuing with plan revision {revision} ({} change{})",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            ),
            Event::RunFinished { .. } | Event::Machines { .. } => return None,
        })
    }

    fn live(&mut self, record: &Record) {
        let Some(multi) = self.live.clone() else {
            return;
        };
        match &record.event {
            Event::StepStarted {
                step,
                kind,
                attempt,
                ..
            } => {
                let bar = self.bars.entry(step.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(100));
                    // VM jobs report percentages; hooks only messages.
                    let template = if *kind == StepKind::Vm {
                        "{spinner} {prefix:<28} {bar:20} {pos:>3}% {elapsed:>4} {wide_msg}"
                    } else {
                        "{spinner} {prefix:<28} {elapsed:>30} {wide_msg}"
                    };
                    let style = ProgressStyle::with_template(template)
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> ");
                    bar.set_style(style);
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                bar.set_prefix(line_of(step).into_owned());
                bar.set_message(if *attempt > 1 {
                    format!("{kind}, attempt {attempt}")
                } else {
                    kind.to_string()
                });
            }
            Event::StepProgress {
                step,
                percent,
                message,
                ..
            } => {
                if let Some(bar) = self.bars.get(step) {
                    if let Some(p) = percent {
                        bar.set_position(u64::from(*p));
                    }
                    bar.set_message(line_of(message).into_owned());
                }
            }
            Event::StepFinished { step, .. } => {
                if let Some(bar) = self.bars.remove(step) {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                if let Some(line) = self.line(record) {
                    let _ = multi.println(format!("{} {line}", self.elapsed(record)));
                }
            }
            Event::RunStarted { .. } | Event::Decided { .. } | Event::PlanAmended { .. } => {
                if let Some(line) = self.line(record) {
                    let _ = multi.println(line);
                }
            }
            Event::RunFinished { .. } | Event::Machines { .. } => {}
        }
    }

    /// A question for the operator: above the live display, else on stderr.
    /// The instructions in it come from the plan: shown, never obeyed.
    pub(crate) fn prompt(&self, text: &str) {
        let text = crate::printable::printable(text);
        match &self.live {
            Some(multi) => {
                let _ = multi.println(format!("\n{text}"));
            }
            None => eprintln!("\n{text}"),
        }
    }

    /// Clears the live display.
    pub(crate) fn finish(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.finish_and_clear();
        }
        if let Some(multi) = &self.live {
            let _ = multi.clear();
        }
    }

    /// The final summary for people (stdout), or nothing in JSON mode.
    pub(crate) fn summary(
        &self,
        run_id: &RunId,
        what: &str,
        outcome: &Outcome,
        next: Option<&str>,
        objective: Objective,
    ) {
        if self.mode == Mode::Json {
            return;
        }
        let mut text = summary_text(run_id, what, outcome, next, self.color);
        let timing = timing(&self.achieved, outcome, objective);
        // After the headline and counts, before failures and next steps.
        let at = text
            .match_indices('\n')
            .nth(2)
            .map_or(text.len(), |(i, _)| i + 1);
        text.insert_str(at, &timing);
        output::print(&text);
    }
}

use crate::report::achieved::duration as secs;

/// The summary's lines on time: the recovery time against the RTO
/// (`RTO 30m: met, 21m30s`), at Azure's pace on a simulated vault, and the
/// steps that needed retries.
pub(crate) fn timing(
    achieved: &crate::report::Achieved,
    outcome: &Outcome,
    objective: Objective,
) -> String {
    let mut out = String::new();
    if let Some(got) = achieved.to_last_step_s() {
        let completed = outcome.status == RunStatus::Succeeded;
        let mut line = match objective.rto {
            Some(rto) => {
                let rto_s = rto.to_std().as_secs_f64();
                let verdict = crate::report::RtoVerdict::judge(got, rto_s, completed);
                format!("  RTO {rto}: {}", verdict.describe(got))
            }
            None => format!("  recovery time {}", secs(got)),
        };
        if objective.vault_speed > 1.0 {
            let _ = write!(
                line,
                " (≈ {} at Azure's pace)",
                secs(got * objective.vault_speed)
            );
        }
        let _ = writeln!(out, "{line}");
    }
    if !outcome.retried.is_empty() {
        let steps: Vec<String> = outcome
            .retried
            .iter()
            .map(|(step, attempts)| format!("{} ({attempts} attempts)", line_of(step)))
            .collect();
        let _ = writeln!(out, "  retried: {}", steps.join(", "));
    }
    out
}

/// The summary: status and duration, per-group times, failures with the
/// provider's causes and actions, what is still in flight, and what to do next.
pub(crate) fn summary_text(
    run_id: &RunId,
    what: &str,
    outcome: &Outcome,
    next: Option<&str>,
    color: bool,
) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let status = match outcome.status {
        RunStatus::Succeeded => paint(GREEN, "succeeded"),
        RunStatus::Failed => paint(RED, "failed"),
        RunStatus::Cancelled => paint(YELLOW, "was interrupted"),
    };
    let _ = writeln!(
        out,
        "\n{} {status} in {} (run {run_id})",
        line_of(what),
        secs(outcome.duration.as_secs_f64())
    );
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut counts = vec![format!(
        "{} succeeded",
        plural(outcome.succeeded, "step", "steps")
    )];
    if outcome.done_before > 0 {
        counts.push(format!(
            "{} done by the earlier attempt",
            outcome.done_before
        ));
    }
    let failed = outcome.failures.iter().filter(|f| !f.tolerated).count();
    let tolerated = outcome.failures.len() - failed;
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if tolerated > 0 {
        counts.push(format!("{tolerated} failed and tolerated"));
    }
    if outcome.skipped > 0 {
        counts.push(format!("{} skipped", outcome.skipped));
    }
    let _ = writeln!(out, "  {}", counts.join(", "));
    if !outcome.groups.is_empty() {
        let groups: Vec<String> = outcome
            .groups
            .iter()
            .map(|g| format!("{} {}", line_of(&g.group), secs(g.duration.as_secs_f64())))
            .collect();
        let _ = writeln!(out, "  groups: {}", groups.join(", "));
    }
    failures(&mut out, outcome, &paint);
    if !outcome.in_flight.is_empty() {
        let _ = writeln!(
            out,
            "\nstill in flight (VM jobs go on in the vault; resume follows them):"
        );
        for s in &outcome.in_flight {
            let _ = writeln!(out, "  {}", line_of(s));
        }
    }
    match outcome.status {
        RunStatus::Succeeded => {
            if let Some(next) = next {
                let _ = writeln!(out, "\nnext: {}", line_of(next));
            }
        }
        RunStatus::Failed | RunStatus::Cancelled => {
            let _ = writeln!(out, "\nresume with: drplan resume {run_id}");
        }
    }
    out
}

/// Each failure with the provider's causes and actions and a hook's output.
fn failures(out: &mut String, outcome: &Outcome, paint: &dyn Fn(&str, &str) -> String) {
    for f in &outcome.failures {
        let label = if f.tolerated {
            "tolerated failure"
        } else {
            "failed"
        };
        let _ = writeln!(
            out,
            "\n{} {}: {}",
            paint(RED, label),
            line_of(&f.step),
            line_of(&f.failure.message)
        );
        if let Some(c) = &f.failure.possible_causes {
            let _ = writeln!(out, "  possible causes: {}", line_of(c));
        }
        if let Some(a) = &f.failure.recommended_action {
            let _ = writeln!(out, "  recommended action: {}", line_of(a));
        }
        if let Some(o) = &f.failure.output {
            let _ = writeln!(out, "  output (last lines):");
            for line in o.lines() {
                let _ = writeln!(out, "    | {}", line_of(line));
            }
        }
    }
}
