//! HTTP to Azure Resource Manager: a path under the [`Endpoint`], an
//! api-version and a body in; the parsed answer, or a [`ClientError`] that
//! says whether the request may have had an effect, out.
//!
//! - Every request carries a bearer token from the [`Credential`] and a
//!   fresh `x-ms-client-request-id`; the method, path (never the query, never
//!   the token) and ARM's `x-ms-request-id` / `x-ms-correlation-request-id`
//!   are logged at debug level.
//! - **Retries** (spec: asr-model.md "Throttling and transient faults"):
//!   429, 500, 502, 503, 504 and connection failures, with exponential
//!   backoff and jitter, honouring `Retry-After` (seconds or an HTTP date),
//!   until [`ClientOptions::retry_deadline`]. Reads are always retried. A
//!   request that starts something ([`Effect::Starts`]: a failover POST, a
//!   runbook job PUT) is re-sent only when it surely had no effect: the
//!   connection was never made, or the answer was 429, or 503 without an
//!   operation header. Any other unknown outcome is
//!   [`ClientError::OutcomeUnknown`], so the caller reads the item's
//!   `currentScenario` before doing anything else.
//! - **Pacing**: a client-side token bucket each for reads and writes, at
//!   ARM's own rates by default (reads 250 burst, 25/s; writes 200 burst,
//!   10/s), so a plan of a thousand VMs spaces its requests out instead of
//!   throttling itself into 429s. When ARM reports its remaining budget
//!   (`x-ms-ratelimit-remaining-subscription-reads` / `-writes`), the bucket
//!   never holds more than that, so other clients of the subscription slow
//!   this one down too.
//!
//! Time is tokio's, so tests run on paused time.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::credential::{ACCESS_TOKEN_VAR, Credential, Lookup};
use super::models::{ArmErrorBody, Page};
use crate::provider::ProviderError;

/// The ASR api-version drplan speaks (spec: asr-model.md; the emulator
/// accepts it too).
pub const ASR_API_VERSION: &str = "2026-05-01";

/// The Azure Automation api-version drplan speaks.
pub const AUTOMATION_API_VERSION: &str = "2024-10-23";

/// The variable that points the client at another Resource Manager.
pub const ARM_ENDPOINT_VAR: &str = "DRPLAN_ARM_ENDPOINT";

/// The variable that picks a sovereign cloud: `public` (default), `china`, `usgov`.
pub const CLOUD_VAR: &str = "DRPLAN_CLOUD";

/// An Azure cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Azure (`DRPLAN_CLOUD=public`, the default).
    Public,
    /// Azure operated by 21Vianet (`DRPLAN_CLOUD=china`).
    China,
    /// Azure US Government (`DRPLAN_CLOUD=usgov`).
    UsGovernment,
}

impl Cloud {
    const ALL: [Cloud; 3] = [Cloud::Public, Cloud::China, Cloud::UsGovernment];

    /// Its Resource Manager endpoint (also the token audience).
    pub fn resource_manager(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/",
            Cloud::China => "https://management.chinacloudapi.cn/",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/",
        }
    }

    /// Its `DRPLAN_CLOUD` name.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::China => "china",
            Cloud::UsGovernment => "usgov",
        }
    }

    /// `azure_core`'s name for it (the authority the credentials log in at).
    pub fn configuration(self) -> azure_core::cloud::CloudConfiguration {
        use azure_core::cloud::CloudConfiguration;
        match self {
            Cloud::Public => CloudConfiguration::AzurePublic,
            Cloud::China => CloudConfiguration::AzureChina,
            Cloud::UsGovernment => CloudConfiguration::AzureGovernment,
        }
    }

    fn parse(name: &str) -> Option<Cloud> {
        match name.trim().to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => Some(Cloud::Public),
            "china" | "azurechinacloud" => Some(Cloud::China),
            "usgov" | "azureusgovernment" => Some(Cloud::UsGovernment),
            _ => None,
        }
    }

    fn of_host(host: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| {
            Url::parse(c.resource_manager())
                .ok()
                .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(host)))
                .unwrap_or(false)
        })
    }
}

/// Where Resource Manager is, and the audience its tokens are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL requests go to.
    pub resource_manager: Url,
    /// The token audience (the scope is `<audience>/.default`).
    pub audience: String,
}

impl Endpoint {
    /// Public Azure.
    pub fn public() -> Result<Endpoint, ProviderError> {
        Endpoint::of_cloud(Cloud::Public)
    }

    /// The endpoint of `cloud`.
    pub fn of_cloud(cloud: Cloud) -> Result<Endpoint, ProviderError> {
        let audience = cloud.resource_manager().to_owned();
        let resource_manager = Url::parse(&audience).map_err(|e| {
            ProviderError::Service(format!(
                "internal error, this is a bug in drplan: {audience}: {e}"
            ))
        })?;
        Ok(Endpoint {
            resource_manager,
            audience,
        })
    }

    /// From the environment: `DRPLAN_CLOUD` (`public`, `china`, `usgov`)
    /// picks the cloud; `DRPLAN_ARM_ENDPOINT` overrides the URL (a regional
    /// endpoint, or `drplan emulator`). The audience is the cloud's when
    /// `DRPLAN_CLOUD` is set or the URL is a known cloud's, else the URL
    /// itself (the emulator accepts any token).
    pub fn from_env(env: Lookup<'_>) -> Result<Endpoint, ProviderError> {
        let cloud = match env(CLOUD_VAR) {
            Some(name) => Some(Cloud::parse(&name).ok_or_else(|| {
                ProviderError::Service(format!(
                    "{CLOUD_VAR}=`{name}` is not a cloud drplan knows; use public, china or usgov"
                ))
            })?),
            None => None,
        };
        let Some(text) = env(ARM_ENDPOINT_VAR) else {
            return Endpoint::of_cloud(cloud.unwrap_or(Cloud::Public));
        };
        let mut url = Url::parse(text.trim()).map_err(|e| {
            ProviderError::Service(format!(
                "{ARM_ENDPOINT_VAR}=`{text}` is not a URL ({e}); set it to a Resource Manager \
                 endpoint such as https://management.azure.com/ or the address `drplan emulator` printed"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ProviderError::Service(format!(
                "{ARM_ENDPOINT_VAR}=`{text}` is not an http(s) URL"
            )));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let known = cloud.or_else(|| url.host_str().and_then(Cloud::of_host));
        let audience = match known {
            Some(cloud) => cloud.resource_manager().to_owned(),
            None => url.as_str().to_owned(),
        };
        Ok(Endpoint {
            resource_manager: url,
            audience,
        })
    }

    /// The token scope: `<audience>/.default`.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.audience.trim_end_matches('/'))
    }

    /// The cloud whose login authority the credentials use: the one whose
    /// audience this is, else public Azure.
    pub fn cloud(&self) -> Cloud {
        Cloud::ALL
            .into_iter()
            .find(|c| c.resource_manager() == self.audience)
            .unwrap_or(Cloud::Public)
    }
}

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketSpec {
    /// Requests that may go at once.
    pub burst: u32,
    /// Requests added back per second.
    pub per_second: f64,
}

/// How the client talks to Resource Manager.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Connecting may take this long.
    pub connect_timeout: Duration,
    /// One request (send and answer) may take this long.
    pub request_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// Retries stop when the next one would start after this long.
    pub retry_deadline: Duration,
    /// The first backoff; each retry doubles it.
    pub backoff_base: Duration,
    /// The longest backoff.
    pub backoff_max: Duration,
    /// The read bucket (ARM: 250 burst, 25 per second).
    pub reads: BucketSpec,
    /// The write bucket (ARM: 200 burst, 10 per second).
    pub writes: BucketSpec,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 32,
            retry_deadline: Duration::from_secs(5 * 60),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            reads: BucketSpec {
                burst: 250,
                per_second: 25.0,
            },
            writes: BucketSpec {
                burst: 200,
                per_second: 10.0,
            },
        }
    }
}

/// A token bucket that hands out reservations: a request takes a token now
/// and waits until the bucket would have held it, so concurrent callers queue
/// in order instead of racing.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    spec: BucketSpec,
    /// May go below zero: that many requests are already waiting.
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(spec: BucketSpec, now: Instant) -> Self {
        TokenBucket {
            spec,
            tokens: f64::from(spec.burst),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.spec.per_second).min(f64::from(self.spec.burst));
        self.at = now;
    }

    /// Takes one token; returns how long to wait before sending.
    pub fn take(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 || self.spec.per_second <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.spec.per_second)
        }
    }

    /// ARM says `remaining` requests are left in its own bucket: never hold
    /// more than that (it counts every client of the subscription).
    pub fn observe_remaining(&mut self, remaining: u64, now: Instant) {
        self.refill(now);
        #[allow(clippy::cast_precision_loss)] // budgets are far below 2^52
        let remaining = remaining as f64;
        self.tokens = self.tokens.min(remaining);
    }
}

/// Whether a request may change anything, which decides how it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A read: always safe to re-send.
    Read,
    /// Starts an operation or a job: re-sent only when it surely had no effect.
    Starts,
}

/// What went wrong with a request.
#[derive(Debug)]
pub(crate) enum ClientError {
    /// The service answered with an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// ARM's error code, when the body had one.
        code: Option<String>,
        /// ARM's message, or the body's start.
        message: String,
        /// `x-ms-request-id`, for support.
        request_id: Option<String>,
    },
    /// The request failed without an answer (reads only, or a write that
    /// surely did not reach the server), or the answer was unreadable.
    Transport(String),
    /// A write may or may not have taken effect: read the state before acting again.
    OutcomeUnknown(String),
    /// No token.
    Credential(ProviderError),
}

impl ClientError {
    /// The HTTP status, for answers with one.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ClientError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether waiting and asking again may help (for pollers).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            ClientError::Status { status, .. } => retryable_status(*status),
            ClientError::Transport(_) => true,
            ClientError::OutcomeUnknown(_) | ClientError::Credential(_) => false,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Status {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "{message}")?;
                let code = code
                    .as_deref()
                    .map(|c| format!("{c}, "))
                    .unwrap_or_default();
                write!(f, " ({code}HTTP {status}")?;
                if let Some(id) = request_id {
                    write!(f, ", x-ms-request-id {id}")?;
                }
                f.write_str(")")
            }
            ClientError::Transport(m) | ClientError::OutcomeUnknown(m) => f.write_str(m),
            ClientError::Credential(e) => write!(f, "{e}"),
        }
    }
}

impl From<ClientError> for ProviderError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Credential(e) => e,
            other => ProviderError::Service(other.to_string()),
        }
    }
}

/// What one try of a request leads to.
enum Step {
    /// An answer to return.
    Done(Reply),
    /// 401: worth one try with a fresh token; `expired` when ARM says the
    /// token expired (`ExpiredAuthenticationToken`, or `WWW-Authenticate`'s
    /// `invalid_token`).
    Unauthorized {
        /// The answer, as an error.
        error: ClientError,
        /// The token expired (rather than being wrong).
        expired: bool,
    },
    /// Worth another try (after `Retry-After`, when given); the error if not.
    Retry(Option<Duration>, ClientError),
}

/// An answer: status, headers and body bytes.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The body as `T`.
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ClientError::Transport(format!(
                "the answer to {what} is not the JSON expected: {e}"
            ))
        })
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After`, when given.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    }
}

/// The HTTP client of one Resource Manager endpoint.
pub(crate) struct ArmClient {
    http: reqwest::Client,
    base: Url,
    credential: Arc<Credential>,
    options: ClientOptions,
    reads: Mutex<TokenBucket>,
    writes: Mutex<TokenBucket>,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmClient")
            .field("base", &self.base.as_str())
            .field("credential", &self.credential.describe())
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    pub(crate) fn new(
        endpoint: &Endpoint,
        credential: Arc<Credential>,
        options: ClientOptions,
    ) -> Result<ArmClient, ProviderError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("drplan/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_max_idle_per_host(options.pool_max_idle_per_host)
            .build()
            .map_err(|e| ProviderError::Service(format!("cannot set up the HTTP client: {e}")))?;
        let now = Instant::now();
        Ok(ArmClient {
            http,
            base: endpoint.resource_manager.clone(),
            credential,
            reads: Mutex::new(TokenBucket::new(options.reads, now)),
            writes: Mutex::new(TokenBucket::new(options.writes, now)),
            options,
        })
    }

    /// Who the requests are sent as.
    pub(crate) fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// `path` (an ARM id and more, starting with `/`) under the base, with
    /// `api-version` and the extra query pairs.
    pub(crate) fn url(&self, path: &str, api_version: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!(
            "{}/{}",
            self.base.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.clear().append_pair("api-version", api_version);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// GET `path` as `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        api_version: &str,
    ) -> Result<T, ClientError> {
        let reply = self.get_reply(path, api_version).await?;
        reply.json(path)
    }

    /// GET `path`, the whole answer (for its headers too).
    pub(crate) async fn get_reply(
        &self,
        path: &str,
        api_version: &str,
    ) -> Result<Reply, ClientError> {
        let url = self.url(path, api_version, &[]);
        self.send(Method::GET, url, None, Effect::Read).await
    }

    /// GET every page of a list, following `nextLink` to the end.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ClientError> {
        let mut url = self.url(path, api_version, query);
        let mut all = Vec::new();
        // A server that links a page to itself must not keep us here forever.
        for _ in 0..10_000 {
            let reply = self
                .send(Method::GET, url.clone(), None, Effect::Read)
                .await?;
            let page: Page<T> = reply.json(path)?;
            all.extend(page.value);
            match page.next_link.filter(|l| !l.is_empty()) {
                Some(next) => url = self.next_url(&next, api_version)?,
                None => return Ok(all),
            }
        }
        Err(ClientError::Transport(format!(
            "the list {path} did not end after 10000 pages"
        )))
    }

    /// A `nextLink`, checked to stay on this endpoint: the bearer token goes
    /// nowhere else.
    fn next_url(&self, next: &str, api_version: &str) -> Result<Url, ClientError> {
        let url = self
            .base
            .join(next)
            .map_err(|e| ClientError::Transport(format!("nextLink `{next}` is not a URL: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(ClientError::Transport(format!(
                "refusing to follow a nextLink to another host ({})",
                url.host_str().unwrap_or("?")
            )));
        }
        if url.query_pairs().any(|(k, _)| k == "api-version") {
            Ok(url)
        } else {
            let mut url = url;
            url.query_pairs_mut()
                .append_pair("api-version", api_version);
            Ok(url)
        }
    }

    /// POST `body` (or nothing) to `path`: starts an operation.
    pub(crate) async fn post(
        &self,
        path: &str,
        api_version: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, ClientError> {
        let url = self.url(path, api_version, &[]);
        self.send(
            Method::POST,
            url,
            Some(body.cloned().unwrap_or(serde_json::Value::Null)),
            Effect::Starts,
        )
        .await
    }

    /// PUT `body` to `path`: creates a resource (a runbook job).
    pub(crate) async fn put<B: Serialize>(
        &self,
        path: &str,
        api_version: &str,
        body: &B,
    ) -> Result<Reply, ClientError> {
        let url = self.url(path, api_version, &[]);
        let body = serde_json::to_value(body)
            .map_err(|e| ClientError::Transport(format!("cannot encode the request: {e}")))?;
        self.send(Method::PUT, url, Some(body), Effect::Starts)
            .await
    }

    async fn pace(&self, effect: Effect) {
        let bucket = match effect {
            Effect::Read => &self.reads,
            Effect::Starts => &self.writes,
        };
        let wait = bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(Instant::now());
        if !wait.is_zero() {
            tracing::debug!(
                wait_ms = wait.as_millis(),
                "pacing requests under the ARM limits"
            );
            tokio::time::sleep(wait).await;
        }
    }

    fn observe_limits(&self, headers: &HeaderMap) {
        let now = Instant::now();
        for (names, bucket) in [
            (
                [
                    "x-ms-ratelimit-remaining-subscription-reads",
                    "x-ms-ratelimit-remaining-subscription-global-reads",
                ],
                &self.reads,
            ),
            (
                [
                    "x-ms-ratelimit-remaining-subscription-writes",
                    "x-ms-ratelimit-remaining-subscription-global-writes",
                ],
                &self.writes,
            ),
        ] {
            let remaining = names
                .iter()
                .filter_map(|n| headers.get(*n)?.to_str().ok()?.trim().parse::<u64>().ok())
                .min();
            if let Some(remaining) = remaining {
                bucket
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .observe_remaining(remaining, now);
            }
        }
    }

    /// Sends with pacing, token and retries (see the module doc).
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        effect: Effect,
    ) -> Result<Reply, ClientError> {
        let deadline = Instant::now() + self.options.retry_deadline;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            self.pace(effect).await;
            let token = self
                .credential
                .token()
                .await
                .map_err(ClientError::Credential)?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token)
                .header("x-ms-client-request-id", new_guid())
                .header("x-ms-return-client-request-id", "true");
            request = match &body {
                None => request,
                Some(serde_json::Value::Null) => request.header("content-length", "0"),
                Some(json) => request.json(json),
            };
            let step = match request.send().await {
                Err(e) => Self::unanswered(&method, &url, &e.without_url(), effect)?,
                Ok(response) => self.answered(&method, &url, response, effect).await?,
            };
            let (wait_hint, last) = match step {
                Step::Done(reply) => return Ok(reply),
                Step::Unauthorized { error, expired } if !refreshed => {
                    // A token revoked or expired early: one fresh try. Safe
                    // for a POST too: ARM refuses a 401 before the provider
                    // sees the request, so nothing started.
                    refreshed = true;
                    self.credential.invalidate_if(&token).await;
                    let fresh = self
                        .credential
                        .token()
                        .await
                        .map_err(ClientError::Credential)?;
                    if fresh == token {
                        // A token nobody can renew (`DRPLAN_ACCESS_TOKEN`):
                        // sending it again would be refused the same way.
                        return Err(self.not_renewable(&error, expired));
                    }
                    tracing::debug!(%method, path = url.path(), expired, "401; retrying with a fresh token");
                    continue;
                }
                Step::Unauthorized { error, expired } => {
                    return Err(if expired {
                        self.not_renewable(&error, expired)
                    } else {
                        error
                    });
                }
                Step::Retry(wait_hint, last) => (wait_hint, last),
            };
            attempt += 1;
            match self.retry_wait(attempt, wait_hint, deadline) {
                Some(wait) => {
                    tracing::debug!(%method, path = url.path(), attempt, wait_ms = wait.as_millis(), "retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(last),
            }
        }
    }

    /// What to do after a request got no answer.
    fn unanswered(
        method: &Method,
        url: &Url,
        e: &reqwest::Error,
        effect: Effect,
    ) -> Result<Step, ClientError> {
        // Only a failed connection proves the request never left.
        let surely_not_sent = e.is_connect();
        let text = describe_transport(e);
        tracing::debug!(%method, path = url.path(), error = %text, "request failed");
        if effect == Effect::Starts && !surely_not_sent {
            return Err(ClientError::OutcomeUnknown(format!(
                "{method} {} got no answer ({text}); it may or may not have taken effect",
                url.path()
            )));
        }
        Ok(Step::Retry(
            None,
            ClientError::Transport(format!("{method} {}: {text}", url.path())),
        ))
    }

    /// What to do with an answer.
    async fn answered(
        &self,
        method: &Method,
        url: &Url,
        response: reqwest::Response,
        effect: Effect,
    ) -> Result<Step, ClientError> {
        let status = response.status();
        let headers = response.headers().clone();
        log_answer(method, url, status, &headers);
        self.observe_limits(&headers);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            // A write answered 2xx took effect: its headers carry what the
            // caller needs.
            Err(_) if status.is_success() && effect == Effect::Starts => Vec::new(),
            Err(e) => {
                let text = describe_transport(&e.without_url());
                if effect == Effect::Starts {
                    return Err(ClientError::OutcomeUnknown(format!(
                        "{method} {}: the answer ({status}) was cut off ({text})",
                        url.path()
                    )));
                }
                let error = ClientError::Transport(format!("{method} {}: {text}", url.path()));
                return Ok(Step::Retry(None, error));
            }
        };
        let reply = Reply {
            status,
            headers,
            body,
        };
        if status.is_success() {
            return Ok(Step::Done(reply));
        }
        let error = status_error(&reply);
        if status == StatusCode::UNAUTHORIZED {
            let expired = token_expired(&reply, &error);
            return Ok(Step::Unauthorized { error, expired });
        }
        if !retryable_status(status.as_u16()) {
            return Err(error);
        }
        if effect == Effect::Starts && !surely_not_started(&reply) {
            return Err(ClientError::OutcomeUnknown(format!(
                "{method} {} was answered {error}; it may or may not have taken effect",
                url.path()
            )));
        }
        Ok(Step::Retry(reply.retry_after(), error))
    }

    /// The error for a 401 a fresh token cannot cure. For an expired token,
    /// what to do about it: the run stops here, and resuming it after
    /// getting a new token carries on where it stopped.
    fn not_renewable(&self, error: &ClientError, expired: bool) -> ClientError {
        let source = self.credential.describe();
        if !expired {
            return ClientError::Credential(ProviderError::Service(format!(
                "Azure refused the token from {source}: {error}"
            )));
        }
        ClientError::Credential(ProviderError::Service(format!(
            "the access token expired and {source} cannot renew it: get a new one \
             (for --credential token, set {ACCESS_TOKEN_VAR} to a fresh token, e.g. \
             `az account get-access-token --query accessToken -o tsv`) and resume the run \
             with `drplan resume` [Azure: {error}]"
        )))
    }

    /// The wait before retry number `attempt`, or `None` past the deadline.
    fn retry_wait(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        deadline: Instant,
    ) -> Option<Duration> {
        let wait = retry_delay(
            attempt,
            retry_after,
            self.options.backoff_base,
            self.options.backoff_max,
            random_u64(),
        );
        (Instant::now() + wait <= deadline).then_some(wait)
    }
}

fn log_answer(method: &Method, url: &Url, status: StatusCode, headers: &HeaderMap) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_owned()
    };
    tracing::debug!(
        %method,
        path = url.path(),
        status = status.as_u16(),
        request_id = %header("x-ms-request-id"),
        correlation_id = %header("x-ms-correlation-request-id"),
        "ARM answered"
    );
}

/// Connection failures, timeouts and the like, with their causes (callers
/// strip the URL first: its query is nobody's business in a log).
fn describe_transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Whether a 401 says the token expired: ARM's `ExpiredAuthenticationToken`,
/// or a `WWW-Authenticate` challenge with `error="invalid_token"` (RFC 6750:
/// expired, revoked or malformed; a fresh token cures the first two).
fn token_expired(reply: &Reply, error: &ClientError) -> bool {
    let code = match error {
        ClientError::Status { code, .. } => code.as_deref(),
        _ => None,
    };
    code.is_some_and(|c| c.eq_ignore_ascii_case("ExpiredAuthenticationToken"))
        || reply
            .header("www-authenticate")
            .is_some_and(|v| v.to_ascii_lowercase().contains("invalid_token"))
}

/// The statuses worth retrying.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Whether a throttled or unavailable answer to a write surely started
/// nothing: 429 always (ARM throttles before the provider sees it); 503 when
/// it names no operation to follow.
fn surely_not_started(reply: &Reply) -> bool {
    match reply.status.as_u16() {
        429 => true,
        503 => reply.header("location").is_none() && reply.header("azure-asyncoperation").is_none(),
        _ => false,
    }
}

/// An error answer as a [`ClientError::Status`]: ARM's `{"error": {"code",
/// "message"}}` when the body is one, else the body's start.
pub(crate) fn status_error(reply: &Reply) -> ClientError {
    let parsed: Option<ArmErrorBody> = serde_json::from_slice(&reply.body).ok();
    let arm = parsed.and_then(|b| b.error);
    let code = arm.as_ref().and_then(|e| e.code.clone());
    let message = arm.and_then(|e| e.message).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&reply.body);
        let text = text.trim();
        if text.is_empty() {
            reply
                .status
                .canonical_reason()
                .unwrap_or("error")
                .to_owned()
        } else {
            text.chars().take(500).collect()
        }
    });
    ClientError::Status {
        status: reply.status.as_u16(),
        code,
        message,
        request_id: reply.header("x-ms-request-id").map(str::to_owned),
    }
}

/// The wait before retry number `attempt` (from 1): `Retry-After` when
/// given (plus up to a tenth more, so many clients do not return at once),
/// else `base × 2^(attempt-1)` capped at `max`, scaled by a random factor in
/// [½, 1) ("equal jitter").
pub fn retry_delay(
    attempt: u32,
    retry_after: Option<Duration>,
    base: Duration,
    max: Duration,
    random: u64,
) -> Duration {
    #[allow(clippy::cast_precision_loss)] // a fraction in [0, 1) needs no more
    let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
    if let Some(after) = retry_after {
        return after + after.mul_f64(0.1 * unit);
    }
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    exp.min(max).mul_f64(0.5 + 0.5 * unit)
}

/// `Retry-After`: delay-seconds, or an HTTP date (IMF-fixdate) from `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(value: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? + 1;
    let year: u32 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" {
        return None;
    }
    humantime::parse_rfc3339(&format!("{year:04}-{month:02}-{day:02}T{time}Z")).ok()
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random-enough `u64` for jitter and job names: `SipHash` of a counter
/// under the process's random keys (no extra dependency).
pub(crate) fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A fresh version-4 GUID, as Automation job names and request ids.
pub fn new_guid() -> String {
    let (a, b) = (random_u64(), random_u64());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
