//! A plan across two region pairs (`eu` in the plan's West Europe → North
//! Europe, `us` in its own East US → West US): each VM's sizes and quota are
//! checked in its own group's region, and coverage looks in every group's
//! primary region.

use super::*;

const PLAN: &str = r#"plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  coverage { tag "app=shop" }
  group eu { vm eu-01, eu-02 }
  group us { primary "East US"  recovery "westus"  vm us-01, us-02 }
}
"#;

fn plan() -> Plan {
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", PLAN));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

/// `region` with `free` vCPUs of the `DSv5` family and the size the VMs use.
fn room(world: &mut World, region: &str, free: u64) {
    let template = super::region(free);
    world
        .usages
        .insert(region.into(), template.usages["northeurope"].clone());
    world
        .skus
        .insert(region.into(), template.skus["northeurope"].clone());
}

fn reads(vault: &Vault) -> Vec<String> {
    let mut reads = vault.world.reads.lock().unwrap().clone();
    reads.sort();
    reads
}

#[tokio::test]
async fn each_vm_is_checked_in_its_own_groups_recovery_region() {
    let plan = plan();
    // Room for every VM in North Europe, for one of 4 vCPUs in West US.
    let mut world = region(100);
    room(&mut world, "westus", 4);
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Quota], "{:#?}", a.readiness);
    let f = &a.readiness.findings[0];
    assert_eq!(f.details["region"], "westus");
    assert_eq!(f.details["needed"], 8, "only us's two VMs count in westus");
    assert_eq!(f.details["vms_over"], serde_json::json!(["us-02"]));
    assert!(f.message.contains("in westus"), "{}", f.message);
    assert_eq!(
        reads(&vault),
        [
            "skus northeurope",
            "skus westus",
            "usages northeurope",
            "usages westus"
        ]
    );
}

#[tokio::test]
async fn a_failback_checks_each_groups_primary_region() {
    let plan = plan();
    let mut world = World::default();
    room(&mut world, "westeurope", 100);
    room(&mut world, "eastus", 100);
    let vault = Vault::new(&plan, world);
    for vm in ["eu-01", "eu-02", "us-01", "us-02"] {
        vault.edit(vm, |m| {
            m.active_location = Location::Recovery;
            m.replicating_from = Some(Location::Recovery);
        });
    }
    let a = assess_with(&plan, &vault, Operation::Failback).await;
    assert!(a.readiness.findings.is_empty(), "{:#?}", a.readiness);
    assert_eq!(
        reads(&vault),
        [
            "skus eastus",
            "skus westeurope",
            "usages eastus",
            "usages westeurope"
        ]
    );
}

#[tokio::test]
async fn coverage_looks_in_every_groups_primary_region() {
    let plan = plan();
    let mut world = region(100);
    room(&mut world, "westus", 100);
    for (name, location) in [
        ("eu-03", "westeurope"),
        ("us-03", "eastus"),
        ("us-dr", "westus"),
        ("other", "centralus"),
    ] {
        world.vms.push(shop_vm(name, location));
    }
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    let left_behind: Vec<&str> = a
        .readiness
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Coverage)
        .map(|f| f.details["name"].as_str().unwrap())
        .collect();
    // A recovery region's VM, or one in a region no group fails over
    // from, is no VM a failover would leave behind.
    assert_eq!(left_behind, ["eu-03", "us-03"], "{:#?}", a.readiness);
}
