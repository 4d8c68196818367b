//! `probe "<url>" { expect  every  within }`: a URL and a schedule in; success
//! once a `GET` answers the expected status, or an error saying what the last
//! attempt got and how long the probe tried; the last attempt's status and
//! response body to a [`Capture`].
//!
//! Attempts start every `every` (measured from one start to the next) and no
//! new attempt starts after `within`. One attempt lasts at most `every` (but
//! at least the connect timeout), so a hung server cannot stall the schedule.
//! A probe carries no secrets, so plain http is allowed anywhere; a URL with
//! a user name or password is refused, as for a webhook.

use std::time::Duration;

use tokio::time::Instant;

use super::output::Capture;
use super::webhook::{read_body, status_text};
use super::{CONNECT_TIMEOUT, HookError, HookOutput, chain};
use crate::provider::Progress;
use crate::urls;

/// A probe as the plan gives it.
pub(super) struct Probe<'a> {
    pub(super) url: &'a str,
    pub(super) expect: u16,
    pub(super) every: Duration,
    pub(super) within: Duration,
}

/// Polls until the expected status or the end of `within`. `kept` must be
/// started: it holds the last attempt only.
pub(super) async fn run(
    http: &reqwest::Client,
    probe: &Probe<'_>,
    progress: &(dyn Fn(Progress) + Send + Sync),
    kept: &Capture,
) -> Result<HookOutput, HookError> {
    let url = super::webhook::parse("probe", probe.url)?;
    let shown = urls::shown(&url);
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HookError::new(format!(
            "probe URL `{shown}` must use http or https"
        )));
    }
    let attempt_limit = probe.every.max(CONNECT_TIMEOUT);
    let start = Instant::now();
    let deadline = start + probe.within;
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let began = Instant::now();
        // The body is read within the attempt's time too: the last response,
        // whole, is the probe's evidence.
        let asked = async {
            let mut response = http.get(url.clone()).send().await?;
            let status = response.status();
            kept.clear();
            kept.push(format!("attempt {attempt}: {}\n", status_text(status)).as_bytes());
            read_body(&mut response, kept).await;
            Ok::<_, reqwest::Error>(status)
        };
        let (last, answered) = match tokio::time::timeout(attempt_limit, asked).await {
            Ok(Ok(status)) if status.as_u16() == probe.expect => {
                return Ok(HookOutput::new(format!(
                    "{} (attempt {attempt})",
                    status_text(status)
                )));
            }
            Ok(Ok(status)) => (status_text(status), true),
            Ok(Err(e)) => (chain(&e.without_url()), false),
            Err(_) => (format!("no answer within {}", ms(attempt_limit)), false),
        };
        if !answered {
            kept.clear();
            kept.push(format!("attempt {attempt}: {last}\n").as_bytes());
        }
        progress(Progress {
            percent: None,
            message: format!("attempt {attempt}: {last}"),
        });
        let next = began + probe.every;
        if next > deadline {
            return Err(HookError::new(format!(
                "probe {shown} did not answer {} within {} ({attempt} attempts over {}); last: {last}",
                probe.expect,
                ms(probe.within),
                ms(start.elapsed()),
            )));
        }
        tokio::time::sleep_until(next).await;
    }
}

/// A duration as the language writes it, to the millisecond.
fn ms(d: Duration) -> crate::duration::Duration {
    crate::duration::Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::hooks::http_client;
    use crate::hooks::output::Redactor;
    use crate::hooks::test_server::Server;

    fn started() -> Capture {
        let kept = Capture::new();
        kept.start(&Redactor::default());
        kept
    }

    /// What a probe run left: its result, its progress messages and the
    /// output kept.
    struct Polled {
        result: Result<HookOutput, HookError>,
        seen: Vec<String>,
        kept: Option<String>,
    }

    async fn poll(probe: &Probe<'_>) -> Polled {
        let seen = Mutex::new(Vec::new());
        let kept = started();
        let result = run(
            &http_client().unwrap(),
            probe,
            &|p: Progress| seen.lock().unwrap().push(p.message),
            &kept,
        )
        .await;
        Polled {
            result,
            seen: seen.into_inner().unwrap(),
            kept: kept.text(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_once_the_url_answers() {
        let server = Server::start(vec![(503, ""), (503, ""), (404, ""), (200, "healthy")]).await;
        let url = server.url("/health");
        let probe = Probe {
            url: &url,
            expect: 200,
            every: Duration::from_secs(15),
            within: Duration::from_secs(600),
        };
        let start = Instant::now();
        let polled = poll(&probe).await;
        assert_eq!(polled.result.unwrap().summary, "200 OK (attempt 4)");
        assert_eq!(
            polled.seen,
            [
                "attempt 1: 503 Service Unavailable",
                "attempt 2: 503 Service Unavailable",
                "attempt 3: 404 Not Found",
            ]
        );
        assert_eq!(server.requests().len(), 4);
        assert!(server.requests()[0].starts_with("GET /health HTTP/1.1\r\n"));
        // Three intervals of paused time passed; loopback requests take none.
        assert_eq!(start.elapsed().as_secs(), 45);
        // The last response is kept, body and all.
        assert_eq!(polled.kept.as_deref(), Some("attempt 4: 200 OK\nhealthy"));
    }

    /// Polls `url` every 15 s for a minute, expecting 200.
    async fn poll_a_minute(url: &str) -> Result<HookOutput, HookError> {
        let probe = Probe {
            url,
            expect: 200,
            every: Duration::from_secs(15),
            within: Duration::from_secs(60),
        };
        poll(&probe).await.result
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_within() {
        let server = Server::start(vec![(503, "")]).await;
        let url = server.url("/health");
        let err = poll_a_minute(&url).await.unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "probe {url} did not answer 200 within 1m (5 attempts over 1m); last: 503 Service Unavailable"
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_url_with_credentials_is_never_polled() {
        let server = Server::start(vec![(200, "")]).await;
        let url = server
            .url("/health")
            .replacen("http://", "http://probe:s3cret@", 1);
        let err = poll_a_minute(&url).await.unwrap_err();
        assert!(err.message.starts_with("probe URL `"), "{}", err.message);
        assert!(!err.message.contains("s3cret"), "{}", err.message);
        assert!(server.requests().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn reports_connection_errors() {
        // Bind then drop a listener: nothing listens on the port now.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/");
        let probe = Probe {
            url: &url,
            expect: 200,
            every: Duration::from_secs(15),
            within: Duration::from_secs(60),
        };
        let polled = poll(&probe).await;
        let err = polled.result.unwrap_err();
        let expected =
            format!("probe {url} did not answer 200 within 1m (5 attempts over 1m); last: ");
        assert!(err.message.starts_with(&expected), "{}", err.message);
        assert!(err.message.contains("onnection refused"), "{}", err.message);
        assert_eq!(polled.seen.len(), 5);
        let kept = polled.kept.unwrap();
        assert!(kept.starts_with("attempt 5: "), "{kept}");
    }
}
