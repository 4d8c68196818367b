//! Each finding kind raised by a world that has the problem and absent from
//! one that does not; the reads counted: one per region for usages and
//! sizes, one per distinct resource, none for what the operation does not
//! create.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::*;

#[tokio::test]
async fn quota_names_the_family_the_numbers_and_the_first_vm_that_does_not_fit() {
    let plan = shop(
        10,
        r#"{"network": "NET"}"#.replace("NET", &net("vnet-ne")).as_str(),
        "",
    );
    // Room for 6 VMs of 4 vCPUs: VM 7 is the first that does not fit.
    let vault = Vault::new(&plan, region(24));
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Quota], "{:#?}", a.readiness);
    let f = &a.readiness.findings[0];
    assert_eq!(f.severity, Severity::Blocker);
    assert_eq!(f.details["needed"], 40);
    assert_eq!(f.details["free"], 24);
    assert_eq!(f.details["vms_over"][0], "app-07");
    assert!(
        f.message
            .contains("Standard DSv5 Family vCPUs in northeurope"),
        "{}",
        f.message
    );
    assert!(f.remedy.contains("at least 16 vCPUs"), "{}", f.remedy);
    assert!(!a.readiness.ready);

    let roomy = Vault::new(&plan, region(40));
    let a = assess_with(&plan, &roomy, Operation::Failover).await;
    assert!(a.readiness.findings.is_empty(), "{:#?}", a.readiness);
    // One usages list, one SKU list, one read of the network for ten VMs.
    let mut reads = roomy.world.reads.lock().unwrap().clone();
    reads.sort();
    assert_eq!(reads.len(), 3, "{reads:?}");
    assert_eq!(a.reads, 3);
}

#[tokio::test]
async fn a_test_failover_checks_the_test_network_and_a_commit_reads_nothing() {
    let extra = format!("test {{ network \"{}\" }}", net("vnet-drill"));
    let plan = shop(2, "{}", &extra);
    let vault = Vault::new(&plan, region(100));
    let a = assess_with(&plan, &vault, Operation::TestFailover).await;
    assert_eq!(kinds(&a), [FindingKind::MissingResource]);
    assert!(a.readiness.findings[0].message.contains("vnet-drill"));
    assert!(a.readiness.findings[0].message.contains("app-01, app-02"));

    vault.world.reads.lock().unwrap().clear();
    let graph = crate::graph::build(&plan, Operation::Commit, None);
    let a = assess(&plan, &graph, &vault, None, now()).await.unwrap();
    // Every machine is protected: nothing to commit, and nothing read beside the vault.
    assert_eq!(a.readiness.blockers, 2);
    assert!(vault.world.reads.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sizes_zones_and_restrictions_block_only_the_vms_they_concern() {
    let plan = shop(2, r#"{"zone": 2}"#, "");
    let mut world = region(100);
    world.skus.get_mut("northeurope").unwrap()[0].restrictions = vec![SkuRestriction {
        scope: RestrictionScope::Zone,
        zones: vec!["2".into()],
        reason: "NotAvailableForSubscription".into(),
    }];
    let vault = Vault::new(&plan, world);
    vault.edit("app-02", |m| {
        m.target.size = Some("Standard_M416ms_v2".into());
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    let got: Vec<_> = a
        .readiness
        .findings
        .iter()
        .map(|f| (f.kind, f.vm.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        got,
        [
            (FindingKind::Sku, "app-01".to_owned()),
            (FindingKind::Sku, "app-02".to_owned()),
        ],
        "{:#?}",
        a.readiness
    );
    assert!(
        a.readiness.findings[0]
            .message
            .contains("restricted in zone 2")
    );
    assert!(
        a.readiness.findings[1]
            .message
            .contains("not offered in northeurope")
    );
}

#[tokio::test]
async fn reservations_count_their_free_instances_instead_of_quota() {
    let crg = format!(
        "{SUB}/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne"
    );
    let plan = shop(3, &format!(r#"{{"capacity_reservation": "{crg}"}}"#), "");
    // No quota at all: the reservation is what counts.
    let mut world = region(0);
    world.resources.insert(
        crg.to_ascii_lowercase(),
        Resource::ReservationGroup {
            location: "northeurope".into(),
            zones: Vec::new(),
            reservations: vec![Reservation {
                name: "d4".into(),
                size: "Standard_D4s_v5".into(),
                zone: None,
                capacity: 4,
                used: 2,
            }],
        },
    );
    let vault = Vault::new(&plan, world);
    for vm in ["app-01", "app-02", "app-03"] {
        vault.edit(vm, |m| m.target.capacity_reservation = Some(crg.clone()));
    }
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(
        kinds(&a),
        [FindingKind::CapacityReservation],
        "{:#?}",
        a.readiness
    );
    assert_eq!(a.readiness.findings[0].details["free"], 2);
    assert_eq!(a.readiness.findings[0].details["needed"], 3);
}

#[tokio::test]
async fn static_ips_outside_their_subnet_or_taken_are_warnings() {
    let plan = shop(
        1,
        &format!(
            r#"{{"network": "{}", "subnet": "app", "ip": "10.2.1.4"}}"#,
            net("vnet-ne")
        ),
        "",
    );
    let mut world = region(100);
    world.used_ips.push(Ipv4Addr::new(10, 2, 1, 4));
    let vault = Vault::new(&plan, world);
    vault.edit("app-01", |m| {
        m.target = TargetSettings::clone(&plan.groups[0].vms[0].target);
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::IpUnavailable]);
    assert!(a.readiness.ready, "an IP ASR would replace does not block");
    assert!(a.readiness.findings[0].remedy.contains("10.2.1.9"));

    let outside = plan_with_ip("10.2.2.4");
    let vault = Vault::new(&outside, region(100));
    vault.edit("app-01", |m| {
        m.target = TargetSettings::clone(&outside.groups[0].vms[0].target);
    });
    let a = assess_with(&outside, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::IpUnavailable]);
    assert!(
        a.readiness.findings[0]
            .message
            .contains("outside subnet app (10.2.1.0/24)")
    );

    let missing_subnet = shop(
        1,
        &format!(r#"{{"network": "{}", "subnet": "db"}}"#, net("vnet-ne")),
        "",
    );
    let vault = Vault::new(&missing_subnet, region(100));
    let a = assess_with(&missing_subnet, &vault, Operation::Failover).await;
    assert!(
        kinds(&a).contains(&FindingKind::MissingResource),
        "{:#?}",
        a.readiness
    );
}

fn plan_with_ip(ip: &str) -> Plan {
    shop(
        1,
        &format!(
            r#"{{"network": "{}", "subnet": "app", "ip": "{ip}"}}"#,
            net("vnet-ne")
        ),
        "",
    )
}

#[tokio::test]
async fn the_vaults_health_rpo_issues_and_drills_are_reported() {
    let plan = shop(3, "{}", "objectives { rpo 15m  drill 90d }");
    let vault = Vault::new(&plan, region(100));
    vault.edit("app-01", |m| m.rpo_s = Some(25 * 60));
    vault.edit("app-02", |m| {
        m.health = Health::Critical;
        m.issues.push(HealthIssue {
            code: "150097".into(),
            kind: IssueKind::SubscriptionQuota,
            severity: Health::Critical,
            message: "QuotaExceeded".into(),
            possible_causes: None,
            recommended_action: Some("Raise the quota".into()),
        });
    });
    vault.edit("app-03", |m| {
        m.last_test_failover = Some(Timestamp(now().0 - Duration::from_secs(100 * 86_400)));
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    let mut got = kinds(&a);
    got.sort();
    assert_eq!(
        got,
        [
            FindingKind::Health,
            FindingKind::Rpo,
            FindingKind::Config,
            FindingKind::DrillStale
        ]
    );
    assert!(a.readiness.ready, "health is a warning for a failover");
    let stale = a
        .readiness
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::DrillStale)
        .unwrap();
    assert!(stale.message.contains("100d ago"), "{}", stale.message);
    // A critical item blocks a test failover.
    let a = assess_with(&plan, &vault, Operation::TestFailover).await;
    assert_eq!(a.readiness.blockers, 1, "{:#?}", a.readiness);
    assert!(a.readiness.refuses(false));
}

#[tokio::test]
async fn coverage_finds_the_application_vm_nobody_added() {
    let plan = shop(2, "{}", "coverage { tag \"app=shop\" }");
    let mut world = region(100);
    for (name, location) in [
        ("app-01", "westeurope"),
        ("app-03", "westeurope"),
        ("app-04", "northeurope"),
    ] {
        world.vms.push(shop_vm(name, location));
    }
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Coverage], "{:#?}", a.readiness);
    assert!(a.readiness.findings[0].message.contains("VM app-03"));
}

#[tokio::test]
async fn a_read_that_fails_is_reported_never_passed() {
    let plan = shop(2, "{}", "");
    let mut world = region(0);
    world.forbidden = true;
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Unchecked], "{:#?}", a.readiness);
    let f = &a.readiness.findings[0];
    assert!(
        f.message.contains("the vCPU quota of northeurope"),
        "{}",
        f.message
    );
    assert!(
        f.remedy.contains("Microsoft.Compute/locations/usages/read"),
        "{}",
        f.remedy
    );
    assert!(a.readiness.ready && a.readiness.refuses(true));
}

#[tokio::test]
async fn configure_checks_only_what_the_plan_points_the_vault_at() {
    let plan = shop(1, &format!(r#"{{"network": "{}"}}"#, net("vnet-gone")), "");
    let vault = Vault::new(&plan, region(100));
    vault.edit("app-01", |m| {
        m.target.nsg = Some(format!(
            "{SUB}/resourceGroups/rg-ne/providers/Microsoft.Network/networkSecurityGroups/gone"
        ));
    });
    let a = assess_with(&plan, &vault, Operation::Configure).await;
    assert_eq!(
        kinds(&a),
        [FindingKind::MissingResource],
        "{:#?}",
        a.readiness
    );
    assert!(a.readiness.findings[0].message.contains("vnet-gone"));
    vault.edit("app-01", |m| {
        m.active_location = Location::Recovery;
        m.allowed = vec![AsrOperation::Commit];
        m.replicating_from = None;
    });
    let a = assess_with(&plan, &vault, Operation::Configure).await;
    assert_eq!(kinds(&a), [FindingKind::State]);
    assert!(
        a.readiness.findings[0]
            .message
            .contains("middle of a failover"),
        "{}",
        a.readiness.findings[0].message
    );
}
