//! The answers the emulator builds: a status, headers and a JSON, text or
//! empty body in; an axum response out. Also the ARM error bodies every
//! handler shares, [`Query`], a request's parameters, and [`Link`], the URLs
//! of pages and operations.

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
            ProviderError::Forbidden { message, .. } => {
                Reply::error(403, "AuthorizationFailed", message)
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

/// A request's query parameters.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    /// The parameters of a query string.
    pub(super) fn parse(query: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of a parameter.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `$expand` asks for the instance view.
    pub(super) fn instance_view(&self) -> bool {
        self.get("$expand").is_some_and(|e| {
            e.split(',')
                .any(|x| x.trim().eq_ignore_ascii_case("instanceView"))
        })
    }

    /// The parameters a list's next page keeps (`$filter`, …): all but the
    /// api-version and the page token, encoded, each led by `&`.
    fn kept(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if k != "api-version" && k != "$skipToken" {
                pairs.append_pair(k, v);
            }
        }
        let encoded = pairs.finish();
        if encoded.is_empty() {
            encoded
        } else {
            format!("&{encoded}")
        }
    }
}

/// Where a request came, to build links back.
pub(super) struct Link {
    pub(super) base: String,
    pub(super) path: String,
    pub(super) api: String,
    /// The query parameters a next page keeps.
    pub(super) kept: String,
}

impl Link {
    /// Where a request to `path` with `query` came from `base`.
    pub(super) fn new(base: String, path: &str, api: String, query: &Query) -> Link {
        Link {
            base,
            path: path.to_owned(),
            api,
            kept: query.kept(),
        }
    }

    /// The request's own URL, without its other parameters.
    pub(super) fn here(&self) -> String {
        format!("{}{}?api-version={}", self.base, self.path, self.api)
    }

    /// The next page's URL: the request's, with `token`.
    pub(super) fn next(&self, token: &str) -> String {
        let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
        format!("{}{}&$skipToken={token}", self.here(), self.kept)
    }
}
