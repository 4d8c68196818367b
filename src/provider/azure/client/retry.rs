//! When a request is worth sending again, and after how long: an answer (or
//! its status and headers) in; whether to retry and the wait out.

use std::time::{Duration, SystemTime};

use super::{ClientError, Reply};

/// Whether a 401 says the token expired: ARM's `ExpiredAuthenticationToken`,
/// or a `WWW-Authenticate` challenge with `error="invalid_token"` (RFC 6750:
/// expired, revoked or malformed; a fresh token cures the first two).
pub(super) fn token_expired(reply: &Reply, error: &ClientError) -> bool {
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
pub(super) fn surely_not_started(reply: &Reply) -> bool {
    match reply.status.as_u16() {
        429 => true,
        503 => reply.header("location").is_none() && reply.header("azure-asyncoperation").is_none(),
        _ => false,
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
