//! Whether what the VMs' target settings point at exists and is free: the
//! VMs with their settings and the resources as read in; `missing_resource`
//! findings (one per missing resource, naming every VM that needs it) and
//! `ip_unavailable` findings (a static IP outside its subnet or taken, a
//! public IP bound to another NIC) out. Each resource is read once however
//! many VMs name it; a backend pool is read through its load balancer.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::provider::inventory::Resource;
use crate::target::TargetSetting;

use super::Subject;
use super::finding::{Finding, FindingKind, Severity};
use super::machine::about;
use super::reads::{Answers, Lookup, Wanted};

/// One reference of a VM: the setting, the id as written and whether the
/// plan set it (else it is the vault's).
struct Reference<'s> {
    setting: TargetSetting,
    id: &'s str,
    from_plan: bool,
}

/// The ARM-id settings a VM refers to, in `TargetSetting::ALL` order.
fn references<'s>(s: &'s Subject<'_>, only_plan: bool) -> Vec<Reference<'s>> {
    let t = &s.settings;
    let from_plan = |setting: TargetSetting| s.set_by_plan(setting);
    let mut out = Vec::new();
    let mut add = |setting: TargetSetting, id: Option<&'s String>| {
        if let Some(id) = id
            && (!only_plan || from_plan(setting))
        {
            out.push(Reference {
                setting,
                id,
                from_plan: from_plan(setting),
            });
        }
    };
    add(TargetSetting::ResourceGroup, t.resource_group.as_ref());
    add(TargetSetting::Network, t.network.as_ref());
    add(TargetSetting::PublicIp, t.public_ip.as_ref());
    for pool in t.load_balancer_pools.iter().flatten() {
        add(TargetSetting::LoadBalancerPools, Some(pool));
    }
    add(TargetSetting::Nsg, t.nsg.as_ref());
    add(TargetSetting::AvailabilitySet, t.availability_set.as_ref());
    add(TargetSetting::ProximityGroup, t.proximity_group.as_ref());
    add(
        TargetSetting::CapacityReservation,
        t.capacity_reservation.as_ref(),
    );
    out
}

/// What to read for a reference: a backend pool's load balancer, else the id.
fn read_id(r: &Reference<'_>) -> String {
    if r.setting == TargetSetting::LoadBalancerPools {
        load_balancer_of(r.id).to_owned()
    } else {
        r.id.to_owned()
    }
}

/// `…/loadBalancers/lb/backendAddressPools/pool` → `…/loadBalancers/lb`.
fn load_balancer_of(pool: &str) -> &str {
    let lower = pool.to_ascii_lowercase();
    lower
        .rfind("/backendaddresspools/")
        .map_or(pool, |at| &pool[..at])
}

/// The reads references need.
pub(super) fn want(subjects: &[Subject<'_>], only_plan: bool, wanted: &mut Wanted) {
    for s in subjects {
        for r in references(s, only_plan) {
            wanted.resource(&read_id(&r));
        }
        if let (Some(network), Some(ip)) = (&s.settings.network, s.settings.ip)
            && (!only_plan || s.set_by_plan(TargetSetting::Ip))
        {
            wanted.ip(network, ip);
        }
    }
}

/// The reference and IP findings of `subjects`.
pub(super) fn check(
    subjects: &[Subject<'_>],
    only_plan: bool,
    answers: &Answers,
    out: &mut Vec<Finding>,
) {
    missing(subjects, only_plan, answers, out);
    for s in subjects {
        ips(s, only_plan, answers, out);
    }
}

fn missing(subjects: &[Subject<'_>], only_plan: bool, answers: &Answers, out: &mut Vec<Finding>) {
    // (setting, lower-cased id) → the id as first written, its VMs, whether the plan set it.
    type Missing<'a> = BTreeMap<(TargetSetting, String), (String, Vec<&'a Subject<'a>>, bool)>;
    let mut gone: Missing<'_> = BTreeMap::new();
    let mut note = |setting, id: &str, s, from_plan| {
        let entry = gone
            .entry((setting, id.to_ascii_lowercase()))
            .or_insert_with(|| (id.to_owned(), Vec::new(), false));
        entry.1.push(s);
        entry.2 |= from_plan;
    };
    for s in subjects {
        for r in references(s, only_plan) {
            let found = answers.resource(&read_id(&r));
            match (r.setting, found) {
                (_, Lookup::Missing) => note(r.setting, r.id, s, r.from_plan),
                (
                    TargetSetting::LoadBalancerPools,
                    Lookup::Found(Resource::LoadBalancer { pools }),
                ) if !pools.iter().any(|p| p.eq_ignore_ascii_case(r.id)) => {
                    note(r.setting, r.id, s, r.from_plan);
                }
                (TargetSetting::Network, Lookup::Found(Resource::Network { subnets, .. })) => {
                    if let Some(subnet) = &s.settings.subnet
                        && !subnets.iter().any(|n| n.name.eq_ignore_ascii_case(subnet))
                    {
                        let id = format!("{}/subnets/{subnet}", r.id);
                        note(
                            TargetSetting::Subnet,
                            &id,
                            s,
                            s.set_by_plan(TargetSetting::Subnet),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    for ((setting, _), (id, vms, from_plan)) in gone {
        let single = vms.len() == 1;
        let names: Vec<&str> = vms.iter().map(|s| s.target.vm.as_str()).collect();
        let keyword = if setting == TargetSetting::Subnet && vms.first().is_some_and(|s| s.test) {
            "test_subnet"
        } else if setting == TargetSetting::Network && vms.first().is_some_and(|s| s.test) {
            "test.network"
        } else {
            setting.as_str()
        };
        let remedy = if from_plan {
            format!(
                "create it, or point `{keyword}` in the plan at one that exists (then `drplan run configure` for target settings)"
            )
        } else {
            format!(
                "the vault's target settings name it: create it, or set `{keyword}` in the plan's target blocks and run `drplan run configure`"
            )
        };
        out.push(Finding {
            severity: Severity::Blocker,
            kind: FindingKind::MissingResource,
            vm: single.then(|| vms[0].target.vm.clone()),
            group: single.then(|| vms[0].target.group.clone()),
            message: format!(
                "{keyword} {id} does not exist; {} {} it: {}",
                vms.len(),
                if single { "VM needs" } else { "VMs need" },
                names.join(", ")
            ),
            remedy,
            details: serde_json::json!({ "setting": keyword, "resource": id, "vms": names }),
        });
    }
}

fn ips(s: &Subject<'_>, only_plan: bool, answers: &Answers, out: &mut Vec<Finding>) {
    let keyword = if s.test { "test_ip" } else { "ip" };
    if let Some(pip) = &s.settings.public_ip
        && (!only_plan || s.set_by_plan(TargetSetting::PublicIp))
        && let Lookup::Found(Resource::PublicIp {
            bound_to: Some(other),
        }) = answers.resource(pip)
    {
        out.push(about(
            s.target,
            Severity::Warning,
            FindingKind::IpUnavailable,
            format!("{}: public IP {pip} is bound to {other}", s.target.vm),
            "free the public IP from the other NIC, or give this VM another `public_ip`".to_owned(),
            serde_json::json!({ "public_ip": pip, "bound_to": other }),
        ));
    }
    let (Some(network), Some(ip)) = (&s.settings.network, s.settings.ip) else {
        return;
    };
    if only_plan && !s.set_by_plan(TargetSetting::Ip) {
        return;
    }
    let prefixes = match (answers.resource(network), &s.settings.subnet) {
        (Lookup::Found(Resource::Network { subnets, .. }), Some(subnet)) => subnets
            .iter()
            .find(|n| n.name.eq_ignore_ascii_case(subnet))
            .map(|n| (subnet, n.prefixes.clone())),
        _ => None,
    };
    if let Some((subnet, prefixes)) = &prefixes
        && !prefixes.iter().any(|p| contains(p, ip))
    {
        out.push(about(
            s.target,
            Severity::Warning,
            FindingKind::IpUnavailable,
            format!(
                "{}: {keyword} {ip} is outside subnet {subnet} ({}); ASR would assign another address",
                s.target.vm,
                prefixes.join(", ")
            ),
            format!("give the VM an `{keyword}` inside {}", prefixes.join(", ")),
            serde_json::json!({ "ip": ip, "subnet": subnet, "prefixes": prefixes }),
        ));
        return;
    }
    if let Some(availability) = answers.ip(network, ip)
        && !availability.available
    {
        let alternatives: Vec<String> = availability
            .alternatives
            .iter()
            .map(ToString::to_string)
            .collect();
        out.push(about(
            s.target,
            Severity::Warning,
            FindingKind::IpUnavailable,
            format!(
                "{}: {keyword} {ip} is already used by another NIC in {network}; ASR would assign another address",
                s.target.vm
            ),
            if alternatives.is_empty() {
                format!("free {ip}, or give the VM another `{keyword}`")
            } else {
                format!(
                    "free {ip}, or give the VM another `{keyword}` (free nearby: {})",
                    alternatives.join(", ")
                )
            },
            serde_json::json!({ "ip": ip, "network": network, "alternatives": alternatives }),
        ));
    }
}

/// Whether the IPv4 prefix `a.b.c.d/n` contains `ip`; a malformed prefix
/// contains nothing.
fn contains(prefix: &str, ip: Ipv4Addr) -> bool {
    let Some((base, len)) = prefix.split_once('/') else {
        return false;
    };
    let (Ok(base), Ok(len)) = (base.parse::<Ipv4Addr>(), len.parse::<u32>()) else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(base) & mask == u32::from(ip) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_contain_their_addresses_only() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert!(contains("10.2.1.0/24", ip("10.2.1.4")));
        assert!(!contains("10.2.1.0/24", ip("10.2.2.4")));
        assert!(contains("0.0.0.0/0", ip("192.168.1.1")));
        assert!(contains("10.2.1.4/32", ip("10.2.1.4")));
        assert!(!contains("10.2.1.0/33", ip("10.2.1.4")));
        assert!(!contains("nonsense", ip("10.2.1.4")));
    }

    #[test]
    fn a_pool_is_read_through_its_load_balancer() {
        let pool = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/web";
        assert_eq!(
            load_balancer_of(pool),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb"
        );
    }
}
