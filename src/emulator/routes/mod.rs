//! The emulator's HTTP surface: a request in; authentication, throttling and
//! injected faults applied, the path routed, the RBAC action the fault file
//! may deny checked, the api-version checked, the request translated into
//! simulated-vault calls, and an ARM-shaped answer out. One fallback handler routes by hand, because ARM paths are
//! case-insensitive and must answer 404 and 405 with ARM error bodies.
//!
//! Error statuses the public material does not give are ours *(inferred)*:
//! an operation the item's state does not allow answers 409
//! `OperationNotAllowed` with the simulator's reason (allowed operations
//! included); a malformed body answers 400 `InvalidRequestContent`; a
//! finished failed job's `Location` answers 400 with the job's error.

mod actions;
mod inventory;
mod path;
mod power;
mod rbac;
mod reads;
mod recovery_plans;
mod reply;
mod update;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;

use super::json::{fnv1a, guid, page};
use super::limits::{Budget, Verdict, status_code_name};
use super::{API_VERSIONS, Connection, Emu, automation};
use crate::provider::ProviderError;
use path::Route;
pub(crate) use power::PowerOffs;
pub(super) use reads::{ITEMS_PAGE, JOBS_PAGE};
pub(crate) use recovery_plans::RecoveryPlans;
use reply::{Link, Query, Reply, ReplyBody, refused};

/// The router over the vaults served (the plan's first): everything goes
/// through [`dispatch`].
pub(super) fn router(vaults: Vec<Arc<Emu>>) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(Arc::new(vaults))
}

/// Every request: answered by the vault it is for (see [`path::candidates`]),
/// stamped with `x-ms-request-id`.
async fn dispatch(
    State(vaults): State<Arc<Vec<Arc<Emu>>>>,
    ConnectInfo(conn): ConnectInfo<Connection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let candidates = path::candidates(&vaults, uri.path());
    let mut reply = Reply::error(404, "ResourceNotFound", "The emulator serves no vault.");
    let mut n = 0;
    for (i, emu) in candidates.iter().enumerate() {
        n = emu.requests.fetch_add(1, Ordering::Relaxed);
        reply = emu.answer(&conn, &method, &uri, &headers, &body).await;
        if reply.status != StatusCode::NOT_FOUND || i + 1 == candidates.len() {
            break;
        }
    }
    let reply = if reply.headers.iter().any(|(h, _)| *h == "x-ms-request-id") {
        reply
    } else {
        reply.header("x-ms-request-id", &guid(fnv1a("request"), n))
    };
    reply.into_response()
}

/// The request's api-version, when the route answers to it.
fn api_version(route: &Route, given: Option<&str>) -> Result<String, Reply> {
    let supported = match route {
        Route::Arm(arm) => format!("{} and later dates", arm.api().oldest()),
        _ if route.is_automation() => automation::API_VERSIONS.join(", "),
        _ => API_VERSIONS.join(", "),
    };
    let Some(given) = given else {
        return Err(Reply::error(
            400,
            "MissingApiVersionParameter",
            &format!(
                "The api-version query parameter (?api-version=) is required for all requests; supported versions: {supported}."
            ),
        ));
    };
    let known = match route {
        Route::Arm(arm) => arm.api().accepts(given),
        _ if route.is_automation() => automation::API_VERSIONS.contains(&given),
        _ => API_VERSIONS.contains(&given),
    };
    if known {
        Ok(given.to_owned())
    } else {
        Err(Reply::error(
            400,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{given}' is invalid. The supported versions are '{supported}'."
            ),
        ))
    }
}

/// The bearer token of a request: any non-empty one is accepted.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl Emu {
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
            Verdict::Serve => self.handle(conn, principal, method, uri, body).await,
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
                    self.handle(conn, principal, method, uri, body).await
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

    async fn handle(
        &self,
        conn: &Connection,
        principal: &str,
        method: &Method,
        uri: &Uri,
        body: &[u8],
    ) -> Reply {
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
        if let Some(denied) = self.http.denies(&route.action(method)) {
            tracing::debug!("emulator: `{denied}` refuses {method} {path} (fault file)");
            return rbac::forbidden(principal, &route.action(method), path);
        }
        let query = Query::parse(uri.query());
        let api = match api_version(&route, query.get("api-version")) {
            Ok(api) => api,
            Err(reply) => return reply,
        };
        let link = Link::new(conn.base_url(), path, api, &query);
        self.serve_route(route, method, body, &link, &query)
            .await
            .unwrap_or_else(Reply::from)
    }

    async fn serve_route(
        &self,
        route: Route,
        method: &Method,
        body: &[u8],
        link: &Link,
        query: &Query,
    ) -> Result<Reply, ProviderError> {
        let now = self.clock.now();
        let skip = query.get("$skipToken");
        Ok(match route {
            Route::Items => self.items(link, skip).await?,
            Route::Item(i) if *method == Method::PATCH => self.update(i, body, link).await?,
            Route::Item(i) => self.one_item(i).await?,
            Route::Action(i, action) => self.action(i, action, body, link).await?,
            Route::RecoveryPoints(i) => self.recovery_points(i, None)?,
            Route::RecoveryPoint(i, id) => self.recovery_points(i, Some(&id))?,
            Route::Jobs => self.jobs(link, skip, query.get("$filter")).await?,
            Route::Job(id) => self.one_job(&id).await?,
            Route::VaultHealth => self.vault_health().await?,
            Route::Events => Reply::ok(page(Vec::new(), None)),
            Route::OperationResult(id) if self.recovery_plans.has_operation(&id) => {
                self.plan_operation_result(&id)
            }
            Route::OperationStatus(id) if self.recovery_plans.has_operation(&id) => {
                self.plan_operation_status(&id)
            }
            Route::OperationResult(id) => self.operation_result(&id, link).await?,
            Route::OperationStatus(id) => self.operation_status(&id).await?,
            Route::RecoveryPlans => self.recovery_plans(),
            Route::RecoveryPlan(name) => self.recovery_plan(method, &name, body, link),
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
            Route::Arm(arm) => self.arm(&arm, query, link).await?,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
