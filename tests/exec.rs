//! The executor on a scripted vault and paused tokio time: dependency order
//! in both directions, parallelism bounds, retries, timeouts, abort,
//! continue and skip, preflight refusal, and resume after a crash at every
//! step boundary without starting any VM operation twice.

use std::collections::HashMap;
use std::time::Duration;

use drplan::clock::{Clock, Timestamp};
use drplan::exec::{self, ExecError, Outcome, Run};
use drplan::graph::{Operation, StepGraph};
use drplan::journal::{Event, Record, RunId, RunState, RunStatus, SkipReason, StepStatus};
use drplan::plan::Plan;
use drplan::provider::{Location, OperationOptions};
use drplan::source::SourceFile;
use tokio_util::sync::CancellationToken;

use crate::support::fake::{FakeHooks, FakeVault, MemorySink};

pub(crate) fn plan(text: &str) -> Plan {
    let (plan, diagnostics) = drplan::compile(&SourceFile::new("test.drplan", text));
    assert!(
        !diagnostics.iter().any(drplan::Diagnostic::is_error),
        "{diagnostics:?}"
    );
    plan.unwrap()
}

const SHOP: &str = r#"
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  defaults { retries 0 }
  group db { vm db-01, db-02
    after failover, test { wait 1m }
    before failback { wait 2m } }
  group cache { vm cache-01 }
  group app needs db, cache { parallelism 2
    vm app-01, app-02, app-03
    vm app-04 { needs app-01 } }
  group web needs app { vm web-01, web-02
    after failover { webhook "https://dns.example/swap" } }
}
"#;

/// A small plan for kill-at-every-event tests: two groups, a hook, a retry.
pub(crate) const SMALL: &str = r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
    defaults { retries 1 }
    group db { vm db-01, db-02  after failover { wait 1m } }
    group app needs db { parallelism 1  vm app-01, app-02 } }"#;

pub(crate) struct Harness {
    pub(crate) plan: Plan,
    pub(crate) vault: FakeVault,
    pub(crate) hooks: FakeHooks,
    pub(crate) clock: Clock,
    /// The vault's speed (`Run::vault_speed`): 1 unless a test sets it.
    pub(crate) vault_speed: f64,
}

impl Harness {
    pub(crate) fn new(text: &str) -> Self {
        let clock = Clock::test();
        Self {
            plan: plan(text),
            vault: FakeVault::new(clock),
            hooks: FakeHooks::default(),
            clock,
            vault_speed: 1.0,
        }
    }

    pub(crate) fn graph(&self, op: Operation) -> StepGraph {
        drplan::graph::build(&self.plan, op, None)
    }

    pub(crate) async fn run(
        &self,
        op: Operation,
        sink: &MemorySink,
        prior: Option<&RunState>,
        parallelism: Option<u32>,
        cancel: CancellationToken,
    ) -> Result<Outcome, ExecError> {
        self.run_with(&self.hooks, op, sink, prior, parallelism, cancel)
            .await
    }

    /// [`Harness::run`] with other hooks than the fake ones.
    pub(crate) async fn run_with(
        &self,
        hooks: &dyn exec::HookRunner,
        op: Operation,
        sink: &MemorySink,
        prior: Option<&RunState>,
        parallelism: Option<u32>,
        cancel: CancellationToken,
    ) -> Result<Outcome, ExecError> {
        let graph = self.graph(op);
        exec::preflight(
            &self.plan,
            &graph,
            &self.vault,
            prior,
            self.clock.now(),
            false,
        )
        .await?;
        exec::execute(Run {
            plan: &self.plan,
            graph: &graph,
            provider: &self.vault,
            hooks,
            sink,
            clock: self.clock,
            cancel,
            run_id: RunId("run-1".into()),
            settings: None,
            options: OperationOptions::default(),
            parallelism,
            prior,
            seed: 7,
            vault_speed: self.vault_speed,
            machines_before: None,
            origin: None,
        })
        .await
    }
}

impl Harness {
    /// A failover with nothing special: no earlier part, no cap, no Ctrl-C.
    pub(crate) async fn failover(&self, sink: &MemorySink) -> Result<Outcome, ExecError> {
        self.run(
            Operation::Failover,
            sink,
            None,
            None,
            CancellationToken::new(),
        )
        .await
    }

    /// Resumes the failover whose events `from` holds; the new events and the outcome.
    pub(crate) async fn resume(
        &self,
        from: &MemorySink,
    ) -> (MemorySink, Result<Outcome, ExecError>) {
        let state = RunState::replay(&records(from)).unwrap();
        let resumed = MemorySink::default();
        let outcome = self
            .run(
                Operation::Failover,
                &resumed,
                Some(&state),
                None,
                CancellationToken::new(),
            )
            .await;
        (resumed, outcome)
    }
}

pub(crate) fn records(sink: &MemorySink) -> Vec<Record> {
    sink.records.lock().unwrap().clone()
}

/// (start, end) of every step's last attempt.
fn spans(records: &[Record]) -> HashMap<String, (Timestamp, Timestamp)> {
    let mut start = HashMap::new();
    let mut out = HashMap::new();
    for r in records {
        match &r.event {
            Event::StepStarted { step, .. } => {
                start.entry(step.clone()).or_insert(r.ts);
            }
            Event::StepFinished { step, status, .. } if *status != StepStatus::Skipped => {
                out.insert(step.clone(), (start[step], r.ts));
            }
            _ => {}
        }
    }
    out
}

fn finished(records: &[Record]) -> HashMap<String, (StepStatus, Option<SkipReason>)> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::StepFinished {
                step,
                status,
                reason,
                ..
            } => Some((step.clone(), (*status, *reason))),
            _ => None,
        })
        .collect()
}

fn assert_order(graph: &StepGraph, records: &[Record]) {
    let spans = spans(records);
    for (from, to) in graph.edges() {
        let (a, b) = (&graph.step(from).id, &graph.step(to).id);
        assert!(spans[a].1 <= spans[b].0, "{b} started before {a} finished");
    }
    assert_eq!(spans.len(), graph.step_count());
}

#[tokio::test(start_paused = true)]
async fn failover_follows_the_graph_and_failback_walks_it_reversed() {
    let h = Harness::new(SHOP);
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_order(&h.graph(Operation::Failover), &records(&sink));
    // db (5m + 1m wait) and cache in parallel, app in two waves of 5m
    // (app-04 after app-01), web 5m + 1s webhook: 6 + 10 + 5 min + 1 s.
    assert_eq!(outcome.duration, Duration::from_secs(21 * 60 + 1));

    let back = MemorySink::default();
    let outcome = h
        .run(
            Operation::Failback,
            &back,
            None,
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    let graph = h.graph(Operation::Failback);
    assert_order(&graph, &records(&back));
    let spans = spans(&records(&back));
    assert!(spans["vm:web/web-01"].1 <= spans["vm:app/app-01"].0);
    assert!(
        spans["vm:app/app-04"].1 <= spans["vm:app/app-01"].0,
        "VM needs are reversed too"
    );
    assert!(spans["vm:app/app-01"].1 <= spans["hook:db/before/1"].0);
    let books = h.vault.books.lock().unwrap();
    assert!(books.active.values().all(|l| *l == Location::Primary));
}

#[tokio::test(start_paused = true)]
async fn parallelism_bounds_each_group_and_the_run_cap_bounds_all() {
    let text = r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
      group a { parallelism 3  vm a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 }
      group b { parallelism 4  vm b1, b2, b3, b4, b5, b6, b7, b8 } }"#;
    let h = Harness::new(text);
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    {
        let books = h.vault.books.lock().unwrap();
        assert_eq!(books.max_running["a"], 3);
        assert_eq!(books.max_running["b"], 4);
        assert_eq!(books.max_total, 7);
    }
    // 10 VMs three at a time: four rounds of 5 minutes.
    assert_eq!(outcome.duration, Duration::from_secs(20 * 60));

    let h = Harness::new(text);
    let sink = MemorySink::default();
    h.run(
        Operation::Failover,
        &sink,
        None,
        Some(2),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let books = h.vault.books.lock().unwrap();
    assert_eq!(books.max_total, 2);
    assert!(books.max_running["a"] <= 2 && books.max_running["b"] <= 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_vm_is_retried_with_backoff_after_reading_its_state() {
    let h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           defaults { retries 2 }  group g { vm v1, v2 } }"#,
    );
    h.vault.failures.lock().unwrap().insert("v1".into(), 2);
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    let starts = h.vault.starts();
    assert_eq!(starts.iter().filter(|(vm, _)| vm == "v1").count(), 3);
    let attempts: Vec<u32> = records(&sink)
        .iter()
        .filter_map(|r| match &r.event {
            Event::StepStarted { step, attempt, .. } if step == "vm:g/v1" => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    // Three 5-minute attempts and two backoffs of 1–2 s and 2–4 s.
    let d = outcome.duration;
    assert!(
        d >= Duration::from_secs(903) && d <= Duration::from_secs(906),
        "{d:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn failure_under_abort_skips_dependents_and_reports_only_the_cause() {
    let h = Harness::new(SHOP);
    h.vault.failures.lock().unwrap().insert("db-02".into(), 1);
    // cache-01 takes longer than db-02: it is running when db-02 fails and
    // must finish and be recorded.
    let mut h = h;
    h.vault
        .durations
        .insert("cache-01".into(), Duration::from_secs(600));
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(outcome.failures.len(), 1, "only the root cause");
    let failure = &outcome.failures[0];
    assert_eq!(failure.step, "vm:db/db-02");
    assert_eq!(
        failure.failure.recommended_action.as_deref(),
        Some("retry, or pick another VM size")
    );
    let fin = finished(&records(&sink));
    assert_eq!(fin["vm:cache/cache-01"].0, StepStatus::Succeeded);
    assert_eq!(fin["vm:db/db-01"].0, StepStatus::Succeeded);
    assert_eq!(
        fin["hook:db/after/1"],
        (StepStatus::Skipped, Some(SkipReason::UpstreamFailed))
    );
    assert_eq!(
        fin["vm:app/app-01"],
        (StepStatus::Skipped, Some(SkipReason::UpstreamFailed))
    );
    assert_eq!(
        fin["hook:web/after/1"],
        (StepStatus::Skipped, Some(SkipReason::UpstreamFailed))
    );
    assert_eq!(outcome.skipped, 8);
    assert!(!h.vault.starts().iter().any(|(vm, _)| vm.starts_with("app")));
}

#[tokio::test(start_paused = true)]
async fn abort_stops_independent_branches_that_had_not_started() {
    let mut h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           group a { vm a1 }  group b { parallelism 1  vm b1, b2 } }"#,
    );
    h.vault.failures.lock().unwrap().insert("a1".into(), 1);
    h.vault
        .durations
        .insert("a1".into(), Duration::from_secs(60));
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    let fin = finished(&records(&sink));
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(
        fin["vm:b/b1"].0,
        StepStatus::Succeeded,
        "running steps finish"
    );
    assert_eq!(
        fin["vm:b/b2"],
        (StepStatus::Skipped, Some(SkipReason::Aborted))
    );
}

#[tokio::test(start_paused = true)]
async fn on_error_continue_tolerates_a_failure_and_dependents_run() {
    let h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           group a { vm a1  after failover { webhook "https://x.example/hook" { on_error continue  retries 1 } } }
           group b needs a { vm b1 } }"#,
    );
    h.hooks
        .failures
        .lock()
        .unwrap()
        .insert("hook:a/after/1".into(), 5);
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.failures.len(), 1);
    assert!(outcome.failures[0].tolerated);
    assert_eq!(
        outcome.failures[0].failure.output.as_deref(),
        Some("listener did not answer")
    );
    let fin = finished(&records(&sink));
    assert_eq!(fin["hook:a/after/1"].0, StepStatus::Failed);
    assert_eq!(fin["vm:b/b1"].0, StepStatus::Succeeded);
    assert_eq!(h.hooks.calls.lock().unwrap().len(), 2, "one retry");
}

#[tokio::test(start_paused = true)]
async fn timeouts_stop_hooks_and_stop_waiting_for_vm_jobs() {
    let mut h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           defaults { timeout 10m  on_error continue }
           group a { vm a1, a2  after failover { manual "check" { timeout 2m } } } }"#,
    );
    h.vault.hang.push("a1".into());
    h.hooks.hang.push("hook:a/after/1".into());
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    let fin = finished(&records(&sink));
    assert_eq!(fin["vm:a/a1"].0, StepStatus::Failed);
    assert_eq!(fin["vm:a/a2"].0, StepStatus::Succeeded);
    assert_eq!(fin["hook:a/after/1"].0, StepStatus::Failed);
    let messages: Vec<&str> = outcome
        .failures
        .iter()
        .map(|f| f.failure.message.as_str())
        .collect();
    assert!(
        messages[0].starts_with("timed out after 10m; the vault's job goes on"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("timed out after 2m"),
        "{messages:?}"
    );
    assert_eq!(outcome.duration, Duration::from_secs(12 * 60));
}

#[tokio::test(start_paused = true)]
async fn a_resume_after_a_timed_out_vm_follows_its_job_instead_of_refusing() {
    // `slow` takes 20 minutes, its step gives up waiting after 10.
    let harness = || {
        let mut h = Harness::new(
            r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
               defaults { timeout 10m }  group g { vm slow, quick } }"#,
        );
        h.vault
            .durations
            .insert("slow".into(), Duration::from_secs(20 * 60));
        h
    };
    for later in [Duration::ZERO, Duration::from_secs(3600)] {
        let h = harness();
        let sink = MemorySink::default();
        let outcome = h.failover(&sink).await.unwrap();
        assert_eq!(outcome.status, RunStatus::Failed);
        // Resumed at once, the job still runs and is followed; an hour
        // later it has ended and counts as done.
        tokio::time::sleep(later).await;
        let (_, outcome) = h.resume(&sink).await;
        let outcome = outcome.unwrap();
        assert_eq!(
            outcome.status,
            RunStatus::Succeeded,
            "resumed after {later:?}"
        );
        assert_eq!(
            h.vault.starts().len(),
            2,
            "one failover per VM: {:?}",
            h.vault.starts()
        );
        let expected = if later.is_zero() {
            Duration::from_secs(600)
        } else {
            Duration::ZERO
        };
        assert_eq!(outcome.duration, expected, "resumed after {later:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn preflight_refuses_naming_every_machine_not_ready() {
    let h = Harness::new(SHOP);
    {
        let mut books = h.vault.books.lock().unwrap();
        books.active.insert("app-02".into(), Location::Recovery);
        books.active.insert("web-01".into(), Location::Recovery);
    }
    let sink = MemorySink::default();
    let err = h.failover(&sink).await.unwrap_err();
    let ExecError::NotReady(blocked) = err else {
        panic!("{err}")
    };
    let names: Vec<&str> = blocked
        .findings
        .iter()
        .filter_map(|b| b.vm.as_deref())
        .collect();
    assert_eq!(names, ["app-02", "web-01"]);
    assert_eq!(blocked.blockers, 2);
    assert!(
        blocked.findings[0].message.contains(
            "it runs in the recovery region and replicates back: fail it back (run `failback`)"
        ),
        "{}",
        blocked.findings[0].message
    );
    assert!(records(&sink).is_empty(), "nothing was done");
    assert!(h.vault.starts().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_crash_at_any_event_resumes_without_starting_a_vm_twice() {
    let text = SMALL;
    let total = {
        let h = Harness::new(text);
        let sink = MemorySink::default();
        h.failover(&sink).await.unwrap();
        records(&sink).len()
    };
    for crash_after in 1..total {
        let h = Harness::new(text);
        let sink = MemorySink {
            crash_after: Some(crash_after),
            ..MemorySink::default()
        };
        let first = h.failover(&sink).await;
        assert!(
            matches!(first, Err(ExecError::Journal(_))),
            "crash after {crash_after}"
        );
        // Time passes while nobody watches: jobs in flight may finish.
        tokio::time::sleep(Duration::from_secs(if crash_after % 2 == 0 {
            600
        } else {
            1
        }))
        .await;
        let (resumed, outcome) = h.resume(&sink).await;
        let outcome = outcome.unwrap_or_else(|e| panic!("resume after {crash_after}: {e}"));
        assert_eq!(
            outcome.status,
            RunStatus::Succeeded,
            "crash after {crash_after}"
        );
        let starts = h.vault.starts();
        for vm in ["db-01", "db-02", "app-01", "app-02"] {
            let n = starts.iter().filter(|(v, _)| v == vm).count();
            assert_eq!(
                n, 1,
                "{vm} started {n} times after a crash at event {crash_after}"
            );
        }
        assert!(
            h.vault
                .books
                .lock()
                .unwrap()
                .active
                .values()
                .all(|l| *l == Location::Recovery)
        );
        // Steps that succeeded before the crash are not run again.
        let before = finished(&records(&sink));
        let after = finished(&records(&resumed));
        for (step, (status, _)) in &before {
            if *status == StepStatus::Succeeded {
                assert!(
                    !after.contains_key(step),
                    "{step} ran again after a crash at {crash_after}"
                );
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn cancel_records_what_runs_and_resume_follows_its_jobs() {
    let h = Harness::new(SHOP);
    let sink = MemorySink::default();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(120)).await;
        trigger.cancel();
    });
    let outcome = h
        .run(Operation::Failover, &sink, None, None, cancel)
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Cancelled);
    assert_eq!(
        outcome.in_flight,
        ["vm:db/db-01", "vm:db/db-02", "vm:cache/cache-01"]
    );
    let recs = records(&sink);
    assert!(matches!(
        recs.last().map(|r| &r.event),
        Some(Event::RunFinished {
            status: RunStatus::Cancelled,
            ..
        })
    ));
    let state = RunState::replay(&recs).unwrap();
    assert!(state.steps["vm:db/db-01"].in_flight);
    assert!(state.steps["vm:db/db-01"].job.is_some());
    let (_, outcome) = h.resume(&sink).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    let starts = h.vault.starts();
    assert_eq!(starts.len(), 9, "one operation per VM: {starts:?}");
    // The resumed db VMs were followed, not restarted: they end at 5 minutes.
    assert_eq!(outcome.duration, Duration::from_secs(19 * 60 + 1));
}
