//! The Compute, Network and Resources reads: an [`ArmRoute`] and its query
//! in; the simulated vault's [`Inventory`] asked; the API's JSON out, or
//! ARM's 404 (`ResourceGroupNotFound` when the group is missing,
//! `ResourceNotFound` naming the type, name and group otherwise) and 400s
//! for what the request gets wrong.

use serde_json::{Value, json};

use super::super::Emu;
use super::super::arm::compute::{self, ReservationGroup};
use super::super::arm::filter::{Filter, bad_filter_message, filter_clauses};
use super::super::arm::network::{self, Named};
use super::super::arm::resources;
use super::super::arm::{ArmRoute, Below, Group, Kind, resource_id};
use super::super::json::page;
use super::reply::{Link, Query, Reply, bad_skip_token};
use crate::provider::inventory::{Resource, SubscriptionVm};
use crate::provider::{Inventory, Provider, ProviderError};

/// Resources per page of `Resources_List`: small, so clients must follow
/// `nextLink`.
pub(super) const RESOURCES_PAGE: usize = 3;

impl Emu {
    /// Where the ARM reads come from: the simulated vault's world (or, in
    /// unit tests, a stand-in).
    fn inventory(&self) -> &dyn Inventory {
        #[cfg(test)]
        if let Some(inventory) = &self.inventory {
            return inventory.as_ref();
        }
        self.sim.inventory()
    }

    pub(super) async fn arm(
        &self,
        route: &ArmRoute,
        query: &Query,
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let inventory = self.inventory();
        match route {
            ArmRoute::Subscription { subscription } => Ok(Reply::ok(resources::subscription(
                subscription,
                &self.tenant_of(subscription),
            ))),
            ArmRoute::Usages { location, .. } => Ok(Reply::ok(compute::usages(
                &inventory.usages(location).await?,
            ))),
            ArmRoute::Skus { .. } => {
                let regions = match query.get("$filter") {
                    None => {
                        let mut regions = vec![self.names.primary.clone()];
                        if !regions.contains(&self.names.recovery) {
                            regions.push(self.names.recovery.clone());
                        }
                        regions
                    }
                    Some(text) => match filter_clauses(text).as_deref() {
                        Some([(field, region)]) if field == "location" => vec![region.clone()],
                        _ => {
                            return Ok(bad_filter(&format!(
                                "Invalid $filter '{text}' specified in the query string. Filter by region: `location eq 'northeurope'`."
                            )));
                        }
                    },
                };
                let mut skus = Vec::new();
                for region in regions {
                    let offered = inventory.skus(&region).await?;
                    skus.push((region, offered));
                }
                Ok(Reply::ok(compute::skus(&skus)))
            }
            ArmRoute::Resources { .. } => {
                let text = query.get("$filter");
                let Some(Filter::Tag { name, value }) = Filter::parse(text) else {
                    return Ok(bad_filter(&bad_filter_message(text.unwrap_or(""))));
                };
                let vms = inventory.vms_by_tag(&name, value.as_deref()).await?;
                Ok(resource_page(vms, false, query, link))
            }
            ArmRoute::ResourceGroup(group) => match inventory.resource(&group.id()).await? {
                Some(found) => {
                    let location = located(&found).unwrap_or(&self.names.recovery);
                    Ok(Reply::ok(resources::resource_group(
                        &group.id(),
                        &group.name,
                        location,
                    )))
                }
                None => Ok(group_not_found(group)),
            },
            ArmRoute::GroupResources(group) => {
                let text = query.get("$filter");
                let Some(filter) = Filter::parse(text) else {
                    return Ok(bad_filter(&bad_filter_message(text.unwrap_or(""))));
                };
                if inventory.resource(&group.id()).await?.is_none() {
                    return Ok(group_not_found(group));
                }
                let vms = inventory.vms_in_resource_group(&group.id()).await?;
                let kept = vms.into_iter().filter(|vm| filter.keeps(vm)).collect();
                Ok(resource_page(kept, !filter.hides_tags(), query, link))
            }
            ArmRoute::Resource {
                group,
                kind,
                name,
                below,
            } if matches!(below, Below::InstanceView | Below::PowerOff) => {
                self.vm_power(group, name, below, link).await
            }
            ArmRoute::Resource {
                group,
                kind,
                name,
                below,
            } => self.resource(group, *kind, name, below, query).await,
            ArmRoute::ComputeOperation { id, .. } => Ok(self.power_off_status(id, query, link)),
        }
    }

    async fn resource(
        &self,
        group: &Group,
        kind: Kind,
        name: &str,
        below: &Below,
        query: &Query,
    ) -> Result<Reply, ProviderError> {
        let inventory = self.inventory();
        let id = resource_id(group, kind, name);
        let what = format!("{}/{name}", kind.arm_type());
        if kind == Kind::VirtualMachine {
            let vms = inventory.vms_in_resource_group(&group.id()).await?;
            return match vms.iter().find(|vm| vm.id.eq_ignore_ascii_case(&id)) {
                Some(vm) => Ok(Reply::ok(compute::virtual_machine(vm))),
                None => self.missing(group, &what).await,
            };
        }
        let Some(found) = inventory.resource(&id).await? else {
            return self.missing(group, &what).await;
        };
        let location = match located(&found) {
            Some(l) => l.to_owned(),
            None => self.group_location(group).await?,
        };
        let at = Named {
            id: &id,
            name,
            location: &location,
        };
        let expand = query.instance_view();
        let none = Vec::new();
        Ok(Reply::ok(match (kind, below) {
            (Kind::ReservationGroup, _) => {
                let (zones, reservations) = match &found {
                    Resource::ReservationGroup {
                        zones,
                        reservations,
                        ..
                    } => (zones.as_slice(), reservations.as_slice()),
                    _ => (none.as_slice(), &[][..]),
                };
                let crg = ReservationGroup {
                    group,
                    name,
                    location: &location,
                    zones,
                    reservations,
                };
                match below {
                    Below::Reservations => crg.reservations(expand),
                    Below::Reservation(r) => {
                        match reservations.iter().find(|x| x.name.eq_ignore_ascii_case(r)) {
                            Some(reservation) => crg.reservation(reservation, expand),
                            None => {
                                return self
                                    .missing(group, &format!("{what}/capacityReservations/{r}"))
                                    .await;
                            }
                        }
                    }
                    _ => crg.to_json(expand),
                }
            }
            (Kind::VirtualNetwork, _) => {
                let subnets = match &found {
                    Resource::Network { subnets, .. } => subnets.as_slice(),
                    _ => &[],
                };
                match below {
                    Below::Subnet(s) => match subnets
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case(s))
                    {
                        Some(subnet) => network::subnet(&id, subnet),
                        None => return self.missing(group, &format!("{what}/subnets/{s}")).await,
                    },
                    Below::CheckIp => return self.check_ip(&id, query).await,
                    _ => network::virtual_network(&at, subnets),
                }
            }
            (Kind::SecurityGroup, _) => network::security_group(&at),
            // `AvailabilitySets_Get`, `ProximityPlacementGroups_Get`: what
            // readiness reads of them is that they exist.
            (Kind::AvailabilitySet, _) => at.body(
                kind,
                &json!({ "platformFaultDomainCount": 2, "platformUpdateDomainCount": 5, "virtualMachines": [] }),
            ),
            (Kind::ProximityGroup, _) => at.body(
                kind,
                &json!({ "proximityPlacementGroupType": "Standard", "virtualMachines": [] }),
            ),
            (Kind::PublicIp, _) => {
                let bound = match &found {
                    Resource::PublicIp { bound_to } => bound_to.as_deref(),
                    _ => None,
                };
                network::public_ip(&at, bound)
            }
            // VMs were answered above, from the resource group's list.
            (Kind::LoadBalancer | Kind::VirtualMachine, _) => {
                let pools = match &found {
                    Resource::LoadBalancer { pools } => pools.as_slice(),
                    _ => &[],
                };
                network::load_balancer(&at, pools)
            }
        }))
    }

    /// `CheckIPAddressAvailability` of the network `id`, which exists.
    async fn check_ip(&self, id: &str, query: &Query) -> Result<Reply, ProviderError> {
        let Some(text) = query.get("ipAddress") else {
            return Ok(Reply::error(
                400,
                "InvalidParameter",
                "The query parameter `ipAddress` is required: the private IPv4 address to check.",
            ));
        };
        let Ok(ip) = text.trim().parse() else {
            return Ok(Reply::error(
                400,
                "InvalidParameter",
                &format!("`ipAddress` `{text}` is not an IPv4 address."),
            ));
        };
        let availability = self.inventory().ip_available(id, ip).await?;
        Ok(Reply::ok(network::ip_availability(&availability)))
    }

    /// ARM's 404 for a resource (`type/name`) of `group` that does not
    /// exist: its group's, when that is what is missing.
    pub(super) async fn missing(&self, group: &Group, what: &str) -> Result<Reply, ProviderError> {
        if self.inventory().resource(&group.id()).await?.is_none() {
            return Ok(group_not_found(group));
        }
        Ok(Reply::error(
            404,
            "ResourceNotFound",
            &format!(
                "The Resource '{what}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
                group.name
            ),
        ))
    }

    /// The region of a group, for resources the inventory gives none: the
    /// recovery region when it gives none either.
    async fn group_location(&self, group: &Group) -> Result<String, ProviderError> {
        let found = self.inventory().resource(&group.id()).await?;
        Ok(found
            .as_ref()
            .and_then(located)
            .unwrap_or(&self.names.recovery)
            .to_owned())
    }
}

/// The region a resource says it is in.
fn located(resource: &Resource) -> Option<&str> {
    match resource {
        Resource::Network { location, .. } | Resource::ReservationGroup { location, .. } => {
            Some(location)
        }
        Resource::Other { location } => location.as_deref(),
        Resource::LoadBalancer { .. } | Resource::PublicIp { .. } => None,
    }
}

fn group_not_found(group: &Group) -> Reply {
    Reply::error(
        404,
        "ResourceGroupNotFound",
        &format!("Resource group '{}' could not be found.", group.name),
    )
}

fn bad_filter(message: &str) -> Reply {
    Reply::error(400, "InvalidFilterInQueryString", message)
}

/// One page of a resource list, sorted by id so pages do not shift.
fn resource_page(
    mut vms: Vec<SubscriptionVm>,
    with_tags: bool,
    query: &Query,
    link: &Link,
) -> Reply {
    vms.sort_by_key(|vm| vm.id.to_ascii_lowercase());
    let start = match query.get("$skipToken").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= vms.len() => n,
        Some(_) => return bad_skip_token(),
    };
    let end = (start + RESOURCES_PAGE).min(vms.len());
    let values: Vec<Value> = vms
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|vm| resources::resource(vm, with_tags))
        .collect();
    let next = (end < vms.len()).then(|| link.next(&end.to_string()));
    Reply::ok(page(values, next))
}
