//! The rows of a report: one step's record (estimate, attempts, result,
//! job, kept output), a failure with ASR's causes, an approval, a plan
//! correction and the machines seen before and after; built by the model,
//! read by every renderer.

use serde::Serialize;

use super::model::StepResult;
use crate::clock::Timestamp;
use crate::graph::StepKind;
use crate::journal::{MachineSeen, SkipReason, Verdict};

/// One attempt's kept output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    /// The attempt (1 for the first).
    pub attempt: u32,
    /// The redacted output.
    pub text: String,
}

/// One step of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow {
    /// Its id.
    pub id: String,
    /// A VM operation, or the hook's kind.
    pub kind: Option<StepKind>,
    /// Its group.
    pub group: Option<String>,
    /// The estimate it started with (else the plan's), seconds.
    pub estimate_s: Option<f64>,
    /// When the dry run expected it to start, seconds from the first step.
    pub planned_start_s: Option<f64>,
    /// When its first attempt started.
    pub started: Option<Timestamp>,
    /// Seconds from the first step's start to its own.
    pub start_s: Option<f64>,
    /// All attempts together, seconds (so far, while it runs).
    pub duration_s: Option<f64>,
    /// Attempts started.
    pub attempts: u32,
    /// Attempts after the first.
    pub retries: u32,
    /// How it ended.
    pub result: StepResult,
    /// Why it was skipped.
    pub skip_reason: Option<SkipReason>,
    /// (actual − estimate) / estimate, percent; at Azure's pace for the
    /// steps the vault carries out on a simulated vault.
    pub prediction_error_pct: Option<f64>,
    /// On the dry run's critical path.
    pub critical: bool,
    /// The vault's job.
    pub job: Option<String>,
    /// What the vault reported doing, in order, once each.
    pub tasks: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The hook's kept, redacted output.
    pub outputs: Vec<Output>,
}

/// A step that failed, with what the vault said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The step.
    pub step: String,
    /// Why.
    pub error: String,
    /// The vault's possible causes.
    pub possible_causes: Option<String>,
    /// The vault's recommended action.
    pub recommended_action: Option<String>,
    /// The tail of a hook's output.
    pub output: Option<String>,
    /// Whether `on_error continue` tolerated it.
    pub tolerated: bool,
}

/// An answer to a manual step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// The step.
    pub step: String,
    /// Approved or rejected.
    pub verdict: Verdict,
    /// Who.
    pub by: String,
    /// When the run took it.
    pub at: Timestamp,
    /// Their comment.
    pub comment: Option<String>,
}

/// A `resume --plan` correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    /// The revision.
    pub revision: u32,
    /// What changed.
    pub changes: Vec<String>,
}

/// The machines as the vault described them before and after the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Machines {
    /// At preflight (of the last part of the run).
    pub before: Option<Vec<MachineSeen>>,
    /// After the last step.
    pub after: Option<Vec<MachineSeen>>,
}
