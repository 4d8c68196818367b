//! `ReplicationProtectedItems_Update` (PATCH on an item): an
//! `UpdateReplicationProtectedItemInput` in, checked as ASR checks it and
//! read into the target settings it sets ([`Change`]s, only the fields
//! present); the simulated vault's `configure` job started and the
//! long-running operation's headers out, or ARM's 400 (a malformed body) or
//! 409 (an item whose state does not allow it, with the vault's reason).
//!
//! Fields beyond the target settings (`licenseType`, `selectedTfoAzureNetworkId`,
//! disk settings, …) are accepted and ignored. An empty string clears an
//! optional setting; the VM's name and size cannot be cleared.

use std::net::Ipv4Addr;

use serde_json::Value;

use super::super::Emu;
use super::super::arm::id_type;
use super::super::json::inferred;
use super::actions::{bad, optional_string, properties};
use super::path::eq;
use super::reply::{Link, Reply};
use crate::provider::{Machine, Provider, ProviderError};
use crate::target::{Change, TargetSetting, TargetSettings};

impl Emu {
    pub(super) async fn update(
        &self,
        i: usize,
        body: &[u8],
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let (target, input, machine) = match self.item_request(i, body).await? {
            Ok(request) => request,
            Err(reply) => return Ok(reply),
        };
        let changes = match read_update(&input, &machine, &self.names.nic_id(&machine)) {
            Ok(changes) => changes,
            Err(reply) => return Ok(reply),
        };
        let job = self.sim.configure(target, &changes).await?;
        Ok(self.accepted(&job, link))
    }
}

/// The settings an update body sets, as changes from `machine`'s; `nic` is
/// the ARM id of the item's one NIC.
pub(super) fn read_update(
    input: &Value,
    machine: &Machine,
    nic: &str,
) -> Result<Vec<Change>, Reply> {
    let props = properties(input)?;
    let mut update = Update::default();
    update.name(props, "recoveryAzureVMName", TargetSetting::VmName)?;
    update.name(props, "recoveryAzureVMSize", TargetSetting::Size)?;
    update.id(
        props,
        "selectedRecoveryAzureNetworkId",
        TargetSetting::Network,
    )?;
    update.id(
        props,
        "recoveryAvailabilitySetId",
        TargetSetting::AvailabilitySet,
    )?;
    if let Some(details) = present(props, "providerSpecificDetails") {
        if !details.is_object() {
            return Err(bad("`providerSpecificDetails` is an object."));
        }
        match details.get("instanceType").and_then(Value::as_str) {
            Some("A2A") => {}
            Some(other) => {
                return Err(bad(&format!(
                    "`providerSpecificDetails.instanceType` is `{other}`, but the item replicates Azure to Azure: use `A2A`."
                )));
            }
            None => {
                return Err(bad(
                    "`providerSpecificDetails.instanceType` is required (`A2A`).",
                ));
            }
        }
        update.id(
            details,
            "recoveryResourceGroupId",
            TargetSetting::ResourceGroup,
        )?;
        update.zone(details)?;
        update.id(
            details,
            "recoveryProximityPlacementGroupId",
            TargetSetting::ProximityGroup,
        )?;
        update.id(
            details,
            "recoveryCapacityReservationGroupId",
            TargetSetting::CapacityReservation,
        )?;
    }
    for card in list(props, "vmNics")? {
        update.nic(card, nic)?;
    }
    Ok(TargetSetting::ALL
        .into_iter()
        .filter(|s| update.set.contains(s))
        .map(|setting| Change {
            setting,
            vault: machine.target.get(setting),
            plan: update.wanted.clone(),
        })
        .collect())
}

/// A field that is there and not `null`.
fn present<'a>(object: &'a Value, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|v| !v.is_null())
}

/// A list field's entries (none when absent).
fn list<'a>(object: &'a Value, field: &str) -> Result<&'a [Value], Reply> {
    match present(object, field) {
        None => Ok(&[]),
        Some(Value::Array(entries)) => Ok(entries),
        Some(_) => Err(bad(&format!("`{field}` is a list."))),
    }
}

/// What a body says of a text field.
enum Given {
    /// Nothing (absent or `null`): the setting stays.
    Absent,
    /// The empty string: the setting is cleared.
    Cleared,
    /// A value.
    Set(String),
}

impl Given {
    /// The setting's new value, `None` for cleared (and absent).
    fn value(self) -> Option<String> {
        match self {
            Given::Set(s) => Some(s),
            Given::Absent | Given::Cleared => None,
        }
    }
}

/// The settings read so far.
#[derive(Default)]
struct Update {
    wanted: TargetSettings,
    set: Vec<TargetSetting>,
}

impl Update {
    fn put(&mut self, setting: TargetSetting, apply: impl FnOnce(&mut TargetSettings)) {
        apply(&mut self.wanted);
        self.set.push(setting);
    }

    /// A text field: `None` when absent or `null`, `Some(None)` when empty.
    fn text(object: &Value, field: &str) -> Result<Given, Reply> {
        Ok(match optional_string(object.get(field), field)? {
            None => Given::Absent,
            Some(s) if s.trim().is_empty() => Given::Cleared,
            Some(s) => Given::Set(s.trim().to_owned()),
        })
    }

    /// A name, size or subnet.
    fn name(&mut self, object: &Value, field: &str, setting: TargetSetting) -> Result<(), Reply> {
        let value = match Update::text(object, field)? {
            Given::Absent => return Ok(()),
            Given::Cleared if matches!(setting, TargetSetting::VmName | TargetSetting::Size) => {
                return Err(bad(&format!("`{field}` cannot be empty.")));
            }
            given => given.value(),
        };
        self.put(setting, |t| match setting {
            TargetSetting::VmName => t.vm_name = value,
            TargetSetting::Size => t.size = value,
            TargetSetting::Subnet => t.subnet = value,
            _ => t.test_subnet = value,
        });
        Ok(())
    }

    /// An ARM id of the setting's resource type.
    fn id(&mut self, object: &Value, field: &str, setting: TargetSetting) -> Result<(), Reply> {
        let value = match Update::text(object, field)? {
            Given::Absent => return Ok(()),
            given => given.value(),
        };
        if let Some(id) = &value {
            check_type(field, id, setting)?;
        }
        self.put(setting, |t| {
            let slot = match setting {
                TargetSetting::ResourceGroup => &mut t.resource_group,
                TargetSetting::Network => &mut t.network,
                TargetSetting::PublicIp => &mut t.public_ip,
                TargetSetting::Nsg => &mut t.nsg,
                TargetSetting::AvailabilitySet => &mut t.availability_set,
                TargetSetting::ProximityGroup => &mut t.proximity_group,
                _ => &mut t.capacity_reservation,
            };
            *slot = value;
        });
        Ok(())
    }

    /// A static IPv4 address.
    fn ip(&mut self, object: &Value, field: &str, setting: TargetSetting) -> Result<(), Reply> {
        let value = match Update::text(object, field)? {
            Given::Absent => return Ok(()),
            given => given.value(),
        };
        let ip = match value {
            None => None,
            Some(text) => Some(
                text.parse::<Ipv4Addr>()
                    .map_err(|_| bad(&format!("`{field}` `{text}` is not an IPv4 address.")))?,
            ),
        };
        self.put(setting, |t| match setting {
            TargetSetting::Ip => t.ip = ip,
            _ => t.test_ip = ip,
        });
        Ok(())
    }

    /// `recoveryAvailabilityZone`: `"1"` to `"3"`.
    fn zone(&mut self, details: &Value) -> Result<(), Reply> {
        let field = "recoveryAvailabilityZone";
        let value = match Update::text(details, field)? {
            Given::Absent => return Ok(()),
            given => given.value(),
        };
        let zone = match value.as_deref() {
            None => None,
            Some(z @ ("1" | "2" | "3")) => z.parse::<u8>().ok(),
            Some(other) => {
                return Err(bad(&format!(
                    "`{field}` `{other}` is not an availability zone (`1`, `2` or `3`)."
                )));
            }
        };
        self.put(TargetSetting::Zone, |t| t.zone = zone);
        Ok(())
    }

    /// One `VMNicInputDetails`: it must be the item's NIC.
    fn nic(&mut self, card: &Value, nic: &str) -> Result<(), Reply> {
        if !card.is_object() {
            return Err(bad("Each entry of `vmNics` is an object."));
        }
        let id = optional_string(card.get("nicId"), "nicId")?.ok_or_else(|| {
            bad("`vmNics[].nicId` is required: the item's NIC, from its `vmNics`.")
        })?;
        if !eq(&id, nic) {
            return Err(bad(&format!(
                "`{id}` is not a NIC of the item; its NIC is `{nic}`."
            )));
        }
        self.id(card, "recoveryNetworkSecurityGroupId", TargetSetting::Nsg)?;
        for config in list(card, "ipConfigs")? {
            self.ip_config(config)?;
        }
        Ok(())
    }

    /// One `IPConfigInputDetails`: it must be the NIC's one configuration.
    fn ip_config(&mut self, config: &Value) -> Result<(), Reply> {
        if !config.is_object() {
            return Err(bad("Each entry of `ipConfigs` is an object."));
        }
        let name = optional_string(config.get("ipConfigName"), "ipConfigName")?;
        let primary = match present(config, "isPrimary") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(bad("`isPrimary` is true or false.")),
        };
        let ours = match &name {
            Some(n) => eq(n, inferred::IP_CONFIG),
            None => primary == Some(true),
        };
        if !ours {
            return Err(bad(&format!(
                "The NIC has one IP configuration, `{}`: name it in `ipConfigName`.",
                inferred::IP_CONFIG
            )));
        }
        self.name(config, "recoverySubnetName", TargetSetting::Subnet)?;
        self.ip(config, "recoveryStaticIPAddress", TargetSetting::Ip)?;
        self.id(config, "recoveryPublicIPAddressId", TargetSetting::PublicIp)?;
        self.pools(config)?;
        self.name(config, "tfoSubnetName", TargetSetting::TestSubnet)?;
        self.ip(config, "tfoStaticIPAddress", TargetSetting::TestIp)
    }

    /// `recoveryLBBackendAddressPoolIds`: an empty list clears them.
    fn pools(&mut self, config: &Value) -> Result<(), Reply> {
        let field = "recoveryLBBackendAddressPoolIds";
        let Some(value) = present(config, field) else {
            return Ok(());
        };
        let mut pools = Vec::new();
        for entry in value
            .as_array()
            .ok_or_else(|| bad(&format!("`{field}` is a list of ARM ids.")))?
        {
            let id = entry
                .as_str()
                .ok_or_else(|| bad(&format!("`{field}` is a list of ARM ids.")))?;
            check_type(field, id, TargetSetting::LoadBalancerPools)?;
            pools.push(id.to_owned());
        }
        let pools = (!pools.is_empty()).then_some(pools);
        self.put(TargetSetting::LoadBalancerPools, |t| {
            t.load_balancer_pools = pools;
        });
        Ok(())
    }
}

/// Refuses an id that does not name a resource of the setting's type.
fn check_type(field: &str, id: &str, setting: TargetSetting) -> Result<(), Reply> {
    let Some(expected) = setting.resource_type() else {
        return Ok(());
    };
    match id_type(id) {
        Some(kind) if eq(&kind, expected) => Ok(()),
        _ => Err(bad(&format!(
            "`{field}` `{id}` is not the ARM id of a {expected} resource."
        ))),
    }
}

#[cfg(test)]
mod tests;
