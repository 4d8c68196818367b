use super::*;

#[tokio::test(start_paused = true)]
async fn a_runbook_job_is_created_polled_and_its_failure_explained() {
    let polls = AtomicUsize::new(0);
    let server = Server::start(move |req| {
        let p = req.path.as_str();
        if req.method == "PUT" {
            return Answer::Http(201, Vec::new(), json!({"name": "x", "properties": {"status": "New"}}).to_string());
        }
        if p.ends_with("/output") {
            return Answer::Http(200, Vec::new(), "line 1\nline 2\nDraining app-01".to_owned());
        }
        if p.ends_with("/streams") {
            return ok(json!({"value": [
                {"properties": {"jobStreamId": "s1", "streamType": "Output", "summary": "line 1"}},
                {"properties": {"jobStreamId": "s2", "streamType": "Error", "summary": "Drain failed"}}
            ]}));
        }
        if p.ends_with("/streams/s2") {
            return ok(json!({"properties": {"jobStreamId": "s2", "streamType": "Error", "streamText": "Drain failed: app-01 refused"}}));
        }
        let status = match polls.fetch_add(1, Ordering::SeqCst) {
            0 => "Activating",
            1 => "Running",
            _ => "Failed",
        };
        ok(json!({"properties": {"status": status, "exception": if status == "Failed" { json!("Drain failed") } else { Value::Null }}}))
    })
    .await;
    let provider = server.provider();
    let mut params = std::collections::BTreeMap::new();
    params.insert("Pool".to_owned(), "web".to_owned());
    let request = RunbookRequest {
        account: ACCOUNT.to_owned(),
        runbook: "Drain-AppServers".to_owned(),
        params,
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let outcome = provider
        .run_runbook(&request, &move |p: Progress| {
            log.lock().unwrap().push(p.message);
        })
        .await
        .unwrap();
    assert!(!outcome.succeeded);
    assert_eq!(outcome.status, "Failed");
    assert_eq!(outcome.exception.as_deref(), Some("Drain failed"));
    assert!(
        outcome.output_tail.contains("Draining app-01"),
        "{}",
        outcome.output_tail
    );
    assert!(
        outcome
            .output_tail
            .contains("Error: Drain failed: app-01 refused"),
        "{}",
        outcome.output_tail
    );
    let put = server
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert!(
        put.path.starts_with(&format!("{ACCOUNT}/jobs/")),
        "{}",
        put.path
    );
    assert!(put.query.contains("api-version=2024-10-23"));
    assert_eq!(
        put.json(),
        json!({"properties": {"runbook": {"name": "Drain-AppServers"}, "parameters": {"Pool": "web"}, "runOn": ""}})
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[2].ends_with("is Failed"), "{seen:?}");
}
