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
    /// `--vm` names (empty: every VM of the groups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vms: Vec<String>,
    /// `--simulate` or `vault simulator`.
    #[serde(default)]
    pub simulate: bool,
    /// `--unplanned`: the source is not touched.
    #[serde(default)]
    pub unplanned: bool,
    /// `--recovery-point`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_point: Option<crate::plan::RecoveryPoint>,
    /// `--recovery-point before:INSTANT`: every VM fails over to its latest
    /// point at or before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<crate::clock::Timestamp>,
    /// The points `before` picked at the run's start, by plan VM: a resume
    /// uses the same ones.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub points: std::collections::BTreeMap<String, crate::provider::RecoveryPointInfo>,
    /// `--parallelism`: a cap on VM steps across the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
}

/// Where a run came from, as evidence: who started it, on which machine,
/// which content of the plan (the hash of its canonical form and the git
/// commit it was read from), and how fast its vault ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// Who started it: a shared store's signed-in identity, else the local
    /// account.
    pub by: String,
    /// The machine's host name.
    pub host: String,
    /// `sha256:<hex>` of the plan's canonical form: formatting and comments
    /// do not change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// The git commit holding the plan file, when it is in a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether the plan file differed from that commit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
    /// How many times faster than Azure the vault ran (a simulated vault's
    /// `DRPLAN_SIM_SPEED`); 1 for a real one.
    pub vault_speed: f64,
}

/// How many steps ended how, in the part of a run that `run_finished` ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    /// Succeeded in this part.
    pub succeeded: usize,
    /// Failed (tolerated ones included).
    pub failed: usize,
    /// Of those, tolerated under `on_error continue`.
    #[serde(default)]
    pub tolerated: usize,
    /// Skipped.
    pub skipped: usize,
    /// Done by an earlier part of a resumed run.
    #[serde(default)]
    pub done_before: usize,
    /// Steps that needed more than one attempt.
    #[serde(default)]
    pub retried: usize,
    /// Still running when the run was interrupted.
    #[serde(default)]
    pub in_flight: usize,
}

/// When the machines were read, for [`Event::Machines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachinesPhase {
    /// At preflight, before any step.
    Before,
    /// After the last step.
    After,
}

/// One machine as the vault described it, for [`Event::Machines`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineSeen {
    /// The plan VM.
    pub vm: String,
    /// Its group.
    pub group: String,
    /// ASR's `protectionState`.
    pub state: String,
    /// Which region it was active in.
    pub active: crate::provider::Location,
    /// Replication health.
    pub health: crate::provider::Health,
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
        /// Who, where, which content (absent in journals written before
        /// drplan recorded it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<Origin>,
    },
    /// An attempt of a step began.
    StepStarted {
        /// Its id.
        step: String,
        /// A VM operation, or the hook's kind.
        kind: crate::step_kind::StepKind,
        /// Its group.
        group: String,
        /// 1 for the first attempt.
        attempt: u32,
        /// The step's estimate when it started, in seconds: what the
        /// report's prediction error compares against.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        estimate_s: Option<f64>,
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
    /// What the vault said of the run's machines: read at preflight
    /// (`before`) and once more after the last step (`after`), as evidence
    /// of what the run changed. Absent in journals written before drplan
    /// recorded it, and in runs that could not read the vault.
    Machines {
        /// Before or after.
        phase: MachinesPhase,
        /// One entry per VM of the run, in plan order.
        vms: Vec<MachineSeen>,
    },
    /// The run ended.
    RunFinished {
        /// The run.
        run_id: RunId,
        /// How.
        status: RunStatus,
        /// From the start of this part of the run.
        duration_s: f64,
        /// How the steps ended (absent in older journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counts: Option<StepCounts>,
    },
}

impl Event {
    /// A `step_finished` with nothing beside its status and duration: a
    /// success, or a skip once its reason is set.
    pub fn step_finished(step: impl Into<String>, status: StepStatus, duration_s: f64) -> Event {
        Event::StepFinished {
            step: step.into(),
            status,
            duration_s,
            error: None,
            reason: None,
            possible_causes: None,
            recommended_action: None,
            output: None,
            tolerated: false,
        }
    }

    /// A step that did not run, and why.
    pub fn step_skipped(step: impl Into<String>, why: SkipReason) -> Event {
        let mut event = Event::step_finished(step, StepStatus::Skipped, 0.0);
        if let Event::StepFinished { reason, .. } = &mut event {
            *reason = Some(why);
        }
        event
    }
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
