//! Target settings, both ways. An A2A item's recovery settings (its
//! `providerSpecificDetails`) in, a [`TargetSettings`] out; and the item
//! with a list of [`Change`]s in, the body of
//! `ReplicationProtectedItems_Update` with exactly those fields out.
//!
//! The NIC settings (`subnet`, `ip`, `test_subnet`, `test_ip`, `public_ip`,
//! `load_balancer_pools`, `nsg`) are the primary NIC's: the one whose IP
//! configurations include the primary one, else the first; and its primary
//! IP configuration, else its first. Other NICs keep the vault's settings.
//!
//! Reading is lenient: a value that does not parse (an address that is not
//! IPv4, a zone that is not 1 to 3) leaves the setting unset, logged at
//! debug level, as an empty string does.

use std::net::Ipv4Addr;

use crate::target::{Change, TargetSetting, TargetSettings};

use super::super::models::{
    A2aUpdateDetails, Input, IpConfig, IpConfigInput, ProtectedItem, ProviderDetails,
    UpdateProperties, VmNic, VmNicInput,
};

/// A non-empty value, trimmed.
fn text(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// An IPv4 address, or `None` (logged) when the vault holds something else.
fn ipv4(field: &str, value: Option<&String>) -> Option<Ipv4Addr> {
    let value = text(value)?;
    value
        .parse()
        .inspect_err(|_| {
            tracing::debug!(
                field,
                value,
                "not an IPv4 address; the setting is left unset"
            );
        })
        .ok()
}

/// A zone (`"2"` → 2), or `None` (logged) when it is not 1 to 3.
fn zone(value: Option<&String>) -> Option<u8> {
    let value = text(value)?;
    let zone = value.parse::<u8>().ok().filter(|n| (1..=3).contains(n));
    if zone.is_none() {
        tracing::debug!(
            field = "recoveryAvailabilityZone",
            value,
            "not an availability zone; the setting is left unset"
        );
    }
    zone
}

/// The primary NIC and its primary IP configuration (see the module doc).
pub fn primary_nic(details: &ProviderDetails) -> Option<(&VmNic, Option<&IpConfig>)> {
    let is_primary = |c: &IpConfig| c.is_primary == Some(true);
    let nic = details
        .vm_nics
        .iter()
        .find(|n| n.ip_configs.iter().any(is_primary))
        .or_else(|| details.vm_nics.first())?;
    let config = nic
        .ip_configs
        .iter()
        .find(|c| is_primary(c))
        .or_else(|| nic.ip_configs.first());
    Some((nic, config))
}

/// The vault's target settings of an item.
pub fn target_settings(details: &ProviderDetails) -> TargetSettings {
    let nic = primary_nic(details);
    let config = nic.and_then(|(_, c)| c);
    let pools: Vec<String> = config
        .map(|c| {
            c.recovery_lb_backend_address_pool_ids
                .iter()
                .filter_map(|p| text(Some(p)))
                .collect()
        })
        .unwrap_or_default();
    TargetSettings {
        vm_name: text(details.recovery_azure_vm_name.as_ref()),
        size: text(details.recovery_azure_vm_size.as_ref()),
        resource_group: text(details.recovery_azure_resource_group_id.as_ref()),
        network: text(details.selected_recovery_azure_network_id.as_ref()),
        subnet: config.and_then(|c| text(c.recovery_subnet_name.as_ref())),
        ip: config.and_then(|c| {
            ipv4(
                "recoveryStaticIPAddress",
                c.recovery_static_ip_address.as_ref(),
            )
        }),
        test_subnet: config.and_then(|c| text(c.tfo_subnet_name.as_ref())),
        test_ip: config.and_then(|c| ipv4("tfoStaticIPAddress", c.tfo_static_ip_address.as_ref())),
        public_ip: config.and_then(|c| text(c.recovery_public_ip_address_id.as_ref())),
        load_balancer_pools: (!pools.is_empty()).then_some(pools),
        nsg: nic.and_then(|(n, _)| text(n.recovery_network_security_group_id.as_ref())),
        zone: zone(details.recovery_availability_zone.as_ref()),
        availability_set: text(details.recovery_availability_set.as_ref()),
        proximity_group: text(details.recovery_proximity_placement_group_id.as_ref()),
        capacity_reservation: text(details.recovery_capacity_reservation_group_id.as_ref()),
    }
}

/// Why an update cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// Nothing to change.
    #[error("no target setting differs from the vault's")]
    NothingToChange,
    /// A NIC setting changed, but the vault names no NIC (or IP configuration) to change.
    #[error(
        "the vault lists no {what} for it, so `{setting}` cannot be set; enable replication \
         of its network interfaces in the vault first"
    )]
    NoNic {
        /// The NIC setting asked for.
        setting: TargetSetting,
        /// `network interface` or `IP configuration`.
        what: &'static str,
    },
}

/// An update being built: the plan values of the changes, by where they go.
#[derive(Default)]
struct Update {
    props: UpdateProperties,
    nsg: Option<String>,
    ip_config: IpConfigInput,
    /// An IP-level setting that changed (for the error when none can be set).
    ip_changed: Option<TargetSetting>,
    a2a: A2aUpdateDetails,
    a2a_changed: bool,
}

impl Update {
    /// Puts one change's plan value where the update takes it.
    fn set(&mut self, change: &Change) {
        let plan = &change.plan;
        let (props, ip, a2a) = (&mut self.props, &mut self.ip_config, &mut self.a2a);
        match change.setting {
            TargetSetting::VmName => props.recovery_azure_vm_name.clone_from(&plan.vm_name),
            TargetSetting::Size => props.recovery_azure_vm_size.clone_from(&plan.size),
            TargetSetting::Network => props
                .selected_recovery_azure_network_id
                .clone_from(&plan.network),
            TargetSetting::AvailabilitySet => props
                .recovery_availability_set_id
                .clone_from(&plan.availability_set),
            TargetSetting::Nsg => self.nsg.clone_from(&plan.nsg),
            TargetSetting::Subnet => ip.recovery_subnet_name.clone_from(&plan.subnet),
            TargetSetting::Ip => ip.recovery_static_ip_address = plan.ip.map(|a| a.to_string()),
            TargetSetting::TestSubnet => ip.tfo_subnet_name.clone_from(&plan.test_subnet),
            TargetSetting::TestIp => ip.tfo_static_ip_address = plan.test_ip.map(|a| a.to_string()),
            TargetSetting::PublicIp => ip.recovery_public_ip_address_id.clone_from(&plan.public_ip),
            TargetSetting::LoadBalancerPools => ip
                .recovery_lb_backend_address_pool_ids
                .clone_from(&plan.load_balancer_pools),
            TargetSetting::ResourceGroup => {
                a2a.recovery_resource_group_id
                    .clone_from(&plan.resource_group);
            }
            TargetSetting::Zone => {
                a2a.recovery_availability_zone = plan.zone.map(|z| z.to_string());
            }
            TargetSetting::ProximityGroup => a2a
                .recovery_proximity_placement_group_id
                .clone_from(&plan.proximity_group),
            TargetSetting::CapacityReservation => a2a
                .recovery_capacity_reservation_group_id
                .clone_from(&plan.capacity_reservation),
        }
        match change.setting {
            TargetSetting::Subnet
            | TargetSetting::Ip
            | TargetSetting::TestSubnet
            | TargetSetting::TestIp
            | TargetSetting::PublicIp
            | TargetSetting::LoadBalancerPools => self.ip_changed = Some(change.setting),
            TargetSetting::ResourceGroup
            | TargetSetting::Zone
            | TargetSetting::ProximityGroup
            | TargetSetting::CapacityReservation => self.a2a_changed = true,
            TargetSetting::VmName
            | TargetSetting::Size
            | TargetSetting::Network
            | TargetSetting::AvailabilitySet
            | TargetSetting::Nsg => {}
        }
    }

    /// The primary NIC's entry, when a NIC setting changed: its id and,
    /// when an IP setting changed, its primary IP configuration.
    fn nic(&mut self, details: &ProviderDetails) -> Result<Option<VmNicInput>, UpdateError> {
        let nsg_changed = self.nsg.is_some().then_some(TargetSetting::Nsg);
        let Some(setting) = self.ip_changed.or(nsg_changed) else {
            return Ok(None);
        };
        let no_nic = UpdateError::NoNic {
            setting,
            what: "network interface",
        };
        let (nic, config) = primary_nic(details).ok_or(no_nic.clone())?;
        let nic_id = text(nic.nic_id.as_ref()).ok_or(no_nic)?;
        let mut ip_configs = Vec::new();
        if let Some(setting) = self.ip_changed {
            let mut ip_config = std::mem::take(&mut self.ip_config);
            ip_config.ip_config_name =
                config
                    .and_then(|c| text(c.name.as_ref()))
                    .ok_or(UpdateError::NoNic {
                        setting,
                        what: "IP configuration",
                    })?;
            ip_config.is_primary = true;
            ip_configs.push(ip_config);
        }
        Ok(Some(VmNicInput {
            nic_id,
            ip_configs,
            recovery_network_security_group_id: self.nsg.take(),
        }))
    }
}

/// The body of `ReplicationProtectedItems_Update` that sets `changes` (their
/// plan values) on `item` and nothing else: top-level fields, the primary
/// NIC (with its primary IP configuration only when an IP setting changed)
/// and the A2A details only when one of theirs changed.
pub fn update_input(
    item: &ProtectedItem,
    changes: &[Change],
) -> Result<Input<UpdateProperties>, UpdateError> {
    if changes.is_empty() {
        return Err(UpdateError::NothingToChange);
    }
    let mut update = Update::default();
    for change in changes {
        update.set(change);
    }
    let details = item
        .properties
        .provider_specific_details
        .clone()
        .unwrap_or_default();
    let nic = update.nic(&details)?;
    let mut props = update.props;
    props.vm_nics.extend(nic);
    if update.a2a_changed {
        props.provider_specific_details = Some(A2aUpdateDetails {
            instance_type: "A2A",
            ..update.a2a
        });
    }
    Ok(Input { properties: props })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(json: serde_json::Value) -> ProviderDetails {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_primary_nic_is_the_one_with_the_primary_ip_configuration() {
        let d = details(serde_json::json!({
            "vmNics": [
                {"nicId": "nic-a", "ipConfigs": [{"name": "a1", "isPrimary": false}]},
                {"nicId": "nic-b", "ipConfigs": [{"name": "b1"}, {"name": "b2", "isPrimary": true}]}
            ]
        }));
        let (nic, config) = primary_nic(&d).unwrap();
        assert_eq!(nic.nic_id.as_deref(), Some("nic-b"));
        assert_eq!(config.unwrap().name.as_deref(), Some("b2"));
        // No primary flag anywhere: the first NIC and its first configuration.
        let d = details(serde_json::json!({
            "vmNics": [{"nicId": "nic-a", "ipConfigs": [{"name": "a1"}, {"name": "a2"}]}, {"nicId": "nic-b"}]
        }));
        let (nic, config) = primary_nic(&d).unwrap();
        assert_eq!(nic.nic_id.as_deref(), Some("nic-a"));
        assert_eq!(config.unwrap().name.as_deref(), Some("a1"));
        assert!(primary_nic(&ProviderDetails::default()).is_none());
    }

    #[test]
    fn unparsable_values_leave_the_setting_unset() {
        let d = details(serde_json::json!({
            "recoveryAzureVMSize": "  ",
            "recoveryAvailabilityZone": "x",
            "vmNics": [{"nicId": "n", "ipConfigs": [{
                "isPrimary": true,
                "recoveryStaticIPAddress": "fe80::1",
                "tfoStaticIPAddress": "10.9.1.400",
                "recoveryLBBackendAddressPoolIds": null
            }]}]
        }));
        let t = target_settings(&d);
        assert_eq!(t, TargetSettings::default());
        for (value, zone) in [
            ("1", Some(1)),
            ("3", Some(3)),
            ("0", None),
            ("4", None),
            ("", None),
        ] {
            let d = details(serde_json::json!({"recoveryAvailabilityZone": value}));
            assert_eq!(target_settings(&d).zone, zone, "{value}");
        }
    }
}
