//! ARM resource ids as plans write them: text in, its parts out
//! (subscription, resource group, provider namespace, resource types and
//! names) or why it is no id. ARM compares the fixed segments and types
//! without regard to case, and so does this.

use std::fmt;

/// A parsed ARM id: `/subscriptions/{s}/resourceGroups/{rg}`, or below it
/// `/providers/{namespace}/{type}/{name}[/{type}/{name}…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ArmId<'a> {
    /// The segments between the slashes, the leading empty one left out.
    segments: Vec<&'a str>,
}

/// Why a text is no ARM id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ArmIdError {
    /// It does not start with `/subscriptions/`.
    NoSubscriptions,
    /// The subscription is not a GUID.
    NotGuid(String),
    /// `resourceGroups/<name>` does not follow the subscription.
    NoResourceGroup,
    /// `//` or a trailing `/`.
    EmptySegment,
    /// Something else than `providers` follows the resource group.
    NoProviders(String),
    /// `providers/<namespace>` names no resource type.
    NoType,
    /// The last resource type has no name after it.
    NoName(String),
}

impl fmt::Display for ArmIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArmIdError::NoSubscriptions => f.write_str("it does not start with `/subscriptions/`"),
            ArmIdError::NotGuid(s) => write!(f, "`{s}` is not a subscription id (a GUID)"),
            ArmIdError::NoResourceGroup => {
                f.write_str("`resourceGroups/<name>` does not follow the subscription id")
            }
            ArmIdError::EmptySegment => {
                f.write_str("it has an empty segment (`//` or a final `/`)")
            }
            ArmIdError::NoProviders(found) => write!(
                f,
                "expected `providers` after the resource group, found `{found}`"
            ),
            ArmIdError::NoType => f.write_str("it names a provider but no resource type"),
            ArmIdError::NoName(kind) => write!(f, "`{kind}` has no resource name after it"),
        }
    }
}

/// The type of a resource group id, as `TargetSetting::resource_type` names it.
pub(super) const RESOURCE_GROUP: &str = "resourceGroups";

impl<'a> ArmId<'a> {
    /// Splits and checks an id.
    pub(super) fn parse(id: &'a str) -> Result<ArmId<'a>, ArmIdError> {
        let Some(rest) = id.strip_prefix('/') else {
            return Err(ArmIdError::NoSubscriptions);
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let same = |i: usize, word: &str| {
            segments
                .get(i)
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
        };
        if !same(0, "subscriptions") || segments.len() < 2 {
            return Err(ArmIdError::NoSubscriptions);
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(ArmIdError::EmptySegment);
        }
        if !is_guid(segments[1]) {
            return Err(ArmIdError::NotGuid(segments[1].to_owned()));
        }
        if !same(2, "resourceGroups") || segments.len() < 4 {
            return Err(ArmIdError::NoResourceGroup);
        }
        if segments.len() == 4 {
            return Ok(ArmId { segments });
        }
        if !same(4, "providers") {
            return Err(ArmIdError::NoProviders(segments[4].to_owned()));
        }
        // providers / namespace / (type / name)+
        if segments.len() < 7 {
            return Err(ArmIdError::NoType);
        }
        if !segments.len().is_multiple_of(2) {
            let last = segments.last().copied().unwrap_or_default();
            return Err(ArmIdError::NoName(last.to_owned()));
        }
        Ok(ArmId { segments })
    }

    /// `Microsoft.Network/virtualNetworks/subnets`, or `resourceGroups` for
    /// a resource group.
    pub(super) fn resource_type(&self) -> String {
        if self.segments.len() == 4 {
            return RESOURCE_GROUP.to_owned();
        }
        let mut out = self.segments[5].to_owned();
        for kind in self.segments[6..].iter().step_by(2) {
            out.push('/');
            out.push_str(kind);
        }
        out
    }

    /// Whether it names a resource of `expected` type.
    pub(super) fn is_type(&self, expected: &str) -> bool {
        self.resource_type().eq_ignore_ascii_case(expected)
    }

    /// The id of the resource of `expected` type that this one lies in: a
    /// subnet's virtual network, any resource's resource group.
    pub(super) fn ancestor(&self, expected: &str) -> Option<String> {
        let prefix = |n: usize| format!("/{}", self.segments[..n].join("/"));
        if expected.eq_ignore_ascii_case(RESOURCE_GROUP) {
            return (self.segments.len() > 4).then(|| prefix(4));
        }
        let own = self.resource_type();
        let nested = own.len() > expected.len()
            && own.as_bytes()[expected.len()] == b'/'
            && own[..expected.len()].eq_ignore_ascii_case(expected);
        // `namespace/type` is 2 parts and 3 segments past `providers`; each
        // further type adds one part and two segments.
        let parts = expected.split('/').count();
        nested.then(|| prefix(5 + 2 * parts - 1))
    }

    /// The same resource names under `expected` type, when that type has as
    /// many levels: the id a typo in the provider or type meant.
    pub(super) fn retyped(&self, expected: &str) -> Option<String> {
        let kinds: Vec<&str> = expected.split('/').collect();
        if self.segments.len() < 7
            || kinds.len() < 2
            || (self.segments.len() - 5) != 2 * kinds.len() - 1
        {
            return None;
        }
        let mut out = format!("/{}/{}", self.segments[..5].join("/"), kinds[0]);
        for (kind, name) in kinds[1..].iter().zip(self.segments[7..].iter().step_by(2)) {
            out.push('/');
            out.push_str(kind);
            out.push('/');
            out.push_str(name);
        }
        Some(out)
    }
}

/// How an id of `expected` type is written, with `name` for the resource's
/// own name: `/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/…/<name>`.
pub(super) fn form(expected: &str, name: &str) -> String {
    let start = "/subscriptions/<subscription id>/resourceGroups/";
    if expected.eq_ignore_ascii_case(RESOURCE_GROUP) {
        return format!("{start}{name}");
    }
    let kinds: Vec<&str> = expected.split('/').collect();
    let mut out = format!("{start}<resource group>/providers/{}", kinds[0]);
    let levels = kinds.len().saturating_sub(1);
    for (i, kind) in kinds.iter().skip(1).enumerate() {
        out.push('/');
        out.push_str(kind);
        out.push('/');
        if i + 1 == levels {
            out.push_str(name);
        } else {
            out.push_str("<name>");
        }
    }
    out
}

/// What messages call a resource of a type: "a virtual network".
pub(super) fn noun(resource_type: &str) -> Option<&'static str> {
    NOUNS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))
        .map(|(_, n)| *n)
}

/// The resource types plans name, and some that people paste by mistake.
const NOUNS: &[(&str, &str)] = &[
    (RESOURCE_GROUP, "a resource group"),
    ("Microsoft.Network/virtualNetworks", "a virtual network"),
    ("Microsoft.Network/virtualNetworks/subnets", "a subnet"),
    ("Microsoft.Network/publicIPAddresses", "a public IP address"),
    ("Microsoft.Network/loadBalancers", "a load balancer"),
    (
        "Microsoft.Network/loadBalancers/backendAddressPools",
        "a load balancer backend pool",
    ),
    (
        "Microsoft.Network/networkSecurityGroups",
        "a network security group",
    ),
    ("Microsoft.Network/networkInterfaces", "a network interface"),
    ("Microsoft.Compute/virtualMachines", "a virtual machine"),
    ("Microsoft.Compute/availabilitySets", "an availability set"),
    (
        "Microsoft.Compute/proximityPlacementGroups",
        "a proximity placement group",
    ),
    (
        "Microsoft.Compute/capacityReservationGroups",
        "a capacity reservation group",
    ),
    (
        "Microsoft.Compute/capacityReservationGroups/capacityReservations",
        "a capacity reservation",
    ),
    (
        "Microsoft.RecoveryServices/vaults",
        "a Recovery Services vault",
    ),
    (
        "Microsoft.Automation/automationAccounts",
        "an Automation account",
    ),
];

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

    #[test]
    fn ids_split_into_their_types() {
        let subnet = format!(
            "{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/app"
        );
        let id = ArmId::parse(&subnet).unwrap();
        assert_eq!(
            id.resource_type(),
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert!(id.is_type("microsoft.network/virtualnetworks/SUBNETS"));
        assert_eq!(
            id.ancestor("Microsoft.Network/virtualNetworks").as_deref(),
            Some(&*format!(
                "{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            ))
        );
        assert_eq!(
            id.ancestor(RESOURCE_GROUP).as_deref(),
            Some(&*format!("{SUB}/resourceGroups/rg"))
        );
        assert_eq!(id.ancestor("Microsoft.Network/loadBalancers"), None);
        let rg = format!("{SUB}/resourceGroups/rg");
        assert_eq!(ArmId::parse(&rg).unwrap().resource_type(), RESOURCE_GROUP);
    }

    #[test]
    fn malformed_ids_say_why() {
        let cases = [
            ("vnet-ne", ArmIdError::NoSubscriptions),
            (
                "/subscriptions/x/resourceGroups/rg",
                ArmIdError::NotGuid("x".into()),
            ),
            (&*format!("{SUB}/rg"), ArmIdError::NoResourceGroup),
            (
                &*format!("{SUB}/resourceGroups/rg/"),
                ArmIdError::EmptySegment,
            ),
            (
                &*format!("{SUB}/resourceGroups/rg/vnets/v"),
                ArmIdError::NoProviders("vnets".into()),
            ),
            (
                &*format!("{SUB}/resourceGroups/rg/providers/Microsoft.Network"),
                ArmIdError::NoType,
            ),
            (
                &*format!("{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks"),
                ArmIdError::NoName("virtualNetworks".into()),
            ),
        ];
        for (text, error) in cases {
            assert_eq!(ArmId::parse(text), Err(error), "{text}");
        }
    }

    #[test]
    fn a_typo_in_the_type_gives_the_id_it_meant() {
        let typo = format!("{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetwork/v");
        let id = ArmId::parse(&typo).unwrap();
        assert_eq!(
            id.retyped("Microsoft.Network/virtualNetworks").as_deref(),
            Some(&*format!(
                "{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            ))
        );
        assert_eq!(
            id.retyped("Microsoft.Network/loadBalancers/backendAddressPools"),
            None
        );
    }

    #[test]
    fn forms_show_every_level() {
        assert_eq!(
            form(
                "Microsoft.Network/loadBalancers/backendAddressPools",
                "<pool>"
            ),
            "/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.Network/loadBalancers/<name>/backendAddressPools/<pool>"
        );
        assert_eq!(
            form(RESOURCE_GROUP, "rg-ne"),
            "/subscriptions/<subscription id>/resourceGroups/rg-ne"
        );
    }
}
