//! `drplan emulator`'s HTTP faults and Automation jobs over real HTTP (see
//! `support::emulator`): throttling, expired tokens, server errors, storms
//! and dropped connections; runbook jobs created, followed and read.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::emulator::{ACCOUNT, API, Emu, failover, header};

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
