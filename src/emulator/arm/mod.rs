//! The Compute, Network and Resources APIs the emulator answers beside ASR:
//! a request path in, an [`ArmRoute`] out (segments compared without regard
//! to case, as ARM does); which api-versions each answers to; the RBAC
//! action each needs; and, in `compute`, `network` and `resources`, the
//! bodies those APIs answer with, built from the simulated vault's
//! [`Inventory`](crate::provider::Inventory).
//!
//! Ids in answers are built from the path's subscription, resource group and
//! names, with each resource type spelled as ARM spells it.

pub(crate) mod compute;
pub(crate) mod filter;
pub(crate) mod network;
pub(crate) mod resources;

/// A resource group a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// Its subscription.
    pub(crate) subscription: String,
    /// Its name.
    pub(crate) name: String,
}

impl Group {
    /// Its ARM id.
    pub(crate) fn id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription, self.name
        )
    }
}

/// The resource types below a resource group the emulator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Microsoft.Compute/capacityReservationGroups`.
    ReservationGroup,
    /// `Microsoft.Compute/virtualMachines`.
    VirtualMachine,
    /// `Microsoft.Network/virtualNetworks`.
    VirtualNetwork,
    /// `Microsoft.Network/networkSecurityGroups`.
    SecurityGroup,
    /// `Microsoft.Network/publicIPAddresses`.
    PublicIp,
    /// `Microsoft.Network/loadBalancers`.
    LoadBalancer,
    /// `Microsoft.Compute/availabilitySets`.
    AvailabilitySet,
    /// `Microsoft.Compute/proximityPlacementGroups`.
    ProximityGroup,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::ReservationGroup,
        Kind::VirtualMachine,
        Kind::VirtualNetwork,
        Kind::SecurityGroup,
        Kind::PublicIp,
        Kind::LoadBalancer,
        Kind::AvailabilitySet,
        Kind::ProximityGroup,
    ];

    /// Its resource provider and type, as ARM spells them.
    pub(crate) fn parts(self) -> (&'static str, &'static str) {
        match self {
            Kind::ReservationGroup => (COMPUTE, "capacityReservationGroups"),
            Kind::VirtualMachine => (COMPUTE, "virtualMachines"),
            Kind::VirtualNetwork => (NETWORK, "virtualNetworks"),
            Kind::SecurityGroup => (NETWORK, "networkSecurityGroups"),
            Kind::PublicIp => (NETWORK, "publicIPAddresses"),
            Kind::LoadBalancer => (NETWORK, "loadBalancers"),
            Kind::AvailabilitySet => (COMPUTE, "availabilitySets"),
            Kind::ProximityGroup => (COMPUTE, "proximityPlacementGroups"),
        }
    }

    /// `Microsoft.Network/virtualNetworks`.
    pub(crate) fn arm_type(self) -> String {
        let (provider, kind) = self.parts();
        format!("{provider}/{kind}")
    }

    fn api(self) -> Api {
        match self.parts().0 {
            COMPUTE => Api::Compute,
            _ => Api::Network,
        }
    }
}

const COMPUTE: &str = "Microsoft.Compute";
const NETWORK: &str = "Microsoft.Network";

/// What a path names below a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Below {
    /// The resource itself.
    Nothing,
    /// A reservation group's reservations.
    Reservations,
    /// One reservation of a group.
    Reservation(String),
    /// One subnet of a virtual network.
    Subnet(String),
    /// A virtual network's `CheckIPAddressAvailability`.
    CheckIp,
    /// A VM's `instanceView` (`VirtualMachines_InstanceView`).
    InstanceView,
    /// A VM's `powerOff` (`VirtualMachines_PowerOff`, POST).
    PowerOff,
}

impl Below {
    /// What the segments after a resource of `kind` name, `None` when
    /// nothing the emulator answers.
    fn parse(kind: Kind, below: &[&str]) -> Option<Below> {
        let owned = |s: &str| s.to_owned();
        Some(match (kind, below) {
            (_, []) => Below::Nothing,
            (Kind::ReservationGroup, [reservations])
                if eq(reservations, "capacityReservations") =>
            {
                Below::Reservations
            }
            (Kind::ReservationGroup, [reservations, name])
                if eq(reservations, "capacityReservations") =>
            {
                Below::Reservation(owned(name))
            }
            (Kind::VirtualMachine, [view]) if eq(view, "instanceView") => Below::InstanceView,
            (Kind::VirtualMachine, [off]) if eq(off, "powerOff") => Below::PowerOff,
            (Kind::VirtualNetwork, [subnets, name]) if eq(subnets, "subnets") => {
                Below::Subnet(owned(name))
            }
            (Kind::VirtualNetwork, [check]) if eq(check, "CheckIPAddressAvailability") => {
                Below::CheckIp
            }
            _ => return None,
        })
    }
}

/// A request the Compute, Network or Resources API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArmRoute {
    /// `Subscriptions_Get`: the subscription and its tenant.
    Subscription {
        /// The path's subscription.
        subscription: String,
    },
    /// `Usage_List`.
    Usages {
        /// The path's subscription.
        subscription: String,
        /// The region.
        location: String,
    },
    /// `ResourceSkus_List`.
    Skus {
        /// The path's subscription.
        subscription: String,
    },
    /// `Resources_List`.
    Resources {
        /// The path's subscription.
        subscription: String,
    },
    /// `ResourceGroups_Get`.
    ResourceGroup(Group),
    /// `Resources_ListByResourceGroup`.
    GroupResources(Group),
    /// The status of a Compute long-running operation (a VM's power-off):
    /// `…/providers/Microsoft.Compute/locations/{region}/operations/{id}`.
    ComputeOperation {
        /// The path's subscription.
        subscription: String,
        /// The region.
        location: String,
        /// The operation's id.
        id: String,
    },
    /// A resource of a group, or what is below it.
    Resource {
        /// Its resource group.
        group: Group,
        /// Its type.
        kind: Kind,
        /// Its name.
        name: String,
        /// What below it.
        below: Below,
    },
}

/// The API a route belongs to: which api-versions it answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Microsoft.Compute.
    Compute,
    /// Microsoft.Compute's resource SKUs, versioned apart.
    Skus,
    /// Microsoft.Network.
    Network,
    /// Microsoft.Resources.
    Resources,
    /// Microsoft.Resources' subscriptions, versioned apart.
    Subscriptions,
}

impl Api {
    /// The oldest api-version answered: the one the project's API excerpts
    /// describe. Later dates are answered in the same shape, since
    /// Microsoft's SDKs send newer ones than the excerpts.
    pub(crate) fn oldest(self) -> &'static str {
        match self {
            Api::Compute => "2025-11-01",
            Api::Skus => "2021-07-01",
            Api::Network => "2025-09-01",
            Api::Resources => "2025-04-01",
            Api::Subscriptions => crate::provider::azure::SUBSCRIPTIONS_API_VERSION,
        }
    }

    /// Whether `version` is a well-formed api-version (`YYYY-MM-DD`,
    /// optionally `-preview`) no older than [`oldest`](Self::oldest).
    pub(crate) fn accepts(self, version: &str) -> bool {
        let date = version.strip_suffix("-preview").unwrap_or(version);
        let bytes = date.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !well_formed {
            return false;
        }
        let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().unwrap_or(0);
        let (month, day) = (number(5..7), number(8..10));
        (1..=12).contains(&month) && (1..=31).contains(&day) && date >= self.oldest()
    }
}

impl ArmRoute {
    /// The route a path names, `None` when it is none the emulator answers.
    pub(crate) fn parse(path: &str) -> Option<ArmRoute> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let owned = |s: &str| s.to_owned();
        let route = match segments.as_slice() {
            [root, subscription, rest @ ..] if eq(root, "subscriptions") => match rest {
                [] => ArmRoute::Subscription {
                    subscription: owned(subscription),
                },
                [providers, namespace, locations, location, usages]
                    if eq(providers, "providers")
                        && eq(namespace, COMPUTE)
                        && eq(locations, "locations")
                        && eq(usages, "usages") =>
                {
                    ArmRoute::Usages {
                        subscription: owned(subscription),
                        location: owned(location),
                    }
                }
                [providers, namespace, locations, location, operations, id]
                    if eq(providers, "providers")
                        && eq(namespace, COMPUTE)
                        && eq(locations, "locations")
                        && eq(operations, "operations") =>
                {
                    ArmRoute::ComputeOperation {
                        subscription: owned(subscription),
                        location: owned(location),
                        id: id.to_ascii_lowercase(),
                    }
                }
                [providers, namespace, skus]
                    if eq(providers, "providers") && eq(namespace, COMPUTE) && eq(skus, "skus") =>
                {
                    ArmRoute::Skus {
                        subscription: owned(subscription),
                    }
                }
                [resources] if eq(resources, "resources") => ArmRoute::Resources {
                    subscription: owned(subscription),
                },
                [groups, name, below @ ..] if eq(groups, "resourceGroups") => {
                    let group = Group {
                        subscription: owned(subscription),
                        name: owned(name),
                    };
                    match below {
                        [] => ArmRoute::ResourceGroup(group),
                        [resources] if eq(resources, "resources") => {
                            ArmRoute::GroupResources(group)
                        }
                        [providers, provider, kind, name, below @ ..]
                            if eq(providers, "providers") =>
                        {
                            let kind = Kind::ALL.into_iter().find(|candidate| {
                                let (namespace, type_name) = candidate.parts();
                                eq(provider, namespace) && eq(kind, type_name)
                            })?;
                            let below = Below::parse(kind, below)?;
                            ArmRoute::Resource {
                                group,
                                kind,
                                name: owned(name),
                                below,
                            }
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(route)
    }

    /// The HTTP methods it answers: a VM's `powerOff` is a POST, the rest
    /// are reads.
    pub(crate) fn methods(&self) -> &'static [axum::http::Method] {
        match self {
            ArmRoute::Resource {
                below: Below::PowerOff,
                ..
            } => &[axum::http::Method::POST],
            _ => &[axum::http::Method::GET],
        }
    }

    /// The API it belongs to.
    pub(crate) fn api(&self) -> Api {
        match self {
            ArmRoute::Subscription { .. } => Api::Subscriptions,
            ArmRoute::Usages { .. } | ArmRoute::ComputeOperation { .. } => Api::Compute,
            ArmRoute::Skus { .. } => Api::Skus,
            ArmRoute::Resources { .. }
            | ArmRoute::ResourceGroup(_)
            | ArmRoute::GroupResources(_) => Api::Resources,
            ArmRoute::Resource { kind, .. } => kind.api(),
        }
    }

    /// The RBAC action it needs (the emulator's one table of them, with
    /// `routes::rbac` for ASR's and Automation's routes).
    pub(crate) fn action(&self) -> &'static str {
        match self {
            ArmRoute::Subscription { .. } => "Microsoft.Resources/subscriptions/read",
            ArmRoute::Usages { .. } => "Microsoft.Compute/locations/usages/read",
            ArmRoute::Skus { .. } => "Microsoft.Compute/skus/read",
            ArmRoute::ComputeOperation { .. } => "Microsoft.Compute/locations/operations/read",
            ArmRoute::Resources { .. } => "Microsoft.Resources/subscriptions/resources/read",
            ArmRoute::ResourceGroup(_) => "Microsoft.Resources/subscriptions/resourceGroups/read",
            ArmRoute::GroupResources(_) => {
                "Microsoft.Resources/subscriptions/resourceGroups/resources/read"
            }
            ArmRoute::Resource { kind, below, .. } => match (kind, below) {
                (Kind::ReservationGroup, Below::Reservations | Below::Reservation(_)) => {
                    "Microsoft.Compute/capacityReservationGroups/capacityReservations/read"
                }
                (Kind::ReservationGroup, _) => "Microsoft.Compute/capacityReservationGroups/read",
                (Kind::VirtualMachine, Below::PowerOff) => {
                    "Microsoft.Compute/virtualMachines/powerOff/action"
                }
                (Kind::VirtualMachine, _) => "Microsoft.Compute/virtualMachines/read",
                (Kind::VirtualNetwork, Below::Subnet(_)) => {
                    "Microsoft.Network/virtualNetworks/subnets/read"
                }
                (Kind::VirtualNetwork, Below::CheckIp) => {
                    "Microsoft.Network/virtualNetworks/checkIpAddressAvailability/read"
                }
                (Kind::VirtualNetwork, _) => "Microsoft.Network/virtualNetworks/read",
                (Kind::SecurityGroup, _) => "Microsoft.Network/networkSecurityGroups/read",
                (Kind::PublicIp, _) => "Microsoft.Network/publicIPAddresses/read",
                (Kind::LoadBalancer, _) => "Microsoft.Network/loadBalancers/read",
                (Kind::AvailabilitySet, _) => "Microsoft.Compute/availabilitySets/read",
                (Kind::ProximityGroup, _) => "Microsoft.Compute/proximityPlacementGroups/read",
            },
        }
    }
}

/// The ARM id of a resource of `group`.
pub(crate) fn resource_id(group: &Group, kind: Kind, name: &str) -> String {
    format!("{}/providers/{}/{name}", group.id(), kind.arm_type())
}

/// The resource type an ARM id names (`Microsoft.Network/virtualNetworks`,
/// `Microsoft.Network/loadBalancers/backendAddressPools`, or
/// `resourceGroups` for a resource group), `None` when it is not a
/// well-formed id of a resource in a resource group.
pub(crate) fn id_type(id: &str) -> Option<String> {
    let segments: Vec<&str> = id.strip_prefix('/')?.split('/').collect();
    if segments.iter().any(|s| s.trim().is_empty()) {
        return None;
    }
    match segments.as_slice() {
        [root, _, groups, _] if eq(root, "subscriptions") && eq(groups, "resourceGroups") => {
            Some("resourceGroups".to_owned())
        }
        [root, _, groups, _, providers, provider, rest @ ..]
            if eq(root, "subscriptions")
                && eq(groups, "resourceGroups")
                && eq(providers, "providers")
                && !rest.is_empty()
                && rest.len() % 2 == 0 =>
        {
            let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
            Some(format!("{provider}/{}", types.join("/")))
        }
        _ => None,
    }
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests;
