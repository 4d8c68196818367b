//! Finding a plan VM among the vault's replicated items: the items as
//! listed and a VM's name (or the plan's `item`) in; the one item, or a
//! message that names the candidates and how to pick one, out. Also the
//! vault id's shape, listing the items (and remembering what was found) and
//! the machines of the plan's targets.

use std::sync::{Arc, PoisonError};

use super::models::ProtectedItem;
use super::{ASR_API_VERSION, AzureProvider, failed, mapping, service};
use crate::provider::{Location, Machine, ProviderError, Target};

/// An item as last listed: enough to find it again and to infer directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Known {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) friendly: String,
    pub(super) active: Option<Location>,
}

impl Known {
    pub(super) fn of(item: &ProtectedItem) -> Known {
        Known {
            id: item.id.clone(),
            name: item.name.clone(),
            friendly: item.properties.friendly_name.clone().unwrap_or_default(),
            active: mapping::location(item.properties.active_location.as_deref()),
        }
    }
}

/// Finds `item` (a plan VM's item name) among `known`: by friendly name,
/// then by item name, ignoring case as Azure does.
pub(super) fn find<'a>(known: &'a [Known], vm: &str, item: &str) -> Result<&'a Known, String> {
    let by_friendly: Vec<&Known> = known
        .iter()
        .filter(|k| k.friendly.eq_ignore_ascii_case(item))
        .collect();
    let found = if by_friendly.is_empty() {
        known
            .iter()
            .filter(|k| k.name.eq_ignore_ascii_case(item))
            .collect()
    } else {
        by_friendly
    };
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let hint =
                crate::suggest::did_you_mean(item, known.iter().map(|k| k.friendly.as_str()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
            Err(format!(
                "the vault has no replicated item `{item}` for VM `{vm}`{hint} \
                 (items are matched by the VM's name in Azure; set `item` on the VM in the plan \
                 when the names differ)"
            ))
        }
        many => Err(format!(
            "`{item}` (VM `{vm}`) names {} replicated items in the vault: {}; set `item` on the \
             VM in the plan to the item's name to pick one",
            many.len(),
            many.iter()
                .map(|k| format!("{} ({})", k.name, k.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `vault_id` checked to be a Recovery Services vault's ARM id, with a
/// leading `/` and no trailing one.
pub(super) fn vault_path(vault_id: &str) -> Result<String, ProviderError> {
    let trimmed = vault_id.trim().trim_end_matches('/');
    let path = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    let parts: Vec<&str> = path.split('/').collect();
    let shape = parts.len() == 9
        && parts[1].eq_ignore_ascii_case("subscriptions")
        && parts[3].eq_ignore_ascii_case("resourceGroups")
        && parts[5].eq_ignore_ascii_case("providers")
        && parts[6].eq_ignore_ascii_case("Microsoft.RecoveryServices")
        && parts[7].eq_ignore_ascii_case("vaults")
        && parts.iter().skip(1).all(|p| !p.is_empty());
    if shape {
        Ok(path)
    } else {
        Err(ProviderError::Service(format!(
            "`{vault_id}` is not a Recovery Services vault id; it looks like \
             /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.RecoveryServices/vaults/<name>"
        )))
    }
}
impl AzureProvider {
    /// Lists every item of the vault and remembers them.
    pub(super) async fn list_items(&self) -> Result<Vec<ProtectedItem>, ProviderError> {
        let path = format!("{}/replicationProtectedItems", self.vault);
        let items: Vec<ProtectedItem> = self
            .client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed("cannot list the vault's replicated items", e))?;
        let known = Arc::new(items.iter().map(Known::of).collect());
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some(known);
        Ok(items)
    }

    pub(super) fn remembered(&self) -> Option<Arc<Vec<Known>>> {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The item of `target`: from the remembered list, else a fresh one.
    pub(super) async fn item_of(&self, target: &Target) -> Result<Known, ProviderError> {
        if let Some(known) = self.remembered()
            && let Ok(k) = find(&known, &target.vm, &target.item)
        {
            return Ok(k.clone());
        }
        self.list_items().await?;
        let known = self.remembered().unwrap_or_default();
        find(&known, &target.vm, &target.item)
            .cloned()
            .map_err(ProviderError::Service)
    }

    /// [`Provider::machines`](crate::provider::Provider::machines).
    pub(super) async fn machines_of(
        &self,
        targets: &[Target],
    ) -> Result<Vec<Machine>, ProviderError> {
        let items = self.list_items().await?;
        let known: Vec<Known> = items.iter().map(Known::of).collect();
        let mut problems = Vec::new();
        let mut machines = Vec::with_capacity(targets.len());
        for target in targets {
            match find(&known, &target.vm, &target.item) {
                Ok(k) => {
                    if let Some(item) = items.iter().find(|i| i.id == k.id) {
                        machines.push(mapping::machine(target, item));
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(machines)
        } else {
            Err(service(problems.join("\n")))
        }
    }
}
