//! Target settings: where and how a VM comes up in the other region. The
//! plan's `target` blocks (inherited field by field: VM over group over
//! `defaults`) and the vault's replication settings are both a
//! [`TargetSettings`]; [`drift`] compares them setting by setting, for the
//! `drift` finding and for `drplan run configure`, which sends exactly the
//! settings it lists.
//!
//! Kept below `plan`, `provider` and `readiness` so each names the same type.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// One VM's target settings. `None` means "not set": in the plan, the vault
/// keeps what it has; in the vault, ASR decides at failover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetSettings {
    /// Name of the recovered VM (`recoveryAzureVMName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_name: Option<String>,
    /// VM size, `Standard_D4s_v5` (`recoveryAzureVMSize`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Resource group ARM id (A2A `recoveryResourceGroupId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Virtual network ARM id (`selectedRecoveryAzureNetworkId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Subnet name in `network` (primary NIC's primary IP configuration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// Static IPv4 address in `subnet`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Ipv4Addr>,
    /// Subnet name for test failover (in the plan's test network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_subnet: Option<String>,
    /// Static IPv4 address for test failover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_ip: Option<Ipv4Addr>,
    /// Public IP address ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// Load balancer backend pool ARM ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_pools: Option<Vec<String>>,
    /// Network security group ARM id of the primary NIC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nsg: Option<String>,
    /// Availability zone, 1 to 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<u8>,
    /// Availability set ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_set: Option<String>,
    /// Proximity placement group ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proximity_group: Option<String>,
    /// Capacity reservation group ARM id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_reservation: Option<String>,
}

/// The settings of a `target` block, by their keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSetting {
    /// `vm_name`.
    VmName,
    /// `size`.
    Size,
    /// `resource_group`.
    ResourceGroup,
    /// `network`.
    Network,
    /// `subnet`.
    Subnet,
    /// `ip`.
    Ip,
    /// `test_subnet`.
    TestSubnet,
    /// `test_ip`.
    TestIp,
    /// `public_ip`.
    PublicIp,
    /// `load_balancer_pools`.
    LoadBalancerPools,
    /// `nsg`.
    Nsg,
    /// `zone`.
    Zone,
    /// `availability_set`.
    AvailabilitySet,
    /// `proximity_group`.
    ProximityGroup,
    /// `capacity_reservation`.
    CapacityReservation,
}

impl TargetSetting {
    /// Every setting, in the order the language reference lists them.
    pub const ALL: [TargetSetting; 15] = [
        TargetSetting::VmName,
        TargetSetting::Size,
        TargetSetting::ResourceGroup,
        TargetSetting::Network,
        TargetSetting::Subnet,
        TargetSetting::Ip,
        TargetSetting::TestSubnet,
        TargetSetting::TestIp,
        TargetSetting::PublicIp,
        TargetSetting::LoadBalancerPools,
        TargetSetting::Nsg,
        TargetSetting::Zone,
        TargetSetting::AvailabilitySet,
        TargetSetting::ProximityGroup,
        TargetSetting::CapacityReservation,
    ];

    /// The keyword in a `target` block.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetSetting::VmName => "vm_name",
            TargetSetting::Size => "size",
            TargetSetting::ResourceGroup => "resource_group",
            TargetSetting::Network => "network",
            TargetSetting::Subnet => "subnet",
            TargetSetting::Ip => "ip",
            TargetSetting::TestSubnet => "test_subnet",
            TargetSetting::TestIp => "test_ip",
            TargetSetting::PublicIp => "public_ip",
            TargetSetting::LoadBalancerPools => "load_balancer_pools",
            TargetSetting::Nsg => "nsg",
            TargetSetting::Zone => "zone",
            TargetSetting::AvailabilitySet => "availability_set",
            TargetSetting::ProximityGroup => "proximity_group",
            TargetSetting::CapacityReservation => "capacity_reservation",
        }
    }

    /// The setting of a keyword.
    pub fn parse(keyword: &str) -> Option<TargetSetting> {
        TargetSetting::ALL
            .into_iter()
            .find(|s| s.as_str() == keyword)
    }

    /// The ARM resource type an id in this setting must name, for the
    /// settings that hold an ARM id (`Microsoft.Network/virtualNetworks`).
    pub fn resource_type(self) -> Option<&'static str> {
        Some(match self {
            TargetSetting::ResourceGroup => "resourceGroups",
            TargetSetting::Network => "Microsoft.Network/virtualNetworks",
            TargetSetting::PublicIp => "Microsoft.Network/publicIPAddresses",
            TargetSetting::LoadBalancerPools => {
                "Microsoft.Network/loadBalancers/backendAddressPools"
            }
            TargetSetting::Nsg => "Microsoft.Network/networkSecurityGroups",
            TargetSetting::AvailabilitySet => "Microsoft.Compute/availabilitySets",
            TargetSetting::ProximityGroup => "Microsoft.Compute/proximityPlacementGroups",
            TargetSetting::CapacityReservation => "Microsoft.Compute/capacityReservationGroups",
            TargetSetting::VmName
            | TargetSetting::Size
            | TargetSetting::Subnet
            | TargetSetting::Ip
            | TargetSetting::TestSubnet
            | TargetSetting::TestIp
            | TargetSetting::Zone => return None,
        })
    }
}

impl fmt::Display for TargetSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A setting's value as messages, drift rows and JSON show it: ids and
/// names as they are, a zone as its number, pools comma-separated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SettingValue {
    /// Text: names, ids, sizes, addresses.
    Text(String),
    /// A zone.
    Number(u8),
    /// Backend pools.
    List(Vec<String>),
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Text(t) => f.write_str(t),
            SettingValue::Number(n) => write!(f, "{n}"),
            SettingValue::List(l) => f.write_str(&l.join(", ")),
        }
    }
}

impl TargetSettings {
    /// The value of one setting, when set.
    pub fn get(&self, setting: TargetSetting) -> Option<SettingValue> {
        let text = |v: &Option<String>| v.clone().map(SettingValue::Text);
        let ip = |v: &Option<Ipv4Addr>| v.map(|ip| SettingValue::Text(ip.to_string()));
        match setting {
            TargetSetting::VmName => text(&self.vm_name),
            TargetSetting::Size => text(&self.size),
            TargetSetting::ResourceGroup => text(&self.resource_group),
            TargetSetting::Network => text(&self.network),
            TargetSetting::Subnet => text(&self.subnet),
            TargetSetting::Ip => ip(&self.ip),
            TargetSetting::TestSubnet => text(&self.test_subnet),
            TargetSetting::TestIp => ip(&self.test_ip),
            TargetSetting::PublicIp => text(&self.public_ip),
            TargetSetting::LoadBalancerPools => {
                self.load_balancer_pools.clone().map(SettingValue::List)
            }
            TargetSetting::Nsg => text(&self.nsg),
            TargetSetting::Zone => self.zone.map(SettingValue::Number),
            TargetSetting::AvailabilitySet => text(&self.availability_set),
            TargetSetting::ProximityGroup => text(&self.proximity_group),
            TargetSetting::CapacityReservation => text(&self.capacity_reservation),
        }
    }

    /// Whether no setting is set.
    pub fn is_empty(&self) -> bool {
        TargetSetting::ALL.iter().all(|s| self.get(*s).is_none())
    }

    /// These settings, each unset one taken from `parent`: how a VM inherits
    /// from its group and a group from the plan's `defaults`.
    #[must_use]
    pub fn inherit(mut self, parent: &TargetSettings) -> TargetSettings {
        fn fill<T: Clone>(own: &mut Option<T>, parent: Option<&T>) {
            if own.is_none() {
                *own = parent.cloned();
            }
        }
        fill(&mut self.vm_name, parent.vm_name.as_ref());
        fill(&mut self.size, parent.size.as_ref());
        fill(&mut self.resource_group, parent.resource_group.as_ref());
        fill(&mut self.network, parent.network.as_ref());
        fill(&mut self.subnet, parent.subnet.as_ref());
        fill(&mut self.ip, parent.ip.as_ref());
        fill(&mut self.test_subnet, parent.test_subnet.as_ref());
        fill(&mut self.test_ip, parent.test_ip.as_ref());
        fill(&mut self.public_ip, parent.public_ip.as_ref());
        fill(
            &mut self.load_balancer_pools,
            parent.load_balancer_pools.as_ref(),
        );
        fill(&mut self.nsg, parent.nsg.as_ref());
        fill(&mut self.zone, parent.zone.as_ref());
        fill(&mut self.availability_set, parent.availability_set.as_ref());
        fill(&mut self.proximity_group, parent.proximity_group.as_ref());
        fill(
            &mut self.capacity_reservation,
            parent.capacity_reservation.as_ref(),
        );
        self
    }

    /// `changes` applied: what the vault holds after an update sent them.
    #[must_use]
    pub fn with(mut self, changes: &[Change]) -> TargetSettings {
        for change in changes {
            self.set_from(change.setting, &change.plan);
        }
        self
    }

    /// Sets one setting to the value `from` holds for it.
    fn set_from(&mut self, setting: TargetSetting, from: &TargetSettings) {
        match setting {
            TargetSetting::VmName => self.vm_name.clone_from(&from.vm_name),
            TargetSetting::Size => self.size.clone_from(&from.size),
            TargetSetting::ResourceGroup => self.resource_group.clone_from(&from.resource_group),
            TargetSetting::Network => self.network.clone_from(&from.network),
            TargetSetting::Subnet => self.subnet.clone_from(&from.subnet),
            TargetSetting::Ip => self.ip = from.ip,
            TargetSetting::TestSubnet => self.test_subnet.clone_from(&from.test_subnet),
            TargetSetting::TestIp => self.test_ip = from.test_ip,
            TargetSetting::PublicIp => self.public_ip.clone_from(&from.public_ip),
            TargetSetting::LoadBalancerPools => {
                self.load_balancer_pools
                    .clone_from(&from.load_balancer_pools);
            }
            TargetSetting::Nsg => self.nsg.clone_from(&from.nsg),
            TargetSetting::Zone => self.zone = from.zone,
            TargetSetting::AvailabilitySet => {
                self.availability_set.clone_from(&from.availability_set);
            }
            TargetSetting::ProximityGroup => self.proximity_group.clone_from(&from.proximity_group),
            TargetSetting::CapacityReservation => {
                self.capacity_reservation
                    .clone_from(&from.capacity_reservation);
            }
        }
    }
}

/// One setting where the vault differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The setting.
    pub setting: TargetSetting,
    /// The vault's value, `None` when unset there.
    pub vault: Option<SettingValue>,
    /// The plan's settings (only `setting` is read from them).
    pub plan: TargetSettings,
}

impl Change {
    /// The plan's value of the setting (always set: [`drift`] lists only
    /// settings the plan sets).
    pub fn plan_value(&self) -> Option<SettingValue> {
        self.plan.get(self.setting)
    }
}

/// The settings the plan sets and the vault holds otherwise, in
/// [`TargetSetting::ALL`]'s order. ARM ids compare without regard to case,
/// as ARM treats them; names, sizes and addresses exactly.
pub fn drift(vault: &TargetSettings, plan: &TargetSettings) -> Vec<Change> {
    TargetSetting::ALL
        .into_iter()
        .filter_map(|setting| {
            let wanted = plan.get(setting)?;
            let held = vault.get(setting);
            let same = match (&held, &wanted) {
                (Some(SettingValue::Text(a)), SettingValue::Text(b))
                    if setting.resource_type().is_some() =>
                {
                    a.eq_ignore_ascii_case(b)
                }
                (Some(SettingValue::List(a)), SettingValue::List(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
                }
                (Some(held), wanted) => held == wanted,
                (None, _) => false,
            };
            (!same).then(|| Change {
                setting,
                vault: held,
                plan: plan.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(f: impl FnOnce(&mut TargetSettings)) -> TargetSettings {
        let mut s = TargetSettings::default();
        f(&mut s);
        s
    }

    #[test]
    fn a_vm_inherits_field_by_field_and_its_own_settings_win() {
        let defaults = settings(|s| {
            s.resource_group = Some("/subscriptions/s/resourceGroups/rg-ne".into());
            s.size = Some("Standard_D2s_v5".into());
        });
        let group = settings(|s| s.size = Some("Standard_D4s_v5".into())).inherit(&defaults);
        let vm = settings(|s| s.zone = Some(2)).inherit(&group);
        assert_eq!(vm.size.as_deref(), Some("Standard_D4s_v5"));
        assert_eq!(vm.resource_group, defaults.resource_group);
        assert_eq!(vm.zone, Some(2));
    }

    #[test]
    fn drift_lists_only_what_the_plan_sets_and_ids_ignore_case() {
        let vault = settings(|s| {
            s.size = Some("Standard_D2s_v5".into());
            s.network = Some(
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V"
                    .into(),
            );
            s.vm_name = Some("app-01".into());
        });
        let plan = settings(|s| {
            s.size = Some("Standard_D4s_v5".into());
            s.network = Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
                    .into(),
            );
            s.zone = Some(2);
        });
        let changes = drift(&vault, &plan);
        let kinds: Vec<_> = changes.iter().map(|c| c.setting).collect();
        assert_eq!(kinds, [TargetSetting::Size, TargetSetting::Zone]);
        assert_eq!(changes[1].vault, None);
        assert_eq!(changes[1].plan_value(), Some(SettingValue::Number(2)));
        let after = vault.with(&changes);
        assert!(drift(&after, &plan).is_empty());
        assert_eq!(after.vm_name.as_deref(), Some("app-01"));
    }

    #[test]
    fn every_setting_has_a_keyword_that_parses_back() {
        for s in TargetSetting::ALL {
            assert_eq!(TargetSetting::parse(s.as_str()), Some(s));
        }
        assert_eq!(TargetSetting::parse("sku"), None);
    }
}
