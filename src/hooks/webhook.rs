//! `webhook "<url>" { method  headers  body  expect }`: one HTTP request in
//! (headers with secrets read now; the given body, else the run's context as
//! JSON); the status out, or an error with the status and the start of the
//! response body; the response body (its first [`KEPT_BYTES`]) to a
//! [`Capture`].
//!
//! The URL is checked again here, whatever the checker said: https, or plain
//! http only to a loopback host, since webhooks carry secrets; and no user
//! name or password in it, which would be kept wherever the URL is. Header
//! values are never logged; they are marked sensitive for reqwest too.

use std::collections::BTreeMap;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::context::resolve_map;
use super::output::{Capture, KEPT_BYTES, Redactor};
use super::{HookContext, HookError, HookOutput, Secrets, chain};
use crate::loopback::is_loopback;
use crate::plan::MapValue;
use crate::urls;

/// How much of a failed response's body an error shows.
const BODY_BYTES: usize = 500;

/// A webhook as the plan gives it.
pub(super) struct Request<'a> {
    pub(super) url: &'a str,
    pub(super) method: &'a str,
    pub(super) headers: &'a BTreeMap<String, MapValue>,
    /// `None`: the run context as JSON (no body for `GET`).
    pub(super) body: Option<&'a str>,
    /// `None`: any 2xx.
    pub(super) expect: Option<u16>,
}

/// Sends the request and checks its status.
pub(super) async fn run(
    http: &reqwest::Client,
    request: &Request<'_>,
    ctx: &HookContext,
    secrets: &dyn Secrets,
    kept: &Capture,
) -> Result<HookOutput, HookError> {
    let url = webhook_url(request.url)?;
    let shown = urls::shown(&url);
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        HookError::new(format!(
            "webhook {shown}: `{}` is not an HTTP method",
            request.method
        ))
    })?;
    let mut redactor = Redactor::seeded(ctx, secrets);
    let resolved = resolve_map(request.headers, secrets, "webhook header", &mut redactor)?;
    kept.start(&redactor);
    let mut headers = HeaderMap::new();
    for (name, value) in resolved {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            HookError::new(format!(
                "webhook header `{name}` is not a valid header name"
            ))
        })?;
        // The value is not shown: it may be a secret.
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            HookError::new(format!(
                "webhook header `{name}` has a value that cannot be sent in a header (control characters or non-ASCII text)"
            ))
        })?;
        value.set_sensitive(true);
        headers.append(header, value);
    }
    // A body-less GET is the norm; servers may refuse a GET with a body.
    let body = match request.body {
        Some(body) => Some(body.to_owned()),
        None if method == Method::GET => None,
        None => Some(ctx.to_json().to_string()),
    };
    let mut builder = http.request(method.clone(), url);
    if let Some(body) = body {
        if !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        builder = builder.body(body);
    }
    let mut response = builder.headers(headers).send().await.map_err(|e| {
        HookError::new(format!(
            "webhook {method} {shown} failed: {}",
            redactor.redact(&chain(&e.without_url()))
        ))
    })?;

    let status = response.status();
    let body = read_body(&mut response, kept).await;
    let ok = match request.expect {
        Some(code) => status.as_u16() == code,
        None => status.is_success(),
    };
    if ok {
        return Ok(HookOutput::new(status_text(status)));
    }
    let expected = request
        .expect
        .map_or_else(|| "any 2xx".to_owned(), |code| code.to_string());
    let mut message = format!(
        "webhook {method} {shown} answered {}, expected {expected}",
        status_text(status)
    );
    let body = redactor.redact_cut(body.trim_start(), BODY_BYTES);
    let body = body.trim_end();
    if !body.is_empty() {
        message.push_str(": ");
        message.push_str(body);
    }
    Err(HookError::new(message))
}

/// The URL, if it may carry secrets: https, or http to a loopback host,
/// without credentials of its own.
pub(super) fn webhook_url(text: &str) -> Result<Url, HookError> {
    let url = parse("webhook", text)?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(HookError::new(format!(
            "webhook URL `{}` must use https (plain http is allowed only to loopback hosts)",
            urls::shown(&url)
        ))),
        other => Err(HookError::new(format!(
            "webhook URL `{}` must use https, not `{other}`",
            urls::shown(&url)
        ))),
    }
}

/// A hook's URL (`what`: `webhook`, `probe`), refused when it does not parse
/// or carries a user name or password; no message repeats them.
pub(super) fn parse(what: &str, text: &str) -> Result<Url, HookError> {
    let url = Url::parse(text).map_err(|e| {
        HookError::new(format!(
            "{what} URL `{}` is not valid: {e}",
            urls::without_userinfo(text)
        ))
    })?;
    if urls::has_credentials(&url) {
        return Err(HookError::new(format!(
            "{what} URL `{}` carries a user name or password, which drplan does not send: a webhook sends credentials in `headers {{ Authorization = env(\"…\") }}`",
            urls::shown(&url)
        )));
    }
    Ok(url)
}

/// `200 OK`.
pub(super) fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// Reads a response's body into `kept`, at most [`KEPT_BYTES`] of it (a
/// server that sends more, or never stops, is not read further, and `kept`
/// says so), and returns its start for a message: enough that cutting it
/// to [`BODY_BYTES`] after redaction still shows that many.
pub(super) async fn read_body(response: &mut reqwest::Response, kept: &Capture) -> String {
    let mut start = Vec::new();
    let mut read = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(KEPT_BYTES - read);
                kept.push(&chunk[..take]);
                let want = (2 * BODY_BYTES).saturating_sub(start.len());
                start.extend_from_slice(&chunk[..take.min(want)]);
                read += take;
                if take < chunk.len() {
                    kept.note(&format!(
                        "[… the rest of the body was not read: drplan keeps {KEPT_BYTES} bytes …]"
                    ));
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                kept.note(&format!(
                    "[… the body ended early: {} …]",
                    chain(&e.without_url())
                ));
                break;
            }
        }
    }
    // Cut by the caller after redaction: a cut first could split a secret.
    String::from_utf8_lossy(&start).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::context::tests::{context, secrets};
    use crate::hooks::http_client;
    use crate::hooks::test_server::Server;
    use crate::plan::Secret;

    fn headers() -> BTreeMap<String, MapValue> {
        BTreeMap::from([
            (
                "Authorization".to_owned(),
                MapValue::Secret(Secret {
                    name: "HOOK_TOKEN".into(),
                }),
            ),
            ("X-Team".to_owned(), MapValue::Literal("dr".into())),
        ])
    }

    async fn send(
        url: &str,
        method: &str,
        body: Option<&str>,
        expect: Option<u16>,
    ) -> Result<HookOutput, HookError> {
        send_kept(url, method, body, expect).await.0
    }

    /// Sends the request; the result and the body kept.
    async fn send_kept(
        url: &str,
        method: &str,
        body: Option<&str>,
        expect: Option<u16>,
    ) -> (Result<HookOutput, HookError>, Option<String>) {
        let headers = headers();
        let request = Request {
            url,
            method,
            headers: &headers,
            body,
            expect,
        };
        let ctx = context(std::env::temp_dir());
        let secrets = secrets(&[("HOOK_TOKEN", "Bearer s3cret")]);
        let kept = Capture::new();
        let result = run(&http_client().unwrap(), &request, &ctx, &secrets, &kept).await;
        (result, kept.text())
    }

    #[tokio::test]
    async fn the_response_body_is_kept_redacted() {
        let server = Server::start(vec![(
            200,
            r#"{"state":"AG SYNCHRONIZED","echo":"Bearer s3cret"}"#,
        )])
        .await;
        let (result, kept) = send_kept(&server.url("/hook"), "POST", None, None).await;
        assert_eq!(result.unwrap().summary, "200 OK");
        assert_eq!(
            kept.as_deref(),
            Some(r#"{"state":"AG SYNCHRONIZED","echo":"***"}"#)
        );
    }

    /// The request's body: what follows the head.
    fn body_of(request: &str) -> &str {
        request.split_once("\r\n\r\n").unwrap().1
    }

    #[tokio::test]
    async fn posts_the_run_context_with_resolved_headers() {
        let server = Server::start(vec![(200, "")]).await;
        let out = send(&server.url("/hook"), "POST", None, None)
            .await
            .unwrap();
        assert_eq!(out.summary, "200 OK");
        let requests = server.requests();
        let request = &requests[0];
        assert!(request.starts_with("POST /hook HTTP/1.1\r\n"), "{request}");
        let lower = request.to_ascii_lowercase();
        assert!(
            lower.contains("\r\nauthorization: bearer s3cret\r\n"),
            "{request}"
        );
        assert!(lower.contains("\r\nx-team: dr\r\n"), "{request}");
        assert!(
            lower.contains("\r\ncontent-type: application/json\r\n"),
            "{request}"
        );
        let body: serde_json::Value = serde_json::from_str(body_of(request)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "run_id": "20260101-000000-abcd",
                "plan": "contoso-web",
                "operation": "failover",
                "direction": "primary_to_recovery",
                "group": "db",
                "vms": ["sql-01", "sql-02"],
                "primary": "westeurope",
                "recovery": "northeurope",
                "step": "hook:db/after/1",
            })
        );
    }

    #[tokio::test]
    async fn sends_the_given_body_and_method() {
        let server = Server::start(vec![(202, "")]).await;
        let out = send(&server.url("/x?y=1"), "PUT", Some(r#"{"a":1}"#), Some(202))
            .await
            .unwrap();
        assert_eq!(out.summary, "202 Accepted");
        let requests = server.requests();
        assert!(requests[0].starts_with("PUT /x?y=1 HTTP/1.1\r\n"));
        assert_eq!(body_of(&requests[0]), r#"{"a":1}"#);
    }

    #[tokio::test]
    async fn get_sends_no_default_body() {
        let server = Server::start(vec![(200, "")]).await;
        send(&server.url("/"), "GET", None, None).await.unwrap();
        let requests = server.requests();
        assert_eq!(body_of(&requests[0]), "");
        assert!(!requests[0].to_ascii_lowercase().contains("content-type"));
    }

    #[tokio::test]
    async fn an_unexpected_status_shows_the_response() {
        let server = Server::start(vec![(200, "welcome, Bearer s3cret")]).await;
        let err = send(&server.url("/hook?token=abc"), "POST", None, Some(201))
            .await
            .unwrap_err();
        let url = server.url("/hook");
        assert_eq!(
            err.message,
            format!("webhook POST {url} answered 200 OK, expected 201: welcome, ***")
        );

        let server = Server::start(vec![(500, "database is down")]).await;
        let err = send(&server.url("/hook"), "POST", None, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "webhook POST {} answered 500 Internal Server Error, expected any 2xx: database is down",
                server.url("/hook")
            )
        );
    }

    #[tokio::test]
    async fn a_connection_failure_says_so() {
        // Bind then drop a listener: nothing listens on the port now.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = send(&format!("http://127.0.0.1:{port}/"), "POST", None, None)
            .await
            .unwrap_err();
        assert!(
            err.message
                .starts_with(&format!("webhook POST http://127.0.0.1:{port}/ failed: ")),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn plain_http_goes_only_to_loopback() {
        let err = send("http://example.com/hook", "POST", None, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.message,
            "webhook URL `http://example.com/hook` must use https (plain http is allowed only to loopback hosts)"
        );
        for ok in [
            "http://localhost:1/",
            "http://127.1.2.3/",
            "http://[::1]/",
            "https://example.com/",
        ] {
            assert!(webhook_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.1/",
            "http://[::ffff:7f00:1]/",
            "ftp://localhost/",
        ] {
            assert!(webhook_url(refused).is_err(), "{refused}");
        }
    }

    #[tokio::test]
    async fn a_missing_header_secret_is_named() {
        let headers = headers();
        let request = Request {
            url: "https://example.com/",
            method: "POST",
            headers: &headers,
            body: None,
            expect: None,
        };
        let ctx = context(std::env::temp_dir());
        let err = run(
            &http_client().unwrap(),
            &request,
            &ctx,
            &secrets(&[]),
            &Capture::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.message,
            "webhook header `Authorization` reads the environment variable `HOOK_TOKEN`, which is not set"
        );
    }

    #[tokio::test]
    async fn a_url_with_credentials_is_never_sent_nor_repeated() {
        let server = Server::start(vec![(200, "")]).await;
        let url = server
            .url("/hook")
            .replacen("http://", "http://ops:s3cret@", 1);
        let err = send(&url, "POST", None, None).await.unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "webhook URL `{}` carries a user name or password, which drplan does not send: a webhook sends credentials in `headers {{ Authorization = env(\"…\") }}`",
                server.url("/hook")
            )
        );
        assert!(server.requests().is_empty());
        let err = webhook_url("https://ops:s3cret@exa mple.com/").unwrap_err();
        assert!(!err.message.contains("s3cret"), "{}", err.message);
    }
}
