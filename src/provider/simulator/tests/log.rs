//! The state file as an append log: one line per change, read back by
//! another instance line by line, never half a line; rewritten as one
//! snapshot once the changes outweigh it; files of the earlier format
//! read and rewritten; damage named with the file.

use super::*;

fn state_file(plan_path: &Path) -> PathBuf {
    plan_path.parent().unwrap().join(".drplan/shop.vault.json")
}

/// The file's lines, each parsed as one JSON document.
fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Opens the vault on the clock of this thread's test, shared by every
/// instance (as processes share the system clock).
fn open(plan: &Plan, plan_path: &Path) -> Result<Simulator, ProviderError> {
    thread_local! {
        static CLOCK: Clock = Clock::test();
    }
    Simulator::open(plan, plan_path, CLOCK.with(|c| *c), DEFAULT_SPEED)
}

#[tokio::test(start_paused = true)]
async fn each_change_appends_one_line_of_what_it_touched_and_a_reopened_vault_reads_them() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let path = state_file(&plan_path);
    let sim = open(&plan, &plan_path).unwrap();
    let snapshot = lines(&path);
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0]["format"], 2);
    assert_eq!(snapshot[0]["items"].as_object().unwrap().len(), 3);

    let t = target(&plan, "db-01");
    let id = sim.start(&t, Operation::Failover, &opts()).await.unwrap();
    let after_start = lines(&path);
    assert_eq!(after_start.len(), 2);
    let change = &after_start[1];
    assert_eq!(change["jobs"][0]["id"], id.0.as_str());
    let items: Vec<&String> = change["items"].as_object().unwrap().keys().collect();
    assert_eq!(items, ["db-01"], "only the item the job runs on");
    assert_eq!(change["items"]["db-01"]["current_job"], id.0.as_str());

    // Following a job to its end writes nothing: its end follows from it.
    sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(lines(&path).len(), 2);
    run(&sim, &t, Operation::Commit).await;
    assert_eq!(lines(&path).len(), 3);
    drop(sim);

    let again = open(&plan, &plan_path).unwrap();
    let m = machine(&again, &t).await;
    assert_eq!(
        (m.protection_state.as_str(), m.active_location),
        ("UnplannedFailoverCommitted", Location::Recovery)
    );
    assert_eq!(again.jobs(std::slice::from_ref(&t)).await.unwrap().len(), 2);
    assert_eq!(lines(&path).len(), 3, "opening added nothing");
}

#[tokio::test(start_paused = true)]
async fn a_reader_never_sees_half_a_change_and_a_writer_cuts_off_what_a_crash_left() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let path = state_file(&plan_path);
    let runner = open(&plan, &plan_path).unwrap();
    let watcher = open(&plan, &plan_path).unwrap();
    let app = target(&plan, "app-01");
    assert!(machine(&watcher, &app).await.current_job.is_none());
    let id = runner
        .start(&app, Operation::Failover, &opts())
        .await
        .unwrap();
    let whole = std::fs::read(&path).unwrap();
    let last = whole[..whole.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    let half = last + (whole.len() - last) / 2;

    // The runner's line, as a reader may meet it while it is written.
    std::fs::write(&path, &whole[..half]).unwrap();
    assert!(machine(&watcher, &app).await.current_job.is_none());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, &whole[half..]).unwrap();
    assert_eq!(machine(&watcher, &app).await.current_job, Some(id));

    // A writer that crashed mid-line: the next one cuts the line off.
    std::fs::write(&path, &whole[..half]).unwrap();
    let next = open(&plan, &plan_path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), &whole[..last]);
    assert!(machine(&next, &app).await.current_job.is_none());
    let again = next
        .start(&app, Operation::Failover, &opts())
        .await
        .unwrap();
    assert_eq!(lines(&path).len(), 2);
    // The runner's own view was cut off too: it reads the file again.
    assert_eq!(machine(&runner, &app).await.current_job, Some(again));
}

#[tokio::test(start_paused = true)]
async fn two_writers_take_turns_and_never_hand_out_one_id_twice() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let a = open(&plan, &plan_path).unwrap();
    let b = open(&plan, &plan_path).unwrap();
    let all = targets(&plan);
    let mut ids = Vec::new();
    for (i, t) in all.iter().enumerate() {
        let writer = if i % 2 == 0 { &a } else { &b };
        ids.push(writer.start(t, Operation::Failover, &opts()).await.unwrap());
    }
    let distinct: HashSet<&JobId> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    let reader = open(&plan, &plan_path).unwrap();
    for (t, id) in all.iter().zip(&ids) {
        assert_eq!(machine(&reader, t).await.current_job.as_ref(), Some(id));
        assert_eq!(machine(&a, t).await.current_job.as_ref(), Some(id));
    }
    assert_eq!(reader.jobs(&all).await.unwrap().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_log_that_outgrows_its_snapshot_is_rewritten_as_one() {
    let names: Vec<String> = (1..=300).map(|i| format!("v{i:03}")).collect();
    let text = format!(
        "plan shop {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g {{ parallelism 300\n    vm {}\n  }}\n}}\n",
        names.join(", ")
    );
    let plan = plan_from(&text);
    let (_dir, plan_path) = plan_dir();
    let path = state_file(&plan_path);
    let sim = open(&plan, &plan_path).unwrap();
    let all = targets(&plan);
    for op in [Operation::Failover, Operation::Commit] {
        let mut ids = Vec::new();
        for t in &all {
            ids.push(sim.start(t, op, &opts()).await.unwrap());
        }
        for id in &ids {
            sim.follow(id, &|_| {}).await.unwrap();
        }
    }
    let kept = lines(&path);
    assert!(
        kept.len() < 1 + 2 * all.len(),
        "{} lines for {} changes",
        kept.len(),
        2 * all.len()
    );
    assert_eq!(kept[0]["format"], 2);
    drop(sim);
    let again = open(&plan, &plan_path).unwrap();
    let ms = again.machines(&all).await.unwrap();
    assert!(
        ms.iter()
            .all(|m| m.protection_state == "UnplannedFailoverCommitted"),
        "{ms:?}"
    );
    assert_eq!(again.jobs(&all).await.unwrap().len(), 600);
}

/// A state file as drplan wrote it before the log (format 1, pretty
/// printed, rewritten whole on every change): db-01 failed over, db-02's
/// failover running, app-01 never touched; items without settings.
const FORMAT_1: &str = r#"{
  "format": 1,
  "seed": 12345,
  "next_id": 2,
  "items": {
    "app-01": {
      "vm": "app-01",
      "state": {
        "stage": "replicating",
        "active": "primary"
      },
      "current_job": null,
      "last_test_failover": null
    },
    "db-01": {
      "vm": "db-01",
      "state": {
        "stage": "failed_over",
        "active": "recovery"
      },
      "current_job": null,
      "last_test_failover": null
    },
    "db-02-replica": {
      "vm": "db-02",
      "state": {
        "stage": "replicating",
        "active": "primary"
      },
      "current_job": "legacy-2",
      "last_test_failover": null
    }
  },
  "jobs": [
    {
      "id": "legacy-1",
      "operation": "failover",
      "vm": "db-01",
      "item": "db-01",
      "started": "2025-12-31T23:50:00.000Z",
      "duration_ms": 2000,
      "shutdown_source": true,
      "hang": false,
      "error": null,
      "applied": true
    },
    {
      "id": "legacy-2",
      "operation": "failover",
      "vm": "db-02",
      "item": "db-02-replica",
      "started": "2026-01-01T00:00:00.000Z",
      "duration_ms": 5000,
      "shutdown_source": true,
      "hang": false,
      "error": null,
      "applied": false
    }
  ],
  "runbook_hits": {}
}
"#;

#[tokio::test(start_paused = true)]
async fn a_state_file_of_the_earlier_format_is_read_and_rewritten_in_the_current_one() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let path = state_file(&plan_path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, FORMAT_1).unwrap();
    let sim = open(&plan, &plan_path).unwrap();
    let kept = lines(&path);
    assert_eq!(kept.len(), 1, "one snapshot line");
    assert_eq!(kept[0]["format"], 2);
    assert_eq!(kept[0]["next_id"], 2);

    let db1 = machine(&sim, &target(&plan, "db-01")).await;
    assert_eq!(db1.active_location, Location::Recovery);
    assert!(db1.source_vm.is_some(), "set up as ASR sets items up");
    let db2 = target(&plan, "db-02");
    let running = machine(&sim, &db2).await;
    assert_eq!(running.current_job, Some(JobId("legacy-2".into())));
    let job = sim
        .follow(&JobId("legacy-2".into()), &|_| {})
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(
        machine(&sim, &db2).await.active_location,
        Location::Recovery
    );
    let next = sim
        .start(&target(&plan, "app-01"), Operation::Failover, &opts())
        .await
        .unwrap();
    assert!(!next.0.starts_with("legacy"), "{next}");
}

fn assert_names_the_file(err: &ProviderError, says: &str) {
    let ProviderError::BadFile { path, message } = err else {
        panic!("{err}");
    };
    assert!(path.ends_with(".drplan/shop.vault.json"), "{path}");
    assert!(message.contains(says), "{message}");
    assert!(
        message.contains("delete this file to reset the simulated vault"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_damaged_change_names_the_file_and_how_to_reset_it() {
    let (_dir, plan_path) = plan_dir();
    let plan = plan();
    let path = state_file(&plan_path);
    let reader = open(&plan, &plan_path).unwrap();
    let t = target(&plan, "db-01");
    drop(open(&plan, &plan_path).unwrap());
    let good = std::fs::read_to_string(&path).unwrap();
    let item = r#"{"vm":"db-01","state":{"stage":"replicating","active":"primary"}"#;
    for (line, says) in [
        ("not json\n".to_owned(), "expected"),
        ("{\"jobs\": 7}\n".to_owned(), "invalid type"),
        (
            format!("{{\"items\":{{\"db-01\":{item},\"current_job\":\"nope\"}}}}}}\n"),
            "runs job nope, which the file does not hold",
        ),
        (format!("{{\"next_id\":{}}}\n", u64::MAX), "next_id"),
    ] {
        std::fs::write(&path, format!("{good}{line}")).unwrap();
        let err = open(&plan, &plan_path).unwrap_err();
        assert_names_the_file(&err, says);
        // An instance that read the file before it was damaged says so too.
        let err = reader.machines(std::slice::from_ref(&t)).await.unwrap_err();
        assert_names_the_file(&err, says);
    }
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let err = open(&plan, &plan_path).unwrap_err();
    assert_names_the_file(&err, "part-way through its snapshot");
}
