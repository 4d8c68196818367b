//! Microsoft.Network's answers: the inventory's networks, subnets, security
//! groups, public IPs, load balancers and address checks in;
//! `VirtualNetworks_Get`, `Subnets_Get`, `NetworkSecurityGroups_Get`,
//! `PublicIPAddresses_Get`, `LoadBalancers_Get` and
//! `VirtualNetworks_CheckIPAddressAvailability` bodies out, shaped like
//! Microsoft's examples.

use serde_json::{Value, json};

use super::Kind;
use crate::provider::inventory::{IpAvailability, Subnet};

/// Where a resource is and what it is called.
pub(crate) struct Named<'a> {
    /// Its ARM id.
    pub(crate) id: &'a str,
    /// Its name.
    pub(crate) name: &'a str,
    /// Its region.
    pub(crate) location: &'a str,
}

impl Named<'_> {
    pub(crate) fn body(&self, kind: Kind, properties: &Value) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": kind.arm_type(),
            "location": self.location,
            "properties": properties,
        })
    }
}

/// `VirtualNetworks_Get`: the network's address space is its subnets'.
pub(crate) fn virtual_network(at: &Named<'_>, subnets: &[Subnet]) -> Value {
    let prefixes: Vec<&String> = subnets.iter().flat_map(|s| &s.prefixes).collect();
    at.body(
        Kind::VirtualNetwork,
        &json!({
            "addressSpace": {"addressPrefixes": prefixes},
            "provisioningState": "Succeeded",
            "subnets": subnets.iter().map(|s| subnet(at.id, s)).collect::<Vec<_>>(),
            "virtualNetworkPeerings": [],
        }),
    )
}

/// `Subnets_Get`: one subnet of the network `network_id`.
pub(crate) fn subnet(network_id: &str, s: &Subnet) -> Value {
    let mut properties = json!({
        "addressPrefix": s.prefixes.first(),
        "provisioningState": "Succeeded",
    });
    if s.prefixes.len() > 1
        && let Some(p) = properties.as_object_mut()
    {
        p.insert("addressPrefixes".into(), json!(s.prefixes));
    }
    json!({
        "name": s.name,
        "id": format!("{network_id}/subnets/{}", s.name),
        "properties": properties,
    })
}

/// `NetworkSecurityGroups_Get`: no rules of its own, Azure's default ones.
pub(crate) fn security_group(at: &Named<'_>) -> Value {
    const DEFAULTS: [(&str, &str, &str, &str, &str, u32, &str); 6] = [
        (
            "AllowVnetInBound",
            "Allow inbound traffic from all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Inbound",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            "Allow inbound traffic from azure load balancer",
            "AzureLoadBalancer",
            "*",
            "Allow",
            65001,
            "Inbound",
        ),
        (
            "DenyAllInBound",
            "Deny all inbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Inbound",
        ),
        (
            "AllowVnetOutBound",
            "Allow outbound traffic from all VMs to all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Outbound",
        ),
        (
            "AllowInternetOutBound",
            "Allow outbound traffic from all VMs to Internet",
            "*",
            "Internet",
            "Allow",
            65001,
            "Outbound",
        ),
        (
            "DenyAllOutBound",
            "Deny all outbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Outbound",
        ),
    ];
    let defaults: Vec<Value> = DEFAULTS
        .iter()
        .map(
            |(name, description, from, to, access, priority, direction)| {
                json!({
                    "name": name,
                    "id": format!("{}/defaultSecurityRules/{name}", at.id),
                    "properties": {
                        "provisioningState": "Succeeded",
                        "description": description,
                        "protocol": "*",
                        "sourcePortRange": "*",
                        "destinationPortRange": "*",
                        "sourceAddressPrefix": from,
                        "destinationAddressPrefix": to,
                        "access": access,
                        "priority": priority,
                        "direction": direction,
                    },
                })
            },
        )
        .collect();
    at.body(
        Kind::SecurityGroup,
        &json!({
            "provisioningState": "Succeeded",
            "securityRules": [],
            "defaultSecurityRules": defaults,
        }),
    )
}

/// `PublicIPAddresses_Get`, with the IP configuration it is bound to.
pub(crate) fn public_ip(at: &Named<'_>, bound_to: Option<&str>) -> Value {
    let mut properties = json!({
        "provisioningState": "Succeeded",
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": "Static",
        "idleTimeoutInMinutes": 4,
    });
    if let (Some(config), Some(p)) = (bound_to, properties.as_object_mut()) {
        p.insert("ipConfiguration".into(), json!({"id": config}));
    }
    let mut body = at.body(Kind::PublicIp, &properties);
    if let Some(b) = body.as_object_mut() {
        b.insert(
            "sku".into(),
            json!({"name": "Standard", "tier": "Regional"}),
        );
    }
    body
}

/// `LoadBalancers_Get`: its backend pools (ARM ids below it).
pub(crate) fn load_balancer(at: &Named<'_>, pools: &[String]) -> Value {
    let pools: Vec<Value> = pools
        .iter()
        .map(|id| {
            json!({
                "name": id.rsplit('/').next().unwrap_or(id),
                "id": id,
                "type": format!("{}/backendAddressPools", Kind::LoadBalancer.arm_type()),
                "properties": {"provisioningState": "Succeeded", "loadBalancingRules": []},
            })
        })
        .collect();
    let mut body = at.body(
        Kind::LoadBalancer,
        &json!({
            "provisioningState": "Succeeded",
            "frontendIPConfigurations": [],
            "backendAddressPools": pools,
            "loadBalancingRules": [],
            "probes": [],
            "inboundNatRules": [],
            "inboundNatPools": [],
        }),
    );
    if let Some(b) = body.as_object_mut() {
        b.insert("sku".into(), json!({"name": "Standard"}));
    }
    body
}

/// `VirtualNetworks_CheckIPAddressAvailability`.
pub(crate) fn ip_availability(a: &IpAvailability) -> Value {
    json!({
        "available": a.available,
        "availableIPAddresses": a.alternatives.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/virtualNetworks/vnet-ne";

    fn at(id: &'static str, name: &'static str) -> Named<'static> {
        Named {
            id,
            name,
            location: "northeurope",
        }
    }

    #[test]
    fn a_network_lists_its_subnets_and_their_prefixes() {
        let subnets = [
            Subnet {
                name: "app".into(),
                prefixes: vec!["10.2.1.0/24".into()],
            },
            Subnet {
                name: "db".into(),
                prefixes: vec!["10.2.2.0/24".into(), "10.2.3.0/24".into()],
            },
        ];
        let body = virtual_network(&at(NET, "vnet-ne"), &subnets);
        assert_eq!(body["type"], "Microsoft.Network/virtualNetworks");
        assert_eq!(
            body["properties"]["addressSpace"]["addressPrefixes"],
            json!(["10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24"])
        );
        let app = &body["properties"]["subnets"][0];
        assert_eq!(app["id"], format!("{NET}/subnets/app"));
        assert_eq!(app["properties"]["addressPrefix"], "10.2.1.0/24");
        assert!(app["properties"].get("addressPrefixes").is_none());
        let db = subnet(NET, &subnets[1]);
        assert_eq!(
            db["properties"]["addressPrefixes"],
            json!(["10.2.2.0/24", "10.2.3.0/24"])
        );
    }

    #[test]
    fn a_bound_public_ip_names_its_ip_configuration() {
        let id = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/publicIPAddresses/pip";
        let free = public_ip(&at(id, "pip"), None);
        assert!(free["properties"].get("ipConfiguration").is_none());
        let config = "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/networkInterfaces/other/ipConfigurations/ipconfig1";
        let bound = public_ip(&at(id, "pip"), Some(config));
        assert_eq!(bound["properties"]["ipConfiguration"]["id"], config);
    }

    #[test]
    fn load_balancers_list_their_pools_and_addresses_their_alternatives() {
        let lb =
            "/subscriptions/s1/resourceGroups/rg-ne/providers/Microsoft.Network/loadBalancers/lb";
        let body = load_balancer(&at(lb, "lb"), &[format!("{lb}/backendAddressPools/be")]);
        let pool = &body["properties"]["backendAddressPools"][0];
        assert_eq!(pool["name"], "be");
        assert_eq!(pool["id"], format!("{lb}/backendAddressPools/be"));
        let taken = ip_availability(&IpAvailability {
            available: false,
            alternatives: vec!["10.2.1.5".parse().unwrap(), "10.2.1.6".parse().unwrap()],
        });
        assert_eq!(
            taken,
            json!({"available": false, "availableIPAddresses": ["10.2.1.5", "10.2.1.6"]})
        );
        let nsg = security_group(&at(NET, "nsg"));
        assert_eq!(
            nsg["properties"]["defaultSecurityRules"]
                .as_array()
                .map(Vec::len),
            Some(6)
        );
    }
}
