//! The subscription beside the vault, read for readiness: a region, an ARM
//! id, a network and address, or a tag or resource group in; quota
//! counters, VM sizes, what a target reference is (or `None` when it does
//! not exist), whether an address is free and the subscription's VMs out,
//! from the Compute, Network and Resources APIs.
//!
//! Every read goes through the provider's client (pacing, retries, the
//! caller's patience, loopback-only plain HTTP) and follows `nextLink`.
//! Quota and SKUs are read in the vault's subscription. One target
//! reference is one read, except a capacity reservation group: the group
//! (with its instance view: what is allocated) and its reservations (sizes
//! and capacity), two.

mod convert;
mod ids;

use std::net::Ipv4Addr;

use async_trait::async_trait;

use crate::provider::inventory::{IpAvailability, Resource, Sku, SubscriptionVm, Usage};
use crate::provider::{Inventory, ProviderError};

use super::client::ClientError;
use super::models::compute::{self, CapacityReservation, ReservationGroup, ResourceSku};
use super::models::network::{
    IpAddressAvailability, LoadBalancer, PublicIpAddress, VirtualNetwork,
};
use super::models::resources::GenericResource;
use super::{AzureProvider, failed, service};
use ids::Kind;

/// The Microsoft.Compute api-version (usages, reservations, placement).
pub const COMPUTE_API_VERSION: &str = "2025-11-01";

/// The api-version of `ResourceSkus_List` (its own, older, swagger file).
pub const SKUS_API_VERSION: &str = "2021-07-01";

/// The Microsoft.Network api-version.
pub const NETWORK_API_VERSION: &str = "2025-09-01";

/// The Microsoft.Resources api-version (resource groups, listings).
pub const RESOURCES_API_VERSION: &str = "2025-04-01";

/// An `OData` string literal: quoted, inner quotes doubled.
fn odata(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl AzureProvider {
    /// `/subscriptions/{s}` of the vault.
    pub(super) fn subscription(&self) -> String {
        self.vault.split('/').take(3).collect::<Vec<_>>().join("/")
    }

    /// GET `path` as `T`, `None` on 404.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<T>, ProviderError> {
        match self.client.get_with(path, api_version, query).await {
            Ok(reply) => reply
                .json(path)
                .map(Some)
                .map_err(|e| failed(&format!("cannot read {path}"), e)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(failed(&format!("cannot read {path}"), e)),
        }
    }

    /// Every page of a list.
    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ProviderError> {
        self.client
            .get_all(path, api_version, query)
            .await
            .map_err(|e: ClientError| failed(what, e))
    }

    async fn reservation_group(
        &self,
        id: &str,
        api_version: &str,
    ) -> Result<Option<Resource>, ProviderError> {
        let Some(group) = self
            .read::<ReservationGroup>(id, api_version, &[("$expand", "instanceView")])
            .await?
        else {
            return Ok(None);
        };
        let reservations: Vec<CapacityReservation> = self
            .list(
                &format!("cannot list the reservations of {id}"),
                &format!("{id}/capacityReservations"),
                api_version,
                &[],
            )
            .await?;
        Ok(Some(convert::reservation_group(&group, &reservations)))
    }
}

#[async_trait]
impl Inventory for AzureProvider {
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError> {
        let path = format!(
            "{}/providers/Microsoft.Compute/locations/{region}/usages",
            self.subscription()
        );
        let usages: Vec<compute::Usage> = self
            .list(
                &format!("cannot read the vCPU quota of {region}"),
                &path,
                COMPUTE_API_VERSION,
                &[],
            )
            .await?;
        Ok(usages.iter().map(convert::usage).collect())
    }

    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError> {
        let path = format!("{}/providers/Microsoft.Compute/skus", self.subscription());
        let filter = format!("location eq {}", odata(region));
        let skus: Vec<ResourceSku> = self
            .list(
                &format!("cannot list the VM sizes of {region}"),
                &path,
                SKUS_API_VERSION,
                &[("$filter", &filter)],
            )
            .await?;
        Ok(skus
            .iter()
            .filter_map(|s| convert::sku(s, region))
            .collect())
    }

    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError> {
        let target = ids::classify(id).map_err(service)?;
        let (path, api) = (target.read.as_str(), target.api_version);
        Ok(match target.kind {
            Kind::Network => self
                .read::<VirtualNetwork>(path, api, &[])
                .await?
                .map(|n| convert::network(&n)),
            Kind::PublicIp => self
                .read::<PublicIpAddress>(path, api, &[])
                .await?
                .map(|p| convert::public_ip(&p)),
            Kind::LoadBalancer => self
                .read::<LoadBalancer>(path, api, &[])
                .await?
                .map(|lb| convert::load_balancer(&lb)),
            Kind::ReservationGroup => self.reservation_group(path, api).await?,
            Kind::ResourceGroup | Kind::Nsg | Kind::AvailabilitySet | Kind::ProximityGroup => self
                .read::<GenericResource>(path, api, &[])
                .await?
                .map(|r| convert::other(&r)),
        })
    }

    async fn ip_available(
        &self,
        network_id: &str,
        ip: Ipv4Addr,
    ) -> Result<IpAvailability, ProviderError> {
        let target = ids::classify(network_id).map_err(service)?;
        if target.kind != Kind::Network {
            return Err(service(format!(
                "`{network_id}` is not a virtual network's id"
            )));
        }
        let path = format!("{}/checkIPAddressAvailability", target.read);
        let ip_text = ip.to_string();
        let what = format!("cannot check whether {ip} is free in {}", target.read);
        let answer: IpAddressAvailability = self
            .client
            .get_with(&path, target.api_version, &[("ipAddress", &ip_text)])
            .await
            .and_then(|reply| reply.json(&path))
            .map_err(|e| failed(&what, e))?;
        Ok(convert::availability(&answer))
    }

    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        let filter = match value {
            Some(value) => format!(
                "tagName eq {} and tagValue eq {}",
                odata(name),
                odata(value)
            ),
            None => format!("tagName eq {}", odata(name)),
        };
        let path = format!("{}/resources", self.subscription());
        let resources: Vec<GenericResource> = self
            .list(
                &format!("cannot list the resources tagged `{name}`"),
                &path,
                RESOURCES_API_VERSION,
                &[("$filter", &filter)],
            )
            .await?;
        Ok(convert::vms(&resources))
    }

    async fn vms_in_resource_group(
        &self,
        resource_group: &str,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        let group = ids::classify(resource_group)
            .ok()
            .filter(|t| t.kind == Kind::ResourceGroup)
            .ok_or_else(|| {
                service(format!(
                    "`{resource_group}` is not a resource group id (/subscriptions/<id>/resourceGroups/<group>)"
                ))
            })?
            .read;
        let filter = format!(
            "resourceType eq {}",
            odata("Microsoft.Compute/virtualMachines")
        );
        let resources: Vec<GenericResource> = self
            .list(
                &format!("cannot list the VMs of {group}"),
                &format!("{group}/resources"),
                RESOURCES_API_VERSION,
                &[("$filter", &filter)],
            )
            .await?;
        Ok(convert::vms(&resources))
    }
}
