use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::plan::Plan;
use crate::source::SourceFile;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

fn plan(groups: &str) -> Plan {
    let text = format!(
        "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  test {{ network \"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/drill\" }}\n  defaults {{ target {{ resource_group \"{SUB}/resourceGroups/rg-ne\"  size \"Standard_D2s_v5\"  subnet \"default\" }} }}\n{groups}}}\n"
    );
    let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text.as_str()));
    assert!(diags.is_empty(), "{diags:?}");
    plan.unwrap()
}

#[test]
fn each_setting_comes_from_the_most_specific_block_that_sets_it() {
    let plan = plan(
        "  group app {\n    target { size \"Standard_D4s_v5\"  zone 2 }\n    vm a { target { size \"Standard_D8s_v5\"  ip \"10.2.1.4\" } }\n    vm b\n  }\n  group db {\n    vm c { target { subnet \"db\" } }\n  }\n",
    );
    let [a, b] = &plan.groups[0].vms[..] else {
        unreachable!("two VMs in app")
    };
    let c = &plan.groups[1].vms[0];
    // The VM's own over its group's over the plan's.
    assert_eq!(a.target.size.as_deref(), Some("Standard_D8s_v5"));
    assert_eq!(b.target.size.as_deref(), Some("Standard_D4s_v5"));
    assert_eq!(c.target.size.as_deref(), Some("Standard_D2s_v5"));
    assert_eq!(a.target.zone, Some(2));
    assert_eq!(c.target.zone, None);
    assert_eq!(a.target.ip, Some(Ipv4Addr::new(10, 2, 1, 4)));
    assert_eq!(b.target.ip, None);
    assert_eq!(c.target.subnet.as_deref(), Some("db"));
    assert_eq!(b.target.subnet.as_deref(), Some("default"));
    let rg = format!("{SUB}/resourceGroups/rg-ne");
    for vm in [a, b, c] {
        assert_eq!(vm.target.resource_group.as_deref(), Some(rg.as_str()));
    }
}

#[test]
fn vms_without_their_own_target_share_their_groups_settings() {
    let plan = plan("  group app {\n    vm a, b\n  }\n  group db {\n    vm c\n  }\n");
    let vms: Vec<_> = plan.groups.iter().flat_map(|g| &g.vms).collect();
    assert!(Arc::ptr_eq(&vms[0].target, &vms[1].target));
    assert!(Arc::ptr_eq(&vms[0].target, &vms[2].target));
    assert_eq!(vms[0].target.size.as_deref(), Some("Standard_D2s_v5"));
}

#[test]
fn coverage_and_drill_are_read() {
    let text = format!(
        "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  objectives {{ drill 90d }}\n  coverage {{ tag \"app=shop\"  tag \"owner\"  resource_group \"{SUB}/resourceGroups/rg-shop\" }}\n  group g {{ vm a }}\n}}\n"
    );
    let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text.as_str()));
    assert!(diags.is_empty(), "{diags:?}");
    let plan = plan.unwrap();
    assert_eq!(
        plan.objectives.drill.map(|d| d.to_string()).as_deref(),
        Some("90d")
    );
    let tags: Vec<_> = plan
        .coverage
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.value.as_deref()))
        .collect();
    assert_eq!(tags, [("app", Some("shop")), ("owner", None)]);
    assert_eq!(
        plan.coverage.resource_groups,
        [format!("{SUB}/resourceGroups/rg-shop")]
    );
}
