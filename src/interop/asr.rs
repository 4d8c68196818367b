//! ASR's recovery plans as JSON (`replicationRecoveryPlans`, api-version
//! 2026-05-01): the serde model of `RecoveryPlan` (what a GET answers),
//! `CreateRecoveryPlanInput` (what a PUT takes) and the groups, actions and
//! provider-specific details both share. JSON text in, these types out, and
//! back: `drplan import` reads them, `drplan export` writes them.
//!
//! Reading is lenient, as the Azure client's models are: every field may be
//! missing or `null`, unknown fields are ignored. Strings the specification
//! types as enums "modelled as strings" are enums here with an `Other`
//! variant that keeps an unknown value as ASR wrote it, so a new value
//! round-trips and is reported rather than misread.

use serde::{Deserialize, Serialize};

use crate::provider::azure::models::null_default;

/// Declares a string enum of ASR's, with an `Other(String)` for values this
/// version of drplan does not know, read and written as the plain string.
macro_rules! asr_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this version of drplan does not know, as ASR wrote it.
            Other(String),
        }

        impl $name {
            /// ASR's spellings of the values this version knows, in the
            /// specification's order.
            pub const KNOWN: &'static [&'static str] = &[$($text,)+];

            /// ASR's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl From<String> for $name {
            /// ASR compares these without case; so does drplan.
            fn from(text: String) -> Self {
                $(if text.trim().eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })+
                $name::Other(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

asr_enum! {
    /// `RecoveryPlanGroupType`: what a group of a recovery plan is.
    GroupType {
        /// Shuts the source VMs down (the plan's first group; no items).
        Shutdown = "Shutdown",
        /// Fails every VM over (the second group; no items).
        Failover = "Failover",
        /// Starts its VMs, one boot group after another.
        Boot = "Boot",
    }
}

asr_enum! {
    /// `ReplicationProtectedItemOperation`: an operation an action runs in
    /// (its `failoverTypes`).
    FailoverType {
        /// Reprotect.
        ReverseReplicate = "ReverseReplicate",
        /// Commit of a failover.
        Commit = "Commit",
        /// Planned failover.
        PlannedFailover = "PlannedFailover",
        /// Unplanned failover.
        UnplannedFailover = "UnplannedFailover",
        /// Disable replication.
        DisableProtection = "DisableProtection",
        /// Test failover.
        TestFailover = "TestFailover",
        /// Test failover cleanup.
        TestFailoverCleanup = "TestFailoverCleanup",
        /// Failback (`VMware` and physical sites).
        Failback = "Failback",
        /// Finalize failback (`VMware` and physical sites).
        FinalizeFailback = "FinalizeFailback",
        /// Cancel a failover.
        CancelFailover = "CancelFailover",
        /// Change the recovery point.
        ChangePit = "ChangePit",
        /// Repair replication.
        RepairReplication = "RepairReplication",
        /// Switch protection.
        SwitchProtection = "SwitchProtection",
        /// Complete a migration.
        CompleteMigration = "CompleteMigration",
    }
}

asr_enum! {
    /// `PossibleOperationsDirections`: which way an action's operation goes.
    Direction {
        /// From the primary site to the recovery site.
        PrimaryToRecovery = "PrimaryToRecovery",
        /// Back from the recovery site to the primary.
        RecoveryToPrimary = "RecoveryToPrimary",
    }
}

asr_enum! {
    /// `RecoveryPlanActionLocation`: the site a script or runbook runs at.
    ActionLocation {
        /// The primary site.
        Primary = "Primary",
        /// The recovery site.
        Recovery = "Recovery",
    }
}

/// `RecoveryPlan`: a recovery plan as ASR answers it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecoveryPlan {
    /// Its ARM id (`…/vaults/{vault}/replicationRecoveryPlans/{name}`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Its name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `Microsoft.RecoveryServices/vaults/replicationRecoveryPlans`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Resource location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its properties.
    pub properties: RecoveryPlanProperties,
}

/// `RecoveryPlanProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecoveryPlanProperties {
    /// The name shown in the portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// The primary fabric's ARM id (A2A: `…/replicationFabrics/asr-a2a-default-<region>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_fabric_id: Option<String>,
    /// The primary fabric's friendly name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_fabric_friendly_name: Option<String>,
    /// The recovery fabric's ARM id (`Microsoft Azure` for sites that fail over to Azure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_fabric_id: Option<String>,
    /// The recovery fabric's friendly name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_fabric_friendly_name: Option<String>,
    /// `NotApplicable`, `Classic` or `ResourceManager`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover_deployment_model: Option<String>,
    /// The replication providers of its items (`A2A`, `HyperVReplicaAzure`, `InMageRcm`, …).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub replication_providers: Vec<String>,
    /// The operations ASR allows on it now.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allowed_operations: Vec<String>,
    /// When its last planned failover started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_planned_failover_time: Option<String>,
    /// When its last unplanned failover started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_unplanned_failover_time: Option<String>,
    /// When its last test failover started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_test_failover_time: Option<String>,
    /// The operation in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_scenario: Option<CurrentScenario>,
    /// Its status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_scenario_status: Option<String>,
    /// Its status, described.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_scenario_status_description: Option<String>,
    /// Its groups, in the order ASR runs them.
    #[serde(deserialize_with = "null_default")]
    pub groups: Vec<RecoveryPlanGroup>,
    /// Per provider (`A2A`: zones, extended locations).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub provider_specific_details: Vec<ProviderSpecificDetails>,
}

/// `CurrentScenarioDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CurrentScenario {
    /// The scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_name: Option<String>,
    /// The job's ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
}

/// `RecoveryPlanGroup`: a group and the actions around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPlanGroup {
    /// Shutdown, Failover or Boot.
    pub group_type: GroupType,
    /// Its VMs (boot groups only).
    #[serde(default, deserialize_with = "null_default")]
    pub replication_protected_items: Vec<RecoveryPlanProtectedItem>,
    /// Actions run before the group, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub start_group_actions: Vec<RecoveryPlanAction>,
    /// Actions run after the group, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub end_group_actions: Vec<RecoveryPlanAction>,
}

impl RecoveryPlanGroup {
    /// A group of `kind` with no items and no actions (ASR's `Shutdown` and
    /// `Failover` groups, or a boot group to fill).
    pub fn empty(kind: GroupType) -> RecoveryPlanGroup {
        RecoveryPlanGroup {
            group_type: kind,
            replication_protected_items: Vec::new(),
            start_group_actions: Vec::new(),
            end_group_actions: Vec::new(),
        }
    }
}

/// `RecoveryPlanProtectedItem`: a VM of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecoveryPlanProtectedItem {
    /// The replicated item's ARM id.
    pub id: String,
    /// The VM's id (ASR's, often the item's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_id: Option<String>,
}

/// `RecoveryPlanAction`: a step before or after a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPlanAction {
    /// Its name, unique in the plan.
    #[serde(default)]
    pub action_name: String,
    /// The operations it runs in.
    #[serde(default, deserialize_with = "null_default")]
    pub failover_types: Vec<FailoverType>,
    /// The directions it runs in.
    #[serde(default, deserialize_with = "null_default")]
    pub failover_directions: Vec<Direction>,
    /// What it does.
    pub custom_details: ActionDetails,
}

/// `RecoveryPlanActionDetails`, by its `instanceType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "instanceType")]
pub enum ActionDetails {
    /// `RecoveryPlanAutomationRunbookActionDetails`: an Azure Automation runbook.
    #[serde(rename = "AutomationRunbookActionDetails", rename_all = "camelCase")]
    Runbook {
        /// The runbook's ARM id (`…/automationAccounts/{account}/runbooks/{name}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_id: Option<String>,
        /// How long it may run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<String>,
        /// The site it runs for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fabric_location: Option<ActionLocation>,
    },
    /// `RecoveryPlanManualActionDetails`: an operator's step.
    #[serde(rename = "ManualActionDetails", rename_all = "camelCase")]
    Manual {
        /// What the operator does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// `RecoveryPlanScriptActionDetails`: a script on the VMM server or
    /// configuration server (VMM and `VMware` sites only).
    #[serde(rename = "ScriptActionDetails", rename_all = "camelCase")]
    Script {
        /// The script's path on that server.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        /// How long it may run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<String>,
        /// The site it runs at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fabric_location: Option<ActionLocation>,
    },
    /// An action of a kind this version of drplan does not know.
    #[serde(other)]
    Unknown,
}

/// `RecoveryPlanProviderSpecificDetails` (answers) and
/// `RecoveryPlanProviderSpecificInput` (requests): the same fields, by
/// `instanceType` (`A2A`: `RecoveryPlanA2ADetails` / `RecoveryPlanA2AInput`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProviderSpecificDetails {
    /// `A2A`, or another provider's name.
    pub instance_type: String,
    /// A2A zone-to-zone: the primary availability zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_zone: Option<String>,
    /// A2A zone-to-zone: the recovery availability zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_zone: Option<String>,
    /// A2A edge zones: the primary extended location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_extended_location: Option<ExtendedLocation>,
    /// A2A edge zones: the recovery extended location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_extended_location: Option<ExtendedLocation>,
}

impl ProviderSpecificDetails {
    /// `RecoveryPlanA2AInput` without zones or extended locations:
    /// `{"instanceType": "A2A"}`.
    pub fn a2a() -> ProviderSpecificDetails {
        ProviderSpecificDetails {
            instance_type: "A2A".to_owned(),
            ..ProviderSpecificDetails::default()
        }
    }
}

/// `ExtendedLocation`: an edge zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtendedLocation {
    /// Its name.
    pub name: String,
    /// `EdgeZone`.
    #[serde(rename = "type")]
    pub location_type: String,
}

/// `CreateRecoveryPlanInput`: the body of a PUT that creates or replaces a
/// recovery plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateRecoveryPlanInput {
    /// Its properties.
    pub properties: CreateRecoveryPlanInputProperties,
}

/// `CreateRecoveryPlanInputProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateRecoveryPlanInputProperties {
    /// The primary fabric's ARM id.
    pub primary_fabric_id: String,
    /// The recovery fabric's ARM id.
    pub recovery_fabric_id: String,
    /// `NotApplicable`, `Classic` or `ResourceManager`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover_deployment_model: Option<String>,
    /// The groups, in the order ASR runs them.
    #[serde(deserialize_with = "null_default")]
    pub groups: Vec<RecoveryPlanGroup>,
    /// Per provider (`A2A`: zones, extended locations).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub provider_specific_input: Vec<ProviderSpecificDetails>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_by_kind_and_unknown_values_round_trip() {
        let json = serde_json::json!({
            "actionName": "Drain",
            "failoverTypes": ["PlannedFailover", "MoveToMars"],
            "failoverDirections": ["primarytorecovery"],
            "customDetails": {
                "instanceType": "AutomationRunbookActionDetails",
                "runbookId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Automation/automationAccounts/a/runbooks/Drain",
                "fabricLocation": "Recovery"
            }
        });
        let action: RecoveryPlanAction = serde_json::from_value(json).unwrap();
        assert_eq!(
            action.failover_types,
            vec![
                FailoverType::PlannedFailover,
                FailoverType::Other("MoveToMars".into())
            ]
        );
        assert_eq!(
            action.failover_directions,
            vec![Direction::PrimaryToRecovery]
        );
        assert!(matches!(
            action.custom_details,
            ActionDetails::Runbook {
                fabric_location: Some(ActionLocation::Recovery),
                ..
            }
        ));
        let back = serde_json::to_value(&action).unwrap();
        assert_eq!(back["failoverTypes"][1], "MoveToMars");
        assert_eq!(
            back["customDetails"]["instanceType"],
            "AutomationRunbookActionDetails"
        );
        let unknown: ActionDetails =
            serde_json::from_value(serde_json::json!({"instanceType": "FutureAction"})).unwrap();
        assert_eq!(unknown, ActionDetails::Unknown);
    }
}
