//! A recovery plan as ASR answers it (`RecoveryPlan`, shaped like
//! `ReplicationRecoveryPlans_Get.json`): the vault's names, the plan's name
//! and what was stored in; the JSON out. ASR's answer always starts with an
//! empty `Shutdown` and `Failover` group before the boot groups, so they are
//! added where a body leaves them out.

use serde_json::{Value, json};

use super::Names;

/// The ARM resource type of a recovery plan.
pub(crate) const RECOVERY_PLAN_TYPE: &str =
    "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans";

/// What the emulator keeps of a recovery plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredPlan {
    /// Its name as created.
    pub(crate) name: String,
    pub(crate) primary_fabric: String,
    pub(crate) recovery_fabric: String,
    pub(crate) deployment_model: String,
    /// Its groups, each with all four fields.
    pub(crate) groups: Vec<Value>,
}

/// A group with every field ASR answers with.
pub(crate) fn group(kind: &str, items: &Value, start: &Value, end: &Value) -> Value {
    json!({
        "endGroupActions": end,
        "groupType": kind,
        "replicationProtectedItems": items,
        "startGroupActions": start,
    })
}

/// `groups` with ASR's leading `Shutdown` and `Failover` groups.
pub(crate) fn with_leading_groups(groups: Vec<Value>) -> Vec<Value> {
    let has = |kind: &str| groups.iter().any(|g| g["groupType"] == kind);
    let mut out = Vec::with_capacity(groups.len() + 2);
    let empty = || json!([]);
    if !has("Shutdown") {
        out.push(group("Shutdown", &empty(), &empty(), &empty()));
    }
    if !has("Failover") {
        out.push(group("Failover", &empty(), &empty(), &empty()));
    }
    out.extend(groups);
    out
}

/// The last segment of a fabric id, or the id when it has none
/// (`Microsoft Azure`).
fn friendly(fabric: &str) -> &str {
    fabric.rsplit('/').next().unwrap_or(fabric)
}

/// The plan's JSON.
pub(crate) fn recovery_plan(names: &Names, plan: &StoredPlan) -> Value {
    json!({
        "name": plan.name,
        "type": RECOVERY_PLAN_TYPE,
        "id": format!("{}/replicationRecoveryPlans/{}", names.vault, plan.name),
        "properties": {
            "allowedOperations": ["PlannedFailover", "UnplannedFailover", "TestFailover"],
            "failoverDeploymentModel": plan.deployment_model,
            "friendlyName": plan.name,
            "groups": plan.groups,
            "primaryFabricFriendlyName": friendly(&plan.primary_fabric),
            "primaryFabricId": plan.primary_fabric,
            "recoveryFabricFriendlyName": friendly(&plan.recovery_fabric),
            "recoveryFabricId": plan.recovery_fabric,
            "replicationProviders": ["A2A"],
        },
    })
}
