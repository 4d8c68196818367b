//! Whether a VM a job is about to create fits the world as it is then, and
//! if not, the error ASR's job would end with. A [`Creation`] (the VM, the
//! operation, where and how it comes up) and the vault's tally in; `None`
//! or a [`JobError`] naming the quota, the size or the missing resource out.
//!
//! Checked in the order Resource Manager meets them when ASR deploys the
//! VM: the resource group and other references, the size in the region
//! and zone, then the reservation's room or the vCPU quota.
//!
//! ASR reports a VM it could not create in a failover job as error 28031
//! ("Site Recovery wasn't able to create a failed over virtual machine in
//! Azure"), with causes such as quota, and a NIC it could not create as
//! 28092 (Microsoft's failover troubleshooting guide). The Resource Manager
//! texts inside (`QuotaExceeded`, `SkuNotAvailable`, `ResourceNotFound`,
//! `ResourceGroupNotFound`, `InvalidResourceReference`) are Azure's.
//! *Inferred*: how ASR words the job error around them, the use of 28092
//! for missing network resources, and the texts of a public IP bound
//! elsewhere and of a full or missing capacity reservation.

use super::{Kind, World, child_of, key, name_of, sizes};
use crate::graph::Operation;
use crate::provider::inventory::{RestrictionScope, TOTAL_CORES};
use crate::provider::simulator::tally::{Placement, Tally};
use crate::provider::{JobError, Location};
use crate::target::TargetSettings;

/// ASR's error when it could not create the VM.
const VM_NOT_CREATED: &str = "28031";
/// ASR's error when it could not create the VM's network interface.
const NIC_NOT_CREATED: &str = "28092";

/// A VM a job is about to create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Creation<'a> {
    /// The plan VM.
    pub(crate) vm: &'a str,
    /// Failover, failback or test failover.
    pub(crate) operation: Operation,
    /// Where, what size, which reservation and zone.
    pub(crate) placement: &'a Placement,
    /// The item's target settings (a failback reads none of them).
    pub(crate) target: &'a TargetSettings,
    /// The test failover's network, when the plan names one.
    pub(crate) test_network: Option<&'a str>,
}

/// What went wrong, before it is worded as ASR's job error.
struct Failure {
    asr_code: &'static str,
    arm_code: Option<&'static str>,
    arm_message: String,
    causes: String,
    action: String,
}

/// Why the VM cannot be created, as ASR's job reports it; `None` when it fits.
pub(crate) fn creation_error(world: &World, tally: &Tally, c: &Creation<'_>) -> Option<JobError> {
    let region = world.region_of(c.placement.region).to_owned();
    let failure = references(world, c)
        .or_else(|| size(world, &region, c))
        .or_else(|| capacity(world, tally, &region, c))?;
    let what = match c.operation {
        Operation::TestFailover => "the test failover virtual machine",
        Operation::Failback => "the failed back virtual machine",
        _ => "the failed over virtual machine",
    };
    let arm = failure.arm_code.map_or_else(
        || failure.arm_message.clone(),
        |code| format!("{} ({code})", failure.arm_message),
    );
    Some(JobError {
        code: Some(failure.asr_code.to_owned()),
        message: format!(
            "Site Recovery wasn't able to create {what} '{}' in {region}. {arm}",
            c.vm
        ),
        possible_causes: Some(failure.causes),
        recommended_action: Some(failure.action),
    })
}

/// How to change a VM's setting for the next try.
fn retarget(setting: &str) -> String {
    format!(
        "change `{setting}` in the VM's `target` block and run `drplan run configure`, then retry"
    )
}

fn not_found(asr_code: &'static str, id: &str, setting: &str) -> Failure {
    let group = super::resource_group_of(id).map(|g| name_of(&g).to_owned());
    let kind = id
        .split('/')
        .rev()
        .nth(1)
        .map(ToOwned::to_owned)
        .unwrap_or_default();
    let provider = id
        .split('/')
        .skip_while(|p| !p.eq_ignore_ascii_case("providers"))
        .nth(1)
        .unwrap_or("");
    Failure {
        asr_code,
        arm_code: Some("ResourceNotFound"),
        arm_message: format!(
            "The Resource '{provider}/{kind}/{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            name_of(id),
            group.unwrap_or_default()
        ),
        causes: format!(
            "The {setting} `{id}` that the item's target settings name does not exist."
        ),
        action: format!("Create it, or {}.", retarget(setting)),
    }
}

/// The first reference of the VM's target settings that does not exist.
fn references(world: &World, c: &Creation<'_>) -> Option<Failure> {
    let t = c.target;
    let test = c.operation == Operation::TestFailover;
    // Only the recovery side's settings are modelled: a failback (or a
    // test failover back from the recovery region) uses the protected VM's.
    if c.operation == Operation::Failback || c.placement.region == Location::Primary {
        return None;
    }
    let exists = |id: &str| world.resources.get(&key(id));
    if let Some(group) = &t.resource_group
        && !exists(group).is_some_and(|e| e.kind == Kind::ResourceGroup)
    {
        return Some(Failure {
            asr_code: VM_NOT_CREATED,
            arm_code: Some("ResourceGroupNotFound"),
            arm_message: format!("Resource group '{}' could not be found.", name_of(group)),
            causes: format!("The target resource group `{group}` does not exist."),
            action: format!(
                "Create the resource group, or {}.",
                retarget("resource_group")
            ),
        });
    }
    for (setting, id) in [
        ("capacity_reservation", &t.capacity_reservation),
        ("availability_set", &t.availability_set),
        ("proximity_group", &t.proximity_group),
    ] {
        if let Some(id) = id
            && exists(id).is_none()
        {
            return Some(not_found(VM_NOT_CREATED, id, setting));
        }
    }
    if let Some(failure) = network(world, c) {
        return Some(failure);
    }
    if test {
        return None;
    }
    if let Some(nsg) = &t.nsg
        && exists(nsg).is_none()
    {
        return Some(not_found(NIC_NOT_CREATED, nsg, "nsg"));
    }
    if let Some(ip) = &t.public_ip {
        match exists(ip).map(|e| &e.kind) {
            None => return Some(not_found(NIC_NOT_CREATED, ip, "public_ip")),
            Some(Kind::PublicIp {
                bound_to: Some(other),
            }) => {
                return Some(Failure {
                    asr_code: NIC_NOT_CREATED,
                    arm_code: Some("PublicIPAddressInUse"),
                    arm_message: format!(
                        "The public IP address {ip} is already in use by {other} and cannot be referenced by the network interface of '{}'.",
                        c.vm
                    ),
                    causes: format!("The public IP `{ip}` is bound to another network interface."),
                    action: format!("Free the public IP, or {}.", retarget("public_ip")),
                });
            }
            Some(_) => {}
        }
    }
    for pool in t.load_balancer_pools.iter().flatten() {
        let held = child_of(pool, "backendaddresspools").is_some_and(|(lb, name)| {
            matches!(
                world.resources.get(&lb).map(|e| &e.kind),
                Some(Kind::LoadBalancer { pools }) if pools.iter().any(|p| p.eq_ignore_ascii_case(&name))
            )
        });
        if !held {
            return Some(not_found(NIC_NOT_CREATED, pool, "load_balancer_pools"));
        }
    }
    None
}

/// Whether the network (the test network in a test failover) and its
/// subnet exist.
fn network(world: &World, c: &Creation<'_>) -> Option<Failure> {
    let t = c.target;
    let test = c.operation == Operation::TestFailover;
    let exists = |id: &str| world.resources.get(&key(id));
    // Without a test subnet, ASR takes the test network's subnet named like
    // the recovery one, else its first: only a subnet named is checked.
    let (network, subnet) = if test {
        (
            c.test_network.or(t.network.as_deref()),
            t.test_subnet.as_deref(),
        )
    } else {
        (t.network.as_deref(), t.subnet.as_deref())
    };
    let network_setting = if test && c.test_network.is_some() {
        "test network"
    } else {
        "network"
    };
    if let Some(network) = network {
        let Some(entry) = exists(network) else {
            return Some(not_found(NIC_NOT_CREATED, network, network_setting));
        };
        if let (Some(subnet), Kind::Network { subnets, .. }) = (subnet, &entry.kind)
            && !subnets.iter().any(|s| s.name.eq_ignore_ascii_case(subnet))
        {
            let setting = if test { "test_subnet" } else { "subnet" };
            return Some(Failure {
                asr_code: NIC_NOT_CREATED,
                arm_code: Some("InvalidResourceReference"),
                arm_message: format!(
                    "Resource {}/subnets/{subnet} referenced by the network interface of '{}' was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.",
                    entry.id, c.vm
                ),
                causes: format!(
                    "The subnet `{subnet}` does not exist in the network `{}`.",
                    entry.id
                ),
                action: format!("Create the subnet, or {}.", retarget(setting)),
            });
        }
    }
    None
}

/// Whether the region (and zone) offers the size to this subscription.
fn size(world: &World, region: &str, c: &Creation<'_>) -> Option<Failure> {
    let size = &c.placement.size;
    let zone = c.placement.zone.map(|z| z.to_string());
    let unavailable = |for_subscription: bool| {
        let zones = zone
            .as_ref()
            .map(|z| format!(" zones '{z}'"))
            .unwrap_or_default();
        let whose = if for_subscription {
            " for this subscription"
        } else {
            ""
        };
        Failure {
            asr_code: VM_NOT_CREATED,
            arm_code: Some("SkuNotAvailable"),
            arm_message: format!(
                "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: {size}' is currently not available in location '{region}'{zones}{whose}. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details."
            ),
            causes: format!(
                "The size {size} is not offered{} in {region}{}.",
                if for_subscription {
                    " to this subscription"
                } else {
                    ""
                },
                zone.as_ref()
                    .map(|z| format!(" zone {z}"))
                    .unwrap_or_default()
            ),
            action: format!(
                "Pick a size the region offers (`az vm list-skus --location {region}`), or {}.",
                retarget(if zone.is_some() {
                    "size` or `zone"
                } else {
                    "size"
                })
            ),
        }
    };
    let Some(sku) = world.sku(region, size) else {
        return Some(unavailable(false));
    };
    if let Some(zone) = &zone
        && !sku.zones.is_empty()
        && !sku.zones.contains(zone)
    {
        return Some(unavailable(false));
    }
    let restricted = sku.restrictions.iter().any(|r| match r.scope {
        RestrictionScope::Location => true,
        RestrictionScope::Zone => zone.as_ref().is_some_and(|z| r.zones.contains(z)),
    });
    restricted.then(|| unavailable(true))
}

/// Whether the reservation, else the quota, has room for the VM.
fn capacity(world: &World, tally: &Tally, region: &str, c: &Creation<'_>) -> Option<Failure> {
    let p = c.placement;
    if let Some(group) = &p.reservation {
        let shown = world
            .resources
            .get(group)
            .map_or(group.as_str(), |e| e.id.as_str());
        let Some(i) = world.reservation_index(group, &p.size, p.zone) else {
            let zone = p.zone.map(|z| format!(" in zone {z}")).unwrap_or_default();
            return Some(Failure {
                asr_code: VM_NOT_CREATED,
                arm_code: None,
                arm_message: format!(
                    "The capacity reservation group '{}' has no capacity reservation for the VM size {}{zone}.",
                    name_of(shown),
                    p.size
                ),
                causes: format!("No reservation of `{shown}` is of size {}{zone}.", p.size),
                action: format!(
                    "Add a reservation of that size to the group, or {}.",
                    retarget("capacity_reservation")
                ),
            });
        };
        let view = world.resource(shown, tally);
        let Some(crate::provider::inventory::Resource::ReservationGroup { reservations, .. }) =
            view
        else {
            return None;
        };
        let r = reservations.get(i)?;
        if r.used < r.capacity {
            return None;
        }
        return Some(Failure {
            asr_code: VM_NOT_CREATED,
            arm_code: None,
            arm_message: format!(
                "The capacity reservation '{}' of group '{}' has no room for another {} VM: capacity {}, in use {}.",
                r.name,
                name_of(shown),
                p.size,
                r.capacity,
                r.used
            ),
            causes: format!(
                "Every instance reserved by `{}` in `{shown}` is taken.",
                r.name
            ),
            action: format!(
                "Raise the reservation's capacity to at least {}, or {}.",
                r.used + 1,
                retarget("capacity_reservation")
            ),
        });
    }
    let (family, vcpus) = world.size_info(region, &p.size);
    let need = u64::from(vcpus);
    let (used, _) = world.plan_use(region, tally);
    let quota = world.regions.get(region).map(|r| &r.quota);
    for counter in [family.as_str(), TOTAL_CORES] {
        let (limit, base) = quota
            .and_then(|q| q.get(counter))
            .map_or((0, 0), |q| (q.limit, q.usage));
        let current = base + used.get(counter).copied().unwrap_or(0);
        if current + need <= limit {
            continue;
        }
        let name = sizes::quota_name(counter);
        return Some(Failure {
            asr_code: VM_NOT_CREATED,
            arm_code: Some("QuotaExceeded"),
            arm_message: format!(
                "Operation could not be completed as it results in exceeding approved {name} quota. Additional details - Deployment Model: Resource Manager, Location: {region}, Current Limit: {limit}, Current Usage: {current}, Additional Required: {need}, (Minimum) New Limit Required: {}.",
                current + need
            ),
            causes: format!(
                "There isn't sufficient quota available to create the virtual machine: {} vCPUs of {name} in {region} are free ({current} of {limit} in use) and the {} VM needs {need}.",
                limit.saturating_sub(current),
                p.size
            ),
            action: format!(
                "Request a quota increase for {name} in {region} to at least {} (Subscription > Usage + quotas), or {}.",
                current + need,
                retarget("size")
            ),
        });
    }
    None
}
