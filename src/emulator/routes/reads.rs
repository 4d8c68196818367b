//! The reads: items (paged), one item, recovery points, jobs (paged), one
//! job, vault health, and the status of long-running operations. The simulated vault's machines and jobs in; ASR's JSON out.

use serde_json::{Value, json};

use super::super::Emu;
use super::super::arm::filter::filter_clauses;
use super::super::json::{self, EmuItem, ItemContext, page};
use super::path::eq;
use super::reply::{Link, Reply, bad_skip_token, error_details, job_error};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{Job, JobId, JobState, Machine, Provider, ProviderError, Target};

/// Items per page of `replicationProtectedItems` unless the options say:
/// small, so clients must follow `nextLink`.
pub(crate) const ITEMS_PAGE: usize = 3;

/// Jobs per page of `replicationJobs` unless the options say.
pub(crate) const JOBS_PAGE: usize = 5;

/// ASR's `Retry-After` for a running operation, before the speed divides it
/// (as in the examples).
pub(super) const ASR_RETRY_AFTER_S: f64 = 30.0;

impl Emu {
    /// ASR's 30-second `Retry-After` divided by the speed (0 at high speeds).
    pub(super) fn retry_after_s(&self) -> u64 {
        // A small non-negative number: at most 30.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s = (ASR_RETRY_AFTER_S / self.speed).round().clamp(0.0, 30.0) as u64;
        s
    }

    pub(super) fn targets(&self, indices: impl Iterator<Item = usize>) -> Vec<Target> {
        indices
            .filter_map(|i| self.items.get(i).map(|it| it.target.clone()))
            .collect()
    }

    pub(super) fn item_of_vm(&self, vm: &str) -> Option<&EmuItem> {
        self.items.iter().find(|it| it.target.vm == vm)
    }

    /// The JSON of the items at `indices`.
    pub(super) async fn item_values(&self, indices: &[usize]) -> Result<Vec<Value>, ProviderError> {
        let targets = self.targets(indices.iter().copied());
        let machines = self.sim.machines(&targets).await?;
        let jobs = self.sim.jobs(&targets).await?;
        let now = self.clock.now();
        Ok(indices
            .iter()
            .zip(&machines)
            .filter_map(|(i, m)| {
                let item = self.items.get(*i)?;
                Some(self.item_value(item, m, &jobs, now))
            })
            .collect())
    }

    pub(super) fn item_value(
        &self,
        item: &EmuItem,
        m: &Machine,
        jobs: &[Job],
        now: crate::clock::Timestamp,
    ) -> Value {
        let current = m
            .current_job
            .as_ref()
            .and_then(|id| jobs.iter().find(|j| &j.id == id));
        // Jobs come newest first.
        let last_failover = jobs.iter().find(|j| {
            j.vm == m.vm
                && matches!(j.operation, Operation::Failover | Operation::Failback)
                && j.state == JobState::Succeeded
        });
        json::item(
            &self.names,
            item,
            m,
            &ItemContext {
                current,
                last_failover,
                now,
            },
        )
    }

    pub(super) async fn items(
        &self,
        link: &Link,
        skip: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        let start = match skip.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) if n <= self.items.len() => n,
            Some(_) => return Ok(bad_skip_token()),
        };
        let end = (start + self.items_page).min(self.items.len());
        let indices: Vec<usize> = (start..end).collect();
        let values = self.item_values(&indices).await?;
        let next = (end < self.items.len()).then(|| link.next(&end.to_string()));
        Ok(Reply::ok(page(values, next)))
    }

    pub(super) async fn one_item(&self, i: usize) -> Result<Reply, ProviderError> {
        let mut values = self.item_values(&[i]).await?;
        Ok(Reply::ok(values.pop().unwrap_or(Value::Null)))
    }

    pub(super) fn recovery_points(
        &self,
        i: usize,
        one: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        let Some(item) = self.items.get(i) else {
            return Ok(Reply::error(404, "ResourceNotFound", "No such item."));
        };
        let points = self.sim.recovery_points(&item.target)?;
        let values: Vec<Value> = points
            .iter()
            .filter(|p| one.is_none_or(|id| eq(id, &p.id)))
            .map(|p| json::recovery_point(&self.names, item, p))
            .collect();
        Ok(match one {
            None => Reply::ok(page(values, None)),
            Some(id) => match values.into_iter().next() {
                Some(v) => Reply::ok(v),
                None => Reply::error(
                    404,
                    "ResourceNotFound",
                    &format!(
                        "The recovery point '{id}' was not found (points older than a few minutes are replaced by newer ones)."
                    ),
                ),
            },
        })
    }

    pub(super) fn job_value(&self, job: &Job) -> Result<Value, ProviderError> {
        let tasks = self.sim.job_tasks(&job.id)?;
        let item = self
            .item_of_vm(&job.vm)
            .cloned()
            .unwrap_or_else(|| EmuItem {
                target: Target {
                    vm: job.vm.clone(),
                    item: job.vm.clone(),
                    group: String::new(),
                },
                name: job.vm.clone(),
            });
        Ok(json::job(&self.names, &item, job, &tasks))
    }

    pub(super) async fn jobs(
        &self,
        link: &Link,
        skip: Option<&str>,
        filter: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        let window = match JobWindow::parse(filter) {
            Ok(window) => window,
            Err(message) => return Ok(Reply::error(400, "InvalidFilter", &message)),
        };
        let mut all = self.sim.jobs(&self.targets(0..self.items.len())).await?;
        all.retain(|j| window.holds(j.started));
        // The token is the last job of the previous page: new jobs come
        // first, so the pages after it do not shift.
        let start = match skip {
            None => 0,
            Some(token) => match all.iter().position(|j| eq(&j.id.0, token)) {
                Some(i) => i + 1,
                None => return Ok(bad_skip_token()),
            },
        };
        let end = (start + self.jobs_page).min(all.len());
        let mut values = Vec::new();
        for job in all.get(start..end).unwrap_or_default() {
            values.push(self.job_value(job)?);
        }
        let next = (end < all.len())
            .then(|| all.get(end - 1).map(|j| link.next(&j.id.0)))
            .flatten();
        Ok(Reply::ok(page(values, next)))
    }

    pub(super) async fn one_job(&self, id: &str) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        Ok(Reply::ok(self.job_value(&job)?))
    }

    pub(super) async fn vault_health(&self) -> Result<Reply, ProviderError> {
        let targets = self.targets(0..self.items.len());
        let machines = self.sim.machines(&targets).await?;
        let vault = self.sim.vault_health().await?;
        let pairs: Vec<(EmuItem, Machine)> = self.items.iter().cloned().zip(machines).collect();
        Ok(Reply::ok(json::vault_health(
            &self.names,
            &vault.issues,
            &pairs,
            self.clock.now(),
        )))
    }

    pub(super) async fn operation_result(
        &self,
        id: &str,
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        if !job.state.is_terminal() {
            return Ok(Reply::empty(202)
                .header("Location", &link.here())
                .header("Retry-After", &self.retry_after_s()));
        }
        if job.state == JobState::Succeeded {
            let Some(i) = self.items.iter().position(|it| it.target.vm == job.vm) else {
                return Ok(Reply::empty(204));
            };
            return self.one_item(i).await;
        }
        let (code, message) = job_error(&job);
        Ok(Reply::json(
            400,
            json!({"error": {"code": code, "message": message, "details": error_details(&job)}}),
        ))
    }

    pub(super) async fn operation_status(&self, id: &str) -> Result<Reply, ProviderError> {
        let job = self.sim.job(&JobId(id.to_owned())).await?;
        let status = match job.state {
            JobState::Succeeded => "Succeeded",
            JobState::Failed => "Failed",
            JobState::Cancelled => "Canceled",
            _ => "InProgress",
        };
        let mut body = json!({
            "id": format!("{}/replicationOperationStatus/{}", self.names.vault, job.id),
            "name": job.id.0,
            "status": status,
            "startTime": job.started.to_string(),
            "endTime": job.ended.map(|t| t.to_string()),
            "percentComplete": job.percent,
        });
        if matches!(job.state, JobState::Failed | JobState::Cancelled) {
            let (code, message) = job_error(&job);
            if let Some(obj) = body.as_object_mut() {
                obj.insert(
                    "error".into(),
                    json!({"code": code, "message": message, "details": error_details(&job)}),
                );
            }
        }
        let mut reply = Reply::ok(body);
        if !job.state.is_terminal() {
            reply = reply.header("Retry-After", &self.retry_after_s());
        }
        Ok(reply)
    }
}

/// The start times a `replicationJobs` `$filter` selects: `startTime eq 'T'`
/// keeps the jobs started at T or later, `endTime eq 'T'` those started at T
/// or earlier (ASR's `JobQueryParameter`, whose fields are written as `eq`
/// clauses). Its other fields (`jobStatus`, `fabricId`, …) are accepted and
/// ignored: every job passes them.
#[derive(Debug, Default, PartialEq)]
struct JobWindow {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl JobWindow {
    fn parse(filter: Option<&str>) -> Result<JobWindow, String> {
        let Some(text) = filter.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(JobWindow::default());
        };
        let clauses = filter_clauses(text).ok_or_else(|| {
            format!(
                "Invalid $filter '{text}' specified in the query string. Write clauses such as \
                 `startTime eq '2026-01-01T00:00:00Z'` joined by `and`."
            )
        })?;
        let mut window = JobWindow::default();
        for (field, value) in clauses {
            let slot = match field.as_str() {
                "starttime" => &mut window.from,
                "endtime" => &mut window.to,
                _ => continue,
            };
            let at = value.parse::<Timestamp>().map_err(|e| {
                format!("Invalid $filter: `{field}` '{value}' is not a date and time ({e}).")
            })?;
            *slot = Some(at);
        }
        Ok(window)
    }

    fn holds(&self, started: Timestamp) -> bool {
        self.from.is_none_or(|from| started >= from) && self.to.is_none_or(|to| started <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_job_filter_keeps_the_jobs_started_in_its_window() {
        let w = JobWindow::parse(Some(
            "startTime eq '2026-01-01T10:00:00Z' and endTime eq '2026-01-01T11:00:00Z'",
        ))
        .unwrap();
        assert!(!w.holds(at("2026-01-01T09:59:59Z")));
        assert!(w.holds(at("2026-01-01T10:00:00Z")));
        assert!(w.holds(at("2026-01-01T11:00:00Z")));
        assert!(!w.holds(at("2026-01-01T11:00:01Z")));
        // Fields the emulator does not select by pass every job.
        let w = JobWindow::parse(Some("jobStatus eq 'Succeeded'")).unwrap();
        assert_eq!(w, JobWindow::default());
        assert!(w.holds(at("2020-01-01T00:00:00Z")));
    }

    #[test]
    fn a_malformed_job_filter_is_refused_with_what_to_write() {
        let e = JobWindow::parse(Some("startTime > 3")).unwrap_err();
        assert!(e.contains("startTime eq '"), "{e}");
        let e = JobWindow::parse(Some("startTime eq 'yesterday'")).unwrap_err();
        assert!(e.contains("not a date and time"), "{e}");
    }
}
