use super::*;

#[tokio::test]
async fn failover_posts_the_a2a_input_and_returns_the_location_job() {
    let server = failover_server(
        |_, _| {
            Answer::Http(
                202,
                vec![
                    ("location", format!("http://x{VAULT}/replicationJobs/job-7/operationresults/job-7?api-version=2026-05-01")),
                    ("retry-after", "30".to_owned()),
                ],
                String::new(),
            )
        },
        Value::Null,
    )
    .await;
    let options = OperationOptions {
        recovery_point: RecoveryPoint::LatestProcessed,
        shutdown_source: false,
        test_network: None,
        points: std::collections::BTreeMap::new(),
    };
    let job = server
        .provider()
        .start(&target("db-01"), Operation::Failover, &options)
        .await
        .unwrap();
    assert_eq!(job, JobId("job-7".into()));
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        post.path.ends_with("/item-db-01/unplannedFailover"),
        "{}",
        post.path
    );
    assert_eq!(
        post.json(),
        json!({"properties": {
            "failoverDirection": "PrimaryToRecovery",
            "sourceSiteOperations": "NotRequired",
            "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": "/rp/new"}
        }})
    );
}

#[tokio::test]
async fn test_failover_and_cleanup_bodies() {
    let server = failover_server(
        |req, _| {
            let job = if req.path.ends_with("testFailover") {
                "tfo-1"
            } else {
                "cleanup-1"
            };
            Answer::Http(
                202,
                vec![("x-ms-request-id", format!("{VAULT}/replicationJobs/{job}"))],
                String::new(),
            )
        },
        protected("db-01", "item-db-01"),
    )
    .await;
    let provider = server.provider();
    let mut options = OperationOptions {
        recovery_point: RecoveryPoint::Latest,
        ..OperationOptions::default()
    };
    let err = provider
        .start(&target("db-01"), Operation::TestFailover, &options)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("test.network"), "{err}");
    options.test_network = Some("/vnet/iso".into());
    let job = provider
        .start(&target("db-01"), Operation::TestFailover, &options)
        .await
        .unwrap();
    assert_eq!(job.0, "tfo-1");
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.json(),
        json!({"properties": {
            "failoverDirection": "PrimaryToRecovery",
            "networkType": "VmNetworkAsInput",
            "networkId": "/vnet/iso",
            "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": null}
        }})
    );
    // Cleanup is refused: the item does not allow it.
    let err = provider
        .start(&target("db-01"), Operation::TestCleanup, &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::NotAllowed { .. }), "{err}");
    assert!(
        err.to_string().contains("it needs TestFailoverCleanup"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failover_post_with_an_unknown_outcome_reads_the_item_and_is_never_resent() {
    let after = item(
        "db-01",
        "item-db-01",
        "Primary",
        &[],
        Some(("UnplannedFailover", "job-42")),
    );
    let server = failover_server(|_, _| Answer::Hangup, after).await;
    let job = failover_db01(&server.provider()).await.unwrap();
    assert_eq!(job.0, "job-42");
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_with_no_job_on_the_item_is_an_error_not_a_resend() {
    let server = failover_server(
        |_, _| {
            status(
                502,
                json!({"error": {"code": "BadGateway", "message": "gateway"}}),
            )
        },
        protected("db-01", "item-db-01"),
    )
    .await;
    let err = failover_db01(&server.provider())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("outcome is unknown"), "{err}");
    assert!(err.contains("does not re-send"), "{err}");
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_failover_post_is_resent() {
    let server = failover_server(
        |_, n| {
            if n == 0 {
                Answer::Http(429, vec![("retry-after", "3".to_owned())], "{}".to_owned())
            } else {
                Answer::Http(
                    202,
                    vec![(
                        "location",
                        format!("http://x{VAULT}/operationresults/job-9"),
                    )],
                    String::new(),
                )
            }
        },
        Value::Null,
    )
    .await;
    let job = failover_db01(&server.provider()).await.unwrap();
    assert_eq!(job.0, "job-9");
    assert_eq!(server.count("POST", "unplannedFailover"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_quick_job_that_ended_before_the_item_was_read_is_found_in_the_jobs() {
    // The POST's answer is lost; the failover ran and ended at once: the
    // item shows no job, but the vault lists it.
    let now = crate::clock::Clock::system().now().to_string();
    let after = item("db-01", "item-db-01", "Recovery", &["Commit"], None);
    let posts = Arc::new(AtomicUsize::new(0));
    let seen = posts.clone();
    let server = Server::start(move |req| {
        let path = req.path.as_str();
        if path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if path.ends_with("/recoveryPoints") {
            ok(json!({"value": []}))
        } else if req.method == "POST" {
            seen.fetch_add(1, Ordering::SeqCst);
            Answer::Hangup
        } else if path.ends_with("/replicationJobs") {
            let mut old = job_body("j-old", "UnplannedFailover", "Succeeded", &[]);
            old["properties"]["startTime"] = json!("2020-01-01T00:00:00Z");
            let mut other = job_body("j-other-item", "UnplannedFailover", "Succeeded", &[]);
            other["properties"]["startTime"] = json!(now);
            other["properties"]["targetObjectId"] = json!("item-app-01");
            other["properties"]["targetObjectName"] = json!("app-01");
            let mut commit = job_body("j-commit", "CommitFailover", "Succeeded", &[]);
            commit["properties"]["startTime"] = json!(now);
            let mut ours = job_body("j-ours", "UnplannedFailover", "Succeeded", &[]);
            ours["properties"]["startTime"] = json!(now);
            ok(json!({"value": [old, other, commit, ours]}))
        } else if path.ends_with("item-db-01") {
            ok(if seen.load(Ordering::SeqCst) == 0 {
                protected("db-01", "item-db-01")
            } else {
                after.clone()
            })
        } else {
            status(404, json!({}))
        }
    })
    .await;
    let job = failover_db01(&server.provider()).await.unwrap();
    assert_eq!(job.0, "j-ours");
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}
