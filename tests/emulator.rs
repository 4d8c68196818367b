//! `drplan emulator` over real HTTP: `emulator::serve` on `127.0.0.1:0` in
//! the test's runtime, talked to with reqwest as the Azure client would.
//! Jobs run 100 000 times faster than in Azure, so a failover takes
//! milliseconds and `Retry-After` is 0.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use drplan::emulator::{self, EmulatorOptions};
use drplan::plan::Plan;
use drplan::source::SourceFile;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const PLAN: &str = r#"
plan emu {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  group db {
    vm db-01
    vm db-02 { item "db-02-replica" }
  }
  group app needs db {
    vm app-01, app-02, app-03
    before failback {
      runbook "Drain-AppServers" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr" }
    }
  }
  group web needs app { vm web-01, web-02 }
}
"#;

const VMS: [&str; 7] = [
    "db-01", "db-02", "app-01", "app-02", "app-03", "web-01", "web-02",
];

const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";

const API: &str = "api-version=2026-05-01";

fn plan() -> Plan {
    let (plan, diags) = drplan::compile(&SourceFile::new("emu.drplan", PLAN));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

/// A running emulator; stops when dropped.
struct Emu {
    base: String,
    vault: String,
    client: Client,
    token: String,
    /// A clone of the one serving: its counters.
    emulator: emulator::Emulator,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Emu {
    async fn start(faults: Option<&str>) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let faults = faults.map(|text| {
            let path = dir.path().join("emu.faults.json");
            std::fs::write(&path, text).unwrap();
            path
        });
        let options = EmulatorOptions {
            speed: 100_000.0,
            faults,
            state: Some(dir.path().join("vault.json")),
            world: None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let plan = plan();
        let emulator = emulator::Emulator::new(&plan, &options).unwrap();
        let vault = emulator.vault_id().to_owned();
        let serving = emulator.clone();
        tokio::spawn(async move {
            serving
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Emu {
            base: format!("http://{addr}"),
            vault,
            client: Client::new(),
            token: "test-token".to_owned(),
            emulator,
            _stop: stop,
            _dir: dir,
        }
    }

    /// An absolute URL for a path below the vault (`""` is the vault).
    fn url(&self, below_vault: &str) -> String {
        let sep = if below_vault.contains('?') { '&' } else { '?' };
        format!("{}{}{below_vault}{sep}{API}", self.base, self.vault)
    }

    async fn get(&self, url: &str) -> Response {
        self.client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn get_json(&self, url: &str) -> Value {
        let response = self.get(url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        response.json().await.unwrap()
    }

    async fn post(&self, url: &str, body: &Value) -> Response {
        self.client
            .post(url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Every item, following `nextLink` to the end.
    async fn items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(self.url("/replicationProtectedItems"));
        let mut pages = 0;
        while let Some(url) = next {
            let page = self.get_json(&url).await;
            items.extend(page["value"].as_array().unwrap().iter().cloned());
            next = page["nextLink"].as_str().map(str::to_owned);
            pages += 1;
            assert!(pages < 20, "nextLink loops");
        }
        items
    }

    async fn item(&self, vm: &str) -> Value {
        self.items()
            .await
            .into_iter()
            .find(|i| i["properties"]["friendlyName"] == vm)
            .unwrap_or_else(|| panic!("no item for {vm}"))
    }

    /// An item's URL below its ARM id.
    fn item_url(&self, item: &Value, action: &str) -> String {
        let id = item["id"].as_str().unwrap();
        format!("{}{id}{action}?{API}", self.base)
    }

    /// Polls `Location` until it stops answering 202.
    async fn wait(&self, location: &str) -> Response {
        for _ in 0..1000 {
            let response = self.get(location).await;
            if response.status() != StatusCode::ACCEPTED {
                return response;
            }
            assert!(response.headers().contains_key("retry-after"));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{location} never finished");
    }

    /// Posts an action and follows it to the end; returns the final
    /// response and the job's name.
    async fn act(&self, vm: &str, action: &str, body: &Value) -> (Response, String) {
        let item = self.item(vm).await;
        let posted = self.post(&self.item_url(&item, action), body).await;
        assert_eq!(
            posted.status(),
            StatusCode::ACCEPTED,
            "{action} {vm}: {}",
            posted.text().await.unwrap()
        );
        let location = header(&posted, "location");
        let job = location
            .split("/operationresults/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        (self.wait(&location).await, job)
    }
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

fn failover(direction: &str) -> Value {
    json!({"properties": {"failoverDirection": direction, "sourceSiteOperations": "Required",
        "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": null}}})
}

fn names(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

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
    let job = location
        .split("/operationresults/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
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
async fn throttling_answers_429_once_the_bucket_is_empty() {
    let emu = Emu::start(Some(
        r#"{"http": {"throttle": {"reads_per_s": 0.5, "reads_burst": 4, "writes_per_s": 0.5, "writes_burst": 1}}}"#,
    ))
    .await;
    let url = emu.url("/replicationVaultHealth");
    let mut remaining = Vec::new();
    for _ in 0..4 {
        let response = emu.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK);
        remaining.push(header(
            &response,
            "x-ms-ratelimit-remaining-subscription-reads",
        ));
    }
    assert_eq!(remaining, ["3", "2", "1", "0"]);
    let throttled = emu.get(&url).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = header(&throttled, "retry-after").parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(
        header(&throttled, "x-ms-ratelimit-remaining-subscription-reads"),
        "0"
    );
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SubscriptionRequestsThrottled");
    // Buckets are per principal, and writes have their own.
    let other = emu
        .client
        .get(&url)
        .bearer_auth("another-principal")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    let item = emu
        .client
        .get(emu.url("/replicationProtectedItems"))
        .bearer_auth("third")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["value"][0]
        .clone();
    let write = emu
        .client
        .post(emu.item_url(&item, "/failoverCommit"))
        .bearer_auth(&emu.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&write, "x-ms-ratelimit-remaining-subscription-writes"),
        "0"
    );
    // What the buckets let through, and what they refused.
    let stats = emu.emulator.stats();
    assert_eq!(
        (stats.reads, stats.writes, stats.throttled),
        (6, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_as_arm_does_and_others_still_work() {
    let emu = Emu::start(Some(
        r#"{"http": {"expire_token": {"token": "test-token", "after": 2}}}"#,
    ))
    .await;
    let url = emu.url("/replicationVaultHealth");
    assert_eq!(statuses(&emu, &url, 4).await, [200, 200, 401, 401]);
    let refused = emu.get(&url).await;
    assert!(
        header(&refused, "www-authenticate").contains(r#"error="invalid_token""#),
        "{refused:?}"
    );
    assert!(header(&refused, "www-authenticate").contains("The access token has expired"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ExpiredAuthenticationToken");
    let fresh = emu
        .client
        .get(&url)
        .bearer_auth("new-token")
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_errors_storms_and_dropped_connections_hit_as_configured() {
    let emu = Emu::start(Some(
        r#"{"http": {"server_errors": {"status": 503, "times": 2, "retry_after_s": 1, "path": "replicationVaultHealth"},
                     "status_storm": [{"status": 429, "every": 3, "retry_after_s": 2, "path": "replicationEvents"}],
                     "drop_connections": {"times": 1, "requests": "writes", "path": "unplannedFailover"}}}"#,
    ))
    .await;
    let health = emu.url("/replicationVaultHealth");
    assert_eq!(statuses(&emu, &health, 3).await, [503, 503, 200]);
    let events = emu.url("/replicationEvents");
    assert_eq!(
        statuses(&emu, &events, 6).await,
        [200, 200, 429, 200, 200, 429]
    );
    let page = emu.get_json(&events).await;
    assert_eq!(page["value"], json!([]));

    // The connection drops after the failover started: the client sees no
    // answer, and the item tells what happened.
    let item = emu.item("db-01").await;
    let lost = emu
        .client
        .post(emu.item_url(&item, "/unplannedFailover"))
        .bearer_auth(&emu.token)
        .json(&failover("PrimaryToRecovery"))
        .send()
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let after = emu.item("db-01").await;
    let scenario = &after["properties"]["currentScenario"];
    let started = scenario["scenarioName"] == "UnplannedFailover"
        || after["properties"]["activeLocation"] == "Recovery";
    assert!(started, "{after}");
}

async fn statuses(emu: &Emu, url: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(emu.get(url).await.status().as_u16());
    }
    statuses
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

#[tokio::test]
async fn automation_jobs_are_created_followed_and_read() {
    let emu = Emu::start(Some(
        r#"{"operations": [{"runbook": "Drain-AppServers", "effect": "fail", "times": 1, "message": "Drain timed out"}]}"#,
    ))
    .await;
    let job_url = |name: &str, more: &str| {
        format!(
            "{}{ACCOUNT}/jobs/{name}{more}?api-version=2024-10-23",
            emu.base
        )
    };
    let put = |name: &str, body: Value| {
        emu.client
            .put(job_url(name, ""))
            .bearer_auth(&emu.token)
            .json(&body)
            .send()
    };
    let body = json!({"properties": {"runbook": {"name": "Drain-AppServers"},
        "parameters": {"RecoveryPlanContext": "{\"FailoverType\":\"Test\"}"}, "runOn": ""}});
    let created = put("job-1", body.clone()).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["name"], "job-1");
    assert_eq!(created["properties"]["status"], "New");
    assert_eq!(created["properties"]["runbook"]["name"], "Drain-AppServers");
    // A retried PUT is the same job.
    let again = put("job-1", body.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let unknown = put(
        "job-2",
        json!({"properties": {"runbook": {"name": "Nope"}}}),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let not_strings = put(
        "job-3",
        json!({"properties": {"runbook": {"name": "Drain-AppServers"}, "parameters": {"n": 1}}}),
    )
    .await
    .unwrap();
    assert_eq!(not_strings.status(), StatusCode::BAD_REQUEST);
    let asr_version = emu
        .get(&format!("{}{ACCOUNT}/jobs/job-1?{API}", emu.base))
        .await;
    assert_eq!(asr_version.status(), StatusCode::BAD_REQUEST);

    let mut seen = Vec::new();
    let done = loop {
        let job = emu.get_json(&job_url("job-1", "")).await;
        let status = job["properties"]["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if ["Completed", "Failed", "Stopped"].contains(&status.as_str()) {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    assert_eq!(seen.last().map(String::as_str), Some("Failed"), "{seen:?}");
    assert_eq!(done["properties"]["exception"], "Drain timed out");
    let output = emu.get(&job_url("job-1", "/output")).await;
    assert!(header(&output, "content-type").starts_with("text/plain"));
    let text = output.text().await.unwrap();
    assert!(text.contains("Exception: Drain timed out"), "{text}");
    assert!(!text.contains("FailoverType"), "parameters are not echoed");
    let streams = emu.get_json(&job_url("job-1", "/streams")).await;
    let streams = streams["value"].as_array().unwrap();
    let error = streams
        .iter()
        .find(|s| s["properties"]["streamType"] == "Error")
        .unwrap();
    let id = error["properties"]["jobStreamId"].as_str().unwrap();
    let one = emu
        .get_json(&job_url("job-1", &format!("/streams/{id}")))
        .await;
    assert_eq!(one["properties"]["streamText"], "Drain timed out");

    // The fault hit once: the next job completes.
    let second = put("job-4", body).await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    let completed = loop {
        let job = emu.get_json(&job_url("job-4", "")).await;
        if job["properties"]["endTime"].is_string() {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    assert_eq!(completed["properties"]["status"], "Completed");
    assert_eq!(completed["properties"]["provisioningState"], "Succeeded");
}

/// The `properties` field names of a resource in an example file.
fn example_keys(file: &str, pick: impl Fn(&Value) -> &Value) -> BTreeSet<String> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    keys(pick(&example))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// The property names a definition of the ASR specification allows.
fn spec_keys(definition: &str) -> BTreeSet<String> {
    let path = format!(
        "{}/tests/fixtures/asr-api/spec-excerpt.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let def = &spec["definitions"][definition];
    let mut names = keys(&def["properties"]);
    // `allOf` parents (`instanceType` of provider-specific details).
    for parent in def["allOf"].as_array().into_iter().flatten() {
        let name = parent["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
        names.extend(spec_keys(name));
    }
    names
}

/// `emulator ⊇ example` (nothing the examples show is missing) and
/// `emulator ⊆ specification` (nothing made up).
fn assert_shape(what: &str, ours: &Value, example: &BTreeSet<String>, spec: &BTreeSet<String>) {
    let ours = keys(ours);
    let missing: Vec<_> = example.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "{what}: fields of the example missing: {missing:?}"
    );
    if !spec.is_empty() {
        let extra: Vec<_> = ours.difference(spec).collect();
        assert!(
            extra.is_empty(),
            "{what}: fields the specification lacks: {extra:?}"
        );
    }
}

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
