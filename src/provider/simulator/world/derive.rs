//! The world a plan implies: a checked plan in, a [`World`] in which
//! everything the plan names exists and every VM fits, out. Every resource
//! the `target` blocks and the test network reference exists (networks with
//! the subnets named, their prefixes holding the static IPs given); quota
//! and reservations have room for every VM, twice over; every size is
//! offered in zones 1 to 3 of both regions; each plan VM is a VM of the
//! primary region carrying the tags and resource group of the plan's
//! `coverage` selectors.
//!
//! Items start as ASR sets them up when replication is enabled, not as the
//! plan wants them: the recovered VM named and sized like the source, in a
//! resource group and network named after the source ones with ASR's `-asr`
//! suffix (which exist too). A plan with `target` blocks therefore shows
//! drift until `drplan run configure`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::{
    Entry, Initial, Kind, Quota, SourceVm, World, WorldVm, ZONES, contains, key, mask,
    parse_prefix, region_key, resource_group_of, sizes,
};
use crate::plan::Plan;
use crate::provider::inventory::{Reservation, Sku, Subnet, TOTAL_CORES};
use crate::target::TargetSettings;

/// The size of every protected VM of a derived world.
pub(crate) const SOURCE_SIZE: &str = "Standard_D2s_v5";

/// The subscription of a world whose plan names none.
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// Quota a derived region gives a family beyond twice what the plan needs.
const SPARE_VCPUS: u64 = 100;

/// Addresses wanted in each subnet, by subnet name.
type Addresses = BTreeMap<String, Vec<Ipv4Addr>>;

/// VMs by size and zone.
type Counts = BTreeMap<(String, Option<u8>), u32>;

/// What the plan's VMs ask of the world, gathered before it is built.
#[derive(Default)]
struct Asked {
    /// Networks by key: their id as written and their subnets.
    networks: BTreeMap<String, (String, Addresses)>,
    /// Reservation groups by key: their id as written and the VMs of each
    /// size and zone.
    reservations: BTreeMap<String, (String, Counts)>,
    /// Every size named.
    sizes: BTreeSet<String>,
    /// vCPUs by family and `cores`, sources and targets alike.
    vcpus: BTreeMap<String, u64>,
}

/// The resources ASR's defaults name, from the plan's name and coverage.
struct Defaults {
    source_group: String,
    target_group: String,
    target_network: String,
    tags: BTreeMap<String, String>,
}

impl Defaults {
    fn of(plan: &Plan) -> Defaults {
        let subscription = subscription_of(plan);
        let source_group = plan
            .coverage
            .resource_groups
            .first()
            .cloned()
            .unwrap_or_else(|| {
                format!(
                    "/subscriptions/{subscription}/resourceGroups/rg-{}",
                    plan.name
                )
            });
        let source_group = source_group.trim_end_matches('/').to_owned();
        let target_group = format!("{source_group}-asr");
        let target_network = format!(
            "{target_group}/providers/Microsoft.Network/virtualNetworks/vnet-{}-asr",
            plan.name
        );
        let tags = plan
            .coverage
            .tags
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.value.clone().unwrap_or_else(|| plan.name.clone()),
                )
            })
            .collect();
        Defaults {
            source_group,
            target_group,
            target_network,
            tags,
        }
    }

    /// What ASR sets on an item when replication is enabled.
    fn initial(&self, vm: &str) -> Initial {
        Initial {
            target: TargetSettings {
                vm_name: Some(vm.to_owned()),
                size: Some(SOURCE_SIZE.to_owned()),
                resource_group: Some(self.target_group.clone()),
                network: Some(self.target_network.clone()),
                subnet: Some("default".to_owned()),
                ..TargetSettings::default()
            },
            source: SourceVm {
                id: format!(
                    "{}/providers/Microsoft.Compute/virtualMachines/{vm}",
                    self.source_group
                ),
                size: SOURCE_SIZE.to_owned(),
            },
        }
    }
}

impl Asked {
    fn vm(&mut self, target: &TargetSettings, test_network: Option<&str>) {
        let size = target
            .size
            .clone()
            .unwrap_or_else(|| SOURCE_SIZE.to_owned());
        for s in [SOURCE_SIZE, size.as_str()] {
            let info = sizes::info(s);
            *self.vcpus.entry(info.family).or_default() += u64::from(info.vcpus);
            *self.vcpus.entry(TOTAL_CORES.to_owned()).or_default() += u64::from(info.vcpus);
        }
        if let Some(network) = &target.network {
            // A VM that names no subnet keeps the item's (`default`).
            let subnet = target.subnet.as_deref().or(Some("default"));
            self.subnet(network, subnet, target.ip);
        }
        if let Some(network) = test_network {
            self.subnet(network, target.test_subnet.as_deref(), target.test_ip);
        }
        if let Some(crg) = &target.capacity_reservation {
            let (_, counts) = self
                .reservations
                .entry(key(crg))
                .or_insert_with(|| (crg.clone(), BTreeMap::new()));
            *counts.entry((size.clone(), target.zone)).or_default() += 1;
        }
        self.sizes.insert(size);
    }

    /// Notes a subnet of a network and the address a VM wants in it.
    fn subnet(&mut self, network: &str, subnet: Option<&str>, ip: Option<Ipv4Addr>) {
        let (_, named) = self
            .networks
            .entry(key(network))
            .or_insert_with(|| (network.to_owned(), BTreeMap::new()));
        if let Some(subnet) = subnet {
            named.entry(subnet.to_owned()).or_default().extend(ip);
        }
    }
}

impl World {
    /// The world `plan` implies, where everything fits.
    pub fn derive(plan: &Plan) -> World {
        let primary = region_key(&plan.primary);
        let recovery = region_key(&plan.recovery);
        let mut world = World {
            primary: primary.clone(),
            recovery: recovery.clone(),
            regions: BTreeMap::new(),
            resources: BTreeMap::new(),
            vms: Vec::new(),
            initial: BTreeMap::new(),
            items: BTreeMap::new(),
            plan_vms: Vec::new(),
        };
        let defaults = Defaults::of(plan);
        let source_network = format!(
            "{}/providers/Microsoft.Network/virtualNetworks/vnet-{}",
            defaults.source_group, plan.name
        );
        world.add(&defaults.source_group, &primary, Kind::ResourceGroup);
        world.add(&defaults.target_group, &recovery, Kind::ResourceGroup);
        let default_subnet = BTreeMap::from([("default".to_owned(), Vec::new())]);
        world.add_network(&source_network, &primary, &default_subnet);
        world.add_network(&defaults.target_network, &recovery, &default_subnet);
        let mut asked = Asked::default();
        if let Some(network) = &plan.test_network {
            asked.subnet(network, None, None);
        }
        for vm in plan.groups.iter().flat_map(|g| g.vms.iter()) {
            let item = vm.item.clone().unwrap_or_else(|| vm.name.clone());
            world.plan_vms.push((vm.name.clone(), item.clone()));
            let initial = defaults.initial(&vm.name);
            world.vms.push(WorldVm {
                id: initial.source.id.clone(),
                name: vm.name.clone(),
                location: primary.clone(),
                tags: defaults.tags.clone(),
            });
            world.initial.insert(item, initial);
            world.reference_all(&vm.target, &recovery);
            asked.vm(&vm.target, plan.test_network.as_deref());
        }
        world.build(asked);
        world
    }

    /// Adds the networks, reservations, sizes and quota the VMs ask for.
    fn build(&mut self, asked: Asked) {
        let recovery = self.recovery.clone();
        for (id, named) in asked.networks.into_values() {
            self.add_network(&id, &recovery, &named);
        }
        for (id, counts) in asked.reservations.into_values() {
            let reservations = counts
                .into_iter()
                .map(|((size, zone), count)| Reservation {
                    name: reservation_name(&size, zone.map(|z| z.to_string()).as_deref()),
                    size,
                    zone: zone.map(|z| z.to_string()),
                    capacity: count.saturating_mul(2),
                    used: 0,
                })
                .collect();
            self.add(
                &id,
                &recovery,
                Kind::ReservationGroup {
                    zones: ZONES.map(str::to_owned).to_vec(),
                    reservations,
                },
            );
        }
        let mut offered: Vec<sizes::SizeInfo> = sizes::builtin();
        for size in &asked.sizes {
            if !offered.iter().any(|s| s.name.eq_ignore_ascii_case(size)) {
                offered.push(sizes::info(size));
            }
        }
        for region in [self.primary.clone(), recovery] {
            let r = self.regions.entry(region).or_default();
            for info in &offered {
                r.skus.insert(
                    info.name.to_ascii_lowercase(),
                    Sku {
                        name: info.name.clone(),
                        family: info.family.clone(),
                        vcpus: info.vcpus,
                        zones: ZONES.map(str::to_owned).to_vec(),
                        restrictions: Vec::new(),
                    },
                );
                let need = asked.vcpus.get(&info.family).copied().unwrap_or(0);
                r.quota.insert(
                    info.family.clone(),
                    Quota {
                        limit: SPARE_VCPUS + 2 * need,
                        usage: 0,
                    },
                );
            }
            let total = asked.vcpus.get(TOTAL_CORES).copied().unwrap_or(0);
            r.quota.insert(
                TOTAL_CORES.to_owned(),
                Quota {
                    limit: 2 * SPARE_VCPUS + 2 * total,
                    usage: 0,
                },
            );
        }
    }

    /// Adds a resource (and its resource group) unless it exists.
    fn add(&mut self, id: &str, region: &str, kind: Kind) {
        if let Some(group) = resource_group_of(id)
            && group != key(id)
            && !self.resources.contains_key(&group)
        {
            let shown = id.get(..group.len()).unwrap_or(&group).to_owned();
            self.add(&shown, region, Kind::ResourceGroup);
        }
        self.resources.entry(key(id)).or_insert_with(|| Entry {
            id: id.trim_end_matches('/').to_owned(),
            location: Some(region.to_owned()),
            kind,
        });
    }

    /// Adds what a VM's target settings name, but networks and reservation
    /// groups (their contents come from every VM; see [`World::derive`]).
    fn reference_all(&mut self, t: &TargetSettings, region: &str) {
        if let Some(id) = &t.resource_group {
            self.add(id, region, Kind::ResourceGroup);
        }
        if let Some(id) = &t.public_ip {
            self.add(id, region, Kind::PublicIp { bound_to: None });
        }
        if let Some(id) = &t.nsg {
            self.add(id, region, Kind::SecurityGroup);
        }
        if let Some(id) = &t.availability_set {
            self.add(id, region, Kind::AvailabilitySet);
        }
        if let Some(id) = &t.proximity_group {
            self.add(id, region, Kind::ProximityGroup);
        }
        for pool in t.load_balancer_pools.iter().flatten() {
            let Some((lb, name)) = super::child_of(pool, "backendaddresspools") else {
                continue;
            };
            let shown = pool.get(..lb.len()).unwrap_or(&lb).to_owned();
            self.add(&shown, region, Kind::LoadBalancer { pools: Vec::new() });
            if let Some(Entry {
                kind: Kind::LoadBalancer { pools },
                ..
            }) = self.resources.get_mut(&lb)
                && !pools.iter().any(|p| p.eq_ignore_ascii_case(&name))
            {
                pools.push(name);
            }
        }
    }

    /// Adds a network with the subnets named, each holding its addresses.
    fn add_network(&mut self, id: &str, region: &str, named: &Addresses) {
        let mut prefixes: Vec<String> = Vec::new();
        let mut subnets = Vec::new();
        // Subnets with addresses first: their prefixes are fixed by them.
        for (name, ips) in named.iter().filter(|(_, ips)| !ips.is_empty()) {
            let prefix = covering(ips);
            prefixes.push(prefix.clone());
            subnets.push(Subnet {
                name: name.clone(),
                prefixes: vec![prefix],
            });
        }
        for name in named
            .iter()
            .filter(|(_, ips)| ips.is_empty())
            .map(|(n, _)| n)
        {
            let prefix = free_block(&prefixes);
            prefixes.push(prefix.clone());
            subnets.push(Subnet {
                name: name.clone(),
                prefixes: vec![prefix],
            });
        }
        subnets.sort_by(|a, b| a.name.cmp(&b.name));
        self.add(
            id,
            region,
            Kind::Network {
                subnets,
                used: BTreeSet::new(),
            },
        );
    }
}

/// The /24 (or wider) prefix holding every address of `ips`.
pub(super) fn covering(ips: &[Ipv4Addr]) -> String {
    let first = ips.first().map_or(0, |ip| u32::from(*ip));
    let differ = ips
        .iter()
        .fold(0u32, |acc, ip| acc | (u32::from(*ip) ^ first));
    let len = differ.leading_zeros().min(24);
    format!("{}/{len}", Ipv4Addr::from(first & mask(len)))
}

/// A /24 of 10.0.0.0/8 that overlaps none of `taken`.
pub(super) fn free_block(taken: &[String]) -> String {
    let overlaps = |candidate: Ipv4Addr| {
        taken.iter().any(|p| {
            contains(p, candidate)
                || parse_prefix(p).is_some_and(|(net, _)| {
                    contains(&format!("{candidate}/24"), Ipv4Addr::from(net))
                })
        })
    };
    (0..=u16::MAX)
        .map(|n| {
            let [hi, lo] = n.to_be_bytes();
            Ipv4Addr::new(10, hi, lo, 0)
        })
        .find(|c| !overlaps(*c))
        .map_or_else(|| "10.255.255.0/24".to_owned(), |c| format!("{c}/24"))
}

/// The subscription of the plan's first ARM id, else a zero one.
fn subscription_of(plan: &Plan) -> String {
    let ids = plan
        .groups
        .iter()
        .flat_map(|g| g.vms.iter())
        .flat_map(|vm| {
            let t = &vm.target;
            [
                &t.resource_group,
                &t.network,
                &t.public_ip,
                &t.nsg,
                &t.availability_set,
                &t.proximity_group,
                &t.capacity_reservation,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
        })
        .chain(plan.test_network.iter().cloned())
        .chain(plan.coverage.resource_groups.iter().cloned());
    for id in ids {
        let mut parts = id
            .split('/')
            .skip_while(|p| !p.eq_ignore_ascii_case("subscriptions"));
        if let Some(sub) = parts.nth(1).filter(|s| !s.is_empty()) {
            return sub.to_owned();
        }
    }
    SUBSCRIPTION.to_owned()
}

/// The name a reservation of `size` in `zone` gets (`cr-standard_d4s_v5-z2`).
pub(super) fn reservation_name(size: &str, zone: Option<&str>) -> String {
    match zone {
        Some(z) => format!("cr-{}-z{z}", size.to_ascii_lowercase()),
        None => format!("cr-{}", size.to_ascii_lowercase()),
    }
}
