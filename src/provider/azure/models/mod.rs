//! The ASR, ARM and Automation payloads the Azure client reads and writes:
//! JSON text in (responses), these serde types out; request bodies in, JSON
//! out. Only the fields drplan uses are named (spec excerpts in
//! `tests/fixtures/asr-api/spec-excerpt.json` and
//! `tests/fixtures/automation-api/spec-excerpt.json`, and for readiness
//! `tests/fixtures/azure-api/`), one module per concept: ARM's envelope
//! here, then items, jobs, request bodies and Automation (re-exported here),
//! and the readiness reads by resource provider ([`compute`], [`network`],
//! [`resources`]; their names would clash with the inventory's).
//!
//! Reading is lenient on purpose: every field is optional or defaults when
//! missing or `null`, and unknown fields are ignored, so a new api-version
//! that adds or drops a field degrades a display instead of failing a
//! failover. Strings that the specification types as enums but models "as
//! string" (states, health, categories) stay strings here and are mapped in
//! one place each (see `super`).

mod automation;
pub mod compute;
mod inputs;
mod items;
mod jobs;
pub mod network;
pub mod resources;

use serde::{Deserialize, Deserializer};

pub use automation::{
    AutomationJob, AutomationJobCreate, AutomationJobCreateProperties, AutomationJobProperties,
    JobStream, JobStreamProperties, RunbookRef,
};
pub use inputs::{
    A2aFailoverDetails, A2aReprotectDetails, A2aUpdateDetails, A2aVmDisk, Input, IpConfigInput,
    ReprotectProperties, TestCleanupProperties, TestFailoverProperties,
    UnplannedFailoverProperties, UpdateProperties, VmNicInput,
};
pub use items::{
    CurrentScenario, HealthError, HealthErrorSummary, IpConfig, ItemProperties, ProtectedDisk,
    ProtectedItem, ProviderDetails, RecoveryPoint, RecoveryPointProperties, ResourceHealthSummary,
    VaultHealthDetails, VaultHealthProperties, VmNic,
};
pub use jobs::{
    AsrJob, AsrTask, JobErrorDetails, JobProperties, ProviderErrorDetails, ServiceError,
};

/// `null` read as the type's default: ARM sends `null` for empty lists.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One page of an ARM list (`{"value": [...], "nextLink": ...}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// This page's entries.
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub value: Vec<T>,
    /// The absolute URL of the next page, if any.
    #[serde(default)]
    pub next_link: Option<String>,
}

/// An ARM error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmErrorBody {
    /// The error.
    pub error: Option<ArmError>,
}

/// The `error` of an ARM error body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArmError {
    /// ARM's error code.
    pub code: Option<String>,
    /// What went wrong.
    pub message: Option<String>,
}
