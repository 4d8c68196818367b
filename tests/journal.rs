//! The run store: the plan lock names its holder and is released on drop,
//! a stale lock (its process gone) is taken over, journals survive a torn
//! last line but not a damaged middle, and approvals reach the waiting run.

use drplan::clock::Clock;
use drplan::journal::store::{host_name, parse_journal};
use drplan::journal::{
    Event, JournalError, LocalStore, LockHolder, Record, RunId, RunState, RunStore,
};

fn holder(run: &str, pid: u32) -> LockHolder {
    LockHolder {
        run_id: RunId(run.into()),
        pid,
        host: host_name(),
        since: Clock::test().now(),
    }
}

#[tokio::test]
async fn a_second_run_of_a_plan_is_refused_naming_the_run_that_holds_it() {
    // Two locks in one process conflict as in two: an flock belongs to the
    // open file, not the process.
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let lock = store
        .lock("shop", holder("20260101-000000-aaaa", std::process::id()))
        .await
        .unwrap();
    let Err(err) = store
        .lock("shop", holder("20260101-000001-bbbb", std::process::id()))
        .await
    else {
        panic!("a second lock was granted");
    };
    assert!(matches!(err, JournalError::Locked { .. }));
    let message = err.to_string();
    assert!(message.contains("run 20260101-000000-aaaa"), "{message}");
    assert!(message.contains("shop.lock"), "{message}");
    assert_eq!(
        store.lock_holder("shop").await.unwrap().map(|h| h.run_id.0),
        Some("20260101-000000-aaaa".to_string())
    );
    // Another plan beside it is not blocked.
    let _other = store
        .lock("other", holder("20260101-000002-cccc", std::process::id()))
        .await
        .unwrap();
    drop(lock);
    store
        .lock("shop", holder("20260101-000003-dddd", std::process::id()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lock_left_by_a_process_that_ended_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    // A crashed run leaves its lock file, but the kernel dropped its flock.
    let stale = serde_json::to_string(&holder("20260101-000000-aaaa", 1)).unwrap();
    std::fs::write(dir.path().join("shop.lock"), stale).unwrap();
    assert_eq!(store.lock_holder("shop").await.unwrap(), None);
    let lock = store
        .lock("shop", holder("20260101-000001-bbbb", std::process::id()))
        .await
        .unwrap();
    let now = store.lock_holder("shop").await.unwrap().unwrap();
    assert_eq!(now.run_id.0, "20260101-000001-bbbb");
    drop(lock);
    assert_eq!(store.lock_holder("shop").await.unwrap(), None);
}

#[tokio::test]
async fn a_resume_after_a_torn_last_line_keeps_the_journal_readable() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let run = RunId("20260101-000000-aaaa".into());
    let writer = store.create(&run, "plan p {}").await.unwrap();
    let clock = Clock::test();
    let started = Event::RunStarted {
        run_id: run.clone(),
        plan: "p".into(),
        operation: drplan::graph::Operation::Failover,
        settings: None,
        resumed: false,
    };
    writer
        .append(&Record {
            ts: clock.now(),
            event: started.clone(),
        })
        .await
        .unwrap();
    drop(writer);
    // A crash in the middle of the next line.
    let path = dir.path().join("runs").join(&run.0).join("journal.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"ts\":\"2026-01-01T00:00:01.000Z\",\"event\":\"step_sta");
    std::fs::write(&path, text).unwrap();
    let writer = store.reopen(&run).await.unwrap();
    writer
        .append(&Record {
            ts: clock.now(),
            event: started,
        })
        .await
        .unwrap();
    assert_eq!(store.read(&run).await.unwrap().len(), 2);
}

#[test]
fn a_torn_last_line_is_dropped_and_a_damaged_line_is_an_error() {
    let good = r#"{"ts":"2026-01-01T00:00:00.000Z","event":"run_started","run_id":"r","plan":"p","operation":"failover"}"#;
    let torn = format!("{good}\n{{\"ts\":\"2026-01-01T00:00:01.000Z\",\"event\":\"step_sta");
    let records = parse_journal(&torn, "j").unwrap();
    assert_eq!(records.len(), 1);
    let damaged = format!("{good}\nnot json\n{good}\n");
    let err = parse_journal(&damaged, "j.jsonl").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("j.jsonl:2: not a journal event"),
        "{err}"
    );
}

#[tokio::test]
async fn journals_round_trip_and_approvals_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let run = RunId("20260101-000000-aaaa".into());
    let writer = store.create(&run, "plan p {}").await.unwrap();
    let clock = Clock::test();
    let events = [
        Event::RunStarted {
            run_id: run.clone(),
            plan: "p".into(),
            operation: drplan::graph::Operation::Failover,
            settings: None,
            resumed: false,
        },
        Event::StepStarted {
            step: "hook:g/after/1".into(),
            kind: "manual".into(),
            group: "g".into(),
            attempt: 1,
        },
    ];
    for event in events {
        writer
            .append(&Record {
                ts: clock.now(),
                event,
            })
            .await
            .unwrap();
    }
    let state = RunState::replay(&store.read(&run).await.unwrap()).unwrap();
    assert!(state.steps["hook:g/after/1"].in_flight);
    assert_eq!(store.plan_text(&run).await.unwrap(), "plan p {}");
    assert_eq!(store.list().await.unwrap(), std::slice::from_ref(&run));
    assert_eq!(store.approval(&run, "hook:g/after/1").await.unwrap(), None);
    store
        .approve(&run, "hook:g/after/1", "ana on host")
        .await
        .unwrap();
    assert_eq!(
        store
            .approval(&run, "hook:g/after/1")
            .await
            .unwrap()
            .as_deref(),
        Some("ana on host")
    );
    assert!(matches!(
        store.approve(&RunId("nope".into()), "x", "y").await,
        Err(JournalError::UnknownRun(_))
    ));
}
