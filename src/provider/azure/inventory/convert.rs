//! Compute, Network and Resources answers (the [`models`](super::super::models)
//! types) in; the inventory's types ([`Usage`], [`Sku`], [`Resource`], …)
//! out. Values that do not parse (a vCPU count that is not a number, a
//! restriction of an unknown type) are left out, logged at debug level.

use std::net::Ipv4Addr;

use crate::provider::inventory::{
    IpAvailability, Reservation, Resource, RestrictionScope, Sku, SkuRestriction, Subnet,
    SubscriptionVm, Usage,
};

use super::super::models::compute::{self, CapacityReservation, ReservationGroup, ResourceSku};
use super::super::models::network::{
    IpAddressAvailability, LoadBalancer, PublicIpAddress, VirtualNetwork,
};
use super::super::models::resources::GenericResource;

/// The resource type of virtual machines, in listings.
const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";

fn nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A non-negative count (ARM sends 64-bit integers; a negative one is 0).
fn count<T: TryFrom<i64> + Default>(value: i64) -> T {
    T::try_from(value.max(0)).unwrap_or_default()
}

/// A quota counter.
pub(super) fn usage(u: &compute::Usage) -> Usage {
    let name = nonempty(u.name.value.as_deref()).unwrap_or_default();
    Usage {
        display: nonempty(u.name.localized_value.as_deref()).unwrap_or_else(|| name.clone()),
        name,
        limit: count(u.limit),
        current: count(u.current_value),
    }
}

/// A VM size offered in `region`, `None` for other resource types and
/// other regions.
pub(super) fn sku(s: &ResourceSku, region: &str) -> Option<Sku> {
    let is_vm = s
        .resource_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("virtualMachines"));
    let in_region =
        s.locations.is_empty() || s.locations.iter().any(|l| l.eq_ignore_ascii_case(region));
    let name = nonempty(s.name.as_deref())?;
    if !is_vm || !in_region {
        return None;
    }
    let capability = |wanted: &str| {
        s.capabilities
            .iter()
            .find(|c| {
                c.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
            })
            .and_then(|c| c.value.as_deref())
    };
    let vcpus = match capability("vCPUs").map(|v| v.trim().parse::<u32>()) {
        Some(Ok(n)) => n,
        other => {
            tracing::debug!(sku = name, value = ?other, "no vCPU count; counted as 0");
            0
        }
    };
    let info = s
        .location_info
        .iter()
        .find(|i| {
            i.location
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(region))
        })
        .or_else(|| s.location_info.first());
    let mut zones: Vec<String> = info.map(|i| i.zones.clone()).unwrap_or_default();
    zones.sort();
    let restrictions = s
        .restrictions
        .iter()
        .filter_map(|r| {
            let scope = match r.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("location") => RestrictionScope::Location,
                Some("zone") => RestrictionScope::Zone,
                other => {
                    tracing::debug!(sku = name, kind = ?other, "a restriction of an unknown type; left out");
                    return None;
                }
            };
            let mut zones = r
                .restriction_info
                .as_ref()
                .map(|i| i.zones.clone())
                .unwrap_or_default();
            zones.sort();
            Some(SkuRestriction {
                scope,
                zones,
                reason: nonempty(r.reason_code.as_deref()).unwrap_or_default(),
            })
        })
        .collect();
    Some(Sku {
        family: nonempty(s.family.as_deref()).unwrap_or_default(),
        name,
        vcpus,
        zones,
        restrictions,
    })
}

/// A virtual network and its subnets.
pub(super) fn network(n: &VirtualNetwork) -> Resource {
    Resource::Network {
        location: nonempty(n.location.as_deref()).unwrap_or_default(),
        subnets: n
            .properties
            .subnets
            .iter()
            .filter_map(|s| {
                let p = &s.properties;
                let prefixes = if p.address_prefixes.is_empty() {
                    nonempty(p.address_prefix.as_deref()).into_iter().collect()
                } else {
                    p.address_prefixes.clone()
                };
                Some(Subnet {
                    name: nonempty(s.name.as_deref())?,
                    prefixes,
                })
            })
            .collect(),
    }
}

/// A public IP address and what it is bound to.
pub(super) fn public_ip(p: &PublicIpAddress) -> Resource {
    Resource::PublicIp {
        bound_to: p
            .properties
            .ip_configuration
            .as_ref()
            .and_then(|c| nonempty(c.id.as_deref())),
    }
}

/// A load balancer's backend pools.
pub(super) fn load_balancer(lb: &LoadBalancer) -> Resource {
    Resource::LoadBalancer {
        pools: lb
            .properties
            .backend_address_pools
            .iter()
            .filter_map(|p| nonempty(p.id.as_deref()))
            .collect(),
    }
}

/// A reservation group and its reservations: sizes, zones and capacity from
/// the list of reservations, instances in use from the group's instance
/// view (by name), else from the reservation's own.
pub(super) fn reservation_group(
    group: &ReservationGroup,
    reservations: &[CapacityReservation],
) -> Resource {
    let view = group.properties.instance_view.as_ref();
    let used = |r: &CapacityReservation, name: &str| {
        let by_group = view.and_then(|v| {
            v.capacity_reservations.iter().find(|c| {
                c.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        });
        by_group
            .or(r.properties.instance_view.as_ref())
            .and_then(|v| v.utilization_info.as_ref())
            .map_or(0, |u| {
                u32::try_from(u.virtual_machines_allocated.len()).unwrap_or(u32::MAX)
            })
    };
    let mut zones = group.zones.clone();
    zones.sort();
    Resource::ReservationGroup {
        location: nonempty(group.location.as_deref()).unwrap_or_default(),
        zones,
        reservations: reservations
            .iter()
            .filter_map(|r| {
                let name = nonempty(r.name.as_deref())?;
                Some(Reservation {
                    used: used(r, &name),
                    size: nonempty(r.sku.name.as_deref()).unwrap_or_default(),
                    zone: r.zones.first().cloned(),
                    capacity: count(r.sku.capacity.unwrap_or(0)),
                    name,
                })
            })
            .collect(),
    }
}

/// Anything else that exists, by its region.
pub(super) fn other(r: &GenericResource) -> Resource {
    Resource::Other {
        location: nonempty(r.location.as_deref()),
    }
}

/// Whether an address is free, with the free ones nearby (IPv4 only).
pub(super) fn availability(a: &IpAddressAvailability) -> IpAvailability {
    IpAvailability {
        available: a.available,
        alternatives: a
            .available_ip_addresses
            .iter()
            .filter_map(|ip| ip.trim().parse::<Ipv4Addr>().ok())
            .collect(),
    }
}

/// The virtual machines of a listing (other resources left out: a tag
/// filter cannot be combined with a type filter).
pub(super) fn vms(resources: &[GenericResource]) -> Vec<SubscriptionVm> {
    resources
        .iter()
        .filter(|r| {
            r.kind
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(VM_TYPE))
        })
        .filter_map(|r| {
            Some(SubscriptionVm {
                id: nonempty(r.id.as_deref())?,
                name: nonempty(r.name.as_deref()).unwrap_or_default(),
                location: nonempty(r.location.as_deref()).unwrap_or_default(),
                tags: r.tags.clone(),
            })
        })
        .collect()
}
