//! Whether the VMs an operation creates fit their regions: the VMs with
//! their sizes, zones, reservation groups and the region each is created in
//! (its group's: a plan may span region pairs), and each region's usages,
//! SKUs and reservation groups as read, in; `sku`, `quota` and
//! `capacity_reservation` findings out. VMs assigned to a reservation group
//! draw on the reservation, not on the quota. Quota is counted per region,
//! per family and for the region's total vCPUs, the VMs taken in plan order,
//! so a finding names the first VM that does not fit and every one after it.

use std::collections::BTreeMap;

use crate::provider::inventory::{Resource, RestrictionScope, Sku, TOTAL_CORES, Usage};

use super::Subject;
use super::finding::{Finding, FindingKind, Severity};
use super::machine::about;
use super::reads::{Answers, Lookup, Wanted};

/// The subjects created somewhere, by region, each region's in plan order.
fn by_region<'s, 'a>(subjects: &'s [Subject<'a>]) -> BTreeMap<&'s str, Vec<&'s Subject<'a>>> {
    let mut regions: BTreeMap<&str, Vec<&Subject<'_>>> = BTreeMap::new();
    for s in subjects {
        if let Some(region) = &s.region {
            regions.entry(region).or_default().push(s);
        }
    }
    regions
}

/// The reads capacity needs: one usages and one SKU list per region a VM
/// with a size is created in.
pub(super) fn want(subjects: &[Subject<'_>], wanted: &mut Wanted) {
    for (region, subjects) in by_region(subjects) {
        if subjects.iter().any(|s| s.settings.size.is_some()) {
            wanted.usages(region);
            wanted.skus(region);
        }
        for s in subjects {
            if let Some(group) = &s.settings.capacity_reservation {
                wanted.resource(group);
            }
        }
    }
}

/// The capacity findings of `subjects`, region by region.
pub(super) fn check(subjects: &[Subject<'_>], answers: &Answers, out: &mut Vec<Finding>) {
    for (region, subjects) in by_region(subjects) {
        check_region(region, &subjects, answers, out);
    }
}

/// The capacity findings of `subjects`, all created in `region`.
fn check_region(
    region: &str,
    subjects: &[&Subject<'_>],
    answers: &Answers,
    out: &mut Vec<Finding>,
) {
    let Some(skus) = answers.skus(region) else {
        // Unreadable: `unchecked` says so; sizes and quota cannot be judged.
        return;
    };
    let mut sized: Vec<(&Subject<'_>, &Sku)> = Vec::new();
    for s in subjects {
        let Some(size) = &s.settings.size else {
            continue;
        };
        match skus.iter().find(|k| k.name.eq_ignore_ascii_case(size)) {
            Some(sku) => {
                if let Some(finding) = unusable(region, s, sku) {
                    out.push(finding);
                } else {
                    sized.push((s, sku));
                }
            }
            None => out.push(about(
                s.target,
                Severity::Blocker,
                FindingKind::Sku,
                format!("{}: size {size} is not offered in {region}", s.target.vm),
                format!(
                    "choose a size {region} offers (`size` in the VM's target block, then `drplan run configure`)"
                ),
                serde_json::json!({ "size": size, "region": region }),
            )),
        }
    }
    let (reserved, unreserved): (Vec<_>, Vec<_>) = sized
        .into_iter()
        .partition(|(s, _)| s.settings.capacity_reservation.is_some());
    if let Some(usages) = answers.usages(region) {
        quota(region, &unreserved, usages, out);
    }
    reservations(&reserved, answers, out);
}

/// Why a size offered in the region cannot be used for this VM, if it cannot.
fn unusable(region: &str, s: &Subject<'_>, sku: &Sku) -> Option<Finding> {
    let zone = s.settings.zone.map(|z| z.to_string());
    let blocked_here = sku.restrictions.iter().find(|r| match r.scope {
        RestrictionScope::Location => true,
        RestrictionScope::Zone => zone.as_ref().is_some_and(|z| r.zones.contains(z)),
    });
    let why = if let Some(r) = blocked_here {
        match (&r.scope, &zone) {
            (RestrictionScope::Zone, Some(z)) => format!(
                "size {} is restricted in zone {z} of {region} for this subscription ({})",
                sku.name, r.reason
            ),
            _ => format!(
                "size {} is restricted in {region} for this subscription ({})",
                sku.name, r.reason
            ),
        }
    } else {
        let z = zone.as_ref()?;
        if sku.zones.is_empty() || sku.zones.contains(z) {
            return None;
        }
        format!(
            "size {} is not offered in zone {z} of {region} (zones: {})",
            sku.name,
            sku.zones.join(", ")
        )
    };
    Some(about(
        s.target,
        Severity::Blocker,
        FindingKind::Sku,
        format!("{}: {why}", s.target.vm),
        "choose another size or zone in the VM's target block, or ask Azure support to lift the restriction; then `drplan run configure`".to_owned(),
        serde_json::json!({
            "size": sku.name,
            "region": region,
            "zone": zone,
            "restrictions": sku.restrictions,
        }),
    ))
}

/// Families (and the total) whose free quota the VMs exceed.
fn quota(region: &str, vms: &[(&Subject<'_>, &Sku)], usages: &[Usage], out: &mut Vec<Finding>) {
    let mut families: BTreeMap<String, Vec<(&Subject<'_>, u64)>> = BTreeMap::new();
    for (s, sku) in vms {
        families
            .entry(sku.family.clone())
            .or_default()
            .push((s, u64::from(sku.vcpus)));
    }
    let all: Vec<(&Subject<'_>, u64)> = vms
        .iter()
        .map(|(s, sku)| (*s, u64::from(sku.vcpus)))
        .collect();
    let counters = families
        .iter()
        .map(|(family, list)| (family.as_str(), list))
        .chain(std::iter::once((TOTAL_CORES, &all)));
    for (counter, list) in counters {
        let Some(usage) = usages.iter().find(|u| u.name.eq_ignore_ascii_case(counter)) else {
            continue;
        };
        let needed: u64 = list.iter().map(|(_, n)| n).sum();
        let free = usage.free();
        if needed <= free {
            continue;
        }
        let mut running = 0;
        let over: Vec<&str> = list
            .iter()
            .filter_map(|(s, n)| {
                running += n;
                (running > free).then_some(s.target.vm.as_str())
            })
            .collect();
        let shown = if over.len() > 5 {
            format!("{}, and {} more", over[..5].join(", "), over.len() - 5)
        } else {
            over.join(", ")
        };
        out.push(Finding {
            severity: Severity::Blocker,
            kind: FindingKind::Quota,
            vm: None,
            group: None,
            message: format!(
                "{} in {region}: the VMs need {needed} vCPUs, {free} are free (limit {}, in use {}); {} would not fit: {shown}",
                usage.display,
                usage.limit,
                usage.current,
                if over.len() == 1 { "this VM" } else { "these VMs" },
            ),
            remedy: format!(
                "request a quota increase of at least {} vCPUs for {} in {region} (Azure portal, Quotas), or assign the VMs a capacity reservation group or a size of another family",
                needed - free,
                usage.display
            ),
            details: serde_json::json!({
                "family": usage.name,
                "region": region,
                "needed": needed,
                "free": free,
                "limit": usage.limit,
                "current": usage.current,
                "vms_over": over,
            }),
        });
    }
}

/// Reservation groups with fewer free instances of a size than their VMs need.
fn reservations(vms: &[(&Subject<'_>, &Sku)], answers: &Answers, out: &mut Vec<Finding>) {
    // By group (lower-cased id), then size and zone: the VMs that need one.
    type Key = (String, String, Option<u8>);
    let mut needs: BTreeMap<Key, Vec<&Subject<'_>>> = BTreeMap::new();
    for (s, sku) in vms {
        if let Some(group) = &s.settings.capacity_reservation {
            needs
                .entry((group.clone(), sku.name.clone(), s.settings.zone))
                .or_default()
                .push(s);
        }
    }
    for ((group, size, zone), subjects) in needs {
        let Lookup::Found(Resource::ReservationGroup { reservations, .. }) =
            answers.resource(&group)
        else {
            // Missing groups are `missing_resource`; unreadable ones `unchecked`.
            continue;
        };
        let zone_text = zone.map(|z| z.to_string());
        let free: u64 = reservations
            .iter()
            .filter(|r| r.size.eq_ignore_ascii_case(&size))
            .filter(|r| r.zone.is_none() || zone_text.is_none() || r.zone == zone_text)
            .map(|r| u64::from(r.capacity.saturating_sub(r.used)))
            .sum();
        let needed = subjects.len() as u64;
        if needed <= free {
            continue;
        }
        let names: Vec<&str> = subjects.iter().map(|s| s.target.vm.as_str()).collect();
        let single = subjects.len() == 1;
        out.push(Finding {
            severity: Severity::Blocker,
            kind: FindingKind::CapacityReservation,
            vm: single.then(|| subjects[0].target.vm.clone()),
            group: single.then(|| subjects[0].target.group.clone()),
            message: format!(
                "capacity reservation group {group} has {free} free {size}{} for {needed} VMs: {}",
                zone_text
                    .as_ref()
                    .map(|z| format!(" in zone {z}"))
                    .unwrap_or_default(),
                names.join(", ")
            ),
            remedy: format!(
                "raise the reservation of {size} in {group} by at least {}, or move some VMs to another group or to quota",
                needed - free
            ),
            details: serde_json::json!({
                "reservation_group": group,
                "size": size,
                "zone": zone,
                "needed": needed,
                "free": free,
                "vms": names,
            }),
        });
    }
}
