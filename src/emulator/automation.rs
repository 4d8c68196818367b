//! The emulator's Azure Automation jobs (spec: asr-model.md "Runbook hooks"):
//! the plan's runbook accounts and the simulator's runbook jobs in; the
//! Automation API's job, output and stream bodies (shaped like
//! `tests/fixtures/automation-api/examples/`) out. A job's statuses and how
//! it ends come from [`Simulator::start_runbook`] and [`RunbookJob::status`];
//! only the jobs created through the API are kept here, in memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value, json};

use super::json::{fnv1a, guid};
use crate::clock::Timestamp;
use crate::plan::{HookAction, Plan};
use crate::provider::ProviderError;
use crate::provider::simulator::{RunbookJob, RunbookStatus, Simulator};

/// The Automation api-versions the emulator accepts.
pub(crate) const API_VERSIONS: [&str; 2] = ["2024-10-23", "2023-11-01"];

/// The plan's Automation accounts and the jobs created in them.
#[derive(Debug)]
pub(crate) struct Automation {
    accounts: Vec<Account>,
    jobs: Mutex<HashMap<(usize, String), AutomationJob>>,
}

/// One Automation account the plan's runbooks run in.
#[derive(Debug)]
pub(crate) struct Account {
    /// Its ARM id, as the plan writes it.
    pub(crate) id: String,
    /// The runbooks the plan runs in it.
    runbooks: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct AutomationJob {
    name: String,
    job: RunbookJob,
    parameters: Map<String, Value>,
    run_on: String,
}

/// Why a request about a job fails: an HTTP status, an ARM error code and a message.
pub(crate) type Refusal = (u16, &'static str, String);

impl Automation {
    /// The accounts of the plan's runbook hooks.
    pub(crate) fn new(plan: &Plan) -> Automation {
        let mut by_id: BTreeMap<String, Account> = BTreeMap::new();
        let hooks = plan
            .groups
            .iter()
            .flat_map(|g| g.hooks.iter().flat_map(|b| b.hooks.iter()));
        for hook in hooks {
            if let HookAction::Runbook { name, account, .. } = &hook.action {
                let id = account.trim_end_matches('/').to_owned();
                by_id
                    .entry(id.to_ascii_lowercase())
                    .or_insert_with(|| Account {
                        id,
                        runbooks: BTreeSet::new(),
                    })
                    .runbooks
                    .insert(name.clone());
            }
        }
        Automation {
            accounts: by_id.into_values().collect(),
            jobs: Mutex::new(HashMap::new()),
        }
    }

    /// The accounts, by index.
    pub(crate) fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// `PUT A/jobs/{name}`: creates a job (201), or returns the same job
    /// again for a retried request (200) *(inferred)*.
    pub(crate) fn create(
        &self,
        sim: &Simulator,
        account: usize,
        name: &str,
        body: &Value,
        now: Timestamp,
    ) -> Result<(u16, Value), Refusal> {
        let bad = |m: &str| (400, "BadRequest", m.to_owned());
        let props = body
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("The request body needs `properties` with `runbook.name`."))?;
        let runbook = props
            .get("runbook")
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("`properties.runbook.name` is required."))?;
        let parameters = match props.get("parameters") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => {
                if let Some((key, _)) = map.iter().find(|(_, v)| !v.is_string()) {
                    return Err(bad(&format!(
                        "Parameter `{key}` is not a string: runbook parameters are strings (JSON text for objects)."
                    )));
                }
                map.clone()
            }
            Some(_) => return Err(bad("`properties.parameters` is an object of strings.")),
        };
        let run_on = match props.get("runOn") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(bad("`properties.runOn` is a string.")),
        };
        let Some(acct) = self.accounts.get(account) else {
            return Err((404, "NotFound", "No such Automation account.".to_owned()));
        };
        if !acct.runbooks.contains(runbook) {
            return Err((
                404,
                "NotFound",
                format!(
                    "Runbook '{runbook}' was not found in the Automation account (the plan runs: {}).",
                    acct.runbooks.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let key = (account, name.to_ascii_lowercase());
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = jobs.get(&key) {
            if existing.job.runbook == runbook {
                return Ok((200, job_json(acct, existing, now)));
            }
            return Err((
                409,
                "Conflict",
                format!(
                    "A job named '{name}' already exists for runbook '{}'.",
                    existing.job.runbook
                ),
            ));
        }
        let job = sim
            .start_runbook(runbook, Some(name))
            .map_err(|e: ProviderError| (500, "InternalServerError", e.to_string()))?;
        let created = AutomationJob {
            name: name.to_owned(),
            job,
            parameters,
            run_on,
        };
        let body = job_json(acct, &created, now);
        jobs.insert(key, created);
        Ok((201, body))
    }

    fn find<T>(
        &self,
        account: usize,
        name: &str,
        f: impl FnOnce(&Account, &AutomationJob) -> T,
    ) -> Result<T, Refusal> {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        match (
            self.accounts.get(account),
            jobs.get(&(account, name.to_ascii_lowercase())),
        ) {
            (Some(acct), Some(job)) => Ok(f(acct, job)),
            _ => Err((404, "NotFound", format!("The job '{name}' was not found."))),
        }
    }

    /// `GET A/jobs/{name}`.
    pub(crate) fn get(&self, account: usize, name: &str, now: Timestamp) -> Result<Value, Refusal> {
        self.find(account, name, |acct, job| job_json(acct, job, now))
    }

    /// `GET A/jobs/{name}/output`: the output stream's text.
    pub(crate) fn output(
        &self,
        account: usize,
        name: &str,
        now: Timestamp,
    ) -> Result<String, Refusal> {
        self.find(account, name, |_, job| {
            streams(job, now)
                .into_iter()
                .filter(|s| s.kind == "Output")
                .map(|s| s.text)
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// `GET A/jobs/{name}/streams`.
    pub(crate) fn streams(
        &self,
        account: usize,
        name: &str,
        now: Timestamp,
    ) -> Result<Value, Refusal> {
        self.find(account, name, |acct, job| {
            let value: Vec<Value> = streams(job, now)
                .iter()
                .map(|s| stream_json(acct, job, s, false))
                .collect();
            json!({"value": value, "nextLink": null})
        })
    }

    /// `GET A/jobs/{name}/streams/{id}`.
    pub(crate) fn stream(
        &self,
        account: usize,
        name: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<Value, Refusal> {
        self.find(account, name, |acct, job| {
            streams(job, now)
                .iter()
                .find(|s| s.id == id)
                .map(|s| stream_json(acct, job, s, true))
        })?
        .ok_or_else(|| {
            (
                404,
                "NotFound",
                format!("The job stream '{id}' was not found."),
            )
        })
    }
}

/// One line of a job's output or error stream.
struct Stream {
    id: String,
    kind: &'static str,
    text: String,
    time: Timestamp,
}

/// A job's streams at `now`: its output lines and, when it failed, its
/// exception on the error stream.
fn streams(job: &AutomationJob, now: Timestamp) -> Vec<Stream> {
    let status = job.job.status(now);
    let Some(outcome) = &status.outcome else {
        return Vec::new();
    };
    let at = status.ended.unwrap_or(now);
    let job_id = job_id(job);
    let mut lines: Vec<(&'static str, String)> = outcome
        .output_tail
        .lines()
        .map(|l| ("Output", l.to_owned()))
        .collect();
    if let Some(exception) = &outcome.exception {
        lines.push(("Error", exception.clone()));
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (kind, text))| Stream {
            id: format!("{job_id}_{:020}_{:020}", at.unix_secs(), i + 1),
            kind,
            text,
            time: at,
        })
        .collect()
}

fn stream_json(acct: &Account, job: &AutomationJob, s: &Stream, full: bool) -> Value {
    let mut props = json!({
        "jobStreamId": s.id,
        "streamType": s.kind,
        "summary": s.text,
        "time": s.time.to_string(),
    });
    if full && let Some(obj) = props.as_object_mut() {
        obj.insert("streamText".into(), json!(s.text));
        obj.insert("value".into(), json!({}));
    }
    json!({
        "id": format!("{}/jobs/{}/streams/{}", acct.id, job.name, s.id),
        "properties": props,
    })
}

fn job_id(job: &AutomationJob) -> String {
    guid(fnv1a(&job.name), job.job.created.unix_secs())
}

fn job_json(acct: &Account, job: &AutomationJob, now: Timestamp) -> Value {
    let RunbookStatus {
        status,
        started,
        ended,
        outcome,
    } = job.job.status(now);
    let provisioning = match status {
        "Completed" => "Succeeded",
        "Failed" | "Stopped" => "Failed",
        _ => "Processing",
    };
    let last_change = ended.or(started).unwrap_or(job.job.created).to_string();
    json!({
        "id": format!("{}/jobs/{}", acct.id, job.name),
        "name": job.name,
        "type": "Microsoft.Automation/AutomationAccounts/Jobs",
        "properties": {
            "runbook": {"name": job.job.runbook},
            "startedBy": "drplan emulator",
            "runOn": job.run_on,
            "jobId": job_id(job),
            "creationTime": job.job.created.to_string(),
            "status": status,
            "statusDetails": "None",
            "startTime": started.map(|t| t.to_string()),
            "endTime": ended.map(|t| t.to_string()),
            "exception": outcome.and_then(|o| o.exception),
            "lastModifiedTime": last_change,
            "lastStatusModifiedTime": last_change,
            "parameters": job.parameters,
            "provisioningState": provisioning,
            "jobRuntimeEnvironment": {"runtimeEnvironmentName": ""},
        }
    })
}
