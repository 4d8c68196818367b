//! Site Recovery jobs as every provider reports them: an id, a state, the
//! operation and VM it acts on, its errors, and the progress a follower
//! sees.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::graph::Operation;

/// A Site Recovery job's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job's state (ASR's `NotStarted`, `InProgress`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Queued.
    NotStarted,
    /// Running.
    InProgress,
    /// Done.
    Succeeded,
    /// Failed; see [`Job::errors`].
    Failed,
    /// Cancelled.
    Cancelled,
    /// Waiting for input.
    Suspended,
    /// Anything else ASR reports.
    Other,
}

impl JobState {
    /// Whether the job will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A job's error, with what ASR says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    /// ASR's error code, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
    /// Why it may have happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possible_causes: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_action: Option<String>,
}

/// A Site Recovery job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// ASR's display name ("Failover", "Commit", "Reprotect", …).
    pub name: String,
    /// The operation in drplan's terms.
    pub operation: Operation,
    /// The plan VM it acts on.
    pub vm: String,
    /// Its state.
    pub state: JobState,
    /// When it started.
    pub started: Timestamp,
    /// When it ended.
    pub ended: Option<Timestamp>,
    /// Progress, when the provider knows it.
    pub percent: Option<u8>,
    /// The task in progress, for display.
    pub message: Option<String>,
    /// Why it failed.
    pub errors: Vec<JobError>,
}

/// One progress report of a job being followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Percent done, when known.
    pub percent: Option<u8>,
    /// What is happening.
    pub message: String,
}
