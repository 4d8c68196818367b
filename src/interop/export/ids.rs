//! The ARM ids a recovery plan body names: the vault, the primary and
//! recovery fabrics, and each plan VM's replication protected item. Either
//! read from the vault (the caller lists its items, [`ItemIds::from_vault`])
//! or, offline, derived from the convention Azure-to-Azure replication
//! follows ([`ItemIds::by_convention`]):
//!
//! - fabric: `{vault}/replicationFabrics/asr-a2a-default-{region}`;
//! - container: `{fabric}/replicationProtectionContainers/asr-a2a-default-{region}-container`;
//! - item: `{container}/replicationProtectedItems/{item}`, where `{item}` is
//!   the VM's `item` in the plan, else its name.
//!
//! Azure names A2A items by GUID, so a derived id is right only where the
//! plan gives each VM its `item`: the report says which ids are guesses.

use serde::Serialize;

use crate::interop::asr::RecoveryPlanProtectedItem;
use crate::plan::Plan;

/// Where the item ids come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemsFrom {
    /// Read from the vault.
    Vault,
    /// Derived from the A2A naming convention (`--offline`).
    Convention,
}

/// The ids of one plan's recovery plan body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemIds {
    /// The vault's ARM id.
    pub vault: String,
    /// The primary region's fabric.
    pub primary_fabric: String,
    /// The recovery region's fabric.
    pub recovery_fabric: String,
    /// Per group, per VM: its item.
    pub items: Vec<Vec<RecoveryPlanProtectedItem>>,
    /// Where they come from.
    pub from: ItemsFrom,
    /// The VMs (`group/vm`) whose id is derived from their name rather than
    /// an `item` the plan gives (offline only).
    pub guessed: Vec<String>,
}

/// One item found in the vault for a plan VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundItem {
    /// The item's ARM id.
    pub id: String,
    /// The protected VM's ARM id (`fabricObjectId`), when the vault says.
    pub vm_id: Option<String>,
    /// The item's recovery fabric (`recoveryFabricId`), when the vault says.
    pub recovery_fabric: Option<String>,
}

/// A2A's fabric name of a region.
fn fabric(vault: &str, region: &str) -> String {
    format!("{vault}/replicationFabrics/asr-a2a-default-{region}")
}

impl ItemIds {
    /// The ids of `plan`'s items in `vault` by the A2A convention.
    pub fn by_convention(plan: &Plan, vault: &str) -> ItemIds {
        let vault = vault.trim_end_matches('/');
        let primary = fabric(vault, &plan.primary);
        let container = format!(
            "{primary}/replicationProtectionContainers/asr-a2a-default-{}-container",
            plan.primary
        );
        let mut guessed = Vec::new();
        let items = plan
            .groups
            .iter()
            .map(|g| {
                g.vms
                    .iter()
                    .map(|vm| {
                        if vm.item.is_none() {
                            guessed.push(format!("{}/{}", g.name, vm.name));
                        }
                        let name = vm.item.as_deref().unwrap_or(&vm.name);
                        RecoveryPlanProtectedItem {
                            id: format!("{container}/replicationProtectedItems/{name}"),
                            virtual_machine_id: None,
                        }
                    })
                    .collect()
            })
            .collect();
        ItemIds {
            vault: vault.to_owned(),
            recovery_fabric: fabric(vault, &plan.recovery),
            primary_fabric: primary,
            items,
            from: ItemsFrom::Convention,
            guessed,
        }
    }

    /// The ids of `plan`'s items as the vault lists them: `found` has one
    /// entry per plan VM, group by group in source order.
    pub fn from_vault(plan: &Plan, vault: &str, found: &[FoundItem]) -> ItemIds {
        let vault = vault.trim_end_matches('/');
        let mut rest = found.iter();
        let items: Vec<Vec<RecoveryPlanProtectedItem>> = plan
            .groups
            .iter()
            .map(|g| {
                g.vms
                    .iter()
                    .zip(rest.by_ref())
                    .map(|(_, f)| RecoveryPlanProtectedItem {
                        id: f.id.clone(),
                        virtual_machine_id: f.vm_id.clone(),
                    })
                    .collect()
            })
            .collect();
        let primary = found
            .first()
            .and_then(|f| fabric_of(&f.id))
            .unwrap_or_else(|| fabric(vault, &plan.primary));
        let recovery = found
            .iter()
            .find_map(|f| f.recovery_fabric.clone())
            .unwrap_or_else(|| fabric(vault, &plan.recovery));
        ItemIds {
            vault: vault.to_owned(),
            primary_fabric: primary,
            recovery_fabric: recovery,
            items,
            from: ItemsFrom::Vault,
            guessed: Vec::new(),
        }
    }
}

/// The fabric id an item id starts with.
pub fn fabric_of(item_id: &str) -> Option<String> {
    let lower = item_id.to_ascii_lowercase();
    let at = lower.find("/replicationfabrics/")?;
    let after = at + "/replicationFabrics/".len();
    let end = item_id[after..]
        .find('/')
        .map_or(item_id.len(), |i| after + i);
    Some(item_id[..end].to_owned())
}
