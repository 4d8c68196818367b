//! The run store: the plan lock names its holder and is released on drop,
//! a stale lock (its process gone) is taken over, a lock file removed under
//! its holder lets no second run in, journals survive a torn last line but
//! not a damaged middle, and approvals reach the waiting run.

use drplan::clock::Clock;
use drplan::journal::store::{host_name, parse_journal};
use drplan::journal::{
    Decision, Event, JournalError, LocalStore, LockHolder, Record, RunId, RunState, RunStore,
    Verdict,
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
        origin: None,
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
    let records = parse_journal(torn.as_bytes(), "j").unwrap();
    assert_eq!(records.len(), 1);
    let damaged = format!("{good}\nnot json\n{good}\n");
    let err = parse_journal(damaged.as_bytes(), "j.jsonl").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("j.jsonl:2: not a journal event"),
        "{err}"
    );
    // A crash in the middle of a multibyte character: cut at the byte level.
    let mut torn = format!(
        "{good}\n{{\"ts\":\"2026-01-01T00:00:01.000Z\",\"event\":\"step_progress\",\"message\":\"K"
    )
    .into_bytes();
    torn.push(0xc3);
    assert_eq!(parse_journal(&torn, "j").unwrap().len(), 1);
    // A whole record whose newline was never written is kept.
    assert_eq!(parse_journal(good.as_bytes(), "j").unwrap().len(), 1);
    // Bytes that are not UTF-8 on a complete line are damage, named by line.
    let mut damaged = format!("{good}\n").into_bytes();
    damaged.extend_from_slice(b"{\"ts\":\xff}\n");
    let err = parse_journal(&damaged, "j.jsonl").unwrap_err();
    assert!(err.to_string().starts_with("j.jsonl:2: "), "{err}");
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
            origin: None,
        },
        Event::StepStarted {
            step: "hook:g/after/1".into(),
            kind: drplan::graph::StepKind::Manual,
            group: "g".into(),
            attempt: 1,
            estimate_s: None,
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
    assert_eq!(store.plan_text(&run, 0).await.unwrap(), "plan p {}");
    store.amend_plan(&run, 1, "plan p { }").await.unwrap();
    assert_eq!(store.plan_text(&run, 1).await.unwrap(), "plan p { }");
    assert_eq!(store.plan_text(&run, 0).await.unwrap(), "plan p {}");
    assert_eq!(store.list().await.unwrap(), std::slice::from_ref(&run));
    assert_eq!(store.decision(&run, "hook:g/after/1").await.unwrap(), None);
    store
        .decide(&run, "hook:g/after/1", &approval("ana on host"))
        .await
        .unwrap();
    let decision = store
        .decision(&run, "hook:g/after/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decision.by, "ana on host");
    assert_eq!(decision.verdict, Verdict::Approved);
    assert!(matches!(
        store
            .decide(&RunId("nope".into()), "x", &approval("y"))
            .await,
        Err(JournalError::UnknownRun(_))
    ));
    // Whole hook output, per attempt, read back in attempt order.
    writer
        .keep_output("hook:g/after/1", 2, "second\n")
        .await
        .unwrap();
    writer
        .keep_output("hook:g/after/1", 1, "AG SYNCHRONIZED\n")
        .await
        .unwrap();
    let kept = store.outputs(&run, "hook:g/after/1").await.unwrap();
    assert_eq!(
        kept.iter()
            .map(|k| (k.attempt, k.text.as_str()))
            .collect::<Vec<_>>(),
        [(1, "AG SYNCHRONIZED\n"), (2, "second\n")]
    );
    assert!(
        store
            .outputs(&run, "hook:g/after/2")
            .await
            .unwrap()
            .is_empty()
    );
}

fn approval(by: &str) -> Decision {
    Decision {
        verdict: Verdict::Approved,
        by: by.into(),
        at: Clock::test().now(),
        comment: None,
    }
}

fn started(run: &RunId, plan_file: &str) -> Record {
    Record {
        ts: Clock::test().now(),
        event: Event::RunStarted {
            run_id: run.clone(),
            plan: "shop".into(),
            operation: drplan::graph::Operation::Failover,
            settings: Some(drplan::journal::RunSettings {
                plan_file: plan_file.into(),
                groups: Vec::new(),
                vms: Vec::new(),
                simulate: true,
                unplanned: false,
                recovery_point: None,
                before: None,
                points: std::collections::BTreeMap::new(),
                parallelism: None,
            }),
            resumed: false,
            origin: None,
        },
    }
}

#[tokio::test]
async fn a_lock_file_removed_under_a_live_run_lets_no_second_run_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join(".drplan"));
    let first = RunId("20260101-000000-aaaa".into());
    let lock = store
        .lock("shop", holder(&first.0, std::process::id()))
        .await
        .unwrap();
    let writer = store.create(&first, "plan shop {}").await.unwrap();
    writer
        .append(&started(&first, "/p/shop.drplan"))
        .await
        .unwrap();
    lock.confirm().unwrap();
    assert!(store.is_live(&first).await.unwrap());

    std::fs::remove_file(dir.path().join(".drplan/shop.lock")).unwrap();
    // The first run still holds its journal: the plan is taken.
    let Err(err) = store
        .lock("shop", holder("20260101-000001-bbbb", std::process::id()))
        .await
    else {
        panic!("a second run was let in");
    };
    assert!(
        matches!(&err, JournalError::LiveRun { run, .. } if *run == first),
        "{err}"
    );
    // A run of another plan beside it is not held up.
    store
        .lock("other", holder("20260101-000002-cccc", std::process::id()))
        .await
        .unwrap();
    drop(writer);
    assert!(!store.is_live(&first).await.unwrap());
    store
        .lock("shop", holder("20260101-000003-dddd", std::process::id()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_holder_whose_lock_file_was_replaced_before_its_run_began_stops() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join(".drplan"));
    let lock = store
        .lock("shop", holder("20260101-000000-aaaa", std::process::id()))
        .await
        .unwrap();
    std::fs::remove_file(dir.path().join(".drplan/shop.lock")).unwrap();
    let _second = store
        .lock("shop", holder("20260101-000001-bbbb", std::process::id()))
        .await
        .unwrap();
    assert!(matches!(lock.confirm(), Err(JournalError::LockLost { .. })));
}

#[tokio::test]
async fn a_live_run_cannot_be_reopened_and_empty_runs_are_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join(".drplan"));
    let run = RunId("20260101-000000-aaaa".into());
    let writer = store.create(&run, "plan shop {}").await.unwrap();
    assert!(matches!(
        store.reopen(&run).await,
        Err(JournalError::RunIsLive(_))
    ));
    drop(writer);
    store.discard(&run).await.unwrap();
    assert_eq!(store.list().await.unwrap(), Vec::<RunId>::new());
}

#[tokio::test]
async fn everything_the_store_writes_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join(".drplan"));
    let run = RunId("20260101-000000-aaaa".into());
    let _lock = store
        .lock("shop", holder(&run.0, std::process::id()))
        .await
        .unwrap();
    let writer = store.create(&run, "plan shop {}").await.unwrap();
    writer
        .append(&started(&run, "/p/shop.drplan"))
        .await
        .unwrap();
    store
        .decide(&run, "hook:g/after/1", &approval("ana on host"))
        .await
        .unwrap();
    writer
        .keep_output("hook:g/after/1", 1, "ok\n")
        .await
        .unwrap();
    let mut seen = 0;
    let mut stack = vec![dir.path().join(".drplan")];
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        seen += 1;
    }
    assert_eq!(seen, 10, "the folders and files above were all looked at");
}
