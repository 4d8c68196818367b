//! What came back from Resource Manager: a response (or its absence) in; a
//! [`Reply`] (status, headers, body) or a [`ClientError`] that says whether
//! the request may have had an effect out, with ARM's code, message and
//! request id for support.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::super::models::ArmErrorBody;
use super::retry::{parse_retry_after, retryable_status};
use crate::provider::ProviderError;

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
    /// A read under a caller's limit kept failing until the limit.
    GaveUp(String),
    /// 403 `AuthorizationFailed`: the identity lacks the RBAC action.
    Forbidden {
        /// The action it lacks (see `permissions`).
        permission: String,
        /// ARM's answer, with its code, status and request id.
        message: String,
    },
    /// No token.
    Credential(ProviderError),
}

impl ClientError {
    /// The HTTP status, for answers with one.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ClientError::Status { status, .. } => Some(*status),
            ClientError::Forbidden { .. } => Some(403),
            _ => None,
        }
    }

    /// Whether waiting and asking again may help (for pollers).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            ClientError::Status { status, .. } => retryable_status(*status),
            ClientError::Transport(_) => true,
            ClientError::OutcomeUnknown(_)
            | ClientError::GaveUp(_)
            | ClientError::Forbidden { .. }
            | ClientError::Credential(_) => false,
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
            ClientError::Transport(m)
            | ClientError::OutcomeUnknown(m)
            | ClientError::GaveUp(m)
            | ClientError::Forbidden { message: m, .. } => f.write_str(m),
            ClientError::Credential(e) => write!(f, "{e}"),
        }
    }
}

impl From<ClientError> for ProviderError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Credential(e) => e,
            ClientError::GaveUp(m) => ProviderError::Unanswered(m),
            ClientError::Forbidden {
                permission,
                message,
            } => ProviderError::Forbidden {
                permission,
                message,
            },
            other => ProviderError::Service(other.to_string()),
        }
    }
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

pub(super) fn log_answer(method: &Method, url: &Url, status: StatusCode, headers: &HeaderMap) {
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
pub(super) fn describe_transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
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
