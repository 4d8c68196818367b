//! The Azure client against a tiny loopback HTTP/1.1 server written here
//! (scripted answers, every request recorded): paging, retries on paused
//! time, the unknown-outcome path of a failover, error bodies, job
//! following and runbook jobs; and the pure parts (pacing, `Retry-After`,
//! endpoints).

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
use crate::provider::{AsrOperation, Health, RecoveryPointChoice};
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

// ---------------------------------------------------------------------------
// Tests

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

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_its_retry_after() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Answer::Http(
                429,
                vec![("retry-after", "7".to_owned())],
                json!({"error": {"code": "TooManyRequests", "message": "slow down"}}).to_string(),
            )
        } else {
            ok(json!({"properties": {"vaultErrors": []}}))
        }
    })
    .await;
    let provider = server.provider();
    let started = Instant::now();
    let health = provider.vault_health().await.unwrap();
    let waited = started.elapsed();
    assert!(health.issues.is_empty());
    assert_eq!(n.load(Ordering::SeqCst), 2);
    assert!(waited >= Duration::from_secs(7), "{waited:?}");
    assert!(waited < Duration::from_secs(8), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_server_errors_is_retried_with_backoff() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => status(
            500,
            json!({"error": {"code": "InternalError", "message": "oops"}}),
        ),
        1 => status(502, json!({})),
        2 => status(503, json!({})),
        _ => ok(json!({"properties": {"vaultErrors": []}})),
    })
    .await;
    let started = Instant::now();
    server.provider().vault_health().await.unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 4);
    // Backoff 1 s, 2 s, 4 s, each with jitter in [½, 1).
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(3500) && waited < Duration::from_secs(7),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_deadline_with_the_service_message() {
    let server = Server::start(|_| {
        status(
            503,
            json!({"error": {"code": "ServiceUnavailable", "message": "ASR is down"}}),
        )
    })
    .await;
    let options = AzureOptions {
        client: ClientOptions {
            retry_deadline: Duration::from_secs(20),
            ..ClientOptions::default()
        },
        ..AzureOptions::default()
    };
    let provider = AzureProvider::with_options(
        VAULT,
        &plan(),
        &server.endpoint(),
        Credential::fixed("t", "test"),
        options,
    )
    .unwrap();
    let err = provider.vault_health().await.unwrap_err().to_string();
    assert!(
        err.contains("ASR is down") && err.contains("ServiceUnavailable") && err.contains("503"),
        "{err}"
    );
    assert!(server.requests().len() >= 3);
}

#[tokio::test]
async fn an_error_body_becomes_the_message() {
    let server = Server::start(|req| {
        if req.path.ends_with("replicationVaultHealth") {
            Answer::Http(
                403,
                vec![("x-ms-request-id", "req-123".to_owned())],
                json!({"error": {"code": "AuthorizationFailed", "message": "The client 'x' does not have authorization to perform action 'read'."}}).to_string(),
            )
        } else {
            status(404, json!({"error": {"code": "NotFound", "message": "no such job"}}))
        }
    })
    .await;
    let provider = server.provider();
    let err = provider.vault_health().await.unwrap_err().to_string();
    assert!(err.contains("does not have authorization"), "{err}");
    assert!(
        err.contains("AuthorizationFailed, HTTP 403, x-ms-request-id req-123"),
        "{err}"
    );
    let err = provider.job(&JobId("nope".into())).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::UnknownJob(JobId(ref j)) if j == "nope"),
        "{err}"
    );
    // A 403 is not retried.
    assert_eq!(server.count("GET", "replicationVaultHealth"), 1);
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

#[tokio::test]
async fn failover_posts_the_a2a_input_and_returns_the_location_job() {
    let server = failover_server(
        |_, _| {
            Answer::Http(
                202,
                vec![
                    ("location", format!("http://x{VAULT}/replicationJobs/job-7/operationresults/job-7?api-version=2026-05-01")),
                    ("retry-after", "30".to_owned()),
                ],
                String::new(),
            )
        },
        Value::Null,
    )
    .await;
    let options = OperationOptions {
        recovery_point: RecoveryPointChoice::LatestProcessed,
        shutdown_source: false,
        test_network: None,
    };
    let job = server
        .provider()
        .start(&target("db-01"), Operation::Failover, &options)
        .await
        .unwrap();
    assert_eq!(job, JobId("job-7".into()));
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        post.path.ends_with("/item-db-01/unplannedFailover"),
        "{}",
        post.path
    );
    assert_eq!(
        post.json(),
        json!({"properties": {
            "failoverDirection": "PrimaryToRecovery",
            "sourceSiteOperations": "NotRequired",
            "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": "/rp/new"}
        }})
    );
}

#[tokio::test]
async fn test_failover_and_cleanup_bodies() {
    let server = failover_server(
        |req, _| {
            let job = if req.path.ends_with("testFailover") {
                "tfo-1"
            } else {
                "cleanup-1"
            };
            Answer::Http(
                202,
                vec![("x-ms-request-id", format!("{VAULT}/replicationJobs/{job}"))],
                String::new(),
            )
        },
        protected("db-01", "item-db-01"),
    )
    .await;
    let provider = server.provider();
    let mut options = OperationOptions {
        recovery_point: RecoveryPointChoice::Latest,
        ..OperationOptions::default()
    };
    let err = provider
        .start(&target("db-01"), Operation::TestFailover, &options)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("test.network"), "{err}");
    options.test_network = Some("/vnet/iso".into());
    let job = provider
        .start(&target("db-01"), Operation::TestFailover, &options)
        .await
        .unwrap();
    assert_eq!(job.0, "tfo-1");
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.json(),
        json!({"properties": {
            "failoverDirection": "PrimaryToRecovery",
            "networkType": "VmNetworkAsInput",
            "networkId": "/vnet/iso",
            "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": null}
        }})
    );
    // Cleanup is refused: the item does not allow it.
    let err = provider
        .start(&target("db-01"), Operation::TestCleanup, &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::NotAllowed { .. }), "{err}");
    assert!(
        err.to_string().contains("it needs TestFailoverCleanup"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failover_post_with_an_unknown_outcome_reads_the_item_and_is_never_resent() {
    let after = item(
        "db-01",
        "item-db-01",
        "Primary",
        &[],
        Some(("UnplannedFailover", "job-42")),
    );
    let server = failover_server(|_, _| Answer::Hangup, after).await;
    let job = server
        .provider()
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(job.0, "job-42");
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_with_no_job_on_the_item_is_an_error_not_a_resend() {
    let server = failover_server(
        |_, _| {
            status(
                502,
                json!({"error": {"code": "BadGateway", "message": "gateway"}}),
            )
        },
        protected("db-01", "item-db-01"),
    )
    .await;
    let err = server
        .provider()
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("outcome is unknown"), "{err}");
    assert!(err.contains("does not re-send"), "{err}");
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_failover_post_is_resent() {
    let server = failover_server(
        |_, n| {
            if n == 0 {
                Answer::Http(429, vec![("retry-after", "3".to_owned())], "{}".to_owned())
            } else {
                Answer::Http(
                    202,
                    vec![(
                        "location",
                        format!("http://x{VAULT}/operationresults/job-9"),
                    )],
                    String::new(),
                )
            }
        },
        Value::Null,
    )
    .await;
    let job = server
        .provider()
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(job.0, "job-9");
    assert_eq!(server.count("POST", "unplannedFailover"), 2);
}

/// A token source whose every token is new: `token-0`, `token-1`, …
#[derive(Debug, Default)]
struct Renewing {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for Renewing {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(azure_core::credentials::AccessToken::new(
            format!("token-{n}"),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// ARM's answer to an expired token.
fn expired_token() -> Answer {
    Answer::Http(
        401,
        vec![(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="The access token has expired""#
                .to_owned(),
        )],
        json!({"error": {"code": "ExpiredAuthenticationToken", "message": "The access token expiry UTC time is earlier than current UTC time."}})
            .to_string(),
    )
}

/// A vault whose failover POST refuses `token-0` and anything fixed as expired.
async fn expiring_failover_server() -> Server {
    failover_server(
        |req, _| {
            if req.headers.get("authorization").map(String::as_str) == Some("Bearer token-1") {
                Answer::Http(
                    202,
                    vec![(
                        "location",
                        format!("http://x{VAULT}/operationresults/job-5"),
                    )],
                    String::new(),
                )
            } else {
                expired_token()
            }
        },
        Value::Null,
    )
    .await
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_failover_post_resent() {
    let server = expiring_failover_server().await;
    let source = Arc::new(Renewing::default());
    let credential = Credential::from_source(source.clone(), "renewing");
    let job = server
        .provider_as(credential)
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(job.0, "job-5");
    let posts: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.headers["authorization"].clone())
        .collect();
    // Refused before acting, so re-sending the POST starts one failover.
    assert_eq!(posts, ["Bearer token-0", "Bearer token-1"]);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_expired_fixed_token_says_to_get_a_new_one_and_resume() {
    let server = expiring_failover_server().await;
    let err = server
        .provider_as(Credential::fixed(
            "old-token",
            "the bearer token in DRPLAN_ACCESS_TOKEN",
        ))
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap_err()
        .to_string();
    for expected in [
        "access token expired",
        "ExpiredAuthenticationToken",
        "DRPLAN_ACCESS_TOKEN",
        "drplan resume",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in {err}");
    }
    assert!(!err.contains("old-token"), "{err}");
    // The same token again would be refused the same way: not sent.
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_not_by_every_request_in_flight() {
    let source = Arc::new(Renewing::default());
    let credential = Credential::from_source(source.clone(), "renewing");
    let first = credential.token().await.unwrap();
    credential.invalidate_if(&first).await;
    let second = credential.token().await.unwrap();
    // A request that also failed with the first token finds it replaced.
    credential.invalidate_if(&first).await;
    assert_eq!(credential.token().await.unwrap(), second);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn follow_reports_progress_and_waiting_for_input_until_the_end() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |req| {
        if req.path.ends_with("/replicationProtectedItems") {
            return ok(items_page());
        }
        if req.path.ends_with("item-db-01") {
            return ok(protected("db-01", "item-db-01"));
        }
        let tasks_running = [
            ("Prerequisites check", "Succeeded"),
            ("Failover", "InProgress"),
            ("Start VM", "NotStarted"),
        ];
        let tasks_done = [
            ("Prerequisites check", "Succeeded"),
            ("Failover", "Succeeded"),
            ("Start VM", "Succeeded"),
        ];
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "InProgress",
                &tasks_running,
            )),
            2 => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "Suspended",
                &tasks_running,
            )),
            _ => ok(job_body(
                "job-1",
                "UnplannedFailover",
                "Succeeded",
                &tasks_done,
            )),
        }
    })
    .await;
    let provider = server.provider();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let started = Instant::now();
    let job = provider
        .follow(&JobId("job-1".into()), &move |p: Progress| {
            log.lock().unwrap().push(p);
        })
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.percent, Some(100));
    assert_eq!(job.vm, "db-01");
    // Read while running from the primary region: a failover, and it stays so.
    assert_eq!(job.operation, Operation::Failover);
    assert_eq!(job.ended.unwrap().to_string(), "2026-01-01T00:09:00.000Z");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].percent, Some(33));
    assert_eq!(seen[0].message, "Failover");
    assert!(seen[1].message.starts_with("waiting for input"), "{seen:?}");
    // Polled at 2 s, 5 s, then 15 s.
    assert_eq!(started.elapsed(), Duration::from_secs(2 + 5 + 15));
}

#[tokio::test]
async fn a_started_job_keeps_its_operation_and_shows_its_errors() {
    let server = Server::start(|req| {
        if req.path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if req.path.ends_with("item-db-01") {
            ok(protected("db-01", "item-db-01"))
        } else if req.method == "POST" {
            Answer::Http(
                202,
                vec![(
                    "location",
                    format!("http://x{VAULT}/operationresults/job-5"),
                )],
                String::new(),
            )
        } else if req.path.ends_with("/recoveryPoints") {
            ok(json!({"value": []}))
        } else {
            ok(job_body(
                "job-5",
                "UnplannedFailover",
                "Failed",
                &[("Failover", "Failed")],
            ))
        }
    })
    .await;
    let provider = server.provider();
    let id = provider
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    let job = provider.job(&id).await.unwrap();
    assert_eq!(job.operation, Operation::Failover);
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.errors.len(), 2);
    assert_eq!(job.errors[0].code.as_deref(), Some("70094"));
    assert_eq!(
        job.errors[0].recommended_action.as_deref(),
        Some("Raise the quota.")
    );
    assert_eq!(job.errors[1].code.as_deref(), Some("1234"));
}

#[tokio::test]
async fn jobs_keeps_the_plan_items_newest_first() {
    let server = Server::start(|req| {
        if req.path.ends_with("/replicationProtectedItems") {
            return ok(json!({"value": [
                item("db-01", "item-db-01", "Recovery", &["Commit"], None),
                protected("app-01", "item-app-01"),
            ]}));
        }
        let mut old = job_body("j-old", "UnplannedFailover", "Succeeded", &[]);
        old["properties"]["startTime"] = json!("2025-12-01T00:00:00Z");
        let mut commit = job_body("j-commit", "CommitFailover", "InProgress", &[]);
        commit["properties"]["startTime"] = json!("2026-01-02T00:00:00Z");
        let new = job_body("j-new", "UnplannedFailover", "Succeeded", &[]);
        let mut other = job_body("j-other", "AddProtectionProfile", "Succeeded", &[]);
        other["properties"]["targetObjectId"] = json!("policy");
        other["properties"]["targetObjectName"] = json!("policy");
        ok(json!({"value": [old, other, new, commit]}))
    })
    .await;
    let jobs = server
        .provider()
        .jobs(&[target("db-01"), target("app-01")])
        .await
        .unwrap();
    let names: Vec<(&str, Operation)> = jobs
        .iter()
        .map(|j| (j.id.0.as_str(), j.operation))
        .collect();
    assert_eq!(
        names,
        [
            ("j-commit", Operation::Commit),
            ("j-new", Operation::Failover),
            ("j-old", Operation::Failback),
        ]
    );
    assert!(jobs.iter().all(|j| j.vm == "db-01"));
}

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

#[tokio::test]
async fn next_links_to_another_host_are_refused() {
    let server = Server::start(|_| {
        ok(json!({"value": [], "nextLink": "https://evil.example/steal?api-version=1"}))
    })
    .await;
    let err = server
        .provider()
        .machines(&[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("another host"), "{err}");
}

#[test]
fn describe_names_the_vault_and_credential_never_the_token() {
    let endpoint = Endpoint::public().unwrap();
    let provider = AzureProvider::new(
        VAULT,
        &plan(),
        &endpoint,
        Credential::fixed("s3cret", "test token"),
    )
    .unwrap();
    let text = provider.describe();
    assert!(
        text.contains("shop-vault") && text.contains("test token"),
        "{text}"
    );
    assert!(!text.contains("s3cret") && !format!("{provider:?}").contains("s3cret"));
    let err = AzureProvider::new(
        "/subscriptions/x/vaults/v",
        &plan(),
        &endpoint,
        Credential::fixed("t", "t"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a Recovery Services vault id"), "{err}");
}

#[test]
fn the_token_bucket_paces_bursts_at_the_refill_rate() {
    let now = Instant::now();
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 3,
            per_second: 2.0,
        },
        now,
    );
    let waits: Vec<Duration> = (0..6).map(|_| bucket.take(now)).collect();
    assert_eq!(waits, [0, 0, 0, 500, 1000, 1500].map(Duration::from_millis));
    // Two seconds later the debt of three is paid and one token is back.
    let later = now + Duration::from_secs(2);
    assert_eq!(bucket.take(later), Duration::ZERO);
    assert_eq!(bucket.take(later), Duration::from_millis(500));
    // ARM says only 0 are left: the next request waits a refill.
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 250,
            per_second: 25.0,
        },
        now,
    );
    bucket.observe_remaining(0, now);
    assert_eq!(bucket.take(now), Duration::from_millis(40));
    // A high remaining count never adds tokens beyond the bucket's own.
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 1,
            per_second: 1.0,
        },
        now,
    );
    bucket.observe_remaining(11_999, now);
    assert_eq!(bucket.take(now), Duration::ZERO);
    assert_eq!(bucket.take(now), Duration::from_secs(1));
}

#[test]
fn retry_after_takes_seconds_or_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(parse_retry_after("12", now), Some(Duration::from_secs(12)));
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn backoff_doubles_with_jitter_and_honours_retry_after() {
    let base = Duration::from_secs(1);
    let max = Duration::from_secs(60);
    for random in [0, u64::MAX / 3, u64::MAX] {
        let d = retry_delay(3, None, base, max, random);
        assert!(
            d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
            "{d:?}"
        );
        let d = retry_delay(30, None, base, max, random);
        assert!(d >= Duration::from_secs(30) && d <= max, "{d:?}");
        let d = retry_delay(1, Some(Duration::from_secs(10)), base, max, random);
        assert!(
            d >= Duration::from_secs(10) && d <= Duration::from_secs(11),
            "{d:?}"
        );
    }
}

#[test]
fn endpoints_come_from_the_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let e = Endpoint::from_env(&env(&[])).unwrap();
    assert_eq!(e.resource_manager.as_str(), "https://management.azure.com/");
    assert_eq!(e.scope(), "https://management.azure.com/.default");
    assert_eq!(e.cloud(), Cloud::Public);
    let e = Endpoint::from_env(&env(&[(CLOUD_VAR, "china")])).unwrap();
    assert_eq!(
        e.resource_manager.as_str(),
        "https://management.chinacloudapi.cn/"
    );
    assert_eq!(e.cloud(), Cloud::China);
    let e = Endpoint::from_env(&env(&[(ARM_ENDPOINT_VAR, "http://127.0.0.1:8080")])).unwrap();
    assert_eq!(e.resource_manager.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(e.audience, "http://127.0.0.1:8080/");
    assert_eq!(e.scope(), "http://127.0.0.1:8080/.default");
    let e = Endpoint::from_env(&env(&[(
        ARM_ENDPOINT_VAR,
        "https://management.usgovcloudapi.net",
    )]))
    .unwrap();
    assert_eq!(e.cloud(), Cloud::UsGovernment);
    assert_eq!(e.audience, "https://management.usgovcloudapi.net/");
    let err = Endpoint::from_env(&env(&[(CLOUD_VAR, "mars")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DRPLAN_CLOUD") && err.contains("usgov"),
        "{err}"
    );
    let err = Endpoint::from_env(&env(&[(ARM_ENDPOINT_VAR, "not a url")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains(ARM_ENDPOINT_VAR), "{err}");
}

#[test]
fn guids_are_version_4_and_fresh() {
    let a = client::new_guid();
    let b = client::new_guid();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
}
