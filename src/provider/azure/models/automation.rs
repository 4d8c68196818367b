//! Azure Automation jobs and their streams: the body drplan sends to
//! create one, and what Automation answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The body of `PUT A/jobs/{name}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationJobCreate<'a> {
    /// The runbook and its parameters.
    pub properties: AutomationJobCreateProperties<'a>,
}

/// `JobCreateProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationJobCreateProperties<'a> {
    /// `{"name": ...}`.
    pub runbook: RunbookRef<'a>,
    /// Parameters, as strings.
    pub parameters: &'a BTreeMap<String, String>,
    /// `""`: run in Azure, not on a hybrid worker.
    pub run_on: &'a str,
}

/// `RunbookAssociationProperty`.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookRef<'a> {
    /// The runbook's name.
    pub name: &'a str,
}

/// An Automation job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutomationJob {
    /// Its ARM id.
    pub id: Option<String>,
    /// Its name (the GUID drplan chose).
    pub name: Option<String>,
    /// Its properties.
    pub properties: AutomationJobProperties,
}

/// `JobProperties` of Automation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutomationJobProperties {
    /// Automation's own id of the job.
    pub job_id: Option<String>,
    /// `New`, `Running`, `Completed`, `Failed`, `Stopped`, `Suspended`, ….
    pub status: Option<String>,
    /// More about the status.
    pub status_details: Option<String>,
    /// Why it failed.
    pub exception: Option<String>,
    /// When it started.
    pub start_time: Option<String>,
    /// When it ended.
    pub end_time: Option<String>,
    /// ARM's view (not the job's: use `status`).
    pub provisioning_state: Option<String>,
}

/// A job stream (output, error, warning, … record).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobStream {
    /// Its ARM id.
    pub id: Option<String>,
    /// Its properties.
    pub properties: JobStreamProperties,
}

/// `JobStreamProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobStreamProperties {
    /// Its id (what `streams/{id}` takes).
    pub job_stream_id: Option<String>,
    /// `Output`, `Error`, `Warning`, `Verbose`, `Progress`, `Debug`, `Any`.
    pub stream_type: Option<String>,
    /// A summary (lists carry this, not the text).
    pub summary: Option<String>,
    /// The full text (a single stream's GET carries this).
    pub stream_text: Option<String>,
    /// When.
    pub time: Option<String>,
}
