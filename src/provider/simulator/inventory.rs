//! The simulated vault's subscription: [`Inventory`] answered from the
//! rehearsal world (see `world`) as it is now, the world file read again
//! if it changed, with the VMs the simulator has created counted.

use std::net::Ipv4Addr;

use async_trait::async_trait;

use super::Simulator;
use crate::provider::ProviderError;
use crate::provider::inventory::{Inventory, IpAvailability, Resource, Sku, SubscriptionVm, Usage};

#[async_trait]
impl Inventory for Simulator {
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError> {
        self.with_state(false, |vault, world, _| {
            Ok(world.usages(region, vault.tally()))
        })
    }

    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError> {
        self.with_state(false, |_, world, _| Ok(world.skus(region)))
    }

    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError> {
        self.with_state(false, |vault, world, _| {
            Ok(world.resource(id, vault.tally()))
        })
    }

    async fn ip_available(
        &self,
        network_id: &str,
        ip: Ipv4Addr,
    ) -> Result<IpAvailability, ProviderError> {
        self.with_state(false, |_, world, _| {
            world.ip_available(network_id, ip).ok_or_else(|| {
                ProviderError::Service(format!(
                    "the virtual network `{network_id}` does not exist in the simulated subscription"
                ))
            })
        })
    }

    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        self.with_state(false, |_, world, _| Ok(world.vms_by_tag(name, value)))
    }

    async fn vms_in_resource_group(
        &self,
        resource_group: &str,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        self.with_state(false, |_, world, _| {
            Ok(world.vms_in_resource_group(resource_group))
        })
    }
}
