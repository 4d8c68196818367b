//! One notification in, the body a target of each format accepts out: a
//! Teams `MessageCard` (what Teams incoming webhooks take), a Slack
//! message with `text` and `blocks`, or drplan's own JSON document.

use serde::Serialize;
use serde_json::{Value, json};

use super::{NotifyEvent, NotifyFormat};
use crate::graph::Operation;
use crate::journal::RunStatus;

/// What happened, with the facts every message states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// Always `drplan.notification/1` (the JSON format's first key).
    pub schema: &'static str,
    /// Which event.
    pub event: NotifyEvent,
    /// The plan's name.
    pub plan: String,
    /// The operation.
    pub operation: Operation,
    /// The run's id.
    pub run_id: String,
    /// When, RFC 3339.
    pub ts: String,
    /// The step (`step_failed`, `approval_waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Why the step failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether `on_error continue` tolerated the failure (the run goes on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated: Option<bool>,
    /// How the run ended (`run_finished`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    /// Seconds since this part of the run began (`run_finished`, `rto_exceeded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// The plan's RTO in seconds (`rto_exceeded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_s: Option<f64>,
    /// The command that approves the waiting step (`approval_waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approve: Option<String>,
}

/// The JSON format's schema.
pub const SCHEMA: &str = "drplan.notification/1";

impl Notification {
    /// A notification with only the run's facts.
    pub fn new(
        event: NotifyEvent,
        plan: &str,
        operation: Operation,
        run_id: &str,
        ts: String,
    ) -> Self {
        Self {
            schema: SCHEMA,
            event,
            plan: plan.to_owned(),
            operation,
            run_id: run_id.to_owned(),
            ts,
            step: None,
            error: None,
            tolerated: None,
            status: None,
            duration_s: None,
            rto_s: None,
            approve: None,
        }
    }

    /// One line: what happened, to what, in which run.
    pub fn title(&self) -> String {
        let what = format!("{} of plan {}", self.operation, self.plan);
        let step = self.step.as_deref().unwrap_or("?");
        match self.event {
            NotifyEvent::RunStarted => format!("drplan: {what} started"),
            NotifyEvent::StepFailed if self.tolerated == Some(true) => {
                format!("drplan: step {step} failed (tolerated) in {what}")
            }
            NotifyEvent::StepFailed => format!("drplan: step {step} failed in {what}"),
            NotifyEvent::ApprovalWaiting => {
                format!("drplan: step {step} of {what} waits for approval")
            }
            NotifyEvent::RtoExceeded => format!("drplan: {what} has passed its RTO"),
            NotifyEvent::RunFinished => {
                let status = match self.status {
                    Some(RunStatus::Succeeded) => "succeeded",
                    Some(RunStatus::Failed) => "failed",
                    Some(RunStatus::Cancelled) => "was cancelled",
                    None => "ended",
                };
                format!("drplan: {what} {status}")
            }
        }
    }

    /// The details below the title, one fact a line.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Plan", self.plan.clone()),
            ("Operation", self.operation.to_string()),
            ("Run", self.run_id.clone()),
        ];
        if let Some(step) = &self.step {
            facts.push(("Step", step.clone()));
        }
        if let Some(error) = &self.error {
            // Chat services cap a field's length (Slack at 2,000 characters).
            let mut shown: String = error.chars().take(1500).collect();
            if shown.len() < error.len() {
                shown.push('…');
            }
            facts.push(("Error", shown));
        }
        if let Some(tolerated) = self.tolerated {
            let effect = if tolerated {
                "tolerated (on_error continue): the run goes on"
            } else {
                "not tolerated: no new steps start"
            };
            facts.push(("Effect", effect.into()));
        }
        if let Some(d) = self.duration_s {
            facts.push(("Elapsed", seconds(d)));
        }
        if let Some(rto) = self.rto_s {
            facts.push(("RTO", seconds(rto)));
        }
        if let Some(approve) = &self.approve {
            facts.push(("Approve", approve.clone()));
        }
        facts
    }

    /// The request body (JSON text) for a target of `format`. The JSON
    /// format is written from the struct, so `schema` stays its first key.
    pub fn body(&self, format: NotifyFormat) -> String {
        let body = match format {
            NotifyFormat::Json => serde_json::to_string(self),
            NotifyFormat::Teams => serde_json::to_string(&self.teams()),
            NotifyFormat::Slack => serde_json::to_string(&self.slack()),
        };
        // Strings and numbers only: serialization cannot fail.
        body.unwrap_or_default()
    }

    fn colour(&self) -> &'static str {
        match (self.event, self.status, self.tolerated) {
            (NotifyEvent::RunFinished, Some(RunStatus::Succeeded), _) => "2EB886",
            (NotifyEvent::StepFailed, _, Some(true)) | (NotifyEvent::ApprovalWaiting, _, _) => {
                "DAA038"
            }
            (NotifyEvent::RunStarted, _, _) => "439FE0",
            _ => "D00000",
        }
    }

    /// A Teams `MessageCard`: a title, a colour and the facts.
    fn teams(&self) -> Value {
        let facts: Vec<Value> = self
            .facts()
            .into_iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": self.title(),
            "themeColor": self.colour(),
            "title": self.title(),
            "sections": [{ "facts": facts, "markdown": false }],
        })
    }

    /// A Slack message: `text` for notifications, `blocks` for the channel.
    fn slack(&self) -> Value {
        let fields: Vec<Value> = self
            .facts()
            .into_iter()
            .map(|(name, value)| json!({ "type": "mrkdwn", "text": format!("*{name}*\n{}", slack_escape(&value)) }))
            .collect();
        json!({
            "text": self.title(),
            "blocks": [
                { "type": "header", "text": { "type": "plain_text", "text": self.title() } },
                { "type": "section", "fields": fields },
            ],
        })
    }
}

/// `1h 2m 3s` from seconds.
fn seconds(s: f64) -> String {
    // Whole seconds read best; a value that is no duration shows as given.
    std::time::Duration::try_from_secs_f64(s.round()).map_or_else(
        |_| format!("{s}s"),
        |d| crate::duration::Duration::from_secs(d.as_secs()).to_string(),
    )
}

/// Slack's mrkdwn treats `&`, `<` and `>` as markup.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
