//! ASR's words to drplan's: an item, a job, a health error or a recovery
//! point list (the [`models`](super::models) types) in; a [`Machine`], a
//! [`Job`], a [`HealthIssue`] or a choice out. Every choice the public
//! material leaves open (marked *inferred* in asr-model.md) is made here, one
//! function each, so it is easy to find and correct:
//!
//! - [`issue_kind`]: health error category and code → dashboard kind;
//! - [`replicating_from`]: which side replicates, from state and allowed operations;
//! - [`scenario_kind`]: a job's scenario name → drplan operation;
//! - [`failover_origins`]: which way a failover job went (ASR's job does not say);
//! - [`reprotect_input`]: the A2A reprotect input, from the item's own details;
//! - [`pick_recovery_point`]: the recovery point of a failover.

use std::fmt::Write as _;

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{
    AsrOperation, Health, HealthIssue, IssueKind, Job, JobError, JobId, JobState, Location,
    Machine, RecoveryPointChoice, Target, VaultHealth,
};

use super::models::{
    A2aReprotectDetails, A2aVmDisk, AsrJob, HealthError, HealthErrorSummary, JobErrorDetails,
    ProtectedItem, RecoveryPoint, VaultHealthDetails,
};
use super::poll;

/// An ASR time (`2017-04-27T11:25:56.800358Z`, `2018-02-01T05:53:30.243+00:00`,
/// or without a zone, read as UTC). ASR's "never" (`1753-01-01…`,
/// `0001-01-01…`) and anything unreadable are `None`.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (base, offset_s): (&str, i64) = match text
        .char_indices()
        .rev()
        .find(|(_, c)| *c == '+' || *c == '-')
    {
        // An offset is `±HH:MM` after the time (a `-` in the date is earlier).
        Some((at, sign)) if at > 10 && text[at..].len() == 6 => {
            let hours: i64 = text[at + 1..at + 3].parse().ok()?;
            let minutes: i64 = text[at + 4..at + 6].parse().ok()?;
            let sign = if sign == '-' { -1 } else { 1 };
            (&text[..at], sign * (hours * 3600 + minutes * 60))
        }
        _ => (text.trim_end_matches(['Z', 'z']), 0),
    };
    let local = humantime::parse_rfc3339_weak(base).ok()?;
    let utc = if offset_s >= 0 {
        local.checked_sub(std::time::Duration::from_secs(offset_s.unsigned_abs()))?
    } else {
        local.checked_add(std::time::Duration::from_secs(offset_s.unsigned_abs()))?
    };
    Some(Timestamp(utc))
}

/// `activeLocation` → [`Location`].
pub fn location(active: Option<&str>) -> Option<Location> {
    match active?.trim().to_ascii_lowercase().as_str() {
        "primary" => Some(Location::Primary),
        "recovery" => Some(Location::Recovery),
        _ => None,
    }
}

/// `replicationHealth` → [`Health`]; `None` or unknown reads as healthy.
pub fn health(replication_health: Option<&str>) -> Health {
    match replication_health
        .map(|h| h.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("critical") => Health::Critical,
        Some("warning") => Health::Warning,
        _ => Health::Healthy,
    }
}

/// `allowedOperations` → [`AsrOperation`]s, in ASR's order; unknown names
/// (`CompleteMigration`, …) are ignored.
pub fn allowed(names: &[String]) -> Vec<AsrOperation> {
    const ALL: [AsrOperation; 8] = [
        AsrOperation::UnplannedFailover,
        AsrOperation::PlannedFailover,
        AsrOperation::TestFailover,
        AsrOperation::TestFailoverCleanup,
        AsrOperation::Commit,
        AsrOperation::ChangePit,
        AsrOperation::ReverseReplicate,
        AsrOperation::DisableProtection,
    ];
    let mut out = Vec::new();
    for name in names {
        let found = ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(name.trim()));
        if let Some(op) = found
            && !out.contains(&op)
        {
            out.push(op);
        }
    }
    out
}

/// *(inferred)* Which dashboard kind a health error is (spec: asr-model.md
/// "The dashboard"): `VersionExpiry` and `AgentAutoUpdate*` categories are
/// software updates; a code or message about a quota is subscription quota;
/// the `Configuration` category is a missing resource when the code or
/// message says something was not found, deleted or does not exist, else a
/// missing configuration; everything else (`Replication`, `TestFailover`,
/// `FabricInfrastructure`, none) is replication.
pub fn issue_kind(category: Option<&str>, code: Option<&str>, message: Option<&str>) -> IssueKind {
    let category = category.unwrap_or("").trim().to_ascii_lowercase();
    let words = format!("{} {}", code.unwrap_or(""), message.unwrap_or("")).to_ascii_lowercase();
    if category == "versionexpiry" || category.starts_with("agentautoupdate") {
        return IssueKind::SoftwareUpdate;
    }
    if words.contains("quota") {
        return IssueKind::SubscriptionQuota;
    }
    if category == "configuration" {
        let missing = [
            "notfound",
            "not found",
            "deleted",
            "does not exist",
            "doesn't exist",
            "missing",
        ];
        return if missing.iter().any(|w| words.contains(w)) {
            IssueKind::MissingResource
        } else {
            IssueKind::MissingConfiguration
        };
    }
    IssueKind::Replication
}

/// `errorLevel` / `severity` → [`Health`]; `fallback` when ASR gives none.
pub fn severity(level: Option<&str>, fallback: Health) -> Health {
    match level.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("error" | "critical") => Health::Critical,
        Some("warning") => Health::Warning,
        Some("info" | "none") => Health::Healthy,
        _ => fallback,
    }
}

/// One `HealthError` of an item or the vault.
pub fn health_issue(e: &HealthError, fallback: Health) -> HealthIssue {
    let message = e
        .error_message
        .clone()
        .or_else(|| e.summary_message.clone())
        .unwrap_or_else(|| "no message given".to_owned());
    HealthIssue {
        code: e.error_code.clone().unwrap_or_default(),
        kind: issue_kind(
            e.error_category.as_deref(),
            e.error_code.as_deref(),
            Some(&message),
        ),
        severity: severity(e.error_level.as_deref(), fallback),
        message,
        possible_causes: e.possible_causes.clone().filter(|s| !s.is_empty()),
        recommended_action: e.recommended_action.clone().filter(|s| !s.is_empty()),
    }
}

/// The vault's own issues (`replicationVaultHealth`): its errors and the
/// fabric and container summaries; item issues belong to the machines.
pub fn vault_health(health: &VaultHealthDetails) -> VaultHealth {
    let p = &health.properties;
    let mut issues: Vec<HealthIssue> = p
        .vault_errors
        .iter()
        .map(|e| health_issue(e, Health::Warning))
        .collect();
    for summary in [&p.fabrics_health, &p.containers_health]
        .into_iter()
        .flatten()
    {
        issues.extend(summary.issues.iter().filter_map(summary_issue));
    }
    VaultHealth { issues }
}

/// One vault-level summary (`HealthErrorSummary`), unless only informational.
pub fn summary_issue(s: &HealthErrorSummary) -> Option<HealthIssue> {
    let severity = severity(s.severity.as_deref(), Health::Warning);
    if severity == Health::Healthy {
        return None;
    }
    let mut message = s
        .summary_message
        .clone()
        .unwrap_or_else(|| "no message given".to_owned());
    if !s.affected_resource_correlation_ids.is_empty() {
        let n = s.affected_resource_correlation_ids.len();
        let what = s.affected_resource_type.as_deref().unwrap_or("resources");
        let _ = write!(message, " ({n} {what})");
    }
    Some(HealthIssue {
        code: s.summary_code.clone().unwrap_or_default(),
        kind: issue_kind(
            s.category.as_deref(),
            s.summary_code.as_deref(),
            s.summary_message.as_deref(),
        ),
        severity,
        message,
        possible_causes: None,
        recommended_action: None,
    })
}

/// *(inferred)* The side replication copies from: the active side while
/// the item is protected, none otherwise. Protected means `protectionState`
/// is `Protected`, or ASR allows an operation only a replicating item allows
/// (failover, test failover, its cleanup): the state is free text, the
/// allowed operations are not.
pub fn replicating_from(
    protection_state: Option<&str>,
    active: Location,
    allowed: &[AsrOperation],
) -> Option<Location> {
    let by_state = protection_state.is_some_and(|s| s.trim().eq_ignore_ascii_case("Protected"));
    let by_operations = allowed.iter().any(|op| {
        matches!(
            op,
            AsrOperation::UnplannedFailover
                | AsrOperation::PlannedFailover
                | AsrOperation::TestFailover
                | AsrOperation::TestFailoverCleanup
        )
    });
    (by_state || by_operations).then_some(active)
}

/// An item as a [`Machine`] of `target`.
pub fn machine(target: &Target, item: &ProtectedItem) -> Machine {
    let p = &item.properties;
    let active = location(p.active_location.as_deref()).unwrap_or(Location::Primary);
    let allowed = allowed(&p.allowed_operations);
    let health = health(p.replication_health.as_deref());
    let details = p.provider_specific_details.as_ref();
    Machine {
        vm: target.vm.clone(),
        item: target.item.clone(),
        protection_state: p
            .protection_state
            .clone()
            .unwrap_or_else(|| "Unknown".to_owned()),
        active_location: active,
        replicating_from: replicating_from(p.protection_state.as_deref(), active, &allowed),
        allowed,
        health,
        issues: p
            .health_errors
            .iter()
            .map(|e| health_issue(e, health))
            .collect(),
        rpo_s: details
            .and_then(|d| d.rpo_in_seconds)
            .and_then(|s| u64::try_from(s).ok()),
        last_test_failover: p
            .last_successful_test_failover_time
            .as_deref()
            .and_then(parse_time),
        current_job: poll::scenario_job(p.current_scenario.as_ref()).map(JobId),
        target: crate::target::TargetSettings::default(),
        source_vm: None,
    }
}

/// `Ok` when `machine` allows `op` now, else why not (for `NotAllowed`).
pub fn check_allowed(machine: &Machine, op: Operation) -> Result<(), String> {
    let (needed, side) = crate::provider::requirement(op);
    let allowed = machine.allowed_text();
    let state = format!(
        "protection state {}, active in the {} region; allowed operations: {allowed}",
        machine.protection_state,
        match machine.active_location {
            Location::Primary => "primary",
            Location::Recovery => "recovery",
        }
    );
    if let Some(job) = &machine.current_job {
        return Err(format!("job {job} is in progress on it; {state}"));
    }
    if side.is_some_and(|s| s != machine.active_location) {
        return Err(format!(
            "it is not active on the side {op} starts from; {state}"
        ));
    }
    if machine.allows(needed) {
        Ok(())
    } else {
        Err(format!("it needs {needed}; {state}"))
    }
}

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
        }
    }
}

/// *(inferred)* A job's kind from its `scenarioName` (the examples and the
/// simulator use `UnplannedFailover`, `CommitFailover`,
/// `ReverseReplication`, `TestFailover`, `TestFailoverCleanup`; other
/// spellings seen in ASR's portal and SDKs are accepted), else from its
/// `friendlyName` ("Failover", "Commit", "Reprotect", "Test failover",
/// "Test failover cleanup"). `None` for jobs drplan does not run
/// (enable replication, policy changes, …).
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

/// *(inferred)* The A2A reprotect input, from the item's own details (spec
/// excerpt `A2AReprotectInput`), and the direction replication runs after it:
/// `RecoveryToPrimary` when the item is active in the recovery region.
///
/// - `recoveryContainerId`: going back to the primary, the container the
///   item's ARM id names (the one it was first protected from); going
///   forward, the item's `recoveryContainerId`.
/// - `recoveryResourceGroupId`: going back, the source VM's resource group
///   (from `fabricObjectId`); going forward, `recoveryAzureResourceGroupId`.
/// - `recoveryAvailabilitySetId`: going forward only, `recoveryAvailabilitySet`.
/// - `policyId`: the item's policy.
/// - `vmDisks`: the unmanaged disks' URIs and storage accounts, when any.
///
/// Not filled, as the item does not tell them: the cloud service (classic
/// deployments only), the availability set going back, and per-disk
/// targets of managed disks (ASR keeps those from the original protection).
pub fn reprotect_input(item: &ProtectedItem) -> (&'static str, A2aReprotectDetails) {
    let p = &item.properties;
    let details = p.provider_specific_details.clone().unwrap_or_default();
    let back = location(p.active_location.as_deref()) == Some(Location::Recovery);
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let input = A2aReprotectDetails {
        instance_type: "A2A",
        recovery_container_id: nonempty(if back {
            container_of(&item.id)
        } else {
            p.recovery_container_id.clone()
        }),
        recovery_resource_group_id: nonempty(if back {
            details
                .fabric_object_id
                .as_deref()
                .and_then(resource_group_of)
        } else {
            details.recovery_azure_resource_group_id.clone()
        }),
        recovery_cloud_service_id: None,
        recovery_availability_set_id: if back {
            None
        } else {
            nonempty(details.recovery_availability_set.clone())
        },
        policy_id: nonempty(p.policy_id.clone()),
        vm_disks: details
            .protected_disks
            .iter()
            .filter_map(|d| {
                Some(A2aVmDisk {
                    disk_uri: d.disk_uri.clone().filter(|u| !u.is_empty())?,
                    recovery_azure_storage_account_id: d.recovery_azure_storage_account_id.clone(),
                    primary_staging_azure_storage_account_id: d
                        .primary_staging_azure_storage_account_id
                        .clone(),
                })
            })
            .collect(),
    };
    let direction = if back {
        "RecoveryToPrimary"
    } else {
        "PrimaryToRecovery"
    };
    (direction, input)
}

/// `.../replicationProtectionContainers/{c}` of an item's ARM id.
fn container_of(item_id: &str) -> Option<String> {
    let lower = item_id.to_ascii_lowercase();
    let at = lower.find("/replicationprotecteditems/")?;
    Some(item_id[..at].to_owned())
}

/// `/subscriptions/{s}/resourceGroups/{g}` of an ARM id.
fn resource_group_of(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    let at = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
    parts.get(at + 1)?;
    Some(parts[..=at + 1].join("/"))
}

/// *(inferred)* The recovery point id a failover sends, from the item's
/// points: `Latest` sends none (`null`: ASR processes pending data first);
/// latest processed is the newest point of any type, and when the item
/// lists none, none is sent either (latest: slower, but a failover in a
/// disaster must not stop for want of a processed point); latest
/// application-consistent is the newest `ApplicationConsistent` point, and
/// its absence is an error (an operator who asked for application
/// consistency must not silently get a crash-consistent point).
pub fn pick_recovery_point(
    points: &[RecoveryPoint],
    choice: RecoveryPointChoice,
) -> Result<Option<String>, String> {
    let newest = |app_only: bool| {
        points
            .iter()
            .filter(|p| {
                !app_only
                    || p.properties
                        .recovery_point_type
                        .as_deref()
                        .is_some_and(|t| t.eq_ignore_ascii_case("ApplicationConsistent"))
            })
            .filter(|p| !p.id.is_empty())
            .max_by_key(|p| {
                p.properties
                    .recovery_point_time
                    .as_deref()
                    .and_then(parse_time)
            })
            .map(|p| p.id.clone())
    };
    match choice {
        RecoveryPointChoice::Latest => Ok(None),
        RecoveryPointChoice::LatestProcessed => Ok(newest(false)),
        RecoveryPointChoice::LatestAppConsistent => newest(true).map(Some).ok_or_else(|| {
            format!(
                "it has no application-consistent recovery point (of {} listed); choose \
                 `--recovery-point latest-processed` or `latest`, or wait for the next \
                 application-consistent snapshot",
                points.len()
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_zones_fractions_and_sentinels() {
        let t = |s: &str| parse_time(s).map(|t| t.to_string());
        assert_eq!(
            t("2017-04-27T11:25:56.800358Z").as_deref(),
            Some("2017-04-27T11:25:56.800Z")
        );
        assert_eq!(
            t("2018-02-01T05:53:30.243+00:00").as_deref(),
            Some("2018-02-01T05:53:30.243Z")
        );
        assert_eq!(
            t("2018-02-01T07:53:30+02:00").as_deref(),
            Some("2018-02-01T05:53:30.000Z")
        );
        assert_eq!(
            t("2018-02-01T03:53:30-02:00").as_deref(),
            Some("2018-02-01T05:53:30.000Z")
        );
        assert_eq!(
            t("2017-04-26T08:42:33.0996129Z").as_deref(),
            Some("2017-04-26T08:42:33.099Z")
        );
        assert_eq!(t("1753-01-01T01:01:01Z"), None);
        assert_eq!(t("not a time"), None);
    }

    #[test]
    fn issue_kinds_follow_the_dashboard() {
        use IssueKind::*;
        assert_eq!(
            issue_kind(Some("VersionExpiry"), Some("1"), None),
            SoftwareUpdate
        );
        assert_eq!(
            issue_kind(Some("AgentAutoUpdateRunAsAccountExpired"), None, None),
            SoftwareUpdate
        );
        assert_eq!(
            issue_kind(Some("Configuration"), Some("QuotaExceeded"), None),
            SubscriptionQuota
        );
        assert_eq!(
            issue_kind(
                Some("Replication"),
                None,
                Some("Subscription quota for cores reached")
            ),
            SubscriptionQuota
        );
        assert_eq!(
            issue_kind(
                Some("Configuration"),
                Some("150"),
                Some("The target network was deleted")
            ),
            MissingResource
        );
        assert_eq!(
            issue_kind(
                Some("Configuration"),
                Some("151"),
                Some("No network mapping is configured")
            ),
            MissingConfiguration
        );
        assert_eq!(
            issue_kind(Some("Replication"), Some("10008"), Some("RPO Throttled")),
            Replication
        );
        assert_eq!(issue_kind(None, None, None), Replication);
    }

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

    #[test]
    fn replicating_from_needs_protection() {
        use AsrOperation::*;
        use Location::*;
        assert_eq!(
            replicating_from(Some("Protected"), Primary, &[]),
            Some(Primary)
        );
        assert_eq!(
            replicating_from(None, Recovery, &[UnplannedFailover]),
            Some(Recovery)
        );
        assert_eq!(
            replicating_from(
                Some("UnplannedFailoverCommitted"),
                Recovery,
                &[ReverseReplicate]
            ),
            None
        );
        assert_eq!(
            replicating_from(Some("ReprotectInProgress"), Recovery, &[]),
            None
        );
    }

    #[test]
    fn recovery_points_pick_the_newest_of_the_kind() {
        let point = |id: &str, t: &str, kind: &str| RecoveryPoint {
            id: id.into(),
            name: id.into(),
            properties: super::super::models::RecoveryPointProperties {
                recovery_point_time: Some(t.into()),
                recovery_point_type: Some(kind.into()),
            },
        };
        let points = [
            point("a", "2026-01-01T00:00:00Z", "ApplicationConsistent"),
            point("c", "2026-01-01T00:10:00Z", "CrashConsistent"),
            point("b", "2026-01-01T00:05:00Z", "ApplicationConsistent"),
        ];
        assert_eq!(
            pick_recovery_point(&points, RecoveryPointChoice::Latest),
            Ok(None)
        );
        assert_eq!(
            pick_recovery_point(&points, RecoveryPointChoice::LatestProcessed),
            Ok(Some("c".into()))
        );
        assert_eq!(
            pick_recovery_point(&points, RecoveryPointChoice::LatestAppConsistent),
            Ok(Some("b".into()))
        );
        assert_eq!(
            pick_recovery_point(&[], RecoveryPointChoice::LatestProcessed),
            Ok(None)
        );
        assert!(
            pick_recovery_point(&points[1..2], RecoveryPointChoice::LatestAppConsistent).is_err()
        );
    }

    #[test]
    fn reprotect_input_comes_from_the_item() {
        let json = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/replicationFabrics/f/replicationProtectionContainers/primary-c/replicationProtectedItems/i",
            "name": "i",
            "properties": {
                "activeLocation": "Recovery",
                "policyId": "/p",
                "recoveryContainerId": "/recovery-c",
                "providerSpecificDetails": {
                    "instanceType": "A2A",
                    "fabricObjectId": "/subscriptions/s/resourceGroups/src-rg/providers/Microsoft.Compute/virtualMachines/vm1",
                    "recoveryAzureResourceGroupId": "/subscriptions/s/resourceGroups/dr-rg",
                    "recoveryAvailabilitySet": "/as",
                    "protectedDisks": [{"diskUri": "https://x/vhd", "recoveryAzureStorageAccountId": "/sa"}]
                }
            }
        });
        let mut item: ProtectedItem = serde_json::from_value(json).unwrap();
        let (direction, back) = reprotect_input(&item);
        assert_eq!(direction, "RecoveryToPrimary");
        assert_eq!(
            back.recovery_container_id.as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/replicationFabrics/f/replicationProtectionContainers/primary-c"
            )
        );
        assert_eq!(
            back.recovery_resource_group_id.as_deref(),
            Some("/subscriptions/s/resourceGroups/src-rg")
        );
        assert_eq!(back.recovery_availability_set_id, None);
        assert_eq!(back.policy_id.as_deref(), Some("/p"));
        assert_eq!(back.vm_disks.len(), 1);
        item.properties.active_location = Some("Primary".into());
        let (direction, forward) = reprotect_input(&item);
        assert_eq!(direction, "PrimaryToRecovery");
        assert_eq!(
            forward.recovery_container_id.as_deref(),
            Some("/recovery-c")
        );
        assert_eq!(
            forward.recovery_resource_group_id.as_deref(),
            Some("/subscriptions/s/resourceGroups/dr-rg")
        );
        assert_eq!(forward.recovery_availability_set_id.as_deref(), Some("/as"));
        let body = serde_json::to_value(&forward).unwrap();
        assert_eq!(body["instanceType"], "A2A");
        assert!(body.get("recoveryCloudServiceId").is_none());
    }
}
