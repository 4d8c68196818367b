//! `drplan import`: an ASR recovery plan (and, when the vault was read, its
//! protected items) or a vault's protected items in; the text of a
//! formatted `.drplan` that checks clean out, with comments that say what
//! could not be carried over, plus warnings for stderr.
//!
//! - [`from_recovery_plan`]: one group per boot group, chained with `needs`
//!   in ASR's order; group actions as hooks (see [`actions`]); the
//!   Shutdown and Failover groups' actions as the plan's `before` hooks.
//! - [`from_vault`]: one group per multi-VM consistency group, one for the
//!   rest, per region pair.
//! - VMs are named by their friendly names, rewritten where they are not
//!   valid drplan names and made unique (see [`names`]), with `item` where
//!   the name alone would not find the item.
//!
//! The text is built as a [`draft::Draft`], printed, laid out by
//! [`crate::fmt`] and compiled: output that would not check clean is an
//! [`ImportError::Internal`], never written.

mod actions;
mod draft;
mod names;
mod recovery_plan;
mod vault;

use std::path::Path;

use crate::interop::asr::RecoveryPlan;
use crate::provider::azure::models::ProtectedItem;

pub use recovery_plan::from_recovery_plan;
pub use vault::from_vault;

/// Why an import could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not JSON, or not a recovery plan.
    #[error("{path}: {reason}")]
    NotARecoveryPlan {
        /// The file.
        path: String,
        /// What is wrong, and what the file should hold.
        reason: String,
    },
    /// No vault id: neither given nor in the recovery plan's id.
    #[error(
        "the recovery plan's id names no vault; give it with --vault /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.RecoveryServices/vaults/<name>"
    )]
    NoVault,
    /// The vault has no protected item to import.
    #[error("the vault {0} has no replicated items to import")]
    EmptyVault(String),
    /// The output did not check clean: a bug in drplan.
    #[error(
        "drplan built a plan that does not check clean (a bug in drplan, please report it):\n{0}"
    )]
    Internal(String),
}

/// A protected item of the vault, as import needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultItem {
    /// Its ARM id.
    pub id: String,
    /// Its name (a GUID for Azure-to-Azure items).
    pub name: String,
    /// The VM's name.
    pub friendly_name: Option<String>,
    /// Its multi-VM consistency group.
    pub multi_vm_group: Option<String>,
    /// Its replication provider (`A2A`, `HyperVReplicaAzure`, `InMageRcm`, …).
    pub provider: Option<String>,
    /// The region it replicates from (A2A).
    pub primary_region: Option<String>,
    /// The region it replicates to (A2A).
    pub recovery_region: Option<String>,
}

impl VaultItem {
    /// The fields import needs of an item as ASR answers it.
    pub fn of(item: &ProtectedItem) -> VaultItem {
        let details = item.properties.provider_specific_details.as_ref();
        let text = |v: Option<&String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        VaultItem {
            id: item.id.clone(),
            name: item.name.clone(),
            friendly_name: text(item.properties.friendly_name.as_ref()),
            multi_vm_group: text(details.and_then(|d| d.multi_vm_group_name.as_ref())),
            provider: text(details.and_then(|d| d.instance_type.as_ref())),
            // The initial locations stay put when a failover turns the
            // item around; the current ones follow it.
            primary_region: text(details.and_then(|d| {
                d.initial_primary_fabric_location
                    .as_ref()
                    .or(d.primary_fabric_location.as_ref())
            })),
            recovery_region: text(details.and_then(|d| {
                d.initial_recovery_fabric_location
                    .as_ref()
                    .or(d.recovery_fabric_location.as_ref())
            })),
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The formatted plan.
    pub text: String,
    /// What to say on stderr: items missing from the vault, a provider
    /// drplan does not run.
    pub warnings: Vec<String>,
    /// Every loss, as the plan's comments say it.
    pub losses: Vec<String>,
}

/// Reads a saved GET answer of a recovery plan (`az site-recovery
/// recovery-plan show`, or the REST answer); `path` names the file in
/// errors. A list answer (`{"value": [...]}`) holding one plan, or the plan
/// named `name`, is read too.
pub fn parse_recovery_plan(
    text: &str,
    path: &Path,
    name: Option<&str>,
) -> Result<RecoveryPlan, ImportError> {
    let fail = |reason: String| ImportError::NotARecoveryPlan {
        path: path.display().to_string(),
        reason,
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        fail(format!(
            "not JSON ({e}); give the saved answer of a GET of the recovery plan"
        ))
    })?;
    let value = match value.get("value").and_then(|v| v.as_array()) {
        Some(list) => pick_from_list(list, name).map_err(fail)?,
        None => value,
    };
    let groups_present = value
        .get("properties")
        .and_then(|p| p.get("groups"))
        .is_some_and(|g| g.is_array() || g.is_null());
    if !groups_present {
        return Err(fail(
            "not a recovery plan: no `properties.groups`; give the saved answer of \
             GET …/replicationRecoveryPlans/{name} (e.g. `az site-recovery recovery-plan show … -o json`)"
                .into(),
        ));
    }
    let plan: RecoveryPlan =
        serde_json::from_value(value).map_err(|e| fail(format!("not a recovery plan: {e}")))?;
    if let Some(wanted) = name
        && !plan.name.is_empty()
        && !plan.name.eq_ignore_ascii_case(wanted)
    {
        return Err(fail(format!(
            "holds the recovery plan `{}`, not `{wanted}`",
            plan.name
        )));
    }
    Ok(plan)
}

/// The plan of a list answer: the only one, or the one named `name`.
fn pick_from_list(
    list: &[serde_json::Value],
    name: Option<&str>,
) -> Result<serde_json::Value, String> {
    fn named(v: &serde_json::Value) -> &str {
        v.get("name").and_then(|n| n.as_str()).unwrap_or("")
    }
    match (list, name) {
        ([], _) => Err("a list of recovery plans with none in it".into()),
        ([one], None) => Ok(one.clone()),
        (_, Some(wanted)) => list
            .iter()
            .find(|v| named(v).eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "no recovery plan `{wanted}` in the list; it holds {}",
                    list.iter().map(named).collect::<Vec<_>>().join(", ")
                )
            }),
        (_, None) => Err(format!(
            "a list of {} recovery plans ({}); pick one with --recovery-plan NAME",
            list.len(),
            list.iter().map(named).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The name of a vault from its ARM id (its last segment), as a plan's name.
pub fn vault_name(vault: &str) -> String {
    names::last_segment(vault).to_owned()
}

/// The vault of an ARM id below it (`…/vaults/{name}/…`), if it has one.
pub fn vault_of(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim().trim_start_matches('/').split('/').collect();
    let vaults = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("vaults"))?;
    let prefix = parts.get(..=vaults + 1)?;
    (vaults == 6 && prefix.iter().all(|p| !p.is_empty())).then(|| format!("/{}", prefix.join("/")))
}

#[cfg(test)]
mod tests;
