//! The ids and names of the emulator's vault: the plan and the vault's ARM id
//! in; the fabric, container, item, job, resource group and network ids ASR
//! answers with out, made up where a real vault would have its own, and the
//! same on every run.

use super::{fnv1a, guid};
use crate::plan::Plan;
use crate::provider::{Location, Machine, Target};

/// The ids and names a vault's resources are built from.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// The vault's ARM id, as the plan (or the emulator) gives it.
    pub(crate) vault: String,
    /// Its subscription.
    pub(crate) subscription: String,
    /// Its resource group.
    pub(crate) resource_group: String,
    /// The plan's primary region.
    pub(crate) primary: String,
    /// The plan's recovery region.
    pub(crate) recovery: String,
    /// The plan's test network, if any.
    pub(crate) test_network: Option<String>,
}

impl Names {
    /// The names of `plan`'s vault, whose ARM id is `vault`.
    pub(crate) fn new(plan: &Plan, vault: &str) -> Option<Names> {
        let parts: Vec<&str> = vault.trim_start_matches('/').split('/').collect();
        let [s, subscription, r, resource_group, p, ns, v, _name] = parts.as_slice() else {
            return None;
        };
        let ok = s.eq_ignore_ascii_case("subscriptions")
            && r.eq_ignore_ascii_case("resourceGroups")
            && p.eq_ignore_ascii_case("providers")
            && ns.eq_ignore_ascii_case("Microsoft.RecoveryServices")
            && v.eq_ignore_ascii_case("vaults");
        ok.then(|| Names {
            vault: vault.trim_end_matches('/').to_owned(),
            subscription: (*subscription).to_owned(),
            resource_group: (*resource_group).to_owned(),
            primary: plan.primary.clone(),
            recovery: plan.recovery.clone(),
            test_network: plan.test_network.clone(),
        })
    }

    /// The region of a side.
    pub(crate) fn region(&self, side: Location) -> &str {
        match side {
            Location::Primary => &self.primary,
            Location::Recovery => &self.recovery,
        }
    }

    /// The A2A fabric of a side (`asr-a2a-default-<region>`).
    pub(crate) fn fabric(&self, side: Location) -> String {
        format!("asr-a2a-default-{}", self.region(side))
    }

    /// The protection container of a side.
    pub(crate) fn container(&self, side: Location) -> String {
        format!("{}-container", self.fabric(side))
    }

    /// The fabric's ARM id.
    pub(crate) fn fabric_id(&self, side: Location) -> String {
        format!("{}/replicationFabrics/{}", self.vault, self.fabric(side))
    }

    /// The container's ARM id.
    pub(crate) fn container_id(&self, side: Location) -> String {
        format!(
            "{}/replicationProtectionContainers/{}",
            self.fabric_id(side),
            self.container(side)
        )
    }

    /// An item's ARM id (items stay in the primary container: see the module docs of `emulator`).
    pub(crate) fn item_id(&self, name: &str) -> String {
        format!(
            "{}/replicationProtectedItems/{name}",
            self.container_id(Location::Primary)
        )
    }

    /// A job's ARM id.
    pub(crate) fn job_id(&self, job: &str) -> String {
        format!("{}/replicationJobs/{job}", self.vault)
    }

    /// The resource group VMs run in on a side (A2A's default target group
    /// adds `-asr` to the source's).
    pub(crate) fn resource_group_id(&self, side: Location) -> String {
        let suffix = match side {
            Location::Primary => "",
            Location::Recovery => "-asr",
        };
        format!(
            "/subscriptions/{}/resourceGroups/{}{suffix}",
            self.subscription, self.resource_group
        )
    }

    fn vm_id(&self, side: Location, vm: &str) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{vm}",
            self.resource_group_id(side)
        )
    }

    /// The protected VM's ARM id: the vault's (`fabricObjectId`), else one
    /// made up in the primary region's resource group.
    pub(crate) fn source_vm(&self, m: &Machine) -> String {
        m.source_vm
            .clone()
            .unwrap_or_else(|| self.vm_id(Location::Primary, &m.vm))
    }

    /// The source VM's resource group id and name.
    fn source_parts(&self, m: &Machine) -> (String, String) {
        let vm = self.source_vm(m);
        let parts: Vec<&str> = vm.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            [_, subscription, _, group, _, _, _, name] => (
                format!("/subscriptions/{subscription}/resourceGroups/{group}"),
                (*name).to_owned(),
            ),
            _ => (self.resource_group_id(Location::Primary), m.vm.clone()),
        }
    }

    /// The ARM id of the source VM's primary NIC, the one NIC an item shows
    /// (`{vm}-nic` beside the VM) *(inferred)*.
    pub(crate) fn nic_id(&self, m: &Machine) -> String {
        let (group, name) = self.source_parts(m);
        format!("{group}/providers/Microsoft.Network/networkInterfaces/{name}-nic")
    }

    /// The ARM id of the source VM's OS disk (`{vm}-osdisk` beside the VM)
    /// *(inferred)*.
    pub(crate) fn os_disk_id(&self, m: &Machine) -> String {
        let (group, name) = self.source_parts(m);
        format!("{group}/providers/Microsoft.Compute/disks/{name}-osdisk")
    }

    pub(super) fn cache_storage_id(&self, side: Location) -> String {
        let region: String = self
            .region(side)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        format!(
            "{}/providers/Microsoft.Storage/storageAccounts/asrcache{}",
            self.resource_group_id(side),
            region.to_ascii_lowercase()
        )
    }
}

/// A plan VM as the emulator serves it.
#[derive(Debug, Clone)]
pub(crate) struct EmuItem {
    /// The VM and its simulated item.
    pub(crate) target: Target,
    /// The item's ARM name: the plan's `item`, else a stable made-up id.
    pub(crate) name: String,
}

impl EmuItem {
    /// The item of a plan VM; `item` is the plan's override.
    pub(crate) fn new(plan: &str, target: Target, item: Option<&str>) -> EmuItem {
        let name = item.map_or_else(
            || guid(fnv1a(&format!("item:{plan}")), fnv1a(&target.vm)),
            str::to_owned,
        );
        EmuItem { target, name }
    }
}
