//! Microsoft.Network answers readiness reads (spec excerpt and examples in
//! `tests/fixtures/azure-api/network/`): virtual networks and their
//! subnets, public IPs, load balancers and IP availability.

use serde::Deserialize;

use super::compute::SubResource;
use super::null_default;

/// `VirtualNetwork`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VirtualNetwork {
    /// Its region.
    pub location: Option<String>,
    /// Its properties.
    pub properties: VirtualNetworkProperties,
}

/// `VirtualNetworkPropertiesFormat`, the part readiness reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VirtualNetworkProperties {
    /// Its subnets.
    #[serde(deserialize_with = "null_default")]
    pub subnets: Vec<SubnetBody>,
}

/// `Subnet`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubnetBody {
    /// Its name.
    pub name: Option<String>,
    /// Its properties.
    pub properties: SubnetProperties,
}

/// `SubnetPropertiesFormat`, its prefixes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubnetProperties {
    /// Its prefix, `10.0.1.0/24`.
    pub address_prefix: Option<String>,
    /// Its prefixes, when it has several.
    #[serde(deserialize_with = "null_default")]
    pub address_prefixes: Vec<String>,
}

/// `PublicIPAddress`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PublicIpAddress {
    /// Its properties.
    pub properties: PublicIpProperties,
}

/// `PublicIPAddressPropertiesFormat`, what it is bound to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PublicIpProperties {
    /// The IP configuration (of a NIC or load balancer) it is bound to.
    pub ip_configuration: Option<SubResource>,
}

/// `LoadBalancer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancer {
    /// Its properties.
    pub properties: LoadBalancerProperties,
}

/// `LoadBalancerPropertiesFormat`, its backend pools.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerProperties {
    /// Its backend pools.
    #[serde(deserialize_with = "null_default")]
    pub backend_address_pools: Vec<SubResource>,
}

/// `IPAddressAvailabilityResult`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IpAddressAvailability {
    /// Whether the address is free.
    pub available: bool,
    /// Free addresses nearby, when it is not.
    #[serde(rename = "availableIPAddresses", deserialize_with = "null_default")]
    pub available_ip_addresses: Vec<String>,
}
