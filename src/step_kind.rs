//! What a step does, as one closed set: a VM operation, a VM's shutdown
//! (a `shutdown_reversed` failback's first half) or one of the hook kinds. The graph, the journal (`step_started.kind`), the CLI and the
//! report all use this type; in JSON and journals it is the `snake_case` word
//! (`vm`, `script`, …), as journals have always stored it.

use serde::{Deserialize, Serialize};

/// The kind of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The operation on one VM.
    Vm,
    /// Powering off one VM where it runs now, before a failback
    /// (`failback { order shutdown_reversed }`).
    Shutdown,
    /// A local program.
    Script,
    /// An Azure Automation runbook.
    Runbook,
    /// One HTTP request.
    Webhook,
    /// Polling a URL until it answers.
    Probe,
    /// A person's approval.
    Manual,
    /// A pause.
    Wait,
}

impl StepKind {
    /// Every kind, in the order the language documents them.
    pub const ALL: [StepKind; 8] = [
        StepKind::Vm,
        StepKind::Shutdown,
        StepKind::Script,
        StepKind::Runbook,
        StepKind::Webhook,
        StepKind::Probe,
        StepKind::Manual,
        StepKind::Wait,
    ];

    /// The word (`vm`, `script`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Vm => "vm",
            StepKind::Shutdown => "shutdown",
            StepKind::Script => "script",
            StepKind::Runbook => "runbook",
            StepKind::Webhook => "webhook",
            StepKind::Probe => "probe",
            StepKind::Manual => "manual",
            StepKind::Wait => "wait",
        }
    }

    /// Whether this is a hook rather than a VM operation or shutdown.
    pub fn is_hook(self) -> bool {
        !matches!(self, StepKind::Vm | StepKind::Shutdown)
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::StepKind;

    #[test]
    fn kinds_are_stored_as_the_words_journals_hold() {
        for kind in StepKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<StepKind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<StepKind>("\"vm\"").is_ok());
        assert!(serde_json::from_str::<StepKind>("\"teleport\"").is_err());
    }
}
