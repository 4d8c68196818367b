//! Runbook hooks on Azure Automation: the hook's account, runbook and
//! parameters in; a job created under a fresh name, followed to its end, and
//! its status, exception and the tail of its output (with the error streams
//! of a failed one) out (spec: asr-model.md "Runbook hooks").

use super::client::{self, ClientError};
use super::models::{
    AutomationJob, AutomationJobCreate, AutomationJobCreateProperties, JobStream, RunbookRef,
};
use super::{AUTOMATION_API_VERSION, AzureProvider, service};
use crate::provider::{Progress, ProviderError, RunbookOutcome, RunbookRequest};

/// Lines of runbook output kept for the operator.
const OUTPUT_TAIL_LINES: usize = 20;

/// Error streams of a failed runbook shown in full.
const ERROR_STREAMS: usize = 5;

impl AzureProvider {
    /// [`Provider::run_runbook`](crate::provider::Provider::run_runbook).
    pub(super) async fn runbook_job(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        let account = automation_account(&request.account)?;
        let name = client::new_guid();
        let job_path = format!("{account}/jobs/{name}");
        let body = AutomationJobCreate {
            properties: AutomationJobCreateProperties {
                runbook: RunbookRef {
                    name: &request.runbook,
                },
                parameters: &request.params,
                run_on: "",
            },
        };
        let fail = |e: ClientError| {
            service(format!(
                "runbook {}: cannot start an Automation job in {account}: {e}",
                request.runbook
            ))
        };
        match self
            .client
            .put(&job_path, AUTOMATION_API_VERSION, &body)
            .await
        {
            Ok(_) => {}
            // The job's name is ours: whether it exists tells whether the PUT took.
            Err(ClientError::OutcomeUnknown(why)) => match self.automation_job(&job_path).await {
                Ok(_) => {
                    tracing::warn!(runbook = %request.runbook, "the job was created after all ({why})");
                }
                Err(e) if e.status() == Some(404) => {
                    self.client
                        .put(&job_path, AUTOMATION_API_VERSION, &body)
                        .await
                        .map_err(fail)?;
                }
                Err(e) => return Err(fail(e)),
            },
            Err(e) => return Err(fail(e)),
        }
        tracing::info!(runbook = %request.runbook, job = %name, "Automation job started");
        let mut last_status = String::new();
        let mut polls = 0;
        let job = loop {
            match self.automation_job(&job_path).await {
                Ok(job) => {
                    let status = job
                        .properties
                        .status
                        .clone()
                        .unwrap_or_else(|| "New".to_owned());
                    if status != last_status {
                        progress(Progress {
                            percent: None,
                            message: format!(
                                "runbook {}: Automation job {name} is {status}",
                                request.runbook
                            ),
                        });
                        last_status.clone_from(&status);
                    }
                    if is_final_runbook_status(&status) {
                        break job;
                    }
                }
                Err(e) if e.is_transient() => {
                    tracing::warn!(job = %name, error = %e, "cannot read the Automation job now; trying again");
                }
                Err(e) => return Err(e.into()),
            }
            tokio::time::sleep(self.options.poll.delay(polls, None)).await;
            polls += 1;
        };
        let succeeded = last_status.eq_ignore_ascii_case("Completed");
        let output_tail = self.runbook_tail(&job_path, !succeeded).await;
        Ok(RunbookOutcome {
            job: name,
            succeeded,
            status: last_status,
            exception: job.properties.exception.filter(|e| !e.trim().is_empty()),
            output_tail,
        })
    }

    async fn automation_job(&self, path: &str) -> Result<AutomationJob, ClientError> {
        self.client.get(path, AUTOMATION_API_VERSION).await
    }

    /// The tail of a runbook job's output, and on failure its error streams.
    async fn runbook_tail(&self, job_path: &str, failed: bool) -> String {
        let mut lines = Vec::new();
        match self
            .client
            .get_reply(&format!("{job_path}/output"), AUTOMATION_API_VERSION)
            .await
        {
            Ok(reply) => {
                let text = String::from_utf8_lossy(&reply.body).into_owned();
                // The output is text/plain, but a JSON string is accepted too.
                let text = serde_json::from_str::<String>(&text).unwrap_or(text);
                let all: Vec<&str> = text.lines().collect();
                let from = all.len().saturating_sub(OUTPUT_TAIL_LINES);
                lines.extend(all[from..].iter().map(|l| (*l).to_owned()));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the runbook's output"),
        }
        if !failed {
            return lines.join("\n");
        }
        let streams: Vec<JobStream> = match self
            .client
            .get_all(&format!("{job_path}/streams"), AUTOMATION_API_VERSION, &[])
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the runbook's streams");
                Vec::new()
            }
        };
        let errors: Vec<&JobStream> = streams
            .iter()
            .filter(|s| {
                s.properties
                    .stream_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("Error"))
            })
            .collect();
        let from = errors.len().saturating_sub(ERROR_STREAMS);
        for stream in &errors[from..] {
            let text = match stream.properties.job_stream_id.as_deref() {
                Some(id) => self
                    .client
                    .get::<JobStream>(&format!("{job_path}/streams/{id}"), AUTOMATION_API_VERSION)
                    .await
                    .ok()
                    .and_then(|s| s.properties.stream_text)
                    .or_else(|| stream.properties.summary.clone()),
                None => stream.properties.summary.clone(),
            };
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                lines.push(format!("Error: {}", text.trim()));
            }
        }
        lines.join("\n")
    }
}

/// Whether an Automation job has ended (spec: asr-model.md "Runbook hooks").
fn is_final_runbook_status(status: &str) -> bool {
    ["Completed", "Failed", "Stopped", "Suspended"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status))
}

/// `account` checked to be an Automation account's ARM id.
fn automation_account(account: &str) -> Result<String, ProviderError> {
    let path = account.trim().trim_end_matches('/');
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if path
        .to_ascii_lowercase()
        .contains("/providers/microsoft.automation/automationaccounts/")
    {
        Ok(path)
    } else {
        Err(service(format!(
            "`{account}` is not an Automation account id; it looks like \
             /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Automation/automationAccounts/<name>"
        )))
    }
}
