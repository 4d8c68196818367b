//! Answers to `manual` steps: who approved or rejected a step, when, and why
//! (`drplan approve` / `drplan reject --comment`), as kept in a run store and
//! journaled as an [`super::Event::Decided`] once the waiting run takes it.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// Approved or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The step may go on.
    Approved,
    /// The step fails, under its `on_error` policy.
    Rejected,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Approved => "approved",
            Verdict::Rejected => "rejected",
        })
    }
}

/// One answer to a manual step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Approved or rejected.
    pub verdict: Verdict,
    /// Who: the signed-in identity (user principal name, or a service
    /// principal's application id), or the local account on its machine.
    pub by: String,
    /// When it was given.
    pub at: Timestamp,
    /// What the approver wrote (`--comment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Decision {
    /// Reads a kept decision. Runs from before decisions were JSON kept
    /// only the approver's name: that is an approval without a time.
    pub fn parse(text: &str, fallback_at: Timestamp) -> Decision {
        serde_json::from_str(text).unwrap_or_else(|_| Decision {
            verdict: Verdict::Approved,
            by: text.trim().to_string(),
            at: fallback_at,
            comment: None,
        })
    }

    /// One line: `approved by ana@contoso.com: "AG in sync"`.
    pub fn describe(&self) -> String {
        match &self.comment {
            Some(c) => format!("{} by {}: \"{c}\"", self.verdict, self.by),
            None => format!("{} by {}", self.verdict, self.by),
        }
    }
}

/// The whole (redacted) output of one attempt of a hook, kept with the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptOutput {
    /// The attempt (1 for the first).
    pub attempt: u32,
    /// The output, redacted; cut at the cap with a note saying so.
    pub text: String,
}

impl KeptOutput {
    /// The name an attempt's output is kept under: `<step file name>.<attempt>.log`.
    pub fn file_name(step: &str, attempt: u32) -> String {
        format!("{}.{attempt}.log", crate::graph::step_file_name(step))
    }

    /// The attempt whose output `name` (a file or blob name, without its
    /// folder) keeps for `step`, if it is one of them.
    pub fn attempt_in(name: &str, step: &str) -> Option<u32> {
        name.strip_prefix(&crate::graph::step_file_name(step))?
            .strip_prefix('.')?
            .strip_suffix(".log")?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_round_trip_and_other_steps_do_not_match() {
        let name = KeptOutput::file_name("hook:db/after/1", 3);
        assert_eq!(name, "hook:db%2Fafter%2F1.3.log");
        assert_eq!(KeptOutput::attempt_in(&name, "hook:db/after/1"), Some(3));
        assert_eq!(KeptOutput::attempt_in(&name, "hook:db/after/11"), None);
        assert_eq!(
            KeptOutput::attempt_in("hook:db%2Fafter%2F11.3.log", "hook:db/after/1"),
            None
        );
    }

    #[test]
    fn old_plain_text_approvals_still_read() {
        let at = crate::clock::Clock::test().now();
        let d = Decision::parse("ana on host\n", at);
        assert_eq!(d.verdict, Verdict::Approved);
        assert_eq!(d.by, "ana on host");
        let json = serde_json::to_string(&Decision {
            verdict: Verdict::Rejected,
            by: "ana@contoso.com".into(),
            at,
            comment: Some("AG not in sync".into()),
        })
        .unwrap();
        let back = Decision::parse(&json, at);
        assert_eq!(back.verdict, Verdict::Rejected);
        assert_eq!(
            back.describe(),
            "rejected by ana@contoso.com: \"AG not in sync\""
        );
    }
}
