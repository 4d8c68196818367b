//! The emulator's ASR resources as JSON: [`Machine`](crate::provider::Machine),
//! [`Job`](crate::provider::Job), health issues and recovery points from the
//! simulated vault in; the bodies ASR's REST API answers with (shaped like
//! `tests/fixtures/asr-api/examples/`), out. The made-up but stable names of
//! fabrics, containers, resource groups and networks the items refer to are
//! in [`Names`]; an item's JSON in `item`, jobs, health and recovery points
//! in `jobs`. Also what every ARM answer shares: error bodies, list pages
//! and stable made-up ids.
//!
//! Values the public material does not give are chosen in [`inferred`] so
//! they are easy to correct.

mod item;
mod jobs;
mod names;
mod recovery_plan;

pub(crate) use crate::hash::{fnv1a, mix};
use serde_json::{Map, Value, json};

pub(crate) use item::{ItemContext, item, location};
pub(crate) use jobs::{job, recovery_point, vault_health};
pub(crate) use names::{EmuItem, Names};
pub(crate) use recovery_plan::{StoredPlan, group, recovery_plan, with_leading_groups};

/// Our choices where the specification and examples are silent *(inferred)*.
pub(crate) mod inferred {
    /// `protectedItemType` of an Azure-to-Azure item.
    pub(crate) const PROTECTED_ITEM_TYPE: &str = "Microsoft.Compute/virtualMachines";
    /// The replication policy every item is protected by (A2A's default name).
    pub(crate) const POLICY: &str = "24-hour-retention-policy";
    /// The name of the one IP configuration of an item's NIC.
    pub(crate) const IP_CONFIG: &str = "ipconfig1";
    /// The mobility agent's version.
    pub(crate) const AGENT_VERSION: &str = "9.62.7172.1";
    /// The disk type of every replicated disk.
    pub(crate) const DISK_TYPE: &str = "Premium_LRS";
    /// The size of every replicated disk (128 GiB).
    pub(crate) const DISK_BYTES: u64 = 128 * 1024 * 1024 * 1024;
    /// `targetInstanceType` of an item's job.
    pub(crate) const TARGET_INSTANCE_TYPE: &str = "ProtectionEntity";
}

/// The ARM resource type of a replicated item.
pub(crate) const ITEM_TYPE: &str = "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems";
/// An ARM error body: `{"error": {"code", "message"}}`.
pub(crate) fn arm_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// A list page: `{"value": [...]}` plus `nextLink` when there is more.
pub(crate) fn page(values: Vec<Value>, next_link: Option<String>) -> Value {
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(values));
    if let Some(link) = next_link {
        body.insert("nextLink".into(), Value::String(link));
    }
    Value::Object(body)
}

/// A GUID-like id from two numbers: the same numbers give the same id.
pub(crate) fn guid(a: u64, b: u64) -> String {
    let hi = mix(a ^ mix(b));
    let lo = mix(hi ^ b.rotate_left(17));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}
