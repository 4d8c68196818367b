//! `drplan emulator`'s ASR and Automation answers against Microsoft's
//! examples and the specifications (see `support::emulator`): every field an
//! example shows, none the specification lacks, and read with the Azure
//! client's own types.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::emulator::{
    ACCOUNT, Emu, VMS, assert_shape, example_keys, failover, keys, spec_keys,
};

#[tokio::test]
async fn responses_have_the_fields_of_the_examples_and_only_the_specifications() {
    let emu = Emu::start(Some(
        r#"{"health": [{"vm": "web-02", "health": "critical", "kind": "replication"}],
            "vault": [{"kind": "missing_resource"}],
            "operations": [{"vm": "app-01", "operation": "failover", "effect": "fail"}]}"#,
    ))
    .await;
    let props = |v: &Value| -> Value { v["responses"]["200"]["body"]["properties"].clone() };
    let item_spec = spec_keys("ReplicationProtectedItemProperties");

    // An item as it starts (ReplicationProtectedItems_Get).
    let fresh = emu.item("web-02").await;
    let get = example_keys("asr-api/examples/ReplicationProtectedItems_Get.json", |v| {
        &v["responses"]["200"]["body"]["properties"]
    });
    assert_shape("item", &fresh["properties"], &get, &item_spec);
    assert_shape(
        "item resource",
        &fresh,
        &example_keys("asr-api/examples/ReplicationProtectedItems_Get.json", |v| {
            &v["responses"]["200"]["body"]
        }),
        &BTreeSet::new(),
    );
    assert_shape(
        "A2A details",
        &fresh["properties"]["providerSpecificDetails"],
        &BTreeSet::new(),
        &spec_keys("A2AReplicationDetails"),
    );
    assert_shape(
        "managed disk",
        &fresh["properties"]["providerSpecificDetails"]["protectedManagedDisks"][0],
        &BTreeSet::new(),
        &spec_keys("A2AProtectedManagedDiskDetails"),
    );
    assert_shape(
        "health error",
        &fresh["properties"]["healthErrors"][0],
        &BTreeSet::new(),
        &spec_keys("HealthError"),
    );
    assert_shape(
        "current scenario",
        &fresh["properties"]["currentScenario"],
        &example_keys("asr-api/examples/ReplicationProtectedItems_Get.json", |v| {
            &v["responses"]["200"]["body"]["properties"]["currentScenario"]
        }),
        &spec_keys("CurrentScenarioDetails"),
    );

    // After each action, the item has the fields of that action's example.
    let (failed_over, _) = emu
        .act(
            "web-02",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    let failed_over: Value = failed_over.json().await.unwrap();
    for file in [
        "ReplicationProtectedItems_UnplannedFailover.json",
        "ReplicationProtectedItems_PlannedFailover.json",
        "ReplicationProtectedItems_TestFailover.json",
        "ReplicationProtectedItems_TestFailoverCleanup.json",
        "ReplicationProtectedItems_FailoverCommit.json",
        "ReplicationProtectedItems_FailoverCancel.json",
        "ReplicationProtectedItems_Reprotect.json",
    ] {
        let example: Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/tests/fixtures/asr-api/examples/{file}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        assert_shape(
            file,
            &failed_over["properties"],
            &keys(&props(&example)),
            &item_spec,
        );
    }
}

#[tokio::test]
async fn jobs_health_and_points_have_the_fields_of_the_examples_and_only_the_specifications() {
    let emu = Emu::start(Some(
        r#"{"health": [{"vm": "web-02", "health": "critical", "kind": "replication"}],
            "vault": [{"kind": "missing_resource"}],
            "operations": [{"vm": "app-01", "operation": "failover", "effect": "fail"}]}"#,
    ))
    .await;
    // Jobs, with a failed one for the error fields.
    let (_, job) = emu
        .act(
            "app-01",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    let job = emu
        .get_json(&emu.url(&format!("/replicationJobs/{job}")))
        .await;
    let job_example = |pick: fn(&Value) -> &Value| {
        example_keys("asr-api/examples/ReplicationJobs_Get.json", pick)
    };
    assert_shape(
        "job",
        &job["properties"],
        &job_example(|v| &v["responses"]["200"]["body"]["properties"]),
        &spec_keys("JobProperties"),
    );
    assert_shape(
        "task",
        &job["properties"]["tasks"][0],
        &job_example(|v| &v["responses"]["200"]["body"]["properties"]["tasks"][0]),
        &spec_keys("ASRTask"),
    );
    assert_shape(
        "job error",
        &job["properties"]["errors"][0],
        &BTreeSet::new(),
        &spec_keys("JobErrorDetails"),
    );
    assert_shape(
        "service error",
        &job["properties"]["errors"][0]["serviceErrorDetails"],
        &BTreeSet::new(),
        &spec_keys("ServiceError"),
    );

    let health = emu.get_json(&emu.url("/replicationVaultHealth")).await;
    let health_example = |pick: fn(&Value) -> &Value| {
        example_keys("asr-api/examples/ReplicationVaultHealth_Get.json", pick)
    };
    assert_shape(
        "vault health",
        &health["properties"],
        &health_example(|v| &v["responses"]["200"]["body"]["properties"]),
        &spec_keys("VaultHealthProperties"),
    );
    assert_shape(
        "item health summary",
        &health["properties"]["protectedItemsHealth"]["issues"][0],
        &health_example(|v| {
            &v["responses"]["200"]["body"]["properties"]["protectedItemsHealth"]["issues"][0]
        }),
        &spec_keys("HealthErrorSummary"),
    );

    let fresh = emu.item("web-01").await;
    let points = emu.get_json(&emu.item_url(&fresh, "/recoveryPoints")).await;
    assert_shape(
        "recovery point",
        &points["value"][0]["properties"],
        &example_keys(
            "asr-api/examples/RecoveryPoints_ListByReplicationProtectedItems.json",
            |v| &v["responses"]["200"]["body"]["value"][0]["properties"],
        ),
        &spec_keys("RecoveryPointProperties"),
    );
    assert_shape(
        "A2A recovery point",
        &points["value"][0]["properties"]["providerSpecificDetails"],
        &BTreeSet::new(),
        &spec_keys("A2ARecoveryPointDetails"),
    );
}

#[tokio::test]
async fn automation_jobs_have_the_fields_of_the_examples() {
    let emu = Emu::start(None).await;
    // Automation.
    let url = format!("{}{ACCOUNT}/jobs/shape?api-version=2024-10-23", emu.base);
    let created: Value = emu
        .client
        .put(&url)
        .bearer_auth(&emu.token)
        .json(&json!({"properties": {"runbook": {"name": "Drain-AppServers"}, "parameters": {}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let automation = |file: &str, pick: fn(&Value) -> &Value| {
        example_keys(&format!("automation-api/examples/{file}"), pick)
    };
    assert_shape(
        "automation job",
        &created["properties"],
        &automation(
            "createJob.json",
            |v| &v["responses"]["201"]["body"]["properties"],
        ),
        &BTreeSet::new(),
    );
    let got = loop {
        let job = emu.get_json(&url).await;
        if job["properties"]["endTime"].is_string() {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    assert_shape(
        "automation job",
        &got["properties"],
        &automation(
            "getJob.json",
            |v| &v["responses"]["200"]["body"]["properties"],
        ),
        &BTreeSet::new(),
    );
    let streams = emu
        .get_json(&url.replace("/shape?", "/shape/streams?"))
        .await;
    assert_shape(
        "job stream",
        &streams["value"][0]["properties"],
        &automation("listJobStreamsByJob.json", |v| {
            &v["responses"]["200"]["body"]["value"][0]["properties"]
        }),
        &BTreeSet::new(),
    );
}

/// The emulator's answers read with the very types the Azure client reads
/// ASR with: one vocabulary for both sides, so they cannot drift apart.
#[tokio::test]
async fn the_emulators_answers_read_with_the_clients_types() {
    use drplan::provider::azure::models::{
        AsrJob, Page, ProtectedItem, RecoveryPoint, VaultHealthDetails,
    };
    let emu = Emu::start(None).await;
    let page: Page<ProtectedItem> =
        serde_json::from_value(emu.get_json(&emu.url("/replicationProtectedItems")).await).unwrap();
    assert!(!page.value.is_empty());
    let (_, job) = emu
        .act(
            "db-01",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    for vm in VMS {
        let item: ProtectedItem = serde_json::from_value(emu.item(vm).await).unwrap();
        assert_eq!(item.properties.friendly_name.as_deref(), Some(vm));
    }
    let item = emu.item("db-01").await;
    let points: Page<RecoveryPoint> =
        serde_json::from_value(emu.get_json(&emu.item_url(&item, "/recoveryPoints")).await)
            .unwrap();
    assert!(!points.value.is_empty());
    let job: AsrJob = serde_json::from_value(
        emu.get_json(&emu.url(&format!("/replicationJobs/{job}")))
            .await,
    )
    .unwrap();
    assert!(!job.properties.tasks.is_empty());
    let _: Page<AsrJob> =
        serde_json::from_value(emu.get_json(&emu.url("/replicationJobs")).await).unwrap();
    let _: VaultHealthDetails =
        serde_json::from_value(emu.get_json(&emu.url("/replicationVaultHealth")).await).unwrap();
}
