//! Long-running operations (spec: asr-model.md "Long-running operations"):
//! the answer to an action (its `Location`, `x-ms-request-id`,
//! `Azure-AsyncOperation` headers, or the item in a `200` body) in, the ASR
//! job that carries the operation out; and how long to wait between polls
//! of a job, from how many polls came before and the `Retry-After` seen.
//!
//! drplan follows an operation through its ASR job (`replicationJobs/{id}`)
//! rather than the operation status URL: the job has the tasks (progress),
//! the `Suspended` state (waiting for input) and the errors with their
//! possible causes and recommended actions, which the operator needs.

use std::time::Duration;

use super::client::Reply;
use super::models::{CurrentScenario, ProtectedItem};

/// How often jobs (ASR and Automation) are polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOptions {
    /// The first waits, in order (short: most jobs show progress early).
    pub first: Vec<Duration>,
    /// The wait after those.
    pub steady: Duration,
    /// The longest `Retry-After` honoured (a larger one is cut to this).
    pub max_retry_after: Duration,
}

impl Default for PollOptions {
    /// 2 s, 5 s, then every 15 s; a `Retry-After` up to 2 minutes.
    fn default() -> Self {
        PollOptions {
            first: vec![Duration::from_secs(2), Duration::from_secs(5)],
            steady: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl PollOptions {
    /// The wait after poll number `done` (from 0): the service's
    /// `Retry-After` when it gave one, else the schedule.
    pub fn delay(&self, done: usize, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(after) => after.clamp(Duration::from_secs(1), self.max_retry_after),
            None => self.first.get(done).copied().unwrap_or(self.steady),
        }
    }
}

/// The last path segment of a URL or ARM id, without its query.
pub(crate) fn last_segment(text: &str) -> Option<&str> {
    let path = text.split(['?', '#']).next().unwrap_or(text);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}

/// The job id in a `currentScenario`, when a job runs (`scenarioName` is
/// neither empty nor `None`, and the id is not `.../replicationJobs/None`).
pub(crate) fn scenario_job(scenario: Option<&CurrentScenario>) -> Option<String> {
    let scenario = scenario?;
    let name = scenario.scenario_name.as_deref().unwrap_or("").trim();
    if name.is_empty() || name.eq_ignore_ascii_case("None") {
        return None;
    }
    let id = last_segment(scenario.job_id.as_deref()?)?;
    (!id.eq_ignore_ascii_case("None")).then(|| id.to_owned())
}

/// The ASR job an action's answer names: `Location`'s
/// `.../operationresults/{jobId}`, else `x-ms-request-id` when it is a job's
/// ARM id, else the `currentScenario` of an item in a `200` body. `None`
/// when the answer names none (read the item then).
pub(crate) fn started_job(reply: &Reply) -> Option<String> {
    if let Some(location) = reply.header("location") {
        let lower = location.to_ascii_lowercase();
        if lower.contains("/operationresults/")
            && let Some(id) = last_segment(location)
        {
            return Some(id.to_owned());
        }
    }
    if let Some(request_id) = reply.header("x-ms-request-id")
        && request_id
            .to_ascii_lowercase()
            .contains("/replicationjobs/")
        && let Some(id) = last_segment(request_id)
    {
        return Some(id.to_owned());
    }
    let item: ProtectedItem = serde_json::from_slice(&reply.body).ok()?;
    scenario_job(item.properties.current_scenario.as_ref())
}

/// The operation id of `Azure-AsyncOperation` (`.../replicationOperationStatus/{id}`):
/// the last resort for a job id when neither the answer nor the item names one.
pub(crate) fn async_operation_id(reply: &Reply) -> Option<String> {
    reply
        .header("azure-asyncoperation")
        .and_then(last_segment)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn reply(headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Reply {
            status: StatusCode::ACCEPTED,
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_schedule_starts_short_and_honours_retry_after() {
        let p = PollOptions::default();
        assert_eq!(p.delay(0, None), Duration::from_secs(2));
        assert_eq!(p.delay(1, None), Duration::from_secs(5));
        assert_eq!(p.delay(2, None), Duration::from_secs(15));
        assert_eq!(p.delay(50, None), Duration::from_secs(15));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(120)
        );
        assert_eq!(p.delay(0, Some(Duration::ZERO)), Duration::from_secs(1));
    }

    #[test]
    fn the_job_id_comes_from_location_then_request_id_then_the_body() {
        let v = "/Subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v";
        let r = reply(
            &[(
                "location",
                &format!(
                    "https://management.azure.com{v}/replicationJobs/j1/operationresults/j1?api-version=2026-05-01"
                ),
            )],
            "",
        );
        assert_eq!(started_job(&r).as_deref(), Some("j1"));
        let r = reply(
            &[("x-ms-request-id", &format!("{v}/replicationJobs/j2"))],
            "",
        );
        assert_eq!(started_job(&r).as_deref(), Some("j2"));
        // A plain request id is ARM's, not a job's.
        let r = reply(
            &[("x-ms-request-id", "0b8d0b2c-1f3a-4f2e-9d57-3a4c1d5e6f70")],
            "",
        );
        assert_eq!(started_job(&r), None);
        let body = format!(
            r#"{{"properties":{{"currentScenario":{{"scenarioName":"TestFailover","jobId":"{v}/replicationJobs/j3"}}}}}}"#
        );
        assert_eq!(started_job(&reply(&[], &body)).as_deref(), Some("j3"));
        let idle = format!(
            r#"{{"properties":{{"currentScenario":{{"scenarioName":"None","jobId":"{v}/replicationJobs/None"}}}}}}"#
        );
        assert_eq!(started_job(&reply(&[], &idle)), None);
        let r = reply(
            &[(
                "azure-asyncoperation",
                &format!("https://x{v}/replicationOperationStatus/op1?api-version=1"),
            )],
            "",
        );
        assert_eq!(async_operation_id(&r).as_deref(), Some("op1"));
    }
}
