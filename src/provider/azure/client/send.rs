//! One request's life: a method, URL, body and [`Effect`] in; pacing under
//! the buckets, the bearer token, the tries and the waits between them (see
//! the client's module doc), and the answer or the error out.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::sync::PoisonError;
use std::time::Duration;
use tokio::time::Instant;
use url::{Position, Url};

use super::super::credential::ACCESS_TOKEN_VAR;
use super::super::permissions::refused_action;
use super::answer::{describe_transport, log_answer, status_error};
use super::ids::{new_guid, random_u64};
use super::patience::ReadLimit;
use super::retry::{retry_delay, retryable_status, surely_not_started, token_expired};
use super::{ARM_ENDPOINT_VAR, ArmClient, ClientError, Effect, Reply};
use crate::provider::ProviderError;

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

impl ArmClient {
    async fn pace(&self, effect: Effect) {
        let wait = self.pacer.take(effect == Effect::Starts);
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
                &self.pacer.reads,
            ),
            (
                [
                    "x-ms-ratelimit-remaining-subscription-writes",
                    "x-ms-ratelimit-remaining-subscription-global-writes",
                ],
                &self.pacer.writes,
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

    /// A read's limit (see `patience`) and when retries stop.
    fn limits(&self, effect: Effect) -> (Option<ReadLimit>, Instant) {
        let limit = match effect {
            Effect::Read => self.patience.read_limit(),
            Effect::Starts => None,
        };
        let deadline = Instant::now() + self.options.retry_deadline;
        (limit, limit.map_or(deadline, |l| deadline.min(l.until)))
    }

    /// Sends with pacing, token and retries (see the module doc).
    pub(super) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        effect: Effect,
    ) -> Result<Reply, ClientError> {
        let (limit, deadline) = self.limits(effect);
        if let Some(log) = &self.log {
            log.record(&method, self.arm_path(&url));
        }
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
            let exchange = async {
                match request.send().await {
                    Err(e) => Self::unanswered(&method, &url, &e.without_url(), effect),
                    Ok(response) => self.answered(&method, &url, response, effect).await,
                }
            };
            let step = match limit {
                None => exchange.await?,
                Some(limit) => {
                    let started = Instant::now();
                    let until =
                        (started + limit.per_try(self.options.request_timeout)).min(limit.until);
                    match tokio::time::timeout_at(until, exchange).await {
                        Ok(step) => step?,
                        // A read: abandoning it changes nothing.
                        Err(_) => Step::Retry(
                            None,
                            ClientError::Transport(format!(
                                "{method} {}: no answer within {} ms",
                                url.path(),
                                until.saturating_duration_since(started).as_millis()
                            )),
                        ),
                    }
                }
            };
            let (wait_hint, last) = match step {
                Step::Done(reply) => {
                    self.patience.answered();
                    return Ok(reply);
                }
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
                    self.patience.announce(&self.base, &last, deadline);
                    tracing::debug!(%method, path = url.path(), attempt, wait_ms = wait.as_millis(), "retrying");
                    tokio::time::sleep(wait).await;
                }
                None => {
                    return Err(match limit {
                        Some(limit) => limit.gave_up(&self.base, &last),
                        None => last,
                    });
                }
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
        if status.is_redirection() {
            return Err(redirected(method, url, &reply));
        }
        let error = status_error(&reply);
        if status == StatusCode::FORBIDDEN
            && let ClientError::Status { code, message, .. } = &error
            && code.as_deref().is_none_or(|c| {
                c.eq_ignore_ascii_case("AuthorizationFailed")
                    || c.eq_ignore_ascii_case("LinkedAuthorizationFailed")
            })
        {
            let permission = refused_action(method, self.arm_path(url), message);
            return Err(ClientError::Forbidden {
                permission,
                message: format!("{method} {} was refused: {error}", self.arm_path(url)),
            });
        }
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

/// A 3xx, refused: Resource Manager never redirects, so one means the
/// endpoint is not what it should be.
fn redirected(method: &Method, url: &Url, reply: &Reply) -> ClientError {
    // Host and port only: a Location's query may carry a signature.
    let to = reply
        .header("location")
        .and_then(|l| url.join(l).ok())
        .map_or_else(
            || "nowhere said".to_owned(),
            |l| l[Position::BeforeHost..Position::AfterPort].to_owned(),
        );
    ClientError::Status {
        status: reply.status.as_u16(),
        code: None,
        message: format!(
            "{method} {} was answered with a redirect to {to}, which drplan does not follow \
             (Resource Manager never redirects; check {ARM_ENDPOINT_VAR})",
            url.path()
        ),
        request_id: reply.header("x-ms-request-id").map(str::to_owned),
    }
}
