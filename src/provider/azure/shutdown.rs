//! Powering a VM off where it runs, before a `failback { order
//! shutdown_reversed }`: a plan VM in; its replicated item read afresh
//! (failback must be allowed: idle, active in the recovery region), the VM
//! it runs as now found from the item, its power state read, and, unless
//! it is already stopped, Compute's `virtualMachines/{vm}/powerOff` sent and
//! the VM's instance view polled until it reports stopped; how it ended out.
//!
//! Which VM: after a reprotect (what a failback needs), replication copies
//! from the VM running in the recovery region, which the A2A item names as
//! `fabricObjectId`; before one, the recovered VM is `recoveryAzureVMName` in
//! `recoveryAzureResourceGroupId`. The power-off is followed through the
//! instance view rather than the operation's status URL: it needs no more
//! than the read the role already has on the VM, and it is what decides
//! whether a later attempt has anything to do.
//!
//! Its two requests (GET `…/virtualMachines/{vm}/instanceView`, RBAC
//! `Microsoft.Compute/virtualMachines/read`; POST `…/powerOff`,
//! `Microsoft.Compute/virtualMachines/powerOff/action`) are rows of the
//! `permissions` table and actions of the custom role; `drplan emulator`
//! serves both, so the role test holds them to what the flows send.

use serde::Deserialize;

use super::models::ProtectedItem;
use super::{AzureProvider, COMPUTE_API_VERSION, failed, mapping, service};
use crate::graph::Operation;
use crate::provider::{Location, PowerOff, ProviderError, Target};

/// `virtualMachines/{vm}/instanceView`, the part drplan reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InstanceView {
    statuses: Vec<Status>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Status {
    code: Option<String>,
    message: Option<String>,
}

/// Where a VM's power is, from its instance view.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Power {
    /// `PowerState/stopped` or `PowerState/deallocated`.
    Off,
    /// Anything else (running, starting, stopping, unknown).
    On,
    /// `ProvisioningState/failed/…`: the power-off will not complete.
    Failed(String),
}

impl InstanceView {
    fn power(&self) -> Power {
        let codes = || self.statuses.iter().filter_map(|s| s.code.as_deref());
        if let Some(status) = self.statuses.iter().find(|s| {
            s.code.as_deref().is_some_and(|c| {
                c.to_ascii_lowercase()
                    .starts_with("provisioningstate/failed")
            })
        }) {
            let said = status.message.clone().or_else(|| status.code.clone());
            return Power::Failed(said.unwrap_or_default());
        }
        let off = codes().any(|c| {
            let c = c.to_ascii_lowercase();
            c == "powerstate/stopped" || c == "powerstate/deallocated"
        });
        if off { Power::Off } else { Power::On }
    }
}

/// The ARM id of the VM the item runs as now (see the module docs).
fn active_vm(item: &ProtectedItem, replicating_from: Option<Location>) -> Option<String> {
    let details = item.properties.provider_specific_details.as_ref()?;
    if replicating_from == Some(Location::Recovery) {
        return details.fabric_object_id.clone().filter(|id| !id.is_empty());
    }
    let group = details.recovery_azure_resource_group_id.as_deref()?;
    let name = details.recovery_azure_vm_name.as_deref()?;
    Some(format!(
        "{}/providers/Microsoft.Compute/virtualMachines/{name}",
        group.trim_end_matches('/')
    ))
}

impl AzureProvider {
    /// [`Provider::shutdown`](crate::provider::Provider::shutdown).
    pub(super) async fn shutdown_vm(&self, target: &Target) -> Result<PowerOff, ProviderError> {
        let (_, item) = self.fresh_allowed(target, Operation::Failback).await?;
        let machine = mapping::machine(target, &item);
        let Some(vm) = active_vm(&item, machine.replicating_from) else {
            return Err(service(format!(
                "{}: the vault does not say which VM runs it in the recovery region (no `fabricObjectId`, nor `recoveryAzureVMName` and `recoveryAzureResourceGroupId`); shut it down yourself and resume",
                target.vm
            )));
        };
        match self.power(target, &vm).await? {
            Power::Off => return Ok(PowerOff::AlreadyStopped),
            Power::Failed(why) => return Err(power_off_failed(target, &why)),
            Power::On => {}
        }
        let reply = self
            .client
            .post(&format!("{vm}/powerOff"), COMPUTE_API_VERSION, None)
            .await
            .map_err(|e| failed(&format!("{}: cannot power {vm} off", target.vm), e))?;
        let mut retry_after = reply.retry_after();
        let mut polls = 0;
        // The step's timeout bounds this wait, as it bounds a job's.
        loop {
            tokio::time::sleep(self.options.poll.delay(polls, retry_after)).await;
            retry_after = None;
            polls += 1;
            match self.power(target, &vm).await? {
                Power::Off => return Ok(PowerOff::Stopped),
                Power::Failed(why) => return Err(power_off_failed(target, &why)),
                Power::On => {}
            }
        }
    }

    /// The power state of `vm`, from its instance view.
    async fn power(&self, target: &Target, vm: &str) -> Result<Power, ProviderError> {
        let view: InstanceView = self
            .client
            .get(&format!("{vm}/instanceView"), COMPUTE_API_VERSION)
            .await
            .map_err(|e| failed(&format!("{}: cannot read {vm}'s power state", target.vm), e))?;
        Ok(view.power())
    }
}

fn power_off_failed(target: &Target, why: &str) -> ProviderError {
    service(format!("{}: the power-off failed: {why}", target.vm))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(codes: &[&str]) -> InstanceView {
        serde_json::from_value(serde_json::json!({
            "statuses": codes.iter().map(|c| serde_json::json!({"code": c})).collect::<Vec<_>>()
        }))
        .unwrap()
    }

    #[test]
    fn the_power_state_comes_from_the_instance_view() {
        let on = ["ProvisioningState/succeeded", "PowerState/running"];
        assert_eq!(view(&on).power(), Power::On);
        assert_eq!(view(&["PowerState/stopping"]).power(), Power::On);
        assert_eq!(view(&["PowerState/stopped"]).power(), Power::Off);
        assert_eq!(view(&["powerstate/deallocated"]).power(), Power::Off);
        assert_eq!(view(&[]).power(), Power::On);
        assert!(matches!(
            view(&["ProvisioningState/failed/InternalError"]).power(),
            Power::Failed(_)
        ));
    }

    fn item(details: &serde_json::Value) -> ProtectedItem {
        serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/x", "name": "x",
            "properties": {"providerSpecificDetails": details}
        }))
        .unwrap()
    }

    #[test]
    fn the_vm_to_stop_is_the_one_replication_copies_from_after_a_reprotect() {
        let i = item(&serde_json::json!({
            "instanceType": "A2A",
            "fabricObjectId": "/subscriptions/s/resourceGroups/dr/providers/Microsoft.Compute/virtualMachines/db-01",
            "recoveryAzureResourceGroupId": "/subscriptions/s/resourceGroups/prod",
            "recoveryAzureVMName": "db-01"
        }));
        assert_eq!(
            active_vm(&i, Some(Location::Recovery)).as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/dr/providers/Microsoft.Compute/virtualMachines/db-01"
            )
        );
        assert_eq!(
            active_vm(&i, None).as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/db-01"
            )
        );
        assert_eq!(active_vm(&item(&serde_json::json!({})), None), None);
    }
}
