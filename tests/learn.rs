//! Learned estimates: journals written straight into a plan's `.drplan/`
//! store with chosen durations; the median of a step's last five successful
//! runs at vault speed 1 replaces its estimate, runs of a simulated vault at
//! another speed (and runs that say nothing of their vault) do not count,
//! and every estimate is marked declared, built-in or learned. The dry run
//! shows the sources and a worst case; `check`'s `rto_exceeded` judges the
//! learned figures.

use std::time::{Duration, SystemTime};

use drplan::clock::Timestamp;
use drplan::graph::{EstimateSource, Operation, StepKind};
use drplan::journal::{Event, LocalStore, Origin, Record, RunId, RunStatus, RunStore, StepStatus};

use crate::support::sandbox::{Sandbox, show, stdout};

const PLAN: &str = r#"plan learned {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  objectives { rto 10m }
  defaults { timeout 15m  retries 1 }
  group db {
    vm sql-01
    vm sql-02 { estimate 2m }
    after failover {
      script "check.sh" { timeout 2m  retries 2 }
    }
  }
}
"#;

/// One step's part of a journal: started at `at`, succeeded `secs` later.
fn step(at: SystemTime, id: &str, kind: StepKind, secs: u64) -> Vec<Record> {
    vec![
        Record {
            ts: Timestamp(at),
            event: Event::StepStarted {
                step: id.to_string(),
                kind,
                group: "db".to_string(),
                attempt: 1,
                estimate_s: None,
            },
        },
        Record {
            ts: Timestamp(at + Duration::from_secs(secs)),
            event: Event::step_finished(
                id,
                StepStatus::Succeeded,
                f64::from(u32::try_from(secs).unwrap()),
            ),
        },
    ]
}

/// Writes a failover run `n` of the plan, `sql-01` taking `secs`, the hook 20s.
async fn write_run(store: &LocalStore, n: u64, speed: Option<f64>, secs: u64) {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + n * 86_400);
    let run = RunId(format!("2027010{n}-000000-000{n}"));
    let origin = speed.map(|vault_speed| Origin {
        by: "tester".into(),
        host: "host".into(),
        content_hash: None,
        commit: None,
        dirty: false,
        vault_speed,
    });
    let mut records = vec![Record {
        ts: Timestamp(start),
        event: Event::RunStarted {
            run_id: run.clone(),
            plan: "learned".into(),
            operation: Operation::Failover,
            settings: None,
            resumed: false,
            origin,
        },
    }];
    records.extend(step(start, "vm:db/sql-01", StepKind::Vm, secs));
    records.extend(step(
        start + Duration::from_secs(secs),
        "hook:db/after/1",
        StepKind::Script,
        20,
    ));
    records.push(Record {
        ts: Timestamp(start + Duration::from_secs(secs + 20)),
        event: Event::RunFinished {
            run_id: run.clone(),
            status: RunStatus::Succeeded,
            duration_s: f64::from(u32::try_from(secs + 20).unwrap()),
            counts: None,
        },
    });
    let writer = store.create(&run, PLAN).await.unwrap();
    for r in &records {
        writer.append(r).await.unwrap();
    }
    writer.close().await;
}

/// A sandbox holding the plan (and its hook script) and a store with six
/// runs at speed 1 (the oldest an outlier that the last five leave out), one
/// at speed 20000 and one without an origin, both of absurd durations.
async fn with_history() -> Sandbox {
    let sandbox = Sandbox::with_plan("learned", PLAN);
    let script = sandbox.path().join("check.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    let store = LocalStore::beside(&sandbox.path().join(&sandbox.plan));
    for (n, secs) in [
        (1, 5_000),
        (2, 600),
        (3, 700),
        (4, 900),
        (5, 800),
        (6, 1_000),
    ] {
        write_run(&store, n, Some(1.0), secs).await;
    }
    write_run(&store, 7, Some(20_000.0), 90_000).await;
    write_run(&store, 8, None, 90_000).await;
    sandbox
}

#[tokio::test]
async fn the_median_of_the_last_five_runs_at_speed_one_is_learned() {
    let sandbox = with_history().await;
    let store = LocalStore::beside(&sandbox.path().join(&sandbox.plan));
    let history = drplan::learn::history::read(&store).await;
    assert_eq!(history.len(), 8);
    let plan = drplan::compile(&drplan::SourceFile::new(
        sandbox.path().join(&sandbox.plan),
        PLAN,
    ))
    .0
    .unwrap();
    let mut graph = drplan::graph::build(&plan, Operation::Failover, None);
    let before: Vec<(String, EstimateSource)> = graph
        .steps()
        .map(|(_, s)| (s.id.clone(), s.estimate_source))
        .collect();
    assert_eq!(
        before,
        [
            ("vm:db/sql-01".to_string(), EstimateSource::BuiltIn),
            ("vm:db/sql-02".to_string(), EstimateSource::Declared),
            ("hook:db/after/1".to_string(), EstimateSource::BuiltIn),
        ]
    );
    assert_eq!(drplan::learn::apply(&mut graph, &history), 2);
    let after: Vec<(String, u64, EstimateSource)> = graph
        .steps()
        .map(|(_, s)| {
            (
                s.id.clone(),
                s.estimate.as_millis() / 1000,
                s.estimate_source,
            )
        })
        .collect();
    assert_eq!(
        after,
        [
            // 700, 900, 800, 1000, 600: the 5000 s outlier is older than the
            // last five, and the simulated and unknown vaults' 90000 s do not count.
            (
                "vm:db/sql-01".to_string(),
                800,
                EstimateSource::Learned { runs: 5 }
            ),
            ("vm:db/sql-02".to_string(), 120, EstimateSource::Declared),
            (
                "hook:db/after/1".to_string(),
                20,
                EstimateSource::Learned { runs: 5 }
            ),
        ]
    );
    // Another operation's runs teach the test failover nothing.
    let mut test = drplan::graph::build(&plan, Operation::TestFailover, None);
    assert_eq!(drplan::learn::apply(&mut test, &history), 0);
}

#[tokio::test]
async fn the_dry_run_shows_sources_and_a_worst_case() {
    let sandbox = with_history().await;
    let out = sandbox.run("failover", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    insta::assert_snapshot!("learned_dry_run", stdout(&out));
    let out = sandbox.run("failover", &["--dry-run", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["steps"][0]["estimate_source"],
        serde_json::json!({"source": "learned", "runs": 5})
    );
    // sql-01 then the hook, each at its worst: 2 × 15m + 2s backoff, then
    // 3 × 2m + 2s + 4s.
    assert_eq!(
        json["worst_case"]["estimate_s"],
        2 * 900 + 2 + 3 * 120 + 2 + 4
    );
}

#[tokio::test]
async fn check_judges_the_rto_on_learned_estimates() {
    let sandbox = with_history().await;
    // 13m20s learned for sql-01 and 20s for the hook exceed the 10m RTO,
    // which the built-in 5m and 1m fit.
    let out = sandbox.output(&["check", &sandbox.plan]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("drplan::rto_exceeded"), "{text}");
    assert!(
        text.contains("2 steps' estimates learned from past runs"),
        "{text}"
    );
    let fresh = Sandbox::with_plan("learned", PLAN);
    std::fs::copy(
        sandbox.path().join("check.sh"),
        fresh.path().join("check.sh"),
    )
    .unwrap();
    let out = fresh.output(&["check", &fresh.plan]);
    assert!(!stdout(&out).contains("rto_exceeded"), "{}", show(&out));
}

#[tokio::test]
async fn learning_reads_the_newest_runs_of_the_store_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join(".drplan"));
    for n in 1..=4 {
        write_run(&store, n, Some(1.0), 100 * n).await;
    }
    let ids = |runs: &[drplan::learn::PastRun]| -> Vec<String> {
        runs.iter().map(|r| r.state.run_id.0.clone()).collect()
    };
    let newest = drplan::learn::history::newest(&store, 2).await.unwrap();
    assert_eq!(
        ids(&newest),
        ["20270103-000000-0003", "20270104-000000-0004"]
    );
    let all = drplan::learn::history::read(&store).await;
    assert_eq!(all.len(), 4);
}
