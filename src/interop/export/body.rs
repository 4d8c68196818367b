//! ASR's recovery plan bodies as drplan writes and reads them: the
//! `CreateRecoveryPlanInput` a PUT sends and the `RecoveryPlan` a GET
//! answers, in ASR's field names (camelCase), so `serde_json` gives the wire
//! form. Only what export writes and compares is modelled; unknown fields of
//! an answer are ignored.

use serde::{Deserialize, Serialize};

/// `CreateRecoveryPlanInput`: the body of `replicationRecoveryPlans/{name}` PUT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRecoveryPlanInput {
    /// Its properties.
    pub properties: CreateProperties,
}

/// `CreateRecoveryPlanInputProperties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateProperties {
    /// The primary region's fabric (ARM id).
    pub primary_fabric_id: String,
    /// The recovery region's fabric (ARM id).
    pub recovery_fabric_id: String,
    /// `ResourceManager` for Azure-to-Azure.
    pub failover_deployment_model: String,
    /// The groups: ASR's shutdown and failover groups, then the boot groups in order.
    pub groups: Vec<RecoveryPlanGroup>,
    /// `[{"instanceType": "A2A"}]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provider_specific_input: Vec<ProviderSpecificInput>,
}

/// `RecoveryPlanProviderSpecificInput` (A2A, no zones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSpecificInput {
    /// `A2A`.
    pub instance_type: String,
}

/// `RecoveryPlanGroup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPlanGroup {
    /// `Shutdown`, `Failover` or `Boot`.
    pub group_type: String,
    /// The items it fails over.
    #[serde(default)]
    pub replication_protected_items: Vec<ProtectedItemRef>,
    /// Actions before its items.
    #[serde(default)]
    pub start_group_actions: Vec<RecoveryPlanAction>,
    /// Actions after its items.
    #[serde(default)]
    pub end_group_actions: Vec<RecoveryPlanAction>,
}

impl RecoveryPlanGroup {
    /// A group of `kind` with nothing in it.
    pub fn empty(kind: &str) -> RecoveryPlanGroup {
        RecoveryPlanGroup {
            group_type: kind.to_owned(),
            replication_protected_items: Vec::new(),
            start_group_actions: Vec::new(),
            end_group_actions: Vec::new(),
        }
    }
}

/// `RecoveryPlanProtectedItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedItemRef {
    /// The item's ARM id.
    pub id: String,
    /// The protected VM's id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_machine_id: Option<String>,
}

/// `RecoveryPlanAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPlanAction {
    /// Its name, unique in the plan.
    pub action_name: String,
    /// The operations it runs in (`PlannedFailover`, `UnplannedFailover`, `TestFailover`).
    pub failover_types: Vec<String>,
    /// The directions it runs in (`PrimaryToRecovery`, `RecoveryToPrimary`).
    pub failover_directions: Vec<String>,
    /// What it does.
    pub custom_details: ActionDetails,
}

/// `RecoveryPlanActionDetails`, by `instanceType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "instanceType")]
pub enum ActionDetails {
    /// An Automation runbook.
    #[serde(rename = "AutomationRunbookActionDetails", rename_all = "camelCase")]
    Runbook {
        /// The runbook's ARM id (`{account}/runbooks/{name}`).
        runbook_id: String,
        /// Where it runs: `Primary` or `Recovery`.
        fabric_location: String,
    },
    /// A manual step.
    #[serde(rename = "ManualActionDetails")]
    Manual {
        /// What the operator does.
        description: String,
    },
    /// A script (`VMM` and `VMware` sites only; never written by export).
    #[serde(rename = "ScriptActionDetails", rename_all = "camelCase")]
    Script {
        /// The script's path.
        path: String,
        /// Where it runs.
        fabric_location: String,
    },
}

/// `RecoveryPlan`: what a GET answers (the fields export compares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPlan {
    /// Its ARM id.
    #[serde(default)]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its properties.
    pub properties: RecoveryPlanProperties,
}

/// `RecoveryPlanProperties` (part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPlanProperties {
    /// The primary fabric.
    #[serde(default)]
    pub primary_fabric_id: String,
    /// The recovery fabric.
    #[serde(default)]
    pub recovery_fabric_id: String,
    /// The groups.
    #[serde(default)]
    pub groups: Vec<RecoveryPlanGroup>,
}
