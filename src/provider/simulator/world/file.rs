//! The world file, `<plan dir>/<plan-file-stem>.world.json`: its text and a
//! world (derived from the plan) in, the world it describes out, or a
//! message naming the JSON path at fault and how to fix it. Every section
//! is optional and edits the derived world; unknown fields are errors, so
//! typos are caught. The format, documented for users in CLI.md:
//!
//! ```json
//! {"regions": {"northeurope": {
//!     "quota": {"standardDSv5Family": {"limit": 24, "usage": 0}, "cores": {"limit": 100}},
//!     "sizes": {"Standard_D4s_v5": {"zones": ["1", "2"], "restricted_zones": ["2"]},
//!               "Standard_E4s_v5": {"offered": false},
//!               "Standard_F4s_v2": {"restricted": true}}}},
//!  "reservations": {"<group id>": [{"size": "Standard_D4s_v5", "zone": "2", "capacity": 3, "used": 1}]},
//!  "delete": ["<network id>/subnets/app", "<public ip id>"],
//!  "public_ips": {"<public ip id>": {"bound_to": "<ip configuration id>"}},
//!  "used_ips": {"<network id>": ["10.2.1.4"]},
//!  "vms": [{"name": "legacy-01", "resource_group": "<group id>", "region": "westeurope",
//!           "tags": {"app": "shop"}}],
//!  "items": {"app-01": {"target": {"size": "Standard_D2s_v5"},
//!                       "last_test_failover": "2025-10-01T00:00:00Z",
//!                       "consistency_group": "mvg-shop"}}}
//! ```

use super::raw::{RawRegion, RawReservation, RawSize, RawVm, RawWorld};
use super::{
    Entry, Kind, Quota, Region, World, WorldVm, ZONES, child_of, contains, key, name_of,
    region_key, resource_group_of, sizes,
};
use crate::provider::inventory::{Reservation, RestrictionScope, Sku, SkuRestriction, TOTAL_CORES};
use crate::suggest::did_you_mean;

/// What follows the plan file's stem in the world file's name.
pub const WORLD_FILE_SUFFIX: &str = ".world.json";

/// ARM's reason for a size the subscription may not use.
const NOT_AVAILABLE: &str = "NotAvailableForSubscription";

impl World {
    /// This world changed as a world file's text says. `Err` names the JSON
    /// path at fault and says how to fix it (without the file's name).
    pub fn edited(&self, text: &str) -> Result<World, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: RawWorld = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." || path.is_empty() {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            }
        })?;
        let mut world = self.clone();
        for (name, region) in raw.regions {
            world.edit_region(&name, region)?;
        }
        for (group, entries) in raw.reservations {
            world.edit_reservations(&group, entries)?;
        }
        for (i, id) in raw.delete.iter().enumerate() {
            world.delete(&format!("delete[{i}]"), id)?;
        }
        for (id, edit) in raw.public_ips {
            let at = format!("public_ips.{id}");
            let entry = world.find(&at, &id)?;
            let Kind::PublicIp { bound_to } = &mut entry.kind else {
                return Err(format!("{at}: this resource is not a public IP address"));
            };
            *bound_to = edit.bound_to;
        }
        for (id, ips) in raw.used_ips {
            let at = format!("used_ips.{id}");
            let entry = world.find(&at, &id)?;
            let Kind::Network { subnets, used } = &mut entry.kind else {
                return Err(format!("{at}: this resource is not a virtual network"));
            };
            for ip in ips {
                if !subnets
                    .iter()
                    .flat_map(|s| &s.prefixes)
                    .any(|p| contains(p, ip))
                {
                    let prefixes: Vec<&str> = subnets
                        .iter()
                        .flat_map(|s| s.prefixes.iter().map(String::as_str))
                        .collect();
                    return Err(format!(
                        "{at}: {ip} is in no subnet of the network (its prefixes: {}); give an address of one of them",
                        prefixes.join(", ")
                    ));
                }
                used.insert(ip);
            }
        }
        for (i, vm) in raw.vms.into_iter().enumerate() {
            world.add_vm(&format!("vms[{i}]"), vm)?;
        }
        for (vm, edit) in raw.items {
            let at = format!("items.{vm}");
            let Some((_, item)) = world.plan_vms.iter().find(|(v, _)| *v == vm) else {
                let names: Vec<&str> = world.plan_vms.iter().map(|(v, _)| v.as_str()).collect();
                return Err(unknown(&at, "VM", &vm, &names));
            };
            let entry = world.items.entry(item.clone()).or_default();
            if edit.target.is_some() {
                entry.target = edit.target;
            }
            if edit.last_test_failover.is_some() {
                entry.last_test_failover = edit.last_test_failover;
            }
            if let Some(group) = edit.consistency_group {
                entry.consistency_group = Some(consistency_group(&at, &group)?);
            }
        }
        world.check_consistency_groups()?;
        Ok(world)
    }

    fn edit_region(&mut self, name: &str, raw: RawRegion) -> Result<(), String> {
        let at = format!("regions.{name}");
        let k = region_key(name);
        let known: Vec<String> = self.regions.keys().cloned().collect();
        let Some(region) = self.regions.get_mut(&k) else {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(unknown(&at, "region", name, &known).replace(
                "the plan's regions are",
                "the world holds the plan's regions",
            ));
        };
        for (counter, quota) in raw.quota {
            let at = format!("{at}.quota.{counter}");
            let is_counter =
                counter == TOTAL_CORES || counter.to_ascii_lowercase().ends_with("family");
            if !is_counter {
                let names: Vec<&str> = region.quota.keys().map(String::as_str).collect();
                let hint = did_you_mean(&counter, names.iter().copied())
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(format!(
                    "{at}: `{counter}` is not a quota counter{hint}; name a VM family as Azure's usages do (`standardDSv5Family`) or `cores` for the region's total"
                ));
            }
            if quota.limit.is_none() && quota.usage.is_none() {
                return Err(format!("{at}: give `limit`, `usage` or both"));
            }
            let q = region
                .quota
                .entry(counter)
                .or_insert(Quota { limit: 0, usage: 0 });
            q.limit = quota.limit.unwrap_or(q.limit);
            q.usage = quota.usage.unwrap_or(q.usage);
        }
        for (size, edit) in raw.sizes {
            edit_size(region, &format!("{at}.sizes.{size}"), &size, edit)?;
        }
        Ok(())
    }

    fn edit_reservations(
        &mut self,
        group: &str,
        entries: Vec<RawReservation>,
    ) -> Result<(), String> {
        let at = format!("reservations.{group}");
        if !key(group).contains("/providers/microsoft.compute/capacityreservationgroups/") {
            return Err(format!(
                "{at}: `{group}` is not a capacity reservation group's ARM id (…/providers/Microsoft.Compute/capacityReservationGroups/NAME)"
            ));
        }
        let recovery = self.recovery.clone();
        let entry = self.resources.entry(key(group)).or_insert_with(|| Entry {
            id: group.trim_end_matches('/').to_owned(),
            location: Some(recovery),
            kind: Kind::ReservationGroup {
                zones: ZONES.map(str::to_owned).to_vec(),
                reservations: Vec::new(),
            },
        });
        let Kind::ReservationGroup { reservations, .. } = &mut entry.kind else {
            return Err(format!(
                "{at}: this resource is not a capacity reservation group"
            ));
        };
        for (i, raw) in entries.into_iter().enumerate() {
            let at = format!("{at}[{i}]");
            let zone = raw
                .zone
                .map(|z| z.check(&format!("{at}.zone")))
                .transpose()?;
            let found = reservations
                .iter_mut()
                .find(|r| r.size.eq_ignore_ascii_case(&raw.size) && r.zone == zone);
            if let Some(r) = found {
                r.capacity = raw.capacity.unwrap_or(r.capacity);
                r.used = raw.used.unwrap_or(r.used);
                continue;
            }
            let Some(capacity) = raw.capacity else {
                return Err(format!(
                    "{at}: the group has no reservation of {} in that zone; give `capacity` to add one",
                    raw.size
                ));
            };
            reservations.push(Reservation {
                name: super::derive::reservation_name(&raw.size, zone.as_deref()),
                size: raw.size,
                zone,
                capacity,
                used: raw.used.unwrap_or(0),
            });
        }
        Ok(())
    }

    /// The resource `id`, or an error naming the closest one.
    fn find(&mut self, at: &str, id: &str) -> Result<&mut Entry, String> {
        let k = key(id);
        if !self.resources.contains_key(&k) {
            return Err(self.no_such(at, id));
        }
        self.resources
            .get_mut(&k)
            .ok_or_else(|| format!("{at}: no resource `{id}`"))
    }

    fn no_such(&self, at: &str, id: &str) -> String {
        let names: Vec<&str> = self.resources.values().map(|e| name_of(&e.id)).collect();
        let hint = crate::suggest::closest(name_of(id), names.iter().copied())
            .and_then(|name| self.resources.values().find(|e| name_of(&e.id) == name))
            .map(|e| format!(" (did you mean `{}`?)", e.id))
            .unwrap_or_default();
        format!(
            "{at}: the world has no resource `{id}`{hint}; it holds what the plan's `target` blocks and test network name, and ASR's default resource group and network of each item"
        )
    }

    fn delete(&mut self, at: &str, id: &str) -> Result<(), String> {
        if let Some((network, subnet)) = child_of(id, "subnets") {
            let Some(Entry {
                kind: Kind::Network { subnets, .. },
                ..
            }) = self.resources.get_mut(&network)
            else {
                return Err(self.no_such(at, id));
            };
            let before = subnets.len();
            subnets.retain(|s| !s.name.eq_ignore_ascii_case(&subnet));
            if subnets.len() == before {
                return Err(format!("{at}: the network has no subnet `{subnet}`"));
            }
            return Ok(());
        }
        if let Some((lb, pool)) = child_of(id, "backendaddresspools") {
            let Some(Entry {
                kind: Kind::LoadBalancer { pools },
                ..
            }) = self.resources.get_mut(&lb)
            else {
                return Err(self.no_such(at, id));
            };
            let before = pools.len();
            pools.retain(|p| !p.eq_ignore_ascii_case(&pool));
            if pools.len() == before {
                return Err(format!(
                    "{at}: the load balancer has no backend pool `{pool}`"
                ));
            }
            return Ok(());
        }
        let k = key(id);
        let vm_count = self.vms.len();
        self.vms.retain(|vm| key(&vm.id) != k);
        if self.vms.len() < vm_count {
            return Ok(());
        }
        let Some(entry) = self.resources.remove(&k) else {
            return Err(self.no_such(at, id));
        };
        if entry.kind == Kind::ResourceGroup {
            // A resource group goes with everything in it.
            self.resources
                .retain(|id, _| resource_group_of(id).as_deref() != Some(k.as_str()));
            self.vms
                .retain(|vm| resource_group_of(&vm.id).as_deref() != Some(k.as_str()));
        }
        Ok(())
    }

    fn add_vm(&mut self, at: &str, raw: RawVm) -> Result<(), String> {
        if resource_group_of(&raw.resource_group).as_deref()
            != Some(key(&raw.resource_group).as_str())
        {
            return Err(format!(
                "{at}.resource_group: `{}` is not a resource group's ARM id (/subscriptions/ID/resourceGroups/NAME)",
                raw.resource_group
            ));
        }
        let id = format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{}",
            raw.resource_group.trim_end_matches('/'),
            raw.name
        );
        if self.vms.iter().any(|vm| key(&vm.id) == key(&id)) {
            return Err(format!("{at}: the subscription already has the VM `{id}`"));
        }
        self.vms.push(WorldVm {
            id,
            name: raw.name,
            location: raw
                .region
                .map_or_else(|| self.primary.clone(), |r| region_key(&r)),
            tags: raw.tags,
        });
        Ok(())
    }
}

fn edit_size(region: &mut Region, at: &str, size: &str, edit: RawSize) -> Result<(), String> {
    let k = size.to_ascii_lowercase();
    if edit.offered == Some(false) {
        let others = edit.zones.is_some()
            || edit.restricted.is_some()
            || edit.restricted_zones.is_some()
            || edit.family.is_some()
            || edit.vcpus.is_some();
        if others {
            return Err(format!(
                "{at}: `\"offered\": false` removes the size; leave out its other fields"
            ));
        }
        if region.skus.remove(&k).is_none() {
            let names: Vec<&str> = region.skus.values().map(|s| s.name.as_str()).collect();
            let hint = did_you_mean(size, names.iter().copied())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(format!("{at}: the region does not offer `{size}`{hint}"));
        }
        return Ok(());
    }
    if edit.vcpus == Some(0) {
        return Err(format!("{at}.vcpus: a size has at least 1 vCPU"));
    }
    let sku = region.skus.entry(k).or_insert_with(|| {
        let info = sizes::info(size);
        Sku {
            name: info.name,
            family: info.family,
            vcpus: info.vcpus,
            zones: ZONES.map(str::to_owned).to_vec(),
            restrictions: Vec::new(),
        }
    });
    if let Some(family) = edit.family {
        sku.family = family;
    }
    if let Some(vcpus) = edit.vcpus {
        sku.vcpus = vcpus;
    }
    if let Some(zones) = edit.zones {
        sku.zones = zones
            .into_iter()
            .map(|z| z.check(&format!("{at}.zones")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(restricted) = edit.restricted {
        sku.restrictions
            .retain(|r| r.scope != RestrictionScope::Location);
        if restricted {
            sku.restrictions.push(SkuRestriction {
                scope: RestrictionScope::Location,
                zones: Vec::new(),
                reason: NOT_AVAILABLE.to_owned(),
            });
        }
    }
    if let Some(zones) = edit.restricted_zones {
        let zones: Vec<String> = zones
            .into_iter()
            .map(|z| z.check(&format!("{at}.restricted_zones")))
            .collect::<Result<_, _>>()?;
        sku.restrictions
            .retain(|r| r.scope != RestrictionScope::Zone);
        if !zones.is_empty() {
            sku.restrictions.push(SkuRestriction {
                scope: RestrictionScope::Zone,
                zones,
                reason: NOT_AVAILABLE.to_owned(),
            });
        }
    }
    let quota_known = region.quota.contains_key(&sku.family);
    if !quota_known {
        region
            .quota
            .insert(sku.family.clone(), Quota { limit: 0, usage: 0 });
    }
    Ok(())
}

/// A consistency group's name as ASR takes it: not blank.
fn consistency_group(at: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!(
            "{at}.consistency_group: the name is empty; name the multi-VM group (`\"mvg-db\"`), or leave the field out"
        ));
    }
    Ok(name.to_owned())
}

impl World {
    /// ASR keeps at most [`CONSISTENCY_GROUP_LIMIT`] VMs in one multi-VM
    /// consistency group.
    fn check_consistency_groups(&self) -> Result<(), String> {
        let mut members: std::collections::BTreeMap<&str, Vec<&str>> =
            std::collections::BTreeMap::new();
        for (vm, item) in &self.plan_vms {
            if let Some(group) = self
                .items
                .get(item)
                .and_then(|e| e.consistency_group.as_deref())
            {
                members.entry(group).or_default().push(vm);
            }
        }
        match members
            .iter()
            .find(|(_, vms)| vms.len() > CONSISTENCY_GROUP_LIMIT)
        {
            Some((group, vms)) => Err(format!(
                "items: consistency group `{group}` has {} VMs ({}); ASR holds at most {CONSISTENCY_GROUP_LIMIT} in one; split it",
                vms.len(),
                vms.join(", ")
            )),
            None => Ok(()),
        }
    }
}

/// The most VMs a multi-VM consistency group holds.
const CONSISTENCY_GROUP_LIMIT: usize = 16;

fn unknown(at: &str, what: &str, name: &str, valid: &[&str]) -> String {
    let hint = did_you_mean(name, valid.iter().copied())
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    let list: Vec<String> = valid.iter().take(12).map(|n| format!("`{n}`")).collect();
    let more = valid
        .len()
        .checked_sub(12)
        .filter(|n| *n > 0)
        .map(|n| format!(" and {n} more"))
        .unwrap_or_default();
    format!(
        "{at}: unknown {what} `{name}`{hint}; the plan's {what}s are {}{more}",
        list.join(", ")
    )
}
