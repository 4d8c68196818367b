//! `drplan emulator`'s ASR API over real HTTP (see `support::emulator`):
//! tokens, api-versions and paths, item pages, the failover cycle, refused
//! bodies, failed jobs, health and recovery points, and the binary.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::emulator::{API, Emu, VMS, failover, header, job_of, names};

#[tokio::test]
async fn requests_need_a_token_a_known_api_version_and_a_known_path() {
    let emu = Emu::start(None).await;
    let url = emu.url("/replicationProtectedItems");
    let anonymous = emu.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    let empty = emu
        .client
        .get(&url)
        .header("Authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNAUTHORIZED);

    let old = format!(
        "{}{}/replicationProtectedItems?api-version=2016-08-10",
        emu.base, emu.vault
    );
    let response = emu.get(&old).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-05-01")
    );
    let missing = format!("{}{}/replicationProtectedItems", emu.base, emu.vault);
    let body: Value = emu.get(&missing).await.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");
    for version in ["2025-08-01", "2026-01-01", "2026-02-01"] {
        let url = format!(
            "{}{}/replicationVaultHealth?api-version={version}",
            emu.base, emu.vault
        );
        assert_eq!(emu.get(&url).await.status(), StatusCode::OK, "{version}");
    }

    let unknown = emu.get(&emu.url("/replicationWidgets")).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["error"]["code"].is_string());
    let other_vault = format!(
        "{}/subscriptions/1/resourceGroups/2/providers/Microsoft.RecoveryServices/vaults/3/replicationJobs?{API}",
        emu.base
    );
    assert_eq!(emu.get(&other_vault).await.status(), StatusCode::NOT_FOUND);
    let delete = emu
        .client
        .delete(emu.url("/replicationProtectedItems"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&delete, "allow"), "GET");
    let body: Value = delete.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MethodNotAllowed");
    // ARM paths are case-insensitive.
    let shouting = format!(
        "{}{}/REPLICATIONPROTECTEDITEMS?{API}",
        emu.base,
        emu.vault.to_uppercase()
    );
    assert_eq!(emu.get(&shouting).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn items_come_in_small_pages_and_every_vm_is_found_once() {
    let emu = Emu::start(None).await;
    let first = emu.get_json(&emu.url("/replicationProtectedItems")).await;
    assert_eq!(first["value"].as_array().unwrap().len(), 3);
    assert!(first["nextLink"].as_str().unwrap().starts_with(&emu.base));
    let items = emu.items().await;
    let friendly: Vec<&str> = items
        .iter()
        .map(|i| i["properties"]["friendlyName"].as_str().unwrap())
        .collect();
    assert_eq!(friendly, VMS);
    let unique: HashSet<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), VMS.len());
    let db02 = emu.item("db-02").await;
    assert_eq!(db02["name"], "db-02-replica", "the plan's item override");
    for item in &items {
        let p = &item["properties"];
        assert_eq!(p["activeLocation"], "Primary");
        assert_eq!(p["protectionState"], "Protected");
        assert_eq!(p["replicationHealth"], "Normal");
        assert_eq!(p["providerSpecificDetails"]["instanceType"], "A2A");
        assert!(p["providerSpecificDetails"]["rpoInSeconds"].is_u64());
        assert_eq!(
            names(&p["allowedOperations"]),
            names(&json!([
                "UnplannedFailover",
                "TestFailover",
                "DisableProtection"
            ]))
        );
        assert_eq!(p["currentScenario"]["scenarioName"], "None");
        // GET one item by its id gives the same item.
        let one = emu.get_json(&emu.item_url(item, "")).await;
        assert_eq!(one["id"], item["id"]);
    }
    // The container's list is the vault's.
    let id = items[0]["id"].as_str().unwrap();
    let container = &id[..id.rfind('/').unwrap()];
    let listed = emu
        .get_json(&format!("{}{container}?{API}", emu.base))
        .await;
    assert_eq!(listed["value"][0]["id"], items[0]["id"]);
    let missing = emu
        .get(&format!("{}{container}/nope?{API}", emu.base))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failover_is_a_long_running_operation_then_commit_and_reprotect() {
    let emu = Emu::start(None).await;
    let item = emu.item("web-01").await;
    let posted = emu
        .post(
            &emu.item_url(&item, "/unplannedFailover"),
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(posted.status(), StatusCode::ACCEPTED);
    let location = header(&posted, "location");
    let status_url = header(&posted, "azure-asyncoperation");
    let job = job_of(&location);
    assert!(location.starts_with(&format!("{}{}/operationresults/", emu.base, emu.vault)));
    assert!(location.ends_with(API));
    assert_eq!(
        status_url,
        format!(
            "{}{}/replicationOperationStatus/{job}?{API}",
            emu.base, emu.vault
        )
    );
    assert_eq!(header(&posted, "retry-after"), "0", "30 s ÷ 100 000");
    assert!(header(&posted, "x-ms-request-id").ends_with(&format!("/replicationJobs/{job}")));

    // Busy now: a second failover is refused with the reason.
    let again = emu
        .post(
            &emu.item_url(&item, "/unplannedFailover"),
            &failover("PrimaryToRecovery"),
        )
        .await;
    // Running or done, the item no longer allows a failover from the primary.
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let done = emu.wait(&location).await;
    assert_eq!(done.status(), StatusCode::OK);
    let after: Value = done.json().await.unwrap();
    assert_eq!(after["properties"]["activeLocation"], "Recovery");
    assert_eq!(
        after["properties"]["protectionState"],
        "UnplannedFailoverCommitPendingStatesBegin"
    );
    assert!(names(&after["properties"]["allowedOperations"]).contains("Commit"));
    assert!(after["properties"]["lastSuccessfulFailoverTime"].is_string());
    assert!(after["properties"]["failoverRecoveryPointId"].is_string());
    let status = emu.get_json(&status_url).await;
    assert_eq!(status["status"], "Succeeded");
    assert!(status.get("error").is_none());

    let job_json = emu
        .get_json(&emu.url(&format!("/replicationJobs/{job}")))
        .await;
    let p = &job_json["properties"];
    assert_eq!(p["state"], "Succeeded");
    assert_eq!(p["scenarioName"], "UnplannedFailover");
    assert_eq!(p["targetObjectName"], "web-01");
    let tasks = p["tasks"].as_array().unwrap();
    assert!(tasks.len() >= 3);
    assert!(tasks.iter().all(|t| t["state"] == "Succeeded"));
    assert!(
        tasks
            .iter()
            .any(|t| t["friendlyName"] == "Shut down the source virtual machine"),
        "sourceSiteOperations Required shuts the source down"
    );

    // The failover direction must start where the item runs.
    let wrong = emu
        .post(
            &emu.item_url(&after, "/unplannedFailover"),
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::CONFLICT);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "OperationNotAllowed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allowed operations")
    );

    commit_and_reprotect(&emu, "web-01").await;

    // Jobs are listed newest first, in pages.
    let mut listed = Vec::new();
    let mut next = Some(emu.url("/replicationJobs?$filter=Status%20eq%20'Succeeded'"));
    while let Some(url) = next {
        let page = emu.get_json(&url).await;
        listed.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    let scenarios: Vec<&str> = listed
        .iter()
        .map(|j| j["properties"]["scenarioName"].as_str().unwrap())
        .collect();
    assert_eq!(
        scenarios,
        ["ReverseReplication", "CommitFailover", "UnplannedFailover"]
    );
}

/// Commits a failed-over VM and reprotects it with the input a client
/// builds from the item.
async fn commit_and_reprotect(emu: &Emu, vm: &str) {
    let (committed, _) = emu.act(vm, "/failoverCommit", &json!({})).await;
    let committed: Value = committed.json().await.unwrap();
    assert_eq!(
        committed["properties"]["protectionState"],
        "UnplannedFailoverCommitted"
    );
    assert_eq!(
        names(&committed["properties"]["allowedOperations"]),
        names(&json!(["ReverseReplicate", "DisableProtection"]))
    );

    // Reprotect with the input built from the item, as the client does.
    let p = &committed["properties"];
    let reprotect = json!({"properties": {"failoverDirection": "RecoveryToPrimary",
        "providerSpecificDetails": {"instanceType": "A2A",
            "recoveryContainerId": p["recoveryContainerId"],
            "recoveryResourceGroupId": p["providerSpecificDetails"]["recoveryAzureResourceGroupId"],
            "policyId": p["policyId"],
            "vmDisks": []}}});
    let bad_container = json!({"properties": {"failoverDirection": "RecoveryToPrimary",
        "providerSpecificDetails": {"instanceType": "A2A", "recoveryContainerId": "/nope"}}});
    let refused = emu
        .post(&emu.item_url(&committed, "/reProtect"), &bad_container)
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let (reprotected, _) = emu.act(vm, "/reProtect", &reprotect).await;
    let reprotected: Value = reprotected.json().await.unwrap();
    assert_eq!(reprotected["properties"]["protectionState"], "Protected");
    assert_eq!(reprotected["properties"]["activeLocation"], "Recovery");
    assert_eq!(
        reprotected["properties"]["providerSpecificDetails"]["primaryFabricLocation"],
        "northeurope"
    );
}

#[tokio::test]
async fn nonsense_bodies_and_actions_a2a_lacks_are_refused() {
    let emu = Emu::start(None).await;
    let item = emu.item("db-01").await;
    let cases = [
        ("/unplannedFailover", json!({})),
        (
            "/unplannedFailover",
            json!({"properties": {"failoverDirection": "Sideways",
                "providerSpecificDetails": {"instanceType": "A2A"}}}),
        ),
        (
            "/unplannedFailover",
            json!({"properties": {"failoverDirection": "PrimaryToRecovery",
                "providerSpecificDetails": {"instanceType": "HyperVReplicaAzure"}}}),
        ),
        (
            "/testFailover",
            json!({"properties": {"failoverDirection": "PrimaryToRecovery",
                "providerSpecificDetails": {"instanceType": "A2A"}}}),
        ),
        ("/plannedFailover", failover("PrimaryToRecovery")),
        ("/failoverCancel", json!({})),
    ];
    for (action, body) in cases {
        let response = emu.post(&emu.item_url(&item, action), &body).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{action} {body}"
        );
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let garbage = emu
        .client
        .post(emu.item_url(&item, "/unplannedFailover"))
        .bearer_auth("t")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    // Not allowed in the state: commit before any failover.
    let early = emu
        .post(&emu.item_url(&item, "/failoverCommit"), &json!({}))
        .await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    // A test failover, then its cleanup; a test counts once cleaned up.
    let network = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill";
    let test = json!({"properties": {"failoverDirection": "PrimaryToRecovery", "networkType": "VmNetworkAsInput",
        "networkId": network, "providerSpecificDetails": {"instanceType": "A2A"}}});
    let (tested, _) = emu.act("db-01", "/testFailover", &test).await;
    let tested: Value = tested.json().await.unwrap();
    assert_eq!(
        tested["properties"]["testFailoverState"],
        "WaitingForCompletion"
    );
    assert_eq!(
        names(&tested["properties"]["allowedOperations"]),
        names(&json!(["TestFailoverCleanup"]))
    );
    let cleanup = json!({"properties": {"comments": "drill done"}});
    let (cleaned, _) = emu.act("db-01", "/testFailoverCleanup", &cleanup).await;
    let cleaned: Value = cleaned.json().await.unwrap();
    assert_eq!(cleaned["properties"]["testFailoverState"], "None");
    assert!(cleaned["properties"]["lastSuccessfulTestFailoverTime"].is_string());
}

#[tokio::test]
async fn a_faulted_failover_fails_with_asr_error_details() {
    let emu = Emu::start(Some(
        r#"{"operations": [{"vm": "app-02", "operation": "failover", "effect": "fail", "times": 1,
             "code": "70038", "message": "The replica could not start.",
             "possible_causes": "No capacity for the size.", "recommended_action": "Pick another size."}]}"#,
    ))
    .await;
    let (done, job) = emu
        .act(
            "app-02",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(done.status(), StatusCode::BAD_REQUEST);
    let error: Value = done.json().await.unwrap();
    assert_eq!(error["error"]["code"], "70038");
    let status = emu
        .get_json(&emu.url(&format!("/replicationOperationStatus/{job}")))
        .await;
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["error"]["code"], "70038");
    let job = emu
        .get_json(&emu.url(&format!("/replicationJobs/{job}")))
        .await;
    let p = &job["properties"];
    assert_eq!(p["state"], "Failed");
    let details = &p["errors"][0]["serviceErrorDetails"];
    assert_eq!(details["code"], "70038");
    assert_eq!(details["message"], "The replica could not start.");
    assert_eq!(details["possibleCauses"], "No capacity for the size.");
    assert_eq!(details["recommendedAction"], "Pick another size.");
    let tasks = p["tasks"].as_array().unwrap();
    assert_eq!(tasks.last().unwrap()["state"], "Failed");
    assert_eq!(p["errors"][0]["taskId"], tasks.last().unwrap()["taskId"]);
    // A failed job leaves the item as it was: the retry works (`times` 1).
    let item = emu.item("app-02").await;
    assert_eq!(item["properties"]["activeLocation"], "Primary");
    let (retried, _) = emu
        .act(
            "app-02",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
}

#[tokio::test]
async fn vault_health_item_health_and_recovery_points() {
    let emu = Emu::start(Some(
        r#"{"health": [{"vm": "web-02", "health": "warning", "kind": "software_update",
                        "code": "VersionExpiry", "message": "The agent expires soon."}],
            "vault": [{"kind": "subscription_quota", "code": "QuotaLow", "message": "Few cores left."}]}"#,
    ))
    .await;
    let health = emu.get_json(&emu.url("/replicationVaultHealth")).await;
    let p = &health["properties"];
    assert_eq!(p["vaultErrors"][0]["errorCode"], "QuotaLow");
    assert_eq!(p["vaultErrors"][0]["errorCategory"], "Configuration");
    assert_eq!(p["protectedItemsHealth"]["resourceCount"], 7);
    let issue = &p["protectedItemsHealth"]["issues"][0];
    assert_eq!(issue["summaryCode"], "VersionExpiry");
    assert_eq!(issue["severity"], "Warning");
    let web02 = emu.item("web-02").await;
    assert_eq!(
        issue["affectedResourceCorrelationIds"],
        json!([web02["name"]])
    );
    let props = &web02["properties"];
    assert_eq!(props["replicationHealth"], "Warning");
    assert_eq!(props["healthErrors"][0]["errorCode"], "VersionExpiry");
    assert_eq!(props["healthErrors"][0]["errorCategory"], "VersionExpiry");
    assert_eq!(props["healthErrors"][0]["errorLevel"], "Warning");

    let points = emu.get_json(&emu.item_url(&web02, "/recoveryPoints")).await;
    let points = points["value"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    let kinds: BTreeSet<&str> = points
        .iter()
        .map(|p| p["properties"]["recoveryPointType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["ApplicationConsistent", "CrashConsistent"])
    );
    let one = emu
        .get_json(&format!(
            "{}{}?{API}",
            emu.base,
            points[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one["name"], points[0]["name"]);
    // A failover to the app-consistent point.
    let mut body = failover("PrimaryToRecovery");
    body["properties"]["providerSpecificDetails"]["recoveryPointId"] = points
        .iter()
        .find(|p| p["properties"]["recoveryPointType"] == "ApplicationConsistent")
        .unwrap()["id"]
        .clone();
    let (done, _) = emu.act("web-02", "/unplannedFailover", &body).await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[test]
fn the_binary_prints_its_address_first_and_refuses_other_interfaces() {
    let exe = env!("CARGO_BIN_EXE_drplan");
    let plan = format!("{}/plans/quickstart.drplan", env!("CARGO_MANIFEST_DIR"));
    let refused = Command::new(exe)
        .args(["emulator", "--plan", &plan, "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let mut child = Command::new(exe)
        .args(["emulator", "--plan", &plan, "--speed", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    assert_eq!(
        second,
        "vault /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/drplan-emulator/providers/Microsoft.RecoveryServices/vaults/quickstart"
    );
}
