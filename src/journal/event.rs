//! The events of a run (spec: cli.md "Run events"): what the executor emits,
//! what the journal stores one per line, and what `--format json` prints.
//! A journal line is a [`Record`]: `{"ts": …, "event": …, …fields}`.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::graph::Operation;

/// A run's id: `YYYYMMDD-HHMMSS-xxxx` (UTC start time and four hex digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub String);

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl RunId {
    /// A new id from the start time and a random suffix.
    pub fn new(started: Timestamp, suffix: u16) -> RunId {
        let text = started.to_string();
        // `2026-11-26T12:39:22.123Z` → `20261126-123922`
        let digits: String = text.chars().take(19).filter(char::is_ascii_digit).collect();
        let (date, time) = digits.split_at(digits.len().min(8));
        RunId(format!("{date}-{time}-{suffix:04x}"))
    }

    /// Whether `text` has the shape of a run id (and so is safe as a folder name).
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= 64
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It did what it should.
    Succeeded,
    /// It failed (after its retries).
    Failed,
    /// It did not run.
    Skipped,
}

/// Why a step was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A step it needs failed.
    UpstreamFailed,
    /// Another step failed under `on_error abort`, so no new step started.
    Aborted,
    /// A resumed run found it already done by an earlier attempt.
    AlreadyDone,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every step succeeded (or failed under `on_error continue`).
    Succeeded,
    /// A step failed under `on_error abort`.
    Failed,
    /// Interrupted (Ctrl-C); resumable.
    Cancelled,
}

/// Facts a resumed run needs that the plan file alone does not give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings {
    /// The plan file, as given on the command line, made absolute.
    pub plan_file: String,
    /// `--group` names (empty: all).
    #[serde(default)]
    pub groups: Vec<String>,
    /// `--simulate` or `vault simulator`.
    #[serde(default)]
    pub simulate: bool,
    /// `--unplanned`: the source is not touched.
    #[serde(default)]
    pub unplanned: bool,
    /// `--recovery-point`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_point: Option<String>,
    /// `--parallelism`: a cap on VM steps across the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
}

/// Something that happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run began (or was resumed: `resumed` is set).
    RunStarted {
        /// The run.
        run_id: RunId,
        /// The plan's name.
        plan: String,
        /// The operation.
        operation: Operation,
        /// How it was started, for `resume`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<RunSettings>,
        /// Set when this starts a resumed part of an earlier run.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        resumed: bool,
    },
    /// An attempt of a step began.
    StepStarted {
        /// Its id.
        step: String,
        /// `vm` or the hook kind.
        kind: String,
        /// Its group.
        group: String,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// A running step reported progress.
    StepProgress {
        /// Its id.
        step: String,
        /// Percent done, when the provider says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        percent: Option<u8>,
        /// What is happening.
        message: String,
        /// The provider job behind a VM step, once it is known: what a resumed
        /// run follows instead of starting the operation again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<String>,
    },
    /// A step ended.
    StepFinished {
        /// Its id.
        step: String,
        /// How.
        status: StepStatus,
        /// How long it took, all attempts together.
        duration_s: f64,
        /// Why it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// Why it was skipped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<SkipReason>,
        /// The provider's stated causes of a failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        possible_causes: Option<String>,
        /// The provider's recommended action.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recommended_action: Option<String>,
        /// The tail of a hook's output, when it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        /// Whether the failure was tolerated (`on_error continue`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        tolerated: bool,
    },
    /// A manual step was answered (`drplan approve` / `reject`, the
    /// terminal, or `--yes`): who, and what they wrote.
    Decided {
        /// The step.
        step: String,
        /// Approved or rejected.
        verdict: crate::journal::Verdict,
        /// Who.
        by: String,
        /// Their comment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// `resume --plan` continued the run with a corrected plan, kept in the
    /// store as this revision.
    PlanAmended {
        /// 1 for the first correction.
        revision: u32,
        /// What changed, one line a change.
        changes: Vec<String>,
    },
    /// The run ended.
    RunFinished {
        /// The run.
        run_id: RunId,
        /// How.
        status: RunStatus,
        /// From the start of this part of the run.
        duration_s: f64,
    },
}

/// One journal line: an event and when it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When.
    pub ts: Timestamp,
    /// What.
    #[serde(flatten)]
    pub event: Event,
}
