use super::*;

#[tokio::test(start_paused = true)]
async fn follow_reports_progress_and_waiting_for_input_until_the_end() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |req| {
        if req.path.ends_with("/replicationProtectedItems") {
            return ok(items_page());
        }
        if req.path.ends_with("item-db-01") {
            return ok(protected("db-01", "item-db-01"));
        }
        let tasks_running = [
            ("Prerequisites check", "Succeeded"),
            ("Failover", "InProgress"),
            ("Start VM", "NotStarted"),
        ];
        let tasks_done = [
            ("Prerequisites check", "Succeeded"),
            ("Failover", "Succeeded"),
            ("Start VM", "Succeeded"),
        ];
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "InProgress",
                &tasks_running,
            )),
            2 => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "Suspended",
                &tasks_running,
            )),
            _ => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "Succeeded",
                &tasks_done,
            )),
        }
    })
    .await;
    let provider = server.provider();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let started = Instant::now();
    let job = provider
        .follow(&JobId("job-1".into()), &move |p: Progress| {
            log.lock().unwrap().push(p);
        })
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.percent, Some(100));
    assert_eq!(job.vm, "db-01");
    // Read while running from the primary region: a failover, and it stays so.
    assert_eq!(job.operation, Operation::Failover);
    assert_eq!(job.ended.unwrap().to_string(), "2026-01-01T00:09:00.000Z");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].percent, Some(33));
    assert_eq!(seen[0].message, "Failover");
    assert!(seen[1].message.starts_with("waiting for input"), "{seen:?}");
    // Polled at 2 s, 5 s, then 15 s.
    assert_eq!(started.elapsed(), Duration::from_secs(2 + 5 + 15));
}

#[tokio::test]
async fn a_started_job_keeps_its_operation_and_shows_its_errors() {
    let server = Server::start(|req| {
        if req.path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if req.path.ends_with("item-db-01") {
            ok(protected("db-01", "item-db-01"))
        } else if req.method == "POST" {
            Answer::Http(
                202,
                vec![(
                    "location",
                    format!("http://x{VAULT}/operationresults/job-5"),
                )],
                String::new(),
            )
        } else if req.path.ends_with("/recoveryPoints") {
            ok(json!({"value": []}))
        } else {
            ok(job_body(
                "job-5",
                "UnplannedFailover",
                "Failed",
                &[("Failover", "Failed")],
            ))
        }
    })
    .await;
    let provider = server.provider();
    let id = failover_db01(&provider).await.unwrap();
    let job = provider.job(&id).await.unwrap();
    assert_eq!(job.operation, Operation::Failover);
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.errors.len(), 2);
    assert_eq!(job.errors[0].code.as_deref(), Some("70094"));
    assert_eq!(
        job.errors[0].recommended_action.as_deref(),
        Some("Raise the quota.")
    );
    assert_eq!(job.errors[1].code.as_deref(), Some("1234"));
}

#[tokio::test]
async fn jobs_keeps_the_plan_items_newest_first() {
    let server = Server::start(|req| {
        if req.path.ends_with("/replicationProtectedItems") {
            return ok(json!({"value": [
                item("db-01", "item-db-01", "Recovery", &["Commit"], None),
                protected("app-01", "item-app-01"),
            ]}));
        }
        let mut old = job_body("j-old", "UnplannedFailover", "Succeeded", &[]);
        old["properties"]["startTime"] = json!("2025-12-01T00:00:00Z");
        let mut commit = job_body("j-commit", "CommitFailover", "InProgress", &[]);
        commit["properties"]["startTime"] = json!("2026-01-02T00:00:00Z");
        let new = job_body("j-new", "UnplannedFailover", "Succeeded", &[]);
        let mut other = job_body("j-other", "AddProtectionProfile", "Succeeded", &[]);
        other["properties"]["targetObjectId"] = json!("policy");
        other["properties"]["targetObjectName"] = json!("policy");
        ok(json!({"value": [old, other, new, commit]}))
    })
    .await;
    let jobs = server
        .provider()
        .jobs(&[target("db-01"), target("app-01")])
        .await
        .unwrap();
    let names: Vec<(&str, Operation)> = jobs
        .iter()
        .map(|j| (j.id.0.as_str(), j.operation))
        .collect();
    assert_eq!(
        names,
        [
            ("j-commit", Operation::Commit),
            ("j-new", Operation::Failover),
            ("j-old", Operation::Failback),
        ]
    );
    assert!(jobs.iter().all(|j| j.vm == "db-01"));
}

/// A vault with db-01 idle whose failover starts `job-5`; the job list
/// answers `listed`, a GET of the job says it succeeded.
async fn vault_listing(listed: Value) -> Server {
    Server::start(move |req| {
        if req.path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if req.path.ends_with("item-db-01") {
            ok(protected("db-01", "item-db-01"))
        } else if req.path.ends_with("/recoveryPoints") {
            ok(json!({"value": []}))
        } else if req.method == "POST" {
            Answer::Http(
                202,
                vec![(
                    "location",
                    format!("http://x{VAULT}/replicationJobs/job-5/operationresults/job-5"),
                )],
                String::new(),
            )
        } else if req.path.ends_with("/replicationJobs") {
            ok(listed.clone())
        } else {
            ok(job_body("job-5", "UnplannedFailover", "Succeeded", &[]))
        }
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_started_job_is_followed_through_the_vaults_job_list_from_its_start() {
    let done = job_body("job-5", "UnplannedFailover", "Succeeded", &[]);
    let server = vault_listing(json!({"value": [done]})).await;
    let provider = server.provider();
    let id = failover_db01(&provider).await.unwrap();
    let job = provider.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.operation, Operation::Failover);
    // One list, filtered from the request's time less the clock skew; no
    // read of the job itself.
    assert_eq!(server.count("GET", "/replicationJobs"), 1);
    assert_eq!(server.count("GET", "/replicationJobs/job-5"), 0);
    let list = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/replicationJobs"))
        .unwrap();
    let query: HashMap<String, String> = url::form_urlencoded::parse(list.query.as_bytes())
        .into_owned()
        .collect();
    let filter = &query["$filter"];
    let from: crate::clock::Timestamp = filter
        .strip_prefix("startTime eq '")
        .and_then(|f| f.strip_suffix('\''))
        .unwrap_or_else(|| panic!("{filter}"))
        .parse()
        .unwrap();
    let now = crate::clock::Clock::system().now();
    assert!(
        from <= now && now.since(from) <= Duration::from_secs(125),
        "{from} {now}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_started_job_the_list_does_not_show_is_read_on_its_own() {
    let server = vault_listing(json!({"value": []})).await;
    let provider = server.provider();
    let id = failover_db01(&provider).await.unwrap();
    let job = provider.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(server.count("GET", "/replicationJobs"), 1);
    assert_eq!(server.count("GET", "/replicationJobs/job-5"), 1);
}
