//! The subscription beside the vault, as readiness reads it: regions' vCPU
//! quota, the VM sizes a region offers, capacity reservations, the target
//! resources the plan names, IP addresses in use and the subscription's VMs.
//! An [`Inventory`] answers these reads; the simulated vault answers them
//! from its rehearsal world, the Azure client from the Compute, Network and
//! Resources APIs. Every read may fail: readiness turns a failure into a
//! finding of its own, never a silent pass.
//!
//! Regions are ARM location names (`northeurope`); ARM ids are compared
//! without regard to case, as ARM does.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::ProviderError;

/// One quota counter of a region (`Usage_List`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The counter's name: a family (`standardDSv5Family`) or `cores` for
    /// the region's total vCPUs.
    pub name: String,
    /// Its display name (`Standard DSv5 Family vCPUs`).
    pub display: String,
    /// The quota.
    pub limit: u64,
    /// What is in use now.
    pub current: u64,
}

impl Usage {
    /// What may still be created.
    pub fn free(&self) -> u64 {
        self.limit.saturating_sub(self.current)
    }
}

/// The counter of a region's total vCPUs.
pub const TOTAL_CORES: &str = "cores";

/// Why a size cannot be used (`ResourceSkuRestrictions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuRestriction {
    /// Where it applies.
    pub scope: RestrictionScope,
    /// The zones it applies to, for a zone restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// ARM's reason code: `NotAvailableForSubscription` or `QuotaId`.
    pub reason: String,
}

/// What a restriction covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestrictionScope {
    /// The whole region.
    Location,
    /// Some zones of it.
    Zone,
}

/// A VM size as a region offers it (`ResourceSkus_List`, `virtualMachines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    /// `Standard_D4s_v5`.
    pub name: String,
    /// Its quota counter, `standardDSv5Family`.
    pub family: String,
    /// vCPUs of one VM.
    pub vcpus: u32,
    /// The zones it is offered in (empty: the region has no zones for it).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Why it may not be used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restrictions: Vec<SkuRestriction>,
}

/// One capacity reservation of a group (`CapacityReservations_Get` with
/// its instance view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Its name.
    pub name: String,
    /// The size it reserves.
    pub size: String,
    /// Its zone, when zonal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Instances reserved (`sku.capacity`).
    pub capacity: u32,
    /// Instances in use (`virtualMachinesAllocated`).
    pub used: u32,
}

/// What a target reference turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Resource {
    /// A virtual network and its subnets.
    Network {
        /// Its region.
        location: String,
        /// Its subnets.
        subnets: Vec<Subnet>,
    },
    /// A load balancer and its backend pools' ARM ids.
    LoadBalancer {
        /// Backend pool ids.
        pools: Vec<String>,
    },
    /// A public IP address.
    PublicIp {
        /// The IP configuration it is bound to (another NIC's), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bound_to: Option<String>,
    },
    /// A capacity reservation group and its reservations.
    ReservationGroup {
        /// Its region.
        location: String,
        /// The zones it spans.
        #[serde(default)]
        zones: Vec<String>,
        /// Its reservations.
        reservations: Vec<Reservation>,
    },
    /// Anything else that exists: resource group, NSG, availability set,
    /// proximity placement group.
    Other {
        /// Its region, when it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
}

/// A subnet of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// Its name.
    pub name: String,
    /// Its address prefixes, `10.2.1.0/24`.
    pub prefixes: Vec<String>,
}

/// Whether an address is free in a network (`CheckIPAddressAvailability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAvailability {
    /// Free.
    pub available: bool,
    /// Free addresses nearby, when it is not.
    #[serde(default)]
    pub alternatives: Vec<Ipv4Addr>,
}

/// A VM of the subscription (`Resources_List`, `VirtualMachines_Get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionVm {
    /// Its ARM id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its region.
    pub location: String,
    /// Its tags, when the listing returns them (a tag filter leaves them out).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The reads readiness makes beside the vault.
#[async_trait]
pub trait Inventory: Send + Sync {
    /// A region's quota counters (`Usage_List`).
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError>;

    /// The VM sizes a region offers, with zones and restrictions
    /// (`ResourceSkus_List`, virtual machines only).
    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError>;

    /// A resource by ARM id, `None` when it does not exist (404). A subnet's
    /// id reads its network; a backend pool's reads its load balancer; a
    /// reservation group comes with its reservations.
    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError>;

    /// Whether `ip` is free in the network `network_id`.
    async fn ip_available(
        &self,
        network_id: &str,
        ip: Ipv4Addr,
    ) -> Result<IpAvailability, ProviderError>;

    /// The subscription's VMs carrying a tag (any value when `value` is `None`).
    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError>;

    /// The VMs of a resource group (its ARM id).
    async fn vms_in_resource_group(
        &self,
        resource_group: &str,
    ) -> Result<Vec<SubscriptionVm>, ProviderError>;
}

/// The inventory of a provider that has no subscription beside its vault.
pub struct NoSubscription;

/// The one [`NoSubscription`].
pub static NONE: NoSubscription = NoSubscription;

fn none() -> ProviderError {
    ProviderError::Service("this vault has no subscription to read".to_owned())
}

#[async_trait]
impl Inventory for NoSubscription {
    async fn usages(&self, _: &str) -> Result<Vec<Usage>, ProviderError> {
        Err(none())
    }
    async fn skus(&self, _: &str) -> Result<Vec<Sku>, ProviderError> {
        Err(none())
    }
    async fn resource(&self, _: &str) -> Result<Option<Resource>, ProviderError> {
        Err(none())
    }
    async fn ip_available(&self, _: &str, _: Ipv4Addr) -> Result<IpAvailability, ProviderError> {
        Err(none())
    }
    async fn vms_by_tag(
        &self,
        _: &str,
        _: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Err(none())
    }
    async fn vms_in_resource_group(&self, _: &str) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Err(none())
    }
}
