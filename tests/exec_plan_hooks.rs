//! The plan's own hooks and notifications on a scripted vault and paused
//! time: plan-level `before` hooks run first and `after` hooks last;
//! `on_failure` hooks run once after a failed or interrupted run and never
//! after a success, without changing its status; notify targets on a
//! loopback server get Teams, Slack and JSON bodies, and one that hangs or
//! answers 500 neither holds the run up past its bound nor fails it;
//! `rto_exceeded` fires once.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use drplan::exec::{self, ExecError, Outcome, Run};
use drplan::graph::Operation;
use drplan::hooks::MapSecrets;
use drplan::journal::{Event, RunId, RunStatus, StepStatus};
use drplan::notify::{Notifier, NotifyOptions};
use drplan::provider::OperationOptions;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::exec::{Harness, records};
use crate::support::fake::MemorySink;

/// How the test endpoint answers.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Reads the request and never answers.
    Hang,
}

/// A loopback endpoint that keeps every request's path and JSON body.
struct Endpoint {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

impl Endpoint {
    async fn start(answer: Answer) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&got);
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let (path, body) = read_request(&mut socket).await;
                    seen.lock().unwrap().push((path, body));
                    match answer {
                        Answer::Status(status) => {
                            let response = format!(
                                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            );
                            let _ = socket.write_all(response.as_bytes()).await;
                            let _ = socket.shutdown().await;
                        }
                        Answer::Hang => std::future::pending::<()>().await,
                    }
                });
            }
        });
        Endpoint { addr, got }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The bodies posted to `path` as sent, in order.
    fn raw(&self, path: &str) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// The bodies posted to `path`, parsed.
    fn bodies(&self, path: &str) -> Vec<Value> {
        self.raw(path)
            .iter()
            .map(|b| serde_json::from_str(b).unwrap_or(Value::Null))
            .collect()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let path = text.split_whitespace().nth(1).unwrap_or("").to_owned();
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                return (path, body);
            }
        }
    }
    (String::new(), String::new())
}

/// Delivery bounds small enough for tests (real time, on the notifier's thread).
fn quick() -> NotifyOptions {
    NotifyOptions {
        timeout: Duration::from_millis(300),
        retries: 2,
        backoff: Duration::from_millis(10),
        drain: Duration::from_secs(2),
    }
}

/// The failover of `h`'s plan with notifications delivered under `options`.
async fn run_notified(
    h: &Harness,
    sink: &MemorySink,
    options: NotifyOptions,
    cancel: CancellationToken,
) -> Result<Outcome, ExecError> {
    let graph = h.graph(Operation::Failover);
    exec::preflight(&h.plan, &graph, &h.vault, None, h.clock.now(), false).await?;
    let secrets = MapSecrets(BTreeMap::new());
    let notifier = Notifier::start(&h.plan.notify, &secrets, options);
    assert!(notifier.is_some(), "the plan has notify targets");
    exec::execute_notified(
        Run {
            plan: &h.plan,
            graph: &graph,
            provider: &h.vault,
            hooks: &h.hooks,
            sink,
            clock: h.clock,
            cancel,
            run_id: RunId("run-1".into()),
            settings: None,
            options: OperationOptions::default(),
            parallelism: None,
            prior: None,
            seed: 7,
            vault_speed: 1.0,
            origin: None,
            machines_before: None,
        },
        notifier,
    )
    .await
}

fn plan_text(extra: &str) -> String {
    format!(
        r#"plan shop {{
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  before failover {{ webhook "https://ops.example.com/ticket"  wait 1m }}
  after failover {{ webhook "https://dns.example.com/swap" }}
  on_failure {{ webhook "https://ops.example.com/page"  wait 1m }}
  {extra}
  group db {{ vm db-01, db-02  after failover {{ wait 1m }} }}
  group app needs db {{ vm app-01 }}
}}"#
    )
}

fn calls(h: &Harness) -> Vec<String> {
    h.hooks.calls.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn plan_hooks_run_before_every_step_and_after_every_step() {
    let h = Harness::new(&plan_text(""));
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    let started: Vec<String> = records(&sink)
        .iter()
        .filter_map(|r| match &r.event {
            Event::StepStarted { step, .. } => Some(step.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(&started[..2], ["plan:before/1", "plan:before/2"]);
    assert_eq!(started.last().map(String::as_str), Some("plan:after/1"));
    // A success runs no `on_failure` hook.
    assert!(
        calls(&h).iter().all(|c| !c.contains("on_failure")),
        "{:?}",
        calls(&h)
    );
    assert_eq!(outcome.succeeded, 7);
}

#[tokio::test(start_paused = true)]
async fn on_failure_hooks_run_once_after_a_failed_run_and_leave_its_status() {
    let h = Harness::new(&plan_text(""));
    h.hooks
        .failures
        .lock()
        .unwrap()
        .insert("hook:db/after/1".into(), 1);
    // The first on_failure hook fails too: the second still runs.
    h.hooks
        .failures
        .lock()
        .unwrap()
        .insert("plan:on_failure/1".into(), 1);
    let sink = MemorySink::default();
    let outcome = h.failover(&sink).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    // Only the step that failed the run is a cause; the counts are the walk's.
    let causes: Vec<&str> = outcome.failures.iter().map(|f| f.step.as_str()).collect();
    assert_eq!(causes, ["hook:db/after/1"]);
    let calls = calls(&h);
    let on_failure: Vec<&String> = calls.iter().filter(|c| c.contains("on_failure")).collect();
    assert_eq!(on_failure, ["plan:on_failure/1", "plan:on_failure/2"]);
    assert!(calls.ends_with(&["plan:on_failure/1".into(), "plan:on_failure/2".into()]));
    let recs = records(&sink);
    // Journaled as steps, after the last step stopped and before the run's end.
    let ended: Vec<(String, StepStatus)> = recs
        .iter()
        .filter_map(|r| match &r.event {
            Event::StepFinished { step, status, .. } => Some((step.clone(), *status)),
            _ => None,
        })
        .collect();
    let n = ended.len();
    assert_eq!(
        ended[n - 2..],
        [
            ("plan:on_failure/1".to_owned(), StepStatus::Failed),
            ("plan:on_failure/2".to_owned(), StepStatus::Succeeded)
        ]
    );
    match &recs.last().unwrap().event {
        Event::RunFinished { status, counts, .. } => {
            assert_eq!(*status, RunStatus::Failed);
            assert_eq!(counts.as_ref().unwrap().failed, 1);
        }
        other => panic!("last event {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn on_failure_hooks_run_after_ctrl_c() {
    let mut h = Harness::new(&plan_text(""));
    h.hooks.hang = vec!["hook:db/after/1".into()];
    let sink = MemorySink::default();
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        stop.cancel();
    });
    let outcome = h
        .run(Operation::Failover, &sink, None, None, cancel)
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Cancelled);
    let on_failure: Vec<String> = calls(&h)
        .into_iter()
        .filter(|c| c.contains("on_failure"))
        .collect();
    assert_eq!(on_failure, ["plan:on_failure/1", "plan:on_failure/2"]);
}

#[tokio::test(start_paused = true)]
async fn notify_targets_get_teams_slack_and_json_bodies() {
    let endpoint = Endpoint::start(Answer::Status(200)).await;
    let notify = format!(
        r#"notify {{
    webhook "{}" {{ format teams  events [run_started, step_failed] }}
    webhook "{}" {{ format slack  events [approval_waiting] }}
    webhook "{}"
  }}"#,
        endpoint.url("/teams"),
        endpoint.url("/slack"),
        endpoint.url("/json"),
    );
    let text = plan_text(&notify).replace(
        "group app needs db { vm app-01 }",
        "group app needs db { vm app-01  after failover { manual \"Check the shop\"  webhook \"https://x.example.com\" on_error continue } }",
    );
    let h = Harness::new(&text);
    h.hooks
        .failures
        .lock()
        .unwrap()
        .insert("hook:app/after/2".into(), 1);
    let sink = MemorySink::default();
    let outcome = run_notified(&h, &sink, quick(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);

    let json = endpoint.bodies("/json");
    let events: Vec<&str> = json.iter().map(|b| b["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "run_started",
            "approval_waiting",
            "step_failed",
            "run_finished"
        ]
    );
    for text in endpoint.raw("/json") {
        // The schema is the document's first key.
        assert!(
            text.starts_with(r#"{"schema":"drplan.notification/1""#),
            "{text}"
        );
    }
    for body in &json {
        assert_eq!(body["plan"], "shop");
        assert_eq!(body["operation"], "failover");
        assert_eq!(body["run_id"], "run-1");
    }
    assert_eq!(json[1]["step"], "hook:app/after/1");
    assert_eq!(json[1]["approve"], "drplan approve run-1 hook:app/after/1");
    assert_eq!(json[2]["step"], "hook:app/after/2");
    assert_eq!(json[2]["error"], "exit status 1");
    assert_eq!(json[2]["tolerated"], true);
    assert_eq!(json[3]["status"], "succeeded");

    let teams = endpoint.bodies("/teams");
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[0]["@type"], "MessageCard");
    assert_eq!(teams[0]["title"], "drplan: failover of plan shop started");
    assert_eq!(
        teams[1]["title"],
        "drplan: step hook:app/after/2 failed (tolerated) in failover of plan shop"
    );
    let facts = teams[1]["sections"][0]["facts"].as_array().unwrap();
    assert!(facts.contains(&serde_json::json!({"name": "Run", "value": "run-1"})));
    assert!(facts.contains(&serde_json::json!({"name": "Error", "value": "exit status 1"})));

    let slack = endpoint.bodies("/slack");
    assert_eq!(slack.len(), 1);
    assert_eq!(
        slack[0]["text"],
        "drplan: step hook:app/after/1 of failover of plan shop waits for approval"
    );
    let fields = serde_json::to_string(&slack[0]["blocks"]).unwrap();
    assert!(
        fields.contains("drplan approve run-1 hook:app/after/1"),
        "{fields}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_endpoint_holds_the_run_up_only_for_the_bound_and_never_fails_it() {
    let endpoint = Endpoint::start(Answer::Hang).await;
    let notify = format!("notify {{ webhook \"{}\" }}", endpoint.url("/hang"));
    let h = Harness::new(&plan_text(&notify));
    let sink = MemorySink::default();
    let options = NotifyOptions {
        timeout: Duration::from_secs(3600),
        retries: 0,
        backoff: Duration::from_millis(10),
        drain: Duration::from_millis(200),
    };
    // Were the run's end not bounded, this would never return.
    let outcome = run_notified(&h, &sink, options, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    // The first notification reached the endpoint, which never answered;
    // the rest waited behind it and were given up.
    assert_eq!(endpoint.bodies("/hang").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_answering_500_is_retried_and_the_run_succeeds() {
    let endpoint = Endpoint::start(Answer::Status(500)).await;
    let notify = format!(
        "notify {{ webhook \"{}\" {{ events [run_finished] }} }}",
        endpoint.url("/down")
    );
    let h = Harness::new(&plan_text(&notify));
    let sink = MemorySink::default();
    let outcome = run_notified(&h, &sink, quick(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    // The first try and two retries.
    assert_eq!(endpoint.bodies("/down").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn rto_exceeded_fires_once_while_steps_still_run() {
    let endpoint = Endpoint::start(Answer::Status(204)).await;
    let notify = format!(
        "objectives {{ rto 30m }}\n  notify {{ webhook \"{}\" {{ events [rto_exceeded, run_finished] }} }}",
        endpoint.url("/rto")
    );
    let text = plan_text(&notify).replace(
        "after failover { wait 1m } }",
        "after failover { wait 2h } }",
    );
    let h = Harness::new(&text);
    let sink = MemorySink::default();
    run_notified(&h, &sink, quick(), CancellationToken::new())
        .await
        .unwrap();
    let events: Vec<String> = endpoint
        .bodies("/rto")
        .iter()
        .map(|b| b["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, ["rto_exceeded", "run_finished"]);
    assert_eq!(endpoint.bodies("/rto")[0]["rto_s"], 1800.0);

    // A run that ends within its RTO says nothing of it.
    let quick_endpoint = Endpoint::start(Answer::Status(204)).await;
    let notify = format!(
        "objectives {{ rto 5h }}\n  notify {{ webhook \"{}\" {{ events [rto_exceeded, run_finished] }} }}",
        quick_endpoint.url("/rto")
    );
    let h = Harness::new(&plan_text(&notify));
    run_notified(
        &h,
        &MemorySink::default(),
        quick(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let events: Vec<Value> = quick_endpoint
        .bodies("/rto")
        .iter()
        .map(|b| b["event"].clone())
        .collect();
    assert_eq!(events, ["run_finished"]);
}

#[test]
fn notify_and_on_failure_secrets_are_needed_before_the_run() {
    let plan = crate::exec::plan(
        r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
  on_failure { webhook "https://ops.example.com/page" { headers { Authorization = env("OPS_TOKEN") } } }
  notify { webhook env("TEAMS_WEBHOOK_URL") { format teams } }
  group g { vm a } }"#,
    );
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let err = drplan::exec::launch::missing_secrets(&plan, &graph, &|_| false).unwrap_err();
    match err {
        drplan::exec::launch::LaunchError::MissingSecrets { names, .. } => {
            assert_eq!(names, ["OPS_TOKEN", "TEAMS_WEBHOOK_URL"]);
        }
        other => panic!("{other}"),
    }
    assert!(drplan::exec::launch::missing_secrets(&plan, &graph, &|_| true).is_ok());
}
