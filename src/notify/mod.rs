//! Notifications: a plan's `notify { webhook … }` targets in, chat messages
//! and JSON documents out. [`NotifySink`] wraps a run's [`crate::exec::EventSink`]
//! and turns the run's events into [`Notification`]s (`run_started`,
//! `step_failed`, `approval_waiting`, `rto_exceeded`, `run_finished`);
//! [`Notifier`] delivers them to each target as a Teams card, a Slack message
//! or a `drplan.notification/1` JSON document, on a thread of its own.
//!
//! Delivery never holds a run up and never fails it: events are queued
//! without waiting, each request has a timeout and a couple of retries, a
//! failure is logged (`tracing` warn) and recorded nowhere else, and the
//! run's end waits a bounded time for what is still queued.

mod message;
mod sender;
mod sink;

pub use message::{Notification, SCHEMA};
pub use sender::{Notifier, NotifyOptions};
pub use sink::NotifySink;

use crate::plan::MapValue;
use crate::source::Span;

/// What a run tells a notify target about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    /// The run (or a resumed part of it) began.
    RunStarted,
    /// A step failed, tolerated (`on_error continue`) or not.
    StepFailed,
    /// A `manual` step waits for `drplan approve`.
    ApprovalWaiting,
    /// The run has taken longer than `objectives.rto` and steps still run.
    RtoExceeded,
    /// The run ended: succeeded, failed or cancelled.
    RunFinished,
}

impl NotifyEvent {
    /// Every event, in the order the docs list them: a target's default.
    pub const ALL: [NotifyEvent; 5] = [
        NotifyEvent::RunStarted,
        NotifyEvent::StepFailed,
        NotifyEvent::ApprovalWaiting,
        NotifyEvent::RtoExceeded,
        NotifyEvent::RunFinished,
    ];

    /// The word a plan writes: `run_started`, …
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::RunStarted => "run_started",
            NotifyEvent::StepFailed => "step_failed",
            NotifyEvent::ApprovalWaiting => "approval_waiting",
            NotifyEvent::RtoExceeded => "rto_exceeded",
            NotifyEvent::RunFinished => "run_finished",
        }
    }

    /// The event a plan's word names.
    pub fn from_word(word: &str) -> Option<NotifyEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == word)
    }
}

/// How a target wants its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyFormat {
    /// A Microsoft Teams incoming webhook: a `MessageCard`.
    Teams,
    /// A Slack incoming webhook: `{"text": …, "blocks": […]}`.
    Slack,
    /// Any endpoint: `{"schema": "drplan.notification/1", …}`.
    Json,
}

impl NotifyFormat {
    /// Every format, in the order the docs list them.
    pub const ALL: [NotifyFormat; 3] =
        [NotifyFormat::Teams, NotifyFormat::Slack, NotifyFormat::Json];

    /// The word a plan writes.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyFormat::Teams => "teams",
            NotifyFormat::Slack => "slack",
            NotifyFormat::Json => "json",
        }
    }

    /// The format a plan's word names.
    pub fn from_word(word: &str) -> Option<NotifyFormat> {
        Self::ALL.into_iter().find(|f| f.as_str() == word)
    }
}

/// One `webhook URL { format …  events […] }` of a plan's `notify` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    /// The URL, or `env("NAME")` (chat webhook URLs are secrets: whoever
    /// has one can post to the channel).
    pub url: MapValue,
    /// How messages are shaped.
    pub format: NotifyFormat,
    /// What it is told about, in [`NotifyEvent::ALL`] order.
    pub events: Vec<NotifyEvent>,
    /// Where the target is written.
    pub span: Span,
}

impl NotifyTarget {
    /// How logs name the target: `env("NAME")`, or the literal URL's
    /// scheme, host and port (its path may hold a token).
    pub fn label(&self) -> String {
        match &self.url {
            MapValue::Secret(s) => s.to_string(),
            MapValue::Literal(text) => match url::Url::parse(text) {
                Ok(u) => format!(
                    "{}://{}{}",
                    u.scheme(),
                    u.host_str().unwrap_or(""),
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
                Err(_) => "a webhook".into(),
            },
        }
    }
}

/// The `env("NAME")` names the plan's notify targets read.
pub fn secret_names(targets: &[NotifyTarget]) -> impl Iterator<Item = &str> {
    targets.iter().filter_map(|t| match &t.url {
        MapValue::Secret(s) => Some(s.name.as_str()),
        MapValue::Literal(_) => None,
    })
}
