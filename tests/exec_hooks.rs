//! The executor with the hooks' own runner on paused time: every attempt's
//! whole output is kept, redacted, before that attempt's retry or end; a
//! manual step's answer is journaled as `decided` before the step ends, and
//! a rejection fails the step without a retry; retry backoff follows the
//! simulated vault's speed only for what the vault carries out.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use async_trait::async_trait;
use drplan::clock::Timestamp;
use drplan::graph::Operation;
use drplan::hooks::{Approvals, HookContext, HookError, MapSecrets, RunHooks, Runner};
use drplan::journal::{Decision, Event, Record, StepStatus, Verdict};
use tokio_util::sync::CancellationToken;

use crate::exec::{Harness, records};
use crate::support::fake::{KeptAt, MemorySink};

/// Answers every manual step with one decision.
struct Answer(Verdict);

#[async_trait]
impl Approvals for Answer {
    async fn wait(&self, _: &HookContext, _: &str) -> Result<Decision, HookError> {
        Ok(Decision {
            verdict: self.0,
            by: "ana@contoso.com".into(),
            at: drplan::clock::Clock::test().now(),
            comment: Some("AG not in sync".into()),
        })
    }
}

/// Runs the failover of `h`'s plan with the real hook runner, scripts in
/// `dir`, `DB_PASS` set, manual steps answered `verdict`.
async fn run_real(h: &Harness, dir: &std::path::Path, verdict: Verdict) -> MemorySink {
    let secrets = MapSecrets(BTreeMap::from([(
        "DB_PASS".to_string(),
        "hunter2-x9".to_string(),
    )]));
    let approvals = Answer(verdict);
    let hooks = RunHooks {
        runner: Runner::new(&h.vault, &secrets, &approvals).unwrap(),
        base: RunHooks::context(
            &h.plan,
            "run-1",
            Operation::Failover,
            dir.to_path_buf(),
            1.0,
        ),
    };
    let sink = MemorySink::default();
    h.run_with(
        &hooks,
        Operation::Failover,
        &sink,
        None,
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    sink
}

/// The index of the first record matching `pred`.
fn position(records: &[Record], pred: impl Fn(&Event) -> bool) -> usize {
    records
        .iter()
        .position(|r| pred(&r.event))
        .expect("no such record")
}

#[tokio::test(start_paused = true)]
async fn every_attempts_output_is_kept_redacted_before_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    // Fails the first time, succeeds the second; prints a secret both times.
    let script = dir.path().join("sync.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"login $PASS\"\n\
         if [ -e tried ]; then echo AG SYNCHRONIZED; exit 0; fi\n\
         touch tried\necho not yet\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           group g { vm a
             after failover { script "sync.sh" { env { PASS = env("DB_PASS") }  retries 1 } } } }"#,
    );
    let sink = run_real(&h, dir.path(), Verdict::Approved).await;
    let kept = sink.kept.lock().unwrap().clone();
    let records = records(&sink);
    let step = "hook:g/after/1";
    let retry = position(
        &records,
        |e| matches!(e, Event::StepStarted { step: s, attempt: 2, .. } if s == step),
    );
    let finished = position(
        &records,
        |e| matches!(e, Event::StepFinished { step: s, .. } if s == step),
    );
    assert_eq!(
        kept,
        [
            KeptAt {
                step: step.into(),
                attempt: 1,
                text: "login ***\nnot yet\n".into(),
                after_records: kept[0].after_records,
            },
            KeptAt {
                step: step.into(),
                attempt: 2,
                text: "login ***\nAG SYNCHRONIZED\n".into(),
                after_records: kept[1].after_records,
            },
        ]
    );
    assert!(kept[0].after_records < retry, "kept before the retry");
    assert!(
        kept[1].after_records <= finished,
        "kept before step_finished"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rejection_is_journaled_and_fails_the_step_without_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           group g { vm a
             after failover { manual "check the AG" { retries 3  on_error continue } } } }"#,
    );
    let sink = run_real(&h, dir.path(), Verdict::Rejected).await;
    let records = records(&sink);
    let step = "hook:g/after/1";
    let started = records
        .iter()
        .filter(|r| matches!(&r.event, Event::StepStarted { step: s, .. } if s == step))
        .count();
    assert_eq!(started, 1, "asking again would get the same answer");
    let decided = position(&records, |e| matches!(e, Event::Decided { .. }));
    let finished = position(
        &records,
        |e| matches!(e, Event::StepFinished { step: s, .. } if s == step),
    );
    assert!(decided < finished, "decided before the step ends");
    assert_eq!(
        records[decided].event,
        Event::Decided {
            step: step.into(),
            verdict: Verdict::Rejected,
            by: "ana@contoso.com".into(),
            comment: Some("AG not in sync".into()),
        }
    );
    assert!(
        matches!(
            &records[finished].event,
            Event::StepFinished { status: StepStatus::Failed, error: Some(e), tolerated: true, .. }
                if e == "rejected by ana@contoso.com: \"AG not in sync\""
        ),
        "failed, tolerated under the step's on_error: {:?}",
        records[finished].event
    );
}

#[tokio::test(start_paused = true)]
async fn an_approval_is_journaled_once_as_decided() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           group g { vm a  after failover { manual "check the AG" } } }"#,
    );
    let sink = run_real(&h, dir.path(), Verdict::Approved).await;
    let records = records(&sink);
    let decided: Vec<_> = records
        .iter()
        .filter(|r| matches!(r.event, Event::Decided { .. }))
        .collect();
    assert_eq!(decided.len(), 1);
    assert!(matches!(
        &decided[0].event,
        Event::Decided { verdict: Verdict::Approved, by, .. } if by == "ana@contoso.com"
    ));
    // The console shows the decision; no progress line repeats it.
    assert!(!records.iter().any(|r| matches!(
        &r.event,
        Event::StepProgress { message, .. } if message.starts_with("approved by")
    )));
}

/// How long the step waited before its second attempt: from the progress
/// report of the first attempt's failure to the second `step_started`.
fn retry_wait(records: &[Record], step: &str) -> Duration {
    let at = |pred: &dyn Fn(&Event) -> bool| -> Timestamp {
        records.iter().find(|r| pred(&r.event)).unwrap().ts
    };
    let failed = at(&|e| {
        matches!(e, Event::StepProgress { step: s, message, .. }
            if s == step && message.starts_with("attempt 1 failed"))
    });
    let retried = at(&|e| matches!(e, Event::StepStarted { step: s, attempt: 2, .. } if s == step));
    retried.since(failed)
}

#[tokio::test(start_paused = true)]
async fn only_the_vaults_steps_retry_on_its_clock() {
    let mut h = Harness::new(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
           defaults { retries 1 }
           group g { vm a
             after failover {
               webhook "https://dns.example/swap"
               runbook "Start-App" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa" }
             } } }"#,
    );
    h.vault_speed = 1000.0;
    h.vault.failures.lock().unwrap().insert("a".into(), 1);
    for step in ["hook:g/after/1", "hook:g/after/2"] {
        h.hooks.failures.lock().unwrap().insert(step.into(), 1);
    }
    let sink = MemorySink::default();
    h.failover(&sink).await.unwrap();
    let records = records(&sink);
    // The first retry waits 1 to 2 s of backoff.
    let webhook = retry_wait(&records, "hook:g/after/1");
    assert!(webhook >= Duration::from_secs(1), "{webhook:?}");
    for step in ["vm:g/a", "hook:g/after/2"] {
        let scaled = retry_wait(&records, step);
        assert!(scaled <= Duration::from_millis(2), "{step}: {scaled:?}");
    }
}
