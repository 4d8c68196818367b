use super::*;

#[tokio::test]
async fn lists_follow_next_link_and_items_become_machines() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Server::start(move |req| {
        assert!(req.path.ends_with("/replicationProtectedItems"), "{}", req.path);
        if req.query.contains("skiptoken=2") {
            ok(json!({"value": [protected("app-01", "item-app-01"), protected("db-02-replica", "item-db-02")]}))
        } else {
            let next = format!(
                "{}{}/replicationProtectedItems?api-version=2026-05-01&$skiptoken=2",
                b.lock().unwrap().trim_end_matches('/'),
                VAULT
            );
            ok(json!({"value": [protected("DB-01", "item-db-01")], "nextLink": next}))
        }
    })
    .await;
    *base.lock().unwrap() = server.base.clone();
    let provider = server.provider();
    let machines = provider
        .machines(&[target("db-01"), target("db-02"), target("app-01")])
        .await
        .unwrap();
    assert_eq!(machines.len(), 3);
    let db = &machines[0];
    assert_eq!((db.vm.as_str(), db.item.as_str()), ("db-01", "db-01"));
    assert_eq!(db.protection_state, "Protected");
    assert_eq!(db.active_location, Location::Primary);
    assert_eq!(db.replicating_from, Some(Location::Primary));
    assert_eq!(
        db.allowed,
        [
            AsrOperation::UnplannedFailover,
            AsrOperation::TestFailover,
            AsrOperation::DisableProtection
        ]
    );
    assert_eq!(db.health, Health::Warning);
    assert_eq!(
        db.issues[0].kind,
        crate::provider::IssueKind::SoftwareUpdate
    );
    assert_eq!(db.rpo_s, Some(42));
    assert_eq!(
        db.last_test_failover.unwrap().to_string(),
        "2026-01-02T03:04:05.000Z"
    );
    assert_eq!(db.current_job, None);
    assert_eq!(machines[1].vm, "db-02");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.headers["authorization"], "Bearer t0k3n");
        assert!(r.query.contains("api-version=2026-05-01"), "{}", r.query);
        assert!(r.headers["user-agent"].starts_with("drplan/"));
        assert!(r.headers.contains_key("x-ms-client-request-id"));
    }
}

#[tokio::test]
async fn missing_and_ambiguous_items_are_named_with_a_suggestion() {
    let server = Server::start(|_| {
        ok(json!({"value": [
            protected("db-1", "item-a"),
            protected("app-01", "item-b"),
            protected("app-01", "item-c"),
        ]}))
    })
    .await;
    let err = server
        .provider()
        .machines(&[target("db-01"), target("app-01")])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no replicated item `db-01` for VM `db-01`"),
        "{err}"
    );
    assert!(err.contains("did you mean `db-1`?"), "{err}");
    assert!(
        err.contains("`app-01` (VM `app-01`) names 2 replicated items"),
        "{err}"
    );
    assert!(err.contains("item-b") && err.contains("item-c"), "{err}");
}
