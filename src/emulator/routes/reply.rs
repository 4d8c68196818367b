//! The answers the emulator builds: a status, headers and a JSON, text or
//! empty body in; an axum response out. Also the ARM error bodies every
//! handler shares, and [`Link`], the URLs of pages and operations.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::automation;
use super::super::json::arm_error;
use crate::provider::{Job, ProviderError};

/// An answer being built.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: ReplyBody,
}

pub(super) enum ReplyBody {
    Json(Value),
    Text(String),
    Empty,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: ReplyBody::Json(body),
        }
    }

    pub(super) fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    pub(super) fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, arm_error(code, message))
    }

    pub(super) fn empty(status: u16) -> Reply {
        Reply {
            body: ReplyBody::Empty,
            ..Reply::json(status, Value::Null)
        }
    }

    pub(super) fn header(mut self, name: &'static str, value: &(impl ToString + ?Sized)) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    pub(super) fn into_response(self) -> Response {
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

pub(super) fn refused(result: Result<Reply, automation::Refusal>) -> Reply {
    result.unwrap_or_else(|(status, code, message)| Reply::error(status, code, &message))
}

pub(super) fn bad_input(message: &str) -> Reply {
    Reply::error(400, "InvalidRequestContent", message)
}

pub(super) fn bad_skip_token() -> Reply {
    Reply::error(
        400,
        "InvalidSkipToken",
        "The $skipToken is not one this list gave; start the list again without it.",
    )
}

/// A failed job's error code and message.
pub(super) fn job_error(job: &Job) -> (String, String) {
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

pub(super) fn error_details(job: &Job) -> Vec<Value> {
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
pub(super) struct Link {
    pub(super) base: String,
    pub(super) path: String,
    pub(super) api: String,
}

impl Link {
    /// The request's own URL.
    pub(super) fn here(&self) -> String {
        format!("{}{}?api-version={}", self.base, self.path, self.api)
    }

    /// The next page's URL.
    pub(super) fn next(&self, token: &str) -> String {
        let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
        format!("{}&$skipToken={token}", self.here())
    }
}
