//! Microsoft's example responses (tests/fixtures/asr-api/examples and
//! tests/fixtures/automation-api/examples) against the Azure client's
//! payload types: every body the client reads deserializes, and the ones
//! that matter map to sensible machines, jobs and health.

// Helpers panic with the example's name: a failed test says which one.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

use drplan::clock::Timestamp;
use drplan::graph::Operation;
use drplan::provider::azure::mapping;
use drplan::provider::azure::models::{
    AsrJob, AutomationJob, JobStream, Page, ProtectedItem, RecoveryPoint, VaultHealthDetails,
};
use drplan::provider::{AsrOperation, Health, JobState, Location, Target};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What the client reads from an example's responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Item,
    Items,
    Job,
    Jobs,
    Point,
    Points,
    VaultHealth,
    AutomationJob,
    AutomationJobs,
    Stream,
    Streams,
    Text,
    /// The client never reads this answer (events, ASR's own recovery
    /// plans, a stop with no body).
    Nothing,
}

fn reads(file: &str) -> Reads {
    let stem = file.trim_end_matches(".json");
    match stem {
        "ReplicationProtectedItems_List" => Reads::Items,
        s if s.starts_with("ReplicationProtectedItems_") => Reads::Item,
        "ReplicationJobs_List" => Reads::Jobs,
        "ReplicationJobs_Get" | "ReplicationJobs_Resume" => Reads::Job,
        "RecoveryPoints_Get" => Reads::Point,
        "RecoveryPoints_ListByReplicationProtectedItems" => Reads::Points,
        "ReplicationVaultHealth_Get" => Reads::VaultHealth,
        "createJob" | "getJob" => Reads::AutomationJob,
        "listJobsByAutomationAccount" => Reads::AutomationJobs,
        "getJobStream" => Reads::Stream,
        "listJobStreamsByJob" => Reads::Streams,
        "getJobOutput" => Reads::Text,
        "ReplicationEvents_List" | "stopJob" => Reads::Nothing,
        s if s.starts_with("ReplicationRecoveryPlans_") => Reads::Nothing,
        other => panic!("{other}: a new example; say what the client reads from it in `reads`"),
    }
}

fn examples() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    for dir in ["asr-api/examples", "automation-api/examples"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn load(name: &str) -> Value {
    let path = examples()
        .into_iter()
        .find(|p| p.file_name().is_some_and(|f| f == name))
        .unwrap();
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The bodies of an example's responses, by status.
fn bodies(example: &Value) -> Vec<(String, Value)> {
    example["responses"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(status, r)| {
            let body = r.get("body")?;
            (!body.is_null()).then(|| (status.clone(), body.clone()))
        })
        .collect()
}

fn parse<T: DeserializeOwned>(path: &Path, status: &str, body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| {
        panic!("{} ({status}): {e}", path.display());
    })
}

#[test]
fn every_example_body_the_client_reads_deserializes() {
    let files = examples();
    assert!(files.len() >= 30, "{} examples", files.len());
    let mut read = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (status, body) in bodies(&example) {
            let what = reads(&name);
            match what {
                Reads::Item => {
                    let item: ProtectedItem = parse(path, &status, &body);
                    assert!(!item.id.is_empty() && !item.name.is_empty(), "{name}");
                    assert!(item.properties.friendly_name.is_some(), "{name}");
                }
                Reads::Items => {
                    let page: Page<ProtectedItem> = parse(path, &status, &body);
                    assert!(!page.value.is_empty(), "{name}");
                }
                Reads::Job => {
                    let job: AsrJob = parse(path, &status, &body);
                    assert!(job.properties.state.is_some(), "{name}");
                }
                Reads::Jobs => {
                    let page: Page<AsrJob> = parse(path, &status, &body);
                    assert!(!page.value.is_empty(), "{name}");
                }
                Reads::Point => {
                    let point: RecoveryPoint = parse(path, &status, &body);
                    assert!(point.properties.recovery_point_time.is_some(), "{name}");
                }
                Reads::Points => {
                    let page: Page<RecoveryPoint> = parse(path, &status, &body);
                    assert!(!page.value.is_empty(), "{name}");
                }
                Reads::VaultHealth => {
                    let _: VaultHealthDetails = parse(path, &status, &body);
                }
                Reads::AutomationJob => {
                    let job: AutomationJob = parse(path, &status, &body);
                    assert!(job.properties.status.is_some(), "{name}");
                }
                Reads::AutomationJobs => {
                    let page: Page<AutomationJob> = parse(path, &status, &body);
                    assert!(
                        page.value.iter().all(|j| j.properties.status.is_some()),
                        "{name}"
                    );
                }
                Reads::Stream => {
                    let _: JobStream = parse(path, &status, &body);
                }
                Reads::Streams => {
                    let page: Page<JobStream> = parse(path, &status, &body);
                    assert!(
                        page.value
                            .iter()
                            .all(|s| s.properties.stream_type.is_some()),
                        "{name}"
                    );
                }
                Reads::Text => assert!(body.is_string(), "{name}"),
                Reads::Nothing => continue,
            }
            read += 1;
        }
    }
    assert!(read >= 20, "only {read} bodies read");
}

fn target(vm: &str) -> Target {
    Target {
        vm: vm.into(),
        item: vm.into(),
        group: "g".into(),
    }
}

fn item_of(name: &str) -> ProtectedItem {
    let example = load(name);
    serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap()
}

#[test]
fn the_protected_item_example_is_a_protected_machine_in_the_primary_region() {
    let machine = mapping::machine(
        &target("vm1"),
        &item_of("ReplicationProtectedItems_Get.json"),
    );
    assert_eq!(machine.protection_state, "Protected");
    assert_eq!(machine.active_location, Location::Primary);
    assert_eq!(machine.replicating_from, Some(Location::Primary));
    assert_eq!(
        machine.allowed,
        [
            AsrOperation::PlannedFailover,
            AsrOperation::UnplannedFailover,
            AsrOperation::DisableProtection,
            AsrOperation::TestFailover,
        ]
    );
    assert_eq!(machine.health, Health::Healthy);
    assert!(machine.issues.is_empty());
    // `scenarioName: None` with `replicationJobs/None`: nothing runs.
    assert_eq!(machine.current_job, None);
    assert_eq!(machine.rpo_s, None);
}

#[test]
fn the_failover_example_waits_for_commit_in_the_recovery_region() {
    let machine = mapping::machine(
        &target("vm1"),
        &item_of("ReplicationProtectedItems_UnplannedFailover.json"),
    );
    assert_eq!(
        machine.protection_state,
        "UnplannedFailoverCommitPendingStatesBegin"
    );
    assert_eq!(machine.active_location, Location::Recovery);
    assert_eq!(machine.replicating_from, None);
    // `CompleteMigration` is not one drplan knows: ignored.
    assert_eq!(
        machine.allowed,
        [
            AsrOperation::Commit,
            AsrOperation::DisableProtection,
            AsrOperation::ChangePit
        ]
    );
    assert_eq!(
        machine.last_test_failover.map(|t| t.to_string()).as_deref(),
        Some("2017-04-25T09:57:57.035Z")
    );
}

#[test]
fn the_test_failover_example_runs_a_job_and_waits_for_cleanup() {
    let machine = mapping::machine(
        &target("vm1"),
        &item_of("ReplicationProtectedItems_TestFailover.json"),
    );
    assert_eq!(machine.allowed, [AsrOperation::TestFailoverCleanup]);
    assert_eq!(
        machine.current_job.map(|j| j.0).as_deref(),
        Some("2838f9b4-2609-4f76-a7e9-07e6387c5e98")
    );
}

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

#[test]
fn the_job_example_is_a_finished_job_with_its_tasks_and_errors() {
    let example = load("ReplicationJobs_Get.json");
    let mut body = example["responses"]["200"]["body"].clone();
    let asr: AsrJob = serde_json::from_value(body.clone()).unwrap();
    let job = mapping::job(&asr, Operation::Failover, "vm1".into(), now());
    assert_eq!(job.id.0, "32ea4b9e-de62-49a1-b062-7864d5c3b897");
    assert_eq!(job.name, "Delete a recovery plan");
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.percent, Some(100));
    assert_eq!(job.started.to_string(), "2017-04-27T11:25:56.800Z");
    assert_eq!(
        job.ended.map(|t| t.to_string()).as_deref(),
        Some("2017-04-27T11:25:57.000Z")
    );
    assert!(job.errors.is_empty());
    assert_eq!(
        mapping::scenario_kind(asr.properties.scenario_name.as_deref(), None),
        None
    );

    // The same job failed, with both kinds of error details and a task
    // still running: errors carry causes and actions, progress counts tasks.
    body["properties"]["state"] = "Failed".into();
    body["properties"]["tasks"][0]["state"] = "InProgress".into();
    body["properties"]["errors"] = serde_json::json!([{
        "serviceErrorDetails": {
            "code": "70094", "message": "The VM could not be started.",
            "possibleCauses": "Not enough quota.", "recommendedAction": "Raise the quota and retry."
        },
        "providerErrorDetails": {"errorCode": 24, "errorMessage": "Provider error.", "errorId": "e"}
    }]);
    let asr: AsrJob = serde_json::from_value(body).unwrap();
    let job = mapping::job(&asr, Operation::Failover, "vm1".into(), now());
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.percent, Some(0));
    assert_eq!(job.message.as_deref(), Some("Delete a recovery plan task"));
    assert_eq!(job.errors.len(), 2);
    assert_eq!(job.errors[0].code.as_deref(), Some("70094"));
    assert_eq!(
        job.errors[0].possible_causes.as_deref(),
        Some("Not enough quota.")
    );
    assert_eq!(
        job.errors[0].recommended_action.as_deref(),
        Some("Raise the quota and retry.")
    );
    assert_eq!(job.errors[1].code.as_deref(), Some("24"));
}

#[test]
fn the_suspended_test_failover_job_waits_for_input() {
    let example = load("ReplicationJobs_Resume.json");
    let asr: AsrJob = serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
    assert!(mapping::waits_for_input(&asr));
    let kind = mapping::scenario_kind(
        asr.properties.scenario_name.as_deref(),
        asr.properties.friendly_name.as_deref(),
    );
    assert_eq!(kind, Some(mapping::ScenarioKind::TestFailover));
    let job = mapping::job(&asr, Operation::TestFailover, "vm1".into(), now());
    assert_eq!(job.state, JobState::Suspended);
    assert!(!job.state.is_terminal());
}

#[test]
fn the_vault_health_example_has_no_vault_level_issue() {
    let example = load("ReplicationVaultHealth_Get.json");
    let health: VaultHealthDetails =
        serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
    // Its one issue is the items' (RPO throttled): the machines report it.
    assert_eq!(
        health
            .properties
            .protected_items_health
            .as_ref()
            .unwrap()
            .issues
            .len(),
        1
    );
    assert!(mapping::vault_health(&health).issues.is_empty());
}

#[test]
fn the_recovery_points_example_gives_the_newest_point() {
    let example = load("RecoveryPoints_ListByReplicationProtectedItems.json");
    let page: Page<RecoveryPoint> =
        serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
    let picked = mapping::pick_recovery_point(
        &page.value,
        drplan::provider::RecoveryPoint::LatestProcessed,
    )
    .unwrap()
    .unwrap();
    assert!(
        picked.ends_with("/recoveryPoints/34cb2d05-e730-4d3f-b96b-a60a5e92acb2"),
        "{picked}"
    );
    // No application-consistent point in the example: asking for one is an error.
    assert!(
        mapping::pick_recovery_point(
            &page.value,
            drplan::provider::RecoveryPoint::LatestAppConsistent
        )
        .is_err()
    );
}

#[test]
fn the_automation_job_examples_read_status_and_nulls() {
    let example = load("getJob.json");
    let job: AutomationJob =
        serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
    assert_eq!(job.properties.status.as_deref(), Some("New"));
    assert_eq!(job.properties.exception, None);
    assert_eq!(job.properties.end_time, None);
    let example = load("listJobStreamsByJob.json");
    let page: Page<JobStream> =
        serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
    assert_eq!(page.value.len(), 2);
    assert_eq!(page.next_link, None);
}
