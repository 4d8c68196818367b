//! A plan's hooks as checked: when they run (before or after a group's VMs
//! or the whole operation, on failure), for which phases, what they do
//! (script, runbook, webhook, probe, manual, wait) with their settings
//! resolved, and the secrets they read, which never print their value.

use std::collections::BTreeMap;
use std::fmt;

use super::OnError;
use crate::duration::Duration;
use crate::source::Span;

/// Before or after a group's VMs (or the whole operation's steps), or,
/// for the plan only, after a failed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// `before`.
    Before,
    /// `after`.
    After,
    /// `on_failure` (plan level only).
    OnFailure,
}

impl When {
    /// `before`, `after` or `on_failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            When::Before => "before",
            When::After => "after",
            When::OnFailure => "on_failure",
        }
    }
}

/// The phases hook blocks name: one per operation of the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Primary to recovery.
    Failover,
    /// Recovery to primary.
    Failback,
    /// Test failover into the isolated network.
    Test,
    /// Failover commit.
    Commit,
    /// Reprotect: replication turned around.
    Reprotect,
    /// Test-failover cleanup.
    TestCleanup,
}

impl Phase {
    /// Every phase, in the order plans and messages list them.
    pub const ALL: [Phase; 6] = [
        Phase::Failover,
        Phase::Failback,
        Phase::Test,
        Phase::Commit,
        Phase::Reprotect,
        Phase::TestCleanup,
    ];

    /// The word a plan writes (`before test_cleanup { … }`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Failover => "failover",
            Phase::Failback => "failback",
            Phase::Test => "test",
            Phase::Commit => "commit",
            Phase::Reprotect => "reprotect",
            Phase::TestCleanup => "test_cleanup",
        }
    }

    /// The phase a plan's word names.
    pub fn from_word(word: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == word)
    }
}

/// `before PHASES { hooks }` or `after PHASES { hooks }`.
#[derive(Debug, Clone, PartialEq)]
pub struct HookBlock {
    /// Before or after the VMs.
    pub when: When,
    /// The phases it runs in.
    pub phases: Vec<Phase>,
    /// The hooks, in order.
    pub hooks: Vec<Hook>,
}

/// One hook: what it does and how it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// What it does.
    pub action: HookAction,
    /// Timeout, retries, failure policy and estimate, defaults applied.
    pub step: StepSettings,
    /// Whether the hook writes its `estimate` (else its kind's built-in one).
    pub estimate_declared: bool,
    /// The whole hook statement.
    pub span: Span,
}

/// How a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepSettings {
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Retries after a failure.
    pub retries: u32,
    /// What a failure does.
    pub on_error: OnError,
    /// Estimated duration.
    pub estimate: Duration,
}

/// What a hook does.
#[derive(Debug, Clone, PartialEq)]
pub enum HookAction {
    /// Run a local executable.
    Script {
        /// Path relative to the plan file.
        path: String,
        /// Arguments as given.
        args: Vec<String>,
        /// Extra environment.
        env: BTreeMap<String, MapValue>,
    },
    /// Run an Azure Automation runbook.
    Runbook {
        /// The runbook.
        name: String,
        /// The Automation account's ARM id.
        account: String,
        /// Parameters; empty means the run context as `RecoveryPlanContext`.
        params: BTreeMap<String, MapValue>,
    },
    /// Send one HTTP request.
    Webhook {
        /// The URL.
        url: String,
        /// The method.
        method: String,
        /// Headers.
        headers: BTreeMap<String, MapValue>,
        /// The body; `None` means the run context as JSON.
        body: Option<String>,
        /// The expected status; `None` means any 2xx.
        expect: Option<u16>,
    },
    /// Poll a URL until it answers.
    Probe {
        /// The URL.
        url: String,
        /// The expected status.
        expect: u16,
        /// Poll interval.
        every: Duration,
        /// Give up after.
        within: Duration,
    },
    /// Wait for an operator.
    Manual {
        /// What the operator should check.
        instructions: String,
    },
    /// Sleep.
    Wait {
        /// How long.
        duration: Duration,
    },
}

impl HookAction {
    /// The hook's kind.
    pub fn kind(&self) -> crate::step_kind::StepKind {
        use crate::step_kind::StepKind;
        match self {
            HookAction::Script { .. } => StepKind::Script,
            HookAction::Runbook { .. } => StepKind::Runbook,
            HookAction::Webhook { .. } => StepKind::Webhook,
            HookAction::Probe { .. } => StepKind::Probe,
            HookAction::Manual { .. } => StepKind::Manual,
            HookAction::Wait { .. } => StepKind::Wait,
        }
    }
}

/// A map value: a literal, or a secret read from the environment at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapValue {
    /// `"value"`.
    Literal(String),
    /// `env("NAME")`.
    Secret(Secret),
}

/// `env("NAME")`: only the variable's name is kept. Every way of printing it
/// shows `env("NAME")`, never a value, so a secret cannot leak through logs,
/// journals or diagnostics by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The environment variable.
    pub name: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "env({:?})", self.name)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "env({:?})", self.name)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
