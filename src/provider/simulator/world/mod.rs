//! The simulated vault's rehearsal world: the subscription beside the vault.
//! A checked plan in (see `derive`, where every reference of the plan
//! exists and everything fits), edited by the world file (see `file`); out,
//! the answers of [`Inventory`](crate::provider::Inventory) reads — quota
//! per region and family, the sizes each region offers, capacity
//! reservations, network resources, IPs in use, the subscription's VMs — and
//! whether a VM the simulator is about to create fits (see `fit`).
//!
//! The world holds what is outside the plan; the plan's own VMs are counted
//! where the simulated vault has them (see [`Placement`]), so quota and
//! reservations fill up as failovers run and empty as they are undone.

mod derive;
mod file;
mod fit;
mod raw;
pub(crate) mod sizes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::tally::Tally;

use crate::clock::Timestamp;
use crate::provider::Location;
use crate::provider::inventory::{
    IpAvailability, Reservation, Resource, Sku, Subnet, SubscriptionVm, TOTAL_CORES, Usage,
};
use crate::target::TargetSettings;

pub use file::WORLD_FILE_SUFFIX;
pub(crate) use fit::{Creation, creation_error};

/// The subscription beside a simulated vault. Build it with
/// [`World::derive`] from a plan, change it with [`World::edited`] (the world
/// file's format), and give it to a simulator with
/// [`Simulator::with_world`](super::Simulator::with_world).
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// The plan's regions, normalized (`northeurope`).
    primary: String,
    recovery: String,
    /// Regions by normalized name.
    regions: BTreeMap<String, Region>,
    /// Resources by lowercased ARM id.
    resources: BTreeMap<String, Entry>,
    /// The subscription's VMs: the plan's first, in plan order.
    vms: Vec<WorldVm>,
    /// What ASR set on each item when replication was enabled, by item.
    initial: BTreeMap<String, Initial>,
    /// The world file's settings of items, by item.
    items: BTreeMap<String, ItemEdit>,
    /// The plan's `(vm, item)` pairs, in plan order.
    plan_vms: Vec<(String, String)>,
}

/// One region: its quota counters and the sizes it offers.
#[derive(Debug, Clone, Default, PartialEq)]
struct Region {
    /// Counters by name (families and `cores`).
    quota: BTreeMap<String, Quota>,
    /// Offered sizes by lowercased name.
    skus: BTreeMap<String, Sku>,
}

/// A quota counter: the limit and the vCPUs used by VMs outside the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quota {
    limit: u64,
    usage: u64,
}

/// A resource of the world.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// Its ARM id as first written.
    id: String,
    /// Its region, when it has one.
    location: Option<String>,
    kind: Kind,
}

/// What a resource is, with what readiness reads of it.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    ResourceGroup,
    Network {
        subnets: Vec<Subnet>,
        /// Addresses other NICs hold.
        used: BTreeSet<Ipv4Addr>,
    },
    SecurityGroup,
    PublicIp {
        bound_to: Option<String>,
    },
    LoadBalancer {
        /// Backend pool names.
        pools: Vec<String>,
    },
    AvailabilitySet,
    ProximityGroup,
    ReservationGroup {
        zones: Vec<String>,
        /// `used` counts VMs outside the plan.
        reservations: Vec<Reservation>,
    },
}

/// A VM of the subscription.
#[derive(Debug, Clone, PartialEq)]
struct WorldVm {
    id: String,
    name: String,
    location: String,
    tags: BTreeMap<String, String>,
}

/// The protected VM behind an item: its ARM id and size (A2A
/// `fabricObjectId`, and the size a failback brings back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SourceVm {
    pub(crate) id: String,
    pub(crate) size: String,
}

/// An item as ASR set it up when replication was enabled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Initial {
    pub(crate) source: SourceVm,
    pub(crate) target: TargetSettings,
}

/// The world file's settings of one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ItemEdit {
    /// Settings that replace the vault's (only those set).
    pub(crate) target: Option<TargetSettings>,
    /// When a test failover last succeeded, as the vault should report.
    pub(crate) last_test_failover: Option<Timestamp>,
    /// The multi-VM consistency group the item is in (`multiVmGroupName`).
    pub(crate) consistency_group: Option<String>,
}

/// The zones of a region: every derived region has them, and a world file
/// may name no others.
const ZONES: [&str; 3] = ["1", "2", "3"];

/// ARM ids compare without regard to case or a trailing slash.
fn key(id: &str) -> String {
    id.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// ARM accepts display names for regions: `West Europe` is `westeurope`.
fn region_key(region: &str) -> String {
    region
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The last segment of an ARM id: the resource's name.
fn name_of(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// The resource group's ARM id of a resource's id, lowercased.
fn resource_group_of(id: &str) -> Option<String> {
    let lower = key(id);
    let at = lower.find("/resourcegroups/")?;
    let rest = &lower[at + "/resourcegroups/".len()..];
    let end = rest
        .find('/')
        .map_or(lower.len(), |e| at + "/resourcegroups/".len() + e);
    Some(lower[..end].to_owned())
}

/// A child id (`…/subnets/app`) split into its parent's key and its name,
/// when it is a child of kind `segment`.
fn child_of(id: &str, segment: &str) -> Option<(String, String)> {
    let lower = key(id);
    let marker = format!("/{segment}/");
    let at = lower.rfind(&marker)?;
    let name = &id.trim().trim_end_matches('/')[at + marker.len()..];
    (!name.is_empty() && !name.contains('/')).then(|| (lower[..at].to_owned(), name.to_owned()))
}

/// An IPv4 prefix `10.2.1.0/24`: its network address and length.
fn parse_prefix(prefix: &str) -> Option<(u32, u32)> {
    let (addr, len) = prefix.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = mask(len);
    Some((u32::from(addr) & mask, len))
}

fn mask(len: u32) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

/// Whether `ip` is in `prefix`.
fn contains(prefix: &str, ip: Ipv4Addr) -> bool {
    parse_prefix(prefix).is_some_and(|(net, len)| u32::from(ip) & mask(len) == net)
}

/// Whether Azure keeps `ip` for itself in `prefix`: the first four addresses
/// and the last of every subnet.
fn reserved(prefix: &str, ip: Ipv4Addr) -> bool {
    parse_prefix(prefix).is_some_and(|(net, len)| {
        let offset = u32::from(ip) - net;
        let size = 1u64 << (32 - len);
        offset < 4 || u64::from(offset) + 1 == size
    })
}

impl World {
    /// The region's key of a side of the plan.
    fn region_of(&self, location: Location) -> &str {
        match location {
            Location::Primary => &self.primary,
            Location::Recovery => &self.recovery,
        }
    }

    /// What ASR set on each item when replication was enabled.
    pub(crate) fn initial(&self) -> &BTreeMap<String, Initial> {
        &self.initial
    }

    /// The world file's settings of items.
    pub(crate) fn item_edits(&self) -> &BTreeMap<String, ItemEdit> {
        &self.items
    }

    /// A size as `region` offers it, if it does.
    fn sku(&self, region: &str, size: &str) -> Option<&Sku> {
        self.regions
            .get(region)?
            .skus
            .get(&size.to_ascii_lowercase())
    }

    /// A size's family and vCPUs, from the region's offer, else from the
    /// built-in table (a size no longer offered still counts).
    fn size_info(&self, region: &str, size: &str) -> (String, u32) {
        if let Some(sku) = self.sku(region, size) {
            return (sku.family.clone(), sku.vcpus);
        }
        let info = sizes::info(size);
        (info.family, info.vcpus)
    }

    /// The reservation of `group` that a VM of `size` in `zone` uses.
    fn reservation_index(&self, group: &str, size: &str, zone: Option<u8>) -> Option<usize> {
        let Kind::ReservationGroup { reservations, .. } = &self.resources.get(group)?.kind else {
            return None;
        };
        let zone = zone.map(|z| z.to_string());
        reservations
            .iter()
            .position(|r| r.size.eq_ignore_ascii_case(size) && (r.zone.is_none() || r.zone == zone))
    }

    /// vCPUs the plan's VMs use in `region` by counter (families and
    /// `cores`), and instances they use of each reservation (group key and
    /// index), from the vault's tally.
    fn plan_use(
        &self,
        region: &str,
        tally: &Tally,
    ) -> (BTreeMap<String, u64>, HashMap<(String, usize), u64>) {
        let mut cores: BTreeMap<String, u64> = BTreeMap::new();
        let mut reserved: HashMap<(String, usize), u64> = HashMap::new();
        for (placement, count) in tally {
            if self.region_of(placement.region) != region || *count == 0 {
                continue;
            }
            let held = placement.reservation.as_ref().and_then(|group| {
                self.reservation_index(group, &placement.size, placement.zone)
                    .map(|i| (group.clone(), i))
            });
            if let Some(at) = held {
                *reserved.entry(at).or_default() += count;
                continue;
            }
            let (family, vcpus) = self.size_info(region, &placement.size);
            let used = count * u64::from(vcpus);
            *cores.entry(family).or_default() += used;
            *cores.entry(TOTAL_CORES.to_owned()).or_default() += used;
        }
        (cores, reserved)
    }

    /// A region's quota counters, the plan's VMs counted where they run.
    pub(crate) fn usages(&self, region: &str, tally: &Tally) -> Vec<Usage> {
        let region = region_key(region);
        let Some(r) = self.regions.get(&region) else {
            return Vec::new();
        };
        let (used, _) = self.plan_use(&region, tally);
        let mut out: Vec<Usage> = r
            .quota
            .iter()
            .map(|(name, q)| Usage {
                name: name.clone(),
                display: sizes::family_display(name),
                limit: q.limit,
                current: q.usage + used.get(name).copied().unwrap_or(0),
            })
            .collect();
        // `cores` first, as Usage_List lists the regional total first.
        out.sort_by_key(|u| u.name != TOTAL_CORES);
        out
    }

    /// The sizes a region offers.
    pub(crate) fn skus(&self, region: &str) -> Vec<Sku> {
        self.regions
            .get(&region_key(region))
            .map(|r| r.skus.values().cloned().collect())
            .unwrap_or_default()
    }

    /// A resource by ARM id: a subnet's id reads its network, a backend
    /// pool's its load balancer; reservations count the plan's VMs.
    pub(crate) fn resource(&self, id: &str, tally: &Tally) -> Option<Resource> {
        let mut k = key(id);
        if let Some((parent, _)) = child_of(id, "subnets") {
            k = parent;
        } else if let Some((parent, _)) = child_of(id, "backendaddresspools") {
            k = parent;
        }
        let entry = self.resources.get(&k)?;
        Some(match &entry.kind {
            Kind::Network { subnets, .. } => Resource::Network {
                location: entry.location.clone().unwrap_or_default(),
                subnets: subnets.clone(),
            },
            Kind::LoadBalancer { pools } => Resource::LoadBalancer {
                pools: pools
                    .iter()
                    .map(|p| format!("{}/backendAddressPools/{p}", entry.id))
                    .collect(),
            },
            Kind::PublicIp { bound_to } => Resource::PublicIp {
                bound_to: bound_to.clone(),
            },
            Kind::ReservationGroup {
                zones,
                reservations,
            } => {
                let location = entry.location.clone().unwrap_or_default();
                let (_, used) = self.plan_use(&location, tally);
                Resource::ReservationGroup {
                    location,
                    zones: zones.clone(),
                    reservations: reservations
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let plan = used.get(&(k.clone(), i)).copied().unwrap_or(0);
                            Reservation {
                                used: r
                                    .used
                                    .saturating_add(u32::try_from(plan).unwrap_or(u32::MAX)),
                                ..r.clone()
                            }
                        })
                        .collect(),
                }
            }
            Kind::ResourceGroup
            | Kind::SecurityGroup
            | Kind::AvailabilitySet
            | Kind::ProximityGroup => Resource::Other {
                location: entry.location.clone(),
            },
        })
    }

    /// Whether `ip` is free in a network: in one of its subnets, not kept
    /// by Azure, not held by another NIC; when not, up to five free
    /// addresses of the same subnet. `None` when the network does not exist.
    pub(crate) fn ip_available(&self, network: &str, ip: Ipv4Addr) -> Option<IpAvailability> {
        let Kind::Network { subnets, used } = &self.resources.get(&key(network))?.kind else {
            return None;
        };
        let prefix = subnets
            .iter()
            .flat_map(|s| s.prefixes.iter())
            .find(|p| contains(p, ip));
        let Some(prefix) = prefix else {
            return Some(IpAvailability {
                available: false,
                alternatives: Vec::new(),
            });
        };
        let free = |a: Ipv4Addr| !used.contains(&a) && !reserved(prefix, a);
        if free(ip) {
            return Some(IpAvailability {
                available: true,
                alternatives: Vec::new(),
            });
        }
        let (net, len) = parse_prefix(prefix).unwrap_or((0, 32));
        let last = u64::from(net) + (1u64 << (32 - len)) - 1;
        let alternatives = (u64::from(net)..=last)
            .filter_map(|a| u32::try_from(a).ok().map(Ipv4Addr::from))
            .filter(|a| *a != ip && free(*a))
            .take(5)
            .collect();
        Some(IpAvailability {
            available: false,
            alternatives,
        })
    }

    fn vm_view(vm: &WorldVm, with_tags: bool) -> SubscriptionVm {
        SubscriptionVm {
            id: vm.id.clone(),
            name: vm.name.clone(),
            location: vm.location.clone(),
            tags: if with_tags {
                vm.tags.clone()
            } else {
                BTreeMap::new()
            },
        }
    }

    /// The VMs carrying tag `name` (with `value`, when given). As ARM's tag
    /// filter does, the answer leaves the tags out.
    pub(crate) fn vms_by_tag(&self, name: &str, value: Option<&str>) -> Vec<SubscriptionVm> {
        self.vms
            .iter()
            .filter(|vm| {
                vm.tags.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case(name) && value.is_none_or(|value| v == value)
                })
            })
            .map(|vm| World::vm_view(vm, false))
            .collect()
    }

    /// The VMs of a resource group.
    pub(crate) fn vms_in_resource_group(&self, resource_group: &str) -> Vec<SubscriptionVm> {
        let group = key(resource_group);
        self.vms
            .iter()
            .filter(|vm| resource_group_of(&vm.id).as_deref() == Some(group.as_str()))
            .map(|vm| World::vm_view(vm, true))
            .collect()
    }
}

#[cfg(test)]
mod tests;
