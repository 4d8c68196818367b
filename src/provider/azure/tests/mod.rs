//! The Azure client against a tiny loopback HTTP/1.1 server written here
//! (scripted answers, every request recorded), one module per concept:
//! the client itself (paging, retries on paused time, error bodies, pacing,
//! `Retry-After`, endpoints), finding items, starting operations (and the
//! unknown-outcome path of a failover), tokens, following jobs, runbook
//! jobs, updating target settings, the inventory reads (Microsoft's example
//! answers, from `tests/fixtures/azure-api/`) and 403s. This module holds
//! the server and the payloads they share.

mod configure;
mod forbidden;
mod inventory;
mod items;
mod jobs;
mod operations;
mod runbook;
mod token;
mod transport;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::Instant;

use super::client::{parse_retry_after, retry_delay};
use super::*;
use crate::plan::Plan;
use crate::provider::{AsrOperation, Health, JobState, Location, RecoveryPoint};
use crate::source::SourceFile;

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";
const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr/providers/Microsoft.Automation/automationAccounts/aa";

const PLAN: &str = r#"
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group db {
    vm db-01
    vm db-02 { item "db-02-replica" }
  }
  group app needs db {
    vm app-01
  }
}
"#;

fn plan() -> Plan {
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", PLAN));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

fn target(vm: &str) -> Target {
    let item = if vm == "db-02" { "db-02-replica" } else { vm };
    Target {
        vm: vm.into(),
        item: item.into(),
        group: "g".into(),
    }
}

// ---------------------------------------------------------------------------
// The loopback server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Req {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

enum Answer {
    Http(u16, Vec<(&'static str, String)>, String),
    /// Read the request, close without a word: the outcome is unknown.
    Hangup,
}

#[allow(clippy::needless_pass_by_value)] // callers build the body in place
fn ok(body: Value) -> Answer {
    Answer::Http(200, Vec::new(), body.to_string())
}

#[allow(clippy::needless_pass_by_value)] // callers build the body in place
fn status(code: u16, body: Value) -> Answer {
    Answer::Http(code, Vec::new(), body.to_string())
}

type Handler = Arc<dyn Fn(&Req) -> Answer + Send + Sync>;

struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Req) -> Answer + Send + Sync + 'static) -> Server {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut read = BufReader::new(read);
                    let Some(req) = read_request(&mut read).await else {
                        return;
                    };
                    log.lock().unwrap().push(req.clone());
                    match handler(&req) {
                        Answer::Http(code, headers, body) => {
                            let mut head = format!(
                                "HTTP/1.1 {code} X\r\ncontent-length: {}\r\nconnection: close\r\ncontent-type: application/json\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                let _ = write!(head, "{k}: {v}\r\n");
                            }
                            head.push_str("\r\n");
                            let _ = write.write_all(head.as_bytes()).await;
                            let _ = write.write_all(body.as_bytes()).await;
                            let _ = write.shutdown().await;
                        }
                        Answer::Hangup => drop(write),
                    }
                });
            }
        });
        Server { base, seen }
    }

    fn requests(&self) -> Vec<Req> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, method: &str, path_end: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.ends_with(path_end))
            .count()
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint {
            resource_manager: url::Url::parse(&self.base).unwrap(),
            audience: self.base.clone(),
        }
    }

    fn provider(&self) -> AzureProvider {
        self.provider_as(Credential::fixed("t0k3n", "test token"))
    }

    fn provider_as(&self, credential: Credential) -> AzureProvider {
        let options = AzureOptions {
            client: ClientOptions {
                retry_deadline: Duration::from_secs(600),
                ..ClientOptions::default()
            },
            ..AzureOptions::default()
        };
        AzureProvider::with_options(VAULT, &plan(), &self.endpoint(), credential, options).unwrap()
    }
}

async fn read_request<R: tokio::io::AsyncBufRead + Unpin>(read: &mut R) -> Option<Req> {
    let mut line = String::new();
    read.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        read.read_line(&mut h).await.ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    read.read_exact(&mut body).await.ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Req {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

// ---------------------------------------------------------------------------
// Payloads

fn item_id(name: &str) -> String {
    format!(
        "{VAULT}/replicationFabrics/weu/replicationProtectionContainers/weu-c/replicationProtectedItems/{name}"
    )
}

fn item(
    friendly: &str,
    name: &str,
    active: &str,
    allowed: &[&str],
    scenario: Option<(&str, &str)>,
) -> Value {
    let (scenario_name, job) = scenario.unwrap_or(("None", "None"));
    json!({
        "id": item_id(name),
        "name": name,
        "properties": {
            "friendlyName": friendly,
            "protectionState": if allowed.contains(&"Commit") { "UnplannedFailoverCommitPendingStatesBegin" } else { "Protected" },
            "activeLocation": active,
            "allowedOperations": allowed,
            "replicationHealth": "Warning",
            "healthErrors": [{
                "errorCode": "150097",
                "errorCategory": "VersionExpiry",
                "errorLevel": "Warning",
                "errorMessage": "The Site Recovery extension is out of date.",
                "recommendedAction": "Update the extension."
            }],
            "lastSuccessfulTestFailoverTime": "2026-01-02T03:04:05Z",
            "currentScenario": {"scenarioName": scenario_name, "jobId": format!("{VAULT}/replicationJobs/{job}")},
            "policyId": "/policy",
            "recoveryContainerId": "/recovery-container",
            "providerSpecificDetails": {"instanceType": "A2A", "rpoInSeconds": 42}
        }
    })
}

fn protected(friendly: &str, name: &str) -> Value {
    item(
        friendly,
        name,
        "Primary",
        &["UnplannedFailover", "TestFailover", "DisableProtection"],
        None,
    )
}

fn job_body(name: &str, scenario: &str, state: &str, tasks: &[(&str, &str)]) -> Value {
    json!({
        "id": format!("{VAULT}/replicationJobs/{name}"),
        "name": name,
        "properties": {
            "scenarioName": scenario,
            "friendlyName": "Failover",
            "state": state,
            "startTime": "2026-01-01T00:00:00Z",
            "endTime": if state == "Succeeded" || state == "Failed" { json!("2026-01-01T00:09:00Z") } else { Value::Null },
            "targetObjectId": "item-db-01",
            "targetObjectName": "db-01",
            "allowedActions": if state == "Suspended" { json!(["Resume", "Cancel"]) } else { json!([]) },
            "tasks": tasks.iter().map(|(n, s)| json!({"name": n, "friendlyName": n, "state": s})).collect::<Vec<_>>(),
            "errors": if state == "Failed" { json!([{
                "serviceErrorDetails": {"code": "70094", "message": "The VM could not be started.", "possibleCauses": "Quota.", "recommendedAction": "Raise the quota."},
                "providerErrorDetails": {"errorCode": 1234, "errorMessage": "Start failed in the recovery region."}
            }]) } else { json!([]) }
        }
    })
}

/// A vault with three items: db-01, the replica of db-02, app-01.
fn items_page() -> Value {
    json!({"value": [
        protected("db-01", "item-db-01"),
        protected("db-02-replica", "item-db-02"),
        protected("app-01", "item-app-01"),
    ]})
}

/// A vault where db-01 can fail over; the POST answers with `post`.
async fn failover_server(
    post: impl Fn(&Req, usize) -> Answer + Send + Sync + 'static,
    after: Value,
) -> Server {
    let posts = AtomicUsize::new(0);
    Server::start(move |req| {
        let path = req.path.as_str();
        if path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if path.ends_with("/recoveryPoints") {
            ok(json!({"value": [
                {"id": "/rp/old", "properties": {"recoveryPointTime": "2026-01-01T00:00:00Z", "recoveryPointType": "ApplicationConsistent"}},
                {"id": "/rp/new", "properties": {"recoveryPointTime": "2026-01-01T00:05:00Z", "recoveryPointType": "CrashConsistent"}}
            ]}))
        } else if req.method == "POST" {
            post(req, posts.fetch_add(1, Ordering::SeqCst))
        } else if path.ends_with("item-db-01") {
            if posts.load(Ordering::SeqCst) == 0 {
                ok(protected("db-01", "item-db-01"))
            } else {
                ok(after.clone())
            }
        } else {
            status(404, json!({"error": {"code": "NotFound", "message": path}}))
        }
    })
    .await
}

/// Starts db-01's failover with the plan's default options.
async fn failover_db01(provider: &AzureProvider) -> Result<JobId, ProviderError> {
    provider
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
}
