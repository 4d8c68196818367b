//! Microsoft.Compute's answers: the inventory's quota counters, VM sizes,
//! capacity reservations and subscription VMs in; `Usage_List`,
//! `ResourceSkus_List`, `CapacityReservationGroups_Get`,
//! `CapacityReservations_Get`/`_ListByCapacityReservationGroup` and
//! `VirtualMachines_Get` bodies out, shaped like Microsoft's examples; a
//! VM's power state in, `VirtualMachines_InstanceView` out; a power-off's
//! progress in, the Compute operation status out.

use serde_json::{Value, json};

use super::{Group, Kind, resource_id};
use crate::emulator::json::{fnv1a, guid, page};
use crate::provider::inventory::{Reservation, RestrictionScope, Sku, SubscriptionVm, Usage};

/// When every reservation was made *(inferred)*: a fixed time, so answers
/// are the same on every run.
const PROVISIONED: &str = "2025-01-06T09:00:00+00:00";

/// `Usage_List`: a region's quota counters.
pub(crate) fn usages(usages: &[Usage]) -> Value {
    let values = usages
        .iter()
        .map(|u| {
            json!({
                "unit": "Count",
                "currentValue": u.current,
                "limit": u.limit,
                "name": {"value": u.name, "localizedValue": u.display},
            })
        })
        .collect();
    page(values, None)
}

/// `ResourceSkus_List`: the virtual machine sizes of each region.
pub(crate) fn skus(regions: &[(String, Vec<Sku>)]) -> Value {
    let values = regions
        .iter()
        .flat_map(|(region, skus)| skus.iter().map(move |s| sku(region, s)))
        .collect();
    page(values, None)
}

fn sku(region: &str, s: &Sku) -> Value {
    let (tier, size) = s.name.split_once('_').unwrap_or(("Standard", &s.name));
    let restrictions: Vec<Value> = s
        .restrictions
        .iter()
        .map(|r| {
            let (kind, info) = match r.scope {
                RestrictionScope::Location => ("Location", json!({"locations": [region]})),
                RestrictionScope::Zone => {
                    ("Zone", json!({"locations": [region], "zones": r.zones}))
                }
            };
            json!({
                "type": kind,
                "values": [region],
                "restrictionInfo": info,
                "reasonCode": r.reason,
            })
        })
        .collect();
    json!({
        "resourceType": "virtualMachines",
        "name": s.name,
        "tier": tier,
        "size": size,
        "family": s.family,
        "locations": [region],
        "locationInfo": [{"location": region, "zones": s.zones, "zoneDetails": []}],
        "capabilities": [
            {"name": "vCPUs", "value": s.vcpus.to_string()},
            {"name": "vCPUsAvailable", "value": s.vcpus.to_string()},
        ],
        "restrictions": restrictions,
    })
}

/// A capacity reservation group as the inventory holds it.
pub(crate) struct ReservationGroup<'a> {
    /// Its resource group.
    pub(crate) group: &'a Group,
    /// Its name.
    pub(crate) name: &'a str,
    /// Its region.
    pub(crate) location: &'a str,
    /// The zones it spans.
    pub(crate) zones: &'a [String],
    /// Its reservations.
    pub(crate) reservations: &'a [Reservation],
}

impl ReservationGroup<'_> {
    fn id(&self) -> String {
        resource_id(self.group, Kind::ReservationGroup, self.name)
    }

    fn reservation_id(&self, name: &str) -> String {
        format!("{}/capacityReservations/{name}", self.id())
    }

    /// The VMs using a reservation: made-up ids, one per instance in use.
    fn allocated(&self, r: &Reservation) -> Vec<Value> {
        (1..=r.used)
            .map(|n| {
                json!({"id": resource_id(self.group, Kind::VirtualMachine, &format!("{}-vm{n}", r.name))})
            })
            .collect()
    }

    fn utilization(&self, r: &Reservation) -> Value {
        json!({"currentCapacity": r.capacity, "virtualMachinesAllocated": self.allocated(r)})
    }

    /// `CapacityReservationGroups_Get`, with the instance view when
    /// `$expand=instanceView`.
    pub(crate) fn to_json(&self, expand: bool) -> Value {
        let mut properties = json!({
            "capacityReservations": self
                .reservations
                .iter()
                .map(|r| json!({"id": self.reservation_id(&r.name)}))
                .collect::<Vec<_>>(),
            "virtualMachinesAssociated": self
                .reservations
                .iter()
                .flat_map(|r| self.allocated(r))
                .collect::<Vec<_>>(),
        });
        if expand && let Some(p) = properties.as_object_mut() {
            let views: Vec<Value> = self
                .reservations
                .iter()
                .map(|r| {
                    json!({
                        "name": r.name,
                        "utilizationInfo": self.utilization(r),
                        "statuses": succeeded(),
                    })
                })
                .collect();
            p.insert(
                "instanceView".into(),
                json!({"capacityReservations": views}),
            );
        }
        json!({
            "id": self.id(),
            "name": self.name,
            "type": Kind::ReservationGroup.arm_type(),
            "location": self.location,
            "zones": self.zones,
            "properties": properties,
        })
    }

    /// `CapacityReservations_Get`, with the instance view when
    /// `$expand=instanceView`.
    pub(crate) fn reservation(&self, r: &Reservation, expand: bool) -> Value {
        let mut properties = json!({
            "reservationId": guid(fnv1a(&self.reservation_id(&r.name).to_ascii_lowercase()), 7),
            "platformFaultDomainCount": 3,
            "virtualMachinesAssociated": self.allocated(r),
            "provisioningTime": PROVISIONED,
            "provisioningState": "Succeeded",
            "timeCreated": PROVISIONED,
        });
        if expand && let Some(p) = properties.as_object_mut() {
            p.insert(
                "instanceView".into(),
                json!({"utilizationInfo": self.utilization(r), "statuses": succeeded()}),
            );
        }
        json!({
            "id": self.reservation_id(&r.name),
            "name": r.name,
            "type": format!("{}/capacityReservations", Kind::ReservationGroup.arm_type()),
            "location": self.location,
            "sku": {"name": r.size, "capacity": r.capacity},
            "zones": r.zone.iter().collect::<Vec<_>>(),
            "properties": properties,
        })
    }

    /// `CapacityReservations_ListByCapacityReservationGroup`.
    pub(crate) fn reservations(&self, expand: bool) -> Value {
        page(
            self.reservations
                .iter()
                .map(|r| self.reservation(r, expand))
                .collect(),
            None,
        )
    }
}

fn succeeded() -> Value {
    json!([{
        "code": "ProvisioningState/succeeded",
        "level": "Info",
        "displayStatus": "Provisioning succeeded",
    }])
}

/// `VirtualMachines_Get` of a VM of the subscription.
pub(crate) fn virtual_machine(vm: &SubscriptionVm) -> Value {
    json!({
        "id": vm.id,
        "name": vm.name,
        "type": Kind::VirtualMachine.arm_type(),
        "location": vm.location,
        "tags": vm.tags,
        "properties": {
            "vmId": guid(fnv1a(&vm.id.to_ascii_lowercase()), 8),
            "provisioningState": "Succeeded",
        },
    })
}

/// Where a VM's power is, as its instance view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PowerState {
    /// `PowerState/running`.
    Running,
    /// `PowerState/stopping`: a power-off is under way.
    Stopping,
    /// `PowerState/stopped`.
    Stopped,
}

impl PowerState {
    fn status(self) -> (&'static str, &'static str) {
        match self {
            PowerState::Running => ("PowerState/running", "VM running"),
            PowerState::Stopping => ("PowerState/stopping", "VM stopping"),
            PowerState::Stopped => ("PowerState/stopped", "VM stopped"),
        }
    }
}

/// `VirtualMachines_InstanceView`: the provisioning state and the power
/// state, as Compute lists them in `statuses`.
pub(crate) fn instance_view(name: &str, power: PowerState) -> Value {
    let (code, display) = power.status();
    let mut statuses = succeeded();
    if let Some(list) = statuses.as_array_mut() {
        list.push(json!({"code": code, "level": "Info", "displayStatus": display}));
    }
    json!({
        "computerName": name,
        "osName": "Windows",
        "statuses": statuses,
    })
}

/// The status of a Compute long-running operation (`Azure-AsyncOperation`):
/// `InProgress`, `Succeeded`, or `Failed` with the error.
pub(crate) fn operation_status(
    id: &str,
    started: &str,
    ended: Option<(&str, Option<&str>)>,
) -> Value {
    match ended {
        None => json!({"name": id, "status": "InProgress", "startTime": started}),
        Some((at, None)) => {
            json!({"name": id, "status": "Succeeded", "startTime": started, "endTime": at})
        }
        Some((at, Some(why))) => json!({
            "name": id,
            "status": "Failed",
            "startTime": started,
            "endTime": at,
            "error": {"code": "OperationNotAllowed", "message": why},
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::inventory::SkuRestriction;

    #[test]
    fn usages_name_their_family_and_count_what_is_used() {
        let body = usages(&[Usage {
            name: "standardDSv5Family".into(),
            display: "Standard DSv5 Family vCPUs".into(),
            limit: 20,
            current: 12,
        }]);
        assert_eq!(
            body,
            json!({"value": [{"unit": "Count", "currentValue": 12, "limit": 20,
                "name": {"value": "standardDSv5Family", "localizedValue": "Standard DSv5 Family vCPUs"}}]})
        );
    }

    #[test]
    fn skus_carry_family_zones_vcpus_and_restrictions() {
        let s = Sku {
            name: "Standard_D4s_v5".into(),
            family: "standardDSv5Family".into(),
            vcpus: 4,
            zones: vec!["1".into(), "2".into()],
            restrictions: vec![
                SkuRestriction {
                    scope: RestrictionScope::Zone,
                    zones: vec!["3".into()],
                    reason: "NotAvailableForSubscription".into(),
                },
                SkuRestriction {
                    scope: RestrictionScope::Location,
                    zones: Vec::new(),
                    reason: "QuotaId".into(),
                },
            ],
        };
        let body = skus(&[("northeurope".into(), vec![s])]);
        let sku = &body["value"][0];
        assert_eq!(sku["resourceType"], "virtualMachines");
        assert_eq!(sku["tier"], "Standard");
        assert_eq!(sku["size"], "D4s_v5");
        assert_eq!(sku["family"], "standardDSv5Family");
        assert_eq!(
            sku["locationInfo"],
            json!([{"location": "northeurope", "zones": ["1", "2"], "zoneDetails": []}])
        );
        assert_eq!(
            sku["capabilities"][0],
            json!({"name": "vCPUs", "value": "4"})
        );
        assert_eq!(
            sku["restrictions"],
            json!([
                {"type": "Zone", "values": ["northeurope"],
                 "restrictionInfo": {"locations": ["northeurope"], "zones": ["3"]},
                 "reasonCode": "NotAvailableForSubscription"},
                {"type": "Location", "values": ["northeurope"],
                 "restrictionInfo": {"locations": ["northeurope"]}, "reasonCode": "QuotaId"},
            ])
        );
        assert!(body.get("nextLink").is_none());
    }

    #[test]
    fn reservation_groups_show_how_full_each_reservation_is() {
        let group = Group {
            subscription: "s1".into(),
            name: "rg-ne".into(),
        };
        let reservations = [Reservation {
            name: "d4".into(),
            size: "Standard_D4s_v5".into(),
            zone: Some("2".into()),
            capacity: 4,
            used: 3,
        }];
        let crg = ReservationGroup {
            group: &group,
            name: "crg-ne",
            location: "northeurope",
            zones: &["2".to_owned()],
            reservations: &reservations,
        };
        let id = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne";
        let plain = crg.to_json(false);
        assert_eq!(plain["id"], id);
        assert_eq!(
            plain["properties"]["capacityReservations"],
            json!([{"id": format!("{id}/capacityReservations/d4")}])
        );
        assert!(plain["properties"].get("instanceView").is_none());
        let expanded = crg.to_json(true);
        let view = &expanded["properties"]["instanceView"]["capacityReservations"][0];
        assert_eq!(view["name"], "d4");
        assert_eq!(view["utilizationInfo"]["currentCapacity"], 4);
        assert_eq!(
            view["utilizationInfo"]["virtualMachinesAllocated"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        let r = crg.reservation(&reservations[0], true);
        assert_eq!(r["sku"], json!({"name": "Standard_D4s_v5", "capacity": 4}));
        assert_eq!(r["zones"], json!(["2"]));
        assert_eq!(
            r["properties"]["instanceView"]["utilizationInfo"]["virtualMachinesAllocated"][2]["id"],
            "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Compute/virtualMachines/d4-vm3"
        );
        assert_eq!(crg.reservations(false)["value"][0]["name"], "d4");
    }
}
