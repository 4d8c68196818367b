//! A record of the requests a client sends: method and ARM path in (each
//! request once, whatever its retries); the list, in order, out. Tests use
//! it to learn which RBAC actions a flow needs (see `permissions`).

use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Method;

/// Every request a client sent, in order (tests: which RBAC actions the
/// flows need). Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    sent: Arc<Mutex<Vec<SentRequest>>>,
}

/// One request as the log keeps it: no query, no body, no token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SentRequest {
    /// `GET`, `PUT`, `POST`, `PATCH`.
    pub method: Method,
    /// The ARM path (an ARM id and what follows), without the query.
    pub path: String,
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> RequestLog {
        RequestLog::default()
    }

    pub(super) fn record(&self, method: &Method, path: &str) {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(SentRequest {
                method: method.clone(),
                path: path.to_owned(),
            });
    }

    /// The requests sent so far, in order (a retry is recorded once).
    pub fn sent(&self) -> Vec<SentRequest> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
