//! The world's address and id arithmetic: prefixes that hold a plan's
//! static IPs, free blocks for other subnets, Azure's reserved addresses,
//! and ARM ids split into parent and child.

use std::net::Ipv4Addr;

use super::derive::{covering, free_block};
use super::{child_of, contains, key, reserved, resource_group_of};

#[test]
fn a_subnet_prefix_holds_every_static_ip_given_in_it() {
    let one = [Ipv4Addr::new(10, 2, 1, 4)];
    assert_eq!(covering(&one), "10.2.1.0/24");
    let spread = [Ipv4Addr::new(10, 2, 1, 4), Ipv4Addr::new(10, 2, 3, 9)];
    let prefix = covering(&spread);
    assert_eq!(prefix, "10.2.0.0/22");
    assert!(spread.iter().all(|ip| contains(&prefix, *ip)));
}

#[test]
fn other_subnets_get_blocks_that_overlap_none() {
    assert_eq!(free_block(&[]), "10.0.0.0/24");
    let taken = ["10.0.0.0/23".to_owned(), "10.0.2.0/24".to_owned()];
    assert_eq!(free_block(&taken), "10.0.3.0/24");
}

#[test]
fn azure_keeps_the_first_four_and_the_last_address_of_a_subnet() {
    let p = "10.2.1.0/24";
    for last in [0, 1, 2, 3, 255] {
        assert!(reserved(p, Ipv4Addr::new(10, 2, 1, last)), "{last}");
    }
    assert!(!reserved(p, Ipv4Addr::new(10, 2, 1, 4)));
}

#[test]
fn arm_ids_compare_without_case_and_split_into_parent_and_child() {
    let subnet = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V/subnets/App/";
    let (parent, name) = child_of(subnet, "subnets").unwrap();
    assert_eq!(
        parent,
        key("/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v")
    );
    assert_eq!(name, "App");
    assert_eq!(
        resource_group_of(subnet).as_deref(),
        Some("/subscriptions/s/resourcegroups/rg")
    );
    assert_eq!(
        child_of("/subscriptions/s/resourceGroups/rg", "subnets"),
        None
    );
}
