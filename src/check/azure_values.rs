//! Azure's own value formats, as text in and a typed value or a reason out:
//! static IPv4 addresses, VM sizes (with their canonical spelling), tag
//! selectors and the names of VMs and subnets. No diagnostics here: the
//! checker turns the reasons into them.

use std::net::Ipv4Addr;

/// Why a text is not an address a NIC can have, and the address it may have meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IpProblem {
    /// What is wrong.
    pub(super) reason: String,
    /// The address it probably means (`10.2.1.4` for `10.2.1.4/24`).
    pub(super) meant: Option<String>,
}

/// A static IPv4 address for a NIC: dotted decimal, no leading zeros, and
/// none of the addresses no NIC gets (loopback, link-local, multicast,
/// broadcast, `0.0.0.0`).
pub(super) fn ipv4(text: &str) -> Result<Ipv4Addr, IpProblem> {
    let problem = |reason: String, meant: Option<String>| Err(IpProblem { reason, meant });
    let trimmed = text.trim();
    if trimmed != text {
        return match ipv4(trimmed) {
            Ok(ip) => problem("it has spaces around it".into(), Some(ip.to_string())),
            Err(e) => Err(e),
        };
    }
    if let Some((address, _)) = text.split_once('/') {
        let meant = ipv4(address).ok().map(|ip| ip.to_string());
        return problem(
            "a static IP is one address, not a range in CIDR notation".into(),
            meant,
        );
    }
    if text.contains(':') {
        return problem(
            "it looks like an IPv6 address; target static IPs are IPv4".into(),
            None,
        );
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return problem(
            format!(
                "an IPv4 address is four numbers separated by dots, found {} part{}",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            ),
            None,
        );
    }
    let mut octets = [0u8; 4];
    let mut leading_zero = false;
    for (octet, part) in octets.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return problem(format!("`{part}` is not a number from 0 to 255"), None);
        }
        let trimmed = part.trim_start_matches('0');
        let value = if trimmed.is_empty() { "0" } else { trimmed };
        leading_zero |= value.len() != part.len();
        match value.parse::<u8>() {
            Ok(n) => *octet = n,
            Err(_) => return problem(format!("`{part}` is more than 255"), None),
        }
    }
    let ip = Ipv4Addr::from(octets);
    if leading_zero {
        return problem(
            "a number has a leading zero, which some tools read as octal".into(),
            Some(ip.to_string()),
        );
    }
    let unusable = if ip.is_unspecified() {
        Some("`0.0.0.0` names no host")
    } else if ip.is_loopback() {
        Some("it is a loopback address")
    } else if ip.is_link_local() {
        Some("it is a link-local address")
    } else if ip.is_multicast() {
        Some("it is a multicast address")
    } else if ip.is_broadcast() {
        Some("it is the broadcast address")
    } else {
        None
    };
    match unusable {
        Some(why) => problem(
            format!("{why}; a NIC's address comes from its subnet's range"),
            None,
        ),
        None => Ok(ip),
    }
}

/// Whether a text is an Azure VM size spelt as Azure spells it
/// (`Standard_D4s_v5`); otherwise the canonical spelling it most likely
/// means, if there is one (`standard_d4s_v5`, `D4s_v5`, `Standard D4s v5`).
pub(super) fn vm_size(text: &str) -> Result<(), Option<String>> {
    match canonical_size(text) {
        Some(canonical) if canonical == text => Ok(()),
        Some(canonical) => Err(Some(canonical)),
        None => {
            let spaced = text.split_whitespace().collect::<Vec<_>>().join("_");
            let meant =
                canonical_size(&spaced).or_else(|| canonical_size(&format!("Standard_{spaced}")));
            Err(meant)
        }
    }
}

/// `tier_FamilyVcpus[-constrained]features[_segment…]`, each part in
/// Azure's case: `Standard_NC24ads_A100_v4`, `Standard_M8-2ms`, `Basic_A0`,
/// `Standard_DS2_v2_Promo`. `None` when the text has not that shape.
fn canonical_size(text: &str) -> Option<String> {
    let mut parts = text.split('_');
    let tier = match parts.next()?.to_ascii_lowercase().as_str() {
        "standard" => "Standard",
        "basic" => "Basic",
        _ => return None,
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(tier);
    out.push('_');
    out.push_str(&size_core(parts.next()?)?);
    for segment in parts {
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('_');
        let lower = segment.to_ascii_lowercase();
        if lower.starts_with('v')
            && lower.len() > 1
            && lower[1..].bytes().all(|b| b.is_ascii_digit())
        {
            // A version: `v5`.
            out.push_str(&lower);
        } else if lower == "promo" {
            out.push_str("Promo");
        } else if lower == "cc" {
            // Confidential computing: `Standard_DC4as_cc_v5`.
            out.push_str("cc");
        } else {
            // An accelerator: `A100`, `H100`, `MI300X`, `T4`.
            out.push_str(&segment.to_ascii_uppercase());
        }
    }
    Some(out)
}

/// `D4s`, `NC24ads`, `M8-2ms`, `E96-24as`: family letters (upper case),
/// vCPUs, constrained vCPUs, feature letters (lower case).
fn size_core(core: &str) -> Option<String> {
    let bytes = core.as_bytes();
    let family = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = bytes[family..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=4).contains(&family) || !(1..=4).contains(&digits) {
        return None;
    }
    let mut at = family + digits;
    if bytes.get(at) == Some(&b'-') {
        let constrained = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(1..=4).contains(&constrained) {
            return None;
        }
        at += 1 + constrained;
    }
    let features = &core[at..];
    if !features.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some(format!(
        "{}{}{}",
        core[..family].to_ascii_uppercase(),
        &core[family..at],
        features.to_ascii_lowercase()
    ))
}

/// `"name=value"` or `"name"` (any value) as a tag selector; the reason
/// when the name is empty, too long or holds a character Azure refuses.
pub(super) fn tag(text: &str) -> Result<(String, Option<String>), String> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (text, None),
    };
    if name.is_empty() {
        return Err("the tag name before `=` is empty".into());
    }
    if let Some(c) = name.chars().find(|c| "<>%&\\?/".contains(*c)) {
        return Err(format!("Azure tag names cannot contain `{c}`"));
    }
    if name.chars().count() > 512 {
        return Err("Azure tag names are at most 512 characters".into());
    }
    if value.is_some_and(|v| v.chars().count() > 256) {
        return Err("Azure tag values are at most 256 characters".into());
    }
    Ok((name.to_owned(), value.map(str::to_owned)))
}

/// Why a text cannot be an Azure VM name: empty, over 64 characters, a
/// character Azure refuses, or a first or last character it refuses there.
pub(super) fn vm_name(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("a VM name cannot be empty".into());
    }
    if text.chars().count() > 64 {
        return Err("Azure VM names are at most 64 characters".into());
    }
    if let Some(c) = text.chars().find(|c| {
        c.is_whitespace() || c.is_control() || "\\/\"'[]:|<>+=;,?*@&~!#$%^(){}`".contains(*c)
    }) {
        return Err(format!(
            "Azure VM names cannot contain `{}`",
            c.escape_debug()
        ));
    }
    if text.starts_with('_') {
        return Err("Azure VM names cannot start with `_`".into());
    }
    if text.ends_with(['.', '-']) {
        return Err("Azure VM names cannot end with `.` or `-`".into());
    }
    Ok(())
}

/// Why a text cannot be a subnet name, and the name it may have meant: a
/// subnet's ARM id means its last segment.
pub(super) fn subnet(text: &str) -> Result<(), (String, Option<String>)> {
    if text.contains('/') {
        let meant = text
            .rsplit_once("/subnets/")
            .map(|(_, name)| name.trim_end_matches('/'))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .map(str::to_owned);
        return Err(("it takes the subnet's name, not its ARM id".into(), meant));
    }
    let valid = text.chars().count() <= 80
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err((
            "Azure subnet names have 1 to 80 letters, digits, `_`, `.` and `-`, start with a letter or digit and end with a letter, digit or `_`".into(),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_sizes_pass_as_azure_spells_them() {
        for size in [
            "Standard_D4s_v5",
            "Standard_E8bds_v5",
            "Basic_A0",
            "Standard_M128ms",
            "Standard_NC24ads_A100_v4",
            "Standard_M8-2ms",
            "Standard_DS11-1_v2",
            "Standard_DC4as_cc_v5",
            "Standard_DS2_v2_Promo",
            "Standard_ND96is_MI300X_v5",
            "Standard_HB176-144rs_v4",
            "Standard_B1ls",
            "Standard_G5",
        ] {
            assert_eq!(vm_size(size), Ok(()), "{size}");
        }
    }

    #[test]
    fn near_misses_get_the_canonical_spelling() {
        let meant = |text: &str| vm_size(text).unwrap_err();
        assert_eq!(meant("standard_d4s_v5").as_deref(), Some("Standard_D4s_v5"));
        assert_eq!(
            meant("STANDARD_E8BDS_V5").as_deref(),
            Some("Standard_E8bds_v5")
        );
        assert_eq!(
            meant("Standard_nc24ads_a100_v4").as_deref(),
            Some("Standard_NC24ads_A100_v4")
        );
        assert_eq!(meant("D4s_v5").as_deref(), Some("Standard_D4s_v5"));
        assert_eq!(meant("Standard D4s v5").as_deref(), Some("Standard_D4s_v5"));
        assert_eq!(meant("large"), None);
        assert_eq!(meant("Standard_"), None);
        assert_eq!(meant("Standard_D4s__v5"), None);
        assert_eq!(meant("Premium_D4s_v5"), None);
    }

    #[test]
    fn ip_addresses_say_what_is_wrong() {
        assert_eq!(ipv4("10.2.1.4"), Ok(Ipv4Addr::new(10, 2, 1, 4)));
        let problem = |text: &str| ipv4(text).unwrap_err();
        assert_eq!(problem("10.2.1.4/24").meant.as_deref(), Some("10.2.1.4"));
        assert_eq!(problem("10.2.01.4").meant.as_deref(), Some("10.2.1.4"));
        assert_eq!(problem(" 10.2.1.4").meant.as_deref(), Some("10.2.1.4"));
        assert!(problem("10.2.1.256").reason.contains("more than 255"));
        assert!(problem("10.2.1").reason.contains("found 3 parts"));
        assert!(problem("10.2.x.4").reason.contains("`x`"));
        assert!(problem("fd00::4").reason.contains("IPv6"));
        assert!(problem("127.0.0.1").reason.contains("loopback"));
        assert!(problem("169.254.1.1").reason.contains("link-local"));
        assert!(problem("0.0.0.0").reason.contains("names no host"));
    }

    #[test]
    fn tags_split_at_the_first_equals_sign() {
        assert_eq!(tag("app=shop"), Ok(("app".into(), Some("shop".into()))));
        assert_eq!(tag("app"), Ok(("app".into(), None)));
        assert_eq!(tag("env=a=b"), Ok(("env".into(), Some("a=b".into()))));
        assert!(tag("=shop").unwrap_err().contains("empty"));
        assert!(tag("a/b=c").unwrap_err().contains('/'));
    }

    #[test]
    fn names_follow_azure_rules() {
        assert_eq!(vm_name("app-01-ne"), Ok(()));
        assert!(vm_name("app 01").is_err());
        assert!(vm_name("app-").is_err());
        assert_eq!(subnet("app"), Ok(()));
        assert_eq!(
            subnet(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/app"
            ),
            Err((
                "it takes the subnet's name, not its ARM id".into(),
                Some("app".into())
            ))
        );
        assert!(subnet("-app").is_err());
    }
}
