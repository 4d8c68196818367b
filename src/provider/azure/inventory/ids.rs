//! What an ARM id names, for reading it: an id in; the kind of resource,
//! the id to GET (a subnet's network, a backend pool's load balancer) and
//! the api-version of its provider out, or why drplan cannot read it.

use super::{COMPUTE_API_VERSION, NETWORK_API_VERSION, RESOURCES_API_VERSION};

/// The kinds of target resource readiness reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `/subscriptions/{s}/resourceGroups/{g}`.
    ResourceGroup,
    /// A virtual network (a subnet's id reads its network).
    Network,
    /// A network security group.
    Nsg,
    /// A public IP address.
    PublicIp,
    /// A load balancer (a backend pool's id reads its load balancer).
    LoadBalancer,
    /// A capacity reservation group (with its reservations).
    ReservationGroup,
    /// An availability set.
    AvailabilitySet,
    /// A proximity placement group.
    ProximityGroup,
}

/// An id ready to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// What it is.
    pub(super) kind: Kind,
    /// The id to GET (the id itself, or its parent's).
    pub(super) read: String,
    /// The api-version of its resource provider.
    pub(super) api_version: &'static str,
}

/// `/subscriptions/{s}/resourceGroups/{g}` of an id, when it has one.
pub(super) fn resource_group(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let shape = parts.len() >= 4
        && parts[0].eq_ignore_ascii_case("subscriptions")
        && parts[2].eq_ignore_ascii_case("resourceGroups")
        && parts[..4].iter().all(|p| !p.is_empty());
    shape.then(|| format!("/{}", parts[..4].join("/")))
}

/// What `id` names, or why it cannot be read.
pub(super) fn classify(id: &str) -> Result<Target, String> {
    let trimmed = id.trim().trim_end_matches('/');
    let parts: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    let eq = |i: usize, s: &str| parts.get(i).is_some_and(|p| p.eq_ignore_ascii_case(s));
    let Some(group) = resource_group(trimmed) else {
        return Err(format!(
            "`{id}` is not an ARM id under a resource group (/subscriptions/<id>/resourceGroups/<group>/…)"
        ));
    };
    if parts.len() == 4 {
        return Ok(Target {
            kind: Kind::ResourceGroup,
            read: group,
            api_version: RESOURCES_API_VERSION,
        });
    }
    if parts.iter().any(|p| p.is_empty()) || !eq(4, "providers") || parts.len() < 8 {
        return Err(format!("`{id}` is not a resource's ARM id"));
    }
    // /subscriptions/s/resourceGroups/g/providers/{namespace}/{type}/{name}[/{child}/{name}]
    let top = || format!("/{}", parts[..8].join("/"));
    let child = |name: &str| parts.len() == 10 && eq(8, name);
    let (kind, api_version) = match (
        parts[5].to_ascii_lowercase().as_str(),
        parts[6].to_ascii_lowercase().as_str(),
    ) {
        ("microsoft.network", "virtualnetworks") if parts.len() == 8 || child("subnets") => {
            (Kind::Network, NETWORK_API_VERSION)
        }
        ("microsoft.network", "networksecuritygroups") if parts.len() == 8 => {
            (Kind::Nsg, NETWORK_API_VERSION)
        }
        ("microsoft.network", "publicipaddresses") if parts.len() == 8 => {
            (Kind::PublicIp, NETWORK_API_VERSION)
        }
        ("microsoft.network", "loadbalancers")
            if parts.len() == 8 || child("backendAddressPools") =>
        {
            (Kind::LoadBalancer, NETWORK_API_VERSION)
        }
        ("microsoft.compute", "capacityreservationgroups") if parts.len() == 8 => {
            (Kind::ReservationGroup, COMPUTE_API_VERSION)
        }
        ("microsoft.compute", "availabilitysets") if parts.len() == 8 => {
            (Kind::AvailabilitySet, COMPUTE_API_VERSION)
        }
        ("microsoft.compute", "proximityplacementgroups") if parts.len() == 8 => {
            (Kind::ProximityGroup, COMPUTE_API_VERSION)
        }
        _ => {
            return Err(format!(
                "`{id}` is not a resource a target setting names (resource group, virtual network \
                 or subnet, network security group, public IP, load balancer or backend pool, \
                 capacity reservation group, availability set, proximity placement group)"
            ));
        }
    };
    Ok(Target {
        kind,
        read: top(),
        api_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RG: &str = "/subscriptions/s/resourceGroups/rg";

    #[test]
    fn ids_read_themselves_or_their_parent() {
        let t = classify(&format!(
            "{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/app"
        ))
        .unwrap();
        assert_eq!(t.kind, Kind::Network);
        assert_eq!(
            t.read,
            format!("{RG}/providers/Microsoft.Network/virtualNetworks/v")
        );
        assert_eq!(t.api_version, NETWORK_API_VERSION);
        let t = classify(&format!(
            "{RG}/providers/microsoft.network/loadBalancers/lb/backendAddressPools/be/"
        ))
        .unwrap();
        assert_eq!(t.kind, Kind::LoadBalancer);
        assert_eq!(
            t.read,
            format!("{RG}/providers/microsoft.network/loadBalancers/lb")
        );
        let t = classify(RG).unwrap();
        assert_eq!((t.kind, t.read.as_str()), (Kind::ResourceGroup, RG));
        assert_eq!(t.api_version, RESOURCES_API_VERSION);
        let t = classify(&format!(
            "{RG}/providers/Microsoft.Compute/capacityReservationGroups/crg"
        ))
        .unwrap();
        assert_eq!(
            (t.kind, t.api_version),
            (Kind::ReservationGroup, COMPUTE_API_VERSION)
        );
    }

    #[test]
    fn other_ids_are_refused_with_the_reason() {
        for id in [
            "/subscriptions/s",
            "not an id",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/peerings/p",
            "/subscriptions/s/resourceGroups//providers/Microsoft.Network/virtualNetworks/v",
        ] {
            assert!(classify(id).is_err(), "{id}");
        }
    }
}
