//! Whether an address stays on this machine: a URL or an IP address in, a
//! yes or no out. Secrets (a webhook's headers, the bearer token of Azure
//! Resource Manager) may go over plain http only where this says yes.
//!
//! A loopback host is `localhost`, an address in 127.0.0.0/8, or `::1`,
//! spelled as such. Not loopback, on purpose:
//! - `0.0.0.0` and `::`: Linux connects them to this machine, but they name
//!   no host (to a listener they mean "every interface"), and other systems
//!   refuse or route them differently;
//! - `localhost.` and `*.localhost`: a resolver may look a fully qualified
//!   name up in DNS instead of the hosts file, so it may name another host;
//! - IPv4-mapped IPv6 (`[::ffff:127.0.0.1]`): whether it reaches 127.0.0.1
//!   depends on the socket's dual-stack setting, so only the plain spellings
//!   are trusted.

use std::net::IpAddr;

use url::{Host, Url};

/// Whether `url`'s host is a loopback host (see the module doc).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => is_loopback_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_loopback_ip(IpAddr::V6(ip)),
        None => false,
    }
}

/// Whether `ip` is a loopback address: 127.0.0.0/8 or `::1`.
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn loopback_hosts_are_localhost_127_8_and_ipv6_loopback() {
        for yes in [
            "http://localhost/",
            "http://LOCALHOST:8080/x",
            "http://127.0.0.1:1/",
            "http://127.255.0.9/",
            "http://127.1/",
            "http://[::1]:80/",
        ] {
            assert!(is_loopback(&url(yes)), "{yes}");
        }
    }

    #[test]
    fn unspecified_addresses_qualified_names_mapped_addresses_and_other_hosts_are_not() {
        for no in [
            "http://0.0.0.0:8080/",
            "http://[::]/",
            "http://localhost./",
            "http://app.localhost/",
            "http://localhost.example.com/",
            "http://128.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::2]/",
            "http://management.azure.com/",
        ] {
            assert!(!is_loopback(&url(no)), "{no}");
        }
    }
}
