//! The emulator's HTTP surface: a request in; authentication, throttling and
//! injected faults applied, the path routed, the api-version checked, the
//! request translated into simulated-vault calls, and an ARM-shaped answer
//! out. One fallback handler routes by hand, because ARM paths are
//! case-insensitive and must answer 404 and 405 with ARM error bodies.
//!
//! Error statuses the public material does not give are ours *(inferred)*:
//! an operation the item's state does not allow answers 409
//! `OperationNotAllowed` with the simulator's reason (allowed operations
//! included); a malformed body answers 400 `InvalidRequestContent`; a
//! finished failed job's `Location` answers 400 with the job's error.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::{Budget, Verdict, status_code_name};
use super::json::{self, EmuItem, ItemContext, arm_error, fnv1a, guid, page};
use super::{API_VERSIONS, Connection, Emu, automation};
use crate::graph::Operation;
use crate::provider::{
    AsrOperation, Job, JobId, JobState, Location, Machine, OperationOptions, Provider,
    ProviderError, RecoveryPointChoice, Target,
};

/// Items per page of `replicationProtectedItems`: small, so clients must
/// follow `nextLink`.
const ITEMS_PAGE: usize = 3;

/// Jobs per page of `replicationJobs`.
const JOBS_PAGE: usize = 5;

/// ASR's `Retry-After` for a running operation, before the speed divides it
/// (as in the examples).
const ASR_RETRY_AFTER_S: f64 = 30.0;

/// The router: everything goes through [`dispatch`].
pub(super) fn router(state: Arc<Emu>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// An answer being built.
struct Reply {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: ReplyBody,
}

enum ReplyBody {
    Json(Value),
    Text(String),
    Empty,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: ReplyBody::Json(body),
        }
    }

    fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, arm_error(code, message))
    }

    fn empty(status: u16) -> Reply {
        Reply {
            body: ReplyBody::Empty,
            ..Reply::json(status, Value::Null)
        }
    }

    fn header(mut self, name: &'static str, value: &(impl ToString + ?Sized)) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    fn into_response(self) -> Response {
        let mut response = match self.body {
            ReplyBody::Json(value) => (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                value.to_string(),
            )
                .into_response(),
            ReplyBody::Text(text) => {
                ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
            }
            ReplyBody::Empty => Body::empty().into_response(),
        };
        *response.status_mut() = self.status;
        for (name, value) in self.headers {
            // Every value here is ASCII we built; one that is not is left out.
            if let Ok(value) = HeaderValue::try_from(value) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

impl From<ProviderError> for Reply {
    fn from(e: ProviderError) -> Reply {
        match &e {
            ProviderError::UnknownMachine { .. } | ProviderError::UnknownJob(_) => {
                Reply::error(404, "ResourceNotFound", &e.to_string())
            }
            ProviderError::NotAllowed { .. } => {
                Reply::error(409, "OperationNotAllowed", &e.to_string())
            }
            _ => Reply::error(500, "InternalServerError", &e.to_string()),
        }
    }
}

/// Every request: answers it and stamps `x-ms-request-id`.
async fn dispatch(
    State(emu): State<Arc<Emu>>,
    ConnectInfo(conn): ConnectInfo<Connection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = emu.requests.fetch_add(1, Ordering::Relaxed);
    let reply = emu.answer(&conn, &method, &uri, &headers, &body).await;
    let reply = if reply.headers.iter().any(|(h, _)| *h == "x-ms-request-id") {
        reply
    } else {
        reply.header("x-ms-request-id", &guid(fnv1a("request"), n))
    };
    reply.into_response()
}

/// The bearer token of a request: any non-empty one is accepted.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Items,
    Item(usize),
    Action(usize, Action),
    RecoveryPoints(usize),
    RecoveryPoint(usize, String),
    Jobs,
    Job(String),
    VaultHealth,
    Events,
    OperationResult(String),
    OperationStatus(String),
    AutomationJob(usize, String),
    AutomationOutput(usize, String),
    AutomationStreams(usize, String),
    AutomationStream(usize, String, String),
    /// The plan's test network (Microsoft.Network), so clients can check it exists.
    TestNetwork,
}

/// The item actions, by their path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    UnplannedFailover,
    PlannedFailover,
    TestFailover,
    TestFailoverCleanup,
    FailoverCommit,
    FailoverCancel,
    ReProtect,
}

impl Action {
    const ALL: [(Action, &'static str); 7] = [
        (Action::UnplannedFailover, "unplannedFailover"),
        (Action::PlannedFailover, "plannedFailover"),
        (Action::TestFailover, "testFailover"),
        (Action::TestFailoverCleanup, "testFailoverCleanup"),
        (Action::FailoverCommit, "failoverCommit"),
        (Action::FailoverCancel, "failoverCancel"),
        (Action::ReProtect, "reProtect"),
    ];

    fn parse(segment: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(segment))
            .map(|(a, _)| *a)
    }
}

impl Route {
    fn methods(&self) -> &'static [Method] {
        match self {
            Route::Action(..) => &[Method::POST],
            Route::AutomationJob(..) => &[Method::GET, Method::PUT],
            _ => &[Method::GET],
        }
    }

    fn is_automation(&self) -> bool {
        matches!(
            self,
            Route::AutomationJob(..)
                | Route::AutomationOutput(..)
                | Route::AutomationStreams(..)
                | Route::AutomationStream(..)
        )
    }
}

/// Whether `segments` start with the ARM id `id`'s segments, ignoring case;
/// the rest when they do.
fn strip<'a, 'b>(segments: &'b [&'a str], id: &str) -> Option<&'b [&'a str]> {
    let prefix: Vec<&str> = id.trim_matches('/').split('/').collect();
    if segments.len() < prefix.len() {
        return None;
    }
    let (head, rest) = segments.split_at(prefix.len());
    head.iter()
        .zip(&prefix)
        .all(|(a, b)| a.eq_ignore_ascii_case(b))
        .then_some(rest)
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Microsoft.Network api-versions the test network answers to.
const NETWORK_API_VERSIONS: [&str; 4] = ["2023-09-01", "2023-11-01", "2024-03-01", "2024-05-01"];

impl Emu {
    /// The test network as Microsoft.Network shows a virtual network.
    fn test_network_json(&self) -> serde_json::Value {
        let id = self.test_network.clone().unwrap_or_default();
        let name = id.rsplit('/').next().unwrap_or_default().to_owned();
        serde_json::json!({
            "id": id,
            "name": name,
            "type": "Microsoft.Network/virtualNetworks",
            "properties": {"provisioningState": "Succeeded",
                           "addressSpace": {"addressPrefixes": ["10.99.0.0/16"]}}
        })
    }

    fn route(&self, path: &str) -> Result<Route, String> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let not_found = || format!("The resource path '{path}' was not found.");
        if let Some(rest) = strip(&segments, &self.names.vault) {
            return self.vault_route(rest).ok_or_else(not_found)?;
        }
        if let Some(network) = &self.test_network
            && strip(&segments, network).is_some_and(<[&str]>::is_empty)
        {
            return Ok(Route::TestNetwork);
        }
        for (i, account) in self.automation.accounts().iter().enumerate() {
            if let Some(rest) = strip(&segments, &account.id) {
                let owned = |s: &str| s.to_owned();
                return match rest {
                    [j, name] if eq(j, "jobs") => Ok(Route::AutomationJob(i, owned(name))),
                    [j, name, o] if eq(j, "jobs") && eq(o, "output") => {
                        Ok(Route::AutomationOutput(i, owned(name)))
                    }
                    [j, name, s] if eq(j, "jobs") && eq(s, "streams") => {
                        Ok(Route::AutomationStreams(i, owned(name)))
                    }
                    [j, name, s, id] if eq(j, "jobs") && eq(s, "streams") => {
                        Ok(Route::AutomationStream(i, owned(name), owned(id)))
                    }
                    _ => Err(not_found()),
                };
            }
        }
        Err(not_found())
    }

    /// A path below the vault; `Some(Err)` names an unknown item.
    fn vault_route(&self, rest: &[&str]) -> Option<Result<Route, String>> {
        let route = match rest {
            [p] if eq(p, "replicationProtectedItems") => Route::Items,
            [j] if eq(j, "replicationJobs") => Route::Jobs,
            [j, id] if eq(j, "replicationJobs") => Route::Job(id.to_ascii_lowercase()),
            [h] if eq(h, "replicationVaultHealth") => Route::VaultHealth,
            [e] if eq(e, "replicationEvents") => Route::Events,
            [o, id] if eq(o, "operationresults") => Route::OperationResult(id.to_ascii_lowercase()),
            [o, id] if eq(o, "replicationOperationStatus") => {
                Route::OperationStatus(id.to_ascii_lowercase())
            }
            [fabrics, fabric, containers, container, items, rest @ ..]
                if eq(fabrics, "replicationFabrics")
                    && eq(containers, "replicationProtectionContainers")
                    && eq(items, "replicationProtectedItems")
                    && eq(fabric, &self.names.fabric(Location::Primary))
                    && eq(container, &self.names.container(Location::Primary)) =>
            {
                if rest.is_empty() {
                    return Some(Ok(Route::Items));
                }
                let name = rest[0];
                let Some(index) = self.items.iter().position(|it| eq(&it.name, name)) else {
                    return Some(Err(format!(
                        "The replication protected item '{name}' was not found in the vault."
                    )));
                };
                match &rest[1..] {
                    [] => Route::Item(index),
                    [points] if eq(points, "recoveryPoints") => Route::RecoveryPoints(index),
                    [points, id] if eq(points, "recoveryPoints") => {
                        Route::RecoveryPoint(index, (*id).to_owned())
                    }
                    [action] => Route::Action(index, Action::parse(action)?),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(Ok(route))
    }

    async fn answer(
        &self,
        conn: &Connection,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Reply {
        let Some(principal) = bearer(headers) else {
            return Reply::error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
            )
            .header(
                "WWW-Authenticate",
                &r#"Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token""#,
            );
        };
        if self.http.expired(principal) {
            // ARM's answer to a token past its expiry (spec: asr-model.md).
            return Reply::error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            )
            .header(
                "WWW-Authenticate",
                &r#"Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token has expired""#,
            );
        }
        let write = !matches!(*method, Method::GET | Method::HEAD);
        let (remaining_header, kind) = if write {
            ("x-ms-ratelimit-remaining-subscription-writes", "write")
        } else {
            ("x-ms-ratelimit-remaining-subscription-reads", "read")
        };
        let remaining = match self.http.budget(principal, write) {
            Budget::Off => None,
            Budget::Remaining(n) => Some(n),
            Budget::Throttled(wait) => {
                self.stats.throttled();
                return Reply::error(
                    429,
                    "SubscriptionRequestsThrottled",
                    &format!(
                        "Number of '{kind}' requests for subscription '{}' exceeded. Please try again after '{wait}' seconds after the additional tokens are available.",
                        self.names.subscription
                    ),
                )
                .header("Retry-After", &wait)
                .header(remaining_header, &0);
            }
        };
        self.stats.count(write);
        let reply = match self.http.verdict(write, uri.path()) {
            Verdict::Serve => self.handle(method, uri, headers, body).await,
            Verdict::Fail {
                status,
                retry_after_s,
            } => {
                let reply = Reply::error(
                    status,
                    status_code_name(status),
                    "Injected by the emulator's fault file (http).",
                );
                match retry_after_s {
                    Some(s) => reply.header("Retry-After", &s),
                    None => reply,
                }
            }
            Verdict::Drop { after_processing } => {
                let reply = if after_processing {
                    self.handle(method, uri, headers, body).await
                } else {
                    Reply::empty(500)
                };
                conn.cut();
                reply
            }
        };
        match remaining {
            Some(n) => reply.header(remaining_header, &n),
            None => reply,
        }
    }

    async fn handle(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Reply {
        let path = uri.path();
        let route = match self.route(path) {
            Ok(route) => route,
            Err(message) => return Reply::error(404, "ResourceNotFound", &message),
        };
        if !route.methods().contains(method) {
            let allowed: Vec<&str> = route.methods().iter().map(Method::as_str).collect();
            return Reply::error(
                405,
                "MethodNotAllowed",
                &format!(
                    "The HTTP method '{method}' is not supported at '{path}'; use {}.",
                    allowed.join(" or ")
                ),
            )
            .header("Allow", &allowed.join(", "));
        }
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let versions: &[&str] = if route.is_automation() {
            &automation::API_VERSIONS
        } else if route == Route::TestNetwork {
            &NETWORK_API_VERSIONS
        } else {
            &API_VERSIONS
        };
        let api = match param("api-version") {
            None => {
                return Reply::error(
                    400,
                    "MissingApiVersionParameter",
                    &format!(
                        "The api-version query parameter (?api-version=) is required for all requests; supported versions: {}.",
                        versions.join(", ")
                    ),
                );
            }
            Some(v) if !versions.contains(&v) => {
                return Reply::error(
                    400,
                    "InvalidApiVersionParameter",
                    &format!(
                        "The api-version '{v}' is invalid. The supported versions are '{}'.",
                        versions.join(",")
                    ),
                );
            }
            Some(v) => v.to_owned(),
        };
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let link = Link {
            base: format!("http://{host}"),
            path: path.to_owned(),
            api,
        };
        let skip = param("$skipToken").map(str::to_owned);
        self.serve_route(route, method, body, &link, skip.as_deref())
            .await
            .unwrap_or_else(Reply::from)
    }

    async fn serve_route(
        &self,
        route: Route,
        method: &Method,
        body: &[u8],
        link: &Link,
        skip: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        let now = self.clock.now();
        Ok(match route {
            Route::Items => self.items(link, skip).await?,
            Route::Item(i) => self.one_item(i).await?,
            Route::Action(i, action) => self.action(i, action, body, link).await?,
            Route::RecoveryPoints(i) => self.recovery_points(i, None)?,
            Route::RecoveryPoint(i, id) => self.recovery_points(i, Some(&id))?,
            Route::Jobs => self.jobs(link, skip).await?,
            Route::Job(id) => self.one_job(&id).await?,
            Route::VaultHealth => self.vault_health().await?,
            Route::Events => Reply::ok(page(Vec::new(), None)),
            Route::OperationResult(id) => self.operation_result(&id, link).await?,
            Route::OperationStatus(id) => self.operation_status(&id).await?,
            Route::AutomationJob(a, name) => self.automation_job(method, a, &name, body),
            Route::AutomationOutput(a, name) => {
                refused(self.automation.output(a, &name, now).map(|text| Reply {
                    status: StatusCode::OK,
                    headers: Vec::new(),
                    body: ReplyBody::Text(text),
                }))
            }
            Route::AutomationStreams(a, name) => {
                refused(self.automation.streams(a, &name, now).map(Reply::ok))
            }
            Route::AutomationStream(a, name, id) => {
                refused(self.automation.stream(a, &name, &id, now).map(Reply::ok))
            }
            Route::TestNetwork => Reply::ok(self.test_network_json()),
        })
    }

    /// ASR's 30-second `Retry-After` divided by the speed (0 at high speeds).
    fn retry_after_s(&self) -> u64 {
        // A small non-negative number: at most 30.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s = (ASR_RETRY_AFTER_S / self.speed).round().clamp(0.0, 30.0) as u64;
        s
    }

    fn targets(&self, indices: impl Iterator<Item = usize>) -> Vec<Target> {
        indices
            .filter_map(|i| self.items.get(i).map(|it| it.target.clone()))
            .collect()
    }

    fn item_of_vm(&self, vm: &str) -> Option<&EmuItem> {
        self.items.iter().find(|it| it.target.vm == vm)
    }

    /// The JSON of the items at `indices`.
    async fn item_values(&self, indices: &[usize]) -> Result<Vec<Value>, ProviderError> {
        let targets = self.targets(indices.iter().copied());
        let machines = self.sim.machines(&targets).await?;
        let jobs = self.sim.jobs(&targets).await?;
        let now = self.clock.now();
        Ok(indices
            .iter()
            .zip(&machines)
            .filter_map(|(i, m)| {
                let item = self.items.get(*i)?;
                Some(self.item_value(item, m, &jobs, now))
            })
            .collect())
    }

    fn item_value(
        &self,
        item: &EmuItem,
        m: &Machine,
        jobs: &[Job],
        now: crate::clock::Timestamp,
    ) -> Value {
        let current = m
            .current_job
            .as_ref()
            .and_then(|id| jobs.iter().find(|j| &j.id == id));
        // Jobs come newest first.
        let last_failover = jobs.iter().find(|j| {
            j.vm == m.vm
                && matches!(j.operation, Operation::Failover | Operation::Failback)
                && j.state == JobState::Succeeded
        });
        json::item(
            &self.names,
            item,
            m,
            &ItemContext {
                current,
                last_failover,
                now,
            },
        )
    }

    async fn items(&self, link: &Link, skip: Option<&str>) -> Result<Reply, ProviderError> {
        let start = match skip.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) if n <= self.items.len() => n,
            Some(_) => return Ok(bad_skip_token()),
        };
        let end = (start + ITEMS_PAGE).min(self.items.len());
        let indices: Vec<usize> = (start..end).collect();
        let values = self.item_values(&indices).await?;
        let next = (end < self.items.len()).then(|| link.next(&end.to_string()));
        Ok(Reply::ok(page(values, next)))
    }

    async fn one_item(&self, i: usize) -> Result<Reply, ProviderError> {
        let mut values = self.item_values(&[i]).await?;
        Ok(Reply::ok(values.pop().unwrap_or(Value::Null)))
    }

    fn recovery_points(&self, i: usize, one: Option<&str>) -> Result<Reply, ProviderError> {
        let Some(item) = self.items.get(i) else {
            return Ok(Reply::error(404, "ResourceNotFound", "No such item."));
        };
        let points = self.sim.recovery_points(&item.target)?;
        let values: Vec<Value> = points
            .iter()
            .filter(|p| one.is_none_or(|id| eq(id, &p.id)))
            .map(|p| json::recovery_point(&self.names, item, p))
            .collect();
        Ok(match one {
            None => Reply::ok(page(values, None)),
            Some(id) => match values.into_iter().next() {
                Some(v) => Reply::ok(v),
                None => Reply::error(
                    404,
                    "ResourceNotFound",
                    &format!(
                        "The recovery point '{id}' was not found (points older than a few minutes are replaced by newer ones)."
                    ),
                ),
            },
        })
    }

    fn job_value(&self, job: &Job) -> Result<Value, ProviderError> {
        let tasks = self.sim.job_tasks(&job.id)?;
        let item = self
            .item_of_vm(&job.vm)
            .cloned()
            .unwrap_or_else(|| EmuItem {
                target: Target {
                    vm: job.vm.clone(),
                    item: job.vm.clone(),
                    group: String::new(),
                },
                name: job.vm.clone(),
            });
        Ok(json::job(&self.names, &item, job, &tasks))
    }

    async fn jobs(&self, link: &Link, skip: Option<&str>) -> Result<Reply, ProviderError> {
        // `$filter` is accepted and ignored: every job of the vault is listed.
        let all = self.sim.jobs(&self.targets(0..self.items.len())).await?;
        // The token is the last job of the previous page: new jobs come
        // first, so the pages after it do not shift.
        let start = match skip {
            None => 0,
            Some(token) => match all.iter().position(|j| eq(&j.id.0, token)) {
                Some(i) => i + 1,
                None => return Ok(bad_skip_token()),
            },
        };
        let end = (start + JOBS_PAGE).min(all.len());
        let mut values = Vec::new();
        for job in all.get(start..end).unwrap_or_default() {
            values.push(self.job_value(job)?);
        }
        let next = (end < all.len())
            .then(|| all.get(end - 1).map(|j| link.next(&j.id.0)))
            .flatten();
        Ok(Reply::ok(page(values, next)))
    }

    async fn one_job(&self, id: &str) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        Ok(Reply::ok(self.job_value(&job)?))
    }

    async fn vault_health(&self) -> Result<Reply, ProviderError> {
        let targets = self.targets(0..self.items.len());
        let machines = self.sim.machines(&targets).await?;
        let vault = self.sim.vault_health().await?;
        let pairs: Vec<(EmuItem, Machine)> = self.items.iter().cloned().zip(machines).collect();
        Ok(Reply::ok(json::vault_health(
            &self.names,
            &vault.issues,
            &pairs,
            self.clock.now(),
        )))
    }

    async fn operation_result(&self, id: &str, link: &Link) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        if !job.state.is_terminal() {
            return Ok(Reply::empty(202)
                .header("Location", &link.here())
                .header("Retry-After", &self.retry_after_s()));
        }
        if job.state == JobState::Succeeded {
            let Some(i) = self.items.iter().position(|it| it.target.vm == job.vm) else {
                return Ok(Reply::empty(204));
            };
            return self.one_item(i).await;
        }
        let (code, message) = job_error(&job);
        Ok(Reply::json(
            400,
            json!({"error": {"code": code, "message": message, "details": error_details(&job)}}),
        ))
    }

    async fn operation_status(&self, id: &str) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        let status = match job.state {
            JobState::Succeeded => "Succeeded",
            JobState::Failed => "Failed",
            JobState::Cancelled => "Canceled",
            _ => "InProgress",
        };
        let mut body = json!({
            "id": format!("{}/replicationOperationStatus/{}", self.names.vault, job.id),
            "name": job.id.0,
            "status": status,
            "startTime": job.started.to_string(),
            "endTime": job.ended.map(|t| t.to_string()),
            "percentComplete": job.percent,
        });
        if matches!(job.state, JobState::Failed | JobState::Cancelled) {
            let (code, message) = job_error(&job);
            if let Some(obj) = body.as_object_mut() {
                obj.insert(
                    "error".into(),
                    json!({"code": code, "message": message, "details": error_details(&job)}),
                );
            }
        }
        let mut reply = Reply::ok(body);
        if !job.state.is_terminal() {
            reply = reply.header("Retry-After", &self.retry_after_s());
        }
        Ok(reply)
    }

    async fn action(
        &self,
        i: usize,
        action: Action,
        body: &[u8],
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let Some(item) = self.items.get(i) else {
            return Ok(Reply::error(404, "ResourceNotFound", "No such item."));
        };
        let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return Ok(bad_input(&format!("The request body is not JSON: {e}."))),
            }
        };
        let machine = self
            .sim
            .machines(std::slice::from_ref(&item.target))
            .await?
            .pop()
            .ok_or_else(|| ProviderError::Service("the simulated vault lost an item".into()))?;
        let (operation, options) = match self.translate(action, &input, &machine) {
            Ok(t) => t,
            Err(reply) => return Ok(reply),
        };
        let job = self.sim.start(&item.target, operation, &options).await?;
        let vault = &self.names.vault;
        Ok(Reply::empty(202)
            .header(
                "Location",
                &format!(
                    "{}{vault}/operationresults/{job}?api-version={}",
                    link.base, link.api
                ),
            )
            .header(
                "Azure-AsyncOperation",
                &format!(
                    "{}{vault}/replicationOperationStatus/{job}?api-version={}",
                    link.base, link.api
                ),
            )
            .header("Retry-After", &self.retry_after_s())
            // spec: asr-model.md: `x-ms-request-id` carries the job's ARM id.
            .header("x-ms-request-id", &self.names.job_id(&job.0)))
    }

    /// An action's body, checked, as a simulator operation and its options.
    fn translate(
        &self,
        action: Action,
        input: &Value,
        machine: &Machine,
    ) -> Result<(Operation, OperationOptions), Reply> {
        let mut options = OperationOptions::default();
        let operation = match action {
            Action::PlannedFailover => {
                return Err(Reply::error(
                    400,
                    "OperationNotSupported",
                    "Planned failover is not supported for Azure-to-Azure (A2A) items; use unplannedFailover with sourceSiteOperations `Required` to shut the source down first.",
                ));
            }
            Action::FailoverCancel => {
                return Err(Reply::error(
                    400,
                    "OperationNotSupported",
                    "failoverCancel applies to planned failovers, which Azure-to-Azure (A2A) items do not have; commit the failover, or fail back.",
                ));
            }
            Action::UnplannedFailover => {
                let props = properties(input)?;
                require_a2a(props)?;
                let from = direction(props)?;
                options.shutdown_source = match props
                    .get("sourceSiteOperations")
                    .and_then(Value::as_str)
                {
                    Some("Required") => true,
                    None | Some("NotRequired") => false,
                    Some(other) => {
                        return Err(bad(&format!(
                            "`sourceSiteOperations` `{other}` is not `Required` or `NotRequired`."
                        )));
                    }
                };
                let point = optional_string(
                    props
                        .get("providerSpecificDetails")
                        .and_then(|d| d.get("recoveryPointId")),
                    "recoveryPointId",
                )?;
                options.recovery_point = match point {
                    None => RecoveryPointChoice::Latest,
                    Some(id) if self.is_app_consistent(machine, &id) => {
                        RecoveryPointChoice::LatestAppConsistent
                    }
                    Some(_) => RecoveryPointChoice::LatestProcessed,
                };
                // The simulator refuses a failover from the side the item
                // does not run on.
                match from {
                    Location::Primary => Operation::Failover,
                    Location::Recovery => Operation::Failback,
                }
            }
            Action::TestFailover => {
                let props = properties(input)?;
                require_a2a(props)?;
                let from = direction(props)?;
                let network = optional_string(props.get("networkId"), "networkId")?
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        bad("`properties.networkId` is required: the isolated network to test in.")
                    })?;
                optional_string(props.get("networkType"), "networkType")?;
                wrong_side(machine, from, AsrOperation::TestFailover)?;
                options.test_network = Some(network);
                Operation::TestFailover
            }
            Action::TestFailoverCleanup => {
                optional_string(properties(input)?.get("comments"), "comments")?;
                Operation::TestCleanup
            }
            Action::FailoverCommit => {
                if !(input.is_null() || input.is_object()) {
                    return Err(bad("The request body is empty or a JSON object."));
                }
                Operation::Commit
            }
            Action::ReProtect => {
                self.check_reprotect(input, machine)?;
                Operation::Reprotect
            }
        };
        Ok((operation, options))
    }

    /// Checks a `reProtect` body: A2A input naming the other region's container.
    fn check_reprotect(&self, input: &Value, machine: &Machine) -> Result<(), Reply> {
        let props = properties(input)?;
        require_a2a(props)?;
        let from = direction(props)?;
        let details = props.get("providerSpecificDetails").unwrap_or(&Value::Null);
        let container = optional_string(details.get("recoveryContainerId"), "recoveryContainerId")?
            .ok_or_else(|| {
                bad("`providerSpecificDetails.recoveryContainerId` is required (the item's `recoveryContainerId`).")
            })?;
        let expected = self.names.container_id(machine.active_location.other());
        if !eq(&container, &expected) {
            return Err(bad(&format!(
                "`recoveryContainerId` `{container}` is not the protection container of the other region: `{expected}`."
            )));
        }
        optional_string(
            details.get("recoveryResourceGroupId"),
            "recoveryResourceGroupId",
        )?;
        optional_string(details.get("policyId"), "policyId")?;
        if details
            .get("vmDisks")
            .is_some_and(|d| !d.is_array() && !d.is_null())
        {
            return Err(bad("`vmDisks` is a list."));
        }
        wrong_side(machine, from, AsrOperation::ReverseReplicate)
    }

    fn is_app_consistent(&self, machine: &Machine, id: &str) -> bool {
        self.items
            .iter()
            .find(|it| it.target.vm == machine.vm)
            .and_then(|it| self.sim.recovery_points(&it.target).ok())
            .is_some_and(|points| {
                points
                    .iter()
                    .any(|p| p.app_consistent && id.to_ascii_lowercase().ends_with(&p.id))
            })
    }

    fn automation_job(&self, method: &Method, account: usize, name: &str, body: &[u8]) -> Reply {
        let now = self.clock.now();
        if *method == Method::GET {
            return refused(self.automation.get(account, name, now).map(Reply::ok));
        }
        let input: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Reply::error(
                    400,
                    "BadRequest",
                    &format!("The request body is not JSON: {e}."),
                );
            }
        };
        refused(
            self.automation
                .create(&self.sim, account, name, &input, now)
                .map(|(status, body)| Reply::json(status, body)),
        )
    }
}

fn bad(message: &str) -> Reply {
    bad_input(message)
}

/// The body's `properties` object.
fn properties(input: &Value) -> Result<&Value, Reply> {
    input
        .get("properties")
        .filter(|p| p.is_object())
        .ok_or_else(|| bad("The request body needs a `properties` object."))
}

/// Checks `providerSpecificDetails.instanceType` is `A2A`.
fn require_a2a(props: &Value) -> Result<(), Reply> {
    let kind = props
        .get("providerSpecificDetails")
        .and_then(|d| d.get("instanceType"))
        .and_then(Value::as_str);
    match kind {
        Some("A2A") => Ok(()),
        Some(other) => Err(bad(&format!(
            "`providerSpecificDetails.instanceType` is `{other}`, but the item replicates Azure to Azure: use `A2A`."
        ))),
        None => Err(bad(
            "`properties.providerSpecificDetails.instanceType` is required (`A2A`).",
        )),
    }
}

/// The side `failoverDirection` starts from.
fn direction(props: &Value) -> Result<Location, Reply> {
    match props.get("failoverDirection").and_then(Value::as_str) {
        Some("PrimaryToRecovery") => Ok(Location::Primary),
        Some("RecoveryToPrimary") => Ok(Location::Recovery),
        Some(other) => Err(bad(&format!(
            "`failoverDirection` `{other}` is not `PrimaryToRecovery` or `RecoveryToPrimary`."
        ))),
        None => Err(bad(
            "`properties.failoverDirection` is required (`PrimaryToRecovery` or `RecoveryToPrimary`).",
        )),
    }
}

fn optional_string(v: Option<&Value>, name: &str) -> Result<Option<String>, Reply> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(&format!("`{name}` is a string."))),
    }
}

/// The direction names the side the item runs on: a mismatch is a state
/// conflict, reported like the simulator's refusals. Left to the simulator
/// when the operation is not allowed anyway, so its reason comes first.
fn wrong_side(machine: &Machine, from: Location, needed: AsrOperation) -> Result<(), Reply> {
    if from == machine.active_location || !machine.allows(needed) {
        return Ok(());
    }
    Err(Reply::error(
        409,
        "OperationNotAllowed",
        &format!(
            "{}: the item runs in the {} region, so the direction is {}.",
            machine.vm,
            json::location(machine.active_location).to_ascii_lowercase(),
            direction_name(machine.active_location)
        ),
    ))
}

fn refused(result: Result<Reply, automation::Refusal>) -> Reply {
    result.unwrap_or_else(|(status, code, message)| Reply::error(status, code, &message))
}

fn direction_name(from: Location) -> &'static str {
    match from {
        Location::Primary => "PrimaryToRecovery",
        Location::Recovery => "RecoveryToPrimary",
    }
}

fn bad_input(message: &str) -> Reply {
    Reply::error(400, "InvalidRequestContent", message)
}

fn bad_skip_token() -> Reply {
    Reply::error(
        400,
        "InvalidSkipToken",
        "The $skipToken is not one this list gave; start the list again without it.",
    )
}

/// A failed job's error code and message.
fn job_error(job: &Job) -> (String, String) {
    job.errors.first().map_or_else(
        || {
            (
                "JobCancelled".to_owned(),
                format!("The job {} was cancelled.", job.id),
            )
        },
        |e| {
            (
                e.code.clone().unwrap_or_else(|| "JobFailed".to_owned()),
                e.message.clone(),
            )
        },
    )
}

fn error_details(job: &Job) -> Vec<Value> {
    job.errors
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "message": e.message,
                "possibleCauses": e.possible_causes,
                "recommendedAction": e.recommended_action,
            })
        })
        .collect()
}

/// Where a request came, to build links back.
struct Link {
    base: String,
    path: String,
    api: String,
}

impl Link {
    /// The request's own URL.
    fn here(&self) -> String {
        format!("{}{}?api-version={}", self.base, self.path, self.api)
    }

    /// The next page's URL.
    fn next(&self, token: &str) -> String {
        let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
        format!("{}&$skipToken={token}", self.here())
    }
}
