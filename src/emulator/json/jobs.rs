//! Site Recovery jobs with their tasks, the vault's health and recovery
//! points as ASR shows them: the simulated vault's jobs, issues and points in;
//! ASR's JSON out.

use serde_json::{Value, json};

use super::item::{category, health_error, severity};
use super::{EmuItem, ITEM_TYPE, Names, fnv1a, guid, inferred};
use crate::clock::Timestamp;
use crate::provider::simulator::{JobTask, RecoveryPointInfo, scenario_name};
use crate::provider::{HealthIssue, Job, JobState, Machine};

/// ASR's job `state`.
pub(crate) fn job_state(state: JobState) -> &'static str {
    match state {
        JobState::NotStarted => "NotStarted",
        JobState::InProgress => "InProgress",
        JobState::Succeeded => "Succeeded",
        JobState::Failed => "Failed",
        JobState::Cancelled => "Cancelled",
        JobState::Suspended => "Suspended",
        JobState::Other => "Other",
    }
}

fn state_description(state: JobState) -> &'static str {
    match state {
        JobState::NotStarted => "NotStarted",
        JobState::InProgress => "InProgress",
        JobState::Succeeded => "Completed",
        JobState::Failed => "Failed",
        JobState::Cancelled => "Cancelled",
        JobState::Suspended => "Suspended",
        JobState::Other => "Other",
    }
}

/// A Site Recovery job (`Job`) with its tasks.
pub(crate) fn job(names: &Names, item: &EmuItem, job: &Job, tasks: &[JobTask]) -> Value {
    let task_id = |i: usize| format!("{}-{i:02}", job.id.0);
    let failed_task = tasks.iter().position(|t| t.state == JobState::Failed);
    let errors: Vec<Value> = job
        .errors
        .iter()
        .map(|e| {
            json!({
                "serviceErrorDetails": {
                    "code": e.code,
                    "message": e.message,
                    "possibleCauses": e.possible_causes,
                    "recommendedAction": e.recommended_action,
                    "activityId": activity_id(&job.id.0),
                },
                "providerErrorDetails": null,
                "errorLevel": "Error",
                "creationTime": job.ended.map(|t| t.to_string()),
                "taskId": failed_task.map(task_id),
            })
        })
        .collect();
    let tasks: Vec<Value> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "taskId": task_id(i),
                "name": task_name(t.name),
                "friendlyName": t.name,
                "state": job_state(t.state),
                "stateDescription": state_description(t.state),
                "startTime": t.started.map(|t| t.to_string()),
                "endTime": t.ended.map(|t| t.to_string()),
                "allowedActions": [],
                "taskType": "TaskDetails",
                "customDetails": {"instanceType": "TaskDetails"},
                "errors": if failed_task == Some(i) { errors.clone() } else { Vec::new() },
            })
        })
        .collect();
    json!({
        "id": names.job_id(&job.id.0),
        "name": job.id.0,
        "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
        "properties": {
            "activityId": activity_id(&job.id.0),
            "scenarioName": scenario_name(job.operation),
            "friendlyName": job.name,
            "state": job_state(job.state),
            "stateDescription": state_description(job.state),
            "tasks": tasks,
            "errors": errors,
            "startTime": job.started.to_string(),
            "endTime": job.ended.map(|t| t.to_string()),
            "allowedActions": [],
            "targetObjectId": item.name,
            "targetObjectName": job.vm,
            "targetInstanceType": inferred::TARGET_INSTANCE_TYPE,
            "customDetails": {
                "instanceType": "AsrJobDetails",
                "affectedObjectDetails": {
                    "PrimaryFabricLocation": names.primary,
                    "RecoveryFabricLocation": names.recovery,
                    "ProtectedItemName": item.name,
                },
            },
        }
    })
}

/// `Starting failover` → `StartingFailoverTask`, as ASR names tasks.
fn task_name(friendly: &str) -> String {
    let mut name: String = friendly
        .split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    name.push_str("Task");
    name
}

fn activity_id(job: &str) -> String {
    format!(
        "{} ActivityId: {}",
        guid(fnv1a(job), 3),
        guid(fnv1a(job), 4)
    )
}

/// The vault's health (`VaultHealthDetails`): its own issues and a summary of
/// the items' issues by code.
pub(crate) fn vault_health(
    names: &Names,
    vault_issues: &[HealthIssue],
    machines: &[(EmuItem, Machine)],
    now: Timestamp,
) -> Value {
    let mut summaries: Vec<(String, &HealthIssue, Vec<String>)> = Vec::new();
    for (item, m) in machines {
        for issue in &m.issues {
            if let Some(entry) = summaries.iter_mut().find(|(code, ..)| *code == issue.code) {
                entry.2.push(item.name.clone());
            } else {
                summaries.push((issue.code.clone(), issue, vec![item.name.clone()]));
            }
        }
    }
    let issues: Vec<Value> = summaries
        .into_iter()
        .map(|(code, issue, affected)| {
            json!({
                "summaryCode": code,
                "category": category(issue.kind),
                "severity": severity(issue.severity),
                "summaryMessage": issue.message,
                "affectedResourceType": "replicationProtectedItems",
                "affectedResourceSubtype": "",
                "affectedResourceCorrelationIds": affected,
            })
        })
        .collect();
    json!({
        "id": format!("{}/replicationVaultHealth/Default", names.vault),
        "name": "Default",
        "type": "Microsoft.RecoveryServices/vaults/replicationVaultHealth",
        "properties": {
            "vaultErrors": vault_issues.iter().map(|i| health_error(i, now)).collect::<Vec<_>>(),
            "protectedItemsHealth": {"resourceCount": machines.len(), "issues": issues},
            "fabricsHealth": {"resourceCount": 2, "issues": []},
            "containersHealth": {"resourceCount": 2, "issues": []},
        }
    })
}

/// One recovery point of an item.
pub(crate) fn recovery_point(names: &Names, item: &EmuItem, p: &RecoveryPointInfo) -> Value {
    json!({
        "id": format!("{}/recoveryPoints/{}", names.item_id(&item.name), p.id),
        "name": p.id,
        "type": format!("{ITEM_TYPE}/recoveryPoints"),
        "properties": {
            "recoveryPointTime": p.time.to_string(),
            "recoveryPointType": if p.app_consistent { "ApplicationConsistent" } else { "CrashConsistent" },
            "providerSpecificDetails": {
                "instanceType": "A2A",
                "recoveryPointSyncType": "PerVmRecoveryPoint",
                "disks": [],
            },
        }
    })
}
