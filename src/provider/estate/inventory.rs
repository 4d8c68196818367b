//! Readiness's reads beside the vaults of a plan across vaults: each
//! question in, the answer of the vault whose subscription holds it out.
//! A region's quota and sizes come from the first vault whose groups use
//! that region; a resource (and the free addresses of a network) from the
//! first vault that has it; VM lists from every vault, each VM once.

use std::net::Ipv4Addr;

use async_trait::async_trait;

use super::EstateProvider;
use crate::provider::inventory::{IpAvailability, Resource, Sku, SubscriptionVm, Usage};
use crate::provider::{Inventory, ProviderError};

impl EstateProvider {
    /// The inventories to ask about `region`: the vaults whose groups use it first.
    fn by_region(&self, region: &str) -> Vec<&dyn Inventory> {
        let uses = |i: usize| {
            self.regions.get(i).is_some_and(|r| {
                r.iter()
                    .any(|x| crate::regions::normalize(x) == crate::regions::normalize(region))
            })
        };
        let first = (0..self.members.len()).find(|i| uses(*i)).unwrap_or(0);
        self.members
            .get(first)
            .map(|m| m.provider.inventory())
            .into_iter()
            .collect()
    }

    async fn first_with(&self, id: &str) -> Result<Option<(usize, Resource)>, ProviderError> {
        for (i, m) in self.members.iter().enumerate() {
            if let Some(found) = m.provider.inventory().resource(id).await? {
                return Ok(Some((i, found)));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl Inventory for EstateProvider {
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError> {
        match self.by_region(region).first() {
            Some(inv) => inv.usages(region).await,
            None => Ok(Vec::new()),
        }
    }

    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError> {
        match self.by_region(region).first() {
            Some(inv) => inv.skus(region).await,
            None => Ok(Vec::new()),
        }
    }

    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError> {
        Ok(self.first_with(id).await?.map(|(_, r)| r))
    }

    async fn ip_available(
        &self,
        network_id: &str,
        ip: Ipv4Addr,
    ) -> Result<IpAvailability, ProviderError> {
        let at = self.first_with(network_id).await?.map_or(0, |(i, _)| i);
        self.member(at)?
            .provider
            .inventory()
            .ip_available(network_id, ip)
            .await
    }

    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        let mut all = Vec::new();
        for m in &self.members {
            merge(
                &mut all,
                m.provider.inventory().vms_by_tag(name, value).await?,
            );
        }
        Ok(all)
    }

    async fn vms_in_resource_group(
        &self,
        resource_group: &str,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        let mut all = Vec::new();
        for m in &self.members {
            let vms = m
                .provider
                .inventory()
                .vms_in_resource_group(resource_group)
                .await?;
            merge(&mut all, vms);
        }
        Ok(all)
    }
}

/// Adds the VMs `all` lacks (ARM ids compare without regard to case).
fn merge(all: &mut Vec<SubscriptionVm>, more: Vec<SubscriptionVm>) {
    for vm in more {
        if !all.iter().any(|v| v.id.eq_ignore_ascii_case(&vm.id)) {
            all.push(vm);
        }
    }
}
