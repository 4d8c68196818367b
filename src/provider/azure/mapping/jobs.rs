//! Jobs: an ASR job (and the operation it carries out) in; drplan's
//! [`Job`] with its state, progress and errors out; and which operation a
//! job is, from its scenario and, for failovers, the item's history.

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{Job, JobError, JobId, JobState, Location};

use super::super::models::{AsrJob, JobErrorDetails};
use super::super::poll;
use super::parse_time;

/// A job's kind, from its scenario: which drplan operation it is, once the
/// direction of a failover is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioKind {
    /// Unplanned (or planned) failover, in either direction.
    Failover,
    /// Failover commit.
    Commit,
    /// Reprotect (reverse replication).
    Reprotect,
    /// Test failover.
    TestFailover,
    /// Test failover cleanup.
    TestCleanup,
    /// An update of the item's target settings.
    Configure,
}

impl ScenarioKind {
    /// The drplan operation, for a failover that started from `from`.
    pub fn operation(self, from: Location) -> Operation {
        match self {
            ScenarioKind::Failover if from == Location::Recovery => Operation::Failback,
            ScenarioKind::Failover => Operation::Failover,
            ScenarioKind::Commit => Operation::Commit,
            ScenarioKind::Reprotect => Operation::Reprotect,
            ScenarioKind::TestFailover => Operation::TestFailover,
            ScenarioKind::TestCleanup => Operation::TestCleanup,
            ScenarioKind::Configure => Operation::Configure,
        }
    }
}

/// *(inferred)* A job's kind from its `scenarioName` (the examples and the
/// simulator use `UnplannedFailover`, `CommitFailover`,
/// `ReverseReplication`, `TestFailover`, `TestFailoverCleanup`,
/// `UpdateReplicationProtectedItem`; other spellings seen in ASR's portal
/// and SDKs are accepted), else from its `friendlyName` ("Failover",
/// "Commit", "Reprotect", "Test failover", "Test failover cleanup", "Update
/// replicated item"). `None` for jobs drplan does not run (enable
/// replication, policy changes, …).
pub fn scenario_kind(scenario: Option<&str>, friendly: Option<&str>) -> Option<ScenarioKind> {
    let norm = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let by_scenario = |s: &str| match norm(s).as_str() {
        "unplannedfailover" | "plannedfailover" | "failover" => Some(ScenarioKind::Failover),
        "commitfailover" | "failovercommit" | "commit" => Some(ScenarioKind::Commit),
        "reversereplication" | "reprotect" | "switchprotection" => Some(ScenarioKind::Reprotect),
        "testfailover" => Some(ScenarioKind::TestFailover),
        "testfailovercleanup" | "cleanuptestfailover" => Some(ScenarioKind::TestCleanup),
        "updatereplicationprotecteditem" | "updatereplicateditem" | "updatevmproperties" => {
            Some(ScenarioKind::Configure)
        }
        _ => None,
    };
    scenario
        .and_then(by_scenario)
        .or_else(|| friendly.and_then(by_scenario))
}

/// *(inferred)* Where each of an item's failover jobs started from, since
/// ASR's job does not say. `states` are the item's failover jobs' states,
/// newest first; `active_now` is where the item runs now. Walking back in
/// time: a running job has not moved the item yet, so it starts from where
/// the item is; a succeeded one moved it, so it started from the other side
/// (and before it the item was there); a failed or cancelled one moved
/// nothing. Exact for the newest failover of an item, which is the one a run
/// follows or resumes; older ones are as good as the history is complete.
pub fn failover_origins(active_now: Location, states: &[JobState]) -> Vec<Location> {
    let mut side = active_now;
    states
        .iter()
        .map(|state| match state {
            JobState::Succeeded => {
                side = side.other();
                side
            }
            _ => side,
        })
        .collect()
}

/// An ASR job state → [`JobState`].
pub fn job_state(state: Option<&str>) -> JobState {
    match state.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("notstarted") => JobState::NotStarted,
        Some("inprogress") => JobState::InProgress,
        Some("succeeded") => JobState::Succeeded,
        Some("failed") => JobState::Failed,
        Some("cancelled" | "canceled") => JobState::Cancelled,
        Some("suspended") => JobState::Suspended,
        _ => JobState::Other,
    }
}

fn job_error(e: &JobErrorDetails) -> Vec<JobError> {
    let mut out = Vec::new();
    if let Some(s) = &e.service_error_details
        && let Some(message) = s.message.clone().filter(|m| !m.is_empty())
    {
        out.push(JobError {
            code: s.code.clone().filter(|c| !c.is_empty()),
            message,
            possible_causes: s.possible_causes.clone().filter(|c| !c.is_empty()),
            recommended_action: s.recommended_action.clone().filter(|c| !c.is_empty()),
        });
    }
    if let Some(p) = &e.provider_error_details
        && let Some(message) = p.error_message.clone().filter(|m| !m.is_empty())
    {
        let code = p.error_code.as_ref().and_then(|c| match c {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        out.push(JobError {
            code,
            message,
            possible_causes: p.possible_causes.clone().filter(|c| !c.is_empty()),
            recommended_action: p.recommended_action.clone().filter(|c| !c.is_empty()),
        });
    }
    out
}

/// Whether a job waits for someone to resume it.
pub fn waits_for_input(job: &AsrJob) -> bool {
    let resumable = |actions: &[String]| actions.iter().any(|a| a.eq_ignore_ascii_case("Resume"));
    job_state(job.properties.state.as_deref()) == JobState::Suspended
        && (resumable(&job.properties.allowed_actions)
            || job
                .properties
                .tasks
                .iter()
                .any(|t| resumable(&t.allowed_actions)))
}

/// An ASR job as a [`Job`] of `operation` on `vm`; `now` stands in for a
/// start time ASR has not set yet.
pub fn job(asr: &AsrJob, operation: Operation, vm: String, now: Timestamp) -> Job {
    let p = &asr.properties;
    let state = job_state(p.state.as_deref());
    let total = p.tasks.len();
    let done = p
        .tasks
        .iter()
        .filter(|t| {
            matches!(
                job_state(t.state.as_deref()),
                JobState::Succeeded | JobState::Failed | JobState::Cancelled
            ) || t
                .state
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("Skipped"))
        })
        .count();
    let percent = if state == JobState::Succeeded {
        Some(100)
    } else {
        (done * 100)
            .checked_div(total)
            .and_then(|p| u8::try_from(p).ok())
    };
    let running = p.tasks.iter().find(|t| {
        matches!(
            job_state(t.state.as_deref()),
            JobState::InProgress | JobState::Suspended
        )
    });
    let message = running
        .and_then(|t| t.friendly_name.clone().or_else(|| t.name.clone()))
        .filter(|m| !m.is_empty());
    let mut errors: Vec<JobError> = p.errors.iter().flat_map(job_error).collect();
    if errors.is_empty() && state == JobState::Failed {
        errors = p
            .tasks
            .iter()
            .flat_map(|t| t.errors.iter().flat_map(job_error))
            .collect();
    }
    Job {
        id: JobId(if asr.name.is_empty() {
            poll::last_segment(&asr.id).unwrap_or_default().to_owned()
        } else {
            asr.name.clone()
        }),
        name: p
            .friendly_name
            .clone()
            .or_else(|| p.scenario_name.clone())
            .unwrap_or_else(|| operation.to_string()),
        operation,
        vm,
        state,
        started: p.start_time.as_deref().and_then(parse_time).unwrap_or(now),
        ended: if state.is_terminal() {
            p.end_time.as_deref().and_then(parse_time)
        } else {
            None
        },
        percent,
        message,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_map_to_operations() {
        use ScenarioKind::*;
        assert_eq!(
            scenario_kind(Some("UnplannedFailover"), None),
            Some(Failover)
        );
        assert_eq!(scenario_kind(Some("CommitFailover"), None), Some(Commit));
        assert_eq!(
            scenario_kind(Some("ReverseReplication"), None),
            Some(Reprotect)
        );
        assert_eq!(
            scenario_kind(Some("TestFailover"), None),
            Some(TestFailover)
        );
        assert_eq!(
            scenario_kind(Some("TestFailoverCleanup"), None),
            Some(TestCleanup)
        );
        assert_eq!(
            scenario_kind(Some("Other"), Some("Test failover cleanup")),
            Some(TestCleanup)
        );
        assert_eq!(
            scenario_kind(Some("UpdateReplicationProtectedItem"), None),
            Some(Configure)
        );
        assert_eq!(
            scenario_kind(None, Some("Update replicated item")),
            Some(Configure)
        );
        assert_eq!(Configure.operation(Location::Primary), Operation::Configure);
        assert_eq!(
            scenario_kind(
                Some("AddProtectionProfile"),
                Some("Create replication policy")
            ),
            None
        );
        assert_eq!(Failover.operation(Location::Primary), Operation::Failover);
        assert_eq!(Failover.operation(Location::Recovery), Operation::Failback);
    }

    #[test]
    fn failover_origins_walk_back_from_where_the_item_is() {
        use JobState::*;
        use Location::*;
        // Running failback: the item is still in recovery.
        assert_eq!(failover_origins(Recovery, &[InProgress]), [Recovery]);
        // A finished failover moved it to recovery.
        assert_eq!(failover_origins(Recovery, &[Succeeded]), [Primary]);
        // Failback done, a failed attempt before it, the failover before that.
        assert_eq!(
            failover_origins(Primary, &[Succeeded, Failed, Succeeded]),
            [Recovery, Recovery, Primary]
        );
    }
}
