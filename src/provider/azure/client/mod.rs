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
//!   `currentScenario` before doing anything else. When the endpoint stops
//!   answering, a warning on stderr says so and how long the client keeps
//!   trying; a caller waiting at a display may bound its reads
//!   (`ArmClient::limit_reads`, see `patience`).
//! - **Pacing**: a client-side token bucket each for reads and writes, at
//!   ARM's own rates by default (reads 250 burst, 25/s; writes 200 burst,
//!   10/s), so a plan of a thousand VMs spaces its requests out instead of
//!   throttling itself into 429s. When ARM reports its remaining budget
//!   (`x-ms-ratelimit-remaining-subscription-reads` / `-writes`), the bucket
//!   never holds more than that, so other clients of the subscription slow
//!   this one down too. The clients of the vaults of one subscription share
//!   their buckets ([`SubscriptionPacers`]): ARM's budgets are per
//!   subscription and principal.
//!
//! Time is tokio's, so tests run on paused time.

mod answer;
mod endpoint;
mod ids;
mod log;
mod pacing;
mod patience;
mod retry;
mod send;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::credential::Credential;
use super::models::Page;
use crate::provider::ProviderError;

pub(crate) use answer::{ClientError, Reply};
use endpoint::check_transport;
pub use endpoint::{ARM_ENDPOINT_VAR, CLOUD_VAR, Cloud, Endpoint};
pub use ids::new_guid;
pub use log::{RequestLog, SentRequest};
pub use pacing::{BucketSpec, Pacer, SubscriptionPacers, TokenBucket};
use patience::Patience;
pub use retry::{parse_retry_after, retry_delay};

/// The ASR api-version drplan speaks (spec: asr-model.md; the emulator
/// accepts it too).
pub const ASR_API_VERSION: &str = "2026-05-01";

/// The Azure Automation api-version drplan speaks.
pub const AUTOMATION_API_VERSION: &str = "2024-10-23";

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

/// Whether a request may change anything, which decides how it is retried.
/// A PATCH of an item starts an ASR job, so it is a `Starts` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A read: always safe to re-send.
    Read,
    /// Starts an operation or a job: re-sent only when it surely had no effect.
    Starts,
}

/// The HTTP client of one Resource Manager endpoint.
pub(crate) struct ArmClient {
    http: reqwest::Client,
    base: Url,
    credential: Arc<Credential>,
    options: ClientOptions,
    /// The subscription's buckets, shared with the clients of its other vaults.
    pacer: Arc<Pacer>,
    patience: Patience,
    log: Option<RequestLog>,
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
        check_transport(&endpoint.resource_manager)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("drplan/", env!("CARGO_PKG_VERSION")))
            // ARM answers where it is asked and never redirects; a redirect
            // followed would take the bearer token (or the request) to a
            // host nobody chose. A 3xx is an answer, refused as such.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_max_idle_per_host(options.pool_max_idle_per_host)
            .build()
            .map_err(|e| ProviderError::Service(format!("cannot set up the HTTP client: {e}")))?;
        Ok(ArmClient {
            http,
            base: endpoint.resource_manager.clone(),
            credential,
            pacer: Arc::new(Pacer::new(options.reads, options.writes)),
            options,
            patience: Patience::default(),
            log: None,
        })
    }

    /// Takes its tokens from `pacer` from now on: the buckets of its
    /// subscription, shared with the clients of the subscription's other vaults.
    pub(crate) fn pace_with(&mut self, pacer: Arc<Pacer>) {
        self.pacer = pacer;
    }

    /// Records every request from now on in `log`.
    pub(crate) fn record_in(&mut self, log: RequestLog) {
        self.log = Some(log);
    }

    /// A URL's path below the base: the ARM path of a request.
    pub(crate) fn arm_path<'u>(&self, url: &'u Url) -> &'u str {
        let prefix = self.base.path().trim_end_matches('/');
        let path = url.path();
        path.strip_prefix(prefix)
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or(path)
    }

    /// Reads from now on give up after `within` (see `patience`).
    pub(crate) fn limit_reads(&self, within: Duration) {
        self.patience.limit_reads(within);
    }

    /// The share of the read budget left now, from 0 to 1: what the
    /// followers of jobs may spend on quicker looks.
    pub(crate) fn read_share(&self) -> f64 {
        self.pacer.read_share()
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
        self.get_with(path, api_version, &[]).await
    }

    /// GET `path` with extra query pairs (`$expand`, `ipAddress`).
    pub(crate) async fn get_with(
        &self,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Reply, ClientError> {
        let url = self.url(path, api_version, query);
        self.send(Method::GET, url, None, Effect::Read).await
    }

    /// GET every page of a list, following `nextLink` to the end.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ClientError> {
        self.get_until(path, api_version, query, |_| false).await
    }

    /// GET the pages of a list until `enough` says the entries so far
    /// suffice, or the list ends: a reader that wants a few entries of a
    /// long list does not pay a read for every page.
    pub(crate) async fn get_until<T: DeserializeOwned>(
        &self,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
        mut enough: impl FnMut(&[T]) -> bool,
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
            if enough(&all) {
                return Ok(all);
            }
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
        self.write(Method::PUT, path, api_version, body).await
    }

    /// PATCH `body` to `path`: updates a resource (an item's target settings).
    pub(crate) async fn patch<B: Serialize>(
        &self,
        path: &str,
        api_version: &str,
        body: &B,
    ) -> Result<Reply, ClientError> {
        self.write(Method::PATCH, path, api_version, body).await
    }

    async fn write<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        api_version: &str,
        body: &B,
    ) -> Result<Reply, ClientError> {
        let url = self.url(path, api_version, &[]);
        let body = serde_json::to_value(body)
            .map_err(|e| ClientError::Transport(format!("cannot encode the request: {e}")))?;
        self.send(method, url, Some(body), Effect::Starts).await
    }
}
